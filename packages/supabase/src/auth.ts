import { SYSTEM_ACTOR } from '@itutor/sessions-core/adapter';
import type { AuthContext, Authenticator } from '@itutor/sessions-core/http';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/** Options of {@link createSupabaseAuthenticator}. Give `jwtSecret`, `jwksUrl`, or both. */
export interface SupabaseAuthenticatorOptions {
  /**
   * The project's JWT secret (Dashboard → Project Settings → API → JWT Secret): verifies HS256 tokens,
   * which is how Supabase signs access tokens with the legacy shared secret.
   */
  readonly jwtSecret?: string;
  /**
   * The project's JWKS endpoint, `https://<project-ref>.supabase.co/auth/v1/.well-known/jwks.json`:
   * verifies tokens signed with Supabase's asymmetric signing keys (ES256 / RS256). Keys are fetched
   * and cached by jose's `createRemoteJWKSet`.
   */
  readonly jwksUrl?: string | URL;
  /** Required `aud` of user tokens. Default `authenticated`, as Supabase Auth issues them. */
  readonly audience?: string;
  /** Required `iss`, e.g. `https://<project-ref>.supabase.co/auth/v1`. Default: not checked. */
  readonly issuer?: string;
  /** Whether a `service_role` token authenticates as the server (`isService: true`). Default `true`. */
  readonly allowServiceRole?: boolean;
  /** The `userId` reported for service-role calls (their tokens carry no `sub`). Default `system` (the core's `SYSTEM_ACTOR`). */
  readonly serviceUserId?: string;
  /** Leeway for `exp` / `nbf`, in seconds. Default 0. */
  readonly clockToleranceSeconds?: number;
  /** The current time (tests). Default: the system clock. */
  readonly now?: () => Date;
}

const SYMMETRIC = ['HS256'];
const ASYMMETRIC = ['ES256', 'RS256', 'EdDSA'];

function bearer(request: Request): string | null {
  const header = request.headers.get('authorization');
  const match = header ? /^Bearer[ ]+([A-Za-z0-9_\-.]+)\s*$/i.exec(header) : null;
  return match ? match[1]! : null;
}

/**
 * An `Authenticator` for the core's HTTP handlers (`@itutor/sessions-core/http`) that accepts Supabase
 * access tokens: `Authorization: Bearer <access token>` → `{ userId: sub }`.
 *
 * Verified the way Supabase's own services verify them: the signature (HS256 with the project's JWT
 * secret, or the project's JWKS for asymmetric keys), a required and unexpired `exp`, `nbf` when
 * present, `aud` = `authenticated` and `role` = `authenticated` for users. A `service_role` token
 * (the service key, as the host's own server sends it) yields `{ userId: 'system', isService: true }`.
 * Everything else (missing, malformed, expired, wrong signature, `anon` tokens) yields `null` → 401;
 * it never throws for bad credentials.
 *
 * ```ts
 * const handle = createSessionsHandler({
 *   core,
 *   authenticate: createSupabaseAuthenticator({ jwtSecret: process.env.SUPABASE_JWT_SECRET! }),
 *   getBooking,
 *   cronSecret: process.env.CRON_SECRET!,
 * });
 * ```
 */
export function createSupabaseAuthenticator(options: SupabaseAuthenticatorOptions): Authenticator {
  const secret = options.jwtSecret ? new TextEncoder().encode(options.jwtSecret) : null;
  const jwks: JWTVerifyGetKey | null = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : null;
  if (!secret && !jwks) throw new TypeError('createSupabaseAuthenticator needs jwtSecret or jwksUrl');
  const audience = options.audience ?? 'authenticated';
  const allowServiceRole = options.allowServiceRole ?? true;
  const serviceUserId = options.serviceUserId ?? SYSTEM_ACTOR;

  async function verify(token: string): Promise<JWTPayload> {
    const { alg } = decodeProtectedHeader(token);
    const common = {
      clockTolerance: options.clockToleranceSeconds ?? 0,
      requiredClaims: ['exp'],
      ...(options.issuer ? { issuer: options.issuer } : {}),
      ...(options.now ? { currentDate: options.now() } : {}),
    };
    if (alg && SYMMETRIC.includes(alg)) {
      if (!secret) throw new Error('HS256 token but no jwtSecret configured');
      return (await jwtVerify(token, secret, { ...common, algorithms: SYMMETRIC })).payload;
    }
    if (!jwks) throw new Error(`${String(alg)} token but no jwksUrl configured`);
    return (await jwtVerify(token, jwks, { ...common, algorithms: ASYMMETRIC })).payload;
  }

  return async (request: Request): Promise<AuthContext | null> => {
    const token = bearer(request);
    if (!token) return null;
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch {
      return null;
    }
    const role = payload.role;
    if (role === 'service_role') {
      return allowServiceRole ? { userId: serviceUserId, isService: true } : null;
    }
    if (role !== 'authenticated') return null;
    const aud = payload.aud;
    const audOk = Array.isArray(aud) ? aud.includes(audience) : aud === audience;
    if (!audOk) return null;
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) return null;
    return { userId: payload.sub };
  };
}
