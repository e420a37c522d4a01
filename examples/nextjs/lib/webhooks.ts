import 'server-only';
import type { SessionsCore } from '@itutor/sessions-core';
import { coreMeetingEventSink, createGoogleMeetEventsHandler, createZoomWebhookHandler, type MeetingEventSink } from '@itutor/sessions-video';
import { readMeetPushEnv, readZoomWebhookEnv } from './env';
import { configProblem, getSessionsServer } from './sessions';

/*
 * The video providers' webhook routes (server only): Zoom's Event Subscriptions and Google Meet's events
 * through a Pub/Sub push subscription. Both verify the delivery (Zoom: the x-zm-signature HMAC under the
 * app's Secret Token; Meet: the push request's OIDC token) and hand each event to the core
 * (`coreMeetingEventSink`): joins and leaves stored once per event and matched to the tutor or student by
 * `matchParticipant` (lib/attendance.ts), meeting ends through the state machine. Built on first request
 * (never at import time, so `next build` needs no environment) and kept for the process.
 * Registering them with Zoom and Google: packages/video/README.md.
 */

type Handler = (request: Request) => Promise<Response>;

const cache = globalThis as typeof globalThis & { __itutorWebhookRoutes?: Partial<Record<'zoom' | 'google_meet', Promise<Handler>>> };

/** The core's sink, with a log line for deliveries the core could not place (a meeting this app did not make). */
function sinkFor(core: SessionsCore, provider: string): MeetingEventSink {
  return coreMeetingEventSink(core, {
    onOutcome: (outcome, event) => {
      if ((outcome as { status?: string }).status === 'unknown_meeting') {
        console.warn(`[itutor sessions] ${provider} ${event.kind} for a meeting of no session (${event.meetingId}): acknowledged, not stored`);
      }
    },
  });
}

const builders = {
  /** `POST /api/webhooks/zoom`: `ZOOM_WEBHOOK_SECRET_TOKEN`. Answers Zoom's URL validation itself. */
  async zoom(): Promise<Handler> {
    const { secretToken } = readZoomWebhookEnv();
    const { core } = await getSessionsServer();
    return createZoomWebhookHandler({
      secretToken,
      onMeetingEvent: sinkFor(core, 'Zoom'),
      onError: (error) => console.error('[itutor sessions] Zoom webhook: the event could not be stored (Zoom retries)', error),
    });
  },
  /**
   * `POST /api/webhooks/google-meet`: `GOOGLE_MEET_PUSH_AUDIENCE`, `GOOGLE_MEET_PUSH_SERVICE_ACCOUNT`.
   * The meeting space comes from the event's `ce-subject`; a host that subscribes spaces with
   * `googleMeet({ eventSubscriptions })` adds `resolveSpace: meetSpaceFromSubscriptions(store)`.
   */
  async google_meet(): Promise<Handler> {
    const { audience, serviceAccountEmail } = readMeetPushEnv();
    const { core } = await getSessionsServer();
    return createGoogleMeetEventsHandler({
      audience,
      serviceAccountEmail,
      onMeetingEvent: sinkFor(core, 'Google Meet'),
      onError: (error) => console.error('[itutor sessions] Google Meet events: the event could not be stored (Pub/Sub redelivers)', error),
    });
  },
};

/**
 * Runs a provider webhook route. A missing configuration is logged with its full explanation and
 * answered as a problem+json 500 (the provider retries; the body does not describe the server).
 */
export async function handleWebhookRoute(provider: 'zoom' | 'google_meet', request: Request): Promise<Response> {
  const routes = (cache.__itutorWebhookRoutes ??= {});
  let building = routes[provider];
  if (!building) {
    building = builders[provider]();
    routes[provider] = building;
    building.catch(() => {
      if (routes[provider] === building) delete routes[provider]; // not cached: fixed configuration is picked up
    });
  }
  let handler: Handler;
  try {
    handler = await building;
  } catch (error) {
    return configProblem(error);
  }
  return handler(request);
}
