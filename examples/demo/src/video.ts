import { randomBytes } from 'node:crypto';
import { Zoom } from 'arctic';
import type { Clock, SessionsCore, VideoProvider } from '@itutor/sessions-core';
import type { SupabaseSessionsAdapter } from '@itutor/sessions-supabase';
import {
  createKeyRing,
  decryptToken,
  sealProviderTokens,
  tokenStoreFromConnections,
  videoProviders,
  zoom,
  type ConnectedVideoProvider,
  type KeyRing,
} from '@itutor/sessions-video';
import { createZoomFake, interceptProviders, type ProviderInterception, type ZoomFake } from '@itutor/sessions-video/testing';

/**
 * Zoom in the demo, with no keys and no internet: the SDK's real `zoom()` provider and connect routes
 * (arctic's OAuth client, `fetch` to `zoom.us` / `api.zoom.us`), answered in-process by the video
 * package's fake Zoom (`interceptProviders`, msw). The browser part of the OAuth flow — Zoom's consent
 * page — is the demo's own `/demo/fake-zoom/authorize` page (see server.ts), reached through the connect
 * route's `authorizationUrl` option.
 */

/** The demo's Zoom app (the fake accepts exactly this client; nothing real). */
export const ZOOM_CLIENT = { id: 'itutor-demo-zoom-client', secret: 'itutor-demo-zoom-secret-not-a-real-one' } as const;

/**
 * The Zoom account (e-mail) of each demo person: what a tutor signs in to at the fake Zoom (its
 * `login_hint`), and the e-mail Zoom reports when that person joins a meeting (`ada@zoom.example`,
 * `sam@zoom.example`). The core's `matchParticipant` (world.ts) matches participants by it.
 */
export const zoomAccountOf = (userId: string) => `${userId.replace(/^(tutor|student)-/, '')}@zoom.example`;

/**
 * One fake Zoom and one interception per process, shared by every demo the process starts (the tests
 * start several; msw patches `fetch` once per process). Tokens, codes and meetings are per user, so
 * demos sharing it do not see each other's.
 */
let shared: { fake: ZoomFake; interception: ProviderInterception; users: number } | null = null;

function acquireFake(): { fake: ZoomFake; release: () => void } {
  shared ??= (() => {
    const fake = createZoomFake({ clientId: ZOOM_CLIENT.id, clientSecret: ZOOM_CLIENT.secret });
    return { fake, interception: interceptProviders(fake), users: 0 };
  })();
  shared.users += 1;
  let released = false;
  return {
    fake: shared.fake,
    release: () => {
      if (released || !shared) return;
      released = true;
      shared.users -= 1;
      if (shared.users === 0) {
        shared.interception.close();
        shared = null;
      }
    },
  };
}

/**
 * What the demo's provider does besides creating and deleting meetings: settlement asks for the meeting's
 * actual times (Zoom's past meeting, or that it never started), and a reschedule moves the meeting.
 */
type ProviderExtras = Required<Pick<VideoProvider, 'getMeetingTimes' | 'moveMeeting'>>;

export interface DemoVideo {
  /**
   * The `VideoProvider` the core gets: Zoom through the fake, join links mapped to the demo's meeting
   * page, `getMeetingTimes` (`GET /past_meetings/{id}`, then `GET /meetings/{id}` at the fake Zoom) for
   * reconciliation before settlement, and `moveMeeting` (`PATCH /meetings/{id}`) for a reschedule.
   */
  readonly provider: VideoProvider & ProviderExtras;
  /** The SDK's Zoom provider (its `tokens` seal the tokens of the connect callback). */
  readonly zoom: ConnectedVideoProvider;
  /** The fake Zoom answering this process. */
  readonly fake: ZoomFake;
  /** The redirect URI registered for the demo's Zoom app: the connect route's callback. */
  readonly redirectUri: () => string;
  /** An arctic `Zoom` client for the connect routes. */
  oauthClient(): Zoom;
  /** Connects `tutorId` to Zoom as a finished OAuth flow would (tokens issued by the fake, sealed). */
  seedConnection(core: SessionsCore, tutorId: string): Promise<void>;
  /**
   * The tutor removes the iTutor app in their Zoom account: the fake revokes their current access and
   * refresh tokens (read from the connection row and decrypted: only the server can). The connection
   * row does not change until the next call to Zoom finds out.
   */
  revokeAtZoom(tutorId: string): Promise<boolean>;
  /** Stops intercepting when no other demo in this process uses the fake. */
  release(): void;
}

