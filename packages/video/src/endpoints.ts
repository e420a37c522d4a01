import { SessionError } from '@itutor/sessions-core';
import { CodeChallengeMethod, OAuth2Client } from 'arctic';
import type { OAuthAuthorizationClient } from './connect';
import type { OAuthRefreshClient } from './tokens';

/**
 * Where Zoom lives for one host. Every field defaults to Zoom's public cloud ({@link ZOOM_ENDPOINTS});
 * Zoom for Government accounts use `zoomgov.com` instead (see the README).
 */
export interface ZoomEndpoints {
  /** The REST API base, without a trailing slash. Default `https://api.zoom.us/v2`. */
  readonly api?: string;
  /** The OAuth consent page the tutor is sent to. Default `https://zoom.us/oauth/authorize`. */
  readonly authorization?: string;
  /** The OAuth token endpoint: code exchange and refresh. Default `https://zoom.us/oauth/token`. */
  readonly token?: string;
}

/** Where Google lives for one host. Every field defaults to Google's public endpoints ({@link GOOGLE_ENDPOINTS}). */
export interface GoogleEndpoints {
  /** The Google Meet REST API base. Default `https://meet.googleapis.com/v2`. */
  readonly meetApi?: string;
  /** The Google Workspace Events API base (Meet event subscriptions). Default `https://workspaceevents.googleapis.com/v1`. */
  readonly workspaceEventsApi?: string;
  /** The OAuth consent page the tutor is sent to. Default `https://accounts.google.com/o/oauth2/v2/auth`. */
  readonly authorization?: string;
  /** The OAuth token endpoint: code exchange and refresh. Default `https://oauth2.googleapis.com/token`. */
  readonly token?: string;
}

/** Zoom's public endpoints: the defaults of `zoom()`, {@link createZoomOAuthClient} and the Zoom fake. */
export const ZOOM_ENDPOINTS: Readonly<Required<ZoomEndpoints>> = Object.freeze({
  api: 'https://api.zoom.us/v2',
  authorization: 'https://zoom.us/oauth/authorize',
  token: 'https://zoom.us/oauth/token',
});

/** Google's public endpoints: the defaults of `googleMeet()`, {@link createGoogleOAuthClient} and the Google fake. */
export const GOOGLE_ENDPOINTS: Readonly<Required<GoogleEndpoints>> = Object.freeze({
  meetApi: 'https://meet.googleapis.com/v2',
  workspaceEventsApi: 'https://workspaceevents.googleapis.com/v1',
  authorization: 'https://accounts.google.com/o/oauth2/v2/auth',
  token: 'https://oauth2.googleapis.com/token',
});

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `value` as an endpoint URL without a trailing slash, or `INVALID_INPUT` naming `path`: an absolute
 * `https://` URL (plain `http://` only on `localhost` / `127.0.0.1` / `[::1]`, for local fakes), with no
 * user name, password, query or fragment (paths are appended to it).
 */
function checkedEndpoint(value: unknown, path: string): string {
  let url: URL | null = null;
  try {
    url = typeof value === 'string' && value.trim() === value ? new URL(value) : null;
  } catch {
    url = null;
  }
  const issue =
    url === null
      ? 'is not an absolute URL'
      : url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))
        ? 'must be an https:// URL (http:// only for localhost)'
        : url.username !== '' || url.password !== ''
          ? 'must not carry a user name or password'
          : url.search !== '' || url.hash !== '' || /[?#]/.test(String(value))
            ? 'must not have a query or fragment'
            : null;
  if (issue !== null) {
    throw new SessionError('INVALID_INPUT', `${path} ${issue}`, { issues: [{ path, message: issue }] });
  }
  return String(value).replace(/\/+$/, '');
}

/** Zoom's endpoints with the host's overrides, each checked (`INVALID_INPUT` naming the field). */
export function resolveZoomEndpoints(endpoints: ZoomEndpoints | undefined): Required<ZoomEndpoints> {
  const given = endpoints ?? {};
  return {
    api: checkedEndpoint(given.api ?? ZOOM_ENDPOINTS.api, 'endpoints.api'),
    authorization: checkedEndpoint(given.authorization ?? ZOOM_ENDPOINTS.authorization, 'endpoints.authorization'),
    token: checkedEndpoint(given.token ?? ZOOM_ENDPOINTS.token, 'endpoints.token'),
  };
}

