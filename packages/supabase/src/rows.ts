import type {
  ChargeAttempt,
  ProviderConnection,
  Refund,
  Session,
  SessionEvent,
} from '@itutor/sessions-core';
import type {
  Chargeback,
  ConnectionMark,
  Dispute,
  LedgerWrite,
  Payout,
  Meeting,
  ProviderTokensWrite,
  SealedToken,
  SessionEventDraft,
  StoredProviderTokens,
  TokensToSave,
} from '@itutor/sessions-core/adapter';
import { centsToDecimal, decimalToCents } from './money';

/**
 * The mapping between the core's types and the table rows, as the repository functions exchange them
 * (jsonb with the tables' column names; money as decimal text; instants as ISO 8601 text).
 * One mapping for both adapter paths.
 */

type Json = Record<string, unknown>;

/**
 * The last instant formatted, by its time value: the writes of a batch share most of theirs (the run's
 * `now` as updated_at, finalized_at and every event's occurred_at), and toISOString is the costliest step
 * of turning a session into its row. An invalid Date (NaN) never matches, so it still throws.
 */
let lastTime = Number.NaN;
let lastIso = '';
const iso = (d: Date) => {
  const time = d.getTime();
  if (time !== lastTime) {
    lastIso = d.toISOString();
    lastTime = time;
  }
  return lastIso;
};
const isoOrNull = (d: Date | null) => (d === null ? null : iso(d));
const moneyOrNull = (cents: number | null) => (cents === null ? null : centsToDecimal(cents));

function instant(value: unknown, column: string): Date {
  const date = typeof value === 'string' ? new Date(value) : null;
  if (date === null || Number.isNaN(date.getTime())) {
    throw new TypeError(`column ${column}: expected a timestamp, got ${JSON.stringify(value)}`);
  }
  return date;
}
const instantOrNull = (value: unknown, column: string) => (value === null || value === undefined ? null : instant(value, column));
const centsOrNull = (value: unknown) => (value === null || value === undefined ? null : decimalToCents(value as string));
const str = (value: unknown) => value as string;
const strOrNull = (value: unknown) => (value === null || value === undefined ? null : (value as string));
const int = (value: unknown) => value as number;

/** A session → its row. */
export function sessionToRow(s: Session): Json {
  return {
    id: s.id,
    booking_id: s.bookingId,
    tutor_id: s.tutorId,
    student_id: s.studentId,
    status: s.status,
    version: s.version,
    scheduled_start_at: iso(s.scheduledStartAt),
    scheduled_end_at: iso(s.scheduledEndAt),
    duration_minutes: s.durationMinutes,
    join_opens_at: iso(s.joinOpensAt),
    no_show_wait_minutes: s.noShowWaitMinutes,
    min_payable_minutes: s.minPayableMinutes,
    no_show_eligible_at: iso(s.noShowEligibleAt),
    charge_scheduled_at: iso(s.chargeScheduledAt),
    price_ttd: centsToDecimal(s.priceMinor),
    currency: s.currency,
    provider: s.provider,
    meeting_id: s.meetingId,
    join_url: s.joinUrl,
    student_joined_at: isoOrNull(s.studentJoinedAt),
    tutor_joined_at: isoOrNull(s.tutorJoinedAt),
    meeting_ended_at: isoOrNull(s.meetingEndedAt),
    finalized_at: isoOrNull(s.finalizedAt),
    cancelled_by: s.cancelledBy,
    charge_amount_ttd: moneyOrNull(s.chargeAmountMinor),
    payout_amount_ttd: moneyOrNull(s.payoutAmountMinor),
    platform_fee_ttd: moneyOrNull(s.platformFeeMinor),
    charge_status: s.chargeStatus,
    charge_idempotency_key: s.chargeIdempotencyKey,
    charge_attempts: s.chargeAttempts,
    charge_reference: s.chargeReference,
    claimed_until: isoOrNull(s.claimedUntil),
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
    payout_timing: s.payoutTiming,
  };
}

type SessionField = Exclude<keyof Session, 'id' | 'version' | 'claimedUntil'>;

