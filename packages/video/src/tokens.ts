import { withDeadline, type ProviderTokens } from '@itutor/sessions-core/adapter';
import { type SealedProviderTokens, type SessionError, type VideoProviderName } from '@itutor/sessions-core';
import { decryptToken, encryptToken, type EncryptedToken, type KeyRing } from './crypto';
import { notConnected, providerError, type ConnectionRefusalReason } from './errors';
import { sleep } from './http';

/** A connection's status, as in the core's `ProviderConnection`. Only `connected` is usable. */
export type TokenStatus = 'connected' | 'expired' | 'invalid';

/**
 * One tutor's stored tokens, encrypted. `version` grows by one on every write: it is the
 * compare-and-set guard and, with `refreshLeaseUntil`, the refresh lock.
 */
export interface StoredTokens {
  readonly provider: VideoProviderName;
  readonly status: TokenStatus;
  readonly version: number;
  readonly accessToken: EncryptedToken;
  readonly refreshToken: EncryptedToken | null;
  /** When the access token expires (`null`: unknown, used until the provider refuses it). */
  readonly expiresAt: Date | null;
  /** Set while one caller refreshes; others wait until it is cleared or has passed. */
  readonly refreshLeaseUntil: Date | null;
  readonly updatedAt: Date;
  /**
   * Why `status` was set, on the write that marks a refused refresh: the provider's OAuth error code
   * (e.g. `invalid_grant`) or `no_refresh_token`. Stores may record it (in the audit event) or ignore it.
   */
  readonly statusReason?: string;
}

/**
 * Where the host keeps the encrypted tokens, one record per tutor (server-side only: never a
 * client-readable column). Both methods must be atomic; `compareAndSwap` is the lock.
 */
export interface TokenStore {
  /** The tutor's record, or `null`. */
  read(tutorId: string): Promise<StoredTokens | null>;
  /**
   * Writes `next` if the stored version is still `expectedVersion` (`null`: only if there is no record),
   * and says whether it did. `next.version` is `expectedVersion + 1` (or 1 for a new record).
   */
  compareAndSwap(tutorId: string, expectedVersion: number | null, next: StoredTokens): Promise<boolean>;
}

/** What a refresh answers: arctic's `OAuth2Tokens` fits (only these methods are used). */
export interface RefreshedTokens {
  accessToken(): string;
  accessTokenExpiresInSeconds(): number;
  hasRefreshToken(): boolean;
  refreshToken(): string;
}

/** An OAuth client able to refresh: arctic's `Zoom` and `Google` fit. */
export interface OAuthRefreshClient {
  refreshAccessToken(refreshToken: string): Promise<RefreshedTokens>;
}

/** What `onConnectionInvalid` is told. Never a token. */
export interface ConnectionInvalidEvent {
  readonly tutorId: string;
  readonly provider: VideoProviderName;
  readonly status: 'expired' | 'invalid';
  /** The provider's OAuth error code (e.g. `invalid_grant`), or `no_refresh_token`. */
  readonly reason: string;
}

/** Options shared by {@link createTokenManager}, `zoom()` and `googleMeet()`. */
export interface TokenOptions {
  readonly store: TokenStore;
  readonly keyRing: KeyRing;
  /**
   * Called once when a refresh is refused and the connection was marked `expired` / `invalid`. Update the
   * core's connection status here (so bookings are refused with `PROVIDER_NOT_CONNECTED`) and tell the
   * tutor. Its errors are swallowed: it cannot undo the marking.
   */
  readonly onConnectionInvalid?: (event: ConnectionInvalidEvent) => void | Promise<void>;
  /** Refresh this long before `expiresAt`. Default 60 000 (one minute). */
  readonly refreshSkewMs?: number;
  /** Time limit of one refresh call. Default 15 000. */
  readonly refreshTimeoutMs?: number;
  /** How long a refresh lock holds; must exceed `refreshTimeoutMs`. Default `refreshTimeoutMs + 15 000`. */
  readonly leaseMs?: number;
  /** How often a waiting caller reads the store. Default 50. */
  readonly pollIntervalMs?: number;
  /** The source of "now". Default the system clock. */
  readonly clock?: { now(): Date };
}

