import { afterAll, describe, expect, it } from 'vitest';
import {
  transition,
  type LedgerWrite,
  type Payout,
  type Session,
  type SessionCommand,
  type SessionWrite,
  type SessionsAdapter,
} from '@itutor/sessions-core/adapter';
import type { PayoutTiming } from '@itutor/sessions-core/adapter';
import { buildSession, createInMemoryAdapter } from '@itutor/sessions-core/testing';
import { createSqlAdapter, createSupabaseAdapter } from '@itutor/sessions-supabase';
import { eventToRow, ledgerWriteToRow, sessionToRow } from '../../src/rows';
import type { TestDatabase } from './db';
import { startTestGateway, type TestGateway } from './gateway';
import { client as supabaseClient, JWT_SECRET } from './gateway-suite';

/**
 * Storage of money after the session (issue #23): the payouts of `after_review` sessions and disputes,
 * through the SQL adapter and the supabase-js adapter (the PostgREST test gateway, service role) over
 * `open()`'s database, with the in-memory reference adapter of the core beside them. Every write comes
 * from the core's state machine (`transition`), or is one it could make with one field broken; the SQL
 * adapters must store and refuse exactly what the in-memory adapter does (its checkPayouts / checkDispute),
 * and answer the same reads.
 */

type Adapter = SessionsAdapter & Required<Pick<SessionsAdapter, 'refunds' | 'payouts' | 'disputes'>>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const start = new Date('2026-06-01T10:00:00.000Z');
const end = new Date(start.getTime() + HOUR);
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);
/** When the review window of a session settled at `end` + `offset` closes (the default 72 hours). */
const dueOf = (offset = 0) => at(end, offset + 72 * HOUR);
const id = (n: number) => `73000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function apply(adapter: Adapter, from: Session, command: SessionCommand, now: Date): Promise<{ session: Session; ledger: readonly LedgerWrite[] }> {
  const result = transition(from, command, now);
  if (!result.ok) throw result.error;
  const [stored] = await adapter.sessions.applyWrites([{ expectedVersion: from.version, next: result.session, events: result.events, ledger: result.ledger }]);
  if (!stored) throw new Error(`${command.type} on ${from.id} lost its compare-and-set`);
  return { session: stored, ledger: result.ledger };
}

const ledgerOf = async (adapter: Adapter, sessionId: string) => ({
  charges: await adapter.charges.listBySession(sessionId),
  refunds: await adapter.refunds.listBySession(sessionId),
  payouts: await adapter.payouts.listBySession(sessionId),
  dispute: await adapter.disputes.findBySession(sessionId),
});

/** Session `n` (ends at `end` + `offset`), settled and paid; `after_review` unless told. */
async function paid(adapter: Adapter, n: number, options: { timing?: PayoutTiming; offset?: number } = {}) {
  const s = buildSession({
    id: id(n),
    bookingId: `payout-${n}`,
    meetingId: `m-${n}`,
    joinUrl: `https://zoom.us/j/${n}`,
    scheduledStartAt: at(start, options.offset ?? 0),
    payoutTiming: options.timing ?? 'after_review',
  });
  await adapter.sessions.insert(s, []);
  const settled = await apply(adapter, s, { type: 'SETTLE' }, s.scheduledEndAt);
  const charged = await apply(adapter, settled.session, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'succeeded', reference: `pi_${n}` } }, at(s.scheduledEndAt, MINUTE));
  return charged;
}

const send = async (adapter: Adapter, s: Session, payout: number, now: Date) =>
  apply(adapter, s, { type: 'SEND_PAYOUT', payout, ledger: await ledgerOf(adapter, s.id) }, now);
const answer = async (adapter: Adapter, s: Session, payout: number, result: Extract<SessionCommand, { type: 'RECORD_PAYOUT_RESULT' }>['result'], now: Date) =>
  apply(adapter, s, { type: 'RECORD_PAYOUT_RESULT', payout, result, payouts: await adapter.payouts.listBySession(s.id) }, now);
