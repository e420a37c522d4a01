import { afterAll, describe, expect, it } from 'vitest';
import { transition, type SessionWrite, type TransitionResult } from '@itutor/sessions-core/adapter';
import { type Session } from '@itutor/sessions-core';
import { buildSession } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createPgliteDatabase } from './support/db';
import { createRawReader } from './support/raw';

const database = createPgliteDatabase();
afterAll(async () => (await database).close());

const start = new Date('2026-06-01T10:00:00.000Z');
const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
const write = (from: Session, result: TransitionResult): SessionWrite => {
  if (!result.ok) throw result.error;
  return { expectedVersion: from.version, next: result.session, events: result.events, ledger: result.ledger };
};

/** Two sessions settled and paid (TTD 150.00: payout 135.00, fee 15.00). */
async function twoPaid() {
  const db = await database;
  await db.reset();
  const adapter = createSqlAdapter(db.client);
  const paid: Session[] = [];
  for (const n of [1, 2]) {
    const s = buildSession({ id: `70000000-0000-4000-8000-00000000000${n}`, bookingId: `refund-batch-${n}`, scheduledStartAt: start });
    await adapter.sessions.insert(s, []);
    const [settled] = await adapter.sessions.applyWrites([write(s, transition(s, { type: 'SETTLE' }, at(60)))]);
    const [p] = await adapter.sessions.applyWrites([
      write(settled!, transition(settled!, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'succeeded', reference: `pi_${n}` } }, at(61))),
    ]);
    paid.push(p!);
  }
  const request = async (s: Session, amountMinor: number) =>
    transition(
      s,
      { type: 'REQUEST_REFUND', amountMinor, reason: 'batch', actorId: 'admin', charges: await adapter.charges.listBySession(s.id), refunds: await adapter.refunds.listBySession(s.id) },
      at(90),
    );
  return { db, adapter, paid: paid as [Session, Session], request, raw: createRawReader(db.client) };
}

describe('refund ledger changes on the batch path (two or more writes)', () => {
  it('a batch carrying refund opens applies each write with its refund, in order', async () => {
    const { adapter, paid, request, raw } = await twoPaid();
    const [a, b] = paid;
    const stored = await adapter.sessions.applyWrites([write(a, await request(a, 5_000)), write(b, await request(b, 15_000))]);
    expect(stored.map((s) => s?.version)).toEqual([a.version + 1, b.version + 1]);
    expect((await raw.refunds!(a.id)).map((r) => [r.refund, r.amountMinor, r.payoutMinor, r.feeMinor, r.status])).toEqual([[1, 5_000, 4_500, 500, 'pending']]);
    expect((await raw.refunds!(b.id)).map((r) => [r.refund, r.amountMinor, r.payoutMinor, r.feeMinor])).toEqual([[1, 15_000, 13_500, 1_500]]);
    expect((await raw.events(a.id)).at(-1)?.type).toBe('refund.requested');
    // A stale write in the batch loses alone; the other wins.
    const again = await adapter.sessions.applyWrites([write(a, await request(a, 1_000)), write(stored[1]!, transition(stored[1]!, {
      type: 'RECORD_REFUND_RESULT',
      refund: 1,
      result: { status: 'succeeded', reference: 're_b' },
      refunds: await adapter.refunds.listBySession(b.id),
    }, at(91)))]);
    expect(again.map((s) => s !== null)).toEqual([false, true]);
    expect((await raw.refunds!(b.id))[0]).toMatchObject({ status: 'succeeded', calls: 1, gatewayReference: 're_b' });
  });

  it('a refund beyond the charge, or a refund change for another session, fails the whole batch and writes nothing', async () => {
    const { adapter, paid, request, raw } = await twoPaid();
    const [a, b] = paid;
    const good = write(a, await request(a, 1_000));
    const open = (await request(b, 15_000)) as Extract<TransitionResult, { ok: true }>;
    const refund = (open.ledger[0] as Extract<(typeof open.ledger)[number], { type: 'refund_open' }>).refund;
    const beyond: SessionWrite = { ...write(b, open), ledger: [{ type: 'refund_open', refund: { ...refund, amountMinor: 15_001, payoutMinor: 13_501 } }] };
    await expect(adapter.sessions.applyWrites([good, beyond])).rejects.toThrow(/exceed/);
    const foreign: SessionWrite = { ...write(b, open), ledger: [{ type: 'refund_open', refund: { ...refund, sessionId: a.id } }] };
    await expect(adapter.sessions.applyWrites([good, foreign])).rejects.toThrow(/ledger change/);
    for (const s of [a, b]) {
      expect((await raw.session(s.id))?.version).toBe(s.version);
      expect(await raw.refunds!(s.id)).toEqual([]);
    }
  });
});
