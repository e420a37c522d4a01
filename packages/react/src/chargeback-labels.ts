import type {
  ChargebackEvidenceState,
  ChargebackLossBearer,
  ChargebackStatus,
  ChargebackTutorShare,
  DisputeEvidenceFields,
  SessionErrorCode,
} from '@itutor/sessions-core/client';

/**
 * Every piece of text `ChargebackPanel` shows. Functions receive money already formatted (core
 * `formatMoney`) and instants formatted for the locale and time zone. Override any subset with the `labels`
 * prop; `statuses`, `reasons`, `tutorShares`, `evidenceFields` and `errors` merge per key.
 */
export interface ChargebackLabels {
  /** Title of the panel. */
  readonly panelTitle: string;
  readonly loading: string;
  readonly loadError: string;
  readonly retry: string;
  /** The session has no chargeback. */
  readonly none: string;
  /** Title of one chargeback: `n` its number. */
  readonly chargebackTitle: (n: number) => string;
  /** The terms of a chargeback's facts. */
  readonly terms: Readonly<
    Record<'status' | 'amount' | 'reason' | 'dueBy' | 'funds' | 'fee' | 'lossBearer' | 'tutorShare' | 'opened' | 'closed' | 'evidence', string>
  >;
  /** The gateway's statuses in words. */
  readonly statuses: Readonly<Record<ChargebackStatus, string>>;
  /** The bank's reasons in words (Stripe's names); an unknown one is shown as sent, `_` as spaces. */
  readonly reasons: Readonly<Record<string, string>>;
  /** The evidence deadline: `at` formatted, or `null` when the gateway gave none. */
  readonly dueBy: (at: string | null) => string;
  /** The funds: `withdrawn` / `reinstated` formatted, `null` when none. */
  readonly funds: (withdrawn: string | null, reinstated: string | null) => string;
  /** Who bears the loss: `share` the tutor's share of the disputed amount, formatted. */
  readonly lossBearer: (bearer: ChargebackLossBearer, share: string) => string;
  /** Where the tutor's share stands (shown when the tutor bears the loss). */
  readonly tutorShares: Readonly<Record<ChargebackTutorShare, string>>;
  /** Where the evidence stands: `stagedAt` / `submittedAt` formatted (or `null`), `by` who submitted it. */
  readonly evidenceState: (state: ChargebackEvidenceState, at: { readonly stagedAt: string | null; readonly submittedAt: string | null; readonly by: string | null }) => string;
  /**
   * Heading of the evidence text: `staged` or `submitted` (the chargeback's own), or `preview` (none staged
   * yet: what the SDK would stage now, built from its records).
   */
  readonly evidenceTitle: (state: 'preview' | 'staged' | 'submitted') => string;
  /** A heading per Stripe evidence field. */
  readonly evidenceFields: Readonly<Record<keyof DisputeEvidenceFields, string>>;
  /** A field with nothing in it. */
  readonly evidenceEmpty: string;
  /** Stages the evidence: `again` when some is staged already. */
  readonly stage: (again: boolean) => string;
  readonly staging: string;
  /** The submit trigger, and the dialog's confirm. */
  readonly submit: string;
  readonly submitting: string;
  /** Title of the submit confirmation. */
  readonly submitTitle: string;
  /** Its description: `amount` the disputed amount, `due` the deadline (or `null`). */
  readonly submitDescription: (amount: string, due: string | null) => string;
  readonly cancel: string;
  /** Announced after a write: `step` what it was. */
  readonly done: (step: 'stage' | 'submit', n: number) => string;
  /** Texts for refusals by code (the server's words are used for the others). */
  readonly errors: Readonly<Partial<Record<SessionErrorCode, string>>>;
  readonly genericError: string;
}

/** Label overrides: any subset; the records merge per key. */
export type ChargebackLabelsInput = Partial<Omit<ChargebackLabels, 'terms' | 'statuses' | 'reasons' | 'tutorShares' | 'evidenceFields' | 'errors'>> & {
  readonly terms?: Partial<ChargebackLabels['terms']>;
  readonly statuses?: Partial<ChargebackLabels['statuses']>;
  readonly reasons?: ChargebackLabels['reasons'];
  readonly tutorShares?: Partial<ChargebackLabels['tutorShares']>;
  readonly evidenceFields?: Partial<ChargebackLabels['evidenceFields']>;
  readonly errors?: ChargebackLabels['errors'];
};