/** Each session field but those every partial row carries: its column and how it is written. */
const SESSION_COLUMNS: ReadonlyArray<readonly [SessionField, string, (value: never) => unknown]> = [
  ['bookingId', 'booking_id', (v: string) => v],
  ['tutorId', 'tutor_id', (v: string) => v],
  ['studentId', 'student_id', (v: string) => v],
  ['status', 'status', (v: string) => v],
  ['scheduledStartAt', 'scheduled_start_at', iso],
  ['scheduledEndAt', 'scheduled_end_at', iso],
  ['durationMinutes', 'duration_minutes', (v: number) => v],
  ['joinOpensAt', 'join_opens_at', iso],
  ['noShowWaitMinutes', 'no_show_wait_minutes', (v: number) => v],
  ['minPayableMinutes', 'min_payable_minutes', (v: number) => v],
  ['noShowEligibleAt', 'no_show_eligible_at', iso],
  ['chargeScheduledAt', 'charge_scheduled_at', iso],
  ['priceMinor', 'price_ttd', centsToDecimal],
  ['currency', 'currency', (v: string) => v],
  ['provider', 'provider', (v: string) => v],
  ['meetingId', 'meeting_id', (v: string) => v],
  ['joinUrl', 'join_url', (v: string) => v],
  ['studentJoinedAt', 'student_joined_at', isoOrNull],
  ['tutorJoinedAt', 'tutor_joined_at', isoOrNull],
  ['meetingEndedAt', 'meeting_ended_at', isoOrNull],
  ['finalizedAt', 'finalized_at', isoOrNull],
  ['cancelledBy', 'cancelled_by', (v: string | null) => v],
  ['chargeAmountMinor', 'charge_amount_ttd', moneyOrNull],
  ['payoutAmountMinor', 'payout_amount_ttd', moneyOrNull],
  ['platformFeeMinor', 'platform_fee_ttd', moneyOrNull],
  ['chargeStatus', 'charge_status', (v: string) => v],
  ['chargeIdempotencyKey', 'charge_idempotency_key', (v: string | null) => v],
  ['chargeAttempts', 'charge_attempts', (v: number) => v],
  ['chargeReference', 'charge_reference', (v: string | null) => v],
  ['createdAt', 'created_at', iso],
  ['updatedAt', 'updated_at', iso],
  ['payoutTiming', 'payout_timing', (v: string) => v],
];

const sameValue = (a: unknown, b: unknown) => a === b || (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());

/**
 * The partial row of a write made from `previous` (`SessionWrite.previous`): id, version and claimed_until
 * always (the lease changes without a new version), then only the columns whose value differs between
 * `previous` and `next`. The repository functions apply it onto the stored row (`"partial": true`).
 * About a third of the full row for a settlement, less for a charge answer: less JSON to build, send and parse.
 */
export function sessionChangesToRow(previous: Session, next: Session): Json {
  const row: Json = { id: next.id, version: next.version, claimed_until: isoOrNull(next.claimedUntil) };
  for (const [field, column, write] of SESSION_COLUMNS) {
    const value = next[field];
    if (!sameValue(value, previous[field])) row[column] = (write as (v: unknown) => unknown)(value);
  }
  return row;
}

/** A row → the session. */
export function rowToSession(r: Json): Session {
  return {
    id: str(r.id),
    bookingId: str(r.booking_id),
    tutorId: str(r.tutor_id),
    studentId: str(r.student_id),
    status: r.status as Session['status'],
    version: int(r.version),
    scheduledStartAt: instant(r.scheduled_start_at, 'scheduled_start_at'),
    scheduledEndAt: instant(r.scheduled_end_at, 'scheduled_end_at'),
    durationMinutes: int(r.duration_minutes),
    joinOpensAt: instant(r.join_opens_at, 'join_opens_at'),
    noShowWaitMinutes: int(r.no_show_wait_minutes),
    minPayableMinutes: int(r.min_payable_minutes),
    noShowEligibleAt: instant(r.no_show_eligible_at, 'no_show_eligible_at'),
    chargeScheduledAt: instant(r.charge_scheduled_at, 'charge_scheduled_at'),
    priceMinor: decimalToCents(r.price_ttd as string),
    currency: str(r.currency),
    provider: r.provider as Session['provider'],
    meetingId: str(r.meeting_id),
    joinUrl: str(r.join_url),
    studentJoinedAt: instantOrNull(r.student_joined_at, 'student_joined_at'),
    tutorJoinedAt: instantOrNull(r.tutor_joined_at, 'tutor_joined_at'),
    meetingEndedAt: instantOrNull(r.meeting_ended_at, 'meeting_ended_at'),
    finalizedAt: instantOrNull(r.finalized_at, 'finalized_at'),
    cancelledBy: (r.cancelled_by ?? null) as Session['cancelledBy'],
    chargeAmountMinor: centsOrNull(r.charge_amount_ttd),
    payoutAmountMinor: centsOrNull(r.payout_amount_ttd),
    platformFeeMinor: centsOrNull(r.platform_fee_ttd),
    chargeStatus: r.charge_status as Session['chargeStatus'],
    chargeIdempotencyKey: strOrNull(r.charge_idempotency_key),
    chargeAttempts: int(r.charge_attempts),
    chargeReference: strOrNull(r.charge_reference),
    claimedUntil: instantOrNull(r.claimed_until, 'claimed_until'),
    createdAt: instant(r.created_at, 'created_at'),
    updatedAt: instant(r.updated_at, 'updated_at'),
    payoutTiming: r.payout_timing as Session['payoutTiming'],
  };
}

