import { addMinutes } from 'date-fns';
import { CHARGE_DEADLINE_KEY_MARGIN_MINUTES, chargeDeadlineForKeyLifetime } from '@itutor/sessions-core/rules';
import { createSessionsCore, DEFAULT_POLICY, isSessionError, type PaymentGateway } from '@itutor/sessions-core';
import { createFakeVideoProvider, createInMemoryAdapter, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { describe, expect, it } from 'vitest';
import { booking, makeCore, START } from './support/core-fixture';

/** A recording gateway that declares how long it remembers idempotency keys. */
const withLifetime = (lifetime: number) => {
  const recording = createRecordingPaymentGateway();
  const gateway: PaymentGateway = { charge: recording.charge, idempotencyKeyLifetimeMinutes: lifetime };
  return { recording, gateway };
};
const base = () => ({ adapter: createInMemoryAdapter(), videoProvider: createFakeVideoProvider() });

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return null;
};

describe("the default charge deadline follows the gateway's idempotency-key lifetime", () => {
  it('chargeDeadlineForKeyLifetime: 60 minutes under the lifetime, at least 1, never above the plain default', () => {
    expect(CHARGE_DEADLINE_KEY_MARGIN_MINUTES).toBe(60);
    expect(chargeDeadlineForKeyLifetime(undefined)).toBe(DEFAULT_POLICY.chargeDeadlineMinutes);
    expect(chargeDeadlineForKeyLifetime(1440)).toBe(1380); // Stripe
    expect(chargeDeadlineForKeyLifetime(61)).toBe(1);
    expect(chargeDeadlineForKeyLifetime(30)).toBe(1);
    expect(chargeDeadlineForKeyLifetime(4380)).toBe(4320);
    expect(chargeDeadlineForKeyLifetime(60 * 24 * 30)).toBe(4320);
  });

  it('a gateway declaring 24 hours starts with the default policy; core.policy holds the derived deadline, the rest as DEFAULT_POLICY', () => {
    const core = createSessionsCore({ ...base(), paymentGateway: withLifetime(1440).gateway });
    expect(core.policy).toEqual({ ...DEFAULT_POLICY, chargeDeadlineMinutes: 1380 });
    expect(Object.isFrozen(core.policy)).toBe(true);
    // Other overrides are kept, and the deadline still follows the gateway.
    const custom = createSessionsCore({ ...base(), paymentGateway: withLifetime(1440).gateway, policy: { maxChargeAttempts: 3 } });
    expect(custom.policy).toMatchObject({ maxChargeAttempts: 3, chargeDeadlineMinutes: 1380 });
    // A gateway without a lifetime, or one that keeps keys longer than the default: the plain default.
    expect(createSessionsCore({ ...base(), paymentGateway: createRecordingPaymentGateway() }).policy.chargeDeadlineMinutes).toBe(4320);
    expect(createSessionsCore({ ...base(), paymentGateway: withLifetime(100_000).gateway }).policy.chargeDeadlineMinutes).toBe(4320);
    // A short lifetime gets the smallest deadline.
    expect(createSessionsCore({ ...base(), paymentGateway: withLifetime(2).gateway }).policy.chargeDeadlineMinutes).toBe(1);
  });

  it('an explicit deadline under the lifetime is kept; at or past it is refused with INVALID_POLICY naming chargeDeadlineMinutes', () => {
    expect(createSessionsCore({ ...base(), paymentGateway: withLifetime(1440).gateway, policy: { chargeDeadlineMinutes: 1439 } }).policy.chargeDeadlineMinutes).toBe(1439);
    expect(createSessionsCore({ ...base(), paymentGateway: withLifetime(1440).gateway, policy: { chargeDeadlineMinutes: 10 } }).policy.chargeDeadlineMinutes).toBe(10);
    for (const chargeDeadlineMinutes of [1440, 1441, 4320]) {
      const error = refusal(() => createSessionsCore({ ...base(), paymentGateway: withLifetime(1440).gateway, policy: { chargeDeadlineMinutes } }));
      expect(isSessionError(error, 'INVALID_POLICY')).toBe(true);
      expect((error as { details: { issues: Array<{ path: string }> } }).details.issues.map((i) => i.path)).toEqual(['chargeDeadlineMinutes']);
      expect((error as Error).message).toContain(`chargeDeadlineMinutes (${chargeDeadlineMinutes})`);
    }
    // An explicit deadline that is invalid on its own is still refused by the policy's own rules.
    expect(isSessionError(refusal(() => createSessionsCore({ ...base(), paymentGateway: withLifetime(1440).gateway, policy: { chargeDeadlineMinutes: 0 } })), 'INVALID_POLICY')).toBe(true);
  });

  it('a 1-minute lifetime leaves no deadline: refused naming the gateway lifetime; a nonsense lifetime is refused', () => {
    const error = refusal(() => createSessionsCore({ ...base(), paymentGateway: withLifetime(1).gateway }));
    expect(isSessionError(error, 'INVALID_POLICY')).toBe(true);
    expect((error as { details: { issues: Array<{ path: string }> } }).details.issues.map((i) => i.path)).toEqual(['paymentGateway.idempotencyKeyLifetimeMinutes']);
    for (const lifetime of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createSessionsCore({ ...base(), paymentGateway: withLifetime(lifetime).gateway })).toThrow(/idempotencyKeyLifetimeMinutes/);
    }
  });

  it('settlement applies the derived deadline: an answer still unknown 1380 minutes after the outcome fails the charge for good, not at 4320', async () => {
    const run = async (paymentGateway: PaymentGateway | undefined, recording: ReturnType<typeof createRecordingPaymentGateway> | undefined) => {
      const fx = await makeCore({ ...(paymentGateway ? { paymentGateway } : {}), settlement: { chargeRetryMinutes: 5 } });
      const gateway = recording ?? fx.gateway;
      const { session } = await fx.core.sessions.create(booking());
      fx.clock.set(addMinutes(START, 60));
      gateway.script('processing');
      expect(await fx.core.settlement.run()).toMatchObject({ completed: 1, chargesPending: 1 });
      const settled = (await fx.core.sessions.get(session.id))!;
      fx.clock.set(addMinutes(settled.finalizedAt!, 1379));
      gateway.script('processing');
      await fx.core.settlement.run();
      expect((await fx.core.sessions.get(session.id))!.chargeStatus).toBe('pending');
      fx.clock.set(addMinutes(settled.finalizedAt!, 1385)); // past the 1379 run's 5-minute lease too
      gateway.script('processing');
      const report = await fx.core.settlement.run();
      return { report, session: (await fx.core.sessions.get(session.id))!, events: await fx.core.sessions.listEvents(session.id) };
    };
    const { gateway, recording } = withLifetime(1440);
    const stripeLike = await run(gateway, recording);
    expect(stripeLike.report.chargesNeedingAttention).toBe(1);
    expect(stripeLike.session.chargeStatus).toBe('failed');
    expect(stripeLike.events.find((e) => e.type === 'charge.needs_attention')?.payload).toMatchObject({ reason: 'deadline_passed' });
    // The same story with a gateway that declares no lifetime: still collecting (deadline 4320).
    const plain = await run(undefined, undefined);
    expect(plain.report.chargesNeedingAttention).toBe(0);
    expect(plain.session.chargeStatus).toBe('pending');
  });
});

