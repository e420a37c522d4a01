import { SessionError, type SessionErrorCode, type VideoProviderName } from '@itutor/sessions-core';

/**
 * The codes of the core's `SessionError` that video-provider calls fail with (recognise them with
 * `isSessionError(error, code)`). None of these errors carries a token, a ciphertext or a provider
 * response body that could hold one; `details.provider` names the provider, `details.httpStatus` its HTTP
 * status when there was an answer.
 * - `PROVIDER_NOT_CONNECTED`: the tutor's connection is unusable; `details.reason` says why: `NOT_CONNECTED`
 *   (no stored connection for this provider, or one for another provider), `CONNECTION_INVALID` /
 *   `CONNECTION_EXPIRED` (the provider refused the refresh token; the connection is marked so and
 *   `onConnectionInvalid` was called). The tutor must reconnect.
 * - `PROVIDER_RATE_LIMITED`: 429 after the bounded retries (or a `Retry-After` longer than allowed);
 *   `details.retryAfterSeconds` is the wait the provider asked for.
 * - `PROVIDER_UNAVAILABLE`: 5xx, a network failure or a time-out. The core treats it as a failure.
 * - `PROVIDER_REQUEST_FAILED`: any other refusal by the provider (4xx).
 * - `PROVIDER_MISMATCH`: the input names another provider than the one called. Never switched silently.
 * - `PROVIDER_REFRESH_IN_PROGRESS`: another process held the refresh lock for longer than allowed.
 */
export type VideoErrorCode = Extract<
  SessionErrorCode,
  | 'PROVIDER_NOT_CONNECTED'
  | 'PROVIDER_RATE_LIMITED'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_REQUEST_FAILED'
  | 'PROVIDER_MISMATCH'
  | 'PROVIDER_REFRESH_IN_PROGRESS'
>;

/** `details.reason` of a `PROVIDER_NOT_CONNECTED` from this package (see `providerError`'s codes above). */
export type ConnectionRefusalReason = 'NOT_CONNECTED' | 'CONNECTION_INVALID' | 'CONNECTION_EXPIRED';

/** A `SessionError` for a failed call to `provider` (internal: keeps the details uniform). */
export function providerError(
  code: VideoErrorCode,
  provider: VideoProviderName,
  message: string,
  details: {
    readonly httpStatus?: number;
    readonly retryAfterSeconds?: number;
    readonly reason?: ConnectionRefusalReason;
    readonly cause?: unknown;
  } = {},
): SessionError {
  const { cause, ...rest } = details;
  return new SessionError(code, message, { provider, ...rest }, cause === undefined ? undefined : { cause });
}

/** `PROVIDER_NOT_CONNECTED` with its `details.reason`. */
export const notConnected = (provider: VideoProviderName, reason: ConnectionRefusalReason, message: string, cause?: unknown): SessionError =>
  providerError('PROVIDER_NOT_CONNECTED', provider, message, { reason, ...(cause === undefined ? {} : { cause }) });