/** An event draft → its row (without id and recorded_at, which the database assigns). */
export function eventToRow(e: SessionEventDraft): Json {
  return {
    session_id: e.sessionId,
    tutor_id: e.tutorId,
    type: e.type,
    actor: e.actor,
    occurred_at: iso(e.occurredAt),
    payload: e.payload,
  };
}

/** A row → the event. */
export function rowToEvent(r: Json): SessionEvent {
  return {
    id: str(r.id),
    sessionId: strOrNull(r.session_id),
    tutorId: str(r.tutor_id),
    type: r.type as SessionEvent['type'],
    actor: str(r.actor),
    occurredAt: instant(r.occurred_at, 'occurred_at'),
    recordedAt: instant(r.recorded_at, 'recorded_at'),
    payload: (r.payload ?? {}) as SessionEvent['payload'],
  };
}

/** A connection → its row (tokens apart). */
export function connectionToRow(c: ProviderConnection): Json {
  return {
    tutor_id: c.tutorId,
    provider: c.provider,
    connection_status: c.status,
    external_account_id: c.externalAccountId,
    version: c.version,
    connected_at: iso(c.connectedAt),
    updated_at: iso(c.updatedAt),
  };
}

/** A row → the connection. */
export function rowToConnection(r: Json): ProviderConnection {
  return {
    tutorId: str(r.tutor_id),
    provider: r.provider as ProviderConnection['provider'],
    status: r.connection_status as ProviderConnection['status'],
    externalAccountId: strOrNull(r.external_account_id),
    version: int(r.version),
    connectedAt: instant(r.connected_at, 'connected_at'),
    updatedAt: instant(r.updated_at, 'updated_at'),
  };
}

const sealedOrNull = (keyId: unknown, ciphertext: unknown): SealedToken | null =>
  keyId === null || keyId === undefined || ciphertext === null || ciphertext === undefined ? null : { keyId: str(keyId), ciphertext: str(ciphertext) };

/** What `save` does with the tokens → `p_tokens` (`null` clears, `{ keep: true }` keeps, else the encrypted columns). */
export function tokensToRow(t: TokensToSave): Json | null {
  if (t === null) return null;
  if (t === 'keep') return { keep: true };
  return {
    access_token_key_id: t.accessToken.keyId,
    access_token_ciphertext: t.accessToken.ciphertext,
    refresh_token_key_id: t.refreshToken?.keyId ?? null,
    refresh_token_ciphertext: t.refreshToken?.ciphertext ?? null,
    token_expires_at: isoOrNull(t.expiresAt),
  };
}

/** A token compare-and-set write → `p_tokens` of `itutor_compare_and_set_provider_tokens`. */
export function tokensWriteToRow(t: ProviderTokensWrite): Json {
  return {
    provider: t.provider,
    token_version: t.version,
    access_token_key_id: t.accessToken.keyId,
    access_token_ciphertext: t.accessToken.ciphertext,
    refresh_token_key_id: t.refreshToken?.keyId ?? null,
    refresh_token_ciphertext: t.refreshToken?.ciphertext ?? null,
    token_expires_at: isoOrNull(t.expiresAt),
    refresh_lease_until: isoOrNull(t.refreshLeaseUntil),
    tokens_updated_at: iso(t.updatedAt),
  };
}

