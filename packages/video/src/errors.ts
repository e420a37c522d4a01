import type { VideoProviderName } from '@itutor/sessions-core';

/**
 * Why a video-provider call failed. None of these carries a token, a ciphertext or a provider
 * response body that could hold one.
 * - `NOT_CONNECTED`: the tutor has no stored connection for this provider (or one for another provider).
 * - `CONNECTION_INVALID` / `CONNECTION_EXPIRED`: the provider refused the refresh token; the connection is
 *   marked so and `onConnectionInvalid` was called. The tutor must reconnect.
 * - `RATE_LIMITED`: 429 after the bounded retries (or a `Retry-After` longer than allowed).
 * - `PROVIDER_UNAVAILABLE`: 5xx, a network failure or a time-out. The core treats it as a failure.
 * - `REQUEST_FAILED`: any other refusal by the provider (4xx).
 * - `WRONG_PROVIDER`: the input names another provider than the one called. Never switched silently.
 * - `REFRESH_IN_PROGRESS`: another process held the refresh lock for longer than allowed.
 */
export type VideoProviderErrorCode =
  | 'NOT_CONNECTED'
  | 'CONNECTION_INVALID'
  | 'CONNECTION_EXPIRED'
  | 'RATE_LIMITED'
  | 'PROVIDER_UNAVAILABLE'
  | 'REQUEST_FAILED'
  | 'WRONG_PROVIDER'
  | 'REFRESH_IN_PROGRESS';

/** An error from `zoom()`, `googleMeet()` or the token manager. Messages never contain secrets. */
export class VideoProviderError extends Error {
  override readonly name = 'VideoProviderError';
  readonly code: VideoProviderErrorCode;
  readonly provider: VideoProviderName;
  /** The provider's HTTP status, when there was an answer. */
  readonly status: number | undefined;
  /** For `RATE_LIMITED`: how long the provider asked to wait. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: VideoProviderErrorCode,
    provider: VideoProviderName,
    message: string,
    details: { readonly status?: number; readonly retryAfterMs?: number; readonly cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.provider = provider;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** True for a {@link VideoProviderError} (also across bundle copies). */
export function isVideoProviderError(error: unknown): error is VideoProviderError {
  return error instanceof VideoProviderError || (error instanceof Error && error.name === 'VideoProviderError' && 'code' in error);
}
