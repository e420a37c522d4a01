import type { FormObject } from './form';
import { bool, flat, invalid, obj, str } from './http';

/**
 * Disputes (chargebacks) of the fake Stripe, as Stripe documents them: a dispute opened on a succeeded charge
 * withdraws the disputed amount and a dispute fee from the platform (a balance transaction with a negative
 * amount and a fee of {@link FAKE_DISPUTE_FEE}); `POST /v1/disputes/{id}` stages (`submit=false`) or submits
 * (`submit=true`, Stripe's default) evidence while the dispute waits for it (`needs_response`,
 * `warning_needs_response`), after which it is `under_review`; closing it won gives the funds back (a positive
 * balance transaction). Every change emits its `charge.dispute.*` event.
 */

/** The dispute fee the fake withdraws with the disputed amount (minor units, in the dispute's currency). */
export const FAKE_DISPUTE_FEE = 1500;

/** A balance transaction of a dispute: funds withdrawn (negative amount, with the fee) or reinstated (positive). */
export interface FakeBalanceTransaction {
  readonly id: string;
  readonly object: 'balance_transaction';
  readonly amount: number;
  readonly fee: number;
  readonly net: number;
  readonly currency: string;
  readonly type: 'adjustment';
  readonly reporting_category: 'dispute' | 'dispute_reversal';
  readonly created: number;
}

/** A dispute as the fake holds it (Stripe's JSON shape, the fields this SDK and its tests use). */
export interface FakeDispute {
  readonly id: string;
  readonly object: 'dispute';
  readonly amount: number;
  readonly currency: string;
  /** The disputed charge (`ch_...`). */
  readonly charge: string;
  /** Its PaymentIntent (`pi_...`). */
  readonly payment_intent: string;
  status: string;
  readonly reason: string;
  readonly created: number;
  readonly livemode: false;
  is_charge_refundable: boolean;
  metadata: Record<string, string>;
  /** Every evidence field Stripe knows, `null` until set. */
  evidence: Record<string, string | null>;
  evidence_details: { due_by: number | null; has_evidence: boolean; past_due: boolean; submission_count: number };
  balance_transactions: FakeBalanceTransaction[];
}

/** How `StripeFake.openDispute` opens a dispute. */
export interface FakeDisputeOptions {
  /** Stripe's reason. Default `fraudulent`. */
  readonly reason?: string;
  /** Default: the whole charge less what was refunded of it. */
  readonly amount?: number;
  /** An inquiry (`warning_needs_response`): no funds are withdrawn. Default `false`. */
  readonly inquiry?: boolean;
  /** Days until the evidence is due. Default 7. */
  readonly evidenceDueInDays?: number;
}

/** The Stripe evidence fields whose value is the id of an uploaded file (`file_...`), not text. */
const FILE_FIELDS = [
  'cancellation_policy',
  'customer_communication',
  'customer_signature',
  'duplicate_charge_documentation',
  'receipt',
  'refund_policy',
  'service_documentation',
  'shipping_documentation',
  'uncategorized_file',
];

/** The text fields Stripe limits to 20,000 characters ("Has a maximum character count of 20,000"). */
const LONG_TEXT_FIELDS = [
  'access_activity_log',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'duplicate_charge_explanation',
  'product_description',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'uncategorized_text',
];

/** The other (short) text fields. */
const SHORT_TEXT_FIELDS = [
  'billing_address',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'duplicate_charge_id',
  'service_date',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_tracking_number',
];

const EVIDENCE_FIELDS = [...FILE_FIELDS, ...LONG_TEXT_FIELDS, ...SHORT_TEXT_FIELDS].sort();
const LONG_TEXT_LIMIT = 20_000;
const SHORT_TEXT_LIMIT = 5_000;
const COMBINED_LIMIT = 150_000;
/** The most a dispute's evidence files may weigh together (4.5 MB). */
const COMBINED_FILES_LIMIT = 4.5 * 1024 * 1024;
const UPDATE_PARAMS = ['evidence', 'submit', 'metadata', 'expand', 'intended_submission_method'];

