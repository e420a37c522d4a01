import { addMinutes } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { createSessionsCore } from '@itutor/sessions-core';
import { payoutIdempotencyKey } from '@itutor/sessions-core/adapter';
import { booking, makeCore, START } from './support/core-fixture';

/** A settled, charged session (price 15 000: charge 15 000, payout 13 500, fee 1 500), settled at START + 60. */
async function charged(policy: Record<string, unknown> = {}) {
  const fixture = await makeCore({ policy });
  const { session } = await fixture.core.sessions.create(booking());
  fixture.clock.set(addMinutes(START, 60));
  await fixture.core.settlement.run();
  return { ...fixture, session: (await fixture.core.sessions.get(session.id))! };
}

describe('payouts', () => {
  it('with_charge: the payout completed with the charge (no row stored, one payout listed)', async () => {
    const { core, adapter, session } = await charged();
    expect(session.chargeStatus).toBe('succeeded');
    expect(await adapter.payouts!.listBySession(session.id)).toEqual([]);
    const [payout] = await core.payouts.list(session.id);
    expect(payout).toMatchObject({ payout: 1, timing: 'with_charge', status: 'succeeded', amountMinor: 13_500 });
  });

  it('after_review: scheduled at the charge, sent after the review window, for the payout, once', async () => {
    const { core, gateway, clock, session } = await charged({ payoutTiming: 'after_review' });
    const [scheduled] = await core.payouts.list(session.id);
    expect(scheduled).toMatchObject({ status: 'scheduled', amountMinor: 13_500, dueAt: addMinutes(session.finalizedAt!, 4320) });
    expect(await core.payouts.run()).toMatchObject({ due: 0 });
    clock.set(addMinutes(session.finalizedAt!, 4320));
    expect(await core.payouts.run()).toMatchObject({ due: 1, succeeded: 1 });
    expect(await core.payouts.run()).toMatchObject({ due: 0 });
    expect([...gateway.transfers.values()]).toEqual([
      expect.objectContaining({ idempotencyKey: payoutIdempotencyKey(session.id, 1), amountMinor: 13_500, transferGroup: session.id, chargeReference: session.chargeReference }),
    ]);
    expect(gateway.instructions[0]!.payoutTiming).toBe('after_review');
  });

  it('a declined transfer opens the next payout under a new key; an unknown one is sent again under its key', async () => {
    const { core, gateway, clock, session } = await charged({ payoutTiming: 'after_review' });
    clock.set(addMinutes(session.finalizedAt!, 4320));
    gateway.scriptTransfers('decline', 'lose-response');
    expect(await core.payouts.run()).toMatchObject({ failed: 1 });
    expect(await core.payouts.run()).toMatchObject({ unknown: 1 });
    clock.set(addMinutes(clock.now(), 1));
    expect(await core.payouts.run()).toMatchObject({ succeeded: 1 });
    const rows = await core.payouts.list(session.id);
    expect(rows.map((p) => p.status)).toEqual(['failed', 'succeeded']);
    expect(gateway.transfers.size).toBe(1);
  });
});

