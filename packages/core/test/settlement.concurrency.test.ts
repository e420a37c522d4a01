import { addMinutes } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { createSessionsCore, SessionError } from '@itutor/sessions-core';
import { buildSession, createInMemoryAdapter, createManualClock, createRecordingPaymentGateway, createFakeVideoProvider } from '@itutor/sessions-core/testing';
import { START } from './support/core-fixture';

describe('in-process concurrency', () => {
  it('20 concurrent settlement runs over 1,000 due sessions settle each exactly once with one charge each', async () => {
    const clock = createManualClock(addMinutes(START, 24 * 60));
    const adapter = createInMemoryAdapter({ clock });
    const gateway = createRecordingPaymentGateway({ latencyMs: 1 });
    for (let i = 0; i < 1000; i++) {
      const s = buildSession({ scheduledStartAt: addMinutes(START, i % 600), bookingId: `due-${i}`, id: `s-${i}` });
      await adapter.sessions.insert(s, []);
    }
    const runs = Array.from({ length: 20 }, () =>
      createSessionsCore({
        adapter,
        videoProvider: createFakeVideoProvider(),
        paymentGateway: gateway,
        clock,
        settlement: { batchSize: 37, chargeConcurrency: 8 },
      }).settlement.run(),
    );
    const reports = await Promise.all(runs);
    expect(reports.reduce((n, r) => n + r.completed, 0)).toBe(1000);
    expect(reports.reduce((n, r) => n + r.chargesSucceeded, 0)).toBe(1000);
    expect(reports.filter((r) => r.completed > 0).length).toBeGreaterThan(1); // the work really was shared
    expect(gateway.instructions).toHaveLength(1000);
    expect(new Set(gateway.instructions.map((i) => i.sessionId)).size).toBe(1000);
    for (let i = 0; i < 1000; i += 97) {
      const events = await adapter.raw.events(`s-${i}`);
      expect(events.filter((e) => e.type === 'session.settled')).toHaveLength(1);
      expect((await adapter.raw.session(`s-${i}`))?.status).toBe('COMPLETED_ASSUMED');
    }
  });

  it('a no-show racing settlement at the scheduled end: exactly one outcome and one charge', async () => {
    for (let trial = 0; trial < 100; trial++) {
      const clock = createManualClock(addMinutes(START, 60));
      const adapter = createInMemoryAdapter({ clock });
      const gateway = createRecordingPaymentGateway();
      const core = createSessionsCore({ adapter, videoProvider: createFakeVideoProvider(), paymentGateway: gateway, clock });
      const s = buildSession({ scheduledStartAt: START, id: `race-${trial}` });
      await adapter.sessions.insert(s, []);
      // The tutor is in the session (the presence rule), so the no-show is allowed until settlement makes it final.
      await core.sessions.join({ sessionId: s.id, userId: 'tutor-a' });
      const [noShow, settle] = await Promise.allSettled([
        core.sessions.markNoShow({ sessionId: s.id, userId: 'tutor-a' }),
        core.settlement.run(),
      ]);
      const stored = await adapter.raw.session(s.id);
      expect(['NO_SHOW_STUDENT', 'COMPLETED_ASSUMED']).toContain(stored?.status);
      expect(gateway.instructions).toHaveLength(1);
      if (stored?.status === 'COMPLETED_ASSUMED') {
        expect(noShow.status).toBe('rejected');
        if (noShow.status === 'rejected') expect((noShow.reason as SessionError).code).toMatch(/SESSION_FINAL|CONFLICT/);
      } else {
        expect(settle.status === 'fulfilled' && settle.value.completed).toBe(0);
      }
      const outcomes = (await adapter.raw.events(s.id)).filter((e) => e.type === 'session.settled' || e.type === 'session.no_show_marked');
      expect(outcomes).toHaveLength(1);
    }
  });
});

