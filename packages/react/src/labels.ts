import { STATUS_LABELS, type SessionStatus } from './deps';
import type { SessionOutcomeLabels } from './outcome-labels';

/**
 * Every piece of text the components show. Hosts override any subset through the `labels` prop or
 * `SessionClockProvider`; functions receive values already formatted for the active locale.
 */
export interface SessionLabels {
  /** Text of the Join button. */
  readonly join: string;
  /** Text of the Join button while the join is being recorded. */
  readonly joining: string;
  /** Shown (and linked to the disabled button) before Join opens. */
  readonly joinOpensIn: (countdown: string) => string;
  /** Shown between Join opening and the scheduled start. */
  readonly startsIn: (countdown: string) => string;
  /** Shown while the session is in progress. */
  readonly inProgress: string;
  /** Shown after the scheduled end while the session awaits settlement. */
  readonly ended: string;
  /** The scheduled start, shown once mounted: `date` is formatted with the locale and time zone. */
  readonly startsAt: (date: string) => string;
  /** Announced once, politely, when Join opens while the component is on screen. */
  readonly joinOpenAnnouncement: string;
  /**
   * Student warning; `minutes` is the session's no-show wait, `percent` the share a no-show charges as
   * the server stated it (the session JSON's `noShowQuote`), or `null` when the session carries none.
   */
  readonly studentNoShowWarning: (minutes: number, percent: string | null) => string;
  /** Tutor notice; `minutes` is the session's no-show wait. */
  readonly tutorNoShowNotice: (minutes: number) => string;
  /** Link to the meeting shown after a successful join (in case the new tab did not open). */
  readonly openMeeting: string;
  /** Fallback error text when the server gave none. */
  readonly genericError: string;
  /** Text of the no-show trigger and confirm buttons. */
  readonly markNoShow: string;
  /** Text of the confirm button while the no-show is being recorded. */
  readonly markingNoShow: string;
  /** Shown (and linked to the disabled button) until a no-show can be marked. */
  readonly noShowAvailableIn: (countdown: string) => string;
  /**
   * Shown (and linked to the disabled button) once the wait is over while the tutor's own presence is not
   * recorded (the presence rule: core `TUTOR_NOT_PRESENT`), and in the dialog when the server refuses so.
   */
  readonly tutorNotPresent: string;
  /** Title of the confirmation dialog. */
  readonly confirmNoShowTitle: string;
  /**
   * Description of the confirmation dialog: what the student pays, the tutor receives and the platform
   * keeps, formatted from the server's quote (the session JSON's `noShowQuote`); all three `null` when
   * the session carries none.
   */
  readonly confirmNoShowDescription: (charge: string | null, payout: string | null, fee: string | null) => string;
  /** Cancel button of the confirmation dialog. */
  readonly cancel: string;
  /** Shown after a no-show was recorded from this component. */
  readonly noShowRecorded: string;
  /**
   * The reason the no-show dialog shows when the server refused because the video provider reports the
   * student in the meeting (`STUDENT_JOINED` with source `provider`). No default: the server's own
   * message says so in English ("The student joined the meeting within the no-show wait (reported by the
   * video provider)"); set it to say it in your language.
   */
  readonly studentInMeeting?: string;
  /** Formats a countdown of whole seconds (default `m:ss`, then `h:mm:ss`). */
  readonly countdown: (seconds: number) => string;
  /** Status names (default core `STATUS_LABELS`). */
  readonly status: Readonly<Record<SessionStatus, string>>;
}

/**
 * Label overrides: any subset of {@link SessionLabels} and of `SessionOutcomeLabels` (the tutor-absence
 * report's and the cancellation's texts), `status` merged per key.
 */
export type SessionLabelsInput = Partial<Omit<SessionLabels, 'status'>> &
  Partial<SessionOutcomeLabels> & {
    readonly status?: Partial<Record<SessionStatus, string>>;
  };

const pad = (n: number) => String(n).padStart(2, '0');

/** The default countdown format: `4:59`, then `2:04:59` (hours keep counting past a day: `50:04:59`). */
export function formatCountdown(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor(seconds / 60) % 60;
  return `${hours ? `${hours}:${pad(minutes)}` : minutes}:${pad(seconds % 60)}`;
}

/** The English defaults. */
export const DEFAULT_LABELS: SessionLabels = {
  join: 'Join session',
  joining: 'Joining…',
  joinOpensIn: (c) => `Join opens in ${c}`,
  startsIn: (c) => `Starts in ${c}`,
  inProgress: 'Session in progress',
  ended: 'Scheduled time is over',
  startsAt: (d) => `Starts ${d}`,
  joinOpenAnnouncement: 'Join is now open.',
  studentNoShowWarning: (m, p) => `Join within ${m} minutes of the start or you may be marked absent${p ? ` and charged ${p}` : ''}.`,
  tutorNoShowNotice: (m) => `You can mark a no-show ${m} minutes after the start.`,
  openMeeting: 'Open the meeting',
  genericError: 'Something went wrong.',
  markNoShow: 'Mark no-show',
  markingNoShow: 'Marking…',
  noShowAvailableIn: (c) => `You can mark a no-show in ${c}`,
  tutorNotPresent: 'Join the session first to mark the student absent.',
  confirmNoShowTitle: 'Mark the student as absent?',
  confirmNoShowDescription: (charge, payout) =>
    `The student will be ${charge ? `charged ${charge} and you will receive ${payout}` : 'marked absent and charged the no-show rate'}. This cannot be undone.`,
  cancel: 'Cancel',
  noShowRecorded: 'No-show recorded.',
  countdown: formatCountdown,
  status: STATUS_LABELS,
};

/** Merges overrides (outer first, later wins) onto the defaults. */
export function resolveLabels(...overrides: ReadonlyArray<SessionLabelsInput | undefined>): SessionLabels {
  return overrides.reduce<SessionLabels>((out, o) => ({ ...out, ...o, status: { ...out.status, ...o?.status } }), DEFAULT_LABELS);
}
