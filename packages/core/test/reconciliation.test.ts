import fc from 'fast-check';
import { addMinutes, addSeconds } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { autoNoShowEvidence, transition, type MeetingLookup, type MeetingTimes } from '@itutor/sessions-core/adapter';
import {
  createSessionsCore,
  definePolicy,
  type AttendanceEntry,
  type MatchParticipant,
  type MeetingEventInput,
  type SessionPolicy,
  type SettlementOptions,
  type VideoProvider,
} from '@itutor/sessions-core';
import {
  buildSession,
  createFakeVideoProvider,
  createInMemoryAdapter,
  createManualClock,
  createRecordingPaymentGateway,
} from '@itutor/sessions-core/testing';
import { booking, START } from './support/core-fixture';

/**
 * Reconciliation before settlement (a due session whose meeting end is unknown is settled on the
 * provider's answer, and retried later — not guessed — while the provider cannot answer) and the
 * automatic no-show from provider attendance (a policy switch, off by default).
 */

type Lookup = (input: MeetingLookup) => Promise<MeetingTimes | null>;

const byEmail: MatchParticipant = ({ participant }) =>
  participant.email === 'tutor@example.com' ? 'tutor' : participant.email === 'student@example.com' ? 'student' : 'unknown';

async function setup(
  options: { lookup?: Lookup; policy?: Partial<SessionPolicy>; settlement?: SettlementOptions } = {},
) {
  const clock = createManualClock(addMinutes(START, -24 * 60));
  const adapter = createInMemoryAdapter({ clock });
  const fake = createFakeVideoProvider();
  const lookups: MeetingLookup[] = [];
  let lookup: Lookup | undefined = options.lookup;
  const videoProvider: VideoProvider = {
    createMeeting: (input) => fake.createMeeting(input),
    deleteMeeting: (input) => fake.deleteMeeting(input),
    ...(lookup
      ? {
          getMeetingTimes: (input: MeetingLookup) => {
            lookups.push(input);
            return lookup!(input);
          },
        }
      : {}),
  };
  const gateway = createRecordingPaymentGateway();
  const core = createSessionsCore({
    adapter,
    videoProvider,
    paymentGateway: gateway,
    clock,
    policy: options.policy,
    settlement: options.settlement,
    matchParticipant: byEmail,
  });
  await core.providers.connect({
    tutorId: 'tutor-a',
    provider: 'zoom',
    tokens: { accessToken: { keyId: 'k1', ciphertext: 'sealed-a' }, refreshToken: { keyId: 'k1', ciphertext: 'sealed-r' }, expiresAt: null },
  });
  const { session } = await core.sessions.create(booking());
  let n = 0;
  const event = (kind: MeetingEventInput['kind'], at: Date, who?: 'tutor' | 'student' | 'stranger', participantId = `p-${who}`): MeetingEventInput => ({
    provider: 'zoom',
    eventId: `evt-${++n}`,
    kind,
    meetingId: session.meetingId,
    instanceId: 'uuid-1',
    occurredAt: at,
    receivedAt: at,
    ...(who ? { participant: { email: `${who}@example.com`, name: who, providerUserId: null, participantId } } : {}),
  });
  const setLookup = (next: Lookup) => {
    lookup = next;
  };
  return { clock, adapter, gateway, core, session, lookups, event, setLookup };
}

const END = addMinutes(START, 60);

