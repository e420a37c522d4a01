import 'server-only';
import type { Authenticator } from '@itutor/sessions-core/http';

/*
 * Browser requests carry the user's Supabase session in the cookie that `@supabase/ssr` writes
 * (`sb-<project-ref>-auth-token`, split into `.0`, `.1`, … chunks when large, value optionally
 * `base64-` + base64url JSON). The SDK's buttons post with the page's cookies, so this bridge hands the
 * access token from that cookie to the Supabase authenticator as `Authorization: Bearer <token>`.
 * The authenticator still verifies the token's signature and expiry; the bridge only moves it.
 */

/** `@supabase/ssr`'s default cookie name for a project URL: `sb-<first label of the host>-auth-token`. */
export function supabaseAuthCookieName(supabaseUrl: string): string {
  return `sb-${new URL(supabaseUrl).hostname.split('.')[0]}-auth-token`;
}

function parseCookies(header: string): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || cookies.has(name)) continue;
    try {
      cookies.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // A malformed cookie is ignored like an absent one.
    }
  }
  return cookies;
}

/** The access token in a `@supabase/ssr` session cookie, or `null`. */
export function accessTokenFromCookieHeader(cookieHeader: string | null, cookieName: string): string | null {
  if (!cookieHeader) return null;
  const cookies = parseCookies(cookieHeader);
  let raw = cookies.get(cookieName);
  if (raw === undefined) {
    const chunks: string[] = [];
    for (let i = 0; cookies.has(`${cookieName}.${i}`); i++) chunks.push(cookies.get(`${cookieName}.${i}`)!);
    if (chunks.length === 0) return null;
    raw = chunks.join('');
  }
  try {
    const text = raw.startsWith('base64-') ? Buffer.from(raw.slice('base64-'.length), 'base64url').toString('utf8') : raw;
    const session = JSON.parse(text) as unknown;
    // Current format: the session object; old auth-helpers format: [accessToken, refreshToken, …].
    const token = Array.isArray(session)
      ? session[0]
      : session && typeof session === 'object'
        ? (session as { access_token?: unknown }).access_token
        : null;
    return typeof token === 'string' && token.length > 0 ? token : null;
  } catch {
    return null;
  }
}

/**
 * A state-changing request authenticated by a cookie must come from this site's own pages (CSRF):
 * `Sec-Fetch-Site: same-origin`, or, from browsers that do not send it, an `Origin` equal to the host's.
 */
function isSameOriginRequest(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site === 'same-origin';
  const origin = request.headers.get('origin');
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  if (origin === null || host === null) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Wraps a bearer-token authenticator so that it also accepts the `@supabase/ssr` session cookie.
 * An `Authorization` header always wins; the cookie is used for reads, and for writes only from a
 * same-origin page.
 */
export function withSupabaseSessionCookie(authenticate: Authenticator, supabaseUrl: string): Authenticator {
  const cookieName = supabaseAuthCookieName(supabaseUrl);
  return (request) => {
    if (request.headers.has('authorization')) return authenticate(request);
    const token = accessTokenFromCookieHeader(request.headers.get('cookie'), cookieName);
    if (token === null) return authenticate(request);
    const safe = request.method === 'GET' || request.method === 'HEAD';
    if (!safe && !isSameOriginRequest(request)) return null;
    const headers = new Headers(request.headers);
    headers.set('authorization', `Bearer ${token}`);
    return authenticate(new Request(request.url, { method: 'GET', headers }));
  };
}
