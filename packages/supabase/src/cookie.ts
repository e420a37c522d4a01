import type { Authenticator } from '@itutor/sessions-core/http';

/*
 * Browser requests carry the user's Supabase session in the cookie that `@supabase/ssr` writes
 * (`sb-<project-ref>-auth-token`, split into `.0`, `.1`, … chunks when large; the value is JSON or
 * `base64-` + base64url JSON). The React buttons post with the page's cookies, so this bridge hands the
 * access token from that cookie to a bearer authenticator, which still verifies signature and expiry.
 */

/** `@supabase/ssr`'s default cookie name for a project URL: `sb-<first label of the host>-auth-token`. */
export function supabaseAuthCookieName(supabaseUrl: string | URL): string {
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

/** base64url → UTF-8 text with Web APIs only (edge runtimes have no Buffer). */
function decodeBase64Url(text: string): string {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** The access token in a `@supabase/ssr` session cookie header, or `null` when absent or unreadable. */
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
    const text = raw.startsWith('base64-') ? decodeBase64Url(raw.slice('base64-'.length)) : raw;
    const session = JSON.parse(text) as unknown;
    // Current format: the session object; the old auth-helpers format: [accessToken, refreshToken, …].
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
 * A state-changing request authenticated by a cookie must come from the site's own pages (CSRF):
 * `Sec-Fetch-Site: same-origin`, or, from browsers that do not send it, an `Origin` whose host is the
 * request's host.
 */
export function isSameOriginRequest(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site === 'same-origin';
  const origin = request.headers.get('origin');
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? safeHost(request.url);
  if (origin === null || host === null) return false;
  return safeHost(origin) === host;
}

function safeHost(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/** Options of {@link withSupabaseSessionCookie}: the project URL (for the default cookie name) or the name. */
export type SupabaseSessionCookieOptions = { readonly supabaseUrl: string | URL } | { readonly cookieName: string };

/**
 * Wraps a bearer authenticator (e.g. {@link createSupabaseAuthenticator}) so it also accepts the
 * `@supabase/ssr` session cookie, which is what the React buttons send. An `Authorization` header always
 * wins; the cookie is used for `GET`/`HEAD`, and for other methods only from a same-origin page (CSRF).
 *
 * ```ts
 * const authenticate = withSupabaseSessionCookie(
 *   createSupabaseAuthenticator({ jwtSecret: process.env.SUPABASE_JWT_SECRET! }),
 *   { supabaseUrl: process.env.SUPABASE_URL! },
 * );
 * ```
 */
export function withSupabaseSessionCookie(authenticate: Authenticator, options: SupabaseSessionCookieOptions): Authenticator {
  const cookieName = 'cookieName' in options ? options.cookieName : supabaseAuthCookieName(options.supabaseUrl);
  return (request) => {
    if (request.headers.has('authorization')) return authenticate(request);
    const token = accessTokenFromCookieHeader(request.headers.get('cookie'), cookieName);
    if (token === null) return authenticate(request);
    const safe = request.method === 'GET' || request.method === 'HEAD';
    if (!safe && !isSameOriginRequest(request)) return null;
    const headers = new Headers(request.headers);
    headers.set('authorization', `Bearer ${token}`);
    // A body-less copy: the authenticator reads headers only, and the original body stays unread for the handler.
    return authenticate(new Request(request.url, { method: 'GET', headers }));
  };
}
