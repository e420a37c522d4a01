import { toPublicSession, type ProviderConnection, type PublicSession } from '@itutor/sessions-core';
import type { SessionAttendanceJson } from '@itutor/sessions-core/client';
import type { ProviderConnectionJson } from '../src/connect';
import { buildSession } from '@itutor/sessions-core/testing';

/** The scheduled start of the fixture session: 15:00 UTC on 15 January 2026. */
export const START = new Date('2026-01-15T15:00:00.000Z');

/** A public session (60 minutes, TTD 150.00) built by core's `buildSession`; override anything. */
export function makeSession(overrides: Partial<PublicSession> = {}): PublicSession {
  const { scheduledStartAt = START, durationMinutes = 60, ...rest } = overrides;
  const base = toPublicSession(
    buildSession({ id: '00000000-0000-4000-8000-000000000001', bookingId: 'booking-1', scheduledStartAt, durationMinutes }),
  );
  return { ...base, ...rest };
}

/** `START` shifted by whole minutes and seconds. */
export const at = (minutes: number, seconds = 0) => new Date(START.getTime() + minutes * 60_000 + seconds * 1000);

/** A JSON `Response` (problem+json when `status` is 4xx). */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });
}

/** When the fixture tutor connected their provider: 14:30 UTC on 10 January 2026. */
export const CONNECTED_AT = new Date('2026-01-10T14:30:00.000Z');

/** A tutor's Zoom connection, `connected` since {@link CONNECTED_AT} (no tokens: the core's type has none); override anything. */
export function makeConnection(overrides: Partial<ProviderConnection> = {}): ProviderConnection {
  return {
    tutorId: 'tutor-1',
    provider: 'zoom',
    status: 'connected',
    externalAccountId: 'zoom-user-1',
    version: 1,
    connectedAt: CONNECTED_AT,
    updatedAt: CONNECTED_AT,
    ...overrides,
  };
}

/** A connection in its JSON form (what a host's API sends). */
export function connectionJson(overrides: Partial<ProviderConnection> = {}): ProviderConnectionJson {
  const c = makeConnection(overrides);
  return { ...c, connectedAt: c.connectedAt.toISOString(), updatedAt: c.updatedAt.toISOString() };
}

/**
 * The body of `GET /api/sessions/{id}/attendance` for the fixture session (no entries: only the summary
 * is read by the UI), with summary overrides.
 */
export function attendanceJson(
  summary: Partial<SessionAttendanceJson['summary']> = {},
  sessionId = '00000000-0000-4000-8000-000000000001',
): SessionAttendanceJson {
  return {
    sessionId,
    entries: [],
    summary: { studentInMeeting: false, studentJoinedAt: null, tutorInMeeting: false, tutorJoinedAt: null, unknownInMeeting: 0, ...summary },
  };
}
