import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  accessTokenFromCookieHeader,
  createSupabaseAuthenticator,
  supabaseAuthCookieName,
  withSupabaseSessionCookie,
} from '@itutor/sessions-supabase';

const SECRET = 'local-test-jwt-secret-with-at-least-32-characters';
const USER = '8d0fd2b3-9ca7-4c36-9b4c-4ec2b1a1c002';
const SUPABASE_URL = 'https://abcdefgh.supabase.co';
const COOKIE = 'sb-abcdefgh-auth-token';

const token = () =>
  new SignJWT({ sub: USER, aud: 'authenticated', role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET));

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const sessionCookie = (accessToken: string) => `base64-${base64url(JSON.stringify({ access_token: accessToken, refresh_token: 'r' }))}`;

const authenticate = withSupabaseSessionCookie(createSupabaseAuthenticator({ jwtSecret: SECRET }), { supabaseUrl: SUPABASE_URL });
const post = (headers: Record<string, string>) =>
  new Request('https://app.example/api/sessions/x/join', { method: 'POST', headers: { host: 'app.example', ...headers }, body: '{}' });

describe('Supabase session cookie', () => {
  it('names the cookie after the project like @supabase/ssr', () => {
    expect(supabaseAuthCookieName(SUPABASE_URL)).toBe(COOKIE);
  });

  it('reads the token from plain JSON, base64- values, chunked cookies and the old array format', async () => {
    const t = await token();
    expect(accessTokenFromCookieHeader(`${COOKIE}=${encodeURIComponent(JSON.stringify({ access_token: t }))}`, COOKIE)).toBe(t);
    expect(accessTokenFromCookieHeader(`other=1; ${COOKIE}=${sessionCookie(t)}`, COOKIE)).toBe(t);
    const value = sessionCookie(t);
    const chunked = `${COOKIE}.0=${value.slice(0, 40)}; ${COOKIE}.1=${value.slice(40)}`;
    expect(accessTokenFromCookieHeader(chunked, COOKIE)).toBe(t);
    expect(accessTokenFromCookieHeader(`${COOKIE}=${encodeURIComponent(JSON.stringify([t, 'refresh']))}`, COOKIE)).toBe(t);
    for (const bad of [null, '', 'other=1', `${COOKIE}=base64-%%%`, `${COOKIE}=not-json`, `${COOKIE}=${encodeURIComponent('{"access_token":5}')}`]) {
      expect(accessTokenFromCookieHeader(bad, COOKIE)).toBeNull();
    }
  });

  it('authenticates a same-origin POST by cookie, and the token is still verified', async () => {
    const cookie = `${COOKIE}=${sessionCookie(await token())}`;
    expect(await authenticate(post({ cookie, 'sec-fetch-site': 'same-origin' }))).toEqual({ userId: USER });
    expect(await authenticate(post({ cookie, origin: 'https://app.example' }))).toEqual({ userId: USER });
    const forged = `${COOKIE}=${sessionCookie((await token()).slice(0, -3) + 'abc')}`;
    expect(await authenticate(post({ cookie: forged, 'sec-fetch-site': 'same-origin' }))).toBeNull();
  });

  it('refuses a cross-site POST carrying the cookie (CSRF) and one with no origin information', async () => {
    const cookie = `${COOKIE}=${sessionCookie(await token())}`;
    expect(await authenticate(post({ cookie, 'sec-fetch-site': 'cross-site' }))).toBeNull();
    expect(await authenticate(post({ cookie, 'sec-fetch-site': 'same-site' }))).toBeNull();
    expect(await authenticate(post({ cookie, origin: 'https://evil.example' }))).toBeNull();
    expect(await authenticate(post({ cookie }))).toBeNull();
  });

  it('lets an Authorization header win and leaves the request body unread', async () => {
    const t = await token();
    const request = post({ authorization: `Bearer ${t}`, cookie: `${COOKIE}=garbage` });
    expect(await authenticate(request)).toEqual({ userId: USER });
    const byCookie = post({ cookie: `${COOKIE}=${sessionCookie(t)}`, 'sec-fetch-site': 'same-origin' });
    await authenticate(byCookie);
    expect(byCookie.bodyUsed).toBe(false);
    expect(await byCookie.text()).toBe('{}');
  });
});