export function createDemoVideo(options: { origin: () => string; adapter: SupabaseSessionsAdapter; clock: Clock }): DemoVideo {
  const { fake, release } = acquireFake();
  // A fresh key per start: the database is in memory too, so nothing sealed outlives the process.
  const keyRing: KeyRing = createKeyRing({ currentKeyId: 'demo', keys: { demo: randomBytes(32).toString('base64') } });
  const store = tokenStoreFromConnections(options.adapter.connections);
  const redirectUri = () => `${options.origin()}/api/providers/zoom/callback`;
  const zoomProvider = zoom({
    clientId: ZOOM_CLIENT.id,
    clientSecret: ZOOM_CLIENT.secret,
    redirectUri: redirectUri(),
    store,
    keyRing,
    meetings: options.adapter.meetings,
    // Simulated time, like the core's: a connection that goes bad is dated on the page's clock.
    clock: options.clock,
    onConnectionInvalid: ({ tutorId, status }) => console.log(`[demo] ${tutorId}'s Zoom connection is now ${status} (a host would email the tutor here)`),
  });
  const routed = videoProviders({ zoom: zoomProvider });
  // Zoom's join links (https://us05web.zoom.us/j/…) need the internet: the demo opens its own meeting page
  // for the same meeting instead. A real host keeps the provider's link.
  const provider: VideoProvider & ProviderExtras = {
    async createMeeting(input) {
      const meeting = await routed.createMeeting(input);
      return { ...meeting, joinUrl: `${options.origin()}/demo/meeting/${encodeURIComponent(meeting.meetingId)}?provider=${input.provider}` };
    },
    deleteMeeting: (input) => routed.deleteMeeting(input),
    // A reschedule moves the meeting at Zoom (`PATCH /meetings/{id}`); its id and join link stay.
    moveMeeting: (input) => routed.moveMeeting!(input),
    // Reconciliation before settlement: the meeting's actual start and end as its provider reports them.
    getMeetingTimes: (input) => routed.getMeetingTimes!(input),
  };

  return {
    provider,
    zoom: zoomProvider,
    fake,
    redirectUri,
    oauthClient: () => new Zoom(ZOOM_CLIENT.id, ZOOM_CLIENT.secret, redirectUri()),
    async seedConnection(core, tutorId) {
      const issued = fake.issueTokens(zoomAccountOf(tutorId));
      const tokens = await sealProviderTokens(keyRing, { tutorId, provider: 'zoom' }, issued);
      await core.providers.connect({ tutorId, provider: 'zoom', externalAccountId: zoomAccountOf(tutorId), tokens });
    },
    async revokeAtZoom(tutorId) {
      const stored = await store.read(tutorId);
      if (!stored || stored.provider !== 'zoom') return false;
      const context = (field: 'access' | 'refresh') => `${tutorId}:zoom:${field}`;
      const tokens = [await decryptToken(keyRing, stored.accessToken, context('access'))];
      if (stored.refreshToken) tokens.push(await decryptToken(keyRing, stored.refreshToken, context('refresh')));
      // Zoom's revoke endpoint, as the app's uninstall would (answered by the fake).
      const basic = btoa(`${ZOOM_CLIENT.id}:${ZOOM_CLIENT.secret}`);
      for (const token of tokens) {
        const response = await fetch('https://zoom.us/oauth/revoke', {
          method: 'POST',
          headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token }).toString(),
        });
        if (!response.ok) throw new Error(`the fake Zoom refused the revocation (HTTP ${response.status})`);
      }
      return true;
    },
    release,
  };
}
