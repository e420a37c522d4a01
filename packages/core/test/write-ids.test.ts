import { describe, expect, it } from 'vitest';
import { addMinutes } from 'date-fns';
import { createSessionsCore, type SessionsAdapter } from '@itutor/sessions-core';
import { type SessionWrite } from '@itutor/sessions-core/adapter';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { START, booking } from './support/core-fixture';

/**
 * Write ids (issue #20): the core stamps one on every session write its services make, so an adapter
 * that sends a write again after its commit's reply was lost gets the win it had.
 */

/**
 * The in-memory adapter behind a connection that loses every commit's reply: each batch is committed,
 * its answer lost, and the batch sent again; the caller gets the second answer. Records every write.
 */
function losingReplies() {
  const clock = createManualClock(addMinutes(START, -24 * 60));
  const inner = createInMemoryAdapter({ clock });
  const writes: SessionWrite[] = [];
  const adapter: SessionsAdapter = {
    ...inner,
    sessions: {
      ...inner.sessions,
      insert: (s, e) => inner.sessions.insert(s, e),
      findById: (id) => inner.sessions.findById(id),
      findByBookingId: (id) => inner.sessions.findByBookingId(id),
      claimForSettlement: (o) => inner.sessions.claimForSettlement(o),
      async applyWrites(batch) {
        writes.push(...batch);
        await inner.sessions.applyWrites(batch); // committed; the reply is lost
        return inner.sessions.applyWrites(batch); // sent again
      },
    },
  };
  return { clock, inner, adapter, writes };
}

describe('write ids', () => {
  it('every session write the services make carries its own UUID', async () => {
    const { clock, adapter, writes } = losingReplies();
    const core = createSessionsCore({ adapter, videoProvider: createFakeVideoProvider(), paymentGateway: createRecordingPaymentGateway(), clock });
    await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
    const { session } = await core.sessions.create(booking());
    clock.set(addMinutes(START, 1));
    await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' });
    clock.set(addMinutes(START, 120));
    await core.settlement.run();
    expect(writes.length).toBeGreaterThanOrEqual(3);
    for (const w of writes) expect(w.writeId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(writes.map((w) => w.writeId)).size).toBe(writes.length);
  });

  it('a write sent again after its reply was lost is the win it was: a no-show charges once, with one of each event', async () => {
    const { clock, inner, adapter } = losingReplies();
    const gateway = createRecordingPaymentGateway();
    const core = createSessionsCore({ adapter, videoProvider: createFakeVideoProvider(), paymentGateway: gateway, clock });
    await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
    const { session } = await core.sessions.create(booking());
    clock.set(addMinutes(START, 1));
    await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' });
    clock.set(session.noShowEligibleAt);
    const marked = await core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' });
    expect(marked).toMatchObject({ status: 'NO_SHOW_STUDENT', chargeStatus: 'succeeded', version: 4 });
    expect(gateway.instructions).toHaveLength(1);
    const types = (await inner.raw.events(session.id)).map((e) => e.type);
    expect(types).toEqual(['session.created', 'session.joined', 'session.no_show_marked', 'charge.requested', 'charge.succeeded']);
    expect(await inner.raw.charges(session.id)).toMatchObject([{ attempt: 1, status: 'succeeded', calls: 1 }]);
  });

  it('a settlement run over lost replies settles and charges each session once, with no conflicts', async () => {
    const { clock, inner, adapter } = losingReplies();
    const gateway = createRecordingPaymentGateway();
    const core = createSessionsCore({ adapter, videoProvider: createFakeVideoProvider(), paymentGateway: gateway, clock });
    await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
    const sessions = [];
    for (let i = 0; i < 5; i++) sessions.push((await core.sessions.create(booking({ scheduledStartAt: addMinutes(START, i) }))).session);
    clock.set(addMinutes(START, 180));
    const report = await core.settlement.run();
    expect(report).toMatchObject({ completed: 5, chargesSucceeded: 5, conflicts: 0 });
    expect(gateway.instructions).toHaveLength(5);
    for (const s of sessions) {
      expect((await inner.raw.events(s.id)).map((e) => e.type)).toEqual(['session.created', 'session.settled', 'charge.requested', 'charge.succeeded']);
      expect(await inner.raw.charges(s.id)).toMatchObject([{ attempt: 1, status: 'succeeded', calls: 1 }]);
    }
  });
});
