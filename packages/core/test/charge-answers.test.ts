import { addMinutes } from 'date-fns';
import { classifyRefundResult, type ChargeResult } from '@itutor/sessions-core/adapter';
import { createSessionsCore, isSessionError, type PaymentGateway } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { describe, expect, it } from 'vitest';
import { booking, makeCore, START } from './support/core-fixture';

/** A settled session whose first attempt is open with an unknown answer (`processing`). */
async function withOpenAttempt(config: Parameters<typeof makeCore>[0] = {}) {
  const fx = await makeCore({ settlement: { chargeRetryMinutes: 5 }, ...config });
  const { session } = await fx.core.sessions.create(booking());
  fx.clock.set(addMinutes(START, 60));
  fx.gateway.script('processing');
  expect(await fx.core.settlement.run()).toMatchObject({ completed: 1, chargesPending: 1 });
  return { ...fx, session };
}

const ledgerOf = async (core: Awaited<ReturnType<typeof makeCore>>['core'], sessionId: string) =>
  (await core.charges.list(sessionId)).map((a) => `${a.attempt}:${a.status}:${a.failureCode ?? ''}:${a.gatewayReference ?? ''}`);

/** The gateway's reference of a session's attempt as the recording gateway answers it (one key, one charge). */
const referenceOf = async (core: Awaited<ReturnType<typeof makeCore>>['core'], sessionId: string, attempt = 1) =>
  `pi_${(await core.charges.list(sessionId)).find((a) => a.attempt === attempt)!.idempotencyKey}`;

