import 'server-only';
import type { VideoProvider, VideoProviderName } from '@itutor/sessions-core';
import type { SessionsRoutePlugin } from '@itutor/sessions-core/http';
import type { SupabaseSessionsAdapter } from '@itutor/sessions-supabase';
import {
  createKeyRing,
  googleMeet,
  tokenStoreFromConnections,
  videoConnectRoutes,
  videoProviders,
  zoom,
  type OAuthStateStore,
  type VideoConnectOptions,
} from '@itutor/sessions-video';
import type { VideoEnv } from './env';

/*
 * Zoom and Google Meet on the tutors' own accounts (server only), when the environment configures them
 * (`readVideoEnv`, lib/env.ts): the video package's `zoom()` / `googleMeet()` providers, their OAuth tokens
 * sealed with `VIDEO_TOKEN_KEY` in the SDK's connection rows, and the connect routes
 * (`GET /api/providers/{zoom|google_meet}/connect|callback`) as a route plug-in of the one mount.
 * Without that configuration the core keeps the placeholder provider (lib/placeholders.ts).
 */

/** What the video configuration gives the server: the core's provider and the connect routes. */
export interface VideoSetup {
  /** The providers behind one `VideoProvider`: each call goes to the provider of the tutor's connection. */
  readonly provider: VideoProvider;
  /** The connect routes plug-in for `createSessionsHandler({ routes })`, over the core made with `provider`. */
  connectRoutes(core: VideoConnectOptions['core']): SessionsRoutePlugin;
}

export function createVideoSetup(env: VideoEnv, options: { readonly adapter: SupabaseSessionsAdapter; readonly stateStore: OAuthStateStore }): VideoSetup {
  const keyRing = createKeyRing({ currentKeyId: env.tokenKeyId, keys: { [env.tokenKeyId]: env.tokenKey } });
  const shared = { store: tokenStoreFromConnections(options.adapter.connections), keyRing, meetings: options.adapter.meetings };
  // The redirect URI registered with each provider's OAuth app: the connect callback on this app.
  const callback = (name: VideoProviderName) => new URL(`/api/providers/${name}/callback`, env.appUrl).toString();
  const onConnectionInvalid = ({ tutorId, provider, status }: { tutorId: string; provider: VideoProviderName; status: string }) =>
    console.warn(`[itutor sessions] ${tutorId}'s ${provider} connection is now ${status}: they must reconnect (e-mail them here)`);

  const zoomProvider = env.zoom ? zoom({ ...env.zoom, redirectUri: callback('zoom'), ...shared, onConnectionInvalid }) : undefined;
  const meetProvider = env.googleMeet ? googleMeet({ ...env.googleMeet, redirectUri: callback('google_meet'), ...shared, onConnectionInvalid }) : undefined;
  const providers: VideoConnectOptions['providers'] = {
    ...(zoomProvider ? { zoom: { oauth: zoomProvider.oauth, tokens: zoomProvider.tokens } } : {}),
    ...(meetProvider ? { google_meet: { oauth: meetProvider.oauth, tokens: meetProvider.tokens } } : {}),
  };
  return {
    provider: videoProviders({ ...(zoomProvider ? { zoom: zoomProvider } : {}), ...(meetProvider ? { google_meet: meetProvider } : {}) }),
    connectRoutes: (core) =>
      videoConnectRoutes({
        core,
        cookieSecret: env.cookieSecret,
        stateStore: options.stateStore,
        // Back to the home page, which says how it went (`?video=<outcome>&provider=<name>`).
        returnTo: new URL('/', env.appUrl).toString(),
        secureCookie: new URL(env.appUrl).protocol === 'https:',
        providers,
        onError: (error) => console.error('[itutor sessions] video connect route', error),
      }),
  };
}