describe('reconciliation before settlement', () => {
  it('an early end the webhook never delivered is learnt from the provider: EARLY_END_SHORT, nothing charged', async () => {
    const { core, clock, session, gateway, adapter, lookups } = await setup({
      lookup: async () => ({ startedAt: START, endedAt: addMinutes(START, 20) }),
    });
    clock.set(END);
    const report = await core.settlement.run();
    expect(report).toMatchObject({ earlyEnded: 1, completed: 0, meetingEndsReconciled: 1, settlementsDeferred: 0 });
    expect(lookups).toEqual([expect.objectContaining({ provider: 'zoom', tutorId: 'tutor-a', meetingId: session.meetingId })]);
    expect(lookups[0]!.signal).toBeInstanceOf(AbortSignal);
    const settled = (await core.sessions.get(session.id))!;
    expect(settled).toMatchObject({ status: 'EARLY_END_SHORT', chargeAmountMinor: 0, meetingEndedAt: addMinutes(START, 20) });
    expect(settled.version).toBe(session.version + 2); // one write: the end and the outcome together
    expect(gateway.instructions).toHaveLength(0);
    const events = await adapter.raw.events(session.id);
    const ended = events.find((e) => e.type === 'session.meeting_ended')!;
    expect(ended.payload).toMatchObject({ endedAt: addMinutes(START, 20).toISOString(), source: 'reconciliation' });
    expect(events.map((e) => e.type).slice(-2)).toEqual(['session.meeting_ended', 'session.settled']);
  });

  it('no record, or a meeting still running: the usual rules (full charge); an end after the scheduled end is recorded', async () => {
    for (const answer of [null, { startedAt: START, endedAt: null }, { startedAt: START, endedAt: addMinutes(END, 2) }] as const) {
      const { core, clock, session, gateway } = await setup({ lookup: async () => answer });
      clock.set(addMinutes(END, 3));
      const report = await core.settlement.run();
      expect(report).toMatchObject({ completed: 1, settlementsDeferred: 0, meetingEndsReconciled: answer?.endedAt ? 1 : 0 });
      const settled = (await core.sessions.get(session.id))!;
      expect(settled.status).toBe('COMPLETED_ASSUMED');
      expect(settled.meetingEndedAt).toEqual(answer?.endedAt ?? null);
      expect(gateway.instructions).toHaveLength(1);
      expect(gateway.instructions[0]!.amountMinor).toBe(15_000);
    }
  });

  it('an end already reported by a webhook is not asked again', async () => {
    const { core, clock, session, lookups } = await setup({ lookup: async () => ({ startedAt: START, endedAt: addMinutes(START, 5) }) });
    clock.set(addMinutes(START, 40));
    await core.sessions.recordMeetingEnded({ sessionId: session.id, endedAt: addMinutes(START, 40) });
    clock.set(END);
    expect(await core.settlement.run()).toMatchObject({ earlyEnded: 1, meetingEndsReconciled: 0 });
    expect(lookups).toHaveLength(0);
    expect((await core.sessions.get(session.id))!.meetingEndedAt).toEqual(addMinutes(START, 40));
  });

  it('a provider that is down: not settled and not charged; the next run after the lease settles on its answer', async () => {
    const { core, clock, session, gateway, setLookup, lookups } = await setup({
      lookup: async () => {
        throw new Error('503 from api.zoom.us');
      },
    });
    clock.set(END);
    expect(await core.settlement.run()).toMatchObject({ settlementsDeferred: 1, completed: 0, earlyEnded: 0 });
    const waiting = (await core.sessions.get(session.id))!;
    expect(waiting).toMatchObject({ status: 'SCHEDULED', version: session.version, meetingEndedAt: null });
    expect(gateway.instructions).toHaveLength(0);
    // Within the lease nothing asks again (no hammering of a provider that is down).
    clock.set(addMinutes(END, 2));
    expect(await core.settlement.run()).toMatchObject({ settlementsDeferred: 0, completed: 0 });
    expect(lookups).toHaveLength(1);
    setLookup(async () => ({ startedAt: START, endedAt: addMinutes(START, 30) }));
    clock.set(addMinutes(END, 6));
    expect(await core.settlement.run()).toMatchObject({ earlyEnded: 1, meetingEndsReconciled: 1 });
    expect((await core.sessions.get(session.id))!.status).toBe('EARLY_END_SHORT');
    expect(gateway.instructions).toHaveLength(0);
  });

  it('a provider that hangs: the run ends after the lookup limit, within its budget, and settles nothing', async () => {
    const { core, clock, session, gateway, lookups } = await setup({
      lookup: (input) =>
        new Promise((_, reject) => {
          input.signal?.addEventListener('abort', () => reject(input.signal!.reason));
        }),
      settlement: { reconcileTimeoutMs: 200, chargeTimeoutMs: 100, runBudgetMs: 1_000 },
    });
    clock.set(END);
    const started = Date.now();
    expect(await core.settlement.run()).toMatchObject({ settlementsDeferred: 1, completed: 0 });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1_000);
    expect(lookups[0]!.signal!.aborted).toBe(true); // the provider call is told to stop
    expect((await core.sessions.get(session.id))!.status).toBe('SCHEDULED');
    expect(gateway.instructions).toHaveLength(0);
  });

  it('no lookup starts that could not finish within the run budget: that session waits for the next run', async () => {
    const { core, clock, lookups } = await setup({
      lookup: () => new Promise((resolve) => setTimeout(() => resolve({ startedAt: START, endedAt: null }), 300)),
      settlement: { reconcileTimeoutMs: 900, chargeTimeoutMs: 100, runBudgetMs: 1_000, reconcileConcurrency: 1 },
    });
    await core.sessions.create(booking());
    clock.set(END);
    // The first lookup starts at once (900 ms fit in the 1 s budget) and answers after 300 ms; the
    // second would end after the budget, so it is not started.
    const started = Date.now();
    expect(await core.settlement.run()).toMatchObject({ completed: 1, settlementsDeferred: 1 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(lookups).toHaveLength(1);
  });

  it('past the reconciliation window the session is settled on what is known, and the audit event says so', async () => {
    const { core, clock, session, gateway, adapter } = await setup({
      lookup: async () => {
        throw new Error('Zoom is down');
      },
      settlement: { reconcileForMinutes: 30 },
    });
    clock.set(addMinutes(END, 31));
    expect(await core.settlement.run()).toMatchObject({ completed: 1, settlementsDeferred: 0 });
    expect(gateway.instructions).toHaveLength(1);
    const settled = (await adapter.raw.events(session.id)).find((e) => e.type === 'session.settled')!;
    expect(settled.payload).toMatchObject({ outcome: 'COMPLETED_ASSUMED', meetingEndUnknown: 'provider_unavailable' });
  });

  it('a malformed provider answer counts as unavailable, never as an end', async () => {
    const { core, clock, session } = await setup({
      lookup: async () => ({ startedAt: null, endedAt: 'yesterday' as unknown as Date }),
    });
    clock.set(END);
    expect(await core.settlement.run()).toMatchObject({ settlementsDeferred: 1 });
    expect((await core.sessions.get(session.id))!.status).toBe('SCHEDULED');
  });

  it('an end before the session could start is not used (the usual rules apply)', async () => {
    const { core, clock, session } = await setup({ lookup: async () => ({ startedAt: null, endedAt: addMinutes(START, -30) }) });
    clock.set(END);
    expect(await core.settlement.run()).toMatchObject({ completed: 1, meetingEndsReconciled: 0 });
    expect((await core.sessions.get(session.id))!.meetingEndedAt).toBeNull();
  });

  it('many due sessions: lookups run at most reconcileConcurrency at once, every session is settled once', async () => {
    let inFlight = 0;
    let most = 0;
    const { core, clock } = await setup({
      lookup: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { startedAt: START, endedAt: addMinutes(START, 10) };
      },
      settlement: { reconcileConcurrency: 4 },
    });
    for (let i = 0; i < 30; i++) await core.sessions.create(booking());
    clock.set(END);
    expect(await core.settlement.run()).toMatchObject({ earlyEnded: 31, meetingEndsReconciled: 31 });
    expect(most).toBe(4);
  });

  it('refuses a lookup limit at or beyond the run budget', () => {
    expect(() =>
      createSessionsCore({
        adapter: createInMemoryAdapter(),
        videoProvider: createFakeVideoProvider(),
        paymentGateway: createRecordingPaymentGateway(),
        settlement: { reconcileTimeoutMs: 50_000 },
      }),
    ).toThrow(/runBudgetMs must exceed reconcileTimeoutMs/);
  });
});

