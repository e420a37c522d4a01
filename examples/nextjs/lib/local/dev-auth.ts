import 'server-only';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Authenticator } from '@itutor/sessions-core/http';
import { isSameOriginRequest } from '@itutor/sessions-supabase';
import { devPerson } from './people';

/*
 * DEVELOPMENT SIGN-IN — local development mode only (DATABASE_URL set; refused in production builds and
 * on Vercel, see lib/env.ts). Anyone who can reach the server can pick who they are, which is the point:
 * it stands in for Supabase Auth so the example runs on one machine. It is still done properly enough not
 * to teach bad habits: the cookie names a seeded person and carries an expiry, both signed (HMAC-SHA256
 * with a key derived from CRON_SECRET), it is HttpOnly and SameSite=Lax, and a cookie only counts for a
 * POST from this site's own pages (the same CSRF rule as the Supabase cookie authenticator).
 */

export const DEV_SESSION_COOKIE = 'itutor_dev_user';
export const DEV_SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

const keyFrom = (secret: string) => createHmac('sha256', secret).update('itutor example: development sign-in cookie v1').digest();
const mac = (secret: string, payload: string) => createHmac('sha256', keyFrom(secret)).update(payload).digest('base64url');

/** The cookie value for `userId`: `<userId>.<expires epoch s>.<mac>`. */
export function signDevSession(userId: string, secret: string, now: number = Date.now()): string {
  const payload = `${userId}.${Math.floor(now / 1000) + DEV_SESSION_MAX_AGE_SECONDS}`;
  return `${payload}.${mac(secret, payload)}`;
}

/** The seeded person a cookie value names, if its signature is right and it has not expired; else `null`. */
export function verifyDevSession(value: string, secret: string, now: number = Date.now()): string | null {
  const parts = value.split('.');
  if (parts.length !== 3) return null;
  const [userId, expires, given] = parts as [string, string, string];
  const expected = Buffer.from(mac(secret, `${userId}.${expires}`));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
  if (!/^\d{1,12}$/.test(expires) || Number(expires) * 1000 <= now) return null;
  return devPerson(userId) ? userId : null;
}

/** One cookie's value from a `Cookie` header, or `null`. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/** The HTTP handlers' authenticator in the local mode: the signed development cookie. */
export function createDevAuthenticator(secret: string): Authenticator {
  return (request) => {
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD' && !isSameOriginRequest(request)) return null;
    const value = readCookie(request.headers.get('cookie'), DEV_SESSION_COOKIE);
    const userId = value ? verifyDevSession(value, secret) : null;
    return userId ? { userId } : null;
  };
}
