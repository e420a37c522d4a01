import {
  DEFAULT_POLICY,
  EARLIEST_INSTANT,
  LATEST_INSTANT,
  refundIdempotencyKey,
  transition,
  type AttendanceEntry,
  type ChargeAnswer,
  type RefundAnswer,
  type ChargeAttempt,
  type ConnectionMark,
  type ProviderConnection,
  type ProviderTokensWrite,
  type Refund,
  type SealedProviderTokens,
  type Session,
  type SessionEvent,
  type SessionEventDraft,
  type SessionsAdapter,
  type SessionWrite,
  type StoredProviderTokens,
  type TransitionResult,
} from '@itutor/sessions-core';
import { addMinutes } from 'date-fns';
import { buildSession } from './builders';
import { attendanceContractCases } from './attendance-contract';
import { ledgerStorageContractCases } from './ledger-storage-contract';

/**
 * Reads what an adapter stored, bypassing the adapter's repositories (plain SQL for a database), so an
 * adapter cannot grade itself. Map rows to the core's types; `null` when absent.
 */
export interface RawStorageReader {
  session(id: string): Promise<Session | null>;
  /** Every stored session row for a booking (the suite checks there is never more than one). */
  sessionsForBooking(bookingId: string): Promise<Session[]>;
  /** A session's events, oldest first. */
  events(sessionId: string): Promise<SessionEvent[]>;
  /** Every event about a tutor, oldest first. */
  tutorEvents(tutorId: string): Promise<SessionEvent[]>;
  /** Every stored connection row for a tutor (the suite checks there is at most one). */
  connections(tutorId: string): Promise<ProviderConnection[]>;
  /** The tutor's stored (sealed) tokens with their version and lease, as `findTokens` should answer; `null` when none. */
  tokens(tutorId: string): Promise<StoredProviderTokens | null>;
  /** Tries to update and then delete a stored event directly; resolves `true` if storage allowed either. */
  tryMutateEvent(eventId: string): Promise<boolean>;
  /** Tries to change a final session's charge amount directly; resolves `true` if storage allowed it. */
  tryChangeFinalOutcome(sessionId: string): Promise<boolean>;
  /** A session's charge-ledger rows, by attempt. */
  charges(sessionId: string): Promise<ChargeAttempt[]>;
  /**
   * Tries to store `attempt` directly (insert, or replace the row with the same session and attempt),
   * bypassing the repositories; resolves `true` if storage allowed it. Storage must refuse amounts that
   * differ from the session's outcome amounts and a second succeeded attempt for one session.
   */
  tryWriteCharge(attempt: ChargeAttempt): Promise<boolean>;
  /**
   * Tries to store a session's charge summary directly (the given ones of `chargeStatus`,
   * `chargeIdempotencyKey`, `chargeAttempts`, `chargeReference`; the rest of the row as stored), bypassing
   * the repositories; resolves `true` if storage allowed it. Storage must refuse any change of the summary
   * of a session whose charge succeeded, and a `chargeStatus` other than `succeeded` on a final session
   * whose ledger holds a succeeded attempt (the suite's "record of money taken" cases; without this
   * member they check the rule through `applyWrites` only).
   */
  tryWriteChargeSummary?(
    sessionId: string,
    summary: Partial<Pick<Session, 'chargeStatus' | 'chargeIdempotencyKey' | 'chargeAttempts' | 'chargeReference'>>,
  ): Promise<boolean>;
  /** A session's refund rows, by refund number (adapters with `refunds`; the refund cases run only then). */
  refunds?(sessionId: string): Promise<Refund[]>;
  /**
   * Tries to store `refund` directly (insert, or replace the row with the same session and number),
   * bypassing the repositories; resolves `true` if storage allowed it. Storage must refuse a refund of an
   * attempt that has not succeeded, parts that do not sum to the amount, and refunds not failed that
   * exceed the charge, its payout or its fee.
   */
  tryWriteRefund?(refund: Refund): Promise<boolean>;
  /** A session's stored attendance rows, any order (adapters with `attendance`; those cases run only then). */
  attendance?(sessionId: string): Promise<AttendanceEntry[]>;
}

/** A fresh, empty adapter plus its raw reader, made by the adapter author for each test. */
export interface AdapterContractHarness {
  readonly adapter: SessionsAdapter;
  readonly raw: RawStorageReader;
  /** Called after each test. */
  readonly close?: () => Promise<void>;
}

/** The test functions of your runner (Vitest, Jest and `node:test` all fit). */
export interface ContractTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
}

/** Options of {@link runAdapterContractSuite}. */
export interface AdapterContractOptions {
  /** Shown in test names, e.g. `postgres (pg Pool)`. */
  readonly name: string;
  /** Returns a fresh adapter over empty storage. */
  readonly setup: () => Promise<AdapterContractHarness>;
  readonly test: ContractTestApi;
  /** Per-test timeout. Default 30 000 ms. */
  readonly timeoutMs?: number;
}

/** Raised by the suite's own checks; the message says what the adapter got wrong. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractViolation(message);
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function checkSameSession(actual: Session | null, expected: Session, where: string): void {
  check(actual !== null, `${where}: session ${expected.id} not found`);
  for (const key of Object.keys(expected) as Array<keyof Session>) {
    const a = actual[key];
    const e = expected[key];
    const same = e instanceof Date || a instanceof Date ? iso(a as Date | null) === iso(e as Date | null) : a === e;
    check(same, `${where}: field ${key} is ${JSON.stringify(a)}, expected ${JSON.stringify(e)}`);
  }
}

const created = (s: Session): SessionEventDraft => ({
  type: 'session.created',
  sessionId: s.id,
  tutorId: s.tutorId,
  actor: 'system',
  occurredAt: s.createdAt,
  payload: { bookingId: s.bookingId },
});

/** The write that stores an accepted transition of `from`. */
function write(from: Session, result: TransitionResult): SessionWrite {
  if (!result.ok) throw new ContractViolation(`transition refused: ${result.error.message}`);
  return { expectedVersion: from.version, next: result.session, events: result.events, ledger: result.ledger };
}

/** The command recording `result` for the session's open attempt. */
const answer = (s: Session, result: ChargeAnswer) => ({ type: 'RECORD_CHARGE_RESULT' as const, attempt: s.chargeAttempts, result });

const uuid = (n: number) => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * The adapter contract suite. Call it once per adapter from a test file:
 *
 * ```ts
 * import { describe, it } from 'vitest';
 * import { runAdapterContractSuite } from '@itutor/sessions-core/testing';
 * runAdapterContractSuite({ name: 'my-db', test: { describe, it }, setup: async () => ({ adapter, raw, close }) });
 * ```
 *
 * It writes through the adapter and reads back through `raw`, covering round trips of every field,
 * idempotent booking inserts (also racing), compare-and-set conflicts (also racing), batched writes,
 * frozen final sessions, the settlement claim (due rules, leases, racing claims), append-only events,
 * provider-connection rules, the sealed tokens with their compare-and-set refresh lock (racing writes:
 * exactly one winner; stale versions lose; a refused refresh marks the connection with one event; no
 * ciphertext in events or connection reads) and, when the adapter has them, the video meetings.
 */