/** What the disputes need from the rest of the fake. */
export interface FakeDisputeDeps {
  readonly now: () => number;
  readonly newId: (prefix: string) => string;
  readonly emit: (type: string, object: unknown) => void;
  /** The succeeded charge named by a PaymentIntent or charge id, with what is left of it; throws when there is none. */
  readonly chargeFor: (paymentIntentOrCharge: string) => { readonly id: string; readonly paymentIntent: string; readonly currency: string; readonly left: number };
  /** Marks the charge disputed. */
  readonly markDisputed: (chargeId: string) => void;
  /** The size in bytes of a file uploaded with purpose `dispute_evidence`, or `null` when `id` names none. */
  readonly evidenceFileSize: (id: string) => number | null;
}

/** The disputes of one fake: its controls and its routes. */
export interface FakeDisputes {
  readonly all: readonly FakeDispute[];
  open(paymentIntentOrCharge: string, options?: FakeDisputeOptions): FakeDispute;
  close(disputeId: string, outcome: 'won' | 'lost'): FakeDispute;
  /** `/v1/disputes...`; throws the fake's HTTP errors. */
  route(method: string, id: string | undefined, sub: string | undefined, params: FormObject): { status: number; body: unknown };
}

const WAITING = ['needs_response', 'warning_needs_response'];
const FINAL = ['won', 'lost', 'warning_closed', 'prevented'];

