import { earliestStudentJoin, type AttendanceRole } from '@itutor/sessions-core/adapter';
import { type AttendanceEntry, type VideoProviderName } from '@itutor/sessions-core';

/**
 * The wire form of a session's provider-reported attendance: what `GET {basePath}/sessions/{id}/attendance`
 * answers to the session's tutor or student. Only what a participant's UI needs, and nothing that
 * identifies anyone outside the session: no e-mails, no provider account or in-meeting ids, and no
 * display names (a provider's display name is whatever the participant typed, and for a Zoom dial-in
 * participant it is their phone number; the tutor and the student already know each other's names from
 * the booking). Type-only for browsers: `@itutor/sessions-core/client` re-exports these types, and the
 * conversion lives here, on the server side.
 */

/** One provider-reported join or leave, as a participant of the session may see it. */
export interface AttendanceEntryJson {
  /** The video provider that reported it. */
  readonly provider: VideoProviderName;
  /** Whom the host matched the participant to: the session's tutor, its student, or someone else (`unknown`). */
  readonly role: AttendanceRole;
  readonly kind: 'joined' | 'left';
  /** When it happened by the provider's account (ISO 8601). */
  readonly occurredAt: string;
}

/** What the entries add up to, for a UI. Every field is by the video provider's reports alone. */
export interface AttendanceSummaryJson {
  /**
   * True while the provider reports the student in the meeting: a participant matched to the student
   * joined and has not left since (each of the student's connections counted on its own, so a second
   * device keeps them in).
   */
  readonly studentInMeeting: boolean;
  /** The student's earliest reported join (ISO 8601), or `null`: the provider's evidence a no-show refusal cites. */
  readonly studentJoinedAt: string | null;
  /** True while the provider reports the tutor in the meeting (as `studentInMeeting`). */
  readonly tutorInMeeting: boolean;
  /** The tutor's earliest reported join (ISO 8601), or `null`. */
  readonly tutorJoinedAt: string | null;
  /** Participants the host could not match to the tutor or the student who are in the meeting now. */
  readonly unknownInMeeting: number;
}

/** The body of `GET {basePath}/sessions/{id}/attendance`. */
export interface SessionAttendanceJson {
  readonly sessionId: string;
  /** Every stored join and leave, oldest first. Empty until the provider reported one. */
  readonly entries: readonly AttendanceEntryJson[];
  readonly summary: AttendanceSummaryJson;
}

type PresenceInput = Pick<AttendanceEntry, 'role' | 'kind' | 'occurredAt' | 'participantId'>;

/**
 * How many connections of `role` are in the meeting after `entries` (oldest first): a participant id
 * pairs a join with its leave; reports without one are counted (a leave never goes below zero).
 */
function connectionsOf(entries: readonly PresenceInput[], role: AttendanceRole): number {
  const open = new Set<string>();
  let anonymous = 0;
  for (const e of entries) {
    if (e.role !== role) continue;
    if (e.participantId === null) anonymous = Math.max(0, anonymous + (e.kind === 'joined' ? 1 : -1));
    else if (e.kind === 'joined') open.add(e.participantId);
    else open.delete(e.participantId);
  }
  return open.size + anonymous;
}

/** The first join of `role` in `entries` (oldest first), as ISO 8601, or `null`. */
function firstJoin(entries: readonly PresenceInput[], role: AttendanceRole): string | null {
  return entries.find((e) => e.role === role && e.kind === 'joined')?.occurredAt.toISOString() ?? null;
}

/**
 * A session's stored attendance (core `core.attendance.list`) in its wire form: the entries without e-mails,
 * names or provider ids, and their summary. Entries are taken in time order (a join before a leave of
 * the same instant). For hosts that answer the route themselves or render the first state on the server.
 */
export function toSessionAttendanceJson(sessionId: string, entries: readonly AttendanceEntry[]): SessionAttendanceJson {
  const ordered = entries
    .slice()
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.kind === b.kind ? 0 : a.kind === 'joined' ? -1 : 1));
  return {
    sessionId,
    entries: ordered.map((e) => ({ provider: e.provider, role: e.role, kind: e.kind, occurredAt: e.occurredAt.toISOString() })),
    summary: {
      studentInMeeting: connectionsOf(ordered, 'student') > 0,
      // The same instant as core `earliestStudentJoin`, the evidence `markNoShow` weighs.
      studentJoinedAt: earliestStudentJoin(ordered)?.toISOString() ?? null,
      tutorInMeeting: connectionsOf(ordered, 'tutor') > 0,
      tutorJoinedAt: firstJoin(ordered, 'tutor'),
      unknownInMeeting: connectionsOf(ordered, 'unknown'),
    },
  };
}
