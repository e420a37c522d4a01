import type { SessionEvent } from '@itutor/sessions-core';
import type {
  DisputeActionType,
  DisputeReason,
  DisputeResolution,
  DisputeRole,
  DisputeStatus,
  PayoutStateJson,
  SessionErrorCode,
} from '@itutor/sessions-core/client';

/**
 * Every piece of text `OpenDisputeButton` and `DisputePanel` show. Functions receive values already
 * formatted for the locale (money by core `formatMoney`, instants by `Intl.DateTimeFormat`). Override any
 * subset with the components' `labels` prop; `reasons`, `roles`, `resolutions`, `steps` and `errors` merge
 * per key.
 */
export interface DisputeLabels {
  /** Text of the trigger that opens the dialog. */
  readonly reportProblem: string;
  /** Title of the dialog. */
  readonly reportTitle: string;
  /** How long the student may still report: `until` an instant, `left` from {@link DisputeLabels.timeLeft}. */
  readonly windowOpenUntil: (until: string, left: string) => string;
  /** The window closed while the dialog was open (or the server said so). */
  readonly windowClosed: string;
  /** Time left, in whole days, hours and minutes (all 0: less than a minute). */
  readonly timeLeft: (days: number, hours: number, minutes: number) => string;
  /** Label of the reason select. */
  readonly reasonLabel: string;
  /** The select's empty choice. */
  readonly reasonPlaceholder: string;
  /** The five reasons. */
  readonly reasons: Readonly<Record<DisputeReason, string>>;
  /** Label of the message fields (the report's and the steps'). */
  readonly messageLabel: string;
  /** Label of a step's optional message. */
  readonly optionalMessageLabel: string;
  /** The count under a message field. */
  readonly characterCount: (used: number, max: number) => string;
  readonly reasonRequired: string;
  readonly messageRequired: string;
  /** The report's send button. */
  readonly send: string;
  /** Any confirm button while its request runs. */
  readonly sending: string;
  /** Closes a dialog without acting. */
  readonly cancel: string;
  /** Shown (focused) after the report was sent from `OpenDisputeButton`. */
  readonly reported: string;
  /** Texts for refusals by code (the server's words are used for the others). */
  readonly errors: Readonly<Partial<Record<SessionErrorCode, string>>>;
  /** When the server gave no words. */
  readonly genericError: string;

  /** Title of the panel. */
  readonly panelTitle: string;
  readonly loading: string;
  readonly loadError: string;
  readonly retry: string;
  readonly noDispute: string;
  /** Who: the roles of the timeline and the facts. */
  readonly roles: Readonly<Record<DisputeRole | 'system', string>>;
  /** Where the dispute stands, for `viewer`; `offer` is the standing offer (formatted) or `null`. */
  readonly disputeStatus: (status: Exclude<DisputeStatus, 'resolved'>, viewer: DisputeRole, offer: string | null) => string;
  /** How it ended: `refund` formatted, `by` a role name. */
  readonly disputeResolved: (resolution: DisputeResolution, refund: string, by: string | null) => string;
  /** The reason the student gave, as a line: `reason` from {@link DisputeLabels.reasons}. */
  readonly disputeReason: (reason: string, openedAt: string) => string;
  readonly resolutions: Readonly<Record<DisputeResolution, string>>;

  /** Headings of the facts. */
  readonly factsSession: string;
  readonly factsJoins: string;
  readonly factsMoney: string;
  readonly factsPayout: string;
  readonly timelineTitle: string;
  readonly scheduled: string;
  readonly outcome: string;
  readonly price: string;
  readonly charged: string;
  readonly tutorShare: string;
  readonly platformFee: string;
  /** "Student, by the Join button". */
  readonly joinedByButton: (role: string) => string;
  readonly byProvider: string;
  /** One provider report: `role` a role name (or "Someone" for an unmatched participant). */
  readonly providerReport: (role: string, kind: 'joined' | 'left', at: string) => string;
  readonly noProviderReports: string;
  readonly meetingEnded: string;
  readonly notRecorded: string;
  readonly unknownParticipant: string;
  readonly charges: string;
  readonly refunds: string;
  readonly noCharges: string;
  readonly noRefunds: string;
  /** One charge attempt: `status` its raw status (`succeeded`, `failed`, …). */
  readonly charge: (amount: string, status: string, at: string) => string;
  /** One refund: `tutorPart` what came out of the tutor's payout. */
  readonly refund: (amount: string, tutorPart: string, status: string, at: string) => string;
  /**
   * The payout card's sentence: `amount` what is (or will be) paid, `outcome` the outcome's payout,
   * `reversed` what was taken back, `at` `dueAt` or `paidAt` (formatted, or `null`).
   */
  readonly payout: (payout: PayoutStateJson, money: { readonly amount: string; readonly outcome: string; readonly reversed: string }, at: string | null) => string;