/** Gives a provider's API calls a valid access token for a tutor. */
export interface TokenManager {
  readonly provider: VideoProviderName;
  /**
   * A valid access token, refreshed first if it expires within `refreshSkewMs`. Concurrent callers (in
   * this process or others sharing the store) refresh once: the rest wait and reuse the result.
   * Pass `rejected` (the token an API call just refused with 401) to force one refresh.
   */
  getAccessToken(tutorId: string, options?: { readonly rejected?: string }): Promise<string>;
  /**
   * Stores a tutor's tokens after the OAuth callback (or a reconnection), encrypted, status `connected`,
   * replacing whatever the tutor had. The host records the connection in the core as well.
   */
  saveTokens(tutorId: string, tokens: ProviderTokens): Promise<void>;
  /**
   * Encrypts plaintext tokens for `tutorId` the way this manager reads them (the ring's current key,
   * bound to the tutor, provider and field), without storing them: pass the result to the core's
   * `core.providers.connect` to connect or switch in one step (the connect routes do).
   */
  sealTokens(tutorId: string, tokens: ProviderTokens): Promise<SealedProviderTokens>;
}

/**
 * Encrypts plaintext OAuth tokens for one tutor and provider, exactly as the token manager will read
 * them: AES-256-GCM under the ring's current key, each token bound to `tutorId:provider:access|refresh`
 * (a ciphertext moved to another tutor, provider or field does not decrypt).
 */
export async function sealProviderTokens(
  keyRing: KeyRing,
  owner: { readonly tutorId: string; readonly provider: VideoProviderName },
  tokens: ProviderTokens,
): Promise<SealedProviderTokens> {
  const context = (field: 'access' | 'refresh') => `${owner.tutorId}:${owner.provider}:${field}`;
  return {
    accessToken: await encryptToken(keyRing, tokens.accessToken, context('access')),
    refreshToken: tokens.refreshToken === null ? null : await encryptToken(keyRing, tokens.refreshToken, context('refresh')),
    expiresAt: tokens.expiresAt,
  };
}

/** OAuth error codes that mean the refresh token is dead for good. */
const REFUSALS: Record<VideoProviderName, ReadonlySet<string>> = {
  // Zoom answers a used, revoked or unknown refresh token with 400 `{"reason":"Invalid Token!","error":"invalid_request"}`.
  zoom: new Set(['invalid_grant', 'invalid_request', 'invalid_token']),
  google_meet: new Set(['invalid_grant', 'unauthorized_client']),
};

interface OAuthErrorLike {
  readonly code: string;
  readonly description: string | null;
}
const isOAuthError = (e: unknown): e is OAuthErrorLike =>
  e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && 'description' in e;

/** The token lifecycle for one provider: encrypted storage, refresh under a lock, refusals. */
export function createTokenManager(
  options: TokenOptions & { readonly provider: VideoProviderName; readonly oauth: OAuthRefreshClient },
): TokenManager {
  const ctx = tokenContext(options);
  const { store, keyRing, provider, clock } = ctx;
  /** In-process coalescing: one refresh (or wait) per tutor at a time. */
  const inflight = new Map<string, Promise<string>>();

  return {
    provider,
    async getAccessToken(tutorId, opts) {
      const record = usable(ctx, await store.read(tutorId), tutorId);
      if (opts?.rejected === undefined && isFresh(ctx, record, clock.now()) && !record.refreshLeaseUntil) {
        return decryptToken(keyRing, record.accessToken, fieldContext(ctx, tutorId, 'access'));
      }
      const key = `${tutorId}\u0000${opts?.rejected === undefined ? '' : 'forced'}`;
      const running = inflight.get(key);
      if (running) return running;
      const promise = obtain(ctx, tutorId, opts?.rejected).finally(() => inflight.delete(key));
      inflight.set(key, promise);
      return promise;
    },
    sealTokens: (tutorId, tokens) => sealProviderTokens(keyRing, { tutorId, provider }, tokens),
    saveTokens: (tutorId, tokens) => saveTokens(ctx, tutorId, tokens),
  };
}

/** A token manager's options with their defaults filled in. */
interface TokenContext {
  readonly options: TokenOptions;
  readonly store: TokenOptions['store'];
  readonly keyRing: KeyRing;
  readonly provider: VideoProviderName;
  readonly oauth: OAuthRefreshClient;
  readonly clock: { now(): Date };
  /** Refresh this long before the access token expires. */
  readonly skewMs: number;
  readonly refreshTimeoutMs: number;
  readonly leaseMs: number;
  readonly pollMs: number;
}

