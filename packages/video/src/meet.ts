import type { CreateMeetingInput, Meeting } from '@itutor/sessions-core/adapter';
import { createGoogleOAuthClient, resolveGoogleEndpoints, type GoogleEndpoints } from './endpoints';
import { providerError } from './errors';
import { callApi, discard, type ApiCallOptions } from './http';
import { assertProvider, idempotentCreate, type MeetingStore } from './meetings';
import { createMeetSubscriptionClient, createSpaceSubscriber, type MeetEventSubscriptionsOptions, type MeetSubscriptionClient } from './meet-subscriptions';
import { createTokenManager, type OAuthRefreshClient, type TokenOptions } from './tokens';
import type { ConnectedVideoProvider, MeetingTimes } from './zoom';

/** Who may join a Meet space without asking (`SpaceConfig.accessType`). */
export type MeetAccessType = 'OPEN' | 'TRUSTED' | 'RESTRICTED';

/** Options of {@link googleMeet}. */
export interface GoogleMeetOptions extends TokenOptions, ApiCallOptions {
  /** The Google OAuth client's credentials (server-side only). */
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  /** Where the space made for each booking is remembered (idempotency). */
  readonly meetings: MeetingStore;
  /** Default `OPEN`: the student (any Google account with the link) joins without knocking. */
  readonly accessType?: MeetAccessType | ((input: CreateMeetingInput) => MeetAccessType);
  /**
   * Where Google lives: the Meet and Workspace Events API bases and the OAuth endpoints, each an absolute
   * https URL (checked at creation, `INVALID_INPUT`). Default Google's public endpoints (`GOOGLE_ENDPOINTS`).
   */
  readonly endpoints?: GoogleEndpoints;
  /**
   * The OAuth client that refreshes tokens. Default the provider's `oauth` (the credentials above at
   * `endpoints`). Only refreshes use it: `oauth` on the returned provider stays the default client.
   */
  readonly oauth?: OAuthRefreshClient;
  /**
   * Subscribe each space this provider creates to its Meet events (Google Workspace Events, delivered
   * to `pubsubTopic`), so the Meet events route hears of conferences and participants. Without it, no
   * subscription is made. Renew them with `renewMeetSubscriptions` from the cron tick.
   */
  readonly eventSubscriptions?: MeetEventSubscriptionsOptions;
}

/** What {@link googleMeet} returns: a connected provider plus its Workspace Events client. */
export interface GoogleMeetProvider extends ConnectedVideoProvider {
  /**
   * The Workspace Events client on this provider's tokens (for `renewMeetSubscriptions`); `null`
   * when `eventSubscriptions` is not configured.
   */
  readonly eventSubscriptions: MeetSubscriptionClient | null;
}

/** The OAuth scope the Meet provider needs (`spaces.create`, `spaces.patch`, conference records). */
export const GOOGLE_MEET_SCOPES: readonly string[] = Object.freeze(['https://www.googleapis.com/auth/meetings.space.created']);

/**
 * Google Meet as a `VideoProvider`: one meeting space per booking (`spaces.create`; its `meetingUri` is
 * the join URL). Spaces cannot be deleted: `deleteMeeting` restricts the space (only invited people may
 * join) and forgets it.
 *
 * With `eventSubscriptions`, every space it returns from `createMeeting` is also subscribed to its Meet
 * events (once per space: a retried booking finds the stored subscription, and Google's 409
 * `ALREADY_EXISTS` is answered with the existing one). A failed subscription does not fail the booking:
 * the space is stored without one and `renewMeetSubscriptions` creates it. `deleteMeeting` deletes
 * the space's subscription and forgets it.
 *
 * - `moveMeeting`: a space has no time, so nothing moves at Google. With `eventSubscriptions`, the
 *   space's subscription is ensured again for the new end (`startAt + durationMinutes`): its stored
 *   `keepUntil` follows the session, so the renewal job keeps it alive until after the moved session (a
 *   missing subscription is created, as on `createMeeting`). Idempotent. It fails
 *   (`PROVIDER_UNAVAILABLE`) only when the subscription store could not record the new end.
 * - `getMeetingTimes` reads the space's conference records (Meet lists running conferences too). When
 *   there are none, it asks for the space (`GET /spaces/{id}`): only when Google answers it with the
 *   space's settings (`config`, which Google shows the space's owner alone: the tutor's account, whose
 *   conference records are the complete list) and no active conference is the answer
 *   `{ startedAt: null, endedAt: null, neverStarted: true }`. An active conference (one that began
 *   between the two calls) is `{ startedAt: null, endedAt: null }`; a space Google does not know (404),
 *   or one the token's account does not own (another Google account reconnected since), is `null`.
 */
