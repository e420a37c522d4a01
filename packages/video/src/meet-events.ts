import { SessionError } from '@itutor/sessions-core';
import { bearerToken, problem, type SessionsRoutePlugin } from '@itutor/sessions-core/http';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
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

/** Where Google publishes the keys that sign its OIDC tokens (Pub/Sub push tokens among them). */
export const GOOGLE_OIDC_JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';

/** The issuers Google's OIDC tokens carry. */
export const GOOGLE_OIDC_ISSUERS: readonly string[] = Object.freeze(['https://accounts.google.com', 'accounts.google.com']);

/** The Workspace Events types the route uses, and their normalised kinds. */
export const GOOGLE_MEET_EVENT_TYPES: Readonly<Record<string, ProviderMeetingEventKind>> = Object.freeze({
  'google.workspace.meet.conference.v2.started': 'meeting.started',
  'google.workspace.meet.conference.v2.ended': 'meeting.ended',
  'google.workspace.meet.participant.v2.joined': 'participant.joined',
  'google.workspace.meet.participant.v2.left': 'participant.left',
});

/** What is known about a Meet event before its space is: for {@link GoogleMeetEventsOptions.resolveSpace}. */
export interface MeetEventReference {
  /** The CloudEvent type (`ce-type`). */
  readonly type: string;
  /** The conference record the event is about: `conferenceRecords/{id}`. */
  readonly conferenceRecord: string;
  /** The Workspace Events subscription that delivered it (`subscriptions/{id}`, from `ce-source`), if sent. */
  readonly subscription: string | null;
  /** The CloudEvent subject (`ce-subject`), if sent. */
  readonly subject: string | null;
}

/** The identity a host found for a Meet participant (e.g. with Meet's `conferenceRecords.participants.get`). */
export interface MeetParticipantDetails {
  readonly email?: string | null;
  readonly name?: string | null;
  /** The signed-in user (`signedinUser.user`, `users/{id}`). */
  readonly providerUserId?: string | null;
}

/** Options of {@link meetEventRoutes}. */
export interface GoogleMeetEventsOptions {
  /** The route's path under the mount's base path. Default `/webhooks/google-meet` (`POST /api/webhooks/google-meet`). */
  readonly path?: string;
  /**
   * The audience the push subscription puts in its token (`--push-auth-token-audience`; Pub/Sub's default
   * is the push endpoint URL). One value or several (during a change).
   */
  readonly audience: string | readonly string[];
  /** The service account the push subscription signs its tokens as (`--push-auth-service-account`). */
  readonly serviceAccountEmail: string;
  /** Receives every verified meeting event (see {@link MeetingEventSink}: quick, idempotent, throw → 500 → Pub/Sub redelivers). */
  readonly onMeetingEvent: MeetingEventSink;
  /** The key set that verifies the tokens. Default {@link GOOGLE_OIDC_JWKS_URL}; tests point it at a local one. */
  readonly jwksUrl?: string;
  /** Time limit of one key-set fetch, in ms. Default 5 000. */
  readonly jwksTimeoutMs?: number;
  /** Leeway for `exp` / `iat` / `nbf`, in seconds. Default 30. */
  readonly clockToleranceSeconds?: number;
  /** Largest body accepted, in bytes (413 beyond). Default 65 536. */
  readonly maxBodyBytes?: number;
  /** The source of "now" (token expiry and `receivedAt`). Default the system clock. */
  readonly clock?: { now(): Date };
  /**
   * The Meet space (`spaces/{id}`, the session's `meetingId`) of an event whose payload and subject do not
   * name it — e.g. the space the delivering subscription was made for, or Meet's
   * `conferenceRecords.get(...).space`. `null` acknowledges the event without using it (`unknown_space`);
   * a throw answers 500 (Pub/Sub redelivers). Without this option such events are ignored.
   */
  readonly resolveSpace?: (reference: MeetEventReference) => Promise<string | null> | string | null;
  /**
   * Who a participant is: Meet's events carry only the participant's resource name
   * (`conferenceRecords/{c}/participants/{p}`). Optional; a throw answers 500.
   */
  readonly describeParticipant?: (input: {
    readonly participant: string;
    readonly meetingId: string;
    readonly conferenceRecord: string;
  }) => Promise<MeetParticipantDetails | null> | MeetParticipantDetails | null;
  /** Told about verified deliveries acknowledged without calling the sink (other event types, unknown space). */
  readonly onIgnored?: (info: IgnoredMeetingEvent) => void;
  /** Called with unexpected errors (the sink or a hook threw, the key set could not be fetched). */
  readonly onError?: (error: unknown) => void;
}

