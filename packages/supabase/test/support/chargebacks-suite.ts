import { afterAll, describe, expect, it } from 'vitest';
import {
  transition,
  type ChargeAttempt,
  type Chargeback,
  type LedgerWrite,
  type Session,
  type SessionCommand,
  type SessionWrite,
  type SessionsAdapter,
} from '@itutor/sessions-core/adapter';
import type { PayoutTiming } from '@itutor/sessions-core/adapter';
import { buildSession } from '@itutor/sessions-core/testing';
import { createSqlAdapter, createSupabaseAdapter } from '@itutor/sessions-supabase';
import type { TestDatabase } from './db';
import { startTestGateway, type TestGateway } from './gateway';
import { client as supabaseClient, JWT_SECRET } from './gateway-suite';

/**
 * Storage of issue #24 (payment recovery and chargebacks) through the SQL adapter and the supabase-js
 * adapter (the PostgREST test gateway, service role) over `open()`'s database: chargebacks written as
 * ledger changes of session writes (both apply paths) and read back (`listBySession`, `findByReference`,
 * `listOpen` in the platform's order), the storage rules refusing a whole write, an open chargeback
 * holding the payout and a withheld share reducing it, and a charge awaiting its student (never claimed,
 * its key the open attempt's or none, checked when the write commits).
 */

type Adapter = SessionsAdapter & Required<Pick<SessionsAdapter, 'payouts' | 'chargebacks'>>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const start = new Date('2026-06-01T10:00:00.000Z');
const end = new Date(start.getTime() + HOUR);
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);
const dueOf = () => at(end, 72 * HOUR);
const id = (n: number) => `74000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const FINAL = new Set(['warning_closed', 'prevented', 'won', 'lost']);

async function apply(adapter: Adapter, from: Session, command: SessionCommand, now: Date): Promise<Session> {
  const result = transition(from, command, now);
  if (!result.ok) throw result.error;
  const [stored] = await adapter.sessions.applyWrites([{ expectedVersion: from.version, next: result.session, events: result.events, ledger: result.ledger }]);
  if (!stored) throw new Error(`${command.type} on ${from.id} lost its compare-and-set`);
  return stored;
}

/** Session `n`, settled (its first attempt open, charge pending). */
async function settled(adapter: Adapter, n: number, timing: PayoutTiming = 'with_charge'): Promise<Session> {
  const s = buildSession({ id: id(n), bookingId: `chargeback-${n}`, meetingId: `m-${n}`, joinUrl: `https://zoom.us/j/${n}`, scheduledStartAt: start, payoutTiming: timing });
  await adapter.sessions.insert(s, []);
  return apply(adapter, s, { type: 'SETTLE' }, end);
}

/** Session `n`, settled and paid on attempt 1 (150.00 = 135.00 + 15.00). */
async function paid(adapter: Adapter, n: number, timing: PayoutTiming = 'with_charge'): Promise<Session> {
  const s = await settled(adapter, n, timing);
  return apply(adapter, s, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'succeeded', reference: `pi_${n}` } }, at(end, MINUTE));
}

/** A session write of `s` (one version on) carrying `ledger`, with the session as `change` makes it. */
const writeOf = (s: Session, ledger: readonly LedgerWrite[], change: Partial<Session> = {}): SessionWrite => ({
  expectedVersion: s.version,
  next: { ...s, ...change, version: s.version + 1 },
  events: [],
  ledger,
});

async function write(adapter: Adapter, s: Session, ledger: readonly LedgerWrite[], change: Partial<Session> = {}): Promise<Session> {
  const [stored] = await adapter.sessions.applyWrites([writeOf(s, ledger, change)]);
  if (!stored) throw new Error(`the write of ${s.id} lost its compare-and-set`);
  return stored;
}