  /** A timeline line's text: `amount` formatted (offers, partial decisions, refunds, payouts) or `null`. */
  readonly event: (type: string, amount: string | null, resolution: DisputeResolution | null) => string;

  /** The step buttons (their dialogs' titles and confirm buttons too). */
  readonly steps: Readonly<Record<DisputeActionType, string>>;
  /** What a step does, said in its dialog: `refundable` what is left of the charge, `offer` the standing offer. */
  readonly stepDescription: (step: DisputeActionType, money: { readonly refundable: string; readonly offer: string | null }) => string;
  /** Label of the amount field (offer, partial resolution); `currency` its code. */
  readonly amountLabel: (currency: string) => string;
  /** The amount field's hint: from the smallest amount to what is left. */
  readonly amountHint: (min: string, max: string) => string;
  readonly amountInvalid: (min: string, max: string) => string;
  /** The platform's decision choices' group label. */
  readonly resolutionLabel: string;
  readonly resolutionRequired: string;
  /** Announced (focused) after a step. */
  readonly stepDone: string;
}

/** Label overrides: any subset; the records merge per key. */
export type DisputeLabelsInput = Partial<Omit<DisputeLabels, 'reasons' | 'roles' | 'resolutions' | 'steps' | 'errors'>> & {
  readonly reasons?: Partial<DisputeLabels['reasons']>;
  readonly roles?: Partial<DisputeLabels['roles']>;
  readonly resolutions?: Partial<DisputeLabels['resolutions']>;
  readonly steps?: Partial<DisputeLabels['steps']>;
  readonly errors?: DisputeLabels['errors'];
};

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** English time left: the two largest units that are not zero ("2 days 3 hours", "5 minutes"). */
function timeLeft(days: number, hours: number, minutes: number): string {
  const parts = [plural(days, 'day'), plural(hours, 'hour'), plural(minutes, 'minute')].filter((_, i) => [days, hours, minutes][i]! > 0);
  return parts.length === 0 ? 'less than a minute' : parts.slice(0, 2).join(' ');
}

/** Every event a session's timeline can hold (a missing one fails to compile): the provider's own are not a session's. */
const EVENTS: Readonly<Record<Exclude<SessionEvent['type'], `provider.${string}`>, string>> = {
  'session.created': 'Booked the session',
  'session.joined': 'Joined with the Join button',
  'session.no_show_marked': 'Marked the student absent',
  'session.tutor_no_show_marked': 'Reported the tutor absent',
  'session.rescheduled': 'Rescheduled the session',
  'session.settled': 'The session was settled',
  'session.meeting_ended': 'The meeting ended',
  'session.meeting_end_ignored': 'A meeting end was reported and ignored',
  'session.cancelled': 'Cancelled the session',
  'attendance.recorded': 'The video provider reported attendance',
  'charge.requested': 'Charge requested',
  'charge.succeeded': 'Charge succeeded',
  'charge.failed': 'Charge failed',
  'charge.unknown': 'Charge awaiting an answer',
  'charge.needs_attention': 'The charge needs a person',
  'charge.customer_action_required': 'The bank asked the student to confirm the payment',
  'refund.pending': 'Refund accepted, not final yet',
  'refund.unknown': 'Refund awaiting an answer',
  'refund.requested': 'Refund requested',
  'refund.succeeded': 'Refund completed',
  'refund.failed': 'Refund failed',
  'payout.scheduled': 'Payout scheduled',
  'payout.requested': 'Payout being sent',
  'payout.unknown': 'Payout awaiting an answer',
  'payout.needs_attention': 'The payout needs a person',
  'payout.succeeded': 'Payout sent',
  'payout.failed': 'Payout failed',
  'payout.cancelled': 'Payout cancelled',
  'dispute.opened': 'Reported a problem',
  'dispute.accepted': 'Accepted: full refund',
  'dispute.offered': 'Offered a partial refund',
  'dispute.contested': 'Contested the report',
  'dispute.offer_accepted': 'Accepted the offer',
  'dispute.offer_declined': 'Declined the offer',
  'dispute.decided': 'Decided',
  'dispute.resolved': 'The dispute was resolved',
  // A chargeback's internals are the platform's: the timeline says only that one exists and how it moved.
  'chargeback.opened': 'The student disputed the payment with their bank',
  'chargeback.closed': 'The bank decided the card dispute',
  'chargeback.needs_attention': 'The card dispute needs the platform',
  'chargeback.evidence_staged': 'Evidence prepared for the bank',
  'chargeback.evidence_submitted': 'Evidence sent to the bank',
  'chargeback.share_reversed': "The tutor's share was taken back for the card dispute",
  'chargeback.share_withheld': "The tutor's share was withheld for the card dispute",
  'chargeback.share_reinstated': "The tutor's share was given back",
};