describe('automatic no-show from provider attendance (policy autoNoShowFromAttendance)', () => {
  // 60-minute session: the wait ends 19 minutes after the start (33 % rounded down).
  const waitEnd = addMinutes(START, 19);

  it('tutor in the meeting for the whole wait, student never: settled NO_SHOW_STUDENT at the scheduled end (50 %)', async () => {
    const { core, clock, session, event, gateway, adapter } = await setup({ policy: { autoNoShowFromAttendance: true } });
    clock.set(addMinutes(START, 30));
    await core.attendance.record(event('participant.joined', addMinutes(START, -2), 'tutor'));
    await core.attendance.record(event('participant.joined', addMinutes(START, 1), 'stranger')); // an unknown guest is not the student
    await core.attendance.record(event('participant.left', addMinutes(START, 25), 'tutor'));
    clock.set(END);
    expect(await core.settlement.run()).toMatchObject({ noShows: 1, completed: 0 });
    const settled = (await core.sessions.get(session.id))!;
    expect(settled).toMatchObject({ status: 'NO_SHOW_STUDENT', chargeAmountMinor: 7_500, payoutAmountMinor: 6_750, platformFeeMinor: 750 });
    expect(gateway.instructions[0]).toMatchObject({ outcome: 'NO_SHOW_STUDENT', amountMinor: 7_500 });
    const marked = (await adapter.raw.events(session.id)).find((e) => e.type === 'session.no_show_marked')!;
    expect(marked.actor).toBe('system');
    expect(marked.payload).toMatchObject({ automatic: true, tutorPresentFrom: addMinutes(START, -2).toISOString(), waitEndedAt: waitEnd.toISOString() });
  });

  it('off by default: the same attendance settles by the usual rules', async () => {
    const { core, clock, session, event } = await setup();
    clock.set(addMinutes(START, 30));
    await core.attendance.record(event('participant.joined', START, 'tutor'));
    clock.set(END);
    expect(await core.settlement.run()).toMatchObject({ noShows: 0, completed: 1 });
    expect((await core.sessions.get(session.id))!.status).toBe('COMPLETED_ASSUMED');
  });

  it('never when the student came at all (late, or by our Join button), or the tutor was not there for the whole wait', async () => {
    const cases: Array<[string, (s: Awaited<ReturnType<typeof setup>>) => Promise<void>]> = [
      ['student joined late on Zoom', async ({ core, event }) => {
        await core.attendance.record(event('participant.joined', START, 'tutor'));
        await core.attendance.record(event('participant.joined', addMinutes(START, 25), 'student'));
      }],
      ['student clicked Join', async ({ core, event, session, clock }) => {
        await core.attendance.record(event('participant.joined', START, 'tutor'));
        clock.set(addMinutes(START, 40));
        await core.sessions.join({ sessionId: session.id, userId: 'student-a' });
      }],
      ['tutor joined after the start', async ({ core, event }) => {
        await core.attendance.record(event('participant.joined', addMinutes(START, 2), 'tutor'));
      }],
      ['tutor left during the wait', async ({ core, event }) => {
        await core.attendance.record(event('participant.joined', START, 'tutor'));
        await core.attendance.record(event('participant.left', addMinutes(START, 10), 'tutor'));
      }],
      ['no attendance at all', async () => {}],
    ];
    for (const [name, arrange] of cases) {
      const fixture = await setup({ policy: { autoNoShowFromAttendance: true } });
      fixture.clock.set(addMinutes(START, 30));
      await arrange(fixture);
      fixture.clock.set(END);
      const report = await fixture.core.settlement.run();
      expect(report.noShows, name).toBe(0);
      expect((await fixture.core.sessions.get(fixture.session.id))!.status, name).toBe('COMPLETED_ASSUMED');
    }
  });

  it('a tutor who rejoined (or was on two devices) without a gap is present; the early end then does not matter', async () => {
    const { core, clock, session, event } = await setup({ policy: { autoNoShowFromAttendance: true } });
    clock.set(addMinutes(START, 30));
    await core.attendance.record(event('participant.joined', START, 'tutor', 'laptop'));
    await core.attendance.record(event('participant.joined', addMinutes(START, 5), 'tutor', 'phone'));
    await core.attendance.record(event('participant.left', addMinutes(START, 8), 'tutor', 'laptop'));
    await core.attendance.record(event('participant.left', addMinutes(START, 21), 'tutor', 'phone'));
    await core.attendance.record(event('meeting.ended', addMinutes(START, 21)));
    clock.set(END);
    expect(await core.settlement.run()).toMatchObject({ noShows: 1 });
    expect((await core.sessions.get(session.id))!.status).toBe('NO_SHOW_STUDENT');
  });
});

