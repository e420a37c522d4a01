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
  /**
   * The caller's signal (the core's `MoveMeetingInput.signal`, `MeetingLookup.signal`): aborting it stops
   * the request, or the `Retry-After` wait, at once, with `PROVIDER_UNAVAILABLE`.
   */
  readonly signal?: AbortSignal;
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

/**
 * Waits `ms` milliseconds (between polls, retries and `Retry-After` waits); with `signal`, rejects with
 * its reason as soon as it is aborted.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise<void>((resolve) => setTimeout(resolve, ms));
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A signal aborted when either is: the call's own time limit or the caller's signal. `AbortSignal.any`
 * where the runtime has it (Node 20.3+); the package supports Node 20.0, hence the fallback.
 */
function eitherSignal(timeout: AbortSignal, caller: AbortSignal | undefined): AbortSignal {
  if (!caller) return timeout;
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any;
  if (typeof any === 'function') return any.call(AbortSignal, [timeout, caller]);
  const controller = new AbortController();
  for (const signal of [timeout, caller]) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}

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
 * have taken effect). So does the caller's `signal` when it is aborted (before the call, during the
 * request or during a `Retry-After` wait). Returns the response for 2xx and for 404 (the caller decides
 * what 404 means).
 */
export async function callApi(call: Call, options: ApiCallOptions): Promise<Response> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxRetries = options.maxRetries ?? 2;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
  const stopped = (cause: unknown) =>
    providerError('PROVIDER_UNAVAILABLE', call.provider, `${call.what}: stopped, the caller stopped waiting`, { cause });
  if (call.signal?.aborted) throw stopped(call.signal.reason);
  let token = await call.tokens.getAccessToken(call.tutorId);
  let refreshed = false;
  let retries = 0;
  for (;;) {
    if (call.signal?.aborted) throw stopped(call.signal.reason);
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
        signal: eitherSignal(AbortSignal.timeout(timeoutMs), call.signal),
      });
    } catch (error) {
      if (call.signal?.aborted) throw stopped(error);
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
        try {
          await sleep(wait, call.signal);
        } catch (error) {
          throw stopped(error);
        }
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
