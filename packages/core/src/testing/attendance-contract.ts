import type { AttendanceEntry, Session, SessionEventDraft } from '@itutor/sessions-core';
import { addMinutes } from 'date-fns';
import { buildSession } from './builders';
import type { AdapterContractHarness } from './contract';

/** What the main suite lends the attendance cases. */
export interface AttendanceCaseKit {
  readonly t: (name: string, body: (h: AdapterContractHarness) => Promise<void>) => void;
  readonly check: (condition: unknown, message: string) => void;
  readonly insert: (h: AdapterContractHarness, s: Session) => Promise<Session>;
  readonly uuid: (n: number) => string;
  readonly start: Date;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/**
 * The adapter contract's attendance cases (run only for adapters with `attendance`): lookup of a session
 * by its meeting, exactly-once storage per (provider, eventId) under replay and racing deliveries (with
 * its audit event, or none), unknown participants kept, every field round-tripped, and the ignored-report
 * log deduplicated by event id.
 */
export function attendanceContractCases(kit: AttendanceCaseKit): void {
  const { t, check, insert, uuid, start } = kit;

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
  const recorded = async (h: AdapterContractHarness, s: Session) =>
    (await h.raw.events(s.id)).filter((e) => e.type === 'attendance.recorded');

  t('finds a session by (provider, meetingId); other providers and unknown meetings are null', async (h) => {
    const attendance = h.adapter.attendance;
    if (!attendance) return; // optional port
    const zoom = await insert(h, buildSession({ id: uuid(901), bookingId: 'b-att-zoom', scheduledStartAt: start, meetingId: '85000000901' }));
    const meet = await insert(
      h,
      buildSession({ id: uuid(902), bookingId: 'b-att-meet', scheduledStartAt: start, provider: 'google_meet', meetingId: 'spaces/att902' }),
    );
    check((await attendance.findSessionByMeeting('zoom', '85000000901'))?.id === zoom.id, 'the Zoom session is found by its meeting');
    check((await attendance.findSessionByMeeting('google_meet', 'spaces/att902'))?.id === meet.id, 'the Meet session is found by its space');
    check((await attendance.findSessionByMeeting('google_meet', '85000000901')) === null, 'a meeting id of another provider is not a match');
    check((await attendance.findSessionByMeeting('zoom', 'nope')) === null, 'an unknown meeting is null');
  });

  t('stores a join once per (provider, eventId) with its event; a replay writes nothing; every field round-trips', async (h) => {
    const attendance = h.adapter.attendance;
    if (!attendance || !h.raw.attendance) return;
    const s = await insert(h, buildSession({ id: uuid(903), bookingId: 'b-att-once', scheduledStartAt: start }));
    const first = entry(s, 'evt-1');
    check((await attendance.record(first, audit(first, s))) === true, 'the first record writes');
    check((await attendance.record(first, audit(first, s))) === false, 'a replay of the same event writes nothing');
    check((await attendance.record({ ...first, kind: 'left' }, audit(first, s))) === false, 'the same event id with other data writes nothing');
    const rows = await h.raw.attendance(s.id);
    check(rows.length === 1, `one row after a replay, got ${rows.length}`);
    const row = rows[0]!;
    for (const key of Object.keys(first) as Array<keyof AttendanceEntry>) {
      const a = row[key];
      const e = first[key];
      const same = e instanceof Date || a instanceof Date ? iso(a as Date) === iso(e as Date) : a === e;
      check(same, `field ${key} is ${JSON.stringify(a)}, expected ${JSON.stringify(e)}`);
    }
    check((await recorded(h, s)).length === 1, 'one attendance.recorded event, none for the replay');
    // The key is (provider, eventId): the same id from the other provider is another event.
    const other = entry(s, 'evt-1', { provider: 'google_meet', kind: 'left', occurredAt: addMinutes(s.scheduledStartAt, 9) });
    check((await attendance.record(other, audit(other, s))) === true, 'the same event id of another provider is stored');
    const listed = await attendance.listBySession(s.id);
    check(listed.length === 2 && listed[0]!.kind === 'joined' && listed[1]!.kind === 'left', 'listBySession is by occurredAt');
  });

  t('keeps unknown participants with null identity fields', async (h) => {
    const attendance = h.adapter.attendance;
    if (!attendance) return;
    const s = await insert(h, buildSession({ id: uuid(904), bookingId: 'b-att-unknown', scheduledStartAt: start }));
    const guest = entry(s, 'evt-guest', {
      role: 'unknown',
      participantEmail: null,
      participantName: null,
      participantProviderUserId: null,
      participantId: null,
      instanceId: null,
    });
    check(await attendance.record(guest, audit(guest, s)), 'an unknown participant is stored');
    const [row] = await attendance.listBySession(s.id);
    check(row?.role === 'unknown' && row.participantEmail === null && row.instanceId === null, 'the unknown participant is kept as it is');
  });

  t('racing deliveries of the same events: each stored exactly once, with one event each', async (h) => {
    const attendance = h.adapter.attendance;
    if (!attendance || !h.raw.attendance) return;
    const s = await insert(h, buildSession({ id: uuid(905), bookingId: 'b-att-race', scheduledStartAt: start }));
    const unique = Array.from({ length: 12 }, (_, i) =>
      entry(s, `evt-race-${i}`, { kind: i % 2 === 0 ? 'joined' : 'left', occurredAt: addMinutes(s.scheduledStartAt, i) }),
    );
    // Every event delivered three times, interleaved, all at once.
    const deliveries = [...unique, ...unique.slice().reverse(), ...unique];
    const results = await Promise.all(deliveries.map((e) => attendance.record(e, audit(e, s))));
    check(results.filter(Boolean).length === unique.length, `exactly ${unique.length} deliveries write, got ${results.filter(Boolean).length}`);
    check((await h.raw.attendance(s.id)).length === unique.length, 'one row per unique event');
    check((await recorded(h, s)).length === unique.length, 'one attendance.recorded event per unique event');
  });

  t('logs an ignored provider report once per event id', async (h) => {
    const attendance = h.adapter.attendance;
    if (!attendance) return;
    const s = await insert(h, buildSession({ id: uuid(906), bookingId: 'b-att-ignored', scheduledStartAt: start }));
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
    const logged = (await h.raw.events(s.id)).filter((e) => e.type === 'session.meeting_end_ignored');
    check(logged.length === 2, `two ignored reports logged, got ${logged.length}`);
  });
}