/** A payment's raw status in plain words, where the raw word is not plain. */
const PAYMENT_WORDS: Readonly<Record<string, string>> = { unknown: 'awaiting an answer', halted: 'stopped' };

const RESOLUTIONS: Readonly<Record<DisputeResolution, string>> = {
  full_refund: 'full refund',
  partial_refund: 'partial refund',
  no_refund: 'no refund',
};

/** The labels the report form and the panel's step dialogs share. */
type CommonKey = 'reasons' | 'messageLabel' | 'characterCount' | 'messageRequired' | 'sending' | 'cancel' | 'errors' | 'genericError';
/** The labels only `OpenDisputeButton` shows. */
type ReportKey = 'reportProblem' | 'reportTitle' | 'windowOpenUntil' | 'windowClosed' | 'timeLeft' | 'reasonLabel' | 'reasonPlaceholder' | 'reasonRequired' | 'send' | 'reported';

/** The labels `OpenDisputeButton` resolves (internal). */
export type ReportLabels = Pick<DisputeLabels, CommonKey | ReportKey>;
/** The labels `DisputePanel` resolves (internal). */
export type PanelLabels = Omit<DisputeLabels, ReportKey>;

// The defaults in three parts, so each component ships only the texts it shows: `OpenDisputeButton` alone
// does not carry the panel's, nor the panel the report form's.
const COMMON_LABELS: Pick<DisputeLabels, CommonKey> = {
  reasons: {
    tutor_absent: 'The tutor did not come',
    ended_early: 'The session ended early',
    technical_problem: 'A technical problem',
    quality: 'The quality of the lesson',
    other: 'Something else',
  },
  messageLabel: 'Describe what happened',
  characterCount: (used, max) => `${used} of ${max} characters`,
  messageRequired: 'Write a message.',
  sending: 'Sending…',
  cancel: 'Cancel',
  errors: {
    DISPUTE_WINDOW_CLOSED: 'The time to report a problem with this session has passed.',
    DISPUTE_EXISTS: 'A problem has already been reported for this session.',
    NOTHING_TO_DISPUTE: 'There is no payment to dispute for this session.',
    DISPUTE_RESOLVED: 'This dispute has already been resolved.',
    DISPUTE_NOT_ALLOWED: 'This step is no longer possible: the dispute has moved on.',
    PAYOUT_IN_FLIGHT: "The tutor's payout is being sent. Try again in a minute.",
  },
  genericError: 'Something went wrong.',
};

const REPORT_LABELS: Pick<DisputeLabels, ReportKey> = {
  reportProblem: 'Report a problem',
  reportTitle: 'Report a problem with this session',
  windowOpenUntil: (until, left) => `You can report a problem until ${until} (${left} left).`,
  windowClosed: 'The time to report a problem with this session has passed.',
  timeLeft,
  reasonLabel: 'What went wrong?',
  reasonPlaceholder: 'Choose a reason',
  reasonRequired: 'Choose what went wrong.',
  send: 'Send report',
  reported: 'Problem reported. Your tutor will answer it here.',
};