/** Expects the write to be refused as a whole: the session and its chargebacks stay as they were. */
async function refused(adapter: Adapter, s: Session, ledger: readonly LedgerWrite[], what: string, change: Partial<Session> = {}) {
  const before = await adapter.chargebacks.listBySession(s.id);
  const error = await adapter.sessions.applyWrites([writeOf(s, ledger, change)]).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `${what} must be refused`).not.toBeNull();
  const e = error as { code?: unknown; details?: { providerCode?: unknown } };
  const code = typeof e.details?.providerCode === 'string' ? e.details.providerCode : e.code;
  expect(code, what).toMatch(/^(23514|23505|23503|22023)$/);
  expect((await adapter.sessions.findById(s.id))?.version, what).toBe(s.version);
  expect(await adapter.chargebacks.listBySession(s.id), what).toEqual(before);
}

const EVIDENCE = {
  service_date: '2026-06-01',
  product_description: 'A 60-minute online tutoring session on the platform, held over Zoom, scheduled 2026-06-01T10:00:00Z (UTC), price TTD 150.00.',
  access_activity_log: 'Student joined by the Join button at 2026-06-01T10:01:00Z.\nTutor joined (Zoom report) at 2026-06-01T09:58:00Z — “on time”.',
  cancellation_policy_disclosure: 'Free cancellation up to 24 h before the start; later: 50 %.',
  refund_policy_disclosure: 'Disputes within 72 h; a person decides.',
  customer_communication: null,
  uncategorized_text: 'COMPLETED_ASSUMED; charged TTD 150.00 (attempt 1).',
} as const;

/** Chargeback `n` of session `s` (attempt 1, the whole charge, the platform bearing the loss) as the core would open it. */
const chargebackOf = (s: Session, n: number, change: Partial<Chargeback> = {}): Chargeback => ({
  sessionId: s.id,
  chargeback: n,
  attempt: 1,
  reference: `dp_${s.id.slice(-3)}_${n}`,
  status: 'needs_response',
  reason: 'fraudulent',
  amountMinor: 15_000,
  currency: 'TTD',
  feeMinor: 0,
  fundsWithdrawnMinor: 0,
  fundsReinstatedMinor: 0,
  evidenceDueBy: at(end, 14 * DAY),
  gatewayUpdatedAt: at(end, DAY),
  lossBearer: 'platform',
  tutorShareMinor: 0,
  tutorShare: 'none',
  evidence: 'none',
  stagedEvidence: null,
  evidenceStagedAt: null,
  submittedBy: null,
  submittedAt: null,
  openedAt: at(end, DAY),
  closedAt: null,
  updatedAt: at(end, DAY),
  ...change,
});

/** The platform's order (ChargebackReader.listOpen): evidence due first (none last), then opened, session, number. */
const openOrder = (a: Chargeback, b: Chargeback) =>
  (a.evidenceDueBy?.getTime() ?? Infinity) - (b.evidenceDueBy?.getTime() ?? Infinity) ||
  a.openedAt.getTime() - b.openedAt.getTime() ||
  (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0) ||
  a.chargeback - b.chargeback;

