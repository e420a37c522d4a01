/**
 * The payment-recovery and chargeback routes (#24) through `createSessionsHandler`: the student's on-session
 * payment, for that student only; the platform's people reading a chargeback with its evidence, staging
 * and submitting it; participants seeing only that a chargeback exists.
 */
import { describe, expect, it } from 'vitest';
import { asService, asUser, createHttpFixture, END, expectJson, expectProblem, STUDENT_A, STUDENT_B, TUTOR_A } from './support/http-fixture';

const path = (id: string, action: string) => `/api/sessions/${id}/${action}`;
const OPS = 'ops-1';

async function settled(needsCustomer: boolean) {
  const fx = await createHttpFixture({ isPlatformStaff: (auth) => auth.userId === OPS });
  const session = await fx.createSession();
  if (needsCustomer) fx.gateway.script('needs-customer');
  fx.clock.set(END);
  await fx.core.settlement.run();
  return { fx, session };
}

describe('payment route', () => {
  it("the student reads the payment, starts it (a client secret for the student's eyes only), and is charged once", async () => {
    const { fx, session } = await settled(true);
    const status = await expectJson<{ payment: Record<string, unknown> }>(await fx.send('GET', path(session.id, 'payment'), { headers: asUser(STUDENT_A) }), 200);
    expect(status.payment).toEqual({ chargeStatus: 'awaiting_customer', amountMinor: 15_000, currency: 'TTD', attempt: 1 });
    await expectProblem(await fx.send('GET', path(session.id, 'payment'), { headers: asUser(TUTOR_A) }), 403, 'NOT_SESSION_STUDENT');
    await expectProblem(await fx.send('POST', path(session.id, 'payment'), { headers: asUser(TUTOR_A), body: {} }), 403, 'NOT_SESSION_STUDENT');
    await expectProblem(await fx.send('POST', path(session.id, 'payment'), { headers: asUser(STUDENT_B), body: {} }), 403, 'NOT_SESSION_STUDENT');
    await expectProblem(await fx.send('POST', path(session.id, 'payment'), { headers: asUser(STUDENT_A), body: { amountMinor: 1 } }), 400, 'INVALID_INPUT');
    const started = await expectJson<{ payment: { status: string; clientSecret: string; attempt: number } }>(
      await fx.send('POST', path(session.id, 'payment'), { headers: asUser(STUDENT_A), body: {} }),
      200,
    );
    expect(started.payment).toMatchObject({ status: 'requires_customer', attempt: 2, clientSecret: expect.stringMatching(/^cs_/) });
    fx.gateway.completeOnSession(started.payment.clientSecret.slice(3), 'succeed');
    const done = await expectJson<{ payment: Record<string, unknown> }>(await fx.send('POST', path(session.id, 'payment'), { headers: asUser(STUDENT_A), body: {} }), 200);
    expect(done.payment).toMatchObject({ status: 'succeeded', attempt: 2 });
    await expectProblem(await fx.send('POST', path(session.id, 'payment'), { headers: asUser(STUDENT_A), body: {} }), 409, 'NO_CHARGE_PENDING');
    expect(fx.gateway.charges.size).toBe(1);
    // The secret never lands in the session's stored events or JSON.
    const events = await fx.core.sessions.listEvents(session.id);
    expect(JSON.stringify(events)).not.toContain('cs_');
  });
});

describe('chargeback routes', () => {
  it('the platform reads, stages and submits; participants get 403 and see only that a chargeback exists', async () => {
    const { fx, session } = await settled(false);
    await fx.core.chargebacks.record({
      sessionId: session.id,
      attempt: 1,
      reference: 'dp_http',
      status: 'needs_response',
      reason: 'fraudulent',
      amountMinor: 15_000,
      currency: 'TTD',
      feeMinor: 1_500,
      fundsWithdrawnMinor: 15_000,
      fundsReinstatedMinor: 0,
      evidenceDueBy: new Date(END.getTime() + 7 * 86_400_000),
      reportedAt: END,
    });
    for (const who of [STUDENT_A, TUTOR_A]) {
      await expectProblem(await fx.send('GET', path(session.id, 'chargebacks'), { headers: asUser(who) }), 403, 'FORBIDDEN');
      await expectProblem(await fx.send('POST', path(session.id, 'chargebacks/1/submit'), { headers: asUser(who), body: {} }), 403, 'FORBIDDEN');
    }
    const view = await expectJson<{ view: { chargeback: string } }>(await fx.send('GET', path(session.id, 'dispute'), { headers: asUser(STUDENT_A) }), 200);
    expect(view.view.chargeback).toBe('open');
    expect(JSON.stringify(view)).not.toMatch(/dp_http|fraudulent/);
    const listed = await expectJson<{ chargebacks: Array<Record<string, unknown>>; evidence: Record<string, unknown> }>(
      await fx.send('GET', path(session.id, 'chargebacks'), { headers: asUser(OPS) }),
      200,
    );
    expect(listed.chargebacks).toEqual([expect.objectContaining({ chargeback: 1, status: 'needs_response', evidence: 'staged', evidenceDueBy: expect.stringMatching(/Z$/) })]);
    expect(listed.evidence).toMatchObject({ service_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    const staged = await expectJson<{ chargeback: Record<string, unknown> }>(await fx.send('POST', path(session.id, 'chargebacks/1/stage'), { headers: asUser(OPS), body: {} }), 200);
    expect(staged.chargeback).toMatchObject({ evidence: 'staged' });
    await expectProblem(await fx.send('POST', path(session.id, 'chargebacks/2/submit'), { headers: asUser(OPS), body: {} }), 404, 'NOT_FOUND');
    const submitted = await expectJson<{ chargeback: Record<string, unknown> }>(await fx.send('POST', path(session.id, 'chargebacks/1/submit'), { headers: asService(), body: {} }), 200);
    expect(submitted.chargeback).toMatchObject({ evidence: 'submitted', submittedBy: 'system' });
    await expectProblem(await fx.send('POST', path(session.id, 'chargebacks/1/submit'), { headers: asUser(OPS), body: {} }), 409, 'EVIDENCE_NOT_ACCEPTED');
  });
});
