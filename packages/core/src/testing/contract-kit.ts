import {
  transition,
  type ClaimOptions,
  type Chargeback,
  type Dispute,
  type Payout,
  type SessionCommand,
  type SessionEventDraft,
  type SessionWrite,
  type StoredProviderTokens,
  type TransitionResult,
} from '@itutor/sessions-core/adapter';
import {
  DEFAULT_POLICY,
  type AttendanceEntry,
  type ChargeAttempt,
  type ProviderConnection,
  type Refund,
  type Session,
  type SessionEvent,
  type SessionPolicy,
} from '@itutor/sessions-core';
import { isFinalStatus } from '@itutor/sessions-core/rules';
import type { AdapterContractHarness } from './contract';

/**
 * The contract suite's own machinery (not exported from the package): its checks, the full field lists
 * it compares, and a model of what storage must hold after each write, so every case can check every
 * stored field through both the adapter's reads and the raw reader.
 */

/** Raised by the suite's own checks; the message says what the adapter got wrong. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractViolation(message);
}

/** Every field of each stored type, so a field an adapter drops is noticed (the lists are checked to be complete). */
export const SESSION_KEYS = [
  'id',
  'bookingId',
  'tutorId',
  'studentId',
  'status',
  'version',
  'scheduledStartAt',
  'scheduledEndAt',
  'durationMinutes',
  'joinOpensAt',
  'noShowWaitMinutes',
  'minPayableMinutes',
  'noShowEligibleAt',
  'chargeScheduledAt',
  'priceMinor',
  'currency',
  'payoutTiming',
  'provider',
  'meetingId',
  'joinUrl',
  'studentJoinedAt',
  'tutorJoinedAt',
  'meetingEndedAt',
  'finalizedAt',
  'cancelledBy',
  'chargeAmountMinor',
  'payoutAmountMinor',
  'platformFeeMinor',
  'chargeStatus',
  'chargeIdempotencyKey',
  'chargeAttempts',
  'chargeReference',
  'claimedUntil',
  'createdAt',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof Session>;

export const CHARGE_KEYS = [
  'sessionId',
  'attempt',
  'idempotencyKey',
  'outcome',
  'amountMinor',
  'payoutMinor',
  'feeMinor',
  'currency',
  'status',
  'gatewayReference',
  'failureCode',
  'calls',
  'requestedAt',
  'answeredAt',
] as const satisfies ReadonlyArray<keyof ChargeAttempt>;

export const REFUND_KEYS = [
  'sessionId',
  'refund',
  'attempt',
  'idempotencyKey',
  'amountMinor',
  'payoutMinor',
  'feeMinor',
  'currency',
  'status',
  'reason',
  'requestedBy',
  'gatewayReference',
  'failureCode',
  'calls',
  'requestedAt',
  'answeredAt',
] as const satisfies ReadonlyArray<keyof Refund>;

export const PAYOUT_KEYS = [
  'sessionId',
  'payout',
  'idempotencyKey',
  'timing',
  'amountMinor',
  'currency',
  'status',
  'dueAt',
  'gatewayReference',
  'failureCode',
  'calls',
  'requestedAt',
  'sentAt',
  'refundsBefore',
  'answeredAt',
] as const satisfies ReadonlyArray<keyof Payout>;

export const DISPUTE_KEYS = [
  'sessionId',
  'status',
  'reason',
  'openedBy',
  'openedAt',
  'offerMinor',
  'resolution',
  'refundMinor',
  'resolvedBy',
  'resolvedByRole',
  'resolvedAt',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof Dispute>;

export const CHARGEBACK_KEYS = [
  'sessionId',
  'chargeback',
  'attempt',
  'reference',
  'status',
  'reason',
  'amountMinor',
  'currency',
  'feeMinor',
  'fundsWithdrawnMinor',
  'fundsReinstatedMinor',
  'evidenceDueBy',
  'gatewayUpdatedAt',
  'lossBearer',
  'tutorShareMinor',
  'tutorShare',
  'evidence',
  'stagedEvidence',
  'evidenceStagedAt',
  'submittedBy',
  'submittedAt',
  'openedAt',
  'closedAt',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof Chargeback>;

export const ATTENDANCE_KEYS = [
  'provider',
  'eventId',
  'sessionId',
  'role',
  'kind',
  'participantEmail',
  'participantName',
  'participantProviderUserId',
  'participantId',
  'instanceId',
  'occurredAt',
  'receivedAt',
] as const satisfies ReadonlyArray<keyof AttendanceEntry>;

export const CONNECTION_KEYS = [
  'tutorId',
  'provider',
  'status',
  'externalAccountId',
  'version',
  'connectedAt',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof ProviderConnection>;

export const TOKEN_KEYS = [
  'provider',
  'status',
  'version',
  'accessToken',
  'refreshToken',
  'expiresAt',
  'refreshLeaseUntil',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof StoredProviderTokens>;

// A field added to a stored type and not to its list above fails to compile here.
type Complete<T, K extends ReadonlyArray<keyof T>> = Exclude<keyof T, K[number]> extends never ? true : never;
const complete: [
  Complete<Session, typeof SESSION_KEYS>,
  Complete<ChargeAttempt, typeof CHARGE_KEYS>,
  Complete<Refund, typeof REFUND_KEYS>,
  Complete<Payout, typeof PAYOUT_KEYS>,
  Complete<Dispute, typeof DISPUTE_KEYS>,
  Complete<Chargeback, typeof CHARGEBACK_KEYS>,
  Complete<AttendanceEntry, typeof ATTENDANCE_KEYS>,
  Complete<ProviderConnection, typeof CONNECTION_KEYS>,
  Complete<StoredProviderTokens, typeof TOKEN_KEYS>,
] = [true, true, true, true, true, true, true, true, true];
void complete;

/** A value for messages: instants as ISO text, objects as JSON. */
export function show(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Date ? v.toISOString() : v));
}

/**
 * Deep equality of JSON-like data that ignores the order of object keys (jsonb reorders them, and key
 * order carries no meaning). `Date`s compare by instant; `undefined` members count as absent.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return Object.is(a, b) || a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameJson(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && sameJson(ao[k], bo[k]));
}

/** One stored field against its expected value: instants must come back as `Date`s at the same millisecond. */
function sameField(actual: unknown, expected: unknown): boolean {
  if (expected instanceof Date) return actual instanceof Date && actual.getTime() === expected.getTime();
  if (expected === null) return actual === null;
  if (typeof expected === 'object') return sameJson(actual, expected);
  return actual === expected;
}

/** Checks every field in `keys` of `actual` against `expected`. */
export function checkRecord<T>(actual: T | null | undefined, expected: T, keys: ReadonlyArray<keyof T>, where: string): asserts actual is T {
  check(actual !== null && actual !== undefined, `${where}: missing (expected ${show(expected)})`);
  for (const key of keys) {
    const a = (actual as Record<keyof T, unknown>)[key];
    const e = (expected as Record<keyof T, unknown>)[key];
    check(sameField(a, e), `${where}: field ${String(key)} is ${show(a)}, expected ${show(e)}`);
  }
}

/** Checks a list of records, in order. */
export function checkRecords<T>(actual: readonly T[], expected: readonly T[], keys: ReadonlyArray<keyof T>, where: string): void {
  check(Array.isArray(actual), `${where}: expected a list, got ${show(actual)}`);
  check(actual.length === expected.length, `${where}: ${actual.length} rows, expected ${expected.length}`);
  expected.forEach((e, i) => checkRecord(actual[i], e, keys, `${where} [${i}]`));
}

export function checkSession(actual: Session | null | undefined, expected: Session, where: string): asserts actual is Session {
  checkRecord(actual, expected, SESSION_KEYS, where);
}

/** Checks stored events against the drafts they were appended from, in order: every field, payloads by value. */
export function checkEvents(actual: readonly SessionEvent[], expected: readonly SessionEventDraft[], where: string): void {
  check(Array.isArray(actual), `${where}: expected a list of events, got ${show(actual)}`);
  check(
    actual.length === expected.length,
    `${where}: ${actual.length} events (${actual.map((e) => e.type).join(', ')}), expected ${expected.length} (${expected.map((e) => e.type).join(', ')})`,
  );
  const ids = new Set<string>();
  expected.forEach((e, i) => {
    const a = actual[i]!;
    const at = `${where} [${i}] (${e.type})`;
    check(a.type === e.type, `${at}: type is ${show(a.type)}`);
    check(a.sessionId === e.sessionId, `${at}: sessionId is ${show(a.sessionId)}, expected ${show(e.sessionId)}`);
    check(a.tutorId === e.tutorId, `${at}: tutorId is ${show(a.tutorId)}, expected ${show(e.tutorId)}`);
    check(a.actor === e.actor, `${at}: actor is ${show(a.actor)}, expected ${show(e.actor)}`);
    check(sameField(a.occurredAt, e.occurredAt), `${at}: occurredAt is ${show(a.occurredAt)}, expected ${show(e.occurredAt)}`);
    check(sameJson(a.payload, e.payload), `${at}: payload is ${show(a.payload)}, expected ${show(e.payload)} (key order does not matter)`);
    check(typeof a.id === 'string' && a.id.length > 0 && !ids.has(a.id), `${at}: every event needs its own id, got ${show(a.id)}`);
    ids.add(a.id);
    check(a.recordedAt instanceof Date && !Number.isNaN(a.recordedAt.getTime()), `${at}: recordedAt must be a valid Date`);
  });
}

/** The `session.created` event an insert appends. */
export const created = (s: Session): SessionEventDraft => ({
  type: 'session.created',
  sessionId: s.id,
  tutorId: s.tutorId,
  actor: 'system',
  occurredAt: s.createdAt,
  payload: { bookingId: s.bookingId, priceMinor: s.priceMinor, nested: { z: 1, a: [2, { y: 'x', b: null }] } },
});

/** The write that stores an accepted transition of `from`. */
export function writeOf(from: Session, result: TransitionResult, overrides: Partial<SessionWrite> = {}): SessionWrite {
  if (!result.ok) throw new ContractViolation(`transition refused: ${result.error.message}`);
  return { expectedVersion: from.version, next: result.session, events: result.events, ledger: result.ledger, ...overrides };
}

/** A fresh write id (a UUID). */
export const newWriteId = (): string => globalThis.crypto.randomUUID();

/**
 * What storage must hold, kept beside the adapter: sessions, each session's and each tutor's events,
 * the ledgers. Every change goes through the adapter and then `verify` reads it all back.
 */
export class World {
  readonly sessions = new Map<string, Session>();
  readonly sessionEvents = new Map<string, SessionEventDraft[]>();
  readonly tutorEvents = new Map<string, SessionEventDraft[]>();
  readonly charges = new Map<string, ChargeAttempt[]>();
  readonly refunds = new Map<string, Refund[]>();
  readonly payouts = new Map<string, Payout[]>();
  readonly disputes = new Map<string, Dispute>();
  readonly chargebacks = new Map<string, Chargeback[]>();

  constructor(readonly h: AdapterContractHarness) {}

  expected(id: string): Session {
    const s = this.sessions.get(id);
    check(s, `the suite knows no session ${id}`);
    return s;
  }

  /** Records appended events in the model. */
  appended(events: readonly SessionEventDraft[]): void {
    for (const e of events) {
      if (e.sessionId !== null) this.sessionEvents.set(e.sessionId, [...(this.sessionEvents.get(e.sessionId) ?? []), e]);
      this.tutorEvents.set(e.tutorId, [...(this.tutorEvents.get(e.tutorId) ?? []), e]);
    }
  }

  /** Inserts `s` with its `session.created` event and checks everything stored. */
  async insert(s: Session): Promise<Session> {
    const event = created(s);
    const result = await this.h.adapter.sessions.insert(s, [event]);
    check(result.inserted === true, `insert of ${s.id} (booking ${s.bookingId}) was not inserted`);
    checkSession(result.session, s, `insert answer of ${s.bookingId}`);
    this.sessions.set(s.id, s);
    this.charges.set(s.id, []);
    this.refunds.set(s.id, []);
    this.appended([event]);
    await this.verify(s.id, `after inserting ${s.bookingId}`);
    return s;
  }

  /**
   * Applies `writes` in one call. `wins[i]` says whether write i must win (default: all). A winning
   * write must answer exactly its `next` (`retried` ones: the stored session, nothing written again).
   */
  async apply(writes: readonly SessionWrite[], wins: readonly boolean[] = writes.map(() => true), retried: readonly boolean[] = []): Promise<Array<Session | null>> {
    const answers = await this.h.adapter.sessions.applyWrites(writes);
    check(Array.isArray(answers) && answers.length === writes.length, `applyWrites must answer one entry per write (${writes.length}), got ${show(answers)}`);
    writes.forEach((w, i) => {
      const answer = answers[i];
      const where = `write ${i + 1} of ${writes.length} (session ${w.next.bookingId})`;
      if (!wins[i]) {
        check(answer === null, `${where} must lose and answer null, got ${show(answer)}`);
        return;
      }
      if (retried[i]) {
        checkSession(answer, this.expected(w.next.id), `${where}, sent again: its answer`);
        return;
      }
      checkSession(answer, w.next, `${where}: its answer`);
      this.sessions.set(w.next.id, w.next);
      this.appended(w.events);
      this.applyLedger(w);
    });
    const touched = [...new Set(writes.map((w) => w.next.id))].filter((id) => this.sessions.has(id));
    for (const id of touched) await this.verify(id, 'after the write');
    return answers;
  }

  private applyLedger(w: SessionWrite): void {
    const id = w.next.id;
    let charges = [...(this.charges.get(id) ?? [])];
    let refunds = [...(this.refunds.get(id) ?? [])];
    let payouts = [...(this.payouts.get(id) ?? [])];
    for (const l of w.ledger ?? []) {
      if (l.type === 'open') charges.push({ ...l.attempt });
      else if (l.type === 'refund_open') refunds.push({ ...l.refund });
      else if (l.type === 'payout_open') payouts.push({ ...l.payout });
      else if (l.type === 'payout_send') {
        payouts = payouts.map((p) => (p.payout === l.payout ? { ...p, status: l.status, amountMinor: l.amountMinor, sentAt: l.sentAt, refundsBefore: l.refundsBefore } : p));
      } else if (l.type === 'payout_answer') {
        payouts = payouts.map((p) =>
          p.payout === l.payout
            ? { ...p, status: l.status, gatewayReference: l.gatewayReference ?? p.gatewayReference, failureCode: l.failureCode, answeredAt: l.answeredAt, calls: p.calls + 1 }
            : p,
        );
      } else if (l.type === 'dispute_open' || l.type === 'dispute_update') this.disputes.set(id, { ...l.dispute });
      else if (l.type === 'chargeback_open' || l.type === 'chargeback_update') {
        const others = (this.chargebacks.get(id) ?? []).filter((c) => c.chargeback !== l.chargeback.chargeback);
        this.chargebacks.set(id, [...others, { ...l.chargeback }].sort((a, b) => a.chargeback - b.chargeback));
      }
      else if (l.type === 'answer') {
        // The documented answer: its status, failure code and time; one more call; a null reference keeps the stored one.
        charges = charges.map((r) =>
          r.attempt === l.attempt
            ? { ...r, status: l.status, gatewayReference: l.gatewayReference ?? r.gatewayReference, failureCode: l.failureCode, answeredAt: l.answeredAt, calls: r.calls + 1 }
            : r,
        );
      } else {
        refunds = refunds.map((r) =>
          r.refund === l.refund
            ? { ...r, status: l.status, gatewayReference: l.gatewayReference ?? r.gatewayReference, failureCode: l.failureCode, answeredAt: l.answeredAt, calls: r.calls + 1 }
            : r,
        );
      }
    }
    this.charges.set(id, charges.sort((a, b) => a.attempt - b.attempt));
    this.refunds.set(id, refunds.sort((a, b) => a.refund - b.refund));
    this.payouts.set(id, payouts.sort((a, b) => a.payout - b.payout));
  }

  /**
   * Runs `command` on the stored session at `at` and stores the result as one write (with a write id);
   * `claimedUntil` sets the written lease (default: the session's own). Returns the stored session.
   */
  async step(
    id: string,
    command: SessionCommand,
    at: Date,
    options: { policy?: SessionPolicy; claimedUntil?: Date | null; check?: (next: Session) => void } = {},
  ): Promise<Session> {
    const from = this.expected(id);
    const result = transition(from, command, at, options.policy ?? DEFAULT_POLICY);
    check(result.ok, `the suite's ${command.type} on ${from.bookingId} was refused: ${result.ok ? '' : result.error.message}`);
    check(result.changed, `the suite's ${command.type} on ${from.bookingId} changed nothing`);
    const next = options.claimedUntil === undefined ? result.session : { ...result.session, claimedUntil: options.claimedUntil };
    options.check?.(next);
    await this.apply([writeOf(from, result, { next, writeId: newWriteId() })]);
    return this.expected(id);
  }

  /**
   * Claims with `options`; the claim must answer exactly `expected` (ids, in order), every field: due
   * sessions (not final) as stored (leased until `claimUntil` with `leaseDue`), charges to collect
   * (final) leased until `claimUntil`.
   */
  async claim(options: ClaimOptions, expected: readonly string[], where: string): Promise<Session[]> {
    const claimed = await this.h.adapter.sessions.claimForSettlement(options);
    check(Array.isArray(claimed), `${where}: claimForSettlement must answer a list`);
    const names = (ids: readonly string[]) => ids.map((id) => this.sessions.get(id)?.bookingId ?? id).join(', ');
    check(
      claimed.map((s) => s.id).join() === expected.join(),
      `${where}: claimed [${names(claimed.map((s) => s.id))}], expected [${names(expected)}] (groups in order: due sessions, then charges to collect; each oldest chargeScheduledAt first, then id)`,
    );
    for (const s of claimed) {
      const stored = this.expected(s.id);
      if (!isFinalStatus(stored.status) && !options.leaseDue) {
        checkSession(s, stored, `${where}: claimed due session ${stored.bookingId} (returned as stored: no lease, nothing changes, not even version)`);
        continue;
      }
      const leased = { ...stored, claimedUntil: options.claimUntil };
      checkSession(s, leased, `${where}: claimed ${leased.bookingId} (the lease is set, nothing else changes, not even version)`);
      this.sessions.set(s.id, leased);
    }
    await this.verifyAll(`${where}: after the claim`);
    return claimed;
  }

  /** Reads everything stored about one session through the adapter and the raw reader, against the model. */
  async verify(id: string, where: string): Promise<void> {
    const { adapter, raw } = this.h;
    const s = this.expected(id);
    const at = `${where}, ${s.bookingId}`;
    checkSession(await raw.session(id), s, `${at}: raw read`);
    checkSession(await adapter.sessions.findById(id), s, `${at}: findById`);
    checkSession(await adapter.sessions.findByBookingId(s.bookingId), s, `${at}: findByBookingId`);
    const rows = await raw.sessionsForBooking(s.bookingId);
    check(rows.length === 1, `${at}: ${rows.length} stored rows for the booking, expected exactly one`);
    checkSession(rows[0], s, `${at}: raw read by booking`);
    const events = this.sessionEvents.get(id) ?? [];
    const rawEvents = await raw.events(id);
    checkEvents(rawEvents, events, `${at}: raw events`);
    const listed = await adapter.events.listBySession(id);
    checkEvents(listed, events, `${at}: events.listBySession`);
    check(listed.map((e) => e.id).join() === rawEvents.map((e) => e.id).join(), `${at}: events.listBySession and the raw reader disagree on the events' ids`);
    const tutorEvents = this.tutorEvents.get(s.tutorId) ?? [];
    checkEvents(await raw.tutorEvents(s.tutorId), tutorEvents, `${at}: raw tutor events`);
    checkEvents(await adapter.events.listByTutor(s.tutorId), tutorEvents, `${at}: events.listByTutor`);
    const charges = this.charges.get(id) ?? [];
    checkRecords(await raw.charges(id), charges, CHARGE_KEYS, `${at}: raw charge ledger`);
    checkRecords(await adapter.charges.listBySession(id), charges, CHARGE_KEYS, `${at}: charges.listBySession`);
    if (adapter.refunds) {
      check(raw.refunds && raw.tryWriteRefund, 'an adapter with `refunds` needs a raw reader with `refunds` and `tryWriteRefund`');
      const refunds = this.refunds.get(id) ?? [];
      checkRecords(await raw.refunds(id), refunds, REFUND_KEYS, `${at}: raw refund ledger`);
      checkRecords(await adapter.refunds.listBySession(id), refunds, REFUND_KEYS, `${at}: refunds.listBySession`);
    }
    if (adapter.payouts) checkRecords(await adapter.payouts.listBySession(id), this.payouts.get(id) ?? [], PAYOUT_KEYS, `${at}: payouts.listBySession`);
    if (adapter.disputes) {
      const expected = this.disputes.get(id) ?? null;
      const actual = await adapter.disputes.findBySession(id);
      if (expected === null) check(actual === null, `${at}: disputes.findBySession must answer null for a session without a dispute, got ${show(actual)}`);
      else checkRecord(actual, expected, DISPUTE_KEYS, `${at}: disputes.findBySession`);
    }
    if (adapter.chargebacks) {
      const expected = this.chargebacks.get(id) ?? [];
      checkRecords(await adapter.chargebacks.listBySession(id), expected, CHARGEBACK_KEYS, `${at}: chargebacks.listBySession`);
      for (const c of expected) checkRecord(await adapter.chargebacks.findByReference(c.reference), c, CHARGEBACK_KEYS, `${at}: chargebacks.findByReference(${c.reference})`);
    }
  }

  async verifyAll(where: string): Promise<void> {
    for (const id of this.sessions.keys()) await this.verify(id, where);
  }
}