/** jose's codes for tokens that are wrong (401), as opposed to keys that could not be fetched (500). */
const INVALID_TOKEN_CODES = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
]);

const SPACE = /^spaces\/[A-Za-z0-9_-]{1,200}$/;
const CONFERENCE = /^conferenceRecords\/[A-Za-z0-9_-]{1,200}$/;
const SESSION = /^(conferenceRecords\/[A-Za-z0-9_-]{1,200})\/(participants\/[A-Za-z0-9_-]{1,200})\/participantSessions\/[A-Za-z0-9_-]{1,200}$/;

function decodeBase64(value: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 === 1) return null;
  try {
    return Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function assertOption(ok: boolean, path: string, message: string): void {
  if (!ok) throw new SessionError('INVALID_INPUT', `${path} ${message}`, { issues: [{ path, message }] });
}

/**
 * The Google Meet events route (`POST /api/webhooks/google-meet`, server only) as a route plug-in of the
 * core's one mount (`createSessionsHandler({ ..., routes: [meetEventRoutes({ ... })] })` from
 * `@itutor/sessions-core/http`): the push endpoint of a Pub/Sub subscription on the topic that the Meet
 * spaces' Google Workspace Events subscriptions publish to. It authenticates itself (the push request's
 * OIDC token): the mount never calls the host's authenticator for it, and answers 405 for other methods
 * than POST.
 *
 * 1. Verifies the push request's `Authorization: Bearer <OIDC token>` with jose against Google's key set
 *    (`jwksUrl`, fetched and cached): RS256 signature, issuer `https://accounts.google.com` (or
 *    `accounts.google.com`), `audience`, not expired, `email` = `serviceAccountEmail` and
 *    `email_verified`. Anything else answers 401 and calls nothing. A key set that cannot be fetched
 *    answers 500 (Pub/Sub redelivers).
 * 2. Reads the push envelope `{ message: { data, attributes, messageId, publishTime }, subscription }`
 *    (the default wrapped format; 413 past `maxBodyBytes`, 400 when it is not such an envelope).
 * 3. `attributes['ce-type']` names the Workspace event. `google.workspace.meet.conference.v2.started` /
 *    `ended` and `google.workspace.meet.participant.v2.joined` / `left` are decoded (`data` is base64
 *    of the event's JSON: `{ conferenceRecord }` or `{ participantSession }`) into a
 *    {@link ProviderMeetingEvent} with `eventId` = the Pub/Sub `messageId` and `meetingId` = the space
 *    (`spaces/{id}`, as `googleMeet()` stores it): from the resource (`conferenceRecord.space`, when the
 *    subscription includes resources), else from `ce-subject` (`//meet.googleapis.com/spaces/{id}`), else
 *    from `resolveSpace`. `occurredAt` is the resource's start/end time when included, else `ce-time`.
 *    The sink is awaited: 200 once it returns, 500 when it throws.
 * 4. Any other type (recordings, transcripts, subscription lifecycle events): 200 `{ status: 'ignored' }`.
 *
 * Pub/Sub treats 200 as an acknowledgement and anything else as "deliver again later" (with backoff,
 * until the message expires or goes to a dead-letter topic): so a permanently malformed message (400)
 * should be given a dead-letter topic.
 *
 * ```ts
 * const handle = createSessionsHandler({
 *   core, authenticate, getBooking, cronSecret,
 *   routes: [
 *     meetEventRoutes({
 *       audience: 'https://tutor.example/api/webhooks/google-meet',
 *       serviceAccountEmail: 'meet-push@my-project.iam.gserviceaccount.com',
 *       onMeetingEvent: coreMeetingEventSink(core),
 *     }),
 *   ],
 * });
 * ```
 */
export function meetEventRoutes(options: GoogleMeetEventsOptions): SessionsRoutePlugin {
  const handle = meetEventsHandler(options);
  return { id: 'google-meet-events', routes: [{ methods: ['POST'], path: options.path ?? '/webhooks/google-meet', auth: 'none', handle }] };
}

/** The route's handler (see {@link meetEventRoutes}). */
function meetEventsHandler(options: GoogleMeetEventsOptions): (request: Request) => Promise<Response> {
  const audiences = typeof options.audience === 'string' ? [options.audience] : [...(options.audience ?? [])];
  assertOption(audiences.length > 0 && audiences.every((a) => typeof a === 'string' && a.trim() !== ''), 'audience', 'must be a non-empty string (or strings)');
  assertOption(typeof options.serviceAccountEmail === 'string' && options.serviceAccountEmail.includes('@'), 'serviceAccountEmail', 'must be the push subscription\'s service account e-mail');
  assertOption(typeof options.onMeetingEvent === 'function', 'onMeetingEvent', 'must be a function');
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(options.jwksUrl ?? GOOGLE_OIDC_JWKS_URL);
  } catch {
    throw new SessionError('INVALID_INPUT', 'jwksUrl must be an absolute URL', { issues: [{ path: 'jwksUrl', message: 'is not an absolute URL' }] });
  }
  const keys: JWTVerifyGetKey = createRemoteJWKSet(jwksUrl, { timeoutDuration: options.jwksTimeoutMs ?? 5_000 });
  const serviceAccount = options.serviceAccountEmail.toLowerCase();
  const maxBytes = options.maxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES;
  const clock = options.clock ?? { now: () => new Date() };
  const tolerance = options.clockToleranceSeconds ?? 30;

  /** null when the token is good; else the response to send. */
  async function authenticate(request: Request, now: Date): Promise<Response | null> {
    const token = bearerToken(request);
    if (!token) return problem('UNAUTHENTICATED', 'Missing Authorization: Bearer <OIDC token>');
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256'],
        issuer: [...GOOGLE_OIDC_ISSUERS],
        audience: audiences,
        currentDate: now,
        clockTolerance: tolerance,
        requiredClaims: ['exp', 'iat', 'email'],
      });
      if (typeof payload.email !== 'string' || payload.email.toLowerCase() !== serviceAccount) {
        return problem('UNAUTHENTICATED', 'The token was not issued to the push subscription\'s service account');
      }
      if (payload.email_verified !== true) return problem('UNAUTHENTICATED', 'The token\'s e-mail is not verified');
      // jose checks exp and nbf; a token "issued" in the future comes from no honest signer.
      if (typeof payload.iat !== 'number' || payload.iat > now.getTime() / 1000 + tolerance) return problem('UNAUTHENTICATED', 'The token is issued in the future');
      return null;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && INVALID_TOKEN_CODES.has(code)) return problem('UNAUTHENTICATED', `Invalid push token (${code})`);
      options.onError?.(error);
      return problem('INTERNAL', 'Google\'s signing keys could not be read; deliver it again later');
    }
  }

  async function normalise(
    envelope: { messageId: string; attributes: Record<string, unknown>; data: unknown; publishTime: Date | null },
    type: string,
    kind: ProviderMeetingEventKind,
    receivedAt: Date,
  ): Promise<ProviderMeetingEvent | Response> {
    const rawData = text(envelope.data, 1_000_000);
    const bytes = rawData === null ? null : decodeBase64(rawData);
    if (!bytes) return invalidPayload('message.data', 'is not base64');
    const parsed = parseJson(bytes, 'message.data');
    if (!parsed.ok) return parsed.response;
    const data = record(parsed.value);
    const attributes = envelope.attributes;
    const subject = text(attributes['ce-subject'], 1000);
    const source = text(attributes['ce-source'], 1000);
    const subscription = source?.match(/^\/\/workspaceevents\.googleapis\.com\/(subscriptions\/[A-Za-z0-9_-]+)$/)?.[1] ?? null;
    const participantEvent = kind === 'participant.joined' || kind === 'participant.left';

    let conferenceRecord: string | null;
    let participantName: string | null = null;
    let resourceTime: Date | null;
    let space: string | null = null;
    if (participantEvent) {
      const session = record(data?.participantSession);
      const match = SESSION.exec(text(session?.name, 700) ?? '');
      if (!session || !match) return invalidPayload('message.data.participantSession.name', 'is not a participant session name');
      conferenceRecord = match[1]!;
      participantName = `${conferenceRecord}/${match[2]!}`;
      resourceTime = instant(kind === 'participant.joined' ? session.startTime : session.endTime);
    } else {
      const conference = record(data?.conferenceRecord);
      conferenceRecord = text(conference?.name, 300);
      if (!conference || conferenceRecord === null || !CONFERENCE.test(conferenceRecord)) {
        return invalidPayload('message.data.conferenceRecord.name', 'is not a conference record name');
      }
      resourceTime = instant(kind === 'meeting.started' ? conference.startTime : conference.endTime);
      const included = text(conference.space, 300);
      if (included !== null && SPACE.test(included)) space = included;
    }
    space ??= subject?.match(/^\/\/meet\.googleapis\.com\/(spaces\/[A-Za-z0-9_-]{1,200})$/)?.[1] ?? null;
    if (space === null && options.resolveSpace) {
      const resolved = await options.resolveSpace({ type, conferenceRecord, subscription, subject });
      space = typeof resolved === 'string' && SPACE.test(resolved) ? resolved : null;
    }
    if (space === null) {
      options.onIgnored?.({ provider: 'google_meet', reason: 'unknown_space', type });
      return ignored('unknown_space');
    }
    const occurredAt = resourceTime ?? instant(attributes['ce-time']) ?? envelope.publishTime;
    if (!occurredAt) return invalidPayload('message.attributes.ce-time', 'is not an ISO-8601 time');

    let participant: ProviderParticipant | undefined;
    if (participantName !== null) {
      const details = options.describeParticipant ? await options.describeParticipant({ participant: participantName, meetingId: space, conferenceRecord }) : null;
      participant = {
        email: text(details?.email, 320),
        name: text(details?.name, 500),
        providerUserId: text(details?.providerUserId, 200),
        participantId: participantName,
      };
    }
    return {
      provider: 'google_meet',
      eventId: envelope.messageId,
      kind,
      meetingId: space,
      instanceId: conferenceRecord,
      occurredAt,
      receivedAt,
      ...(participant ? { participant } : {}),
    };
  }

  return async (request) => {
    const now = clock.now();
    const refused = await authenticate(request, now);
    if (refused) return refused;
    const raw = await readRawBody(request, maxBytes);
    if (!raw.ok) return raw.response;
    const parsed = parseJson(raw.bytes, 'Request body');
    if (!parsed.ok) return parsed.response;
    const message = record(record(parsed.value)?.message);
    if (!message) return invalidPayload('message', 'is missing: not a Pub/Sub push envelope');
    const messageId = text(message.messageId, 200) ?? text(message.message_id, 200);
    if (messageId === null) return invalidPayload('message.messageId', 'is missing');
    const attributes = record(message.attributes) ?? {};
    const type = text(attributes['ce-type'], 300);
    const kind = type !== null && Object.hasOwn(GOOGLE_MEET_EVENT_TYPES, type) ? GOOGLE_MEET_EVENT_TYPES[type] : undefined;
    if (type === null || !kind) {
      options.onIgnored?.({ provider: 'google_meet', reason: 'unsupported_event', type });
      return ignored('unsupported_event');
    }
    try {
      const event = await normalise({ messageId, attributes, data: message.data, publishTime: instant(message.publishTime ?? message.publish_time) }, type, kind, now);
      if (event instanceof Response) return event;
      await options.onMeetingEvent(event);
    } catch (error) {
      options.onError?.(error);
      return problem('INTERNAL', 'The event could not be stored; deliver it again later');
    }
    return accepted();
  };
}
