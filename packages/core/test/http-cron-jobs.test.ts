/**
 * The cron route's extra jobs (`cronJobs`): run beside settlement in the same call, each answered under
 * its name; a failing job never stops settlement or the others.
 */
import { describe, expect, it } from 'vitest';
import { createSessionsCore, SessionError, type PaymentGateway } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { booking, START } from './support/core-fixture';

const SECRET = 'cron-secret-with-at-least-32-characters!';
const END = new Date(START.getTime() + 60 * 60_000);

/** A gateway without the chargeback methods (evidence, share moves): the cron then adds no `chargebacks` job. */
function gatewayWithoutChargebacks() {
  const { stageChargebackEvidence: _s, submitChargebackEvidence: _u, moveChargebackShare: _m, ...rest } = createRecordingPaymentGateway();
  return rest;
}

async function setup(cronJobs?: Record<string, () => Promise<unknown>>, paymentGateway: PaymentGateway = gatewayWithoutChargebacks()) {
  const clock = createManualClock(new Date(START.getTime() - 24 * 3_600_000));
  const adapter = createInMemoryAdapter({ clock });
  const core = createSessionsCore({ adapter, videoProvider: createFakeVideoProvider(), paymentGateway, clock });
  await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: { accessToken: { keyId: 'k1', ciphertext: 'sealed-a' }, refreshToken: null, expiresAt: null } });
  const unexpected: unknown[] = [];
  const handle = createSessionsHandler({
    core,
    authenticate: async () => null,
    getBooking: async () => null,
    cronSecret: SECRET,
    onUnexpectedError: (error) => unexpected.push(error),
    ...(cronJobs ? { cronJobs } : {}),
  });
  const cron = () => handle(new Request('http://host.test/api/cron/process-charges', { method: 'POST', headers: { authorization: `Bearer ${SECRET}` } }));
  return { clock, core, handle, cron, unexpected };
}

describe('cron route: cronJobs', () => {
  it('runs every job beside settlement and answers each result under its name', async () => {
    const calls: string[] = [];
    const { core, clock, cron } = await setup({
      meet: async () => {
        calls.push('meet');
        return { examined: 2, renewed: 2 };
      },
      refunds: async () => {
        calls.push('refunds');
        return undefined;
      },
    });
    await core.sessions.create(booking());
    clock.set(END);
    const response = await cron();
    expect(response.status).toBe(200);
    const body = (await response.json()) as { report: { completed: number }; jobs: Record<string, unknown> };
    expect(body.report.completed).toBe(1);
    expect(body.jobs).toEqual({ meet: { examined: 2, renewed: 2 }, refunds: null });
    expect(calls.sort()).toEqual(['meet', 'refunds']);
  });

  it('a failing job is answered with its code and reported; settlement and the other jobs still run', async () => {
    const { core, clock, cron, unexpected } = await setup({
      broken: async () => {
        throw new SessionError('INVALID_INPUT', 'bad');
      },
      crashing: async () => {
        throw new TypeError('boom');
      },
      coded: async () => {
        throw Object.assign(new Error('Google said no'), { code: 'PROVIDER_UNAVAILABLE' });
      },
      fine: async () => 'ok',
    });
    await core.sessions.create(booking());
    clock.set(END);
    const body = (await (await cron()).json()) as { report: { completed: number }; jobs: Record<string, unknown> };
    expect(body.report.completed).toBe(1);
    expect(body.jobs).toEqual({
      broken: { error: 'INVALID_INPUT' },
      crashing: { error: 'INTERNAL' },
      coded: { error: 'PROVIDER_UNAVAILABLE' },
      fine: 'ok',
    });
    expect(unexpected).toHaveLength(3);
    // The problem body never carries a job's message.
    expect(JSON.stringify(body)).not.toContain('boom');
  });

  it('without the cron secret no job runs', async () => {
    let ran = false;
    const { handle } = await setup({
      job: async () => {
        ran = true;
      },
    });
    const response = await handle(new Request('http://host.test/api/cron/process-charges', { method: 'POST' }));
    expect(response.status).toBe(401);
    expect(ran).toBe(false);
  });

  it('without cronJobs the answer is the report alone (unchanged)', async () => {
    const { cron } = await setup();
    expect(Object.keys((await (await cron()).json()) as object)).toEqual(['report']);
  });

  it("with chargebacks stored and a gateway that stages evidence, the chargebacks' pass runs too, unless the host runs its own", async () => {
    const { cron } = await setup(undefined, createRecordingPaymentGateway());
    expect(((await (await cron()).json()) as { jobs: unknown }).jobs).toEqual({ chargebacks: { checked: 0, staged: 0, moved: 0, failed: 0 } });
    const own = await setup({ chargebacks: async () => 'mine' }, createRecordingPaymentGateway());
    expect(((await (await own.cron()).json()) as { jobs: unknown }).jobs).toEqual({ chargebacks: 'mine' });
  });

  it('refuses jobs that cannot run when the handler is made', async () => {
    await expect(setup({ 'bad name!': async () => 1 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(setup({ job: 'not a function' as unknown as () => Promise<unknown> })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(setup([] as unknown as Record<string, () => Promise<unknown>>)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