export function runChargebackStorageSuite(name: string, open: () => Promise<TestDatabase>): void {
  const ready = (async () => {
    const db = await open();
    const gateway = await startTestGateway(db, { jwtSecret: JWT_SECRET });
    return { db, gateway };
  })();
  afterAll(async () => {
    const { db, gateway } = await ready;
    await gateway.close();
    await db.close();
  });

  const adapters: ReadonlyArray<readonly [string, (db: TestDatabase, gateway: TestGateway) => Adapter]> = [
    ['the SQL adapter', (db) => createSqlAdapter(db.client)],
    ['the supabase-js adapter', (_db, gateway) => createSupabaseAdapter(supabaseClient(gateway, gateway.serviceRoleKey))],
  ];
  const setup = async (adapterOf: (db: TestDatabase, gateway: TestGateway) => Adapter) => {
    const { db, gateway } = await ready;
    await db.reset();
    return { db, gateway, adapter: adapterOf(db, gateway) };
  };

  for (const [label, adapterOf] of adapters) {
    describe(`chargebacks and payment recovery through ${label} on ${name}`, () => {
      it('stores chargebacks opened and updated in session writes and reads them back exactly: by session, by reference, and the open ones in the platform\'s order at any limit', async () => {
        const { adapter } = await setup(adapterOf);
        const a = await paid(adapter, 1);
        const b = await paid(adapter, 2);
        const c = await paid(adapter, 3);
        // Deadlines: a1 in 10 days, a2 none, b1 in 3 days, b2 in 10 days (opened with a1: the session decides),
        // c1 in 3 days (opened before b1), c2 closed (won), c3 none, opened before a2.
        const rows: Chargeback[] = [
          chargebackOf(a, 1, { evidenceDueBy: at(end, 10 * DAY), stagedEvidence: null }),
          chargebackOf(a, 2, { evidenceDueBy: null, status: 'warning_needs_response', openedAt: at(end, 3 * DAY), reason: 'general', amountMinor: 1 }),
          chargebackOf(b, 1, { evidenceDueBy: at(end, 3 * DAY), openedAt: at(end, 2 * DAY), lossBearer: 'tutor', tutorShareMinor: 13_500 }),
          chargebackOf(b, 2, { evidenceDueBy: at(end, 10 * DAY), status: 'under_review', amountMinor: 999 }),
          chargebackOf(c, 1, { evidenceDueBy: at(end, 3 * DAY), openedAt: at(end, DAY + 1) }),
          chargebackOf(c, 2, { status: 'won', closedAt: at(end, 5 * DAY), fundsWithdrawnMinor: 15_000, fundsReinstatedMinor: 15_000, feeMinor: 1_500 }),
          chargebackOf(c, 3, { evidenceDueBy: null, status: 'warning_under_review', openedAt: at(end, 2 * DAY) }),
        ];
        let sa = await write(adapter, a, [{ type: 'chargeback_open', chargeback: rows[0]! }, { type: 'chargeback_open', chargeback: rows[1]! }]);
        await write(adapter, b, [{ type: 'chargeback_open', chargeback: rows[2]! }, { type: 'chargeback_open', chargeback: rows[3]! }]);
        await write(adapter, c, rows.slice(4).map((chargeback) => ({ type: 'chargeback_open', chargeback }) as LedgerWrite));

        expect(await adapter.chargebacks.listBySession(a.id)).toEqual(rows.slice(0, 2));
        expect(await adapter.chargebacks.listBySession(b.id)).toEqual(rows.slice(2, 4));
        expect(await adapter.chargebacks.listBySession(c.id)).toEqual(rows.slice(4));
        for (const row of rows) expect(await adapter.chargebacks.findByReference(row.reference)).toEqual(row);
        expect(await adapter.chargebacks.findByReference('dp_unknown')).toBeNull();
        expect(await adapter.chargebacks.listBySession('not-a-uuid')).toEqual([]);
        expect(await adapter.chargebacks.listBySession(id(99))).toEqual([]);

        const open = rows.filter((r) => !FINAL.has(r.status)).sort(openOrder);
        expect(open.map((r) => r.reference)).toEqual([`dp_${c.id.slice(-3)}_1`, `dp_${b.id.slice(-3)}_1`, `dp_${a.id.slice(-3)}_1`, `dp_${b.id.slice(-3)}_2`, `dp_${c.id.slice(-3)}_3`, `dp_${a.id.slice(-3)}_2`]);
        for (const limit of [0, 1, 2, 3, 5, 6, 7, 100]) expect(await adapter.chargebacks.listOpen({ limit }), `limit ${limit}`).toEqual(open.slice(0, limit));
        expect(await adapter.chargebacks.listOpen({ limit: -1 })).toEqual([]);
        expect(await adapter.chargebacks.listOpen({ limit: 2.7 })).toEqual(open.slice(0, 2));

        // The next states, each stored whole: evidence staged (and staged again), submitted; the gateway's
        // report of a loss; a chargeback closed leaves the work list.
        const staged = { ...rows[0]!, evidence: 'staged' as const, stagedEvidence: EVIDENCE, evidenceStagedAt: at(end, 2 * DAY), updatedAt: at(end, 2 * DAY) };
        sa = await write(adapter, sa, [{ type: 'chargeback_update', chargeback: staged }]);
        expect(await adapter.chargebacks.findByReference(staged.reference)).toEqual(staged);
        const restaged = { ...staged, stagedEvidence: { ...EVIDENCE, customer_communication: 'Student: “the tutor never came”.' }, evidenceStagedAt: at(end, 3 * DAY) };
        const submitted = { ...restaged, evidence: 'submitted' as const, submittedBy: 'admin-1', submittedAt: at(end, 4 * DAY), status: 'under_review' as const, updatedAt: at(end, 4 * DAY) };
        const lost = { ...rows[1]!, status: 'lost' as const, closedAt: at(end, 9 * DAY), fundsWithdrawnMinor: 1, feeMinor: 1_500, gatewayUpdatedAt: at(end, 9 * DAY), updatedAt: at(end, 9 * DAY) };
        sa = await write(adapter, sa, [
          { type: 'chargeback_update', chargeback: restaged },
          { type: 'chargeback_update', chargeback: submitted },
          { type: 'chargeback_update', chargeback: lost },
        ]);
        expect(await adapter.chargebacks.listBySession(a.id)).toEqual([submitted, lost]);
        expect((await adapter.chargebacks.listOpen({ limit: 100 })).map((r) => r.reference)).toEqual(
          [submitted, ...rows.slice(2)].filter((r) => !FINAL.has(r.status)).sort(openOrder).map((r) => r.reference),
        );
        expect((await adapter.sessions.findById(a.id))?.version).toBe(sa.version);
      });

      it('refuses a whole write that breaks a chargeback rule: a disputed attempt that has not succeeded, a number that is not the next, a reused reference, a changed identity, evidence or a share going back, funds going down, a chargeback that does not exist or is another session\'s', async () => {
        const { adapter } = await setup(adapterOf);
        const a = await paid(adapter, 1);
        const pending = await settled(adapter, 2);
        const other = await paid(adapter, 3);
        const first = chargebackOf(a, 1, { lossBearer: 'tutor', tutorShareMinor: 13_500 });
        await refused(adapter, pending, [{ type: 'chargeback_open', chargeback: chargebackOf(pending, 1) }], 'a charge still pending');
        await refused(adapter, a, [{ type: 'chargeback_open', chargeback: { ...first, chargeback: 2 } }], 'a number that is not the session\'s next');
        await refused(adapter, a, [{ type: 'chargeback_open', chargeback: { ...first, currency: 'USD' } }], 'another currency than the charge\'s');
        await refused(adapter, a, [{ type: 'chargeback_open', chargeback: { ...first, attempt: 2 } }], 'an attempt that does not exist');
        await refused(adapter, a, [{ type: 'chargeback_open', chargeback: { ...first, tutorShareMinor: 15_001 } }], 'a share larger than the disputed amount');
        await refused(adapter, a, [{ type: 'chargeback_open', chargeback: chargebackOf(other, 1) }], 'another session\'s chargeback in this session\'s write');
        const a1 = await write(adapter, a, [{ type: 'chargeback_open', chargeback: first }]);
        expect(await adapter.chargebacks.listBySession(a.id)).toEqual([first]);

        await refused(adapter, other, [{ type: 'chargeback_open', chargeback: chargebackOf(other, 1, { reference: first.reference }) }], 'a reference already stored');
        await refused(adapter, a1, [{ type: 'chargeback_open', chargeback: first }], 'the same chargeback opened twice');
        await refused(adapter, a1, [{ type: 'chargeback_update', chargeback: { ...first, chargeback: 2 } }], 'an update of a chargeback that does not exist');
        const changes: Array<[Partial<Chargeback>, string]> = [
          [{ reference: 'dp_other' }, 'its reference'],
          [{ amountMinor: 10_000 }, 'its amount'],
          [{ lossBearer: 'platform', tutorShareMinor: 0 }, 'who bears the loss'],
          [{ tutorShareMinor: 13_000 }, 'the tutor\'s share'],
          [{ openedAt: at(end, 2 * DAY) }, 'when it opened'],
          [{ evidence: 'submitted', stagedEvidence: EVIDENCE, evidenceStagedAt: at(end, 2 * DAY), submittedBy: 'admin-1', submittedAt: at(end, 2 * DAY) }, 'evidence submitted before it was staged'],
          [{ evidence: 'staged' }, 'evidence staged without its text'],
          [{ tutorShare: 'reinstated' }, 'a share given back before it was taken'],
          [{ status: 'lost' }, 'a final status without its closing time'],
        ];
        for (const [change, what] of changes) await refused(adapter, a1, [{ type: 'chargeback_update', chargeback: { ...first, ...change } }], what);

        const withdrawn = { ...first, status: 'under_review' as const, fundsWithdrawnMinor: 15_000, feeMinor: 1_500, tutorShare: 'reversed' as const, evidence: 'staged' as const, stagedEvidence: EVIDENCE, evidenceStagedAt: at(end, 2 * DAY) };
        const a2 = await write(adapter, a1, [{ type: 'chargeback_update', chargeback: withdrawn }]);
        for (const [change, what] of [
          [{ fundsWithdrawnMinor: 14_999 }, 'funds withdrawn going down'],
          [{ evidence: 'none', stagedEvidence: null, evidenceStagedAt: null }, 'staged evidence going back'],
          [{ tutorShare: 'withheld' }, 'a reversed share withheld'],
          [{ tutorShare: 'none' }, 'a reversed share going back'],
        ] as Array<[Partial<Chargeback>, string]>) {
          await refused(adapter, a2, [{ type: 'chargeback_update', chargeback: { ...withdrawn, ...change } }], what);
        }
        // A broken change later in a write undoes the earlier ones of that write, and its session write.
        const won = { ...withdrawn, status: 'won' as const, closedAt: at(end, 20 * DAY), fundsReinstatedMinor: 15_000 };
        await refused(adapter, a2, [{ type: 'chargeback_update', chargeback: won }, { type: 'chargeback_update', chargeback: { ...won, fundsReinstatedMinor: 0 } }], 'funds reinstated going down, after a good change');
        const a3 = await write(adapter, a2, [{ type: 'chargeback_update', chargeback: won }, { type: 'chargeback_update', chargeback: { ...won, tutorShare: 'reinstated' } }]);
        expect(await adapter.chargebacks.listBySession(a.id)).toEqual([{ ...won, tutorShare: 'reinstated' }]);
        await refused(adapter, a3, [{ type: 'chargeback_update', chargeback: { ...won, tutorShare: 'failed' } }], 'a reinstated share moving again');
        expect(await adapter.chargebacks.listOpen({ limit: 10 })).toEqual([]);
      });

      it('a batch of writes with chargeback changes applies each in order; a broken one fails the whole batch', async () => {
        const { adapter } = await setup(adapterOf);
        const a = await paid(adapter, 1);
        const b = await paid(adapter, 2);
        const writes = [writeOf(a, [{ type: 'chargeback_open', chargeback: chargebackOf(a, 1) }]), writeOf(b, [{ type: 'chargeback_open', chargeback: chargebackOf(b, 1) }])];
        const broken = writeOf(b, [{ type: 'chargeback_open', chargeback: chargebackOf(b, 1, { chargeback: 3 }) }]);
        await expect(adapter.sessions.applyWrites([writes[0]!, broken])).rejects.toBeDefined();
        expect(await adapter.chargebacks.listBySession(a.id)).toEqual([]);
        expect((await adapter.sessions.findById(a.id))?.version).toBe(a.version);
        const stored = await adapter.sessions.applyWrites(writes);
        expect(stored.map((s) => s?.version)).toEqual([a.version + 1, b.version + 1]);
        expect((await adapter.chargebacks.listOpen({ limit: 10 })).map((r) => r.sessionId).sort()).toEqual([a.id, b.id].sort());
        // A lost compare-and-set writes no chargeback either.
        const [lost] = await adapter.sessions.applyWrites([writeOf(a, [{ type: 'chargeback_open', chargeback: chargebackOf(a, 2) }])]);
        expect(lost).toBeNull();
        expect(await adapter.chargebacks.listBySession(a.id)).toHaveLength(1);
      });

      it('an open chargeback holds the payout (never sent, not on the payout run\'s list); lost with the tutor\'s share withheld, the payout is the outcome\'s payout less that share', async () => {
        const { adapter } = await setup(adapterOf);
        const p = await paid(adapter, 1, 'after_review');
        const far = new Date('2030-01-01T00:00:00.000Z');
        expect((await adapter.payouts.listDue({ now: far, resendBefore: far, limit: 10 })).map((x) => x.sessionId)).toEqual([p.id]);
        // 50.00 of the 150.00 disputed, the tutor bearing the loss: 50.00 × 135.00 ÷ 150.00 = 45.00.
        const inquiry = chargebackOf(p, 1, { status: 'warning_needs_response', amountMinor: 5_000, lossBearer: 'tutor', tutorShareMinor: 4_500 });
        const held = await write(adapter, p, [{ type: 'chargeback_open', chargeback: inquiry }]);
        expect(await adapter.payouts.listDue({ now: far, resendBefore: far, limit: 10 })).toEqual([]);
        const send = (amountMinor: number, status: 'pending' | 'cancelled' = 'pending'): LedgerWrite => ({ type: 'payout_send', sessionId: p.id, payout: 1, status, amountMinor, sentAt: dueOf(), refundsBefore: 0 });
        await refused(adapter, held, [send(13_500)], 'a payout sent while a chargeback is open');
        const lost = { ...inquiry, status: 'lost' as const, closedAt: at(end, 9 * DAY), fundsWithdrawnMinor: 5_000, tutorShare: 'withheld' as const, updatedAt: at(end, 9 * DAY) };
        const closed = await write(adapter, held, [{ type: 'chargeback_update', chargeback: lost }]);
        expect((await adapter.payouts.listDue({ now: far, resendBefore: far, limit: 10 })).map((x) => x.sessionId)).toEqual([p.id]);
        await refused(adapter, closed, [send(13_500)], 'the whole payout, the withheld share included');
        await refused(adapter, closed, [send(0, 'cancelled')], 'a cancellation with 90.00 left');
        const sent = await write(adapter, closed, [send(9_000)]);
        expect(await adapter.payouts.listBySession(p.id)).toMatchObject([{ payout: 1, status: 'pending', amountMinor: 9_000 }]);
        expect(sent.version).toBe(closed.version + 1);
      });

      it('a charge awaiting its student is stored and read back, never claimed, and holds no key or its open attempt\'s (checked when the write commits)', async () => {
        const { adapter } = await setup(adapterOf);
        const s = await settled(adapter, 1);
        const [attempt1] = await adapter.charges.listBySession(s.id);
        expect(attempt1).toMatchObject({ attempt: 1, status: 'pending' });
        const failed = (attempt: number, failureCode: string, minutes: number): LedgerWrite => ({
          type: 'answer', sessionId: s.id, attempt, status: 'failed', gatewayReference: `pi_${attempt}`, failureCode, answeredAt: at(end, minutes * MINUTE),
        });
        // A write that keeps the declined attempt's key is refused (at commit) and leaves nothing behind.
        await refused(adapter, s, [failed(1, 'authentication_required', 1)], 'the key of a declined attempt', { chargeStatus: 'awaiting_customer' });
        expect((await adapter.charges.listBySession(s.id))[0]).toEqual(attempt1);
        const waiting = await write(adapter, s, [failed(1, 'authentication_required', 1)], { chargeStatus: 'awaiting_customer', chargeIdempotencyKey: null });
        expect(await adapter.sessions.findById(s.id)).toEqual(waiting);
        expect(waiting).toMatchObject({ chargeStatus: 'awaiting_customer', chargeIdempotencyKey: null, chargeAttempts: 1 });
        const far = new Date('2030-01-01T00:00:00.000Z');
        expect(await adapter.sessions.claimForSettlement({ now: far, limit: 10, claimUntil: at(far, MINUTE) })).toEqual([]);
        expect(await adapter.charges.listNeedingAttention({ limit: 10 })).toEqual([]);

        // The student's payment: attempt 2 opened in the write that puts its key on the session.
        const key2 = `itutor-session-${s.id}-${attempt1!.outcome}-2`;
        const attempt2: ChargeAttempt = { ...attempt1!, attempt: 2, idempotencyKey: key2, status: 'pending', calls: 0, gatewayReference: null, failureCode: null, requestedAt: at(end, DAY), answeredAt: null };
        await refused(adapter, waiting, [], 'the key of an attempt that was never opened', { chargeIdempotencyKey: key2, chargeAttempts: 2 });
        const paying = await write(adapter, waiting, [{ type: 'open', attempt: attempt2 }], { chargeIdempotencyKey: key2, chargeAttempts: 2 });
        expect(paying).toMatchObject({ chargeStatus: 'awaiting_customer', chargeIdempotencyKey: key2 });
        expect(await adapter.sessions.claimForSettlement({ now: far, limit: 10, claimUntil: at(far, MINUTE) })).toEqual([]);
        // Declined again: the session must drop the key in the same write.
        await refused(adapter, paying, [failed(2, 'card_declined', DAY / MINUTE + 1)], 'an answered attempt\'s key kept');
        const again = await write(adapter, paying, [failed(2, 'card_declined', DAY / MINUTE + 1)], { chargeIdempotencyKey: null });
        expect((await adapter.charges.listBySession(s.id)).map((c) => [c.attempt, c.status, c.failureCode])).toEqual([
          [1, 'failed', 'authentication_required'],
          [2, 'failed', 'card_declined'],
        ]);
        expect(again).toMatchObject({ chargeStatus: 'awaiting_customer', chargeIdempotencyKey: null, chargeAttempts: 2 });
        // Only a final session with a charge waits for its student.
        const upcoming = buildSession({ id: id(2), bookingId: 'chargeback-2', meetingId: 'm-2', joinUrl: 'https://zoom.us/j/2', scheduledStartAt: start });
        await adapter.sessions.insert(upcoming, []);
        const [lostUpcoming] = await adapter.sessions.applyWrites([writeOf(upcoming, [], { chargeStatus: 'awaiting_customer' })]).then(
          (r) => r,
          (e: unknown) => [e],
        );
        expect(lostUpcoming, 'a session that is not final').toBeInstanceOf(Error);
        expect((await adapter.sessions.findById(upcoming.id))?.chargeStatus).toBe('none');
      });

      it('a settlement\'s batch of charge answers (the set-based statement) moves charges to awaiting_customer; one keeping a declined attempt\'s key fails the whole batch', async () => {
        const { adapter } = await setup(adapterOf);
        const sessions = [await settled(adapter, 1), await settled(adapter, 2), await settled(adapter, 3)];
        const answered = (s: Session, keepKey: boolean): SessionWrite =>
          writeOf(
            s,
            [{ type: 'answer', sessionId: s.id, attempt: 1, status: 'failed', gatewayReference: `pi_${s.id}`, failureCode: 'authentication_required', answeredAt: at(end, MINUTE) }],
            { chargeStatus: 'awaiting_customer', chargeIdempotencyKey: keepKey ? s.chargeIdempotencyKey : null },
          );
        await expect(adapter.sessions.applyWrites([answered(sessions[0]!, false), answered(sessions[1]!, true), answered(sessions[2]!, false)])).rejects.toBeDefined();
        for (const s of sessions) {
          expect(await adapter.sessions.findById(s.id), s.id).toEqual(s);
          expect((await adapter.charges.listBySession(s.id)).map((c) => c.status), s.id).toEqual(['pending']);
        }
        const stored = await adapter.sessions.applyWrites(sessions.map((s) => answered(s, false)));
        expect(stored.map((s) => s?.chargeStatus)).toEqual(['awaiting_customer', 'awaiting_customer', 'awaiting_customer']);
        const far = new Date('2030-01-01T00:00:00.000Z');
        expect(await adapter.sessions.claimForSettlement({ now: far, limit: 10, claimUntil: at(far, MINUTE) })).toEqual([]);
      });
    });
  }

  describe(`chargebacks on ${name}: what clients read`, () => {
    it('participants, strangers and anon read nothing of session_chargebacks, and reach none of its functions', async () => {
      const { gateway, adapter } = await setup((d) => createSqlAdapter(d.client));
      const tutorId = '30000000-0000-4000-8000-00000000004a';
      const studentId = '30000000-0000-4000-8000-00000000004b';
      const s = buildSession({ id: id(1), bookingId: 'chargeback-1', scheduledStartAt: start, tutorId, studentId });
      await adapter.sessions.insert(s, []);
      const settledSession = await apply(adapter, s, { type: 'SETTLE' }, end);
      const charged = await apply(adapter, settledSession, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'succeeded', reference: 'pi_1' } }, at(end, MINUTE));
      await write(adapter, charged, [{ type: 'chargeback_open', chargeback: chargebackOf(charged, 1) }]);
      expect(await adapter.chargebacks.listBySession(s.id)).toHaveLength(1);

      for (const [who, accessToken] of [
        ['the student', await gateway.userToken(studentId)],
        ['the tutor', await gateway.userToken(tutorId)],
        ['a stranger', await gateway.userToken('30000000-0000-4000-8000-00000000004c')],
        ['anon', undefined],
      ] as const) {
        const client = supabaseClient(gateway, gateway.anonKey, accessToken);
        for (const columns of ['status', 'session_id,chargeback', 'reference', '*']) {
          const read = await client.from('session_chargebacks').select(columns).eq('session_id', s.id);
          expect(read.data, `${who}: ${columns}`).toBeNull();
          expect(read.error?.code, `${who}: ${columns}`).toBe('42501');
        }
        const reader = createSupabaseAdapter(client).chargebacks;
        await expect(reader.listBySession(s.id), who).rejects.toMatchObject({ code: 'STORAGE_FAILED', details: { providerCode: '42501' } });
        await expect(reader.findByReference(`dp_${s.id.slice(-3)}_1`), who).rejects.toMatchObject({ code: 'STORAGE_FAILED', details: { providerCode: '42501' } });
        await expect(reader.listOpen({ limit: 5 }), who).rejects.toMatchObject({ code: 'STORAGE_FAILED', details: { providerCode: '42501' } });
      }
      // The service role reads it through the same gateway.
      expect(await createSupabaseAdapter(supabaseClient(gateway, gateway.serviceRoleKey)).chargebacks.listOpen({ limit: 5 })).toEqual(await adapter.chargebacks.listBySession(s.id));
    });
  });
}
