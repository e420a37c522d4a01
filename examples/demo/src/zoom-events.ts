import { isBefore, max, subMinutes } from 'date-fns';
import type { Session } from '@itutor/sessions-core';
import { zoomWebhookRequest } from '@itutor/sessions-video/testing';
import { zoomAccountOf } from './video';
import { nameOf, type World } from './world';

/**
 * Zoom's side of a meeting, played by the demo: what happens in the Zoom call (someone joins, the tutor
 * ends it early) is recorded in the fake Zoom where the API shows it (`GET /past_meetings/{id}`), and
 * Zoom's webhooks are sent the way Zoom sends them — JSON signed with the app's Secret Token
 * (`x-zm-signature`, `x-zm-request-timestamp`), POSTed over HTTP to the demo's own
 * `/api/webhooks/zoom` route, which verifies them like any other delivery. Times are the demo's
 * simulated clock: Zoom lives in the same simulated world as the rest of the demo.
 */

/**
 * The Zoom app's webhook Secret Token (Zoom App Marketplace → the app → Features → Access). A real host
 * keeps it in its environment (`ZOOM_WEBHOOK_SECRET_TOKEN`); the demo's route and the demo's "Zoom"
 * share this one.
 */
export const ZOOM_WEBHOOK_SECRET_TOKEN = 'itutor-demo-zoom-webhook-secret-token';

/** How many minutes before its scheduled end the demo's meetings end when they "end early on Zoom". */
export const EARLY_END_MINUTES = 15;

/** How long the "late" webhook is held back, in (simulated) minutes. */
export const LATE_WEBHOOK_MINUTES = 20;

/** One webhook delivery, as the page reports it. */
export interface ZoomDelivery {
  /** Zoom's event name, e.g. `meeting.participant_joined`. */
  readonly event: string;
  /** When it was sent (simulated time, ISO). */
  readonly sentAt: string;
  /** The route's HTTP status. */
  readonly status: number;
}

/** What the Zoom app of the demo knows about a session's meeting (for the page's buttons). */
export interface ZoomMeetingState {
  readonly started: boolean;
  /** When the meeting ended on Zoom (ISO), or `null` while it has not. */
  readonly endedAt: string | null;
  /** When the meeting is scheduled on Zoom (ISO; a reschedule moves it), or `null` without a Zoom meeting. */
  readonly startTime: string | null;
}

export interface DemoZoomEvents {
  /** The meeting's state on Zoom. */
  meetingState(session: Session): ZoomMeetingState;
  /** The session's student joins the Zoom call now: `meeting.started` (first time only), then `meeting.participant_joined`. */
  studentJoins(session: Session): Promise<{ joinedAt: Date; deliveries: ZoomDelivery[] }>;
  /**
   * The meeting ends early on Zoom, {@link EARLY_END_MINUTES} before its scheduled end (simulated time
   * first moves there if it is earlier). Recorded in the fake Zoom (`/past_meetings/{id}` answers it);
   * its `meeting.ended` is delivered at once, or — `lateBy` minutes — held back while the clock moves on
   * and `meanwhile` runs (the demo's settlement tick), then delivered.
   */
  endsEarly<T>(session: Session, options?: { readonly lateBy: number; readonly meanwhile: () => Promise<T> }): Promise<{ endedAt: Date; deliveries: ZoomDelivery[]; meanwhile: T | null }>;
}