/** The English defaults of `ChargebackPanel`. */
export const DEFAULT_CHARGEBACK_LABELS: ChargebackLabels = {
  panelTitle: 'Bank disputes',
  loading: 'Loading the bank disputes…',
  loadError: 'The bank disputes could not be loaded.',
  retry: 'Try again',
  none: 'No bank dispute for this session.',
  chargebackTitle: (n) => `Bank dispute ${n}`,
  terms: {
    status: 'Status',
    amount: 'Disputed amount',
    reason: "The bank's reason",
    dueBy: 'Evidence due',
    funds: 'Funds',
    fee: 'Dispute fee',
    lossBearer: 'Who bears the loss',
    tutorShare: "The tutor's share",
    opened: 'Opened',
    closed: 'Closed',
    evidence: 'Evidence',
  },
  statuses: {
    warning_needs_response: 'Inquiry: evidence needed',
    warning_under_review: 'Inquiry: under review',
    warning_closed: 'Inquiry closed',
    needs_response: 'Evidence needed',
    under_review: 'Under review by the bank',
    won: 'Won',
    lost: 'Lost',
    prevented: 'Prevented',
  },
  reasons: {
    bank_cannot_process: 'The bank cannot process it',
    check_returned: 'Check returned',
    credit_not_processed: 'Refund not processed',
    customer_initiated: 'Started by the customer',
    debit_not_authorized: 'Debit not authorised',
    duplicate: 'Charged twice',
    fraudulent: 'Fraud: the card holder did not make the payment',
    general: 'General',
    incorrect_account_details: 'Incorrect account details',
    insufficient_funds: 'Insufficient funds',
    noncompliant: 'Not compliant with card network rules',
    product_not_received: 'Service not received',
    product_unacceptable: 'Service not as described',
    subscription_canceled: 'Subscription cancelled',
    unrecognized: 'The card holder does not recognise the payment',
  },
  dueBy: (at) => at ?? 'No deadline given',
  funds: (withdrawn, reinstated) =>
    withdrawn === null ? 'Nothing withdrawn yet' : `${withdrawn} withdrawn${reinstated === null ? '' : `, ${reinstated} reinstated`}`,
  lossBearer: (bearer, share) => (bearer === 'platform' ? 'The platform' : `The tutor: ${share} of it`),
  tutorShares: {
    none: 'Nothing taken from the tutor',
    reversed: "Taken back from the tutor's transfer",
    withheld: "Withheld from the tutor's payout",
    reinstated: 'Given back to the tutor',
    failed: "Moving the tutor's share failed: a person must look into it",
  },
  evidenceState: (state, { stagedAt, submittedAt, by }) =>
    state === 'none'
      ? 'Not staged yet.'
      : state === 'staged'
        ? `Staged${stagedAt ? ` ${stagedAt}` : ''}, not submitted.`
        : `Submitted${by ? ` by ${by}` : ''}${submittedAt ? ` on ${submittedAt}` : ''}.`,
  evidenceTitle: (state) => ({ preview: 'Evidence to stage (built now from the records)', staged: 'Staged evidence', submitted: 'Submitted evidence' })[state],
  evidenceFields: {
    service_date: 'Service date',
    product_description: 'Product description',
    access_activity_log: 'Access activity log',
    cancellation_policy_disclosure: 'Cancellation policy',
    refund_policy_disclosure: 'Refund policy',
    customer_communication: 'Customer communication',
    uncategorized_text: 'Other information',
  },
  evidenceEmpty: 'None.',
  stage: (again) => (again ? 'Stage evidence again' : 'Stage evidence'),
  staging: 'Staging…',
  submit: 'Submit evidence',
  submitting: 'Submitting…',
  submitTitle: 'Submit the evidence to the bank?',
  submitDescription: (amount, due) =>
    `Submitting is final: the evidence shown is sent to the bank for the dispute of ${amount} and cannot be changed or added to afterwards.${due ? ` It is due ${due}.` : ''}`,
  cancel: 'Cancel',
  done: (step, n) => (step === 'stage' ? `Evidence for bank dispute ${n} staged again.` : `Evidence for bank dispute ${n} submitted.`),
  errors: {
    FORBIDDEN: "Only the platform's people can see bank disputes.",
    CHARGEBACKS_NOT_SUPPORTED: 'This server does not record bank disputes.',
    GATEWAY_UNAVAILABLE: 'The payment service did not answer. Try again in a minute.',
  },
  genericError: 'Something went wrong.',
};

const RECORDS = ['terms', 'statuses', 'reasons', 'tutorShares', 'evidenceFields', 'errors'] as const;

/** The defaults under `overrides`, the records per key (internal). */
export function resolveChargebackLabels(overrides: ChargebackLabelsInput | undefined): ChargebackLabels {
  if (!overrides) return DEFAULT_CHARGEBACK_LABELS;
  const out: Record<string, unknown> = { ...DEFAULT_CHARGEBACK_LABELS, ...overrides };
  for (const key of RECORDS) out[key] = { ...DEFAULT_CHARGEBACK_LABELS[key], ...overrides[key] };
  return out as unknown as ChargebackLabels;
}
