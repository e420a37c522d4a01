import { isBefore } from 'date-fns';
import { SessionError } from '../errors';
import type { Session, SessionEventDraft, VideoProviderName } from './model';


/**
 * How far in the future (by our clock) a provider's meeting end may be and still count, as "now": the
 * provider's clock and ours differ by a little. Further ahead, the report is ignored and logged.
 */
export const MEETING_END_CLOCK_SKEW_MINUTES = 5;

/**
 * Attendance: who really joined and left the meeting, as the video provider reports it (Zoom webhooks,
 * Google Meet Workspace Events). The core stores every reported join and leave once (deduplicated by the
 * provider's event identity), matched to the session's tutor or student by a host function; unknown
 * participants are kept but never count as the student.
 *
 * The input shape mirrors `ProviderMeetingEvent` of `@itutor/sessions-video` structurally, so the video
 * package's webhook routes can hand their events to `core.attendance.record` directly; the core does not
 * depend on the video package.
 */

/** What a provider reported about a meeting (same kinds as the video package's `ProviderMeetingEventKind`). */
export type MeetingEventKind = 'meeting.started' | 'meeting.ended' | 'participant.joined' | 'participant.left';

/**
 * Who joined or left, as far as the provider tells. Every field may be `null`: guests have no account,
 * Zoom omits the e-mail of people who are not signed in, and Meet's events carry no identity at all
 * (only a participant resource name) unless the host's `describeParticipant` fills it in. Matching a
 * participant to the session's tutor or student is the host's job; an unmatched participant must never
 * count as the student.
 */
export interface MeetingParticipant {
  /** The e-mail the provider reports (Zoom: `participant.email`, often empty for guests). */
  readonly email: string | null;
  /** The display name (Zoom: `participant.user_name`; Meet: only through `describeParticipant`). */
  readonly name: string | null;
  /**
   * The provider account of a signed-in participant (Zoom: `participant_user_id`, else `participant.id`;
   * Meet: `signedinUser.user`, only through `describeParticipant`).
   */
  readonly providerUserId: string | null;
  /**
   * This participant's identity inside the meeting, which pairs a join with its leave (Zoom:
   * `participant_uuid`, else the per-meeting `user_id`; Meet: the participant resource
   * `conferenceRecords/{c}/participants/{p}`).
   */
  readonly participantId: string | null;
}

/**
 * A verified, normalised provider meeting event: the core-side input of `core.attendance.record`. A
 * `ProviderMeetingEvent` from `@itutor/sessions-video` fits as it is.
 */
export interface MeetingEventInput {
  readonly provider: VideoProviderName;
  /** The provider's identity of this event, stable across retries and replays (deduplicated with `provider`). */
  readonly eventId: string;
  readonly kind: MeetingEventKind;
  /** The meeting as stored in the session's `meetingId`. */
  readonly meetingId: string;
  /** One occurrence of the meeting, when the provider sent it. */
  readonly instanceId?: string | null;
  /** When it happened by the provider's account (not when it reached us). */
  readonly occurredAt: Date;
  /** When the route accepted it. */
  readonly receivedAt: Date;
  /** For `participant.joined` / `participant.left` only. */
  readonly participant?: MeetingParticipant | null;
}

/** Whom a reported participant is, for the session: its tutor, its student, or someone else. */
export type AttendanceRole = 'tutor' | 'student' | 'unknown';

/**
 * The host's matching of a provider participant to the session's tutor or student (by e-mail, provider
 * account, …). Anything but `'tutor'` or `'student'` counts as `'unknown'`, and so does a participant the
 * host cannot place: an unknown participant never counts as the student. A throw fails the delivery (the
 * provider retries it).
 */
export type MatchParticipant = (input: {
  readonly session: Session;
  readonly provider: VideoProviderName;
  readonly participant: MeetingParticipant;
}) => AttendanceRole | Promise<AttendanceRole>;

/** One stored join or leave. */
export interface AttendanceEntry {
  readonly provider: VideoProviderName;
  /** Unique with `provider`: a replayed event is never stored twice. */
  readonly eventId: string;
  readonly sessionId: string;
  readonly role: AttendanceRole;
  readonly kind: 'joined' | 'left';
  readonly participantEmail: string | null;
  readonly participantName: string | null;
  readonly participantProviderUserId: string | null;
  readonly participantId: string | null;
  readonly instanceId: string | null;
  readonly occurredAt: Date;
  readonly receivedAt: Date;
}