describe('recordChargeAnswer: a gateway answer from outside settlement (webhooks)', () => {
  it("records the open attempt's success through the compare-and-set; a repeat changes nothing; settlement sends nothing more", async () => {
    const { core, adapter, gateway, clock, session } = await withOpenAttempt();
    const before = (await core.sessions.get(session.id))!;
    // The webhook names the PaymentIntent the processing answer already stored on the attempt.
    const pi = await referenceOf(core, session.id);
    const first = await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: pi } });
    expect(first.outcome).toBe('recorded');
    expect(first.session).toMatchObject({ chargeStatus: 'succeeded', chargeReference: pi, version: before.version + 1, claimedUntil: null });
    expect(await ledgerOf(core, session.id)).toEqual([`1:succeeded::${pi}`]);
    const events = (await adapter.raw.events(session.id)).map((e) => e.type);
    expect(events.filter((t) => t === 'charge.succeeded')).toHaveLength(1);

    const again = await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: pi } });
    expect(again.outcome).toBe('unchanged');
    expect(again.session.version).toBe(first.session.version);
    expect((await adapter.raw.events(session.id)).length).toBe(events.length);

    clock.advance({ minutes: 10 });
    const calls = gateway.instructions.length;
    await core.settlement.run();
    expect(gateway.instructions.length).toBe(calls);
  });

  it('an unknown answer (processing) changes nothing; a decline closes the open attempt and the next opens with a new key', async () => {
    const { core, adapter, gateway, clock, session } = await withOpenAttempt();
    const before = (await core.sessions.get(session.id))!;
    const unknown = await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'unknown', reason: 'processing' } });
    expect(unknown).toMatchObject({ outcome: 'unchanged', session: { version: before.version } });

    const declined = await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'failed', failureCode: 'insufficient_funds' } });
    expect(declined.outcome).toBe('recorded');
    expect(declined.session).toMatchObject({ chargeStatus: 'pending', chargeIdempotencyKey: null, chargeAttempts: 1 });
    // The lease settlement gave the session stays: the retry waits for its backoff.
    expect(declined.session.claimedUntil).toEqual(before.claimedUntil);
    // The same decline again (a duplicated webhook that escaped deduplication): the attempt is closed, nothing changes.
    expect((await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'failed', failureCode: 'insufficient_funds' } })).outcome).toBe('unchanged');
    expect((await adapter.raw.events(session.id)).filter((e) => e.type === 'charge.failed')).toHaveLength(1);

    clock.advance({ minutes: 6 });
    expect(await core.settlement.run()).toMatchObject({ chargesSucceeded: 1 });
    expect(new Set(gateway.instructions.map((i) => i.idempotencyKey)).size).toBe(2);
    expect(await ledgerOf(core, session.id)).toEqual([
      '1:failed:insufficient_funds:pi_itutor-session-' + session.id + '-COMPLETED_ASSUMED-1',
      '2:succeeded::pi_itutor-session-' + session.id + '-COMPLETED_ASSUMED-2',
    ]);
  });

  it('a success naming another PaymentIntent than the open attempt\'s: recorded on a row of its own (the stored reference is never replaced), flagged; a decline naming another changes nothing', async () => {
    const { core, adapter, gateway, clock, session } = await withOpenAttempt();
    const pi = await referenceOf(core, session.id);
    const before = (await core.charges.list(session.id))[0]!;
    const version = (await core.sessions.get(session.id))!.version;
    const foreignDecline = await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'failed', failureCode: 'card_declined', reference: 'pi_other' } });
    expect(foreignDecline).toMatchObject({ outcome: 'unchanged', session: { version, chargeStatus: 'pending' } });

    const other = await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_other' } });
    expect(other.outcome).toBe('late_success');
    expect(other.session).toMatchObject({ chargeStatus: 'succeeded', chargeReference: 'pi_other', chargeAttempts: 2, chargeIdempotencyKey: null, claimedUntil: null });
    const ledger = await core.charges.list(session.id);
    expect(ledger[0]).toEqual(before); // the open attempt keeps its own reference, exactly as it was
    expect(ledger.slice(1)).toEqual([
      {
        ...before,
        attempt: 2,
        idempotencyKey: `itutor-session-${session.id}-COMPLETED_ASSUMED-2`,
        status: 'succeeded',
        gatewayReference: 'pi_other',
        failureCode: null,
        calls: 0,
        requestedAt: clock.now(),
        answeredAt: clock.now(),
      },
    ]);
    const flags = (await adapter.raw.events(session.id)).filter((e) => e.type === 'charge.needs_attention').map((e) => e.payload);
    expect(flags).toEqual([
      { attempt: 1, amountMinor: 15_000, reason: 'late_success', chargedTwice: false, succeededAttempt: null, recordedAttempt: 2, previousChargeStatus: 'pending', openAttempt: null },
    ]);
    expect(JSON.stringify(await adapter.raw.events(session.id))).not.toContain('pi_other');
    // The attempt's own PaymentIntent answering afterwards changes nothing more (attempt 1 is flagged already).
    expect((await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: pi } })).outcome).toBe('unchanged');
    const calls = gateway.instructions.length;
    clock.advance({ minutes: 30 });
    await core.settlement.run();
    expect(gateway.instructions.length).toBe(calls);
  });

  it('a late success of a declined attempt, with a later attempt open: recorded as the charge on a new row (the declined row untouched), the open attempt closed, flagged for a person', async () => {
    const { core, adapter, gateway, clock } = await makeCore({ settlement: { chargeRetryMinutes: 5 } });
    const s = (await core.sessions.create(booking())).session;
    clock.set(addMinutes(START, 60));
    gateway.script('decline', 'processing');
    await core.settlement.run(); // attempt 1 declined
    clock.advance({ minutes: 6 });
    await core.settlement.run(); // attempt 2 open, answer unknown
    expect(await core.sessions.get(s.id)).toMatchObject({ chargeStatus: 'pending', chargeAttempts: 2 });

    const [declined, open] = await core.charges.list(s.id);
    expect(declined).toMatchObject({ attempt: 1, status: 'failed' });

    // The student confirmed attempt 1's PaymentIntent on-session after all: Stripe reports it succeeded.
    const late = await core.charges.recordAnswer({ sessionId: s.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_late' } });
    expect(late.outcome).toBe('late_success');
    expect(late.session).toMatchObject({ chargeStatus: 'succeeded', chargeReference: 'pi_late', chargeAttempts: 3, chargeIdempotencyKey: null, claimedUntil: null });
    // The declined attempt and the open one stay exactly as they were; the success is attempt 3, its own
    // derived key (never sent), the late reference, no call.
    expect(await core.charges.list(s.id)).toEqual([
      declined,
      open,
      {
        ...declined,
        attempt: 3,
        idempotencyKey: `itutor-session-${s.id}-COMPLETED_ASSUMED-3`,
        status: 'succeeded',
        gatewayReference: 'pi_late',
        failureCode: null,
        calls: 0,
        requestedAt: clock.now(),
        answeredAt: clock.now(),
      },
    ]);
    const events = await adapter.raw.events(s.id);
    expect(events.filter((e) => e.type === 'charge.succeeded').map((e) => e.payload)).toEqual([
      { attempt: 3, amountMinor: 15_000, late: true, answeredAttempt: 1 },
    ]);
    const flags = events.filter((e) => e.type === 'charge.needs_attention').map((e) => e.payload);
    expect(flags).toEqual([
      { attempt: 1, amountMinor: 15_000, reason: 'late_success', chargedTwice: false, succeededAttempt: null, recordedAttempt: 3, previousChargeStatus: 'pending', openAttempt: 2 },
    ]);
    // No reference or key in any event: participants can read events.
    expect(JSON.stringify(events)).not.toContain('pi_late');

    // Repeated: nothing more. The closed attempt 2 is never sent again.
    expect((await core.charges.recordAnswer({ sessionId: s.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_late' } })).outcome).toBe('unchanged');
    const calls = gateway.instructions.length;
    clock.advance({ minutes: 30 });
    await core.settlement.run();
    expect(gateway.instructions.length).toBe(calls);
    expect((await adapter.raw.events(s.id)).length).toBe(events.length);
  });

  it('then attempt 2 succeeds too (charged twice): the ledger keeps one success; flagged once with chargedTwice', async () => {
    const { core, adapter, gateway, clock } = await makeCore({ settlement: { chargeRetryMinutes: 5 } });
    const s = (await core.sessions.create(booking())).session;
    clock.set(addMinutes(START, 60));
    gateway.script('decline', 'processing');
    await core.settlement.run();
    clock.advance({ minutes: 6 });
    await core.settlement.run();
    await core.charges.recordAnswer({ sessionId: s.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_1' } });
    const ledger = await core.charges.list(s.id);
    const pi2 = await referenceOf(core, s.id, 2);
    const twice = await core.charges.recordAnswer({ sessionId: s.id, attempt: 2, result: { status: 'succeeded', reference: pi2 } });
    expect(twice.outcome).toBe('late_success');
    expect(twice.session).toMatchObject({ chargeStatus: 'succeeded', chargeReference: 'pi_1', chargeAttempts: 3 });
    // The ledger keeps its one success (attempt 3, recording attempt 1's late success); nothing changed.
    expect(await core.charges.list(s.id)).toEqual(ledger);
    expect(ledger.map((a) => `${a.attempt}:${a.status}`)).toEqual(['1:failed', '2:unknown', '3:succeeded']);
    const flags = () => adapter.raw.events(s.id).then((all) => all.filter((e) => e.type === 'charge.needs_attention').map((e) => e.payload));
    expect((await flags()).at(-1)).toEqual({
      attempt: 2,
      amountMinor: 15_000,
      reason: 'late_success',
      chargedTwice: true,
      succeededAttempt: 3,
      recordedAttempt: 3,
      previousChargeStatus: 'succeeded',
      openAttempt: null,
    });
    expect((await core.charges.recordAnswer({ sessionId: s.id, attempt: 2, result: { status: 'succeeded', reference: pi2 } })).outcome).toBe('unchanged');
    expect(await flags()).toHaveLength(2);
    // A late decline of an attempt no longer open changes nothing.
    const version = (await core.sessions.get(s.id))!.version;
    expect((await core.charges.recordAnswer({ sessionId: s.id, attempt: 2, result: { status: 'failed', failureCode: 'card_declined' } })).session.version).toBe(version);
  });

  it('a charge failed for good at the deadline that then succeeds (processing for days) is collected on its own attempt and flagged', async () => {
    const { core, adapter, gateway, clock, session } = await withOpenAttempt({ policy: { chargeDeadlineMinutes: 60 } });
    gateway.script('processing');
    clock.advance({ minutes: 61 });
    const sentBefore = gateway.instructions.length;
    expect(await core.settlement.run()).toMatchObject({ chargesNeedingAttention: 1 });
    // Past the deadline the attempt is never sent again (the gateway may have forgotten its key).
    expect(gateway.instructions.length).toBe(sentBefore);
    expect((await core.charges.listNeedingAttention()).map((s) => s.id)).toEqual([session.id]);
    const pi = await referenceOf(core, session.id);
    expect(await ledgerOf(core, session.id)).toEqual([`1:unknown:processing:${pi}`]);
    const late = await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: pi } });
    expect(late.outcome).toBe('late_success');
    expect(late.session).toMatchObject({ chargeStatus: 'succeeded', chargeReference: pi, chargeAttempts: 1, chargeIdempotencyKey: null });
    // An attempt whose answer was still unknown takes its late answer on its own row: one success, no new row.
    expect(await ledgerOf(core, session.id)).toEqual([`1:succeeded::${pi}`]);
    // The settlement's call and the late answer: the run past the deadline sent nothing.
    expect((await core.charges.list(session.id))[0]!.calls).toBe(2);
    expect(await core.charges.listNeedingAttention()).toEqual([]);
    const flags = (await adapter.raw.events(session.id)).filter((e) => e.type === 'charge.needs_attention').map((e) => e.payload.reason);
    expect(flags).toEqual(['deadline_passed', 'late_success']);
  });

  it('refuses an unknown session or attempt (NOT_FOUND) and malformed input (INVALID_INPUT); a malformed result is unknown', async () => {
    const { core, session } = await withOpenAttempt();
    await expect(core.charges.recordAnswer({ sessionId: 'nope', attempt: 1, result: { status: 'succeeded' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(core.charges.recordAnswer({ sessionId: session.id, attempt: 2, result: { status: 'succeeded' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const attempt of [0, 1.5, -1, Number.NaN]) {
      await expect(core.charges.recordAnswer({ sessionId: session.id, attempt, result: { status: 'succeeded' } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    const odd = await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'requires_action' } as never });
    expect(odd.outcome).toBe('unchanged');
  });

  it('racing deliveries of one success: exactly one records it', async () => {
    const { core, adapter, session } = await withOpenAttempt();
    const pi = await referenceOf(core, session.id);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: pi } })),
    );
    expect(results.filter((r) => r.outcome === 'recorded')).toHaveLength(1);
    expect((await adapter.raw.events(session.id)).filter((e) => e.type === 'charge.succeeded')).toHaveLength(1);
  });
});

describe("a halting gateway answer ({ status: 'halted', code })", () => {
  it('fails the charge for good at once with its code in the ledger; a no-show is flagged the same way', async () => {
    const { core, gateway, clock, adapter } = await makeCore();
    const { session } = await core.sessions.create(booking());
    clock.set(START);
    await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' }); // the presence rule
    clock.set(addMinutes(START, 19));
    gateway.script('halt');
    const marked = await core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' });
    expect(marked).toMatchObject({ status: 'NO_SHOW_STUDENT', chargeStatus: 'failed' });
    expect(await ledgerOf(core, session.id)).toEqual(['1:halted:IDEMPOTENCY_CONFLICT:']);
    const flag = (await adapter.raw.events(session.id)).find((e) => e.type === 'charge.needs_attention');
    expect(flag?.payload).toMatchObject({ reason: 'gateway_halted', code: 'IDEMPOTENCY_CONFLICT', lastAnswer: 'unknown' });
    clock.advance({ minutes: 120 });
    await core.settlement.run();
    expect(gateway.instructions).toHaveLength(1);
  });

  it("the halted attempt never changes: its late success is recorded on a new row, the session paid, never sent again", async () => {
    const { core, gateway, clock, adapter } = await makeCore();
    const { session } = await core.sessions.create(booking());
    clock.set(START);
    await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' }); // the presence rule
    clock.set(addMinutes(START, 19));
    gateway.script('halt');
    await core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' });
    const [halted] = await core.charges.list(session.id);
    expect(halted).toMatchObject({ status: 'halted', failureCode: 'IDEMPOTENCY_CONFLICT', calls: 1 });
    // The halted attempt's key is still the session's: the webhook of its first call is matched.
    expect(await core.sessions.get(session.id)).toMatchObject({ chargeStatus: 'failed', chargeIdempotencyKey: halted!.idempotencyKey });
    clock.advance({ minutes: 10 });
    const late = await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_first_call' } });
    expect(late.outcome).toBe('late_success');
    expect(late.session).toMatchObject({ chargeStatus: 'succeeded', chargeReference: 'pi_first_call', chargeAttempts: 2, chargeIdempotencyKey: null });
    expect(await core.charges.list(session.id)).toEqual([
      halted,
      {
        ...halted!,
        attempt: 2,
        idempotencyKey: `itutor-session-${session.id}-NO_SHOW_STUDENT-2`,
        status: 'succeeded',
        gatewayReference: 'pi_first_call',
        failureCode: null,
        calls: 0,
        requestedAt: clock.now(),
        answeredAt: clock.now(),
      },
    ]);
    const flags = (await adapter.raw.events(session.id)).filter((e) => e.type === 'charge.needs_attention').map((e) => e.payload);
    expect(flags.map((f) => [f.reason, f.attempt, f.recordedAttempt ?? null])).toEqual([
      ['gateway_halted', 1, null],
      ['late_success', 1, 2],
    ]);
    expect(await core.charges.listNeedingAttention()).toEqual([]);
    clock.advance({ minutes: 120 });
    await core.settlement.run();
    expect(gateway.instructions).toHaveLength(1);
  });

  it('a thrown error is always an unknown answer, even one marked the old way (CHARGE_HALT + code): retried under the same key', async () => {
    const recording = createRecordingPaymentGateway();
    const keys: string[] = [];
    let calls = 0;
    const oldHalt = Object.assign(new Error('idempotency key reused with different parameters'), {
      [Symbol.for('@itutor/sessions-core/charge-halt')]: true,
      code: 'IDEMPOTENCY_CONFLICT',
    });
    const gateway: PaymentGateway = {
      charge: (instruction, options) => {
        keys.push(instruction.idempotencyKey);
        return ++calls === 1 ? Promise.reject(oldHalt) : recording.charge(instruction, options);
      },
    };
    const fx = await makeCore({ settlement: { chargeRetryMinutes: 5 }, paymentGateway: gateway });
    const { session } = await fx.core.sessions.create(booking());
    fx.clock.set(addMinutes(START, 60));
    await fx.core.settlement.run();
    expect(await fx.core.sessions.get(session.id)).toMatchObject({ chargeStatus: 'pending' });
    expect(await ledgerOf(fx.core, session.id)).toEqual(['1:unknown:gateway_error:']);
    expect((await fx.adapter.raw.events(session.id)).filter((e) => e.type === 'charge.needs_attention')).toEqual([]);
    fx.clock.advance({ minutes: 10 });
    await fx.core.settlement.run();
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(await fx.core.sessions.get(session.id)).toMatchObject({ chargeStatus: 'succeeded' });
  });

  it('a malformed halted answer (code missing, empty, not a string, over 200 characters; a bad reference) is unknown, retried under the same key', async () => {
    const malformed = [
      { status: 'halted' },
      { status: 'halted', code: '' },
      { status: 'halted', code: 42 },
      { status: 'halted', code: 'x'.repeat(201) },
      { status: 'halted', code: 'IDEMPOTENCY_CONFLICT', reference: 'r'.repeat(201) },
    ];
    for (const answer of malformed) {
      const keys: string[] = [];
      const gateway: PaymentGateway = {
        charge: (instruction) => {
          keys.push(instruction.idempotencyKey);
          return Promise.resolve(answer as unknown as ChargeResult);
        },
      };
      const fx = await makeCore({ settlement: { chargeRetryMinutes: 5 }, paymentGateway: gateway });
      const { session } = await fx.core.sessions.create(booking());
      fx.clock.set(addMinutes(START, 60));
      await fx.core.settlement.run();
      expect(await fx.core.sessions.get(session.id)).toMatchObject({ chargeStatus: 'pending' });
      expect(await ledgerOf(fx.core, session.id)).toEqual(['1:unknown:unrecognised_answer:']);
      fx.clock.advance({ minutes: 10 });
      await fx.core.settlement.run();
      expect(keys).toEqual([keys[0], keys[0]]);
    }
    // The refund port validates the same way.
    for (const answer of malformed) expect(classifyRefundResult(answer)).toEqual({ status: 'unknown', reason: 'unrecognised_answer', reference: null });
    expect(classifyRefundResult({ status: 'halted', code: 'IDEMPOTENCY_CONFLICT', reference: 're_1' })).toEqual({
      status: 'failed',
      failureCode: 'IDEMPOTENCY_CONFLICT',
      reference: 're_1',
      halted: true,
    });
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
    await expect(core.sessions.create(b)).rejects.toMatchObject({ code: 'NO_PAYMENT_METHOD', details: { studentId: 'student-x' } });
    expect(video.meetings.size).toBe(0);
    expect(await core.sessions.getByBooking(b.bookingId)).toBeNull();
    usable = true;
    expect((await core.sessions.create(b)).created).toBe(true);
    usable = false; // the card expired since: the booking's session exists, the retry returns it
    expect((await core.sessions.create(b)).created).toBe(false);
    expect(asked).toEqual(['student-x', 'student-x']);
  });

  it('a check that throws fails the creation with its error (neither refused nor allowed); anything but true refuses', async () => {
    const { core, video } = await makeCore({ paymentMethodCheck: () => Promise.reject(new Error('stripe unreachable')) });
    await expect(core.sessions.create(booking())).rejects.toThrow('stripe unreachable');
    expect(video.meetings.size).toBe(0);
    const truthy = await makeCore({ paymentMethodCheck: () => 'yes' as unknown as boolean });
    await expect(truthy.core.sessions.create(booking())).rejects.toMatchObject({ code: 'NO_PAYMENT_METHOD' });
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
    await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
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
