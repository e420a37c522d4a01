import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createSessionsCore } from '@itutor/sessions-core';
import { createFakeVideoProvider, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../support/db';
import { asRole } from '../support/privileges-suite';

/**
 * The outside attack of issue #20 on the PostgreSQL server, end to end: a session is settled and its
 * charge succeeds through the SDK; then, as the service role, the attacker rewrites the record of money
 * taken (the attempt's status or reference, the session's summary back to pending, a new attempt), in
 * every combination the attack used. Every write is refused by the database, nothing changes, and the
 * next settlement runs never call the gateway again. The ledger's schema file, 20261201000200_itutor_charge_ledger.sql.
 */
const db = await createServerDatabase('ledger_attack');
afterAll(() => db.close());
beforeEach(() => db.reset());

const START = new Date('2026-07-01T10:00:00.000Z');
const addMinutes = (date: Date, minutes: number) => new Date(date.getTime() + minutes * 60_000);
const service = asRole(db, 'service_role');

function world() {
  const clock = createManualClock(addMinutes(START, -120));
  const gateway = createRecordingPaymentGateway();
  const core = createSessionsCore({
    adapter: createSqlAdapter(service),
    videoProvider: createFakeVideoProvider(),
    paymentGateway: gateway,
    clock,
    settlement: { chargeRetryMinutes: 5 },
  });
  return { clock, gateway, core };
}

/** Everything stored about a session's money: its summary and every column of its ledger. */
async function moneyOf(sessionId: string) {
  const { rows: session } = await db.pool.query(
    'select version, charge_status, charge_idempotency_key, charge_attempts, charge_reference from public.sessions where id = $1',
    [sessionId],
  );
  const { rows: ledger } = await db.pool.query(
    `select attempt, idempotency_key, status, gateway_reference, failure_code, calls, requested_at, answered_at, updated_at,
       charge_amount_ttd::text as amount from public.session_charges where session_id = $1 order by attempt`,
    [sessionId],
  );
  return { session: session[0], ledger };
}

/** Each statement, run as the service role, is refused with `code`. */
async function expectRefused(statements: ReadonlyArray<readonly [string, string]>, sessionId: string) {
  for (const [statement, code] of statements) {
    await expect(service.query(statement, [sessionId]), statement).rejects.toMatchObject({ code });
  }
}

const ATTACK = (succeededAttempt: number, nextAttempt: number) =>
  [
    // The record of money taken rewritten.
    [`update public.session_charges set status = 'failed', failure_code = 'card_declined' where session_id = $1 and attempt = ${succeededAttempt}`, '23514'],
    [`update public.session_charges set status = 'failed' where session_id = $1 and status = 'succeeded'`, '23514'],
    [`update public.session_charges set gateway_reference = 'pi_attacker' where session_id = $1 and attempt = ${succeededAttempt}`, '23514'],
    [`update public.session_charges set status = 'pending', calls = 0, answered_at = null where session_id = $1 and attempt = ${succeededAttempt}`, '23514'],
    // The session's summary set back to asking for money.
    [`update public.sessions set charge_status = 'pending' where id = $1`, '23514'],
    [`update public.sessions set charge_status = 'pending', charge_idempotency_key = null where id = $1`, '23514'],
    [`update public.sessions set charge_status = 'none', charge_reference = null where id = $1`, '23514'],
    // Both at once, as one statement each in one function call would.
    [
      `with a as (update public.session_charges set status = 'failed' where session_id = $1 and status = 'succeeded' returning 1)
       update public.sessions set charge_status = 'pending', charge_idempotency_key = null where id = $1`,
      '23514',
    ],
    // A new attempt opened directly (the key the SDK would derive for it).
    [
      `insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
       select id, ${nextAttempt}, 'itutor-session-' || id || '-' || status || '-${nextAttempt}', status, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, now()
       from public.sessions where id = $1`,
      '23514',
    ],
    // The attempt removed (the service role holds no delete privilege).
    [`delete from public.session_charges where session_id = $1`, '42501'],
  ] as const;

describe('the record of money taken, attacked as the service role on the PostgreSQL server', () => {
  it('settle, succeed, then every rewrite of the success is refused and settlement never calls the gateway again', async () => {
    const { clock, gateway, core } = world();
    await core.providers.connect({ tutorId: 'tutor-x', provider: 'zoom', tokens: null });
    const { session } = await core.sessions.create({
      bookingId: 'attack-1',
      tutorId: 'tutor-x',
      studentId: 'student-x',
      scheduledStartAt: START,
      durationMinutes: 60,
      priceMinor: 15_000,
    });
    clock.set(addMinutes(START, 61));
    expect(await core.settlement.run()).toMatchObject({ completed: 1, chargesSucceeded: 1 });
    expect(gateway.instructions).toHaveLength(1);
    expect(gateway.charges.size).toBe(1);
    const paid = await moneyOf(session.id);
    expect(paid.session).toMatchObject({ charge_status: 'succeeded', charge_attempts: 1 });
    expect(paid.ledger.map((r) => [r.attempt, r.status])).toEqual([[1, 'succeeded']]);

    // Control: the service role may still write what the rules allow (a version-only write, as a refund request makes).
    await expect(service.query('update public.sessions set version = version + 1 where id = $1 returning id', [session.id])).resolves.toMatchObject({ rowCount: 1 });
    const before = await moneyOf(session.id);

    await expectRefused(ATTACK(1, 2), session.id);
    expect(await moneyOf(session.id)).toEqual(before);

    // The next settlement runs, over the following days, never ask for the money again.
    for (const minutes of [6, 60, 24 * 60, 3 * 24 * 60]) {
      clock.set(addMinutes(START, 61 + minutes));
      expect(await core.settlement.run()).toMatchObject({ chargesSucceeded: 0, chargesFailed: 0, chargesPending: 0 });
    }
    expect(gateway.instructions).toHaveLength(1);
    expect(gateway.charges.size).toBe(1);
    expect(await moneyOf(session.id)).toEqual(before);
  });

  it('a declined attempt that succeeds late is recorded on a new row: neither row can be rewritten, and nothing is ever sent again', async () => {
    const { clock, gateway, core } = world();
    await core.providers.connect({ tutorId: 'tutor-y', provider: 'zoom', tokens: null });
    const { session } = await core.sessions.create({
      bookingId: 'attack-2',
      tutorId: 'tutor-y',
      studentId: 'student-y',
      scheduledStartAt: START,
      durationMinutes: 60,
      priceMinor: 15_001,
    });
    clock.set(addMinutes(START, 61));
    gateway.script('decline', 'processing');
    await core.settlement.run(); // attempt 1 declined
    clock.set(addMinutes(START, 67));
    await core.settlement.run(); // attempt 2 open, its answer unknown
    const declined = (await core.charges.list(session.id))[0]!;
    expect(declined).toMatchObject({ attempt: 1, status: 'failed', failureCode: 'card_declined' });

    // The student confirmed attempt 1's PaymentIntent on-session: the webhook reports it succeeded.
    const late = await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: declined.gatewayReference! } });
    expect(late.outcome).toBe('late_success');
    expect(late.session).toMatchObject({ chargeStatus: 'succeeded', chargeAttempts: 3, chargeIdempotencyKey: null });
    const ledger = await core.charges.list(session.id);
    expect(ledger.map((a) => [a.attempt, a.status, a.calls])).toEqual([[1, 'failed', 1], [2, 'unknown', 1], [3, 'succeeded', 0]]);
    expect(ledger[0]).toEqual(declined);
    expect(ledger[2]).toMatchObject({ idempotencyKey: `itutor-session-${session.id}-COMPLETED_ASSUMED-3`, gatewayReference: declined.gatewayReference });
    const before = await moneyOf(session.id);
    const sent = gateway.instructions.length;

    await expectRefused(
      [
        ...ATTACK(3, 4),
        [`update public.session_charges set status = 'succeeded', failure_code = null where session_id = $1 and attempt = 1`, '23514'],
        [`update public.session_charges set failure_code = 'x' where session_id = $1 and attempt = 1`, '23514'],
      ],
      session.id,
    );
    expect(await moneyOf(session.id)).toEqual(before);

    for (const minutes of [6, 60, 24 * 60]) {
      clock.set(addMinutes(START, 90 + minutes));
      await core.settlement.run();
    }
    expect(gateway.instructions).toHaveLength(sent);
    expect(await moneyOf(session.id)).toEqual(before);
  });

  it('a halted attempt never changes; its late success is a new row and the session is never sent again', async () => {
    const { clock, gateway, core } = world();
    await core.providers.connect({ tutorId: 'tutor-z', provider: 'zoom', tokens: null });
    const { session } = await core.sessions.create({
      bookingId: 'attack-3',
      tutorId: 'tutor-z',
      studentId: 'student-z',
      scheduledStartAt: START,
      durationMinutes: 60,
      priceMinor: 15_000,
    });
    clock.set(addMinutes(START, 61));
    gateway.script('halt');
    expect(await core.settlement.run()).toMatchObject({ chargesNeedingAttention: 1 });
    const halted = await moneyOf(session.id);
    expect(halted.ledger.map((r) => [r.attempt, r.status, r.failure_code])).toEqual([[1, 'halted', 'IDEMPOTENCY_CONFLICT']]);
    await expectRefused(
      [
        [`update public.session_charges set status = 'succeeded', failure_code = null, gateway_reference = 'pi_forged' where session_id = $1`, '23514'],
        [`update public.session_charges set status = 'unknown' where session_id = $1`, '23514'],
        [`update public.session_charges set status = 'failed' where session_id = $1`, '23514'],
      ],
      session.id,
    );
    expect(await moneyOf(session.id)).toEqual(halted);

    clock.set(addMinutes(START, 90));
    const late = await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_first_call' } });
    expect(late.outcome).toBe('late_success');
    const after = await moneyOf(session.id);
    expect(after.ledger[0]).toEqual(halted.ledger[0]);
    expect(after.ledger.map((r) => [r.attempt, r.status, r.gateway_reference, r.calls])).toEqual([
      [1, 'halted', null, 1],
      [2, 'succeeded', 'pi_first_call', 0],
    ]);
    await expectRefused(ATTACK(2, 3), session.id);
    for (const minutes of [6, 24 * 60]) {
      clock.set(addMinutes(START, 90 + minutes));
      await core.settlement.run();
    }
    expect(gateway.instructions).toHaveLength(1);
    expect(await moneyOf(session.id)).toEqual(after);
  });
});
