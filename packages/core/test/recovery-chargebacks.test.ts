import { addMinutes } from 'date-fns';
import { describe, expect, it, vi } from 'vitest';
import { chargebackShareKey, chargebackTutorShare, chargebackWork, type Chargeback, type ChargebackReport } from '@itutor/sessions-core/adapter';
import fc from 'fast-check';
import { booking, makeCore, START } from './support/core-fixture';

/** A session settled at START + 60 whose first off-session charge the bank wants authenticated. */
async function needingStudent(config: Parameters<typeof makeCore>[0] = {}) {
  const fixture = await makeCore(config);
  const { session } = await fixture.core.sessions.create(booking());
  fixture.gateway.script('needs-customer');
  fixture.clock.set(addMinutes(START, 60));
  await fixture.core.settlement.run();
  return { ...fixture, session: (await fixture.core.sessions.get(session.id))! };
}

describe('payment recovery', () => {
  it('an authentication_required decline waits for the student: never retried off-session, the host told once', async () => {
    const told = vi.fn();
    const { core, gateway, clock, session } = await needingStudent({ onCustomerActionRequired: told });
    expect(session).toMatchObject({ chargeStatus: 'awaiting_customer', chargeIdempotencyKey: null, chargeAttempts: 1 });
    await vi.waitFor(() => expect(told).toHaveBeenCalledTimes(1));
    expect(told.mock.calls[0]![0]).toMatchObject({ id: session.id, chargeStatus: 'awaiting_customer' });
    // Many cron runs, long past the retry interval and the deadline: no call is ever made off-session again.
    for (let i = 1; i <= 6; i++) {
      clock.set(addMinutes(START, 60 + i * 600));
      await core.settlement.run();
    }
    expect(gateway.instructions).toHaveLength(1);
    expect((await core.sessions.get(session.id))!.chargeStatus).toBe('awaiting_customer');
    const events = (await core.sessions.listEvents(session.id)).map((e) => e.type);
    expect(events.filter((t) => t === 'charge.customer_action_required')).toHaveLength(1);
  });

  it('the student completes it on-session: a new attempt, its client secret, then succeeded once', async () => {
    const told = vi.fn();
    const { core, gateway, session } = await needingStudent({ onCustomerActionRequired: told });
    await expect(core.charges.startOnSession({ sessionId: session.id, studentId: 'tutor-a' })).rejects.toMatchObject({ code: 'NOT_SESSION_STUDENT' });
    const started = await core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' });
    expect(started).toEqual({ status: 'requires_customer', clientSecret: expect.stringMatching(/^cs_itutor-session-.*-2$/), attempt: 2, amountMinor: 15_000, currency: 'TTD' });
    // The student comes back before confirming: the same attempt, the same secret, no new row.
    expect(await core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' })).toEqual(started);
    expect((await core.charges.list(session.id)).map((a) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'pending'],
    ]);
    gateway.completeOnSession((await core.sessions.get(session.id))!.chargeIdempotencyKey!, 'succeed');
    expect(await core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' })).toMatchObject({ status: 'succeeded', attempt: 2 });
    const paid = (await core.sessions.get(session.id))!;
    expect(paid).toMatchObject({ chargeStatus: 'succeeded', chargeAttempts: 2, chargeReference: expect.stringMatching(/^pi_/) });
    expect(gateway.charges.size).toBe(1);
    // Paid: nothing waits for the student any more.
    await expect(core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' })).rejects.toMatchObject({ code: 'NO_CHARGE_PENDING' });
    // The webhook's answer for the same attempt, delivered after: nothing changes.
    const again = await core.charges.recordAnswer({ sessionId: session.id, attempt: 2, result: { status: 'succeeded', reference: paid.chargeReference! } });
    expect(again).toMatchObject({ outcome: 'unchanged', session: { version: paid.version } });
    expect(told).toHaveBeenCalledTimes(1);
  });

  it('a failed on-session attempt keeps waiting (not told again); the next start opens a new attempt', async () => {
    const told = vi.fn();
    const { core, gateway, session } = await needingStudent({ onCustomerActionRequired: told });
    await core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' });
    gateway.completeOnSession((await core.sessions.get(session.id))!.chargeIdempotencyKey!, 'fail');
    expect(await core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' })).toMatchObject({ status: 'failed', failureCode: 'authentication_failed', attempt: 2 });
    expect((await core.sessions.get(session.id))!).toMatchObject({ chargeStatus: 'awaiting_customer', chargeIdempotencyKey: null });
    expect(await core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' })).toMatchObject({ status: 'requires_customer', attempt: 3 });
    await vi.waitFor(() => expect(told).toHaveBeenCalledTimes(1));
    await new Promise((r) => setTimeout(r, 10));
    expect(told).toHaveBeenCalledTimes(1);
  });

  it('the webhook records the on-session success; the cron never sends the student attempt', async () => {
    const { core, gateway, clock, session } = await needingStudent();
    await core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' });
    clock.set(addMinutes(clock.now(), 600));
    await core.settlement.run();
    expect(gateway.instructions.filter((i) => i.attempt === 2)).toHaveLength(1); // only the on-session start
    const key = (await core.sessions.get(session.id))!.chargeIdempotencyKey!;
    gateway.completeOnSession(key, 'succeed');
    const report = await core.charges.recordAnswer({ sessionId: session.id, attempt: 2, result: { status: 'succeeded', reference: `pi_${key}` } });
    expect(report).toMatchObject({ outcome: 'recorded', session: { chargeStatus: 'succeeded', chargeReference: `pi_${key}` } });
  });

  it('a gateway that throws, hangs or cannot tell: GATEWAY_UNAVAILABLE (processing: processing), the attempt stays open under its key', async () => {
    const { core, gateway, session } = await needingStudent({ settlement: { chargeTimeoutMs: 50 } });
    gateway.scriptOnSession('throw', 'hang', 'network-error', 'processing');
    await expect(core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' })).rejects.toMatchObject({ code: 'GATEWAY_UNAVAILABLE' });
    await expect(core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' })).rejects.toMatchObject({ code: 'GATEWAY_UNAVAILABLE' });
    await expect(core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' })).rejects.toMatchObject({ code: 'GATEWAY_UNAVAILABLE' });
    expect(await core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' })).toMatchObject({ status: 'processing', attempt: 2 });
    expect(await core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' })).toMatchObject({ status: 'requires_customer', attempt: 2 });
    expect(await core.charges.list(session.id)).toHaveLength(2);
  });

  it('a session not waiting for the student is refused; a gateway without the method: PAYMENT_RECOVERY_NOT_SUPPORTED', async () => {
    const fixture = await makeCore();
    const { session } = await fixture.core.sessions.create(booking());
    await expect(fixture.core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' })).rejects.toMatchObject({ code: 'NO_CHARGE_PENDING', details: { chargeStatus: 'none' } });
    await expect(fixture.core.charges.startOnSession({ sessionId: session.id, studentId: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const { startOnSessionCharge: _drop, ...withoutOnSession } = fixture.gateway;
    const bare = await makeCore({ paymentGateway: withoutOnSession });
    await expect(bare.core.charges.startOnSession({ sessionId: session.id, studentId: 'student-a' })).rejects.toMatchObject({ code: 'PAYMENT_RECOVERY_NOT_SUPPORTED' });
  });
});

/** A settled, charged session (charge 15 000, payout 13 500) and a report maker for one dispute on it. */
async function disputed(policy: Record<string, unknown> = {}) {
  const fixture = await makeCore({ policy });
  const { session } = await fixture.core.sessions.create(booking());
  fixture.clock.set(addMinutes(START, 60));
  await fixture.core.settlement.run();
  let second = 0;
  const report = (changes: Partial<ChargebackReport> = {}): ChargebackReport => ({
    sessionId: session.id,
    attempt: 1,
    reference: 'dp_1',
    status: 'needs_response',
    reason: 'product_not_received',
    amountMinor: 15_000,
    currency: 'ttd',
    feeMinor: 1_500,
    fundsWithdrawnMinor: 15_000,
    fundsReinstatedMinor: 0,
    evidenceDueBy: addMinutes(START, 14 * 24 * 60),
    reportedAt: new Date(START.getTime() + 3_600_000 + ++second * 1000),
    ...changes,
  });
  return { ...fixture, session: (await fixture.core.sessions.get(session.id))!, report };
}

describe('chargebacks', () => {
  it('a dispute arrives: recorded against the attempt, evidence staged (not submitted), participants see only that it exists', async () => {
    const { core, gateway, session, report } = await disputed();
    const recorded = await core.chargebacks.record(report());
    expect(recorded.outcome).toBe('opened');
    expect(recorded.chargeback).toMatchObject({ chargeback: 1, attempt: 1, currency: 'TTD', status: 'needs_response', evidence: 'staged', lossBearer: 'platform', tutorShareMinor: 0 });
    expect(recorded.chargeback.stagedEvidence).toEqual(await core.chargebacks.evidence(session.id));
    expect(gateway.evidenceCalls.map((c) => c.kind)).toEqual(['stage']);
    expect(await core.chargebacks.listOpen()).toHaveLength(1);
    const view = await core.disputes.view({ sessionId: session.id, viewer: 'student' });
    expect(view.chargeback).toBe('open');
    const events = (await core.sessions.listEvents(session.id)).filter((e) => e.type.startsWith('chargeback.'));
    expect(events.map((e) => e.type)).toEqual(['chargeback.opened', 'chargeback.needs_attention', 'chargeback.evidence_staged']);
    for (const e of events) expect(JSON.stringify(e.payload)).not.toMatch(/dp_1|15000|product_not_received/);
  });

  it('duplicate and out-of-order reports change nothing backwards; closing is recorded once', async () => {
    const { core, session, report } = await disputed();
    const created = report({ status: 'needs_response', fundsWithdrawnMinor: 0 });
    const withdrawn = report({ status: 'needs_response' });
    const closed = report({ status: 'lost' });
    await core.chargebacks.record(closed);
    expect((await core.chargebacks.record(created)).outcome).toBe('unchanged'); // older, fewer funds: the status stays lost
    expect((await core.chargebacks.record(withdrawn)).outcome).toBe('unchanged');
    expect((await core.chargebacks.record(closed)).outcome).toBe('unchanged');
    const [row] = await core.chargebacks.list(session.id);
    expect(row).toMatchObject({ status: 'lost', fundsWithdrawnMinor: 15_000, closedAt: expect.any(Date) });
    expect((await core.sessions.listEvents(session.id)).filter((e) => e.type === 'chargeback.closed')).toHaveLength(1);
    expect(await core.chargebacks.listOpen()).toEqual([]);
  });

  it('a report for a charge not (yet) succeeded is refused NOTHING_TO_DISPUTE; bad reports INVALID_INPUT', async () => {
    const { core, report } = await disputed();
    await expect(core.chargebacks.record(report({ attempt: 2 }))).rejects.toMatchObject({ code: 'NOTHING_TO_DISPUTE' });
    await expect(core.chargebacks.record(report({ amountMinor: -1 }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(core.chargebacks.record(report({ status: 'open' as never }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('a person submits the staged evidence once; refusals say why', async () => {
    const { core, gateway, clock, session, report } = await disputed();
    await core.chargebacks.record(report());
    await expect(core.chargebacks.submitEvidence({ sessionId: session.id, chargeback: 1, actorId: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    gateway.scriptEvidence('refuse');
    await expect(core.chargebacks.submitEvidence({ sessionId: session.id, chargeback: 1, actorId: 'pat' })).rejects.toMatchObject({ code: 'EVIDENCE_NOT_ACCEPTED', details: { reason: 'invalid_evidence' } });
    const submitted = await core.chargebacks.submitEvidence({ sessionId: session.id, chargeback: 1, actorId: 'pat' });
    expect(submitted).toMatchObject({ evidence: 'submitted', submittedBy: 'pat', submittedAt: clock.now() });
    await expect(core.chargebacks.submitEvidence({ sessionId: session.id, chargeback: 1, actorId: 'pat' })).rejects.toMatchObject({ details: { reason: 'submitted' } });
    await expect(core.chargebacks.stageEvidence({ sessionId: session.id, chargeback: 1 })).rejects.toMatchObject({ details: { reason: 'submitted' } });
    const events = await core.sessions.listEvents(session.id);
    expect(events.find((e) => e.type === 'chargeback.evidence_submitted')).toMatchObject({ actor: 'pat' });
    await expect(core.chargebacks.submitEvidence({ sessionId: session.id, chargeback: 2, actorId: 'pat' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('evidence staging that fails is retried by the cron pass; past the deadline submit is refused', async () => {
    const { core, gateway, clock, session, report } = await disputed();
    gateway.scriptEvidence('throw');
    expect((await core.chargebacks.record(report())).chargeback.evidence).toBe('none');
    expect(await core.chargebacks.retry()).toEqual({ checked: 1, staged: 1, moved: 0, failed: 0 });
    clock.set(addMinutes(START, 15 * 24 * 60));
    await expect(core.chargebacks.submitEvidence({ sessionId: session.id, chargeback: 1, actorId: 'pat' })).rejects.toMatchObject({ details: { reason: 'past_due' } });
  });

  it('tutor bears the loss (with_charge): share reversed in proportion once, reinstated when won', async () => {
    const { core, gateway, session, report } = await disputed({ chargebackLossBearer: 'tutor' });
    const opened = await core.chargebacks.record(report({ amountMinor: 10_000, fundsWithdrawnMinor: 10_000 }));
    expect(opened.chargeback).toMatchObject({ tutorShareMinor: 9_000, tutorShare: 'reversed' });
    await core.chargebacks.record(report({ amountMinor: 10_000, status: 'under_review', fundsWithdrawnMinor: 10_000 }));
    expect(gateway.shareMoves.size).toBe(1);
    const won = await core.chargebacks.record(report({ amountMinor: 10_000, status: 'won', fundsReinstatedMinor: 10_000, fundsWithdrawnMinor: 10_000 }));
    expect(won.chargeback.tutorShare).toBe('reinstated');
    expect([...gateway.shareMoves.values()].map((m) => [m.direction, m.amountMinor, m.idempotencyKey])).toEqual([
      ['reverse', 9_000, chargebackShareKey(session.id, 1, 'reverse')],
      ['reinstate', 9_000, chargebackShareKey(session.id, 1, 'reinstate')],
    ]);
  });

  it('a refused reversal is flagged for a person and not retried; an unanswered one is sent again under its key', async () => {
    const { core, gateway, session, report } = await disputed({ chargebackLossBearer: 'tutor' });
    gateway.scriptShareMoves('lose-response');
    expect((await core.chargebacks.record(report())).chargeback.tutorShare).toBe('none');
    expect(await core.chargebacks.retry()).toMatchObject({ moved: 1 });
    expect(gateway.shareMoves.size).toBe(1);
    const other = await disputed({ chargebackLossBearer: 'tutor' });
    other.gateway.scriptShareMoves('decline');
    expect((await other.core.chargebacks.record(other.report())).chargeback.tutorShare).toBe('failed');
    expect(await other.core.chargebacks.retry()).toMatchObject({ moved: 0 });
    const flags = (await other.core.sessions.listEvents(other.session.id)).filter((e) => e.type === 'chargeback.needs_attention');
    expect(flags.map((e) => e.payload.reason)).toEqual(['evidence_needed', 'share_move_failed']);
    expect(session.id).not.toBe(other.session.id);
  });

  it('after_review: a chargeback holds the payout; lost with the tutor bearing it, the payout is reduced by the share', async () => {
    const { core, gateway, clock, session, report } = await disputed({ chargebackLossBearer: 'tutor', payoutTiming: 'after_review' });
    await core.chargebacks.record(report({ amountMinor: 5_000, fundsWithdrawnMinor: 5_000 }));
    clock.set(addMinutes(session.finalizedAt!, 4320));
    expect(await core.payouts.run()).toMatchObject({ due: 0 });
    expect((await core.disputes.view({ sessionId: session.id, viewer: 'tutor' })).payout).toMatchObject({ state: 'held', heldBy: 'chargeback' });
    const lost = await core.chargebacks.record(report({ amountMinor: 5_000, status: 'lost', fundsWithdrawnMinor: 5_000 }));
    expect(lost.chargeback).toMatchObject({ tutorShareMinor: 4_500, tutorShare: 'withheld' });
    expect(await core.payouts.run()).toMatchObject({ succeeded: 1 });
    expect([...gateway.transfers.values()].map((t) => t.amountMinor)).toEqual([13_500 - 4_500]);
    expect(gateway.shareMoves.size).toBe(0);
  });

  it('platform bears the loss (default): nothing is taken from the tutor', async () => {
    const { core, gateway, report } = await disputed();
    await core.chargebacks.record(report({ status: 'lost' }));
    expect(gateway.shareMoves.size).toBe(0);
    expect(() => makeCore({ policy: { chargebackLossBearer: 'nobody' as never } })).rejects.toMatchObject({ code: 'INVALID_POLICY' });
  });

  it('property: the tutor share is in proportion, never more than the payout or the disputed amount, 0 for the platform', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 20_000_000 }), (amount, bps, disputedAmount) => {
        const payout = Math.floor((amount * bps) / 10_000);
        const share = chargebackTutorShare(disputedAmount, { amountMinor: amount, payoutMinor: payout }, 'tutor');
        const exact = (Math.min(disputedAmount, amount) * payout) / amount;
        return share <= payout && share <= disputedAmount && share <= exact && exact - share < 1 && chargebackTutorShare(disputedAmount, { amountMinor: amount, payoutMinor: payout }, 'platform') === 0;
      }),
    );
  });

  it('chargebackWork: stage only while evidence is awaited; moves only once paid', () => {
    const base = { evidence: 'none', status: 'needs_response', lossBearer: 'tutor', tutorShareMinor: 100, tutorShare: 'none', fundsWithdrawnMinor: 1 } as Chargeback;
    expect(chargebackWork(base, { payoutTiming: 'with_charge' }, [])).toEqual([{ type: 'stage' }, { type: 'move', direction: 'reverse' }]);
    expect(chargebackWork({ ...base, status: 'under_review' }, { payoutTiming: 'after_review' }, [{ status: 'scheduled' }])).toEqual([]);
    expect(chargebackWork({ ...base, status: 'lost' }, { payoutTiming: 'after_review' }, [{ status: 'pending' }])).toEqual([]);
    expect(chargebackWork({ ...base, status: 'won', tutorShare: 'reversed' }, { payoutTiming: 'with_charge' }, [])).toEqual([{ type: 'move', direction: 'reinstate' }]);
  });
});
