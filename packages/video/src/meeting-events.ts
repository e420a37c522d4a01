import type { VideoProviderName } from '@itutor/sessions-core';
import { json, problem, readBodyBytes } from '@itutor/sessions-core/http';
import type { MeetingEventKind, MeetingParticipant } from '@itutor/sessions-core/adapter';

/**
 * What a provider reported about a meeting, in one shape for Zoom and Google Meet (the core's
 * `MeetingEventKind`): `meeting.started` / `meeting.ended` (a meeting or conference started or ended),
 * `participant.joined` / `participant.left` (someone joined or left it).
 */
export type ProviderMeetingEventKind = MeetingEventKind;

/** Who joined or left, as far as the provider tells: the core's `MeetingParticipant`. */
export type ProviderParticipant = MeetingParticipant;

/**
 * A meeting event reported by a provider, verified (signature or OIDC token) and normalised. Handed to
 * the host's {@link MeetingEventSink}.
 */
export interface ProviderMeetingEvent {
  readonly provider: VideoProviderName;
  /**
   * The provider's identity of this event, stable across retries and replays: the key to deduplicate
   * on (with `provider`). Zoom: `{event}:{event_ts}:{meeting uuid}` plus the participant's id and
   * join/leave time for participant events. Google Meet: the Pub/Sub `messageId`.
   */
  readonly eventId: string;
  readonly kind: ProviderMeetingEventKind;
  /**
   * The meeting as the core stores it in the session's `meetingId`, i.e. what the provider's
   * `createMeeting` returned: Zoom's numeric meeting id as text (`"85746065432"`), Meet's space name
   * (`"spaces/jQCFfuBOdN5z"`).
   */
  readonly meetingId: string;
  /**
   * One occurrence of the meeting (a Zoom meeting id can be started several times; a Meet space hosts
   * one conference after another): Zoom's meeting `uuid`, Meet's conference record name
   * (`conferenceRecords/{id}`). `null` when the provider did not send it.
   */
  readonly instanceId: string | null;
  /**
   * When it happened, by the provider's account: Zoom's `start_time` / `end_time` / `join_time` /
   * `leave_time`; Meet's resource times when the subscription includes the resource, else the
   * CloudEvent `time`. Not when it reached us (see `receivedAt`): retries arrive minutes late.
   */
  readonly occurredAt: Date;
  /** When the route accepted it (the handler's clock). */
  readonly receivedAt: Date;
  /** For `participant.joined` / `participant.left` only. */
  readonly participant?: ProviderParticipant;
}

/**
 * The host's port for verified meeting events: store them (deduplicated by `provider` + `eventId`),
 * match participants, update the session. Awaited before the route answers, so it must be quick (Zoom
 * gives the whole request 3 seconds; keep heavy work for later, e.g. an insert into an inbox table).
 * Throwing makes the route answer 500, and the provider delivers the event again later (Zoom retries a
 * few times over about an hour, Pub/Sub until the message expires): so a sink must be idempotent.
 */
export type MeetingEventSink = (event: ProviderMeetingEvent) => Promise<void>;

/**
 * Anything that records provider meeting events as the core does: a `SessionsCore` of
 * `@itutor/sessions-core` fits (`core.attendance.record`). Typed structurally, so this package needs
 * nothing of the core at run time.
 */
export interface MeetingEventRecorder {
  readonly attendance: { record(event: ProviderMeetingEvent): Promise<unknown> };
}

/**
 * The sink that hands every verified event to the core — `(e) => core.attendance.record(e)`:
 * attendance stored once per (provider, eventId) and matched by the core's `matchParticipant`, meeting
 * ends through the state machine. An unknown meeting is acknowledged (the core answers
 * `unknown_meeting`); `onOutcome` sees each answer (for logs). A throw (the database is down) makes the
 * route answer 500, and the provider delivers the event again.
 *
 * ```ts
 * const zoomWebhook = zoomWebhookRoutes({ secretToken, onMeetingEvent: coreMeetingEventSink(core) }); // a route plug-in
 * ```
 */
export function coreMeetingEventSink(
  core: MeetingEventRecorder,
  options: { readonly onOutcome?: (outcome: unknown, event: ProviderMeetingEvent) => void } = {},
): MeetingEventSink {
  return async (event) => {
    const outcome = await core.attendance.record(event);
    options.onOutcome?.(outcome, event);
  };
}

/** Why a verified delivery was acknowledged without calling the sink. */
export type IgnoredMeetingEventReason =
  /** An event type the SDK does not use (recordings, transcripts, subscription lifecycle, …). */
  | 'unsupported_event'
  /** Meet: the meeting space of the event could not be determined (see `resolveSpace`). */
  | 'unknown_space';

/** Told about every verified delivery that was acknowledged without calling the sink (for logs). */
export interface IgnoredMeetingEvent {
  readonly provider: VideoProviderName;
  readonly reason: IgnoredMeetingEventReason;
  /** The provider's event type (Zoom's `event`, Meet's CloudEvent type), when there was one. */
  readonly type: string | null;
}

/** Default body limit of the webhook routes: provider deliveries are a few kilobytes. */
export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 64 * 1024;

/** The raw body (bytes), or the 413 to answer. Checked on `content-length` and while streaming. */
export async function readRawBody(request: Request, maxBytes: number): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; response: Response }> {
  const bytes = await readBodyBytes(request, maxBytes);
  return bytes === null ? { ok: false, response: problem('PAYLOAD_TOO_LARGE', `Request body must be at most ${maxBytes} bytes`) } : { ok: true, bytes };
}

/** JSON text → value, or the 400 to answer (also for bytes that are not UTF-8). */
export function parseJson(bytes: Uint8Array, what: string): { ok: true; value: unknown } | { ok: false; response: Response } {
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
  } catch {
    return { ok: false, response: problem('MALFORMED_JSON', `${what} is not valid JSON`) };
  }
}

/** A plain object, or `null`. */
export const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** A non-empty string (at most `max` characters), or `null`. */
export const text = (value: unknown, max = 1024): string | null => (typeof value === 'string' && value !== '' && value.length <= max ? value : null);

/** An ISO-8601 instant with an explicit zone (`Z` or an offset), or `null`. */
export function instant(value: unknown): Date | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The answer to an accepted delivery. */
export const accepted = (): Response => json({ status: 'accepted' });

/** The answer to a verified delivery that is acknowledged but not used. */
export const ignored = (reason: IgnoredMeetingEventReason): Response => json({ status: 'ignored', reason });

/** A rejected payload (400) with the field that is wrong. */
export const invalidPayload = (path: string, message: string): Response =>
  problem('INVALID_INPUT', `Invalid event payload: ${path} ${message}`, { issues: [{ path, message }] });