export function runAdapterContractSuite(options: AdapterContractOptions): void {
  const { describe, it } = options.test;
  const timeout = options.timeoutMs ?? 30_000;
  const start = new Date('2026-03-02T14:00:00.000Z');
  const t = (name: string, body: (h: AdapterContractHarness) => Promise<void>) =>
    it(
      name,
      async () => {
        const harness = await options.setup();
        try {
          await body(harness);
        } finally {
          await harness.close?.();
        }
      },
      timeout,
    );

  const insert = async (h: AdapterContractHarness, s: Session) => {
    const result = await h.adapter.sessions.insert(s, [created(s)]);
    check(result.inserted, `insert of ${s.id} was not inserted`);
    return result.session;
  };

  /** Settles `s` (charging in full) at its scheduled end and stores it; returns the stored session. */
  const settle = async (h: AdapterContractHarness, s: Session) => {
    const result = transition(s, { type: 'SETTLE' }, s.scheduledEndAt);
    check(result.ok && result.session.chargeStatus === 'pending', 'settle should open a charge');
    const [stored] = await h.adapter.sessions.applyWrites([write(s, result)]);
    check(stored, 'settlement write must win');
    return stored;
  };

  describe(`adapter contract: ${options.name}`, () => {
    describe('sessions', () => {
      t('round-trips every field of a new session exactly', async (h) => {
        const s = buildSession({ id: uuid(1), bookingId: 'b-roundtrip', priceMinor: 999_999_999_999, scheduledStartAt: start, durationMinutes: 97 });
        const stored = await insert(h, s);
        checkSameSession(stored, s, 'insert result');
        checkSameSession(await h.adapter.sessions.findById(s.id), s, 'findById');
        checkSameSession(await h.adapter.sessions.findByBookingId('b-roundtrip'), s, 'findByBookingId');
        checkSameSession(await h.raw.session(s.id), s, 'raw read');
        const events = await h.raw.events(s.id);
        check(events.length === 1 && events[0]!.type === 'session.created', 'insert must append its event');
        check(events[0]!.recordedAt instanceof Date, 'events need a recordedAt');
      });

      t('returns null for unknown ids and bookings', async (h) => {
        check((await h.adapter.sessions.findById(uuid(404))) === null, 'findById of unknown id must be null');
        check((await h.adapter.sessions.findByBookingId('nope')) === null, 'findByBookingId of unknown booking must be null');
      });

      t('inserting a second session for a booking returns the first and writes nothing', async (h) => {
        const first = buildSession({ id: uuid(1), bookingId: 'b-dup' });
        await insert(h, first);
        const second = buildSession({ id: uuid(2), bookingId: 'b-dup' });
        const result = await h.adapter.sessions.insert(second, [created(second)]);
        check(!result.inserted, 'second insert for a booking must not insert');
        check(result.session.id === first.id, 'second insert must return the existing session');
        check((await h.raw.sessionsForBooking('b-dup')).length === 1, 'exactly one row per booking');
        check((await h.raw.events(second.id)).length === 0, 'the losing insert must not write events');
      });

      t('racing inserts for one booking store exactly one session', async (h) => {
        const racers = Array.from({ length: 8 }, (_, i) => buildSession({ id: uuid(10 + i), bookingId: 'b-race' }));
        const results = await Promise.all(racers.map((s) => h.adapter.sessions.insert(s, [created(s)])));
        const winners = results.filter((r) => r.inserted);
        check(winners.length === 1, `expected one winner, got ${winners.length}`);
        check(new Set(results.map((r) => r.session.id)).size === 1, 'every racer must get the same session back');
        check((await h.raw.sessionsForBooking('b-race')).length === 1, 'exactly one row per booking');
      });

      t('compare-and-set applies a write with the current version, with its events', async (h) => {
        const s = await insert(h, buildSession({ id: uuid(1), scheduledStartAt: start }));
        const result = transition(s, { type: 'JOIN', actorId: s.studentId }, addMinutes(start, -1));
        check(result.ok, 'join should be accepted');
        const [stored] = await h.adapter.sessions.applyWrites([{ expectedVersion: 1, next: result.session, events: result.events }]);
        check(stored !== null && stored !== undefined, 'write with the current version must win');
        checkSameSession(await h.raw.session(s.id), result.session, 'after write');
        const types = (await h.raw.events(s.id)).map((e) => e.type);
        check(types.join() === 'session.created,session.joined', `events were ${types.join()}`);
      });

      t('compare-and-set refuses a stale version and writes no events', async (h) => {
        const s = await insert(h, buildSession({ id: uuid(1), scheduledStartAt: start }));
        const result = transition(s, { type: 'JOIN', actorId: s.tutorId }, start);
        check(result.ok, 'join should be accepted');
        const [stored] = await h.adapter.sessions.applyWrites([{ expectedVersion: 7, next: { ...result.session, version: 8 }, events: result.events }]);
        check(stored === null, 'a stale write must return null');
        checkSameSession(await h.raw.session(s.id), s, 'after refused write');
        check((await h.raw.events(s.id)).length === 1, 'a refused write must not append events');
      });

      t('a write for a missing session returns null', async (h) => {
        const ghost = buildSession({ id: uuid(99) });
        const [stored] = await h.adapter.sessions.applyWrites([{ expectedVersion: 1, next: { ...ghost, version: 2 }, events: [] }]);
        check(stored === null, 'writing a missing session must return null');
        check((await h.raw.session(ghost.id)) === null, 'no row may appear');
      });

      t('racing writes on one version: exactly one wins, one event', async (h) => {
        const s = await insert(h, buildSession({ id: uuid(1), scheduledStartAt: start }));
        const now = addMinutes(start, 60);
        const settle = transition(s, { type: 'SETTLE' }, now);
        check(settle.ok, 'settle should be accepted');
        const writes = Array.from({ length: 10 }, () =>
          h.adapter.sessions.applyWrites([{ expectedVersion: 1, next: settle.session, events: settle.events }]),
        );
        const winners = (await Promise.all(writes)).flat().filter((x) => x !== null);
        check(winners.length === 1, `expected exactly one winner, got ${winners.length}`);
        const settled = (await h.raw.events(s.id)).filter((e) => e.type === 'session.settled');
        check(settled.length === 1, `expected one settlement event, got ${settled.length}`);
      });

      t('a batch applies each write on its own and answers in order', async (h) => {
        const a = await insert(h, buildSession({ id: uuid(1), scheduledStartAt: start }));
        const b = await insert(h, buildSession({ id: uuid(2), scheduledStartAt: start }));
        const c = await insert(h, buildSession({ id: uuid(3), scheduledStartAt: start }));
        const now = addMinutes(start, 60);
        const [ra, rb, rc] = [a, b, c].map((s) => transition(s, { type: 'SETTLE' }, now));
        check(ra?.ok && rb?.ok && rc?.ok, 'settle should be accepted');
        const results = await h.adapter.sessions.applyWrites([
          { expectedVersion: 1, next: ra.session, events: ra.events },
          { expectedVersion: 5, next: { ...rb.session, version: 6 }, events: rb.events },
          { expectedVersion: 1, next: rc.session, events: rc.events },
        ]);
        check(results.length === 3, 'one answer per write');
        check(results[0]?.id === a.id && results[1] === null && results[2]?.id === c.id, 'answers must be in order, loser null');
        check((await h.raw.session(b.id))?.status === 'SCHEDULED', 'the losing write must not apply');
        check((await h.raw.events(b.id)).length === 1, 'the losing write must not append events');
      });

      t('a final session cannot change its outcome, only its charge bookkeeping', async (h) => {
        const s = await insert(h, buildSession({ id: uuid(1), scheduledStartAt: start }));
        const settle = transition(s, { type: 'SETTLE' }, addMinutes(start, 60));
        check(settle.ok, 'settle should be accepted');
        const [final] = await h.adapter.sessions.applyWrites([write(s, settle)]);
        check(final, 'settlement write must win');
        let refused = false;
        try {
          const [changed] = await h.adapter.sessions.applyWrites([
            { expectedVersion: final.version, next: { ...final, status: 'CANCELLED', version: final.version + 1 }, events: [] },
          ]);
          refused = changed === null;
        } catch {
          refused = true;
        }
        check(refused, 'changing the status of a final session must be refused (null or an error)');
        check((await h.raw.session(s.id))?.status === 'COMPLETED_ASSUMED', 'the final status must stay');
        check(!(await h.raw.tryChangeFinalOutcome(s.id)), 'storage itself must refuse to change a final outcome');
        const paid = transition(final, answer(final, { status: 'succeeded', reference: 'ch_1' }), addMinutes(start, 61));
        check(paid.ok, 'charge result should be accepted');
        const [booked] = await h.adapter.sessions.applyWrites([write(final, paid)]);
        check(booked?.chargeStatus === 'succeeded', 'charge bookkeeping on a final session must be allowed');
      });
    });

    describe('settlement claims', () => {
      const seedDue = async (h: AdapterContractHarness) => {
        const now = addMinutes(start, 120);
        const due = await insert(h, buildSession({ id: uuid(1), bookingId: 'due-1', scheduledStartAt: addMinutes(start, -60) }));
        const dueLater = await insert(h, buildSession({ id: uuid(2), bookingId: 'due-2', scheduledStartAt: start }));
        const exactlyNow = await insert(h, buildSession({ id: uuid(3), bookingId: 'due-3', scheduledStartAt: addMinutes(now, -60) }));
        const notDue = await insert(h, buildSession({ id: uuid(4), bookingId: 'not-due', scheduledStartAt: addMinutes(now, -59) }));
        const cancelled = await insert(h, buildSession({ id: uuid(5), bookingId: 'cancelled', scheduledStartAt: start }));
        const c = transition(cancelled, { type: 'CANCEL', actorId: 'tutor-a', by: 'tutor' }, addMinutes(start, -30));
        check(c.ok, 'cancel should be accepted');
        await h.adapter.sessions.applyWrites([{ expectedVersion: 1, next: c.session, events: c.events }]);
        return { now, due, dueLater, exactlyNow, notDue, cancelled };
      };

      t('claims due non-final sessions, oldest first, and leases them without a version change', async (h) => {
        const { now, due, dueLater, exactlyNow } = await seedDue(h);
        const claimed = await h.adapter.sessions.claimForSettlement({ now, limit: 10, claimUntil: addMinutes(now, 5) });
        check(
          claimed.map((s) => s.id).join() === [due.id, dueLater.id, exactlyNow.id].join(),
          `claimed ${claimed.map((s) => s.bookingId).join()}, expected due-1,due-2,due-3`,
        );
        for (const s of claimed) {
          check(s.version === 1, 'a claim must not change the version');
          check(s.claimedUntil?.toISOString() === addMinutes(now, 5).toISOString(), 'claimed sessions carry the lease');
          check((await h.raw.session(s.id))?.claimedUntil?.toISOString() === addMinutes(now, 5).toISOString(), 'lease must be stored');
        }
        const again = await h.adapter.sessions.claimForSettlement({ now, limit: 10, claimUntil: addMinutes(now, 5) });
        check(again.length === 0, 'leased sessions must not be claimed again before the lease ends');
        const later = addMinutes(now, 5);
        const afterLease = await h.adapter.sessions.claimForSettlement({ now: later, limit: 10, claimUntil: addMinutes(later, 5) });
        check(afterLease.length === 4, `after the lease, due sessions are claimable again (got ${afterLease.length})`);
      });

      t('respects the limit', async (h) => {
        const { now } = await seedDue(h);
        const claimed = await h.adapter.sessions.claimForSettlement({ now, limit: 2, claimUntil: addMinutes(now, 5) });
        check(claimed.length === 2, `limit 2 returned ${claimed.length}`);
      });

      t('claims final sessions whose charge is still to be collected, after the due ones, never failed-for-good ones', async (h) => {
        const now = addMinutes(start, 120);
        const s = await insert(h, buildSession({ id: uuid(1), bookingId: 'pending', scheduledStartAt: addMinutes(start, -600) }));
        const due = await insert(h, buildSession({ id: uuid(2), bookingId: 'due-now', scheduledStartAt: start }));
        const settled = transition(s, { type: 'SETTLE' }, addMinutes(start, -500));
        check(settled.ok, 'settle should be accepted');
        const [pending] = await h.adapter.sessions.applyWrites([write(s, settled)]);
        check(pending?.chargeStatus === 'pending', 'settled session should have a pending charge');
        const claimed = await h.adapter.sessions.claimForSettlement({ now, limit: 10, claimUntil: addMinutes(now, 5) });
        check(
          claimed.map((c) => c.id).join() === [due.id, s.id].join(),
          `due sessions come first, then charges to collect (got ${claimed.map((c) => c.bookingId).join()})`,
        );
        const retry = claimed[1]!;
        const failed = transition(retry, answer(retry, { status: 'failed', failureCode: 'card_declined', reference: null }), now);
        check(failed.ok, 'failure should be recorded');
        await h.adapter.sessions.applyWrites([{ ...write(retry, failed), next: { ...failed.session, claimedUntil: null } }]);
        const again = await h.adapter.sessions.claimForSettlement({ now, limit: 1, claimUntil: addMinutes(now, 5) });
        check(again.length === 1 && again[0]!.id === s.id, 'a declined charge still to collect must be claimable for retry');
        const gaveUp = transition(again[0]!, { type: 'OPEN_CHARGE_ATTEMPT' }, now);
        check(gaveUp.ok, 'a new attempt should open');
        const [second] = await h.adapter.sessions.applyWrites([{ ...write(again[0]!, gaveUp), next: { ...gaveUp.session, claimedUntil: null } }]);
        check(second?.chargeAttempts === 2, 'the second attempt must be stored');
        const forGood = transition(second, answer(second, { status: 'failed', failureCode: 'card_declined', reference: null }), now, {
          ...DEFAULT_POLICY,
          maxChargeAttempts: 2,
        });
        check(forGood.ok && forGood.session.chargeStatus === 'failed', 'the last attempt fails the charge for good');
        await h.adapter.sessions.applyWrites([{ ...write(second, forGood), next: { ...forGood.session, claimedUntil: null } }]);
        const later = await h.adapter.sessions.claimForSettlement({ now: addMinutes(now, 10), limit: 10, claimUntil: addMinutes(now, 15) });
        check(!later.some((c) => c.id === s.id), 'a charge failed for good must not be claimed');
        check(later.length === 1 && later[0]!.id === due.id, 'the unsettled due session is claimable again after its lease');
      });

      t('racing claims never hand out the same session twice', async (h) => {
        const now = addMinutes(start, 600);
        for (let i = 0; i < 60; i++) {
          await insert(h, buildSession({ id: uuid(100 + i), bookingId: `race-${i}`, scheduledStartAt: addMinutes(start, i) }));
        }
        const claims = await Promise.all(
          Array.from({ length: 6 }, () => h.adapter.sessions.claimForSettlement({ now, limit: 15, claimUntil: addMinutes(now, 5) })),
        );
        const ids = claims.flat().map((s) => s.id);
        check(new Set(ids).size === ids.length, 'a session was claimed twice');
        check(ids.length === 60, `expected all 60 claimed once, got ${ids.length}`);
      });
    });

    describe('charge ledger', () => {
      t('settling opens attempt 1 in the same write, with the outcome amounts and its own key', async (h) => {
        const s = await insert(h, buildSession({ id: uuid(1), scheduledStartAt: start, priceMinor: 15_001 }));
        const stored = await settle(h, s);
        const rows = await h.raw.charges(s.id);
        check(rows.length === 1, `expected one ledger row, got ${rows.length}`);
        const row = rows[0]!;
        check(row.attempt === 1 && row.status === 'pending' && row.calls === 0, 'attempt 1 must be pending with no calls');
        check(
          row.amountMinor === stored.chargeAmountMinor && row.payoutMinor === stored.payoutAmountMinor && row.feeMinor === stored.platformFeeMinor,
          'attempt amounts must equal the session outcome amounts',
        );
        check(row.amountMinor === 15_001 && row.payoutMinor === 13_500 && row.feeMinor === 1_501, 'amounts must round-trip exactly');
        check(row.idempotencyKey === stored.chargeIdempotencyKey && row.outcome === 'COMPLETED_ASSUMED' && row.currency === 'TTD', 'key, outcome and currency must be stored');
        check(row.requestedAt.toISOString() === s.scheduledEndAt.toISOString() && row.answeredAt === null, 'requestedAt must be stored exactly');
        const listed = await h.adapter.charges.listBySession(s.id);
        check(listed.length === 1 && listed[0]!.idempotencyKey === row.idempotencyKey, 'listBySession must return the ledger');
      });

      t('an answer updates its attempt in the same write: status, reference, failure code, one more call', async (h) => {
        const s = await settle(h, await insert(h, buildSession({ id: uuid(1), scheduledStartAt: start })));
        const at = addMinutes(s.scheduledEndAt, 1);
        const unknown = transition(s, answer(s, { status: 'unknown', reason: 'timeout', reference: null }), at);
        const [u] = await h.adapter.sessions.applyWrites([write(s, unknown)]);
        check(u, 'unknown answer write must win');
        let row = (await h.raw.charges(s.id))[0]!;
        check(row.status === 'unknown' && row.calls === 1 && row.failureCode === 'timeout', 'an unknown answer is recorded on the attempt');
        check(row.answeredAt?.toISOString() === at.toISOString(), 'answeredAt must be stored');
        const paid = transition(u, answer(u, { status: 'succeeded', reference: 'ch_42' }), addMinutes(at, 5));
        const [p] = await h.adapter.sessions.applyWrites([write(u, paid)]);
        check(p?.chargeStatus === 'succeeded' && p.chargeReference === 'ch_42', 'the session summary follows the ledger');
        row = (await h.raw.charges(s.id))[0]!;
        check(row.status === 'succeeded' && row.calls === 2 && row.gatewayReference === 'ch_42', 'the success is recorded on the same attempt');
        const stale = transition(s, answer(s, { status: 'failed', failureCode: 'card_declined', reference: null }), at);
        const [lost] = await h.adapter.sessions.applyWrites([write(s, stale)]);
        check(lost === null, 'a stale write must lose');
        row = (await h.raw.charges(s.id))[0]!;
        check(row.status === 'succeeded' && row.calls === 2, 'a losing write must not change the ledger');
      });

      t('a declined attempt closes; the next opens with a new key; both rows stay', async (h) => {
        const s = await settle(h, await insert(h, buildSession({ id: uuid(1), scheduledStartAt: start })));
        const at = addMinutes(s.scheduledEndAt, 1);
        const declined = transition(s, answer(s, { status: 'failed', failureCode: 'card_declined', reference: 'pi_1' }), at);
        const [d] = await h.adapter.sessions.applyWrites([write(s, declined)]);
        check(d?.chargeStatus === 'pending' && d.chargeIdempotencyKey === null, 'a decline leaves the charge to collect with no open attempt');
        const reopened = transition(d, { type: 'OPEN_CHARGE_ATTEMPT' }, addMinutes(at, 5));
        const [r] = await h.adapter.sessions.applyWrites([write(d, reopened)]);
        check(r?.chargeAttempts === 2 && r.chargeIdempotencyKey !== null, 'the second attempt must be open');
        const rows = await h.raw.charges(s.id);
        check(rows.length === 2, `expected two attempts, got ${rows.length}`);
        check(rows[0]!.status === 'failed' && rows[0]!.failureCode === 'card_declined' && rows[0]!.gatewayReference === 'pi_1', 'the decline stays recorded');
        check(rows[1]!.status === 'pending' && rows[1]!.idempotencyKey !== rows[0]!.idempotencyKey, 'a new attempt has a new key');
      });

      t('storage refuses attempt amounts that differ from the outcome, and a second success', async (h) => {
        const s = await settle(h, await insert(h, buildSession({ id: uuid(1), scheduledStartAt: start })));
        const row = (await h.raw.charges(s.id))[0]!;
        check(!(await h.raw.tryWriteCharge({ ...row, attempt: 2, idempotencyKey: `${row.idempotencyKey}-x`, amountMinor: row.amountMinor + 1, feeMinor: row.feeMinor + 1 })), 'amounts other than the outcome must be refused');
        check(!(await h.raw.tryWriteCharge({ ...row, attempt: 2, idempotencyKey: `${row.idempotencyKey}-y`, payoutMinor: row.payoutMinor - 1 })), 'charge ≠ payout + fee must be refused');
        check(await h.raw.tryWriteCharge({ ...row, status: 'succeeded' }), 'one success is allowed');
        check(!(await h.raw.tryWriteCharge({ ...row, attempt: 2, idempotencyKey: `${row.idempotencyKey}-z`, status: 'succeeded' })), 'a second success must be refused');
        check(!(await h.raw.tryWriteCharge({ ...row, attempt: 3 })), 'a reused idempotency key must be refused');
      });

      t('lists the sessions whose charge failed for good, oldest first, up to the limit', async (h) => {
        const policy = { ...DEFAULT_POLICY, maxChargeAttempts: 1 };
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const s = await settle(h, await insert(h, buildSession({ id: uuid(10 + i), bookingId: `attn-${i}`, scheduledStartAt: addMinutes(start, -i * 60) })));
          const failed = transition(s, answer(s, { status: 'failed', failureCode: 'card_declined', reference: null }), addMinutes(s.scheduledEndAt, 1), policy);
          check(failed.ok && failed.session.chargeStatus === 'failed', 'with one attempt allowed, a decline fails for good');
          await h.adapter.sessions.applyWrites([write(s, failed)]);
          ids.push(s.id);
        }
        await settle(h, await insert(h, buildSession({ id: uuid(20), bookingId: 'attn-pending', scheduledStartAt: start })));
        const listed = await h.adapter.charges.listNeedingAttention({ limit: 2 });
        check(listed.map((s) => s.id).join() === [ids[2], ids[1]].join(), `expected the two oldest failed sessions, got ${listed.map((s) => s.bookingId).join()}`);
        check(listed.every((s) => s.chargeStatus === 'failed'), 'only failed-for-good sessions are listed');
      });

      t('instants at both ends of the accepted range round-trip exactly', async (h) => {
        const early = buildSession({ id: uuid(1), bookingId: 'earliest', scheduledStartAt: addMinutes(EARLIEST_INSTANT, 5), durationMinutes: 1440 });
        const late = buildSession({ id: uuid(2), bookingId: 'latest', scheduledStartAt: new Date(LATEST_INSTANT.getTime() - 1), durationMinutes: 1440 });
        for (const s of [early, late]) {
          await insert(h, s);
          checkSameSession(await h.adapter.sessions.findById(s.id), s, `round trip of ${s.bookingId}`);
          checkSameSession(await h.raw.session(s.id), s, `raw read of ${s.bookingId}`);
        }
      });
    });

    describe('refund ledger (adapters with `refunds`)', () => {
      /** A settled session whose charge succeeded (charge 15 001, payout 13 500, fee 1 501). */
      const paid = async (h: AdapterContractHarness, n: number) => {
        const s = await settle(h, await insert(h, buildSession({ id: uuid(n), bookingId: `refund-${n}`, scheduledStartAt: start, priceMinor: 15_001 })));
        const [p] = await h.adapter.sessions.applyWrites([write(s, transition(s, answer(s, { status: 'succeeded', reference: `pi_${n}` }), addMinutes(s.scheduledEndAt, 1)))]);
        check(p?.chargeStatus === 'succeeded', 'the charge must succeed');
        return p;
      };
      const ledgerOf = async (h: AdapterContractHarness, s: Session) =>
        ({ charges: await h.adapter.charges.listBySession(s.id), refunds: await h.adapter.refunds!.listBySession(s.id) });
      const request = async (h: AdapterContractHarness, s: Session, amountMinor: number | null, at: Date) =>
        transition(s, { type: 'REQUEST_REFUND', amountMinor, reason: 'contract', actorId: 'admin', ...(await ledgerOf(h, s)) }, at);
      const refundAnswer = async (h: AdapterContractHarness, s: Session, refund: number, result: RefundAnswer, at: Date) =>
        transition(s, { type: 'RECORD_REFUND_RESULT', refund, result, refunds: await h.adapter.refunds!.listBySession(s.id) }, at);

      t('a refund opens and is answered in the same write as the session: row, key, split, calls, answered at', async (h) => {
        if (!h.adapter.refunds) return;
        const s = await paid(h, 1);
        const at = addMinutes(s.scheduledEndAt, 30);
        const [o] = await h.adapter.sessions.applyWrites([write(s, await request(h, s, 5_000, at))]);
        check(o?.version === s.version + 1, 'opening a refund bumps the session version');
        let rows = await h.adapter.refunds.listBySession(s.id);
        check(rows.length === 1, `expected one refund, got ${rows.length}`);
        const r = rows[0]!;
        check(r.refund === 1 && r.attempt === 1 && r.status === 'pending' && r.calls === 0 && r.answeredAt === null, 'refund 1 must be pending, unanswered');
        check(r.amountMinor === 5_000 && r.feeMinor === 500 && r.payoutMinor === 4_500 && r.currency === 'TTD', 'amounts must round-trip exactly');
        check(r.idempotencyKey === refundIdempotencyKey(s.id, 1, 1) && r.reason === 'contract' && r.requestedBy === 'admin', 'key, reason and actor must be stored');
        check(r.requestedAt.toISOString() === at.toISOString() && r.gatewayReference === null, 'requestedAt must be stored exactly');
        const raw = await h.raw.refunds?.(s.id);
        check(raw === undefined || (raw.length === 1 && raw[0]!.idempotencyKey === r.idempotencyKey), 'raw storage must hold the refund');
        const answeredAt = addMinutes(at, 1);
        const [a] = await h.adapter.sessions.applyWrites([write(o, await refundAnswer(h, o, 1, { status: 'succeeded', reference: 're_1' }, answeredAt))]);
        check(a, 'the answer write must win');
        rows = await h.adapter.refunds.listBySession(s.id);
        check(rows[0]!.status === 'succeeded' && rows[0]!.calls === 1 && rows[0]!.gatewayReference === 're_1', 'the answer is recorded on the refund');
        check(rows[0]!.answeredAt?.toISOString() === answeredAt.toISOString(), 'answeredAt must be stored');
        const types = (await h.raw.events(s.id)).map((e) => e.type);
        check(types.slice(-2).join() === 'refund.requested,refund.succeeded', `events must be appended with the writes, got ${types.join()}`);
      });

      t('racing refunds of one charge never over-refund: one compare-and-set wins, storage refuses any excess', async (h) => {
        if (!h.adapter.refunds) return;
        const s = await paid(h, 2);
        const at = addMinutes(s.scheduledEndAt, 30);
        const a = await request(h, s, 9_000, at);
        const b = await request(h, s, 9_000, at);
        const results = await Promise.all([h.adapter.sessions.applyWrites([write(s, a)]), h.adapter.sessions.applyWrites([write(s, b)])]);
        check(results.filter(([r]) => r !== null).length === 1, 'exactly one of two racing refunds must win');
        const winner = (await h.adapter.sessions.findById(s.id))!;
        const again = await request(h, winner, 9_000, at);
        check(!again.ok && again.error.code === 'REFUND_EXCEEDS_CHARGE', 'the loser, judged again, exceeds what is left');
        // A writer that skips the state machine: its compare-and-set would win, storage must refuse the excess.
        const current = (await h.adapter.refunds.listBySession(s.id))[0]!;
        const excess = {
          ...current,
          refund: 2,
          idempotencyKey: refundIdempotencyKey(s.id, 1, 2),
          amountMinor: 9_000,
          payoutMinor: 8_100,
          feeMinor: 900,
        };
        let refused = false;
        try {
          const [w] = await h.adapter.sessions.applyWrites([
            { expectedVersion: winner.version, next: { ...winner, version: winner.version + 1 }, events: [], ledger: [{ type: 'refund_open', refund: excess }] },
          ]);
          refused = w === null;
        } catch {
          refused = true;
        }
        check(refused, 'storage must refuse refunds beyond the charge');
        const rows = await h.adapter.refunds.listBySession(s.id);
        check(rows.length === 1 && rows[0]!.amountMinor === 9_000, 'nothing of the refused write may be stored');
        if (h.raw.tryWriteRefund) {
          check(!(await h.raw.tryWriteRefund(excess)), 'a direct write beyond the charge must be refused');
          check(!(await h.raw.tryWriteRefund({ ...excess, amountMinor: 100, payoutMinor: 50, feeMinor: 49 })), 'parts must sum to the amount');
          check(!(await h.raw.tryWriteRefund({ ...excess, amountMinor: 100, payoutMinor: 0, feeMinor: 100, attempt: 7 })), 'a refund of no succeeded attempt must be refused');
          check(await h.raw.tryWriteRefund({ ...excess, status: 'failed' }), 'a failed refund does not count against the charge');
        }
      });

      t('a lost answer stays unknown and is listed for a retry under the same key, once its time has come', async (h) => {
        if (!h.adapter.refunds) return;
        const s = await paid(h, 3);
        const at = addMinutes(s.scheduledEndAt, 30);
        const [o] = await h.adapter.sessions.applyWrites([write(s, await request(h, s, null, at))]);
        check(o, 'the refund must open');
        const neverAnswered = await h.adapter.refunds.listToRetry({ before: at, limit: 10 });
        check(neverAnswered.length === 1 && neverAnswered[0]!.refund === 1, 'a refund opened but never answered is listed');
        const [u] = await h.adapter.sessions.applyWrites([
          write(o, await refundAnswer(h, o, 1, { status: 'unknown', reason: 'gateway_error', reference: null }, addMinutes(at, 1))),
        ]);
        check(u, 'the unknown answer must be recorded');
        check((await h.adapter.refunds.listToRetry({ before: at, limit: 10 })).length === 0, 'not before its last answer');
        const due = await h.adapter.refunds.listToRetry({ before: addMinutes(at, 1), limit: 10 });
        check(due.length === 1 && due[0]!.idempotencyKey === refundIdempotencyKey(s.id, 1, 1) && due[0]!.status === 'unknown', 'the unknown refund is listed with its own key');
        const [d] = await h.adapter.sessions.applyWrites([write(u, await refundAnswer(h, u, 1, { status: 'succeeded', reference: 're_3' }, addMinutes(at, 2)))]);
        check(d, 'the retried answer must be recorded');
        const rows = await h.adapter.refunds.listBySession(s.id);
        check(rows.length === 1 && rows[0]!.status === 'succeeded' && rows[0]!.calls === 2, 'one refund, two answers');
        check((await h.adapter.refunds.listToRetry({ before: addMinutes(at, 60), limit: 10 })).length === 0, 'a settled refund is not listed');
      });
    });

    describe('events', () => {
      t('are listed oldest first and cannot be changed or deleted', async (h) => {
        const s = await insert(h, buildSession({ id: uuid(1), scheduledStartAt: start }));
        const join = transition(s, { type: 'JOIN', actorId: s.tutorId }, start);
        check(join.ok, 'join should be accepted');
        const [joined] = await h.adapter.sessions.applyWrites([{ expectedVersion: 1, next: join.session, events: join.events }]);
        check(joined, 'join write must win');
        const end = transition(joined, { type: 'RECORD_MEETING_ENDED', endedAt: addMinutes(start, 30) }, addMinutes(start, 31));
        check(end.ok, 'meeting end should be accepted');
        await h.adapter.sessions.applyWrites([{ expectedVersion: joined.version, next: end.session, events: end.events }]);
        const listed = await h.adapter.events.listBySession(s.id);
        check(
          listed.map((e) => e.type).join() === 'session.created,session.joined,session.meeting_ended',
          `events listed as ${listed.map((e) => e.type).join()}`,
        );
        const joinedEvent = listed[1]!;
        check(joinedEvent.actor === s.tutorId && joinedEvent.tutorId === s.tutorId, 'actor and tutor must be stored');
        check(joinedEvent.occurredAt.toISOString() === start.toISOString(), 'business time must be stored exactly');
        check(JSON.stringify(joinedEvent.payload) === JSON.stringify({ role: 'tutor', first: true }), 'payload must round-trip');
        check(!(await h.raw.tryMutateEvent(joinedEvent.id)), 'storage must refuse to change or delete an event');
        const after = await h.raw.events(s.id);
        check(after.length === 3 && after[1]!.type === 'session.joined', 'events must be unchanged after the attempt');
      });
    });

    describe('provider connections', () => {
      const conn = (over: Partial<ProviderConnection> = {}): ProviderConnection => ({
        tutorId: 'tutor-c',
        provider: 'zoom',
        status: 'connected',
        externalAccountId: 'zoom-user-1',
        version: 1,
        connectedAt: start,
        updatedAt: start,
        ...over,
      });
      const event = (type: SessionEventDraft['type'], payload: Record<string, unknown> = {}): SessionEventDraft => ({
        type,
        sessionId: null,
        tutorId: 'tutor-c',
        actor: 'tutor-c',
        occurredAt: start,
        payload,
      });
      // Sealed tokens as a host's encryption makes them: opaque base64url text beside a key id.
      const sealed = (n: number): SealedProviderTokens => ({
        accessToken: { keyId: 'k-2026', ciphertext: `c2VhbGVkLWFjY2Vzcy0${n}_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA` },
        refreshToken: { keyId: 'k-2025', ciphertext: `c2VhbGVkLXJlZnJlc2gt${n}-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB` },
        expiresAt: addMinutes(start, 60 * n),
      });
      const tokens = sealed(1);
      /** A token write as a token manager makes it: the next version, new ciphertexts, a lease or none. */
      const tokenWrite = (version: number, n: number, over: Partial<ProviderTokensWrite> = {}): ProviderTokensWrite => ({
        provider: 'zoom',
        version,
        ...sealed(n),
        refreshLeaseUntil: null,
        updatedAt: addMinutes(start, n),
        ...over,
      });
      const mark = (status: 'expired' | 'invalid'): ConnectionMark => ({
        status,
        event: { ...event('provider.status_changed', { provider: 'zoom', from: 'connected', to: status, reason: 'invalid_grant' }), actor: 'system', occurredAt: addMinutes(start, 7) },
      });
      const sameTokens = (a: StoredProviderTokens | null, b: SealedProviderTokens, where: string) => {
        check(a !== null, `${where}: tokens missing`);
        check(a.accessToken.keyId === b.accessToken.keyId && a.accessToken.ciphertext === b.accessToken.ciphertext, `${where}: access token ciphertext or key id differs`);
        check(
          (a.refreshToken === null && b.refreshToken === null) ||
            (a.refreshToken?.keyId === b.refreshToken?.keyId && a.refreshToken?.ciphertext === b.refreshToken?.ciphertext),
          `${where}: refresh token ciphertext or key id differs`,
        );
        check(iso(a.expiresAt) === iso(b.expiresAt), `${where}: expiresAt is ${iso(a.expiresAt)}, expected ${iso(b.expiresAt)}`);
      };
      /** No event and no connection read carries a ciphertext. */
      const checkNoTokenLeaks = async (h: AdapterContractHarness, ...all: SealedProviderTokens[]) => {
        const visible = JSON.stringify([await h.raw.tutorEvents('tutor-c'), await h.adapter.events.listByTutor('tutor-c'), await h.adapter.connections.findByTutor('tutor-c'), await h.raw.connections('tutor-c')]);
        for (const t of all) {
          for (const secret of [t.accessToken.ciphertext, t.refreshToken?.ciphertext]) {
            if (secret) check(!visible.includes(secret), 'a token ciphertext appears in an event or a connection read');
          }
        }
      };

      t('stores one connection per tutor, sealed tokens apart, with its event', async (h) => {
        check((await h.adapter.connections.findByTutor('tutor-c')) === null, 'no connection yet must be null');
        check((await h.adapter.connections.findTokens('tutor-c')) === null, 'no connection: findTokens must be null');
        const saved = await h.adapter.connections.save(conn(), tokens, event('provider.connected'), null);
        check(saved?.provider === 'zoom' && saved.version === 1, 'first save must store the connection');
        const found = await h.adapter.connections.findByTutor('tutor-c');
        check(found !== null && !('accessToken' in found) && !('tokens' in found) && !('refreshToken' in found), 'findByTutor must not expose tokens');
        const stored = await h.adapter.connections.findTokens('tutor-c');
        sameTokens(stored, tokens, 'findTokens');
        check(stored!.provider === 'zoom' && stored!.status === 'connected', 'findTokens carries the connection\'s provider and status');
        check(stored!.version === 1 && stored!.refreshLeaseUntil === null, `new tokens start at version 1 with no lease (got ${stored!.version})`);
        sameTokens(await h.raw.tokens('tutor-c'), tokens, 'raw tokens');
        check((await h.raw.tutorEvents('tutor-c')).some((e) => e.type === 'provider.connected' && e.sessionId === null), 'save must append its event');
        await checkNoTokenLeaks(h, tokens);
      });

      t('a connection without tokens has none to find; a refresh token may be absent', async (h) => {
        await h.adapter.connections.save(conn(), null, event('provider.connected'), null);
        check((await h.adapter.connections.findTokens('tutor-c')) === null, 'a connection saved without tokens has no tokens');
        check((await h.raw.tokens('tutor-c')) === null, 'raw: no tokens stored');
        const noRefresh: SealedProviderTokens = { ...sealed(2), refreshToken: null, expiresAt: null };
        await h.adapter.connections.save(conn({ version: 2 }), noRefresh, event('provider.connected'), 1);
        const stored = await h.adapter.connections.findTokens('tutor-c');
        sameTokens(stored, noRefresh, 'tokens without refresh token');
      });

      t('a second "new" connection for a tutor is refused; switching needs the current version', async (h) => {
        await h.adapter.connections.save(conn(), tokens, event('provider.connected'), null);
        check((await h.adapter.connections.save(conn({ provider: 'google_meet' }), tokens, event('provider.connected'), null)) === null, 'creating over an existing connection must return null');
        check((await h.adapter.connections.save(conn({ provider: 'google_meet', version: 3 }), tokens, event('provider.switched'), 2)) === null, 'a stale switch must return null');
        sameTokens(await h.raw.tokens('tutor-c'), tokens, 'refused saves leave the tokens');
        const switched = await h.adapter.connections.save(conn({ provider: 'google_meet', version: 2 }), null, event('provider.switched'), 1);
        check(switched?.provider === 'google_meet', 'a switch with the current version must win');
        const rows = await h.raw.connections('tutor-c');
        check(rows.length === 1 && rows[0]!.provider === 'google_meet', 'exactly one connection row per tutor');
        check((await h.raw.tokens('tutor-c')) === null, 'a switch replaces the tokens too');
        const types = (await h.raw.tutorEvents('tutor-c')).map((e) => e.type);
        check(types.join() === 'provider.connected,provider.switched', `events were ${types.join()}`);
      });

      t('racing switches: exactly one wins', async (h) => {
        await h.adapter.connections.save(conn(), tokens, event('provider.connected'), null);
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            h.adapter.connections.save(conn({ provider: i % 2 ? 'zoom' : 'google_meet', version: 2 }), sealed(i + 2), event('provider.switched'), 1),
          ),
        );
        check(results.filter((r) => r !== null).length === 1, 'exactly one switch must win');
        check((await h.raw.tutorEvents('tutor-c')).filter((e) => e.type === 'provider.switched').length === 1, 'one switch event');
        const winner = results.findIndex((r) => r !== null);
        sameTokens(await h.raw.tokens('tutor-c'), sealed(winner + 2), 'the winning switch\'s tokens are stored');
      });

      t('a status change keeps the tokens and their version exactly; replacing them grows the version', async (h) => {
        await h.adapter.connections.save(conn(), tokens, event('provider.connected'), null);
        check(await h.adapter.connections.compareAndSetTokens('tutor-c', 1, tokenWrite(2, 2, { refreshLeaseUntil: addMinutes(start, 1) }), null), 'a token write at the current version wins');
        const marked = await h.adapter.connections.save(conn({ status: 'invalid', version: 2 }), 'keep', event('provider.status_changed'), 1);
        check(marked?.status === 'invalid', 'the status change must win');
        const kept = await h.raw.tokens('tutor-c');
        sameTokens(kept, sealed(2), "'keep' leaves the tokens");
        check(kept!.version === 2 && iso(kept!.refreshLeaseUntil) === iso(addMinutes(start, 1)), "'keep' leaves the token version and the lease");
        check(kept!.status === 'invalid', 'the stored tokens report the connection\'s new status');
        await h.adapter.connections.save(conn({ status: 'connected', version: 3 }), sealed(3), event('provider.connected'), 2);
        const replaced = await h.raw.tokens('tutor-c');
        sameTokens(replaced, sealed(3), 'reconnecting replaces the tokens');
        check(replaced!.version === 3 && replaced!.refreshLeaseUntil === null, `replacing tokens grows their version (got ${replaced!.version}) and clears the lease`);
        check(!(await h.adapter.connections.compareAndSetTokens('tutor-c', 2, tokenWrite(3, 9), null)), 'a token write from before the reconnection must lose');
        sameTokens(await h.raw.tokens('tutor-c'), sealed(3), 'the losing write changed nothing');
      });

      t('token compare-and-set: the current version wins once; stale, skipped, foreign and tokenless writes lose', async (h) => {
        check(!(await h.adapter.connections.compareAndSetTokens('tutor-c', 0, tokenWrite(1, 2), null)), 'no connection: the write must lose');
        await h.adapter.connections.save(conn(), null, event('provider.connected'), null);
        check(!(await h.adapter.connections.compareAndSetTokens('tutor-c', 0, tokenWrite(1, 2), null)), 'a connection without tokens: the write must lose');
        await h.adapter.connections.save(conn({ version: 2 }), tokens, event('provider.connected'), 1);
        const v = (await h.raw.tokens('tutor-c'))!.version;
        check(!(await h.adapter.connections.compareAndSetTokens('tutor-c', v, tokenWrite(v + 2, 2), null)), 'a write that skips a version must lose');
        check(!(await h.adapter.connections.compareAndSetTokens('tutor-c', v, tokenWrite(v + 1, 2, { provider: 'google_meet' }), null)), 'a write for another provider must lose');
        check(!(await h.adapter.connections.compareAndSetTokens('tutor-c', v - 1, tokenWrite(v, 2), null)), 'a stale version must lose');
        sameTokens(await h.raw.tokens('tutor-c'), tokens, 'losing writes change nothing');
        const lease = addMinutes(start, 2);
        check(await h.adapter.connections.compareAndSetTokens('tutor-c', v, tokenWrite(v + 1, 2, { refreshLeaseUntil: lease }), null), 'the current version must win');
        const after = await h.raw.tokens('tutor-c');
        sameTokens(after, sealed(2), 'the winning write is stored');
        check(after!.version === v + 1 && iso(after!.refreshLeaseUntil) === iso(lease), 'version and lease are stored');
        check(iso(after!.updatedAt) === iso(addMinutes(start, 2)), 'updatedAt is stored');
        check(!(await h.adapter.connections.compareAndSetTokens('tutor-c', v, tokenWrite(v + 1, 3), null)), 'the same expected version cannot win twice');
        const c = await h.adapter.connections.findByTutor('tutor-c');
        check(c?.version === 2 && c.status === 'connected', 'token writes without a mark leave the connection as it is');
        check((await h.raw.tutorEvents('tutor-c')).length === 2, 'token writes without a mark append no event');
        await checkNoTokenLeaks(h, tokens, sealed(2), sealed(3));
      });

      t('racing token compare-and-sets with one expected version: exactly one wins', async (h) => {
        await h.adapter.connections.save(conn(), tokens, event('provider.connected'), null);
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => h.adapter.connections.compareAndSetTokens('tutor-c', 1, tokenWrite(2, i + 2), null)));
        check(results.filter(Boolean).length === 1, `exactly one token write must win, ${results.filter(Boolean).length} did`);
        sameTokens(await h.raw.tokens('tutor-c'), sealed(results.indexOf(true) + 2), "the winner's tokens are stored");
        check((await h.raw.tokens('tutor-c'))!.version === 2, 'the version grew by exactly one');
      });

      t('a refused refresh marks the connection with its event in the same write, once', async (h) => {
        await h.adapter.connections.save(conn(), tokens, event('provider.connected'), null);
        check(await h.adapter.connections.compareAndSetTokens('tutor-c', 1, tokenWrite(2, 1), mark('invalid')), 'the marking write must win');
        const c = await h.adapter.connections.findByTutor('tutor-c');
        check(c?.status === 'invalid' && c.version === 2, `the connection must be invalid at version 2 (is ${c?.status} at ${c?.version})`);
        check((await h.raw.tokens('tutor-c'))!.status === 'invalid', 'the tokens report the new status');
        let changes = (await h.raw.tutorEvents('tutor-c')).filter((e) => e.type === 'provider.status_changed');
        check(changes.length === 1 && changes[0]!.actor === 'system' && changes[0]!.payload.to === 'invalid', 'one status event, by the system');
        check(await h.adapter.connections.compareAndSetTokens('tutor-c', 2, tokenWrite(3, 1), mark('expired')), 'a token write on a marked connection still wins');
        const again = await h.adapter.connections.findByTutor('tutor-c');
        check(again?.status === 'invalid' && again.version === 2, 'an invalid connection is not marked again');
        changes = (await h.raw.tutorEvents('tutor-c')).filter((e) => e.type === 'provider.status_changed');
        check(changes.length === 1, 'no second status event');
        check(!(await h.adapter.connections.compareAndSetTokens('tutor-c', 1, tokenWrite(2, 1), mark('expired'))), 'a stale marking write loses');
        await checkNoTokenLeaks(h, tokens);
      });

      t('racing marks: one wins, one event; a losing mark changes nothing', async (h) => {
        await h.adapter.connections.save(conn(), tokens, event('provider.connected'), null);
        const results = await Promise.all(Array.from({ length: 6 }, (_, i) => h.adapter.connections.compareAndSetTokens('tutor-c', 1, tokenWrite(2, 1), mark(i % 2 ? 'invalid' : 'expired'))));
        check(results.filter(Boolean).length === 1, 'exactly one marking write must win');
        const changes = (await h.raw.tutorEvents('tutor-c')).filter((e) => e.type === 'provider.status_changed');
        check(changes.length === 1, `one status event, got ${changes.length}`);
        check((await h.adapter.connections.findByTutor('tutor-c'))?.version === 2, 'the connection version grew once');
      });
    });

    describe('attendance (adapters with `attendance`)', () => attendanceContractCases({ t, check, insert, uuid, start }));

    describe('the record of money taken (ledger storage rules)', () => ledgerStorageContractCases({ t, check, insert, uuid, start }));

    describe('video meetings (adapters with `meetings`)', () => {
      t('one meeting per (provider, key): the first insert wins, racing inserts agree, remove forgets', async (h) => {
        const meetings = h.adapter.meetings;
        if (!meetings) return; // optional port
        check((await meetings.find('zoom', 'itutor-booking-1')) === null, 'no meeting yet must be null');
        const first = { meetingId: '85000000001', joinUrl: 'https://zoom.us/j/85000000001' };
        const stored = await meetings.insertIfAbsent('zoom', 'itutor-booking-1', first);
        check(stored.meetingId === first.meetingId && stored.joinUrl === first.joinUrl, 'the first insert stores its meeting');
        const again = await meetings.insertIfAbsent('zoom', 'itutor-booking-1', { meetingId: '85000000002', joinUrl: 'https://zoom.us/j/85000000002' });
        check(again.meetingId === first.meetingId, 'a second insert for the key answers the stored meeting');
        const other = await meetings.insertIfAbsent('google_meet', 'itutor-booking-1', { meetingId: 'spaces/abc', joinUrl: 'https://meet.google.com/abc-defg-hij' });
        check(other.meetingId === 'spaces/abc', 'keys are per provider');
        const raced = await Promise.all(
          Array.from({ length: 8 }, (_, i) => meetings.insertIfAbsent('zoom', 'itutor-booking-2', { meetingId: `8600000000${i}`, joinUrl: `https://zoom.us/j/8600000000${i}` })),
        );
        check(new Set(raced.map((m) => m.meetingId)).size === 1, 'racing inserts for one key must all answer the same stored meeting');
        await meetings.remove('zoom', first.meetingId);
        check((await meetings.find('zoom', 'itutor-booking-1')) === null, 'a removed meeting is forgotten');
        check((await meetings.find('google_meet', 'itutor-booking-1'))?.meetingId === 'spaces/abc', 'removing leaves other providers alone');
        check((await meetings.find('zoom', 'itutor-booking-2'))?.meetingId === raced[0]!.meetingId, 'removing leaves other keys alone');
      });
    });
  });
}
