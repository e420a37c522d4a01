import { addMinutes } from 'date-fns';
import { createSessionsCore, isSessionError, markChargeHalt, type PaymentGateway } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { describe, expect, it } from 'vitest';
import { booking, makeCore, START } from './support/core-fixture';

/** A settled session whose first attempt is open with an unknown answer (`processing`). */
async function withOpenAttempt(config: Parameters<typeof makeCore>[0] = {}) {
  const fx = await makeCore({ settlement: { chargeRetryMinutes: 5 }, ...config });
  const { session } = await fx.core.createForBooking(booking());
  fx.clock.set(addMinutes(START, 60));
  fx.gateway.script('processing');
  expect(await fx.core.settleDueSessions()).toMatchObject({ completed: 1, chargesPending: 1 });
  return { ...fx, session };
}

const ledgerOf = async (core: Awaited<ReturnType<typeof makeCore>>['core'], sessionId: string) =>
  (await core.listCharges(sessionId)).map((a) => `${a.attempt}:${a.status}:${a.failureCode ?? ''}:${a.gatewayReference ?? ''}`);

describe('recordChargeAnswer: a gateway answer from outside settlement (webhooks)', () => {
  it("records the open attempt's success through the compare-and-set; a repeat changes nothing; settlement sends nothing more", async () => {
    const { core, adapter, gateway, clock, session } = await withOpenAttempt();
    const before = (await core.getSession(session.id))!;
    const first = await core.recordChargeAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_1' } });
    expect(first.outcome).toBe('recorded');
    expect(first.session).toMatchObject({ chargeStatus: 'succeeded', chargeReference: 'pi_1', version: before.version + 1, claimedUntil: null });
    expect(await ledgerOf(core, session.id)).toEqual(['1:succeeded::pi_1']);
    const events = (await adapter.raw.events(session.id)).map((e) => e.type);
    expect(events.filter((t) => t === 'charge.succeeded')).toHaveLength(1);

    const again = await core.recordChargeAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_1' } });
    expect(again.outcome).toBe('unchanged');
    expect(again.session.version).toBe(first.session.version);
    expect((await adapter.raw.events(session.id)).length).toBe(events.length);

    clock.advance({ minutes: 10 });
    const calls = gateway.instructions.length;
    await core.settleDueSessions();
    expect(gateway.instructions.length).toBe(calls);
  });

  it('an unknown answer (processing) changes nothing; a decline closes the open attempt and the next opens with a new key', async () => {
    const { core, adapter, gateway, clock, session } = await withOpenAttempt();
    const before = (await core.getSession(session.id))!;
    const unknown = await core.recordChargeAnswer({ sessionId: session.id, attempt: 1, result: { status: 'unknown', reason: 'processing' } });
    expect(unknown).toMatchObject({ outcome: 'unchanged', session: { version: before.version } });

    const declined = await core.recordChargeAnswer({ sessionId: session.id, attempt: 1, result: { status: 'failed', failureCode: 'insufficient_funds' } });
    expect(declined.outcome).toBe('recorded');
    expect(declined.session).toMatchObject({ chargeStatus: 'pending', chargeIdempotencyKey: null, chargeAttempts: 1 });
    // The lease settlement gave the session stays: the retry waits for its backoff.
    expect(declined.session.claimedUntil).toEqual(before.claimedUntil);
    // The same decline again (a duplicated webhook that escaped deduplication): the attempt is closed, nothing changes.
    expect((await core.recordChargeAnswer({ sessionId: session.id, attempt: 1, result: { status: 'failed', failureCode: 'insufficient_funds' } })).outcome).toBe('unchanged');
    expect((await adapter.raw.events(session.id)).filter((e) => e.type === 'charge.failed')).toHaveLength(1);

    clock.advance({ minutes: 6 });
    expect(await core.settleDueSessions()).toMatchObject({ chargesSucceeded: 1 });
    expect(new Set(gateway.instructions.map((i) => i.idempotencyKey)).size).toBe(2);
    expect(await ledgerOf(core, session.id)).toEqual([
      '1:failed:insufficient_funds:pi_itutor-session-' + session.id + '-COMPLETED_ASSUMED-1',
      '2:succeeded::pi_itutor-session-' + session.id + '-COMPLETED_ASSUMED-2',
    ]);
  });

  it('a late success of a declined attempt, with a later attempt open: recorded as the charge, the open attempt closed, flagged for a person', async () => {
    const { core, adapter, gateway, clock } = await makeCore({ settlement: { chargeRetryMinutes: 5 } });
    const s = (await core.createForBooking(booking())).session;
    clock.set(addMinutes(START, 60));
    gateway.script('decline', 'processing');
    await core.settleDueSessions(); // attempt 1 declined
    clock.advance({ minutes: 6 });
    await core.settleDueSessions(); // attempt 2 open, answer unknown
    expect(await core.getSession(s.id)).toMatchObject({ chargeStatus: 'pending', chargeAttempts: 2 });

    // The student confirmed attempt 1's PaymentIntent on-session after all: Stripe reports it succeeded.
    const late = await core.recordChargeAnswer({ sessionId: s.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_late' } });
    expect(late.outcome).toBe('late_success');
    expect(late.session).toMatchObject({ chargeStatus: 'succeeded', chargeReference: 'pi_late', chargeIdempotencyKey: null, claimedUntil: null });
    expect((await core.listCharges(s.id)).map((a) => `${a.attempt}:${a.status}`)).toEqual(['1:succeeded', '2:unknown']);
    const events = await adapter.raw.events(s.id);
    expect(events.filter((e) => e.type === 'charge.succeeded').map((e) => e.payload)).toEqual([{ attempt: 1, amountMinor: 15_000, late: true }]);
    const flags = events.filter((e) => e.type === 'charge.needs_attention').map((e) => e.payload);
    expect(flags).toEqual([
      { attempt: 1, amountMinor: 15_000, reason: 'late_success', chargedTwice: false, succeededAttempt: null, previousChargeStatus: 'pending', openAttempt: 2 },
    ]);
    // No reference or key in any event: participants can read events.
    expect(JSON.stringify(events)).not.toContain('pi_late');

    // Repeated: nothing more. The closed attempt 2 is never sent again.
    expect((await core.recordChargeAnswer({ sessionId: s.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_late' } })).outcome).toBe('unchanged');
    const calls = gateway.instructions.length;
    clock.advance({ minutes: 30 });
    await core.settleDueSessions();
    expect(gateway.instructions.length).toBe(calls);
    expect((await adapter.raw.events(s.id)).length).toBe(events.length);
  });

  it('then attempt 2 succeeds too (charged twice): the ledger keeps one success; flagged once with chargedTwice', async () => {
    const { core, adapter, gateway, clock } = await makeCore({ settlement: { chargeRetryMinutes: 5 } });
    const s = (await core.createForBooking(booking())).session;
    clock.set(addMinutes(START, 60));
    gateway.script('decline', 'processing');
    await core.settleDueSessions();
    clock.advance({ minutes: 6 });
    await core.settleDueSessions();
    await core.recordChargeAnswer({ sessionId: s.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_1' } });
    const twice = await core.recordChargeAnswer({ sessionId: s.id, attempt: 2, result: { status: 'succeeded', reference: 'pi_2' } });
    expect(twice.outcome).toBe('late_success');
    expect(twice.session).toMatchObject({ chargeStatus: 'succeeded', chargeReference: 'pi_1' });
    expect((await core.listCharges(s.id)).map((a) => `${a.attempt}:${a.status}`)).toEqual(['1:succeeded', '2:unknown']);
    const flags = () => adapter.raw.events(s.id).then((all) => all.filter((e) => e.type === 'charge.needs_attention').map((e) => e.payload));
    expect((await flags()).at(-1)).toMatchObject({ attempt: 2, reason: 'late_success', chargedTwice: true, succeededAttempt: 1, previousChargeStatus: 'succeeded' });
    expect((await core.recordChargeAnswer({ sessionId: s.id, attempt: 2, result: { status: 'succeeded', reference: 'pi_2' } })).outcome).toBe('unchanged');
    expect(await flags()).toHaveLength(2);
    // A late decline of an attempt no longer open changes nothing.
    const version = (await core.getSession(s.id))!.version;
    expect((await core.recordChargeAnswer({ sessionId: s.id, attempt: 2, result: { status: 'failed', failureCode: 'card_declined' } })).session.version).toBe(version);
  });

  it('a charge failed for good at the deadline that then succeeds (processing for days) is collected and flagged', async () => {
    const { core, adapter, gateway, clock, session } = await withOpenAttempt({ policy: { chargeDeadlineMinutes: 60 } });
    gateway.script('processing');
    clock.advance({ minutes: 61 });
    expect(await core.settleDueSessions()).toMatchObject({ chargesNeedingAttention: 1 });
    expect((await core.listChargesNeedingAttention()).map((s) => s.id)).toEqual([session.id]);
    const late = await core.recordChargeAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_x' } });
    expect(late.outcome).toBe('late_success');
    expect(late.session.chargeStatus).toBe('succeeded');
    expect(await core.listChargesNeedingAttention()).toEqual([]);
    const flags = (await adapter.raw.events(session.id)).filter((e) => e.type === 'charge.needs_attention').map((e) => e.payload.reason);
    expect(flags).toEqual(['deadline_passed', 'late_success']);
  });

  it('refuses an unknown session or attempt (NOT_FOUND) and malformed input (INVALID_INPUT); a malformed result is unknown', async () => {
    const { core, session } = await withOpenAttempt();
    await expect(core.recordChargeAnswer({ sessionId: 'nope', attempt: 1, result: { status: 'succeeded' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(core.recordChargeAnswer({ sessionId: session.id, attempt: 2, result: { status: 'succeeded' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const attempt of [0, 1.5, -1, Number.NaN]) {
      await expect(core.recordChargeAnswer({ sessionId: session.id, attempt, result: { status: 'succeeded' } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    const odd = await core.recordChargeAnswer({ sessionId: session.id, attempt: 1, result: { status: 'requires_action' } as never });
    expect(odd.outcome).toBe('unchanged');
  });

  it('racing deliveries of one success: exactly one records it', async () => {
    const { core, adapter, session } = await withOpenAttempt();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => core.recordChargeAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_r' } })),
    );
    expect(results.filter((r) => r.outcome === 'recorded')).toHaveLength(1);
    expect((await adapter.raw.events(session.id)).filter((e) => e.type === 'charge.succeeded')).toHaveLength(1);
  });
});

describe('a halting gateway error (CHARGE_HALT)', () => {
  it('fails the charge for good at once with its code in the ledger; a no-show is flagged the same way', async () => {
    const { core, gateway, clock, adapter } = await makeCore();
    const { session } = await core.createForBooking(booking());
    clock.set(addMinutes(START, 19));
    gateway.script('halt');
    const marked = await core.markNoShow({ sessionId: session.id, userId: 'tutor-a' });
    expect(marked).toMatchObject({ status: 'NO_SHOW_STUDENT', chargeStatus: 'failed' });
    expect(await ledgerOf(core, session.id)).toEqual(['1:unknown:IDEMPOTENCY_CONFLICT:']);
    const flag = (await adapter.raw.events(session.id)).find((e) => e.type === 'charge.needs_attention');
    expect(flag?.payload).toMatchObject({ reason: 'gateway_halted', code: 'IDEMPOTENCY_CONFLICT', lastAnswer: 'unknown' });
    clock.advance({ minutes: 120 });
    await core.settleDueSessions();
    expect(gateway.instructions).toHaveLength(1);
  });

  it('an error without a valid marker or code is an ordinary unknown answer (retried under the same key)', async () => {
    const throwing = (error: unknown): PaymentGateway => ({ charge: () => Promise.reject(error) });
    for (const error of [
      Object.assign(new Error('x'), { [Symbol.for('@itutor/sessions-core/charge-halt')]: true }), // no code
      Object.assign(new Error('x'), { code: 'IDEMPOTENCY_CONFLICT' }), // no marker
      markChargeHalt(new Error('x'), 'x'.repeat(201)), // code too long
    ]) {
      const { core, session } = await withOpenAttempt({ paymentGateway: throwing(error) });
      expect(await core.getSession(session.id)).toMatchObject({ chargeStatus: 'pending' });
      expect((await core.listCharges(session.id))[0]).toMatchObject({ status: 'unknown', failureCode: 'gateway_error' });
    }
  });
});

describe("the charge deadline and the gateway's idempotency-key lifetime", () => {
  const base = () => ({ adapter: createInMemoryAdapter(), videoProvider: createFakeVideoProvider() });
  const gateway = (lifetime: number): PaymentGateway => ({ charge: createRecordingPaymentGateway().charge, idempotencyKeyLifetimeMinutes: lifetime });

  it('refuses a deadline at or beyond the lifetime with INVALID_POLICY naming chargeDeadlineMinutes', () => {
    for (const chargeDeadlineMinutes of [1440, 4320]) {
      let caught: unknown;
      try {
        createSessionsCore({ ...base(), paymentGateway: gateway(1440), policy: { chargeDeadlineMinutes } });
      } catch (error) {
        caught = error;
      }
      expect(isSessionError(caught, 'INVALID_POLICY')).toBe(true);
      expect((caught as { details: { issues: Array<{ path: string }> } }).details.issues.map((i) => i.path)).toEqual(['chargeDeadlineMinutes']);
    }
    // Left unset, the deadline follows the gateway instead (see policy-gateway.test.ts).
    expect(createSessionsCore({ ...base(), paymentGateway: gateway(1440) }).policy.chargeDeadlineMinutes).toBe(1380);
  });

  it('accepts a deadline under the lifetime, and any deadline with a gateway that declares none; refuses a nonsense lifetime', () => {
    expect(() => createSessionsCore({ ...base(), paymentGateway: gateway(1440), policy: { chargeDeadlineMinutes: 1439 } })).not.toThrow();
    expect(() => createSessionsCore({ ...base(), paymentGateway: createRecordingPaymentGateway() })).not.toThrow();
    for (const lifetime of [0, 1.5, Number.NaN]) {
      expect(() => createSessionsCore({ ...base(), paymentGateway: gateway(lifetime), policy: { chargeDeadlineMinutes: 10 } })).toThrow(/idempotencyKeyLifetimeMinutes/);
    }
  });
});

describe('paymentMethodCheck at session creation', () => {
  it('refuses with NO_PAYMENT_METHOD before making a meeting; allows when it says true; not asked for an existing session', async () => {
    const asked: string[] = [];
    let usable = false;
    const { core, video } = await makeCore({
      paymentMethodCheck: async (studentId) => {
        asked.push(studentId);
        return usable;
      },
    });
    const b = booking({ studentId: 'student-x' });
    await expect(core.createForBooking(b)).rejects.toMatchObject({ code: 'NO_PAYMENT_METHOD', details: { studentId: 'student-x' } });
    expect(video.meetings.size).toBe(0);
    expect(await core.getSessionByBooking(b.bookingId)).toBeNull();
    usable = true;
    expect((await core.createForBooking(b)).created).toBe(true);
    usable = false; // the card expired since: the booking's session exists, the retry returns it
    expect((await core.createForBooking(b)).created).toBe(false);
    expect(asked).toEqual(['student-x', 'student-x']);
  });

  it('a check that throws fails the creation with its error (neither refused nor allowed); anything but true refuses', async () => {
    const { core, video } = await makeCore({ paymentMethodCheck: () => Promise.reject(new Error('stripe unreachable')) });
    await expect(core.createForBooking(booking())).rejects.toThrow('stripe unreachable');
    expect(video.meetings.size).toBe(0);
    const truthy = await makeCore({ paymentMethodCheck: () => 'yes' as unknown as boolean });
    await expect(truthy.core.createForBooking(booking())).rejects.toMatchObject({ code: 'NO_PAYMENT_METHOD' });
  });

  it('the HTTP route answers 409 problem+json NO_PAYMENT_METHOD', async () => {
    const clock = createManualClock(addMinutes(START, -60));
    const core = createSessionsCore({
      adapter: createInMemoryAdapter({ clock }),
      videoProvider: createFakeVideoProvider(),
      paymentGateway: createRecordingPaymentGateway(),
      clock,
      paymentMethodCheck: () => false,
    });
    await core.connectProvider({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
    const b = booking();
    const handle = createSessionsHandler({
      core,
      authenticate: () => ({ userId: 'tutor-a' }),
      getBooking: async () => b,
      cronSecret: 'cron-secret-0123456789-abcdefXYZ',
    });
    const response = await handle(
      new Request('http://localhost/api/sessions/create-for-booking', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ bookingId: b.bookingId }),
      }),
    );
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'NO_PAYMENT_METHOD', status: 409 });
  });
});
