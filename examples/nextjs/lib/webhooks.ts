import 'server-only';
import type { SessionsCore } from '@itutor/sessions-core';
import type { SessionsRoutePlugin } from '@itutor/sessions-core/http';
import { coreMeetingEventSink, meetEventRoutes, zoomWebhookRoutes, type MeetingEventSink } from '@itutor/sessions-video';
import { readMeetPushEnv, readZoomWebhookEnv, SessionsConfigError } from './env';
import { notConfigured } from './not-configured';

/*
 * The video providers' webhook routes (server only), as route plug-ins of the one mount (lib/sessions.ts):
 * Zoom's Event Subscriptions and Google Meet's events through a Pub/Sub push subscription. Both verify the
 * delivery themselves (Zoom: the x-zm-signature HMAC under the app's Secret Token; Meet: the push request's
 * OIDC token; the mount hands them the request untouched and never runs the user authenticator) and hand
 * each event to the core (`coreMeetingEventSink`): joins and leaves stored once per event and matched to
 * the tutor or student by `matchParticipant` (lib/attendance.ts), meeting ends through the state machine.
 * A route whose environment is missing answers 500 and logs what is missing; the other routes still work.
 * Registering them with Zoom and Google: packages/video/README.md.
 */

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

/** Builds a plug-in from its environment, or the stand-in that answers the configuration problem. */
function configured(id: string, path: string, build: () => SessionsRoutePlugin): SessionsRoutePlugin {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof SessionsConfigError)) throw error;
    return notConfigured(id, [{ methods: ['POST'], path }], error);
  }
}

/** `POST /api/webhooks/zoom` and `POST /api/webhooks/google-meet` over `core`. */
export function webhookRoutes(core: SessionsCore): SessionsRoutePlugin[] {
  return [
    // ZOOM_WEBHOOK_SECRET_TOKEN. Answers Zoom's URL validation itself.
    configured('zoom-webhook', '/webhooks/zoom', () =>
      zoomWebhookRoutes({
        secretToken: readZoomWebhookEnv().secretToken,
        onMeetingEvent: sinkFor(core, 'Zoom'),
        onError: (error) => console.error('[itutor sessions] Zoom webhook: the event could not be stored (Zoom retries)', error),
      }),
    ),
    // GOOGLE_MEET_PUSH_AUDIENCE, GOOGLE_MEET_PUSH_SERVICE_ACCOUNT. The meeting space comes from the event's
    // `ce-subject`; a host that subscribes spaces with `googleMeet({ eventSubscriptions })` adds
    // `resolveSpace: meetSpaceFromSubscriptions(store)`.
    configured('google-meet-events', '/webhooks/google-meet', () => {
      const { audience, serviceAccountEmail } = readMeetPushEnv();
      return meetEventRoutes({
        audience,
        serviceAccountEmail,
        onMeetingEvent: sinkFor(core, 'Google Meet'),
        onError: (error) => console.error('[itutor sessions] Google Meet events: the event could not be stored (Pub/Sub redelivers)', error),
      });
    }),
  ];
}
