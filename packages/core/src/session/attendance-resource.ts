import { addMinutes, isAfter, isBefore } from 'date-fns';
import {
  MEETING_END_CLOCK_SKEW_MINUTES,
  assertValidMeetingEvent,
  toAttendanceRole,
  type AttendanceEntry,
  type AttendanceRepository,
  type MeetingEventInput,
  type MeetingEventOutcome,
} from './attendance';
import { SessionError, isSessionError } from '../errors';
import { SYSTEM_ACTOR } from './transition';
import type { CoreContext } from '../command/context';
import type { Session, SessionEventDraft } from './model';
import { isFinalStatus } from '../rules/status';


/**
 * `core.attendance`: what the video provider reported about a session's meeting — joins, leaves and its
 * end — stored once per provider event, and read back.
 */
export interface AttendanceResource {
  /** Whether the adapter stores provider-reported attendance (`SessionsAdapter.attendance`). */
  readonly supported: boolean;
  /**
   * Records a verified provider meeting event (a `ProviderMeetingEvent` of `@itutor/sessions-video` fits:
   * `onMeetingEvent: (e) => core.attendance.record(e)`). Finds the session by (provider, meetingId):
   * none → `{ status: 'unknown_meeting' }` (acknowledge it; never a throw). Joins and leaves are stored
   * once per (provider, eventId) with an `attendance.recorded` event, matched by `matchParticipant`
   * (`duplicate` for a replay). A meeting end goes through `RECORD_MEETING_ENDED` (the last end wins); an
   * end before `joinOpensAt`, far in the future or after the session became final is ignored and logged
   * as a `session.meeting_end_ignored` event. `meeting.started` is acknowledged (`ignored`). Refuses
   * malformed events with `INVALID_INPUT` and an adapter without attendance storage with
   * `ATTENDANCE_NOT_SUPPORTED`.
   */
  record(event: MeetingEventInput): Promise<MeetingEventOutcome>;
  /**
   * A session's provider-reported joins and leaves, by time (server-side: includes participants'
   * e-mails). Empty when the adapter has no attendance storage.
   */
  list(sessionId: string): Promise<AttendanceEntry[]>;
}

/** `core.attendance` over the core's context. */
export function createAttendanceResource(ctx: CoreContext): AttendanceResource {
  const deps = {
    attendance: ctx.adapter.attendance,
    matchParticipant: ctx.matchParticipant,
    recordMeetingEnded: async (sessionId: string, endedAt: Date) =>
      (await ctx.runner.run(sessionId, { type: 'RECORD_MEETING_ENDED', endedAt, source: 'webhook' })).session,
  };
  const { clock } = ctx;

  const repository = (): AttendanceRepository => {
    if (!deps.attendance) {
      throw new SessionError('ATTENDANCE_NOT_SUPPORTED', 'The adapter has no attendance storage (SessionsAdapter.attendance)');
    }
    return deps.attendance;
  };

  async function ignoreEnd(
    attendance: AttendanceRepository,
    session: Session,
    event: MeetingEventInput,
    reason: 'end_before_start' | 'end_in_future' | 'session_final',
  ): Promise<MeetingEventOutcome> {
    const draft: SessionEventDraft = {
      type: 'session.meeting_end_ignored',
      sessionId: session.id,
      tutorId: session.tutorId,
      actor: SYSTEM_ACTOR,
      occurredAt: clock.now(),
      payload: {
        provider: event.provider,
        eventId: event.eventId,
        endedAt: event.occurredAt.toISOString(),
        reason,
        status: session.status,
      },
    };
    await attendance.logIgnoredReport(draft);
    return { status: 'ignored', sessionId: session.id, reason };
  }

  async function meetingEnded(attendance: AttendanceRepository, session: Session, event: MeetingEventInput): Promise<MeetingEventOutcome> {
    const now = clock.now();
    if (isFinalStatus(session.status)) return ignoreEnd(attendance, session, event, 'session_final');
    if (isBefore(event.occurredAt, session.joinOpensAt)) return ignoreEnd(attendance, session, event, 'end_before_start');
    if (isAfter(event.occurredAt, addMinutes(now, MEETING_END_CLOCK_SKEW_MINUTES))) return ignoreEnd(attendance, session, event, 'end_in_future');
    // Within the clock-skew tolerance an end "in the future" is taken as now (the machine refuses future ends).
    const endedAt = isAfter(event.occurredAt, now) ? now : event.occurredAt;
    try {
      const stored = await deps.recordMeetingEnded(session.id, endedAt);
      const changed = (stored.meetingEndedAt?.getTime() ?? null) !== (session.meetingEndedAt?.getTime() ?? null);
      return { status: 'meeting_ended', sessionId: session.id, changed, meetingEndedAt: stored.meetingEndedAt };
    } catch (error) {
      // Settled between our read and the write (a late end racing settlement): the outcome stands.
      if (isSessionError(error) && error.code === 'SESSION_FINAL') return ignoreEnd(attendance, session, event, 'session_final');
      throw error;
    }
  }

  async function participant(attendance: AttendanceRepository, session: Session, event: MeetingEventInput): Promise<MeetingEventOutcome> {
    const who = event.participant!;
    const participant = {
      email: who.email ?? null,
      name: who.name ?? null,
      providerUserId: who.providerUserId ?? null,
      participantId: who.participantId ?? null,
    };
    const role = deps.matchParticipant ? toAttendanceRole(await deps.matchParticipant({ session, provider: event.provider, participant })) : 'unknown';
    const kind = event.kind === 'participant.joined' ? 'joined' : 'left';
    const entry: AttendanceEntry = {
      provider: event.provider,
      eventId: event.eventId,
      sessionId: session.id,
      role,
      kind,
      participantEmail: participant.email,
      participantName: participant.name,
      participantProviderUserId: participant.providerUserId,
      participantId: participant.participantId,
      instanceId: event.instanceId ?? null,
      occurredAt: event.occurredAt,
      receivedAt: event.receivedAt,
    };
    const audit: SessionEventDraft = {
      type: 'attendance.recorded',
      sessionId: session.id,
      tutorId: session.tutorId,
      actor: SYSTEM_ACTOR,
      occurredAt: clock.now(),
      // No e-mail or name in the audit log: the attendance row keeps them.
      payload: { provider: event.provider, eventId: event.eventId, kind, role, at: event.occurredAt.toISOString() },
    };
    const wrote = await attendance.record(entry, audit);
    return wrote ? { status: 'recorded', sessionId: session.id, role, kind } : { status: 'duplicate', sessionId: session.id };
  }

  return {
    supported: deps.attendance !== undefined,

    async record(event: MeetingEventInput): Promise<MeetingEventOutcome> {
      const attendance = repository();
      assertValidMeetingEvent(event);
      const session = await attendance.findSessionByMeeting(event.provider, event.meetingId);
      if (session === null) return { status: 'unknown_meeting' };
      switch (event.kind) {
        case 'meeting.started':
          return { status: 'ignored', sessionId: session.id, reason: 'meeting_started' };
        case 'meeting.ended':
          return meetingEnded(attendance, session, event);
        default:
          return participant(attendance, session, event);
      }
    },

    async list(sessionId: string): Promise<AttendanceEntry[]> {
      return deps.attendance ? deps.attendance.listBySession(sessionId) : [];
    },
  };
}
