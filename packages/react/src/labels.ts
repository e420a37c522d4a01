import { STATUS_LABELS, type SessionStatus } from '@itutor/sessions-core';

/**
 * Every piece of text the components show. Hosts override any subset through the `labels` prop or
 * `SessionsConfigProvider`; functions receive values already formatted for the active locale.
 */
export interface SessionLabels {
  /** Text of the Join button. */
  readonly join: string;
  /** Join button text while the join is being recorded. */
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
  /** Student warning; `minutes` is the session's no-show wait, `percent` the no-show charge. */
  readonly studentNoShowWarning: (minutes: number, percent: string) => string;
  /** Tutor notice; `minutes` is the session's no-show wait. */
  readonly tutorNoShowNotice: (minutes: number) => string;
  /** The server's clock is behind the browser's: Join opens at the server's instant. */
  readonly serverNotOpenYet: (countdown: string) => string;
  /** After a successful join, for when the new tab did not open. */
  readonly meetingOpened: string;
  /** Link text to open the meeting by hand. */
  readonly openMeeting: string;
  /** Prefix of an error message. */
  readonly errorPrefix: string;
  /** Fallback error text when the server gave none. */
  readonly genericError: string;
  /** Text of the no-show trigger and confirm buttons. */
  readonly markNoShow: string;
  /** Confirm button text while the no-show is being recorded. */
  readonly markingNoShow: string;
  /** Shown (and linked to the disabled button) until a no-show can be marked. */
  readonly noShowAvailableIn: (countdown: string) => string;
  /** Title of the confirmation dialog. */
  readonly confirmNoShowTitle: string;
  /** Description of the confirmation dialog: what the student pays and the tutor receives. */
  readonly confirmNoShowDescription: (charge: string, payout: string) => string;
  /** Cancel button of the confirmation dialog. */
  readonly cancel: string;
  /** Shown after a no-show was recorded from this component. */
  readonly noShowRecorded: string;
  /** Formats a countdown of whole seconds (default `m:ss`, `h:mm:ss`, `N d h:mm:ss`). */
  readonly countdown: (seconds: number) => string;
  /** Status names (default core `STATUS_LABELS`). */
  readonly status: Readonly<Record<SessionStatus, string>>;
}

/** Label overrides: any subset, `status` merged per key. */
export type SessionLabelsInput = Partial<Omit<SessionLabels, 'status'>> & {
  readonly status?: Partial<Record<SessionStatus, string>>;
};

const pad = (n: number) => String(n).padStart(2, '0');

/** The default countdown format: `4:59`, `2:04:59`, `3 d 2:04:59`. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const clock = days > 0 || hours > 0 ? `${hours}:${pad(minutes)}:${pad(rest)}` : `${minutes}:${pad(rest)}`;
  return days > 0 ? `${days} d ${clock}` : clock;
}

/** The English defaults. */
export const DEFAULT_LABELS: SessionLabels = {
  join: 'Join session',
  joining: 'Joining…',
  joinOpensIn: (c) => `Join opens in ${c}`,
  startsIn: (c) => `Starts in ${c}`,
  inProgress: 'Session in progress',
  ended: 'Session ended',
  startsAt: (d) => `Starts ${d}`,
  joinOpenAnnouncement: 'Join is now open.',
  studentNoShowWarning: (m, p) =>
    `Join within ${m} minutes of the start, or you may be marked absent and charged ${p} of the price.`,
  tutorNoShowNotice: (m) => `If the student has not joined, you can mark a no-show ${m} minutes after the start.`,
  serverNotOpenYet: (c) => `Not open yet by the server's clock. Try again in ${c}.`,
  meetingOpened: 'The meeting opened in a new tab.',
  openMeeting: 'Open the meeting',
  errorPrefix: 'Could not complete:',
  genericError: 'Something went wrong. Please try again.',
  markNoShow: 'Mark no-show',
  markingNoShow: 'Marking…',
  noShowAvailableIn: (c) => `You can mark a no-show in ${c}`,
  confirmNoShowTitle: 'Mark the student as absent?',
  confirmNoShowDescription: (charge, payout) =>
    `The student will be charged ${charge} and you will receive ${payout}. This cannot be undone.`,
  cancel: 'Cancel',
  noShowRecorded: 'No-show recorded.',
  countdown: formatCountdown,
  status: STATUS_LABELS,
};

/** Merges overrides (outer first, later wins) onto the defaults. */
export function resolveLabels(...overrides: ReadonlyArray<SessionLabelsInput | undefined>): SessionLabels {
  let out: SessionLabels = DEFAULT_LABELS;
  for (const o of overrides) {
    if (!o) continue;
    out = { ...out, ...o, status: { ...out.status, ...o.status } } as SessionLabels;
  }
  return out;
}