/** Creates the disputes of one fake. */
export function createFakeDisputes(deps: FakeDisputeDeps): FakeDisputes {
  const disputes = new Map<string, FakeDispute>();

  function find(id: string): FakeDispute {
    const dispute = disputes.get(id);
    if (!dispute) throw invalid(`No such dispute: '${id}'`, 'dispute', 'resource_missing', 404);
    return dispute;
  }

  function balance(dispute: FakeDispute, amount: number, fee: number): void {
    dispute.balance_transactions.push({
      id: deps.newId('txn'),
      object: 'balance_transaction',
      amount,
      fee,
      net: amount - fee,
      currency: dispute.currency,
      type: 'adjustment',
      reporting_category: amount < 0 ? 'dispute' : 'dispute_reversal',
      created: deps.now(),
    });
  }

  /** Checks the evidence of an update against Stripe's rules; answers the fields to set. */
  function checkEvidence(evidence: FormObject): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(evidence)) {
      const param = `evidence[${key}]`;
      if (!EVIDENCE_FIELDS.includes(key)) throw invalid(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
      const text = str(value);
      if (text === undefined) throw invalid(`Invalid string: ${param}`, param, 'parameter_invalid_string');
      if (FILE_FIELDS.includes(key) && text !== '' && deps.evidenceFileSize(text) === null) throw invalid(`No such file upload: '${text}'`, param, 'resource_missing');
      const limit = LONG_TEXT_FIELDS.includes(key) ? LONG_TEXT_LIMIT : SHORT_TEXT_LIMIT;
      if (!FILE_FIELDS.includes(key) && text.length > limit) throw invalid(`Invalid ${param}: must be at most ${limit} characters`, param);
      out[key] = text;
    }
    return out;
  }

  function update(dispute: FakeDispute, params: FormObject): FakeDispute {
    for (const key of Object.keys(params)) {
      if (!UPDATE_PARAMS.includes(key)) throw invalid(`Received unknown parameter: ${key}`, key, 'parameter_unknown');
    }
    if (FINAL.includes(dispute.status)) throw invalid(`This dispute is already closed (${dispute.status}): it no longer accepts evidence.`);
    if (!WAITING.includes(dispute.status)) throw invalid(`This dispute's evidence has already been submitted (${dispute.status}): it can no longer be changed.`);
    const evidence = params.evidence === undefined ? {} : obj(params.evidence);
    if (evidence === undefined) throw invalid('Invalid hash: evidence', 'evidence', 'parameter_invalid_string');
    const fields = checkEvidence(evidence);
    const next = { ...dispute.evidence };
    for (const [key, value] of Object.entries(fields)) next[key] = value === '' ? null : value;
    const combined = Object.entries(next).reduce((sum, [key, value]) => sum + (value !== null && !FILE_FIELDS.includes(key) ? value.length : 0), 0);
    if (combined > COMBINED_LIMIT) throw invalid(`The combined character count of the evidence fields (${combined}) exceeds ${COMBINED_LIMIT}.`, 'evidence');
    const bytes = FILE_FIELDS.reduce((sum, key) => sum + (next[key] ? (deps.evidenceFileSize(next[key]) ?? 0) : 0), 0);
    if (bytes > COMBINED_FILES_LIMIT) {
      throw invalid("The files you've attached to this dispute as evidence will exceed the limit for a dispute's total size (4.5 MB). Try using smaller files as evidence.", 'evidence');
    }
    dispute.evidence = next;
    dispute.metadata = { ...dispute.metadata, ...flat(params.metadata) };
    dispute.evidence_details.has_evidence = Object.values(next).some((v) => v !== null);
    // Stripe's default is to submit.
    if (params.submit === undefined || bool(params.submit)) {
      dispute.status = dispute.status === 'warning_needs_response' ? 'warning_under_review' : 'under_review';
      dispute.evidence_details.submission_count++;
    }
    deps.emit('charge.dispute.updated', dispute);
    return dispute;
  }

  return {
    get all() {
      return [...disputes.values()];
    },
    open(paymentIntentOrCharge, options = {}) {
      const charge = deps.chargeFor(paymentIntentOrCharge);
      const amount = options.amount ?? charge.left;
      if (!Number.isSafeInteger(amount) || amount < 1 || amount > charge.left) throw new Error(`fake Stripe: a dispute of ${amount} on ${charge.id} (${charge.left} left)`);
      const created = deps.now();
      const inquiry = options.inquiry ?? false;
      const dispute: FakeDispute = {
        id: deps.newId('dp'),
        object: 'dispute',
        amount,
        currency: charge.currency,
        charge: charge.id,
        payment_intent: charge.paymentIntent,
        status: inquiry ? 'warning_needs_response' : 'needs_response',
        reason: options.reason ?? 'fraudulent',
        created,
        livemode: false,
        is_charge_refundable: inquiry,
        metadata: {},
        evidence: Object.fromEntries(EVIDENCE_FIELDS.map((field) => [field, null])),
        evidence_details: { due_by: created + (options.evidenceDueInDays ?? 7) * 86_400, has_evidence: false, past_due: false, submission_count: 0 },
        balance_transactions: [],
      };
      disputes.set(dispute.id, dispute);
      deps.markDisputed(charge.id);
      deps.emit('charge.dispute.created', dispute);
      if (!inquiry) {
        balance(dispute, -amount, FAKE_DISPUTE_FEE);
        deps.emit('charge.dispute.funds_withdrawn', dispute);
      }
      return dispute;
    },
    close(disputeId, outcome) {
      const dispute = disputes.get(disputeId);
      if (!dispute || FINAL.includes(dispute.status)) throw new Error(`fake Stripe: ${disputeId} cannot be closed (${String(dispute?.status)})`);
      const inquiry = dispute.status.startsWith('warning_');
      dispute.status = inquiry ? 'warning_closed' : outcome;
      dispute.evidence_details.due_by = null;
      deps.emit('charge.dispute.closed', dispute);
      if (!inquiry && outcome === 'won') {
        balance(dispute, dispute.amount, 0);
        deps.emit('charge.dispute.funds_reinstated', dispute);
      }
      return dispute;
    },
    route(method, id, sub, params) {
      if (method === 'GET' && id !== undefined && sub === undefined) return { status: 200, body: find(id) };
      if (method === 'POST' && id !== undefined && sub === undefined) return { status: 200, body: update(find(id), params) };
      if (method === 'GET' && id === undefined) {
        const data = [...disputes.values()].reverse();
        return { status: 200, body: { object: 'list', url: '/v1/disputes', has_more: false, data } };
      }
      throw invalid(`Unrecognized request URL (${method}: /v1/disputes${id ? `/${id}` : ''}${sub ? `/${sub}` : ''}).`, undefined, undefined, 404);
    },
  };
}