const PANEL_LABELS: Omit<DisputeLabels, CommonKey | ReportKey> = {
  optionalMessageLabel: 'Message (optional)',
  panelTitle: 'Dispute',
  loading: 'Loading the dispute…',
  loadError: 'The dispute could not be loaded.',
  retry: 'Try again',
  noDispute: 'No problem has been reported for this session.',
  roles: { student: 'Student', tutor: 'Tutor', platform: 'Platform', system: 'System' },
  disputeStatus: (status, viewer, offer) =>
    status === 'open'
      ? viewer === 'tutor'
        ? 'The student reported a problem. Refund in full, offer a partial refund, or contest it.'
        : "Waiting for the tutor's answer."
      : status === 'offered'
        ? viewer === 'student'
          ? `The tutor offered a refund of ${offer}. Accept or decline it.`
          : `The tutor offered a refund of ${offer}. Waiting for the student's answer.`
        : viewer === 'platform'
          ? 'Contested: your decision is needed.'
          : 'Contested: the platform will decide.',
  disputeResolved: (resolution, refund, by) =>
    `Resolved: ${resolution === 'no_refund' ? 'no refund' : `${RESOLUTIONS[resolution]} of ${refund}`}${by ? ` (by the ${by.toLowerCase()})` : ''}.`,
  disputeReason: (reason, openedAt) => `Reported ${openedAt}: ${reason}.`,
  resolutions: { full_refund: 'Full refund', partial_refund: 'Partial refund', no_refund: 'No refund' },

  factsSession: 'Session',
  factsJoins: 'Who joined',
  factsMoney: 'Payments',
  factsPayout: "Tutor's payout",
  timelineTitle: 'Timeline',
  scheduled: 'Scheduled',
  outcome: 'Outcome',
  price: 'Price',
  charged: 'Charged',
  tutorShare: "Tutor's share",
  platformFee: 'Platform fee',
  joinedByButton: (role) => `${role}, by the Join button`,
  byProvider: 'Reported by the video provider',
  providerReport: (role, kind, at) => `${role} ${kind} ${at}`,
  noProviderReports: 'No reports.',
  meetingEnded: 'Meeting ended',
  notRecorded: 'Not recorded',
  unknownParticipant: 'Someone',
  charges: 'Charges',
  refunds: 'Refunds',
  noCharges: 'No charge.',
  noRefunds: 'No refund.',
  charge: (amount, status, at) => `${amount}, ${PAYMENT_WORDS[status] ?? status}, ${at}`,
  refund: (amount, tutorPart, status, at) => `${amount} (from the tutor's share: ${tutorPart}), ${PAYMENT_WORDS[status] ?? status}, ${at}`,
  payout: ({ state, reduced, reversedMinor, heldBy }, { amount, outcome, reversed }, at) => {
    const cut = reduced ? ` (reduced from ${outcome} by refunds)` : '';
    switch (state) {
      case 'none':
        return 'No payout for this session.';
      case 'scheduled':
        return `Scheduled: ${amount}${cut}${at ? `, to be paid ${at}` : ''}.`;
      case 'held':
        return `Held while the ${heldBy === 'chargeback' ? 'card dispute at the bank' : 'dispute'} is open: ${amount}${cut}.`;
      case 'sending':
        return `Being sent: ${amount}.`;
      case 'paid':
        return `Paid: ${amount}${cut}${at ? ` on ${at}` : ''}.${reversedMinor > 0 ? ` ${reversed} taken back after refunds.` : ''}`;
      case 'cancelled':
        return 'Cancelled: nothing is left to pay after refunds.';
      default:
        return 'The payout failed: the platform is looking into it.';
    }
  },

  event: (type, amount, resolution) => {
    const text = (EVENTS as Readonly<Record<string, string>>)[type] ?? type;
    if (type === 'dispute.decided' && resolution) return `Decided: ${RESOLUTIONS[resolution]}${amount ? ` of ${amount}` : ''}`;
    return amount ? `${text}: ${amount}` : text;
  },

  steps: {
    accept: 'Refund in full',
    offer: 'Offer a partial refund',
    contest: 'Contest',
    accept_offer: 'Accept the offer',
    decline_offer: 'Decline the offer',
    resolve: 'Decide',
  },
  stepDescription: (step, { refundable, offer }) =>
    ({
      accept: `The student gets ${refundable} back and the dispute is resolved. This cannot be undone.`,
      offer: `Offer the student part of the ${refundable} paid. The student may accept or decline it.`,
      contest: 'Say why you disagree. A person on the platform will decide.',
      accept_offer: `You get ${offer} back and the dispute is resolved. This cannot be undone.`,
      decline_offer: 'A person on the platform will decide.',
      resolve: `Decide the dispute: up to ${refundable} can be refunded. This cannot be undone.`,
    })[step],
  amountLabel: (currency) => `Refund amount (${currency})`,
  amountHint: (min, max) => `From ${min} to ${max}, e.g. 25.00`,
  amountInvalid: (min, max) => `Enter an amount from ${min} to ${max}, with at most two decimals.`,
  resolutionLabel: 'Decision',
  resolutionRequired: 'Choose a decision.',
  stepDone: 'Done. The dispute is updated.',
};

/** Merges label objects left to right, the records per key (internal). */
function mergeLabels<T>(...parts: ReadonlyArray<Partial<DisputeLabelsInput> | undefined>): T {
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part ?? {})) {
      out[key] = value && typeof value === 'object' ? { ...(out[key] as object), ...value } : value;
    }
  }
  return out as T;
}

/** The English defaults of `OpenDisputeButton` and `DisputePanel`. */
export const DEFAULT_DISPUTE_LABELS: DisputeLabels = /* @__PURE__ */ mergeLabels(COMMON_LABELS, REPORT_LABELS, PANEL_LABELS);

/** `OpenDisputeButton`'s defaults under `overrides` (internal). */
export const resolveReportLabels = (overrides: DisputeLabelsInput | undefined): ReportLabels => mergeLabels(COMMON_LABELS, REPORT_LABELS, overrides);

/** `DisputePanel`'s defaults under `overrides` (internal). */
export const resolvePanelLabels = (overrides: DisputeLabelsInput | undefined): PanelLabels => mergeLabels(COMMON_LABELS, PANEL_LABELS, overrides);