/** A connection mark → `p_mark`. */
export function markToRow(m: ConnectionMark): Json {
  return { status: m.status, event: eventToRow(m.event) };
}

/** `itutor_find_provider_tokens`' answer → the stored tokens. */
export function rowToTokens(r: Json): StoredProviderTokens {
  const accessToken = sealedOrNull(r.access_token_key_id, r.access_token_ciphertext);
  if (accessToken === null) throw new TypeError('itutor_find_provider_tokens answered a row without an access token');
  return {
    provider: r.provider as StoredProviderTokens['provider'],
    status: r.connection_status as StoredProviderTokens['status'],
    version: int(r.token_version),
    accessToken,
    refreshToken: sealedOrNull(r.refresh_token_key_id, r.refresh_token_ciphertext),
    expiresAt: instantOrNull(r.token_expires_at, 'token_expires_at'),
    refreshLeaseUntil: instantOrNull(r.refresh_lease_until, 'refresh_lease_until'),
    updatedAt: instant(r.tokens_updated_at, 'tokens_updated_at'),
  };
}

/** A `video_provider_meetings` answer → the meeting. */
export function rowToMeeting(r: Json): Meeting {
  return { meetingId: str(r.meeting_id), joinUrl: str(r.join_url) };
}

/** A ledger attempt → its `session_charges` row (money as decimal text, instants as ISO text). */
export function chargeAttemptToRow(a: ChargeAttempt): Json {
  return {
    session_id: a.sessionId,
    attempt: a.attempt,
    idempotency_key: a.idempotencyKey,
    outcome: a.outcome,
    charge_amount_ttd: centsToDecimal(a.amountMinor),
    payout_amount_ttd: centsToDecimal(a.payoutMinor),
    platform_fee_ttd: centsToDecimal(a.feeMinor),
    currency: a.currency,
    status: a.status,
    gateway_reference: a.gatewayReference,
    failure_code: a.failureCode,
    calls: a.calls,
    requested_at: iso(a.requestedAt),
    answered_at: isoOrNull(a.answeredAt),
  };
}

/** A `session_charges` row → the ledger attempt (`updated_at`, the database's own, is not part of it). */
export function rowToChargeAttempt(r: Json): ChargeAttempt {
  return {
    sessionId: str(r.session_id),
    attempt: int(r.attempt),
    idempotencyKey: str(r.idempotency_key),
    outcome: r.outcome as ChargeAttempt['outcome'],
    amountMinor: decimalToCents(r.charge_amount_ttd as string),
    payoutMinor: decimalToCents(r.payout_amount_ttd as string),
    feeMinor: decimalToCents(r.platform_fee_ttd as string),
    currency: str(r.currency),
    status: r.status as ChargeAttempt['status'],
    gatewayReference: strOrNull(r.gateway_reference),
    failureCode: strOrNull(r.failure_code),
    calls: int(r.calls),
    requestedAt: instant(r.requested_at, 'requested_at'),
    answeredAt: instantOrNull(r.answered_at, 'answered_at'),
  };
}

/** A refund → its `session_refunds` row (money as decimal text, instants as ISO text). */
export function refundToRow(r: Refund): Json {
  return {
    session_id: r.sessionId,
    refund: r.refund,
    attempt: r.attempt,
    idempotency_key: r.idempotencyKey,
    amount_ttd: centsToDecimal(r.amountMinor),
    payout_ttd: centsToDecimal(r.payoutMinor),
    fee_ttd: centsToDecimal(r.feeMinor),
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    requested_by: r.requestedBy,
    gateway_reference: r.gatewayReference,
    failure_code: r.failureCode,
    calls: r.calls,
    requested_at: iso(r.requestedAt),
    answered_at: isoOrNull(r.answeredAt),
  };
}

/** A `session_refunds` row → the refund (`updated_at`, the database's own, is not part of it). */
export function rowToRefund(r: Json): Refund {
  return {
    sessionId: str(r.session_id),
    refund: int(r.refund),
    attempt: int(r.attempt),
    idempotencyKey: str(r.idempotency_key),
    amountMinor: decimalToCents(r.amount_ttd as string),
    payoutMinor: decimalToCents(r.payout_ttd as string),
    feeMinor: decimalToCents(r.fee_ttd as string),
    currency: str(r.currency),
    status: r.status as Refund['status'],
    reason: str(r.reason),
    requestedBy: str(r.requested_by),
    gatewayReference: strOrNull(r.gateway_reference),
    failureCode: strOrNull(r.failure_code),
    calls: int(r.calls),
    requestedAt: instant(r.requested_at, 'requested_at'),
    answeredAt: instantOrNull(r.answered_at, 'answered_at'),
  };
}

