import type { VideoProviderName } from '@itutor/sessions-core';
import { providerError } from './errors';
import type { TokenManager } from './tokens';

/** Options for the provider API calls (not the OAuth token calls, which arctic makes). */
export interface ApiCallOptions {
  /** Time limit of one API call. Default 10 000. */
  readonly timeoutMs?: number;
  /** How many times a 429 is retried after its `Retry-After`. Default 2. */
  readonly maxRetries?: number;
  /** The longest `Retry-After` waited for; a longer one fails at once with `RATE_LIMITED`. Default 10 000. */
  readonly maxRetryAfterMs?: number;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
}

interface Call {
  readonly provider: VideoProviderName;
  readonly tokens: TokenManager;
  readonly tutorId: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly body?: unknown;
  /** What the call is, for error messages. */
  readonly what: string;
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; `null` when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Reads an unwanted body to its end (bodies here are small). Not `body.cancel()`: reading is as cheap,
 * and a cancelled body never settles under msw 2.15's fetch interceptor (mswjs/interceptors#799).
 */
export async function discard(response: Response): Promise<void> {
  await response.arrayBuffer().catch(() => undefined);
}

/** Waits `ms` milliseconds (between polls, retries and `Retry-After` waits). */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The provider's own error text (Zoom `{code, message}`, Google `{error: {status, message}}`), trimmed. */
async function describe(response: Response): Promise<string> {
  try {
    const data = (await response.json()) as { code?: unknown; message?: unknown; error?: { status?: unknown; message?: unknown } };
    const parts = [data.code, data.message, data.error?.status, data.error?.message].filter((p) => typeof p === 'string' || typeof p === 'number');
    return parts.length ? `: ${parts.join(' ').slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

/**
 * One authenticated API call: a 401 forces one token refresh and one retry; a 429 waits `Retry-After`
 * (bounded); a 5xx, network failure or time-out throws the core's `SessionError` `PROVIDER_UNAVAILABLE` (never retried: a POST may
 * have taken effect). Returns the response for 2xx and for 404 (the caller decides what 404 means).
 */
export async function callApi(call: Call, options: ApiCallOptions): Promise<Response> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxRetries = options.maxRetries ?? 2;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
  let token = await call.tokens.getAccessToken(call.tutorId);
  let refreshed = false;
  let retries = 0;
  for (;;) {
    let response: Response;
    try {
      response = await doFetch(call.url, {
        method: call.method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw providerError('PROVIDER_UNAVAILABLE', call.provider, `${call.what}: ${timedOut ? `no answer within ${timeoutMs} ms` : 'the request failed'}`, {
        cause: error,
      });
    }
    if (response.ok || response.status === 404) return response;
    if (response.status === 401 && !refreshed) {
      await discard(response);
      refreshed = true;
      token = await call.tokens.getAccessToken(call.tutorId, { rejected: token });
      continue;
    }
    if (response.status === 429) {
      const wait = parseRetryAfter(response.headers.get('retry-after')) ?? 1000;
      await discard(response);
      if (retries < maxRetries && wait <= maxRetryAfterMs) {
        retries++;
        await sleep(wait);
        continue;
      }
      throw providerError('PROVIDER_RATE_LIMITED', call.provider, `${call.what}: rate limited (retry after ${Math.ceil(wait / 1000)} s)`, {
        httpStatus: 429,
        retryAfterSeconds: Math.ceil(wait / 1000),
      });
    }
    const detail = await describe(response);
    if (response.status >= 500) {
      throw providerError('PROVIDER_UNAVAILABLE', call.provider, `${call.what}: ${call.provider} answered ${response.status}${detail}`, {
        httpStatus: response.status,
      });
    }
    throw providerError('PROVIDER_REQUEST_FAILED', call.provider, `${call.what}: ${call.provider} answered ${response.status}${detail}`, {
      httpStatus: response.status,
    });
  }
}
