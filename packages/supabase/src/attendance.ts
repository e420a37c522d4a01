import type { AttendanceEntry } from '@itutor/sessions-core';
import type { AttendanceRepository, AttendanceRole } from '@itutor/sessions-core/adapter';
import type { CallRepositoryFunction } from './functions';
import { eventToRow, rowToSession } from './rows';

/**
 * The core's `AttendanceRepository` over the attendance functions of the schema (table
 * `session_attendance`, one row per (provider, event_id)). Every method is one function call, hence one
 * round trip and one atomic step.
 */

type Json = Record<string, unknown>;

function instant(value: unknown, column: string): Date {
  const date = typeof value === 'string' ? new Date(value) : null;
  if (date === null || Number.isNaN(date.getTime())) throw new TypeError(`column ${column}: expected a timestamp, got ${JSON.stringify(value)}`);
  return date;
}
const strOrNull = (value: unknown) => (value === null || value === undefined ? null : (value as string));

/** An attendance entry → its row. */
export function attendanceToRow(a: AttendanceEntry): Json {
  return {
    provider: a.provider,
    event_id: a.eventId,
    session_id: a.sessionId,
    role: a.role,
    kind: a.kind,
    participant_email: a.participantEmail,
    participant_name: a.participantName,
    participant_provider_user_id: a.participantProviderUserId,
    participant_id: a.participantId,
    instance_id: a.instanceId,
    occurred_at: a.occurredAt.toISOString(),
    received_at: a.receivedAt.toISOString(),
  };
}

/** A row → the attendance entry. */
export function rowToAttendance(r: Json): AttendanceEntry {
  return {
    provider: r.provider as AttendanceEntry['provider'],
    eventId: r.event_id as string,
    sessionId: r.session_id as string,
    role: r.role as AttendanceRole,
    kind: r.kind as AttendanceEntry['kind'],
    participantEmail: strOrNull(r.participant_email),
    participantName: strOrNull(r.participant_name),
    participantProviderUserId: strOrNull(r.participant_provider_user_id),
    participantId: strOrNull(r.participant_id),
    instanceId: strOrNull(r.instance_id),
    occurredAt: instant(r.occurred_at, 'occurred_at'),
    receivedAt: instant(r.received_at, 'received_at'),
  };
}

function boolean(value: unknown, fn: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${fn} returned ${JSON.stringify(value)}, expected a boolean`);
  return value;
}

/** A session's attendance as the functions return it (a jsonb array of rows) → the entries. */
export function attendanceList(result: unknown): AttendanceEntry[] {
  if (!Array.isArray(result)) throw new TypeError(`itutor_list_session_attendance returned ${JSON.stringify(result)}, expected an array`);
  return (result as Json[]).map(rowToAttendance);
}

/** The attendance repository over a way to call the repository functions. */
export function createAttendanceRepository(call: CallRepositoryFunction): AttendanceRepository {
  return {
    async findSessionByMeeting(provider, meetingId) {
      if (typeof meetingId !== 'string' || typeof provider !== 'string') return null;
      const row = (await call('itutor_find_session_by_meeting', { p_provider: provider, p_meeting_id: meetingId })) as Json | null;
      return row === null ? null : rowToSession(row);
    },
    async record(entry, event) {
      return boolean(await call('itutor_record_attendance', { p_entry: attendanceToRow(entry), p_event: eventToRow(event) }), 'itutor_record_attendance');
    },
    async listBySession(sessionId) {
      if (typeof sessionId !== 'string') return [];
      return attendanceList(await call('itutor_list_session_attendance', { p_session_id: sessionId }));
    },
    async listBySessions(sessionIds) {
      const ids = [...new Set(sessionIds.filter((id): id is string => typeof id === 'string'))];
      if (ids.length === 0) return new Map();
      const result = await call('itutor_list_attendance_for_sessions', { p_session_ids: ids.slice(0, 1000) });
      if (typeof result !== 'object' || result === null || Array.isArray(result)) {
        throw new TypeError(`itutor_list_attendance_for_sessions returned ${JSON.stringify(result)}, expected an object`);
      }
      return new Map(Object.entries(result as Json).map(([id, rows]) => [id, attendanceList(rows)]));
    },
    async logIgnoredReport(event) {
      return boolean(await call('itutor_log_ignored_provider_report', { p_event: eventToRow(event) }), 'itutor_log_ignored_provider_report');
    },
  };
}