/** A payout → its `session_payouts` row (money as decimal text, instants as ISO text). */
export function payoutToRow(p: Payout): Json {
  return {
    session_id: p.sessionId,
    payout: p.payout,
    idempotency_key: p.idempotencyKey,
    timing: p.timing,
    amount_ttd: centsToDecimal(p.amountMinor),
    currency: p.currency,
    status: p.status,
    due_at: iso(p.dueAt),
    gateway_reference: p.gatewayReference,
    failure_code: p.failureCode,
    calls: p.calls,
    requested_at: iso(p.requestedAt),
    sent_at: isoOrNull(p.sentAt),
    refunds_before: p.refundsBefore,
    answered_at: isoOrNull(p.answeredAt),
  };
}

/** A `session_payouts` row → the payout (`updated_at`, the database's own, is not part of it). */
export function rowToPayout(r: Json): Payout {
  return {
    sessionId: str(r.session_id),
    payout: int(r.payout),
    idempotencyKey: str(r.idempotency_key),
    timing: r.timing as Payout['timing'],
    amountMinor: decimalToCents(r.amount_ttd as string),
    currency: str(r.currency),
    status: r.status as Payout['status'],
    dueAt: instant(r.due_at, 'due_at'),
    gatewayReference: strOrNull(r.gateway_reference),
    failureCode: strOrNull(r.failure_code),
    calls: int(r.calls),
    requestedAt: instant(r.requested_at, 'requested_at'),
    sentAt: instantOrNull(r.sent_at, 'sent_at'),
    refundsBefore: r.refunds_before === null || r.refunds_before === undefined ? null : int(r.refunds_before),
    answeredAt: instantOrNull(r.answered_at, 'answered_at'),
  };
}

/** A dispute → its `session_disputes` row (money as decimal text, instants as ISO text). */
export function disputeToRow(d: Dispute): Json {
  return {
    session_id: d.sessionId,
    status: d.status,
    reason: d.reason,
    opened_by: d.openedBy,
    opened_at: iso(d.openedAt),
    offer_ttd: moneyOrNull(d.offerMinor),
    resolution: d.resolution,
    refund_ttd: moneyOrNull(d.refundMinor),
    resolved_by: d.resolvedBy,
    resolved_by_role: d.resolvedByRole,
    resolved_at: isoOrNull(d.resolvedAt),
    updated_at: iso(d.updatedAt),
  };
}

/** A `session_disputes` row → the dispute. */
export function rowToDispute(r: Json): Dispute {
  return {
    sessionId: str(r.session_id),
    status: r.status as Dispute['status'],
    reason: r.reason as Dispute['reason'],
    openedBy: str(r.opened_by),
    openedAt: instant(r.opened_at, 'opened_at'),
    offerMinor: centsOrNull(r.offer_ttd),
    resolution: (r.resolution ?? null) as Dispute['resolution'],
    refundMinor: centsOrNull(r.refund_ttd),
    resolvedBy: strOrNull(r.resolved_by),
    resolvedByRole: (r.resolved_by_role ?? null) as Dispute['resolvedByRole'],
    resolvedAt: instantOrNull(r.resolved_at, 'resolved_at'),
    updatedAt: instant(r.updated_at, 'updated_at'),
  };
}