const openDispute = async (adapter: Adapter, s: Session, now: Date) =>
  apply(adapter, s, { type: 'OPEN_DISPUTE', actorId: s.studentId, reason: 'tutor_absent', message: 'The tutor never came', ledger: await ledgerOf(adapter, s.id) }, now);
const resolve = async (adapter: Adapter, s: Session, now: Date) =>
  apply(adapter, s, { type: 'DISPUTE_ACTION', actorId: 'admin-1', role: 'platform', action: { type: 'resolve', resolution: 'no_refund' }, message: 'Checked the logs', ledger: await ledgerOf(adapter, s.id) }, now);

/** A platform refund of `amountMinor` of the session's charge, with the ledger as read now. */
const refundOf = async (adapter: Adapter, sessionId: string, amountMinor: number): Promise<SessionCommand> => {
  const { charges, refunds, payouts } = await ledgerOf(adapter, sessionId);
  return { type: 'REQUEST_REFUND', amountMinor, reason: 'platform refund', actorId: 'admin-1', charges, refunds, payouts };
};

/**
 * The same history on any adapter: A and B due one after the other, C held by its open dispute, D sent
 * and answered unknown, E sent and never answered, F paid with the charge (no payout row), G disputed
 * and resolved (released).
 */
async function history(adapter: Adapter) {
  const a = await paid(adapter, 1);
  const b = await paid(adapter, 2, { offset: 10 * MINUTE });
  const c = await paid(adapter, 3, { offset: 5 * MINUTE });
  await openDispute(adapter, c.session, at(end, 2 * HOUR));
  const d = await paid(adapter, 4, { offset: -30 * MINUTE });
  const dSent = await send(adapter, d.session, 1, dueOf(-30 * MINUTE + HOUR));
  await answer(adapter, dSent.session, 1, { status: 'unknown', reason: 'timeout', reference: null }, dueOf(-30 * MINUTE + 2 * HOUR));
  const e = await paid(adapter, 5, { offset: -20 * MINUTE });
  await send(adapter, e.session, 1, dueOf(-20 * MINUTE));
  await paid(adapter, 6, { timing: 'with_charge' });
  const g = await paid(adapter, 7, { offset: 20 * MINUTE });
  const disputed = await openDispute(adapter, g.session, at(end, HOUR));
  await resolve(adapter, disputed.session, at(end, 3 * HOUR));
  return { a, b, c, d, e, g };
}

/** The SQLSTATE of a refused write, or the in-memory adapter's error name. */
const refusal = (error: unknown) => {
  const e = error as { code?: unknown; name?: unknown; details?: { providerCode?: unknown } };
  return typeof e.details?.providerCode === 'string' ? e.details.providerCode : typeof e.code === 'string' ? e.code : String(e.name);
};