function tokenContext(options: TokenOptions & { readonly provider: VideoProviderName; readonly oauth: OAuthRefreshClient }): TokenContext {
  const refreshTimeoutMs = options.refreshTimeoutMs ?? 15_000;
  return {
    options,
    store: options.store,
    keyRing: options.keyRing,
    provider: options.provider,
    oauth: options.oauth,
    clock: options.clock ?? { now: () => new Date() },
    skewMs: options.refreshSkewMs ?? 60_000,
    refreshTimeoutMs,
    leaseMs: options.leaseMs ?? refreshTimeoutMs + 15_000,
    pollMs: options.pollIntervalMs ?? 50,
  };
}

/** What each encrypted token is bound to: a ciphertext moved to another tutor, provider or field does not decrypt. */
const fieldContext = (ctx: TokenContext, tutorId: string, field: 'access' | 'refresh') => `${tutorId}:${ctx.provider}:${field}`;

function fail(
  ctx: TokenContext,
  code: ConnectionRefusalReason | 'PROVIDER_UNAVAILABLE' | 'PROVIDER_REFRESH_IN_PROGRESS',
  message: string,
  cause?: unknown,
): SessionError {
  return code === 'PROVIDER_UNAVAILABLE' || code === 'PROVIDER_REFRESH_IN_PROGRESS'
    ? providerError(code, ctx.provider, message, cause === undefined ? {} : { cause })
    : notConnected(ctx.provider, code, message, cause);
}

/** The stored connection, if it is this provider's and usable; else the refusal that says why. */
function usable(ctx: TokenContext, record: StoredTokens | null, tutorId: string): StoredTokens {
  const { provider } = ctx;
  if (!record) throw fail(ctx, 'NOT_CONNECTED', `tutor ${tutorId} has no ${provider} connection`);
  if (record.provider !== provider) {
    throw fail(ctx, 'NOT_CONNECTED', `tutor ${tutorId} is connected to ${record.provider}, not ${provider} (providers are never switched silently)`);
  }
  if (record.status === 'invalid') throw fail(ctx, 'CONNECTION_INVALID', `tutor ${tutorId}'s ${provider} connection is invalid: they must reconnect`);
  if (record.status === 'expired') throw fail(ctx, 'CONNECTION_EXPIRED', `tutor ${tutorId}'s ${provider} connection has expired: they must reconnect`);
  return record;
}

const isFresh = (ctx: TokenContext, record: StoredTokens, now: Date) =>
  record.expiresAt === null || record.expiresAt.getTime() - ctx.skewMs > now.getTime();

async function markRefused(ctx: TokenContext, tutorId: string, lease: StoredTokens, status: 'expired' | 'invalid', reason: string): Promise<never> {
  const { provider } = ctx;
  const now = ctx.clock.now();
  const marked = await ctx.store.compareAndSwap(tutorId, lease.version, {
    ...lease,
    status,
    statusReason: reason,
    version: lease.version + 1,
    refreshLeaseUntil: null,
    updatedAt: now,
  });
  // Only the write that marked the connection tells the host: a lost write means the connection was
  // replaced (the tutor reconnected) or the lease was taken over, and nobody must be told it is bad.
  if (marked) {
    try {
      await ctx.options.onConnectionInvalid?.({ tutorId, provider, status, reason });
    } catch {
      // The hook cannot undo the marking; its failure must not hide the refusal.
    }
  }
  throw fail(
    ctx,
    status === 'invalid' ? 'CONNECTION_INVALID' : 'CONNECTION_EXPIRED',
    `${provider} refused tutor ${tutorId}'s refresh token (${reason}): the connection is now ${status}`,
  );
}