/** A chargeback → its `session_chargebacks` row (money as decimal text, instants as ISO text, the staged evidence as is). */
export function chargebackToRow(c: Chargeback): Json {
  return {
    session_id: c.sessionId,
    chargeback: c.chargeback,
    attempt: c.attempt,
    reference: c.reference,
    status: c.status,
    reason: c.reason,
    amount_ttd: centsToDecimal(c.amountMinor),
    currency: c.currency,
    fee_ttd: centsToDecimal(c.feeMinor),
    funds_withdrawn_ttd: centsToDecimal(c.fundsWithdrawnMinor),
    funds_reinstated_ttd: centsToDecimal(c.fundsReinstatedMinor),
    evidence_due_by: isoOrNull(c.evidenceDueBy),
    gateway_updated_at: iso(c.gatewayUpdatedAt),
    loss_bearer: c.lossBearer,
    tutor_share_ttd: centsToDecimal(c.tutorShareMinor),
    tutor_share: c.tutorShare,
    evidence: c.evidence,
    staged_evidence: c.stagedEvidence,
    evidence_staged_at: isoOrNull(c.evidenceStagedAt),
    submitted_by: c.submittedBy,
    submitted_at: isoOrNull(c.submittedAt),
    opened_at: iso(c.openedAt),
    closed_at: isoOrNull(c.closedAt),
    updated_at: iso(c.updatedAt),
  };
}

/** A `session_chargebacks` row → the chargeback. */
export function rowToChargeback(r: Json): Chargeback {
  return {
    sessionId: str(r.session_id),
    chargeback: int(r.chargeback),
    attempt: int(r.attempt),
    reference: str(r.reference),
    status: r.status as Chargeback['status'],
    reason: str(r.reason),
    amountMinor: decimalToCents(r.amount_ttd as string),
    currency: str(r.currency),
    feeMinor: decimalToCents(r.fee_ttd as string),
    fundsWithdrawnMinor: decimalToCents(r.funds_withdrawn_ttd as string),
    fundsReinstatedMinor: decimalToCents(r.funds_reinstated_ttd as string),
    evidenceDueBy: instantOrNull(r.evidence_due_by, 'evidence_due_by'),
    gatewayUpdatedAt: instant(r.gateway_updated_at, 'gateway_updated_at'),
    lossBearer: r.loss_bearer as Chargeback['lossBearer'],
    tutorShareMinor: decimalToCents(r.tutor_share_ttd as string),
    tutorShare: r.tutor_share as Chargeback['tutorShare'],
    evidence: r.evidence as Chargeback['evidence'],
    stagedEvidence: (r.staged_evidence ?? null) as Chargeback['stagedEvidence'],
    evidenceStagedAt: instantOrNull(r.evidence_staged_at, 'evidence_staged_at'),
    submittedBy: strOrNull(r.submitted_by),
    submittedAt: instantOrNull(r.submitted_at, 'submitted_at'),
    openedAt: instant(r.opened_at, 'opened_at'),
    closedAt: instantOrNull(r.closed_at, 'closed_at'),
    updatedAt: instant(r.updated_at, 'updated_at'),
  };
}

/** A ledger change → the jsonb `itutor_apply_session_writes` reads from a write's `ledger` array. */
export function ledgerWriteToRow(w: LedgerWrite): Json {
  switch (w.type) {
    case 'open':
      return { type: 'open', attempt: chargeAttemptToRow(w.attempt) };
    case 'refund_open':
      return { type: 'refund_open', refund: refundToRow(w.refund) };
    case 'refund_answer':
      return { type: 'refund_answer', session_id: w.sessionId, refund: w.refund, ...answerColumns(w) };
    case 'payout_open':
      return { type: 'payout_open', payout: payoutToRow(w.payout) };
    case 'payout_send':
      return {
        type: 'payout_send',
        session_id: w.sessionId,
        payout: w.payout,
        status: w.status,
        amount_ttd: centsToDecimal(w.amountMinor),
        sent_at: iso(w.sentAt),
        refunds_before: w.refundsBefore,
      };
    case 'payout_answer':
      return { type: 'payout_answer', session_id: w.sessionId, payout: w.payout, ...answerColumns(w) };
    case 'dispute_open':
    case 'dispute_update':
      return { type: w.type, dispute: disputeToRow(w.dispute) };
    case 'chargeback_open':
    case 'chargeback_update':
      return { type: w.type, chargeback: chargebackToRow(w.chargeback) };
    case 'answer':
      return { type: 'answer', session_id: w.sessionId, attempt: w.attempt, ...answerColumns(w) };
  }
}

/** The columns of a gateway answer (charge, refund or payout). */
function answerColumns(w: { status: string; gatewayReference: string | null; failureCode: string | null; answeredAt: Date }): Json {
  return { status: w.status, gateway_reference: w.gatewayReference, failure_code: w.failureCode, answered_at: iso(w.answeredAt) };
}