/**
 * Storage of provider-reported attendance (optional on the adapter: without it `core.attendance.record`
 * refuses with `ATTENDANCE_NOT_SUPPORTED` and a no-show is judged on the Join button alone).
 */
export interface AttendanceRepository {
  /**
   * The session whose meeting is `meetingId` on `provider`, or `null`. When several sessions share the
   * meeting (a recurring meeting room), the newest: the greatest `createdAt`, and among those the greatest
   * `id` (whatever order they were inserted in). Must use an index (adapters: on sessions (provider, meeting_id)).
   */
  findSessionByMeeting(provider: VideoProviderName, meetingId: string): Promise<Session | null>;
  /**
   * Stores `entry` together with `event` (its `attendance.recorded` audit event) in one atomic step,
   * unless an entry with the same (`provider`, `eventId`) exists: then writes nothing (neither row nor
   * event). Resolves whether it wrote. Racing records of one event: exactly one writes.
   */
  record(entry: AttendanceEntry, event: SessionEventDraft): Promise<boolean>;
  /** A session's entries, by `occurredAt` (then `eventId`). */
  listBySession(sessionId: string): Promise<AttendanceEntry[]>;
  /**
   * Optional: the entries of several sessions in one read, each list as `listBySession` answers it; a
   * session without entries may be left out of the map. Settlement reads a batch's attendance with it in
   * one round trip (without it, one `listBySession` per session that needs it). At most 1000 ids a call.
   */
  listBySessions?(sessionIds: readonly string[]): Promise<ReadonlyMap<string, AttendanceEntry[]>>;
  /**
   * Appends a `session.meeting_end_ignored` event (a provider's end report the rules ignored), unless the
   * session already has one for the same `payload.eventId`. Resolves whether it wrote.
   */
  logIgnoredReport(event: SessionEventDraft): Promise<boolean>;
}

/** The earliest provider-reported join of the participant the host matched to `role`, or `null`. */
export function earliestJoin(entries: readonly Pick<AttendanceEntry, 'role' | 'kind' | 'occurredAt'>[], role: 'student' | 'tutor'): Date | null {
  let earliest: Date | null = null;
  for (const e of entries) {
    if (e.role !== role || e.kind !== 'joined') continue;
    if (earliest === null || isBefore(e.occurredAt, earliest)) earliest = e.occurredAt;
  }
  return earliest;
}

/** The earliest provider-reported join of the student (role `student`), or `null`. */
export function earliestStudentJoin(entries: readonly Pick<AttendanceEntry, 'role' | 'kind' | 'occurredAt'>[]): Date | null {
  return earliestJoin(entries, 'student');
}

/** Both participants' earliest provider-reported joins (the `ProviderJoins` of the guards). */
export function providerJoins(entries: readonly Pick<AttendanceEntry, 'role' | 'kind' | 'occurredAt'>[]): { studentJoinedAt: Date | null; tutorJoinedAt: Date | null } {
  return { studentJoinedAt: earliestJoin(entries, 'student'), tutorJoinedAt: earliestJoin(entries, 'tutor') };
}

/**
 * Why settlement may call a session `NOBODY_JOINED`: the provider reported attendance for its meeting
 * (`provider_attendance`: at least one provider-reported join or leave is stored for the session, and
 * none of them is a participant the host matched to the tutor or the student), or the provider reported
 * that the meeting never started (`never_started`: `MeetingTimes.neverStarted` when settlement asked).
 */
export type NobodyJoinedEvidence = 'provider_attendance' | 'never_started';

/**
 * The reliable evidence that nobody joined, or `null` (then the seed's rules decide). Neither participant
 * may have joined by any source: not by our Join button (`studentJoinedAt`, `tutorJoinedAt`), not by any
 * provider report matched to them. Then the evidence is the provider's: it reported that the meeting never
 * started, or it reported attendance for the meeting in which neither of them appears (people the host
 * could not match count for neither side, as everywhere). Without either, nothing is known: a provider
 * without attendance webhooks reports nothing, which is no evidence that nobody came.
 */