async function refreshUnderLease(ctx: TokenContext, tutorId: string, lease: StoredTokens): Promise<string> {
  const { store, keyRing, provider, clock } = ctx;
  if (!lease.refreshToken) return markRefused(ctx, tutorId, lease, 'expired', 'no_refresh_token');
  const refreshToken = await decryptToken(keyRing, lease.refreshToken, fieldContext(ctx, tutorId, 'refresh'));
  let answer: RefreshedTokens;
  try {
    // Past the limit: rejects (`TimeoutError`), an unknown outcome like a network failure.
    answer = await withDeadline(() => ctx.oauth.refreshAccessToken(refreshToken), { timeoutMs: ctx.refreshTimeoutMs, what: 'the refresh' });
  } catch (error) {
    if (isOAuthError(error) && REFUSALS[provider].has(error.code)) {
      // Google answers every dead refresh token `invalid_grant` ("Token has been expired or revoked."):
      // the tutor must reconnect either way, so it is `invalid`. Zoom's expiry answer names it.
      const expired = provider === 'zoom' && /expire/i.test(error.description ?? '');
      return markRefused(ctx, tutorId, lease, expired ? 'expired' : 'invalid', error.code);
    }
    // Unknown outcome (network, 5xx, time-out): release the lock, keep the old tokens, report a failure.
    await store.compareAndSwap(tutorId, lease.version, { ...lease, version: lease.version + 1, refreshLeaseUntil: null, updatedAt: clock.now() });
    const what = isOAuthError(error) ? `answered ${error.code}` : error instanceof Error ? error.constructor.name : 'failed';
    throw fail(ctx, 'PROVIDER_UNAVAILABLE', `refreshing tutor ${tutorId}'s ${provider} token failed (${what}); try again later`, error);
  }
  const now = clock.now();
  const accessToken = answer.accessToken();
  let expiresIn: number | null = null;
  try {
    expiresIn = answer.accessTokenExpiresInSeconds();
  } catch {
    expiresIn = null;
  }
  // The rotated refresh token replaces the old one in the same write; without a new one the old stays.
  const next: StoredTokens = {
    ...lease,
    version: lease.version + 1,
    accessToken: await encryptToken(keyRing, accessToken, fieldContext(ctx, tutorId, 'access')),
    refreshToken: answer.hasRefreshToken() ? await encryptToken(keyRing, answer.refreshToken(), fieldContext(ctx, tutorId, 'refresh')) : lease.refreshToken,
    expiresAt: expiresIn === null ? null : new Date(now.getTime() + expiresIn * 1000),
    refreshLeaseUntil: null,
    updatedAt: now,
  };
  if (!(await store.compareAndSwap(tutorId, lease.version, next))) {
    throw fail(ctx, 'PROVIDER_REFRESH_IN_PROGRESS', `the refresh lock of tutor ${tutorId} was taken over before the refreshed ${provider} token was stored`);
  }
  return accessToken;
}

/** A usable access token: the stored one while fresh (and not `rejected`), else refreshed under the lease. */
async function obtain(ctx: TokenContext, tutorId: string, rejected: string | undefined): Promise<string> {
  const { store, keyRing, provider, clock, leaseMs } = ctx;
  const deadline = clock.now().getTime() + leaseMs + ctx.refreshTimeoutMs;
  let forced = rejected !== undefined;
  for (;;) {
    const record = usable(ctx, await store.read(tutorId), tutorId);
    const now = clock.now();
    if (isFresh(ctx, record, now) && !record.refreshLeaseUntil) {
      const token = await decryptToken(keyRing, record.accessToken, fieldContext(ctx, tutorId, 'access'));
      if (!forced || token !== rejected) return token;
      forced = true;
    }
    if (record.refreshLeaseUntil && record.refreshLeaseUntil.getTime() > now.getTime()) {
      if (now.getTime() > deadline) throw fail(ctx, 'PROVIDER_REFRESH_IN_PROGRESS', `tutor ${tutorId}'s ${provider} token is being refreshed elsewhere for too long`);
      await sleep(ctx.pollMs);
      continue;
    }
    if (isFresh(ctx, record, now) && !forced) {
      // A lease that passed without a write: read the token as it is.
      const token = await decryptToken(keyRing, record.accessToken, fieldContext(ctx, tutorId, 'access'));
      return token;
    }
    const lease: StoredTokens = { ...record, version: record.version + 1, refreshLeaseUntil: new Date(now.getTime() + leaseMs), updatedAt: now };
    if (!(await store.compareAndSwap(tutorId, record.version, lease))) continue;
    return refreshUnderLease(ctx, tutorId, lease);
  }
}

async function saveTokens(ctx: TokenContext, tutorId: string, tokens: ProviderTokens): Promise<void> {
  const { store, keyRing, provider, clock } = ctx;
  for (;;) {
    const current = await store.read(tutorId);
    const now = clock.now();
    const next: StoredTokens = {
      provider,
      status: 'connected',
      version: (current?.version ?? 0) + 1,
      accessToken: await encryptToken(keyRing, tokens.accessToken, fieldContext(ctx, tutorId, 'access')),
      refreshToken: tokens.refreshToken === null ? null : await encryptToken(keyRing, tokens.refreshToken, fieldContext(ctx, tutorId, 'refresh')),
      expiresAt: tokens.expiresAt,
      refreshLeaseUntil: null,
      updatedAt: now,
    };
    if (await store.compareAndSwap(tutorId, current?.version ?? null, next)) return;
  }
}
