import type { CreateMeetingInput, Meeting } from '@itutor/sessions-core/adapter';
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
  /** The meeting's actual start and end as the provider reports them; `null` when it has no record. */
  getMeetingTimes(input: { readonly tutorId: string; readonly meetingId: string }): Promise<MeetingTimes | null>;
}

interface ZoomMeetingBody {
  readonly id?: number | string;
  readonly join_url?: string;
}

/**
 * Zoom as a `VideoProvider`: scheduled meetings (type 2) on the tutor's account, made through their
 * OAuth tokens (refreshed under the store's lock; Zoom refresh tokens are single-use).
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
          start_time: input.startAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
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
    async getMeetingTimes({ tutorId, meetingId }) {
      const response = await callApi(
        { provider: 'zoom', tokens, tutorId, method: 'GET', url: `${API}/past_meetings/${encodeURIComponent(meetingId)}`, what: `reading past Zoom meeting ${meetingId}` },
        options,
      );
      if (response.status === 404) {
        await discard(response);
        return null;
      }
      const body = (await response.json().catch(() => ({}))) as { start_time?: unknown; end_time?: unknown };
      const date = (value: unknown) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value) : null);
      return { startedAt: date(body.start_time), endedAt: date(body.end_time) };
    },
  };
}
