import { SessionError } from '@itutor/sessions-core';
import { json, problem, secretsEqual, type SessionsRoutePlugin } from '@itutor/sessions-core/http';
import {
  accepted,
  DEFAULT_WEBHOOK_MAX_BODY_BYTES,
  ignored,
  instant,
  invalidPayload,
  parseJson,
  readRawBody,
  record,
  text,
  type IgnoredMeetingEvent,
  type MeetingEventSink,
  type ProviderMeetingEvent,
  type ProviderMeetingEventKind,
  type ProviderParticipant,
} from './meeting-events';

/** Options of {@link zoomWebhookRoutes}. */
export interface ZoomWebhookOptions {
  /** The route's path under the mount's base path. Default `/webhooks/zoom` (`POST /api/webhooks/zoom`). */
  readonly path?: string;
  /**
   * The app's webhook **Secret Token** (Zoom App Marketplace → your app → Features → Access → Secret
   * Token; not the OAuth client secret). Signs every delivery and answers `endpoint.url_validation`.
   */
  readonly secretToken: string;
  /** Receives every verified meeting event (see {@link MeetingEventSink}: quick, idempotent, throw → 500 → Zoom retries). */
  readonly onMeetingEvent: MeetingEventSink;
  /**
   * How far `x-zm-request-timestamp` may be from now, in seconds, either way. Default 300. Older or
   * newer deliveries are refused (401) as possible replays; a correct signature does not help them.
   */
  readonly toleranceSeconds?: number;
  /** Largest body accepted, in bytes (413 beyond). Default 65 536. */
  readonly maxBodyBytes?: number;
  /** The source of "now" (the timestamp check and `receivedAt`). Default the system clock. */
  readonly clock?: { now(): Date };
  /** Told about verified deliveries that are acknowledged without calling the sink (unknown event types). */
  readonly onIgnored?: (info: IgnoredMeetingEvent) => void;
  /** Called when the sink throws (the route answers 500), e.g. for logging. Never a secret. */
  readonly onError?: (error: unknown) => void;
}

/** Zoom's event names → the normalised kinds. */
const KINDS: Readonly<Record<string, ProviderMeetingEventKind>> = {
  'meeting.started': 'meeting.started',
  'meeting.ended': 'meeting.ended',
  'meeting.participant_joined': 'participant.joined',
  'meeting.participant_left': 'participant.left',
};

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  let out = '';
  for (const byte of new Uint8Array(bytes)) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** A meeting id as Zoom sends it (a number in older payloads, a string in newer ones) → text, or `null`. */
function meetingIdOf(value: unknown): string | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return value;
  return null;
}

/**
 * The Zoom webhook route (`POST /api/webhooks/zoom`, server only) as a route plug-in of the core's one
 * mount (`createSessionsHandler({ ..., routes: [zoomWebhookRoutes({ ... })] })` from
 * `@itutor/sessions-core/http`), for the app's Event Subscription. It authenticates itself: the mount never
 * calls the host's authenticator for it and hands it the request untouched (the mount answers 405 for other
 * methods than POST).
 *
 * 1. Reads the raw body (413 past `maxBodyBytes`).
 * 2. Verifies the request before reading it: `x-zm-signature` must be `v0=` + the hex HMAC-SHA256, under
 *    `secretToken`, of `v0:{x-zm-request-timestamp}:{raw body}` (compared in constant time), and the
 *    timestamp (Unix seconds) within `toleranceSeconds` of now. A missing header, a stale or future
 *    timestamp, a wrong signature or a changed body answers 401 and calls nothing.
 * 3. Parses the JSON (400 when malformed).
 * 4. `endpoint.url_validation` (Zoom's check when the URL is saved and every 72 hours): answers 200
 *    `{ plainToken, encryptedToken }`, `encryptedToken` being the hex HMAC-SHA256 of `plainToken` under
 *    `secretToken`. Only a signed challenge is answered: an unsigned one would make the route sign
 *    anything for anybody.
 * 5. `meeting.started`, `meeting.ended`, `meeting.participant_joined`, `meeting.participant_left` become a
 *    {@link ProviderMeetingEvent} handed to `onMeetingEvent` (awaited): 200 once it returns, 500 when it
 *    throws (Zoom retries). A payload without the meeting id or a time answers 400.
 * 6. Any other event: 200 `{ status: 'ignored' }`, the sink is not called.
 *
 * Zoom expects an answer within 3 seconds: the route itself only hashes and parses; the sink's time is
 * the rest. Deduplicate in the sink on `provider` + `eventId` (Zoom delivers at least once and retries).
 *
 * ```ts
 * const handle = createSessionsHandler({
 *   core, authenticate, getBooking, cronSecret,
 *   routes: [
 *     zoomWebhookRoutes({
 *       secretToken: process.env.ZOOM_WEBHOOK_SECRET_TOKEN!,
 *       onMeetingEvent: coreMeetingEventSink(core), // attendance stored once per event, meeting ends recorded
 *     }),
 *   ],
 * });
 * ```
 */
export function zoomWebhookRoutes(options: ZoomWebhookOptions): SessionsRoutePlugin {
  const handle = zoomWebhookHandler(options);
  return { id: 'zoom-webhook', routes: [{ methods: ['POST'], path: options.path ?? '/webhooks/zoom', auth: 'none', handle }] };
}