export function nobodyJoinedEvidence(
  session: Pick<Session, 'studentJoinedAt' | 'tutorJoinedAt'>,
  entries: readonly Pick<AttendanceEntry, 'role' | 'kind'>[],
  meetingNeverStarted = false,
): NobodyJoinedEvidence | null {
  if (session.studentJoinedAt !== null || session.tutorJoinedAt !== null) return null;
  if (entries.some((e) => e.kind === 'joined' && (e.role === 'student' || e.role === 'tutor'))) return null;
  if (meetingNeverStarted) return 'never_started';
  return entries.length > 0 ? 'provider_attendance' : null;
}

/**
 * The evidence for settling a session as `NO_SHOW_TUTOR` automatically (policy
 * `autoTutorNoShowFromAttendance`), or `null`: the provider reported the student in the meeting (a join
 * of the participant the host matched to the student) and the tutor never joined by any source (no Join
 * button join, no provider-reported join matched to the tutor), at any time.
 */
export function autoTutorNoShowEvidence(
  session: Pick<Session, 'tutorJoinedAt'>,
  entries: readonly Pick<AttendanceEntry, 'role' | 'kind' | 'occurredAt'>[],
): { readonly studentJoinedAt: Date } | null {
  if (session.tutorJoinedAt !== null || earliestJoin(entries, 'tutor') !== null) return null;
  const studentJoinedAt = earliestJoin(entries, 'student');
  return studentJoinedAt ? { studentJoinedAt } : null;
}

/** What `core.attendance.record` did with an event. */
export type MeetingEventOutcome =
  /** No session has this meeting: acknowledge the delivery (it is not ours, or the session is gone). */
  | { readonly status: 'unknown_meeting' }
  /** A join or leave was stored (with its `attendance.recorded` event). */
  | { readonly status: 'recorded'; readonly sessionId: string; readonly role: AttendanceRole; readonly kind: 'joined' | 'left' }
  /** The same (provider, eventId) was stored before: nothing changed. */
  | { readonly status: 'duplicate'; readonly sessionId: string }
  /** A meeting end went through `RECORD_MEETING_ENDED`; `changed` is false when a later end was already known. */
  | { readonly status: 'meeting_ended'; readonly sessionId: string; readonly changed: boolean; readonly meetingEndedAt: Date | null }
  /**
   * Accepted and logged but not used: `meeting_started` (nothing depends on it yet), or a meeting end
   * before the session could start (`end_before_start`), in the future (`end_in_future`) or after the
   * session became final (`session_final`) — the last three with a `session.meeting_end_ignored` event.
   */
  | {
      readonly status: 'ignored';
      readonly sessionId: string;
      readonly reason: 'meeting_started' | 'end_before_start' | 'end_in_future' | 'session_final';
    };

const KINDS: readonly MeetingEventKind[] = ['meeting.started', 'meeting.ended', 'participant.joined', 'participant.left'];

const isInstant = (v: unknown): v is Date => v instanceof Date && !Number.isNaN(v.getTime());
const optionalText = (v: unknown, max: number): boolean => v === null || v === undefined || (typeof v === 'string' && v.length <= max);