export function runPayoutStorageSuite(name: string, open: () => Promise<TestDatabase>): void {
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
    describe(`payouts and disputes through ${label} on ${name}`, () => {
      it('answers every read exactly as the in-memory adapter does after the same history (rows, the payout run\'s list, the dispute queue)', async () => {
        const { adapter } = await setup(adapterOf);
        const memory = createInMemoryAdapter() as Adapter;
        await history(adapter);
        await history(memory);
        for (let n = 1; n <= 7; n++) {
          expect(await adapter.payouts.listBySession(id(n)), `payouts of ${n}`).toEqual(await memory.payouts.listBySession(id(n)));
          expect(await adapter.disputes.findBySession(id(n)), `dispute of ${n}`).toEqual(await memory.disputes.findBySession(id(n)));
          expect(await adapter.sessions.findById(id(n)), `session ${n}`).toEqual(await memory.sessions.findById(id(n)));
        }
        // Sanity of the history itself: what the list must hold at the far end.
        const all = await adapter.payouts.listDue({ now: new Date('2030-01-01T00:00:00.000Z'), resendBefore: new Date('2030-01-01T00:00:00.000Z'), limit: 10 });
        expect(all.map((p) => [p.sessionId, p.status])).toEqual([
          [id(4), 'unknown'],
          [id(5), 'pending'],
          [id(1), 'scheduled'],
          [id(2), 'scheduled'],
          [id(7), 'scheduled'],
        ]);
        const instants = [end, dueOf(-HOUR), dueOf(), dueOf(10 * MINUTE), dueOf(20 * MINUTE), dueOf(-30 * MINUTE + HOUR), dueOf(-30 * MINUTE + 2 * HOUR), dueOf(HOUR), new Date('2030-01-01T00:00:00.000Z')];
        let compared = 0;
        for (const now of instants) {
          for (const resendBefore of instants) {
            for (const limit of [0, 1, 2, 3, 10]) {
              const options = { now, resendBefore, limit };
              expect(await adapter.payouts.listDue(options), JSON.stringify(options)).toEqual(await memory.payouts.listDue(options));
              compared++;
            }
          }
        }
        expect(compared).toBe(instants.length ** 2 * 5);
        for (const limit of [0, 1, 2, 5]) expect(await adapter.disputes.listUnresolved({ limit })).toEqual(await memory.disputes.listUnresolved({ limit }));
        expect((await adapter.disputes.listUnresolved({ limit: 5 })).map((d) => d.sessionId)).toEqual([id(3)]);
        expect(await adapter.disputes.findBySession('not-a-uuid')).toBeNull();
        expect(await adapter.payouts.listBySession('not-a-uuid')).toEqual([]);
      });

      it('a session\'s payout timing is stored as created and written like any field while it is not final; a final session keeps it (as the in-memory adapter)', async () => {
        const { adapter } = await setup(adapterOf);
        const memory = createInMemoryAdapter() as Adapter;
        for (const target of [adapter, memory]) {
          const s = buildSession({ id: id(1), bookingId: 'payout-1', meetingId: 'm-1', joinUrl: 'https://zoom.us/j/1', scheduledStartAt: start, payoutTiming: 'after_review' });
          const t = buildSession({ id: id(2), bookingId: 'payout-2', meetingId: 'm-2', joinUrl: 'https://zoom.us/j/2', scheduledStartAt: start });
          await target.sessions.insert(s, []);
          await target.sessions.insert(t, []);
          expect((await target.sessions.findById(id(1)))?.payoutTiming).toBe('after_review');
          expect((await target.sessions.findById(id(2)))?.payoutTiming).toBe('with_charge');
          // A write of a session that is not final stores every field it carries (two writes: the batch statement too).
          const changed = await target.sessions.applyWrites([
            { expectedVersion: 1, next: { ...s, version: 2, payoutTiming: 'with_charge' }, events: [] },
            { expectedVersion: 1, next: { ...t, version: 2, payoutTiming: 'after_review' }, events: [] },
          ]);
          expect(changed.map((x) => x?.payoutTiming)).toEqual(['with_charge', 'after_review']);
          expect((await target.sessions.findById(id(2)))?.payoutTiming).toBe('after_review');
          const single = await target.sessions.applyWrites([{ expectedVersion: 2, next: { ...s, version: 3, payoutTiming: 'after_review' }, events: [] }]);
          expect(single[0]?.payoutTiming).toBe('after_review');
          // Final: a write that changes it loses and changes nothing.
          const settled = await apply(target, (await target.sessions.findById(id(1)))!, { type: 'SETTLE' }, end);
          const [lost] = await target.sessions.applyWrites([{ expectedVersion: settled.session.version, next: { ...settled.session, version: settled.session.version + 1, payoutTiming: 'with_charge' }, events: [] }]);
          expect(lost).toBeNull();
          expect(await target.sessions.findById(id(1))).toEqual(settled.session);
        }
      });

      it('a charge that succeeds opens payout 1 in its own write (after_review only), also through the set-based batch statement', async () => {
        const { adapter } = await setup(adapterOf);
        const single = await paid(adapter, 1);
        const opened = single.ledger.find((l) => l.type === 'payout_open');
        expect(opened).toBeDefined();
        expect(await adapter.payouts.listBySession(id(1))).toEqual([(opened as Extract<LedgerWrite, { type: 'payout_open' }>).payout]);
        expect(await adapter.payouts.listBySession(id(1))).toMatchObject([{ payout: 1, status: 'scheduled', amountMinor: 13_500, dueAt: dueOf(), sentAt: null }]);

        // Three settled sessions answered in one batch (two or more writes: the set-based statement).
        const settledOf = async (n: number, timing: PayoutTiming) => {
          const s = buildSession({ id: id(n), bookingId: `payout-${n}`, scheduledStartAt: start, payoutTiming: timing });
          await adapter.sessions.insert(s, []);
          return (await apply(adapter, s, { type: 'SETTLE' }, end)).session;
        };
        const answered = (s: Session, status: 'succeeded' | 'failed'): SessionWrite => {
          const r = transition(
            s,
            { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: status === 'succeeded' ? { status, reference: `pi_${s.id}` } : { status, failureCode: 'card_declined', reference: null } },
            at(end, MINUTE),
          );
          if (!r.ok) throw r.error;
          return { expectedVersion: s.version, next: r.session, events: r.events, ledger: r.ledger };
        };
        const batch = [answered(await settledOf(2, 'after_review'), 'succeeded'), answered(await settledOf(3, 'with_charge'), 'succeeded'), answered(await settledOf(4, 'after_review'), 'succeeded'), answered(await settledOf(5, 'after_review'), 'failed')];
        expect(batch.map((w) => w.ledger!.map((l) => l.type))).toEqual([['answer', 'payout_open'], ['answer'], ['answer', 'payout_open'], ['answer']]);
        // A payout that breaks a rule (not the session's payout) fails the whole batch: no answer, no payout, no session write.
        const broken = { ...batch[2]!, ledger: batch[2]!.ledger!.map((l) => (l.type === 'payout_open' ? { ...l, payout: { ...l.payout, amountMinor: l.payout.amountMinor + 1 } } : l)) };
        await expect(adapter.sessions.applyWrites([batch[0]!, batch[1]!, broken, batch[3]!])).rejects.toBeDefined();
        for (const n of [2, 3, 4, 5]) {
          expect((await adapter.sessions.findById(id(n)))?.chargeStatus, `session ${n}`).toBe('pending');
          expect(await adapter.payouts.listBySession(id(n))).toEqual([]);
        }
        const stored = await adapter.sessions.applyWrites(batch);
        expect(stored.map((s) => s?.chargeStatus)).toEqual(['succeeded', 'succeeded', 'succeeded', 'pending']);
        expect((await adapter.payouts.listBySession(id(2))).map((p) => [p.payout, p.status, p.amountMinor, p.idempotencyKey])).toEqual([[1, 'scheduled', 13_500, `itutor-payout-${id(2)}-1`]]);
        expect(await adapter.payouts.listBySession(id(3))).toEqual([]);
        expect((await adapter.payouts.listBySession(id(4))).map((p) => p.status)).toEqual(['scheduled']);
        expect(await adapter.payouts.listBySession(id(5))).toEqual([]);
      });

      it('sends for what is left after refunds, once no dispute holds it, for exactly that amount', async () => {
        const { adapter } = await setup(adapterOf);
        const p = await paid(adapter, 1);
        const refund = await apply(adapter, p.session, await refundOf(adapter, id(1), 5_000), at(end, HOUR));
        const disputed = await openDispute(adapter, refund.session, at(end, 2 * HOUR));
        // Held: the core refuses to send; a send written anyway is refused by storage and writes nothing.
        expect(transition(disputed.session, { type: 'SEND_PAYOUT', payout: 1, ledger: await ledgerOf(adapter, id(1)) }, dueOf()).ok).toBe(false);
        const forced: SessionWrite = {
          expectedVersion: disputed.session.version,
          next: { ...disputed.session, version: disputed.session.version + 1, updatedAt: dueOf() },
          events: [],
          ledger: [{ type: 'payout_send', sessionId: id(1), payout: 1, status: 'pending', amountMinor: 9_000, sentAt: dueOf(), refundsBefore: 1 }],
        };
        await expect(adapter.sessions.applyWrites([forced])).rejects.toBeDefined();
        expect((await adapter.sessions.findById(id(1)))?.version).toBe(disputed.session.version);
        const released = await resolve(adapter, disputed.session, at(end, 3 * HOUR));
        expect((await adapter.disputes.findBySession(id(1)))?.status).toBe('resolved');
        // 135.00 less the refund's payout part (50.00 × 90 % = 45.00): 90.00, and not a cent else.
        const wrong = { ...forced, expectedVersion: released.session.version, next: { ...released.session, version: released.session.version + 1 }, ledger: [{ ...forced.ledger![0]!, amountMinor: 13_500 } as LedgerWrite] };
        await expect(adapter.sessions.applyWrites([wrong])).rejects.toBeDefined();
        const sent = await send(adapter, released.session, 1, dueOf());
        expect(sent.ledger).toEqual([{ type: 'payout_send', sessionId: id(1), payout: 1, status: 'pending', amountMinor: 9_000, sentAt: dueOf(), refundsBefore: 1 }]);
        expect(await adapter.payouts.listBySession(id(1))).toMatchObject([{ payout: 1, status: 'pending', amountMinor: 9_000, sentAt: dueOf(), calls: 0 }]);
        const unknown = await answer(adapter, sent.session, 1, { status: 'unknown', reason: 'timeout', reference: null }, at(dueOf(), MINUTE));
        await answer(adapter, unknown.session, 1, { status: 'succeeded', reference: 'tr_1' }, at(dueOf(), 2 * MINUTE));
        expect((await adapter.payouts.listBySession(id(1))).map((r) => [r.payout, r.status, r.amountMinor, r.gatewayReference, r.failureCode, r.calls])).toEqual([
          [1, 'succeeded', 9_000, 'tr_1', null, 2],
        ]);
      });

      it('a decline opens the next payout in the same write; one payout succeeds; a settled one takes no answer', async () => {
        const { adapter } = await setup(adapterOf);
        const p = await paid(adapter, 1);
        const sent = await send(adapter, p.session, 1, dueOf());
        const declined = await answer(adapter, sent.session, 1, { status: 'failed', failureCode: 'account_closed', reference: 'tr_1' }, at(dueOf(), MINUTE));
        expect(declined.ledger.map((l) => l.type)).toEqual(['payout_answer', 'payout_open']);
        expect((await adapter.payouts.listBySession(id(1))).map((r) => [r.payout, r.status, r.amountMinor, r.gatewayReference, r.calls, r.idempotencyKey])).toEqual([
          [1, 'failed', 13_500, 'tr_1', 1, `itutor-payout-${id(1)}-1`],
          [2, 'scheduled', 13_500, null, 0, `itutor-payout-${id(1)}-2`],
        ]);
        const again = await send(adapter, declined.session, 2, at(dueOf(), 2 * MINUTE));
        const done = await answer(adapter, again.session, 2, { status: 'succeeded', reference: 'tr_2' }, at(dueOf(), 3 * MINUTE));
        expect((await adapter.payouts.listBySession(id(1))).map((r) => [r.payout, r.status, r.gatewayReference])).toEqual([
          [1, 'failed', 'tr_1'],
          [2, 'succeeded', 'tr_2'],
        ]);
        // A settled payout takes no answer (the core changes nothing; storage refuses one written anyway).
        const late: SessionWrite = {
          expectedVersion: done.session.version,
          next: { ...done.session, version: done.session.version + 1 },
          events: [],
          ledger: [{ type: 'payout_answer', sessionId: id(1), payout: 1, status: 'succeeded', gatewayReference: null, failureCode: null, answeredAt: at(dueOf(), 4 * MINUTE) }],
        };
        await expect(adapter.sessions.applyWrites([late])).rejects.toBeDefined();
        expect((await adapter.sessions.findById(id(1)))?.version).toBe(done.session.version);
        expect(await adapter.payouts.listDue({ now: new Date('2030-01-01T00:00:00.000Z'), resendBefore: new Date('2030-01-01T00:00:00.000Z'), limit: 10 })).toEqual([]);
      });

      it('a payout with nothing left (refunded in full) is cancelled, not sent', async () => {
        const { adapter } = await setup(adapterOf);
        const p = await paid(adapter, 1);
        const refunded = await apply(adapter, p.session, await refundOf(adapter, id(1), 15_000), at(end, HOUR));
        const cancelled = await send(adapter, refunded.session, 1, dueOf());
        expect(cancelled.ledger).toMatchObject([{ type: 'payout_send', status: 'cancelled', amountMinor: 0 }]);
        expect(await adapter.payouts.listBySession(id(1))).toMatchObject([{ status: 'cancelled', amountMinor: 0, sentAt: dueOf() }]);
      });

      it('disputes open, step and resolve in the session\'s write (a refund with them); one per session; a resolved one never changes', async () => {
        const { adapter } = await setup(adapterOf);
        const p = await paid(adapter, 1, { timing: 'with_charge' });
        const opened = await openDispute(adapter, p.session, at(end, HOUR));
        const dispute = (opened.ledger[0] as Extract<LedgerWrite, { type: 'dispute_open' }>).dispute;
        expect(await adapter.disputes.findBySession(id(1))).toEqual(dispute);
        // A second opening (the core refuses it; storage too, and writes nothing).
        const second: SessionWrite = { expectedVersion: opened.session.version, next: { ...opened.session, version: opened.session.version + 1 }, events: [], ledger: [{ type: 'dispute_open', dispute }] };
        await expect(adapter.sessions.applyWrites([second])).rejects.toBeDefined();
        const offered = await apply(adapter, opened.session, { type: 'DISPUTE_ACTION', actorId: p.session.tutorId, role: 'tutor', action: { type: 'offer', amountMinor: 2_000 }, ledger: await ledgerOf(adapter, id(1)) }, at(end, 2 * HOUR));
        expect(await adapter.disputes.findBySession(id(1))).toMatchObject({ status: 'offered', offerMinor: 2_000, updatedAt: at(end, 2 * HOUR) });
        const accepted = await apply(adapter, offered.session, { type: 'DISPUTE_ACTION', actorId: p.session.studentId, role: 'student', action: { type: 'accept_offer' }, ledger: await ledgerOf(adapter, id(1)) }, at(end, 3 * HOUR));
        expect(accepted.ledger.map((l) => l.type)).toEqual(['dispute_update', 'refund_open']);
        expect(await adapter.disputes.findBySession(id(1))).toMatchObject({ status: 'resolved', resolution: 'partial_refund', refundMinor: 2_000, resolvedBy: p.session.studentId, resolvedByRole: 'student', resolvedAt: at(end, 3 * HOUR) });
        expect((await adapter.refunds.listBySession(id(1))).map((r) => [r.refund, r.amountMinor, r.status])).toEqual([[1, 2_000, 'pending']]);
        const resolved = (await adapter.disputes.findBySession(id(1)))!;
        const reopened: SessionWrite = {
          expectedVersion: accepted.session.version,
          next: { ...accepted.session, version: accepted.session.version + 1 },
          events: [],
          ledger: [{ type: 'dispute_update', dispute: { ...resolved, status: 'contested', resolution: null, refundMinor: null, resolvedBy: null, resolvedByRole: null, resolvedAt: null } }],
        };
        await expect(adapter.sessions.applyWrites([reopened])).rejects.toBeDefined();
        expect(await adapter.disputes.findBySession(id(1))).toEqual(resolved);
        expect(await adapter.disputes.listUnresolved({ limit: 10 })).toEqual([]);
      });

      it('a batch of payout sends and dispute steps applies each write in order; a broken write fails the whole batch', async () => {
        const { adapter } = await setup(adapterOf);
        const a = await paid(adapter, 1);
        const b = await paid(adapter, 2);
        const sendA = transition(a.session, { type: 'SEND_PAYOUT', payout: 1, ledger: await ledgerOf(adapter, id(1)) }, dueOf());
        const disputeB = transition(b.session, { type: 'OPEN_DISPUTE', actorId: b.session.studentId, reason: 'quality', message: 'Not as booked', ledger: await ledgerOf(adapter, id(2)) }, at(end, HOUR));
        if (!sendA.ok || !disputeB.ok) throw new Error('refused');
        const writes: SessionWrite[] = [
          { expectedVersion: a.session.version, next: sendA.session, events: sendA.events, ledger: sendA.ledger },
          { expectedVersion: b.session.version, next: disputeB.session, events: disputeB.events, ledger: disputeB.ledger },
        ];
        const brokenDispute = { ...writes[1]!, ledger: [{ type: 'dispute_open', dispute: { ...(disputeB.ledger[0] as Extract<LedgerWrite, { type: 'dispute_open' }>).dispute, status: 'resolved' } } as LedgerWrite] };
        await expect(adapter.sessions.applyWrites([writes[0]!, brokenDispute])).rejects.toBeDefined();
        expect(await adapter.payouts.listBySession(id(1))).toMatchObject([{ status: 'scheduled' }]);
        expect(await adapter.disputes.findBySession(id(2))).toBeNull();
        const stored = await adapter.sessions.applyWrites(writes);
        expect(stored.map((s) => s?.version)).toEqual([a.session.version + 1, b.session.version + 1]);
        expect(await adapter.payouts.listBySession(id(1))).toMatchObject([{ status: 'pending', amountMinor: 13_500 }]);
        expect(await adapter.disputes.findBySession(id(2))).toMatchObject({ status: 'open', reason: 'quality' });
      });

      it('storage refuses what the in-memory adapter refuses: payouts of with_charge sessions, openings that are not the outcome\'s payout, changed identities', async () => {
        const { adapter } = await setup(adapterOf);
        const memory = createInMemoryAdapter() as Adapter;
        for (const target of [adapter, memory]) {
          const review = await paid(target, 1);
          const withCharge = await paid(target, 2, { timing: 'with_charge' });
          const payout = (await target.payouts.listBySession(id(1)))[0]!;
          const bad: Array<[Session, LedgerWrite, string]> = [
            [withCharge.session, { type: 'payout_open', payout: { ...payout, sessionId: id(2), idempotencyKey: `itutor-payout-${id(2)}-1` } }, 'a payout of a with_charge session'],
            [review.session, { type: 'payout_open', payout: { ...payout, payout: 2, idempotencyKey: 'k-2', status: 'pending', sentAt: dueOf() } as Payout }, 'an opening that is not scheduled'],
            [review.session, { type: 'payout_open', payout: { ...payout, payout: 2, idempotencyKey: 'k-2', amountMinor: 100 } }, 'an opening for another amount'],
            [review.session, { type: 'payout_open', payout: { ...payout, payout: 2 } }, 'a reused key'],
            [review.session, { type: 'payout_answer', sessionId: id(1), payout: 1, status: 'succeeded', gatewayReference: 'tr', failureCode: null, answeredAt: dueOf() }, 'an answer before it was sent'],
            [review.session, { type: 'payout_send', sessionId: id(1), payout: 9, status: 'pending', amountMinor: 13_500, sentAt: dueOf(), refundsBefore: 0 }, 'a payout that does not exist'],
          ];
          for (const [s, change, what] of bad) {
            const error = await target.sessions.applyWrites([{ expectedVersion: s.version, next: { ...s, version: s.version + 1 }, events: [], ledger: [change] }]).then(
              () => null,
              (e: unknown) => e,
            );
            expect(error, `${what} must be refused`).not.toBeNull();
            expect(refusal(error), what).toMatch(/^(23514|23505|23503|StorageConstraintError|STORAGE_FAILED)$/);
            expect((await target.sessions.findById(s.id))?.version, what).toBe(s.version);
          }
          expect(await target.payouts.listBySession(id(1))).toEqual([payout]);
          expect(await target.payouts.listBySession(id(2))).toEqual([]);
        }
      });
    });
  }

  describe(`payouts and disputes on ${name}: the set-based batch statement and what clients read`, () => {
    it('itutor_apply_charge_writes_in_batch itself opens the payouts of the charges it records, after their answers', async () => {
      const { db, adapter } = await setup((d) => createSqlAdapter(d.client));
      const writes = [];
      for (const n of [1, 2]) {
        const s = buildSession({ id: id(n), bookingId: `payout-${n}`, scheduledStartAt: start, payoutTiming: 'after_review' });
        await adapter.sessions.insert(s, []);
        const settled = (await apply(adapter, s, { type: 'SETTLE' }, end)).session;
        const r = transition(settled, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'succeeded', reference: `pi_${n}` } }, at(end, MINUTE));
        if (!r.ok) throw r.error;
        writes.push({ expected_version: settled.version, write_id: null, session: sessionToRow(r.session), events: r.events.map(eventToRow), ledger: r.ledger.map(ledgerWriteToRow) });
      }
      expect(writes.map((w) => w.ledger.map((l) => l.type))).toEqual([['answer', 'payout_open'], ['answer', 'payout_open']]);
      const { rows } = await db.client.query('select public.itutor_apply_charge_writes_in_batch($1::text::jsonb) as r', [JSON.stringify(writes)]);
      expect((rows[0] as { r: unknown }).r).toEqual([true, true]);
      for (const n of [1, 2]) expect(await adapter.payouts.listBySession(id(n))).toMatchObject([{ payout: 1, status: 'scheduled', amountMinor: 13_500 }]);
    });

    it('participants read their sessions\' payouts without key or reference, and their disputes; strangers and anon read nothing', async () => {
      const { gateway, adapter } = await setup((d) => createSqlAdapter(d.client));
      const tutorId = '30000000-0000-4000-8000-00000000003a';
      const studentId = '30000000-0000-4000-8000-00000000003b';
      const s = buildSession({ id: id(1), bookingId: 'payout-1', scheduledStartAt: start, payoutTiming: 'after_review', tutorId, studentId });
      await adapter.sessions.insert(s, []);
      const settled = await apply(adapter, s, { type: 'SETTLE' }, end);
      const charged = await apply(adapter, settled.session, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'succeeded', reference: 'pi_1' } }, at(end, MINUTE));
      await openDispute(adapter, charged.session, at(end, HOUR));

      const student = supabaseClient(gateway, gateway.anonKey, await gateway.userToken(studentId));
      const own = await student.from('session_payouts').select('payout,status,amount_ttd,timing,calls').eq('session_id', s.id);
      expect(own.error).toBeNull();
      expect(own.data).toEqual([{ payout: 1, status: 'scheduled', amount_ttd: 135, timing: 'after_review', calls: 0 }]);
      for (const secret of ['idempotency_key', 'gateway_reference', '*']) {
        const refused = await student.from('session_payouts').select(secret === '*' ? '*' : `payout,${secret}`).eq('session_id', s.id);
        expect(refused.data, secret).toBeNull();
        expect(refused.error?.code, secret).toBe('42501');
      }
      const tutor = supabaseClient(gateway, gateway.anonKey, await gateway.userToken(tutorId));
      const dispute = await tutor.from('session_disputes').select('*').eq('session_id', s.id);
      expect(dispute.error).toBeNull();
      expect(dispute.data).toMatchObject([{ session_id: s.id, status: 'open', reason: 'tutor_absent', opened_by: studentId, resolution: null }]);
      const stranger = supabaseClient(gateway, gateway.anonKey, await gateway.userToken('30000000-0000-4000-8000-00000000003c'));
      expect(await stranger.from('session_payouts').select('payout')).toMatchObject({ data: [], error: null });
      expect(await stranger.from('session_disputes').select('status')).toMatchObject({ data: [], error: null });
      expect((await supabaseClient(gateway, gateway.anonKey).from('session_payouts').select('payout')).error?.code).toBe('42501');
      expect((await supabaseClient(gateway, gateway.anonKey).from('session_disputes').select('status')).error?.code).toBe('42501');
      // Clients reach no repository function.
      await expect(createSupabaseAdapter(student).payouts.listBySession(s.id)).rejects.toMatchObject({ code: 'STORAGE_FAILED', details: { providerCode: '42501' } });
      await expect(createSupabaseAdapter(tutor).disputes.findBySession(s.id)).rejects.toMatchObject({ code: 'STORAGE_FAILED', details: { providerCode: '42501' } });
    });
  });
}