describe('autoNoShowEvidence (property)', () => {
  const session = buildSession({ scheduledStartAt: START, durationMinutes: 60 });
  const minute = fc.integer({ min: -10, max: 70 });
  const entryArb = fc.record({
    role: fc.constantFrom<AttendanceEntry['role']>('tutor', 'student', 'unknown'),
    kind: fc.constantFrom<'joined' | 'left'>('joined', 'left'),
    at: minute,
    participantId: fc.constantFrom('a', 'b', null),
  });
  const toEntries = (raw: Array<{ role: AttendanceEntry['role']; kind: 'joined' | 'left'; at: number; participantId: string | null }>) =>
    raw.map((e) => ({ role: e.role, kind: e.kind, occurredAt: addMinutes(START, e.at), participantId: e.participantId }));

  /** Brute force at half-minute steps: is some tutor participant in the meeting at instant t? */
  function presentAt(entries: ReturnType<typeof toEntries>, t: number): boolean {
    const sorted = entries
      .filter((e) => e.role === 'tutor')
      .map((e, i) => ({ ...e, i }))
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.kind === b.kind ? a.i - b.i : a.kind === 'joined' ? -1 : 1));
    const open = new Map<string, number>();
    for (const e of sorted) {
      const at = (e.occurredAt.getTime() - START.getTime()) / 60_000;
      const key = e.participantId ?? '';
      if (e.kind === 'joined') {
        if (!open.has(key)) open.set(key, at);
      } else {
        const from = open.get(key);
        if (from !== undefined && from <= t && t <= at) return true;
        open.delete(key);
      }
    }
    return [...open.values()].some((from) => from <= t);
  }

  it('gives evidence exactly when no student join exists and a tutor is present at every instant of the wait', () => {
    let withEvidence = 0;
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 12 }), (raw) => {
        const entries = toEntries(raw);
        const evidence = autoNoShowEvidence(session, entries);
        const studentSeen = entries.some((e) => e.role === 'student' && e.kind === 'joined');
        let covered = true;
        for (let t = 0; t <= 19; t += 0.5) covered &&= presentAt(entries, t);
        expect(evidence !== null).toBe(!studentSeen && covered);
        if (evidence) expect(evidence.waitEndedAt).toEqual(session.noShowEligibleAt);
        if (evidence) withEvidence++;
      }),
      { numRuns: 3_000 },
    );
    expect(withEvidence).toBeGreaterThan(20); // the generator reaches both answers
  });

  it('a Join-button join rules it out whatever the provider says', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 8 }), fc.integer({ min: -5, max: 90 }), (raw, joinedAt) => {
        const s = { ...session, studentJoinedAt: addSeconds(START, joinedAt * 60) };
        expect(autoNoShowEvidence(s, toEntries(raw))).toBeNull();
      }),
    );
  });

  it('the state machine settles NO_SHOW_STUDENT on the evidence only with the switch on', () => {
    const entries = toEntries([{ role: 'tutor', kind: 'joined', at: -1, participantId: 'a' }]);
    const now = addMinutes(START, 60);
    const on = transition(session, { type: 'SETTLE', attendance: entries }, now, definePolicy({ autoNoShowFromAttendance: true }));
    const off = transition(session, { type: 'SETTLE', attendance: entries }, now, definePolicy());
    expect(on.ok && on.session.status).toBe('NO_SHOW_STUDENT');
    expect(off.ok && off.session.status).toBe('COMPLETED_ASSUMED');
    expect(() => definePolicy({ autoNoShowFromAttendance: 'yes' as unknown as boolean })).toThrow(/autoNoShowFromAttendance must be a boolean/);
  });
});