/** Refuses a malformed event with `INVALID_INPUT` (listing every wrong field). */
export function assertValidMeetingEvent(event: MeetingEventInput): void {
  const issues: Array<{ path: string; message: string }> = [];
  const e = (event ?? {}) as Partial<Record<keyof MeetingEventInput, unknown>>;
  if (e.provider !== 'zoom' && e.provider !== 'google_meet') issues.push({ path: 'provider', message: 'must be "zoom" or "google_meet"' });
  if (typeof e.eventId !== 'string' || e.eventId === '' || e.eventId.length > 500) issues.push({ path: 'eventId', message: 'must be a non-empty string of at most 500 characters' });
  if (typeof e.meetingId !== 'string' || e.meetingId === '' || e.meetingId.length > 500) issues.push({ path: 'meetingId', message: 'must be a non-empty string of at most 500 characters' });
  if (!KINDS.includes(e.kind as MeetingEventKind)) issues.push({ path: 'kind', message: `must be one of ${KINDS.join(', ')}` });
  if (!isInstant(e.occurredAt)) issues.push({ path: 'occurredAt', message: 'must be a valid instant' });
  if (!isInstant(e.receivedAt)) issues.push({ path: 'receivedAt', message: 'must be a valid instant' });
  if (!optionalText(e.instanceId, 500)) issues.push({ path: 'instanceId', message: 'must be a string of at most 500 characters or null' });
  if (e.kind === 'participant.joined' || e.kind === 'participant.left') {
    const p = e.participant as Partial<Record<keyof MeetingParticipant, unknown>> | null | undefined;
    if (typeof p !== 'object' || p === null) issues.push({ path: 'participant', message: 'is required for participant events' });
    else {
      for (const key of ['email', 'name', 'providerUserId', 'participantId'] as const) {
        if (!optionalText(p[key], 1024)) issues.push({ path: `participant.${key}`, message: 'must be a string of at most 1024 characters or null' });
      }
    }
  }
  if (issues.length > 0) {
    throw new SessionError('INVALID_INPUT', `Invalid meeting event: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues });
  }
}

/** A host's answer as a role: anything but `'tutor'` / `'student'` is `'unknown'`. */
export const toAttendanceRole = (answer: unknown): AttendanceRole => (answer === 'tutor' || answer === 'student' ? answer : 'unknown');

/**
 * What the provider's attendance shows about a session's no-show wait, for the automatic no-show
 * (policy `autoNoShowFromAttendance`): when the tutor was in the meeting without a break from the
 * scheduled start to the end of the wait (`noShowEligibleAt`), and whether the student was ever seen.
 */
export interface AutoNoShowEvidence {
  /** When the tutor's unbroken presence that covers the wait began (at or before the scheduled start). */
  readonly tutorPresentFrom: Date;
  /** The end of the no-show wait (`noShowEligibleAt`). */
  readonly waitEndedAt: Date;
}

/**
 * The evidence for settling a session as `NO_SHOW_STUDENT` automatically, or `null` when the
 * attendance does not show it beyond doubt. It shows it only when all of these hold:
 * - the student never joined, by our Join button (`studentJoinedAt`) or by any provider report of a
 *   participant the host matched to the student, at any time (a late student is not absent);
 * - the tutor's provider-reported presence covers the whole wait, from `scheduledStartAt` to
 *   `noShowEligibleAt`, without a break (joins and leaves paired per provider participant; a join
 *   with no leave lasts). Unknown participants count for neither side.
 */
export function autoNoShowEvidence(
  session: Pick<Session, 'studentJoinedAt' | 'scheduledStartAt' | 'noShowEligibleAt'>,
  entries: readonly Pick<AttendanceEntry, 'role' | 'kind' | 'occurredAt' | 'participantId'>[],
): AutoNoShowEvidence | null {
  if (session.studentJoinedAt !== null) return null;
  if (entries.some((e) => e.role === 'student' && e.kind === 'joined')) return null;
  // The tutor's presence intervals, one open interval per provider participant (a tutor on two devices
  // is present while either is in).
  const tutor = entries
    .filter((e) => e.role === 'tutor')
    .slice()
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.kind === b.kind ? 0 : a.kind === 'joined' ? -1 : 1));
  const open = new Map<string, number>();
  const intervals: Array<[number, number]> = [];
  for (const e of tutor) {
    const key = e.participantId ?? '';
    const at = e.occurredAt.getTime();
    if (e.kind === 'joined') {
      if (!open.has(key)) open.set(key, at);
    } else {
      const from = open.get(key);
      // A leave without a join (its join was lost) proves nothing about presence.
      if (from !== undefined) intervals.push([from, at]);
      open.delete(key);
    }
  }
  for (const from of open.values()) intervals.push([from, Infinity]);
  intervals.sort((a, b) => a[0] - b[0]);
  const start = session.scheduledStartAt.getTime();
  const waitEnd = session.noShowEligibleAt.getTime();
  // Merge overlapping (or touching) intervals and look for one that covers [start, waitEnd].
  let current: [number, number] | null = null;
  for (const [from, to] of intervals) {
    if (current !== null && from <= current[1]) current[1] = Math.max(current[1], to);
    else current = [from, to];
    if (current[0] <= start && current[1] >= waitEnd) {
      return { tutorPresentFrom: new Date(current[0]), waitEndedAt: new Date(waitEnd) };
    }
  }
  return null;
}