/** Zoom for the demo's sessions, delivering its webhooks to `routeUrl` (the demo's own `/api/webhooks/zoom`) over HTTP. */
export function createDemoZoomEvents(world: World, routeUrl: () => string): DemoZoomEvents {
  // Meetings whose `meeting.started` Zoom has sent (meeting id → start), and a counter for participant ids.
  const started = new Map<string, Date>();
  let participants = 0;

  const meetingOf = (session: Session) => {
    if (!session.meetingId || session.provider !== 'zoom') throw new Error('this session has no Zoom meeting');
    const meeting = world.video.fake.meetings.get(Number(session.meetingId));
    if (!meeting) throw new Error(`the fake Zoom has no meeting ${session.meetingId}`);
    return meeting;
  };

  /** Zoom's `payload.object` for the meeting (as a webhook carries it). */
  const object = (session: Session) => {
    const meeting = meetingOf(session);
    return {
      id: String(meeting.id),
      uuid: `uuid-${meeting.id}`, // the fake's uuid of the meeting's one occurrence
      host_id: meeting.user,
      topic: meeting.topic,
      type: meeting.type,
      timezone: meeting.timezone,
      duration: meeting.duration,
      start_time: (started.get(String(meeting.id)) ?? session.scheduledStartAt).toISOString(),
    };
  };

  async function send(event: string, payloadObject: Record<string, unknown>): Promise<ZoomDelivery> {
    const at = world.clock.now();
    const body = { event, event_ts: at.getTime(), payload: { account_id: 'itutor-demo-account', object: payloadObject } };
    const request = await zoomWebhookRequest(routeUrl(), { secretToken: ZOOM_WEBHOOK_SECRET_TOKEN, body, at });
    const response = await fetch(request);
    await response.arrayBuffer(); // Zoom reads the answer and only looks at the status
    if (!response.ok) console.error(`[demo] /api/webhooks/zoom answered ${event} with HTTP ${response.status}`);
    return { event, sentAt: at.toISOString(), status: response.status };
  }

  async function ensureStarted(session: Session, at: Date): Promise<ZoomDelivery[]> {
    const id = String(meetingOf(session).id);
    if (started.has(id)) return [];
    started.set(id, at);
    // Zoom's API says what its webhook says: the meeting is live (`GET /meetings/{id}` → "started"). Without
    // this the fake would still answer "waiting", and settlement would read a meeting that never started.
    world.video.fake.startMeeting(id);
    return [await send('meeting.started', object(session))];
  }

  return {
    meetingState(session) {
      if (!session.meetingId || session.provider !== 'zoom') return { started: false, endedAt: null, startTime: null };
      const meeting = world.video.fake.meetings.get(Number(session.meetingId));
      return {
        started: started.has(session.meetingId),
        endedAt: meeting?.ended?.end_time ?? null,
        startTime: meeting ? new Date(meeting.start_time).toISOString() : null,
      };
    },

    async studentJoins(session) {
      const joinedAt = world.clock.now();
      const deliveries = await ensureStarted(session, joinedAt);
      const student = session.studentId;
      deliveries.push(
        await send('meeting.participant_joined', {
          ...object(session),
          participant: {
            user_id: String(16_778_240 + ++participants),
            user_name: nameOf(student),
            id: '',
            participant_uuid: `demo-participant-${student}-${participants}`,
            join_time: joinedAt.toISOString(),
            email: zoomAccountOf(student),
            participant_user_id: '',
          },
        }),
      );
      return { joinedAt, deliveries };
    },

    async endsEarly(session, options) {
      const endedAt = max([session.scheduledStartAt, subMinutes(session.scheduledEndAt, EARLY_END_MINUTES)]);
      // The meeting ends "now" on the simulated clock: move there when it is still ahead.
      if (isBefore(world.clock.now(), endedAt)) world.clock.travelTo(endedAt);
      const deliveries = await ensureStarted(session, session.scheduledStartAt);
      const id = String(meetingOf(session).id);
      world.video.fake.endMeeting(id, { startedAt: started.get(id)!, endedAt });
      const ended = { ...object(session), end_time: endedAt.toISOString() };
      let meanwhile = null;
      if (options) {
        // The delivery is held back: time moves on, settlement runs, and only then does Zoom's webhook arrive.
        world.clock.advance(options.lateBy);
        meanwhile = await options.meanwhile();
      }
      deliveries.push(await send('meeting.ended', ended));
      return { endedAt, deliveries, meanwhile };
    },
  };
}