export function googleMeet(options: GoogleMeetOptions): GoogleMeetProvider {
  const endpoints = resolveGoogleEndpoints(options.endpoints);
  const API = endpoints.meetApi;
  const oauth = createGoogleOAuthClient({ clientId: options.clientId, clientSecret: options.clientSecret, redirectUri: options.redirectUri, endpoints });
  const tokens = createTokenManager({ ...options, provider: 'google_meet', oauth: options.oauth ?? oauth });
  const inflight = new Map<string, Promise<Meeting>>();
  const eventSubscriptions = options.eventSubscriptions ? createMeetSubscriptionClient({ ...options, ...options.eventSubscriptions, endpoints, tokens }) : null;
  const subscriber = eventSubscriptions && options.eventSubscriptions ? createSpaceSubscriber(eventSubscriptions, options.eventSubscriptions) : null;
  const spacePath = (meetingId: string) => {
    if (!/^spaces\/[A-Za-z0-9_-]+$/.test(meetingId)) {
      throw providerError('PROVIDER_REQUEST_FAILED', 'google_meet', `"${meetingId.slice(0, 80)}" is not a Meet space name (spaces/…)`);
    }
    return meetingId;
  };

  async function remove(tutorId: string, meetingId: string): Promise<void> {
    const response = await callApi(
      {
        provider: 'google_meet',
        tokens,
        tutorId,
        method: 'PATCH',
        url: `${API}/${spacePath(meetingId)}?updateMask=config.accessType`,
        body: { config: { accessType: 'RESTRICTED' } },
        what: `restricting Meet space ${meetingId}`,
      },
      options,
    );
    await discard(response);
  }

  /**
   * No conference record for the space: never started, but only if the list is the owner's. Meet
   * lists only the conferences the token's account may see, so an empty list proves nothing unless
   * that account owns the space: `spaces.get` shows `config` to the owner only.
   */
  async function quietSpace(tutorId: string, meetingId: string, signal: AbortSignal | undefined): Promise<MeetingTimes | null> {
    const response = await callApi(
      { provider: 'google_meet', tokens, tutorId, method: 'GET', url: `${API}/${spacePath(meetingId)}`, what: `reading Meet space ${meetingId}`, ...(signal ? { signal } : {}) },
      options,
    );
    if (response.status === 404) {
      await discard(response);
      return null;
    }
    const space = (await response.json().catch(() => ({}))) as { name?: unknown; config?: unknown; activeConference?: unknown };
    if (space.name !== meetingId || typeof space.config !== 'object' || space.config === null) return null;
    // A conference that began after the list was read: running, not "never started".
    if (typeof space.activeConference === 'object' && space.activeConference !== null) return { startedAt: null, endedAt: null };
    return { startedAt: null, endedAt: null, neverStarted: true };
  }

  async function create(input: CreateMeetingInput): Promise<Meeting> {
    const accessType = typeof options.accessType === 'function' ? options.accessType(input) : (options.accessType ?? 'OPEN');
    const response = await callApi(
      { provider: 'google_meet', tokens, tutorId: input.tutorId, method: 'POST', url: `${API}/spaces`, body: { config: { accessType } }, what: 'creating a Meet space' },
      options,
    );
    const body = (await response.json().catch(() => ({}))) as { name?: unknown; meetingUri?: unknown };
    if (response.status === 404 || typeof body.name !== 'string' || typeof body.meetingUri !== 'string') {
      throw providerError('PROVIDER_UNAVAILABLE', 'google_meet', 'creating a Meet space: the answer has no name or meetingUri', { httpStatus: response.status });
    }
    return { meetingId: body.name, joinUrl: body.meetingUri };
  }

  return {
    tokens,
    oauth,
    eventSubscriptions,
    async createMeeting(input) {
      const meeting = await idempotentCreate({ provider: 'google_meet', store: options.meetings, inflight, create, remove }, input);
      if (subscriber) {
        const endsAt = new Date(input.startAt.getTime() + input.durationMinutes * 60_000);
        await subscriber.ensure({ space: meeting.meetingId, tutorId: input.tutorId, endsAt });
      }
      return meeting;
    },
    async deleteMeeting(input) {
      assertProvider('google_meet', input.provider);
      await remove(input.tutorId, input.meetingId);
      await options.meetings.remove('google_meet', input.meetingId);
      await subscriber?.forget({ space: input.meetingId, tutorId: input.tutorId });
    },
    async moveMeeting(input) {
      assertProvider('google_meet', input.provider);
      const space = spacePath(input.meetingId);
      if (!subscriber) return;
      const endsAt = new Date(input.startAt.getTime() + input.durationMinutes * 60_000);
      if (!(await subscriber.ensure({ space, tutorId: input.tutorId, endsAt }))) {
        throw providerError('PROVIDER_UNAVAILABLE', 'google_meet', `moving Meet space ${space}: the subscription store could not record the new end`);
      }
    },
    async getMeetingTimes({ tutorId, meetingId, signal }) {
      const filter = encodeURIComponent(`space.name = "${spacePath(meetingId)}"`);
      const response = await callApi(
        {
          provider: 'google_meet',
          tokens,
          tutorId,
          method: 'GET',
          url: `${API}/conferenceRecords?filter=${filter}`,
          what: `reading conference records of ${meetingId}`,
          ...(signal ? { signal } : {}),
        },
        options,
      );
      if (response.status === 404) {
        await discard(response);
        return null;
      }
      const body = (await response.json().catch(() => ({}))) as { conferenceRecords?: Array<{ startTime?: unknown; endTime?: unknown }> };
      const records = Array.isArray(body.conferenceRecords) ? body.conferenceRecords : [];
      if (records.length === 0) return quietSpace(tutorId, meetingId, signal);
      const time = (value: unknown) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? Date.parse(value) : null);
      const starts = records.map((r) => time(r.startTime)).filter((t): t is number => t !== null);
      const ends = records.map((r) => time(r.endTime));
      // A conference still running (no endTime) means the meeting has not ended.
      const ended = ends.every((t) => t !== null);
      return {
        startedAt: starts.length ? new Date(Math.min(...starts)) : null,
        endedAt: ended ? new Date(Math.max(...(ends as number[]))) : null,
      };
    },
  };
}