/** Google's endpoints with the host's overrides, each checked (`INVALID_INPUT` naming the field). */
export function resolveGoogleEndpoints(endpoints: GoogleEndpoints | undefined): Required<GoogleEndpoints> {
  const given = endpoints ?? {};
  return {
    meetApi: checkedEndpoint(given.meetApi ?? GOOGLE_ENDPOINTS.meetApi, 'endpoints.meetApi'),
    workspaceEventsApi: checkedEndpoint(given.workspaceEventsApi ?? GOOGLE_ENDPOINTS.workspaceEventsApi, 'endpoints.workspaceEventsApi'),
    authorization: checkedEndpoint(given.authorization ?? GOOGLE_ENDPOINTS.authorization, 'endpoints.authorization'),
    token: checkedEndpoint(given.token ?? GOOGLE_ENDPOINTS.token, 'endpoints.token'),
  };
}

/**
 * An OAuth 2.0 client of one provider's app (authorization code with PKCE S256, and refresh), calling
 * the endpoints it was made with: what the connect routes (`VideoConnectProvider.oauth`) and the token
 * manager (`OAuthRefreshClient`) need. Behaves as arctic's `Zoom` / `Google` clients do (HTTP Basic
 * client authentication, arctic's `OAuth2RequestError` on a refusal), at configurable endpoints.
 */
export interface ProviderOAuthClient extends OAuthAuthorizationClient, OAuthRefreshClient {
  /** The endpoints it calls (checked, without a trailing slash). */
  readonly endpoints: { readonly authorization: string; readonly token: string };
}

/** Options of {@link createZoomOAuthClient} and {@link createGoogleOAuthClient}. */
export interface ProviderOAuthClientOptions<E> {
  /** The app's OAuth credentials (server-side only). */
  readonly clientId: string;
  readonly clientSecret: string;
  /** The connect callback route, exactly as registered with the provider. */
  readonly redirectUri: string;
  /** Where the provider lives; only `authorization` and `token` are used here. Default the public endpoints. */
  readonly endpoints?: E;
}

function oauthClient(options: ProviderOAuthClientOptions<unknown>, authorization: string, token: string): ProviderOAuthClient {
  const client = new OAuth2Client(options.clientId, options.clientSecret, options.redirectUri);
  return {
    endpoints: Object.freeze({ authorization, token }),
    createAuthorizationURL: (state, codeVerifier, scopes) =>
      client.createAuthorizationURLWithPKCE(authorization, state, CodeChallengeMethod.S256, codeVerifier, scopes),
    validateAuthorizationCode: (code, codeVerifier) => client.validateAuthorizationCode(token, code, codeVerifier),
    refreshAccessToken: (refreshToken) => client.refreshAccessToken(token, refreshToken, []),
  };
}

/**
 * The Zoom app's OAuth client at `endpoints` (default Zoom's public cloud): what `zoom()` refreshes with
 * and exposes as `zoomProvider.oauth` for the connect routes. Endpoints are checked at creation
 * (`INVALID_INPUT`: an absolute https URL; http only on localhost).
 */
export function createZoomOAuthClient(options: ProviderOAuthClientOptions<ZoomEndpoints>): ProviderOAuthClient {
  const endpoints = resolveZoomEndpoints(options.endpoints);
  return oauthClient(options, endpoints.authorization, endpoints.token);
}

/**
 * The Google OAuth client at `endpoints` (default Google's public endpoints): what `googleMeet()`
 * refreshes with and exposes as `meetProvider.oauth` for the connect routes. Endpoints are checked at
 * creation (`INVALID_INPUT`).
 */
export function createGoogleOAuthClient(options: ProviderOAuthClientOptions<GoogleEndpoints>): ProviderOAuthClient {
  const endpoints = resolveGoogleEndpoints(options.endpoints);
  return oauthClient(options, endpoints.authorization, endpoints.token);
}