describe('disputes', () => {
  it('student opens, tutor offers half, student accepts: refund of half, payout held then reduced then paid', async () => {
    const { core, gateway, clock, session } = await charged({ payoutTiming: 'after_review' });
    const opened = await core.disputes.open({ sessionId: session.id, actorId: 'student-a', reason: 'ended_early', message: 'The tutor left after 20 minutes.' });
    expect(opened.dispute.status).toBe('open');
    clock.set(addMinutes(session.finalizedAt!, 4320));
    expect(await core.payouts.run()).toMatchObject({ due: 0 });
    let view = await core.disputes.view({ sessionId: session.id, viewer: 'tutor' });
    expect(view.payout.state).toBe('held');
    expect(view.allowedSteps).toEqual(['accept', 'offer', 'contest']);
    await core.disputes.act({ sessionId: session.id, actorId: 'tutor-a', role: 'tutor', action: { type: 'offer', amountMinor: 7_500 }, message: 'Half, sorry.' });
    await expect(core.disputes.act({ sessionId: session.id, actorId: 'tutor-a', role: 'tutor', action: { type: 'accept_offer' } })).rejects.toMatchObject({ code: 'DISPUTE_NOT_ALLOWED' });
    const done = await core.disputes.act({ sessionId: session.id, actorId: 'student-a', role: 'student', action: { type: 'accept_offer' } });
    expect(done.dispute).toMatchObject({ status: 'resolved', resolution: 'partial_refund', refundMinor: 7_500, resolvedByRole: 'student' });
    expect(done.refund).toMatchObject({ amountMinor: 7_500, payoutMinor: 6_750, feeMinor: 750, status: 'succeeded' });
    view = await core.disputes.view({ sessionId: session.id, viewer: 'platform' });
    expect(view.payout).toMatchObject({ state: 'scheduled', amountMinor: 6_750, reduced: true });
    expect(await core.payouts.run()).toMatchObject({ succeeded: 1 });
    expect([...gateway.transfers.values()][0]!.amountMinor).toBe(6_750);
    view = await core.disputes.view({ sessionId: session.id, viewer: 'student' });
    expect(view.payout).toMatchObject({ state: 'paid', amountMinor: 6_750, reversedMinor: 0 });
    expect(view.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['dispute.opened', 'dispute.offered', 'dispute.offer_accepted', 'dispute.resolved', 'refund.requested', 'refund.succeeded', 'payout.succeeded']));
    expect(JSON.stringify(view)).not.toContain('itutor-payout-');
  });

  it('a resolution after the payout reverses the transfer in proportion', async () => {
    const { core, gateway, clock, session } = await charged({ payoutTiming: 'after_review', reviewWindowMinutes: 60 });
    clock.set(addMinutes(session.finalizedAt!, 60));
    await core.payouts.run();
    await core.disputes.open({ sessionId: session.id, actorId: 'student-a', reason: 'quality', message: 'Poor lesson' });
    await core.disputes.act({ sessionId: session.id, actorId: 'tutor-a', role: 'tutor', action: { type: 'contest' }, message: 'It was fine.' });
    const done = await core.disputes.act({ sessionId: session.id, actorId: 'ops-1', role: 'platform', action: { type: 'resolve', resolution: 'partial_refund', amountMinor: 5_000 }, message: 'Split.' });
    expect(done.refund).toMatchObject({ amountMinor: 5_000, payoutMinor: 4_500 });
    expect([...gateway.reversals.values()]).toEqual([expect.objectContaining({ amountMinor: 4_500, transferReference: `tr_${payoutIdempotencyKey(session.id, 1)}` })]);
  });

  it('a refund whose transfer reversal the gateway refused is recorded as answered and flagged for a person', async () => {
    const { core, gateway, clock, session } = await charged({ payoutTiming: 'after_review', reviewWindowMinutes: 60 });
    clock.set(addMinutes(session.finalizedAt!, 60));
    await core.payouts.run();
    gateway.scriptRefunds('pending');
    const { refund } = await core.refunds.create({ sessionId: session.id, amountMinor: 1_000, reason: 'goodwill', actorId: 'ops' });
    expect(gateway.refundInstructions[0]!.reverseTransfer).toMatchObject({ amountMinor: 900 });
    const done = await core.refunds.recordAnswer({ sessionId: session.id, refund: refund.refund, result: { status: 'succeeded', reference: 're_1', reversalFailureCode: 'amount_too_large' } });
    expect(done.refund.status).toBe('succeeded');
    const events = await core.sessions.listEvents(session.id);
    expect(events.at(-1)).toMatchObject({ type: 'payout.needs_attention', payload: { reason: 'transfer_reversal_failed', code: 'amount_too_large', payoutMinor: 900 } });
  });

  it('with_charge: a full refund by the tutor needs no reversal instruction (the destination charge reverses itself)', async () => {
    const { core, gateway, session } = await charged();
    await core.disputes.open({ sessionId: session.id, actorId: 'student-a', reason: 'tutor_absent', message: 'Never came' });
    const done = await core.disputes.act({ sessionId: session.id, actorId: 'tutor-a', role: 'tutor', action: { type: 'accept' } });
    expect(done.refund).toMatchObject({ amountMinor: 15_000 });
    expect(gateway.refundInstructions[0]!.reverseTransfer).toBeUndefined();
    await expect(core.disputes.act({ sessionId: session.id, actorId: 'ops-1', role: 'platform', action: { type: 'resolve', resolution: 'no_refund' }, message: 'x' })).rejects.toMatchObject({ code: 'DISPUTE_RESOLVED' });
  });

  it('a step that refunds, with a gateway that cannot refund, is refused before anything is written', async () => {
    const { core, gateway, adapter, video, clock, session } = await charged();
    await core.disputes.open({ sessionId: session.id, actorId: 'student-a', reason: 'quality', message: 'Poor' });
    const { refund: _refund, ...noRefunds } = gateway;
    const limited = createSessionsCore({ adapter, videoProvider: video, paymentGateway: noRefunds, clock });
    const version = (await core.sessions.get(session.id))!.version;
    await expect(limited.disputes.act({ sessionId: session.id, actorId: 'tutor-a', role: 'tutor', action: { type: 'accept' } })).rejects.toMatchObject({ code: 'REFUNDS_NOT_SUPPORTED' });
    expect((await core.disputes.get(session.id))?.status).toBe('open');
    expect((await core.sessions.get(session.id))!.version).toBe(version);
    // A step without money back still works.
    await limited.disputes.act({ sessionId: session.id, actorId: 'tutor-a', role: 'tutor', action: { type: 'contest' }, message: 'It went fine' });
  });

  it('refuses a second dispute, a tutor opening one, and one after the window', async () => {
    const { core, clock, session } = await charged();
    await expect(core.disputes.open({ sessionId: session.id, actorId: 'tutor-a', reason: 'other', message: 'x' })).rejects.toMatchObject({ code: 'NOT_SESSION_STUDENT' });
    clock.set(addMinutes(session.finalizedAt!, 4320));
    await expect(core.disputes.open({ sessionId: session.id, actorId: 'student-a', reason: 'other', message: 'x' })).rejects.toMatchObject({ code: 'DISPUTE_WINDOW_CLOSED' });
    clock.set(addMinutes(session.finalizedAt!, 10));
    await core.disputes.open({ sessionId: session.id, actorId: 'student-a', reason: 'other', message: 'x' });
    await expect(core.disputes.open({ sessionId: session.id, actorId: 'student-a', reason: 'other', message: 'x' })).rejects.toMatchObject({ code: 'DISPUTE_EXISTS' });
  });
});
