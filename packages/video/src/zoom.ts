import type { CreateMeetingInput, Meeting, MoveMeetingInput } from '@itutor/sessions-core/adapter';
import type { VideoProvider } from '@itutor/sessions-core';
import { createZoomOAuthClient, resolveZoomEndpoints, type ProviderOAuthClient, type ZoomEndpoints } from './endpoints';
import { providerError } from './errors';
import { callApi, discard, type ApiCallOptions } from './http';
import { assertProvider, idempotentCreate, type MeetingStore } from './meetings';
import { createTokenManager, type OAuthRefreshClient, type TokenManager, type TokenOptions } from './tokens';
import type { MeetingTimes } from '@itutor/sessions-core/adapter';

/** A past meeting's actual times, for reconciliation: the core's port type. */
export type { MeetingTimes };

/** Zoom meeting settings (`settings` of `POST /v2/users/me/meetings`); any documented field may be given. */
export interface ZoomMeetingSettings {
  readonly join_before_host?: boolean;
  readonly waiting_room?: boolean;
  readonly host_video?: boolean;
  readonly participant_video?: boolean;
  readonly mute_upon_entry?: boolean;
  readonly auto_recording?: 'local' | 'cloud' | 'none';
  readonly [field: string]: unknown;
}

/** The defaults the host's `settings` override: the tutor lets the student in; nothing is recorded. */
export const DEFAULT_ZOOM_SETTINGS: ZoomMeetingSettings = Object.freeze({
  join_before_host: false,
  waiting_room: true,
  host_video: true,
  participant_video: true,
  mute_upon_entry: false,
  auto_recording: 'none',
});

/** Options of {@link zoom}. */
export interface ZoomOptions extends TokenOptions, ApiCallOptions {
  /** The Zoom app's OAuth credentials (server-side only). */
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  /** Where the meeting made for each booking is remembered (idempotency). */
  readonly meetings: MeetingStore;
  /** Meeting settings over {@link DEFAULT_ZOOM_SETTINGS}, or a function of the input that gives them. */
  readonly settings?: ZoomMeetingSettings | ((input: CreateMeetingInput) => ZoomMeetingSettings);
  /**
   * Where Zoom lives: the API base and the OAuth endpoints, each an absolute https URL (checked at
   * creation, `INVALID_INPUT`). Default Zoom's public cloud (`ZOOM_ENDPOINTS`); Zoom for
   * Government: `{ api: 'https://api.zoomgov.com/v2', authorization: 'https://zoomgov.com/oauth/authorize', token: 'https://zoomgov.com/oauth/token' }`.
   */
  readonly endpoints?: ZoomEndpoints;
  /**
   * The OAuth client that refreshes tokens. Default the provider's `oauth` (the credentials above at
   * `endpoints`). Only refreshes use it: `oauth` on the returned provider stays the default client.
   */
  readonly oauth?: OAuthRefreshClient;
}


/** A `VideoProvider` for one provider, plus what reconciliation and the OAuth callback need. */
export interface ConnectedVideoProvider extends VideoProvider {
  /** The token lifecycle (store the tokens after the OAuth callback with `tokens.saveTokens`). */
  readonly tokens: TokenManager;
  /**
   * The app's OAuth client at the provider's configured endpoints, for the connect routes:
   * `videoConnectRoutes({ providers: { zoom: { oauth: zoomProvider.oauth, tokens: zoomProvider.tokens } } })`.
   */
  readonly oauth: ProviderOAuthClient;
  /**
   * The meeting's actual start and end as the provider reports them; `null` when it has no record.
   * `neverStarted: true` only when the provider positively reports that the meeting never started
   * (settlement takes it as evidence for `NOBODY_JOINED`); see {@link zoom} and `googleMeet` for what
   * each provider asks. `signal` stops the calls when aborted (`PROVIDER_UNAVAILABLE`).
   */
  getMeetingTimes(input: { readonly tutorId: string; readonly meetingId: string; readonly signal?: AbortSignal }): Promise<MeetingTimes | null>;
  /**
   * Moves the meeting to a new start and duration (a reschedule), keeping its id and join link.
   * Idempotent: moving it to where it already is succeeds. See {@link zoom} and `googleMeet`.
   */
  moveMeeting(input: MoveMeetingInput): Promise<void>;
}

interface ZoomMeetingBody {
  readonly id?: number | string;
  readonly join_url?: string;
}

/** Zoom's `start_time`: UTC, without milliseconds (`2030-03-01T15:00:00Z`), with `timezone: 'UTC'`. */
const zoomTime = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Zoom's own error text of a refusal (`{ code, message }`), trimmed; empty when there is none. */
async function zoomReason(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { code?: unknown; message?: unknown } | null;
  const parts = [body?.code, body?.message].filter((p) => typeof p === 'string' || typeof p === 'number');
  return parts.length ? ` (${parts.join(' ').slice(0, 200)})` : '';
}

/**
 * Zoom as a `VideoProvider`: scheduled meetings (type 2) on the tutor's account, made through their
 * OAuth tokens (refreshed under the store's lock; Zoom refresh tokens are single-use).
 *
 * - `moveMeeting` updates the meeting (`PATCH /meetings/{id}` with `start_time`, `duration` and
 *   `timezone: 'UTC'`; Zoom answers 204): same id, same join link. Idempotent (Zoom accepts the same
 *   values again). A meeting Zoom no longer has (404, code 3001) is `PROVIDER_REQUEST_FAILED` with
 *   `details.httpStatus` 404. Zoom allows 100 updates of one meeting a day; past that it answers 429.
 * - `getMeetingTimes` reads the past meeting (`GET /past_meetings/{id}`). When Zoom has none (404), which
 *   a meeting still running answers too, it asks for the meeting itself (`GET /meetings/{id}`):
 *   `status: "waiting"` (never started) → `{ startedAt: null, endedAt: null, neverStarted: true }`;
 *   `status: "started"` (running now) → `{ startedAt: null, endedAt: null }`; 404 (the meeting is gone)
 *   or any other answer → `null`: nothing is claimed that Zoom did not report.
 */
