import { addMinutes } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { buildDisputeEvidence, type DisputeEvidenceFields } from '@itutor/sessions-core/adapter';
import { booking, makeCore, START } from './support/core-fixture';

/** The evidence of one session, read back from storage as a chargeback would find it. */
async function evidenceOf(fixture: Awaited<ReturnType<typeof makeCore>>, sessionId: string): Promise<DisputeEvidenceFields> {
  const { core, adapter } = fixture;
  const session = (await core.sessions.get(sessionId))!;
  return buildDisputeEvidence({
    session,
    policy: core.policy,
    events: await core.sessions.listEvents(sessionId),
    attendance: await adapter.attendance!.listBySession(sessionId),
    charges: await core.charges.list(sessionId),
    refunds: await core.refunds.list(sessionId),
    platformName: 'iTutor',
  });
}

/** The fields as a person reads them: one heading per field. */
const readable = (e: DisputeEvidenceFields) =>
  Object.entries(e)
    .map(([k, v]) => `## ${k}\n${v === null ? '(none)' : String(v)}\n`)
    .join('\n');

const PERSONAL = /student-a|tutor-a|@|itutor-session|pi_/;

describe('the dispute evidence bundle (golden files, one per charged outcome)', () => {
  it('completed, both joined by the button, disputed on the platform and half refunded', async () => {
    const fx = await makeCore();
    const { session } = await fx.core.sessions.create(booking());
    fx.clock.set(addMinutes(START, -2));
    await fx.core.sessions.join({ sessionId: session.id, userId: 'tutor-a' });
    fx.clock.set(addMinutes(START, 3));
    await fx.core.sessions.join({ sessionId: session.id, userId: 'student-a' });
    fx.clock.set(addMinutes(START, 60));
    await fx.core.settlement.run();
    fx.clock.set(addMinutes(START, 120));
    await fx.core.disputes.open({ sessionId: session.id, actorId: 'student-a', reason: 'ended_early', message: 'The tutor left after 20 minutes.' });
    await fx.core.disputes.act({ sessionId: session.id, actorId: 'tutor-a', role: 'tutor', action: { type: 'offer', amountMinor: 7_500 }, message: 'I had to leave; half back.' });
    await fx.core.disputes.act({ sessionId: session.id, actorId: 'student-a', role: 'student', action: { type: 'accept_offer' } });
    const evidence = await evidenceOf(fx, session.id);
    expect(evidence.service_date).toBe('2026-06-01');
    expect(evidence.customer_communication).toContain('the student: The tutor left after 20 minutes.');
    expect(readable(evidence)).not.toMatch(PERSONAL);
    await expect(readable(evidence)).toMatchFileSnapshot('./__golden__/evidence-completed-disputed.md');
    // Deterministic: the same facts give the same text.
    expect(await evidenceOf(fx, session.id)).toEqual(evidence);
  });

  it('the student absent: the tutor present by the button, marked after the wait, charged 50 %', async () => {
    const fx = await makeCore();
    const { session } = await fx.core.sessions.create(booking());
    fx.clock.set(addMinutes(START, 1));
    await fx.core.sessions.join({ sessionId: session.id, userId: 'tutor-a' });
    fx.clock.set(session.noShowEligibleAt);
    await fx.core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' });
    const evidence = await evidenceOf(fx, session.id);
    expect(evidence.customer_communication).toBeNull();
    expect(evidence.access_activity_log).toContain("the tutor joined with the platform's Join button");
    expect(evidence.access_activity_log).not.toContain('the student joined');
    expect(readable(evidence)).not.toMatch(PERSONAL);
    await expect(readable(evidence)).toMatchFileSnapshot('./__golden__/evidence-no-show-student.md');
  });

  it('a late cancellation by the student: the tier that applied, charged at once', async () => {
    const fx = await makeCore();
    const { session } = await fx.core.sessions.create(booking());
    fx.clock.set(addMinutes(START, -90));
    await fx.core.sessions.cancel({ sessionId: session.id, userId: 'student-a', by: 'student', expectedChargeMinor: 7_500 });
    const evidence = await evidenceOf(fx, session.id);
    expect(evidence.access_activity_log).toContain('No join or attendance was recorded.');
    expect(evidence.cancellation_policy_disclosure).toContain('later: 50% of the price');
    expect(readable(evidence)).not.toMatch(PERSONAL);
    await expect(readable(evidence)).toMatchFileSnapshot('./__golden__/evidence-cancelled-late.md');
  });

  it('keeps every field within Stripe’s limit however long the trail', async () => {
    const fx = await makeCore();
    const { session } = await fx.core.sessions.create(booking());
    fx.clock.set(addMinutes(START, 60));
    await fx.core.settlement.run();
    const stored = (await fx.core.sessions.get(session.id))!;
    const events = await fx.core.sessions.listEvents(session.id);
    const many = Array.from({ length: 600 }, (_, i) => ({ ...events[0]!, id: `e${i}`, type: 'dispute.opened' as const, actor: 'student-a', payload: { message: 'x'.repeat(100) } }));
    const evidence = buildDisputeEvidence({ session: stored, policy: fx.core.policy, events: many, attendance: [], charges: [], refunds: [] });
    for (const value of Object.values(evidence)) if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(20_000);
    expect(evidence.customer_communication).toMatch(/\[…truncated\]$/);
  });
});
