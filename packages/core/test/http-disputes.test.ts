/**
 * The dispute routes (#23) through `createSessionsHandler`: the view, the student opening, every step by
 * its role, the platform's people by the host's hook, and the cron running due payouts.
 */
import { addMinutes } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { asCron, asService, asUser, createHttpFixture, END, expectJson, expectProblem, STUDENT_A, STUDENT_B, TUTOR_A } from './support/http-fixture';

const path = (id: string, action: string) => `/api/sessions/${id}/${action}`;
const OPS = 'ops-1';

async function settledFixture(policy: Record<string, unknown> = {}) {
  const fx = await createHttpFixture({ policy, isPlatformStaff: (auth) => auth.userId === OPS });
  const session = await fx.createSession();
  fx.clock.set(END);
  await fx.core.settlement.run();
  return { fx, session };
}

describe('dispute routes', () => {
  it('student opens (201), tutor offers, student declines, the platform decides; each sees the same facts', async () => {
    const { fx, session } = await settledFixture({ payoutTiming: 'after_review' });
    const before = await expectJson<{ view: Record<string, unknown> }>(await fx.send('GET', path(session.id, 'dispute'), { headers: asUser(STUDENT_A) }), 200);
    expect(before.view).toMatchObject({ viewer: 'student', canOpen: true, dispute: null, allowedSteps: [] });
    const opened = await expectJson<{ view: Record<string, unknown> }>(
      await fx.send('POST', path(session.id, 'dispute'), { headers: asUser(STUDENT_A), body: { reason: 'ended_early', message: 'Left after 20 minutes' } }),
      201,
    );
    expect(opened.view).toMatchObject({ canOpen: false, dispute: { status: 'open', reason: 'ended_early' }, payout: { state: 'held' } });
    await expectProblem(await fx.send('POST', path(session.id, 'dispute/offer'), { headers: asUser(STUDENT_A), body: { amountMinor: 100 } }), 409, 'DISPUTE_NOT_ALLOWED');
    await expectProblem(await fx.send('POST', path(session.id, 'dispute/offer'), { headers: asUser(TUTOR_A), body: { amountMinor: 0 } }), 400, 'INVALID_INPUT');
    await expectJson(await fx.send('POST', path(session.id, 'dispute/offer'), { headers: asUser(TUTOR_A), body: { amountMinor: 5_000, message: 'A third' } }), 200);
    await expectJson(await fx.send('POST', path(session.id, 'dispute/decline-offer'), { headers: asUser(STUDENT_A), body: {} }), 200);
    await expectProblem(await fx.send('POST', path(session.id, 'dispute/resolve'), { headers: asUser(STUDENT_B), body: { resolution: 'no_refund', message: 'x' } }), 403, 'NOT_SESSION_PARTICIPANT');
    const decided = await expectJson<{ view: { dispute: Record<string, unknown>; refunds: unknown[]; timeline: Array<{ type: string; role: string }> } }>(
      await fx.send('POST', path(session.id, 'dispute/resolve'), { headers: asUser(OPS), body: { resolution: 'partial_refund', amountMinor: 6_000, message: 'Split' } }),
      200,
    );
    expect(decided.view.dispute).toMatchObject({ status: 'resolved', resolution: 'partial_refund', refundMinor: 6_000, resolvedByRole: 'platform' });
    expect(decided.view.refunds).toEqual([expect.objectContaining({ amountMinor: 6_000, status: 'succeeded' })]);
    expect(decided.view.timeline.filter((e) => e.type.startsWith('dispute.')).map((e) => `${e.type}:${e.role}`)).toEqual([
      'dispute.opened:student',
      'dispute.offered:tutor',
      'dispute.offer_declined:student',
      'dispute.decided:platform',
      'dispute.resolved:platform',
    ]);
    const tutorView = await expectJson<{ view: Record<string, unknown> }>(await fx.send('GET', path(session.id, 'dispute'), { headers: asUser(TUTOR_A) }), 200);
    const opsView = await expectJson<{ view: Record<string, unknown> }>(await fx.send('GET', path(session.id, 'dispute'), { headers: asUser(OPS) }), 200);
    const facts = (v: Record<string, unknown>) => ({ ...v, viewer: undefined, allowedSteps: undefined, canOpen: undefined });
    expect(facts(tutorView.view)).toEqual(facts(opsView.view));
    expect(JSON.stringify(opsView.view)).not.toMatch(/idempotency|itutor-|pi_|re_/);
  });

  it('the cron sends due payouts under after_review (the payouts job); a stranger cannot read the dispute', async () => {
    const { fx, session } = await settledFixture({ payoutTiming: 'after_review', reviewWindowMinutes: 30 });
    await expectProblem(await fx.send('GET', path(session.id, 'dispute'), { headers: asUser(STUDENT_B) }), 403, 'NOT_SESSION_PARTICIPANT');
    fx.clock.set(addMinutes(END, 30));
    const body = await expectJson<{ jobs: { payouts: Record<string, number> } }>(await fx.send('POST', '/api/cron/process-charges', { headers: asCron(), body: {} }), 200);
    expect(body.jobs.payouts).toMatchObject({ due: 1, succeeded: 1 });
    expect(fx.gateway.transfers.size).toBe(1);
    const server = await expectJson<{ view: { viewer: string; payout: { state: string } } }>(await fx.send('GET', path(session.id, 'dispute'), { headers: asService() }), 200);
    expect(server.view).toMatchObject({ viewer: 'platform', payout: { state: 'paid' } });
  });
});
