import type { AttendanceEntry, Session } from '@itutor/sessions-core';
import type { SessionEventDraft } from '@itutor/sessions-core/adapter';
import { addMinutes } from 'date-fns';
import { buildSession } from './builders';
import type { AdapterContractHarness, ContractCaseKit } from './contract';
import { ATTENDANCE_KEYS, check, checkRecords, checkSession, type World } from './contract-kit';

/**
 * The contract's attendance cases (adapters with `attendance`; reported skipped otherwise): the lookup
 * of a session by its meeting and which one it picks when several share it (the newest), exactly-once
 * storage per (provider, eventId) under replay and racing deliveries (with its audit event, or none),
 * every field round-tripped, the list's order, unknown participants kept, and the ignored-report log
 * deduplicated by event id.
 */
export function attendanceContractCases({ t, start, uuid }: ContractCaseKit): void {
  const session = (n: number, over: Parameters<typeof buildSession>[0] = {}) => buildSession({ id: uuid(n), bookingId: `att-${n}`, scheduledStartAt: start, ...over });
  const entry = (s: Session, eventId: string, overrides: Partial<AttendanceEntry> = {}): AttendanceEntry => ({
    provider: s.provider,
    eventId,
    sessionId: s.id,
    role: 'student',
    kind: 'joined',
    participantEmail: 'student@example.com',
    participantName: 'Sam Student',
    participantProviderUserId: 'zoom-user-1',
    participantId: 'participant-1',
    instanceId: 'instance-1',
    occurredAt: addMinutes(s.scheduledStartAt, 2),
    receivedAt: addMinutes(s.scheduledStartAt, 3),
    ...overrides,
  });
  const audit = (e: AttendanceEntry, s: Session): SessionEventDraft => ({
    type: 'attendance.recorded',
    sessionId: s.id,
    tutorId: s.tutorId,
    actor: 'system',
    occurredAt: e.receivedAt,
    payload: { provider: e.provider, eventId: e.eventId, kind: e.kind, role: e.role },
  });
  /** The documented order of `listBySession`: `occurredAt`, then `eventId`. */
  const ordered = (entries: readonly AttendanceEntry[]) =>
    [...entries].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  /** Both reads against what must be stored; the raw reader's rows in any order. */
  const verify = async (h: AdapterContractHarness, w: World, s: Session, expected: readonly AttendanceEntry[], where: string) => {
    check(h.raw.attendance, 'an adapter with `attendance` needs a raw reader with `attendance`');
    checkRecords(await h.adapter.attendance!.listBySession(s.id), ordered(expected), ATTENDANCE_KEYS, `${where}: attendance.listBySession (by occurredAt, then eventId)`);
    const many = h.adapter.attendance!.listBySessions;
    if (many) {
      // The batched read answers the same lists, and nothing for sessions without entries.
      const batch = await many.call(h.adapter.attendance, [s.id, 'no-such-session', s.id]);
      checkRecords(batch.get(s.id) ?? [], ordered(expected), ATTENDANCE_KEYS, `${where}: attendance.listBySessions`);
      check((batch.get('no-such-session') ?? []).length === 0, `${where}: listBySessions answers no entries for an unknown session`);
    }
    checkRecords(ordered(await h.raw.attendance(s.id)), ordered(expected), ATTENDANCE_KEYS, `${where}: raw attendance`);
    await w.verify(s.id, where);
  };
  /** Records through the adapter; `writes` says whether it must write. */
  const record = async (h: AdapterContractHarness, w: World, s: Session, e: AttendanceEntry, writes: boolean) => {
    const wrote = await h.adapter.attendance!.record(e, audit(e, s));
    check(wrote === writes, `record of ${e.provider}/${e.eventId} answered ${wrote}, expected ${writes}`);
    if (writes) w.appended([audit(e, s)]);
  };

  t(
    'finds a session by (provider, meetingId): the newest when several share the meeting (greatest createdAt, then greatest id), whatever the insertion order',
    async (h, w) => {
      const attendance = h.adapter.attendance!;
      const meetingId = '85000000901';
      const t1 = addMinutes(start, -3000);
      const t2 = addMinutes(start, -2000);
      const t3 = addMinutes(start, -1000);
      // The newest is inserted first, an older one after it.
      const newest = await w.insert(session(905, { meetingId, createdAt: t3, updatedAt: t3 }));
      await w.insert(session(907, { meetingId, createdAt: t1, updatedAt: t1 }));
      await w.insert(session(909, { meetingId, createdAt: t2, updatedAt: t2 }));
      const meet = await w.insert(session(902, { provider: 'google_meet', meetingId: 'spaces/att902', joinUrl: 'https://meet.google.com/att-902' }));
      const expect = async (provider: Session['provider'], id: string, wanted: Session | null, where: string) => {
        const found = await attendance.findSessionByMeeting(provider, id);
        if (wanted === null) check(found === null, `${where}: expected null, got ${found?.bookingId}`);
        else checkSession(found, wanted, `${where} (found ${found?.bookingId ?? 'nothing'}, expected ${wanted.bookingId})`);
      };
      await expect('zoom', meetingId, newest, 'the newest of three sessions sharing a meeting');
      await expect('google_meet', 'spaces/att902', meet, 'the Meet session by its space');
      await expect('google_meet', meetingId, null, 'a meeting id of another provider');
      await expect('zoom', 'nope', null, 'an unknown meeting');
      // A tie on createdAt: the greatest id, whether inserted before or after.
      await w.insert(session(903, { meetingId, createdAt: t3, updatedAt: t3 }));
      await expect('zoom', meetingId, newest, 'a tie on createdAt with a smaller id inserted later');
      const tieHigh = await w.insert(session(906, { meetingId, createdAt: t3, updatedAt: t3 }));
      await expect('zoom', meetingId, tieHigh, 'a tie on createdAt with a greater id');
    },
    { port: 'attendance' },
  );

  t(
    'stores an entry once per (provider, eventId) with its event; a replay writes nothing; every field round-trips',
    async (h, w) => {
      const s = await w.insert(session(903));
      const first = entry(s, 'evt-1');
      await record(h, w, s, first, true);
      await record(h, w, s, first, false);
      await record(h, w, s, { ...first, kind: 'left' }, false);
      await verify(h, w, s, [first], 'after a replay');
      // The key is (provider, eventId): the same id from the other provider is another event.
      const other = entry(s, 'evt-1', { provider: 'google_meet', kind: 'left', occurredAt: addMinutes(s.scheduledStartAt, 9), participantId: null });
      await record(h, w, s, other, true);
      await verify(h, w, s, [first, other], 'after the other provider\'s event');
    },
    { port: 'attendance' },
  );

  t(
    'lists a session\'s entries by occurredAt, then eventId, whatever the order they arrived in',
    async (h, w) => {
      const s = await w.insert(session(904));
      const at = (m: number) => addMinutes(s.scheduledStartAt, m);
      const entries = [
        entry(s, 'evt-d', { occurredAt: at(5), kind: 'left' }),
        entry(s, 'evt-b', { occurredAt: at(1) }),
        entry(s, 'evt-c', { occurredAt: at(5), role: 'tutor', participantId: 'participant-2' }),
        entry(s, 'evt-a', { occurredAt: at(7), kind: 'left', role: 'tutor', participantId: 'participant-2' }),
        entry(s, 'evt-e', { occurredAt: at(-2), role: 'unknown', participantEmail: null, participantName: null, participantProviderUserId: null, participantId: null, instanceId: null }),
      ];
      for (const e of entries) await record(h, w, s, e, true);
      await verify(h, w, s, entries, 'after five entries');
    },
    { port: 'attendance' },
  );

  t(
    'racing deliveries of the same events: each stored exactly once, with one event each',
    async (h, w) => {
      const attendance = h.adapter.attendance!;
      const s = await w.insert(session(905));
      const unique = Array.from({ length: 12 }, (_, i) =>
        entry(s, `evt-race-${String(i).padStart(2, '0')}`, { kind: i % 2 === 0 ? 'joined' : 'left', occurredAt: addMinutes(s.scheduledStartAt, i) }),
      );
      // Every event delivered three times, interleaved, all at once.
      const deliveries = [...unique, ...unique.slice().reverse(), ...unique];
      const results = await Promise.all(deliveries.map((e) => attendance.record(e, audit(e, s))));
      check(results.filter(Boolean).length === unique.length, `exactly ${unique.length} deliveries write, got ${results.filter(Boolean).length}`);
      // Which delivery of an event wrote is open; the events appended are one per entry, in the order written.
      const events = (await h.raw.events(s.id)).filter((e) => e.type === 'attendance.recorded');
      check(events.length === unique.length, `one attendance.recorded event per unique event, got ${events.length}`);
      check(new Set(events.map((e) => e.payload.eventId)).size === unique.length, 'one event per entry');
      w.appended(events.map((e) => unique.find((u) => u.eventId === e.payload.eventId)!).map((e) => audit(e, s)));
      await verify(h, w, s, unique, 'after the race');
    },
    { port: 'attendance' },
  );

  t(
    'logs an ignored provider report once per event id',
    async (h, w) => {
      const attendance = h.adapter.attendance!;
      const s = await w.insert(session(906));
      const ignored = (eventId: string): SessionEventDraft => ({
        type: 'session.meeting_end_ignored',
        sessionId: s.id,
        tutorId: s.tutorId,
        actor: 'system',
        occurredAt: s.scheduledStartAt,
        payload: { provider: 'zoom', eventId, endedAt: addMinutes(s.joinOpensAt, -30).toISOString(), reason: 'end_before_start' },
      });
      check((await attendance.logIgnoredReport(ignored('end-1'))) === true, 'the first report is logged');
      check((await attendance.logIgnoredReport(ignored('end-1'))) === false, 'its replay is not');
      check((await attendance.logIgnoredReport(ignored('end-2'))) === true, 'another report is');
      w.appended([ignored('end-1'), ignored('end-2')]);
      await w.verify(s.id, 'after the ignored reports');
    },
    { port: 'attendance' },
  );
}