describe('settlement options', () => {
  it('concurrency: several claim loops in one run share the work without settling anything twice', async () => {
    const clock = createManualClock(addMinutes(START, 24 * 60));
    const adapter = createInMemoryAdapter({ clock });
    const gateway = createRecordingPaymentGateway({ latencyMs: 1 });
    for (let i = 0; i < 300; i++) await adapter.sessions.insert(buildSession({ id: `c-${i}`, bookingId: `c-${i}`, scheduledStartAt: START }), []);
    const core = createSessionsCore({
      adapter,
      videoProvider: createFakeVideoProvider(),
      paymentGateway: gateway,
      clock,
      settlement: { concurrency: 4, batchSize: 25 },
    });
    const report = await core.settlement.run();
    expect(report).toMatchObject({ completed: 300, chargesSucceeded: 300, conflicts: 0 });
    expect(new Set(gateway.instructions.map((i) => i.sessionId)).size).toBe(300);
    expect(gateway.instructions).toHaveLength(300);
  });

  it('memory stays bounded when the database records answers slower than the gateway gives them', async () => {
    const clock = createManualClock(addMinutes(START, 24 * 60));
    const adapter = createInMemoryAdapter({ clock });
    for (let i = 0; i < 400; i++) await adapter.sessions.insert(buildSession({ id: `b-${i}`, bookingId: `b-${i}`, scheduledStartAt: START }), []);
    // Answer writes (they carry ledger answers) take 20 ms each; the gateway answers at once.
    let answerWritesInFlight = 0;
    let mostAnswerWritesInFlight = 0;
    let mostSessionsInAnswerWrites = 0;
    const sessions = adapter.sessions;
    const slow = {
      ...adapter,
      sessions: {
        ...sessions,
        claimForSettlement: sessions.claimForSettlement.bind(sessions),
        applyWrites: async (writes: Parameters<typeof sessions.applyWrites>[0]) => {
          if (!writes.some((w) => w.ledger?.some((l) => l.type === 'answer'))) return sessions.applyWrites(writes);
          answerWritesInFlight++;
          mostAnswerWritesInFlight = Math.max(mostAnswerWritesInFlight, answerWritesInFlight);
          mostSessionsInAnswerWrites = Math.max(mostSessionsInAnswerWrites, answerWritesInFlight * writes.length);
          try {
            await new Promise((resolve) => setTimeout(resolve, 20));
            return await sessions.applyWrites(writes);
          } finally {
            answerWritesInFlight--;
          }
        },
      },
    };
    const gateway = createRecordingPaymentGateway();
    const core = createSessionsCore({
      adapter: slow,
      videoProvider: createFakeVideoProvider(),
      paymentGateway: gateway,
      clock,
      settlement: { concurrency: 2, batchSize: 10, chargeConcurrency: 5 },
    });
    const report = await core.settlement.run();
    expect(report).toMatchObject({ completed: 400, chargesSucceeded: 400, conflicts: 0 });
    // At most `concurrency` answer writes at once, whatever the number due (unbounded, 400 sessions
    // would mean up to 40 batches waiting at once).
    expect(mostAnswerWritesInFlight).toBeLessThanOrEqual(2);
    expect(mostSessionsInAnswerWrites).toBeLessThanOrEqual(2 * (10 + 5));
  });

  it('maxBatches bounds one run; the next run picks up the rest', async () => {
    const clock = createManualClock(addMinutes(START, 24 * 60));
    const adapter = createInMemoryAdapter({ clock });
    for (let i = 0; i < 50; i++) await adapter.sessions.insert(buildSession({ id: `m-${i}`, bookingId: `m-${i}`, scheduledStartAt: START }), []);
    const core = createSessionsCore({
      adapter,
      videoProvider: createFakeVideoProvider(),
      paymentGateway: createRecordingPaymentGateway(),
      clock,
      settlement: { batchSize: 10, maxBatches: 2 },
    });
    expect((await core.settlement.run()).completed).toBe(20);
    expect((await core.settlement.run()).completed).toBe(20);
    expect((await core.settlement.run()).completed).toBe(10);
  });

  it('refuses settlement options that would stall a run', () => {
    const adapter = createInMemoryAdapter();
    for (const settlement of [{ batchSize: 0 }, { chargeConcurrency: 0 }, { concurrency: 1.5 }, { leaseMinutes: -1 }]) {
      expect(() =>
        createSessionsCore({ adapter, videoProvider: createFakeVideoProvider(), paymentGateway: createRecordingPaymentGateway(), settlement }),
      ).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});