describe('a charge retry is never sent past the deadline', () => {
  it('a cron that was down past the deadline fails the unknown charge for good without calling the gateway again; a late answer is still recorded', async () => {
    const fx = await makeCore({ policy: { chargeDeadlineMinutes: 120 }, settlement: { chargeRetryMinutes: 5 } });
    const { session } = await fx.core.sessions.create(booking());
    fx.clock.set(addMinutes(START, 60));
    fx.gateway.script('processing');
    expect(await fx.core.settlement.run()).toMatchObject({ completed: 1, chargesPending: 1 });
    const settled = (await fx.core.sessions.get(session.id))!;
    // Before the deadline an unknown attempt is sent again under its key.
    fx.clock.set(addMinutes(settled.finalizedAt!, 30));
    fx.gateway.script('processing');
    await fx.core.settlement.run();
    expect(fx.gateway.instructions).toHaveLength(2);
    // The cron was down from then until well past the deadline.
    fx.clock.set(addMinutes(settled.finalizedAt!, 600));
    const report = await fx.core.settlement.run();
    expect(fx.gateway.instructions).toHaveLength(2);
    expect(report).toMatchObject({ chargesNeedingAttention: 1, chargesPending: 0, chargesSucceeded: 0 });
    const after = (await fx.core.sessions.get(session.id))!;
    expect(after).toMatchObject({ chargeStatus: 'failed', chargeAttempts: 1, chargeIdempotencyKey: settled.chargeIdempotencyKey });
    const [row] = await fx.core.charges.list(session.id);
    expect(row).toMatchObject({ status: 'unknown', calls: 2 });
    const flags = (await fx.core.sessions.listEvents(session.id)).filter((e) => e.type === 'charge.needs_attention');
    expect(flags.map((e) => e.payload)).toEqual([expect.objectContaining({ reason: 'deadline_passed', sent: false, attempt: 1 })]);
    // Nothing claims it again.
    fx.clock.set(addMinutes(settled.finalizedAt!, 700));
    await fx.core.settlement.run();
    expect(fx.gateway.instructions).toHaveLength(2);
    // The attempt's real answer, when it comes, is still recorded (money was taken after all).
    const late = await fx.core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: `pi_${row!.idempotencyKey}` } });
    expect(late.outcome).toBe('late_success');
    expect(late.session.chargeStatus).toBe('succeeded');
  });

  it('a declined charge whose retry falls past the deadline opens no new attempt: failed for good, flagged', async () => {
    const fx = await makeCore({ policy: { chargeDeadlineMinutes: 120 }, settlement: { chargeRetryMinutes: 5 } });
    const { session } = await fx.core.sessions.create(booking());
    fx.clock.set(addMinutes(START, 60));
    fx.gateway.script('decline');
    expect(await fx.core.settlement.run()).toMatchObject({ completed: 1, chargesFailed: 1 });
    const settled = (await fx.core.sessions.get(session.id))!;
    expect(settled).toMatchObject({ chargeStatus: 'pending', chargeIdempotencyKey: null, chargeAttempts: 1 });
    fx.clock.set(addMinutes(settled.finalizedAt!, 121));
    expect(await fx.core.settlement.run()).toMatchObject({ chargesNeedingAttention: 1 });
    expect(fx.gateway.instructions).toHaveLength(1);
    expect(await fx.core.charges.list(session.id)).toHaveLength(1);
    expect((await fx.core.sessions.get(session.id))!).toMatchObject({ chargeStatus: 'failed', chargeAttempts: 1 });
    const flag = (await fx.core.sessions.listEvents(session.id)).find((e) => e.type === 'charge.needs_attention');
    expect(flag?.payload).toMatchObject({ reason: 'deadline_passed', lastAnswer: 'failed', sent: false });
  });
});