/** The route's handler (see {@link zoomWebhookRoutes}). */
function zoomWebhookHandler(options: ZoomWebhookOptions): (request: Request) => Promise<Response> {
  if (typeof options.secretToken !== 'string' || options.secretToken.trim() === '') {
    throw new SessionError('INVALID_INPUT', 'secretToken is missing: use the Secret Token of the Zoom app', {
      issues: [{ path: 'secretToken', message: 'is missing or empty' }],
    });
  }
  if (typeof options.onMeetingEvent !== 'function') {
    throw new SessionError('INVALID_INPUT', 'onMeetingEvent must be a function', { issues: [{ path: 'onMeetingEvent', message: 'is not a function' }] });
  }
  const tolerance = options.toleranceSeconds ?? 300;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new SessionError('INVALID_INPUT', 'toleranceSeconds must be a non-negative number', { issues: [{ path: 'toleranceSeconds', message: 'is not a non-negative number' }] });
  }
  const maxBytes = options.maxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES;
  const clock = options.clock ?? { now: () => new Date() };
  const key = globalThis.crypto.subtle.importKey('raw', encoder.encode(options.secretToken), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const hmacHex = async (message: Uint8Array) => hex(await globalThis.crypto.subtle.sign('HMAC', await key, message as Uint8Array<ArrayBuffer>));
  const unauthorized = (detail: string) => problem('UNAUTHENTICATED', detail);

  async function verify(request: Request, body: Uint8Array, now: Date): Promise<Response | null> {
    const signature = request.headers.get('x-zm-signature');
    const timestamp = request.headers.get('x-zm-request-timestamp');
    if (!signature || !timestamp) return unauthorized('Missing x-zm-signature or x-zm-request-timestamp');
    if (!/^\d{1,12}$/.test(timestamp)) return unauthorized('x-zm-request-timestamp is not a Unix time in seconds');
    const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
    if (skew > tolerance) return unauthorized(`x-zm-request-timestamp is more than ${tolerance} seconds from now`);
    const prefix = encoder.encode(`v0:${timestamp}:`);
    const message = new Uint8Array(prefix.byteLength + body.byteLength);
    message.set(prefix, 0);
    message.set(body, prefix.byteLength);
    const expected = `v0=${await hmacHex(message)}`;
    return (await secretsEqual(signature, expected)) ? null : unauthorized('x-zm-signature does not match the body');
  }

  function normalise(body: Record<string, unknown>, kind: ProviderMeetingEventKind, event: string, receivedAt: Date): ProviderMeetingEvent | Response {
    const object = record(record(body.payload)?.object);
    if (!object) return invalidPayload('payload.object', 'is missing');
    const meetingId = meetingIdOf(object.id);
    if (meetingId === null) return invalidPayload('payload.object.id', 'is not a Zoom meeting id');
    const instanceId = text(object.uuid, 200);
    const eventTs = typeof body.event_ts === 'number' && Number.isSafeInteger(body.event_ts) ? body.event_ts : null;

    let participant: ProviderParticipant | undefined;
    let when: Date | null;
    if (kind === 'participant.joined' || kind === 'participant.left') {
      const p = record(object.participant);
      if (!p) return invalidPayload('payload.object.participant', 'is missing');
      const joined = kind === 'participant.joined';
      when = instant(joined ? p.join_time : p.leave_time);
      participant = {
        email: text(p.email, 320),
        name: text(p.user_name, 500),
        providerUserId: text(p.participant_user_id, 200) ?? text(p.id, 200),
        participantId: text(p.participant_uuid, 200) ?? text(p.user_id, 200),
      };
      if (!when) return invalidPayload(`payload.object.participant.${joined ? 'join_time' : 'leave_time'}`, 'is not an ISO-8601 time');
    } else {
      const field = kind === 'meeting.started' ? 'start_time' : 'end_time';
      when = instant(object[field]);
      if (!when) return invalidPayload(`payload.object.${field}`, 'is not an ISO-8601 time');
    }
    // Zoom sends the same event_ts (and body) on every retry of one event. The participant's own id and
    // time keep two people joining in the same millisecond apart.
    const parts = [event, eventTs === null ? '-' : String(eventTs), instanceId ?? meetingId];
    if (participant) parts.push(participant.participantId ?? participant.providerUserId ?? participant.name ?? '-', when.toISOString());
    else if (eventTs === null) parts.push(when.toISOString());
    return {
      provider: 'zoom',
      eventId: parts.join(':'),
      kind,
      meetingId,
      instanceId,
      occurredAt: when,
      receivedAt,
      ...(participant ? { participant } : {}),
    };
  }

  return async (request) => {
    const raw = await readRawBody(request, maxBytes);
    if (!raw.ok) return raw.response;
    const now = clock.now();
    const refused = await verify(request, raw.bytes, now);
    if (refused) return refused;
    const parsed = parseJson(raw.bytes, 'Request body');
    if (!parsed.ok) return parsed.response;
    const body = record(parsed.value);
    const event = text(body?.event, 200);
    if (!body || event === null) return invalidPayload('event', 'is missing');

    if (event === 'endpoint.url_validation') {
      const plainToken = text(record(body.payload)?.plainToken, 256);
      if (plainToken === null) return invalidPayload('payload.plainToken', 'is missing or too long');
      return json({ plainToken, encryptedToken: await hmacHex(encoder.encode(plainToken)) });
    }
    const kind = Object.hasOwn(KINDS, event) ? KINDS[event] : undefined;
    if (!kind) {
      options.onIgnored?.({ provider: 'zoom', reason: 'unsupported_event', type: event });
      return ignored('unsupported_event');
    }
    const normalised = normalise(body, kind, event, now);
    if (normalised instanceof Response) return normalised;
    try {
      await options.onMeetingEvent(normalised);
    } catch (error) {
      options.onError?.(error);
      return problem('INTERNAL', 'The event could not be stored; deliver it again later');
    }
    return accepted();
  };
}