export function zoom(options: ZoomOptions): ConnectedVideoProvider {
  const endpoints = resolveZoomEndpoints(options.endpoints);
  const API = endpoints.api;
  const oauth = createZoomOAuthClient({ clientId: options.clientId, clientSecret: options.clientSecret, redirectUri: options.redirectUri, endpoints });
  const tokens = createTokenManager({ ...options, provider: 'zoom', oauth: options.oauth ?? oauth });
  const inflight = new Map<string, Promise<Meeting>>();

  async function remove(tutorId: string, meetingId: string): Promise<void> {
    const response = await callApi(
      { provider: 'zoom', tokens, tutorId, method: 'DELETE', url: `${API}/meetings/${encodeURIComponent(meetingId)}`, what: `deleting Zoom meeting ${meetingId}` },
      options,
    );
    // 404 (3001 "Meeting does not exist"): already gone, which is what was asked.
    await discard(response);
  }

  async function create(input: CreateMeetingInput): Promise<Meeting> {
    const settings = typeof options.settings === 'function' ? options.settings(input) : options.settings;
    const response = await callApi(
      {
        provider: 'zoom',
        tokens,
        tutorId: input.tutorId,
        method: 'POST',
        url: `${API}/users/me/meetings`,
        what: 'creating a Zoom meeting',
        body: {
          topic: input.topic.slice(0, 200),
          type: 2,
          start_time: zoomTime(input.startAt),
          duration: input.durationMinutes,
          timezone: 'UTC',
          settings: { ...DEFAULT_ZOOM_SETTINGS, ...settings },
        },
      },
      options,
    );
    if (response.status === 404) {
      await discard(response);
      throw providerError('PROVIDER_REQUEST_FAILED', 'zoom', 'creating a Zoom meeting: Zoom answered 404 (user not found)', { httpStatus: 404 });
    }
    const body = (await response.json().catch(() => ({}))) as ZoomMeetingBody;
    if ((typeof body.id !== 'number' && typeof body.id !== 'string') || typeof body.join_url !== 'string') {
      throw providerError('PROVIDER_UNAVAILABLE', 'zoom', 'creating a Zoom meeting: the answer has no id or join_url', { httpStatus: response.status });
    }
    return { meetingId: String(body.id), joinUrl: body.join_url };
  }

  return {
    tokens,
    oauth,
    createMeeting: (input) => idempotentCreate({ provider: 'zoom', store: options.meetings, inflight, create, remove }, input),
    async deleteMeeting(input) {
      assertProvider('zoom', input.provider);
      await remove(input.tutorId, input.meetingId);
      await options.meetings.remove('zoom', input.meetingId);
    },
    async moveMeeting(input) {
      assertProvider('zoom', input.provider);
      const what = `moving Zoom meeting ${input.meetingId}`;
      const response = await callApi(
        {
          provider: 'zoom',
          tokens,
          tutorId: input.tutorId,
          method: 'PATCH',
          url: `${API}/meetings/${encodeURIComponent(input.meetingId)}`,
          what,
          body: { start_time: zoomTime(input.startAt), duration: input.durationMinutes, timezone: 'UTC' },
          ...(input.signal ? { signal: input.signal } : {}),
        },
        options,
      );
      if (response.status === 404) {
        // Unlike a deletion, a move of a meeting that is gone did not happen: the session would have no meeting.
        throw providerError('PROVIDER_REQUEST_FAILED', 'zoom', `${what}: Zoom answered 404${await zoomReason(response)}`, { httpStatus: 404 });
      }
      await discard(response);
    },
    async getMeetingTimes({ tutorId, meetingId, signal }) {
      const id = encodeURIComponent(meetingId);
      const past = await callApi(
        { provider: 'zoom', tokens, tutorId, method: 'GET', url: `${API}/past_meetings/${id}`, what: `reading past Zoom meeting ${meetingId}`, ...(signal ? { signal } : {}) },
        options,
      );
      if (past.status !== 404) {
        const body = (await past.json().catch(() => ({}))) as { start_time?: unknown; end_time?: unknown };
        const date = (value: unknown) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value) : null);
        return { startedAt: date(body.start_time), endedAt: date(body.end_time) };
      }
      await discard(past);
      // No past meeting: never held, or running now (Zoom answers 404 for a live meeting too). The meeting's
      // own status tells them apart; only an explicit "waiting" is taken as "never started".
      const live = await callApi(
        { provider: 'zoom', tokens, tutorId, method: 'GET', url: `${API}/meetings/${id}`, what: `reading Zoom meeting ${meetingId}`, ...(signal ? { signal } : {}) },
        options,
      );
      if (live.status === 404) {
        await discard(live);
        return null;
      }
      const body = (await live.json().catch(() => ({}))) as { id?: unknown; status?: unknown };
      // An answer that does not name this meeting proves nothing.
      if ((typeof body.id !== 'number' && typeof body.id !== 'string') || String(body.id) !== meetingId) return null;
      if (body.status === 'waiting') return { startedAt: null, endedAt: null, neverStarted: true };
      if (body.status === 'started') return { startedAt: null, endedAt: null };
      return null;
    },
  };
}
