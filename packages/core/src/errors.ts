/**
 * Every refusal or failure the SDK's packages produce carries one of these stable codes. Hosts switch on
 * `error.code` (through {@link isSessionError}); the HTTP layer maps each code to a status (see
 * `http/problem.ts`). Codes are part of the public API: never rename one, only add.
 *
 * The codes after `PROVIDER_UNAVAILABLE` come from the other packages (they used error classes of their
 * own before); the outside service's own code or status goes into `details`:
 * - payment gateway (`@itutor/sessions-stripe`): `GATEWAY_MISCONFIGURED` (the gateway refused the API key or
 *   the account's permissions), `NO_GATEWAY_CUSTOMER` (the gateway knows no customer for the student);
 * - video provider (`@itutor/sessions-video`): `PROVIDER_RATE_LIMITED`, `PROVIDER_REQUEST_FAILED` (any other
 *   refusal, `details.httpStatus`), `PROVIDER_MISMATCH` (the input names another provider than the one called),
 *   `PROVIDER_REFRESH_IN_PROGRESS` (another process held the token refresh lock too long); an unusable
 *   connection is `PROVIDER_NOT_CONNECTED` with `details.reason`, an outage `PROVIDER_UNAVAILABLE`;
 * - token sealing (`@itutor/sessions-video`): `TOKEN_KEY_INVALID`, `TOKEN_KEY_UNKNOWN`,
 *   `TOKEN_CIPHERTEXT_MALFORMED`, `TOKEN_DECRYPTION_FAILED`;
 * - storage (`@itutor/sessions-supabase`): `STORAGE_FAILED` (`details.providerCode`: the SQLSTATE or
 *   PostgREST code);
 * - the browser client (`@itutor/sessions-core/client`): `REQUEST_FAILED`, a request that got no answer
 *   carrying one of these codes (network failure, abort, or an HTTP-layer problem such as `INTERNAL`:
 *   `details.httpStatus` and `details.problemCode` say which).
 *
 * The codes after `REQUEST_FAILED` come with the third release's outcomes: `TUTOR_NOT_PRESENT` (the tutor
 * marks the student absent without their own presence recorded), `STUDENT_NOT_PRESENT` (the same for the
 * student reporting the tutor), `NOT_SESSION_STUDENT` (only the student may report the tutor absent),
 * `TUTOR_JOINED` (the tutor joined within the wait), `CANCELLATION_FEE_CHANGED` (the fee the student
 * confirmed is no longer the fee: `details.quote` holds the current one).
 *
 * The codes after `CANCELLATION_FEE_CHANGED` come with money after the session (payouts and disputes):
 * `NOTHING_TO_DISPUTE` (no succeeded charge to dispute), `DISPUTE_EXISTS` (the session's one dispute is
 * open or closed already), `DISPUTE_WINDOW_CLOSED` (`details.closedAt`), `DISPUTE_NOT_ALLOWED` (this role
 * may not take this step now), `DISPUTE_RESOLVED` (the dispute is final), `PAYOUT_IN_FLIGHT` (a transfer's
 * answer is awaited: try again shortly), `PAYOUT_HELD` (a dispute holds the payout), `NO_PAYOUT_DUE`,
 * `PAYOUTS_NOT_SUPPORTED` / `DISPUTES_NOT_SUPPORTED` (the adapter or gateway lacks the optional part).
 *
 * The codes after `DISPUTES_NOT_SUPPORTED` come with chargebacks and payment recovery:
 * `CHARGEBACKS_NOT_SUPPORTED` / `PAYMENT_RECOVERY_NOT_SUPPORTED` (the adapter or gateway lacks the optional
 * part), `GATEWAY_UNAVAILABLE` (a call to the payment gateway a person waits on failed or timed out: try again),
 * `EVIDENCE_NOT_ACCEPTED` (evidence cannot be submitted now, or the gateway refused it: `details.reason`).
 */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'INVALID_POLICY',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'NOT_SESSION_TUTOR',
  'NOT_SESSION_PARTICIPANT',
  'TOO_EARLY',
  'TOO_LATE',
  'STUDENT_JOINED',
  'SESSION_FINAL',
  'PROVIDER_NOT_CONNECTED',
  'DISCONNECT_REQUIRES_REPLACEMENT',
  'BOOKING_CONFLICT',
  'CONFLICT',
  'NO_CHARGE_PENDING',
  'NO_PAYMENT_METHOD',
  'NOTHING_TO_REFUND',
  'REFUND_EXCEEDS_CHARGE',
  'REFUNDS_NOT_SUPPORTED',
  'ATTENDANCE_NOT_SUPPORTED',
  'PROVIDER_UNAVAILABLE',
  'GATEWAY_MISCONFIGURED',
  'NO_GATEWAY_CUSTOMER',
  'PROVIDER_RATE_LIMITED',
  'PROVIDER_REQUEST_FAILED',
  'PROVIDER_MISMATCH',
  'PROVIDER_REFRESH_IN_PROGRESS',
  'TOKEN_KEY_INVALID',
  'TOKEN_KEY_UNKNOWN',
  'TOKEN_CIPHERTEXT_MALFORMED',
  'TOKEN_DECRYPTION_FAILED',
  'STORAGE_FAILED',
  'REQUEST_FAILED',
  'TUTOR_NOT_PRESENT',
  'STUDENT_NOT_PRESENT',
  'NOT_SESSION_STUDENT',
  'TUTOR_JOINED',
  'CANCELLATION_FEE_CHANGED',
  'NOTHING_TO_DISPUTE',
  'DISPUTE_EXISTS',
  'DISPUTE_WINDOW_CLOSED',
  'DISPUTE_NOT_ALLOWED',
  'DISPUTE_RESOLVED',
  'PAYOUT_IN_FLIGHT',
  'PAYOUT_HELD',
  'NO_PAYOUT_DUE',
  'PAYOUTS_NOT_SUPPORTED',
  'DISPUTES_NOT_SUPPORTED',
  'CHARGEBACKS_NOT_SUPPORTED',
  'PAYMENT_RECOVERY_NOT_SUPPORTED',
  'GATEWAY_UNAVAILABLE',
  'EVIDENCE_NOT_ACCEPTED',
] as const;

/** A stable error code. */
export type SessionErrorCode = (typeof ERROR_CODES)[number];

/** Extra, code-specific facts about a refusal or failure (for example when a too-early action becomes possible). */
export interface SessionErrorDetails {
  /** For `TOO_EARLY`: the first instant at which the refused action is allowed. */
  readonly availableAt?: Date;
  /** For `INVALID_INPUT` / `INVALID_POLICY`: which fields are wrong and why. */
  readonly issues?: ReadonlyArray<{ readonly path: string; readonly message: string }>;
  /** For `PROVIDER_UNAVAILABLE` / `PROVIDER_RATE_LIMITED`: whole seconds to wait before trying again (HTTP `Retry-After`). */
  readonly retryAfterSeconds?: number;
  /** For `STUDENT_JOINED`: where the evidence of the student's join comes from (`join_button` or `provider`). */
  readonly source?: string;
  /**
   * The HTTP status of the answer the error was made from: the SDK's own route for the browser client's
   * errors, the video provider's or the gateway's for theirs.
   */
  readonly httpStatus?: number;
  /** The outside system's own code, when it gave one (a SQLSTATE, a PostgREST or Stripe code, ...). */
  readonly providerCode?: string;
  /** For `REQUEST_FAILED`: the `code` the server answered (or the thrown value carried) when it is not a `SessionErrorCode` (e.g. `INTERNAL`). */
  readonly problemCode?: string;
  readonly [key: string]: unknown;
}

/**
 * The one error type of the SDK, used by every package. It is thrown by services and returned (as a
 * value) by the pure state machine. Recognise it with {@link isSessionError}, never with `instanceof`:
 * a host may bundle two copies of a package, and each copy has its own class.
 */
export class SessionError extends Error {
  override readonly name = 'SessionError';
  readonly code: SessionErrorCode;
  readonly details: SessionErrorDetails;

  /** `options.cause`: the error this one stands for (kept off `details`, so never serialised into a response). */
  constructor(code: SessionErrorCode, message: string, details: SessionErrorDetails = {}, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/**
 * True when `value` is a `SessionError`, optionally with the given code. Recognised by shape, so an error
 * from another copy of the package counts too: an object whose `name` is `'SessionError'`, with a string
 * `message`, a `details` object and a `code` among `ERROR_CODES` (an unknown code is refused: this
 * copy could not tell what it means).
 */
export function isSessionError(value: unknown, code?: SessionErrorCode): value is SessionError {
  const e = value as Partial<Record<'name' | 'message' | 'code' | 'details', unknown>> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    e.name === 'SessionError' &&
    typeof e.message === 'string' &&
    typeof e.details === 'object' &&
    e.details !== null &&
    (ERROR_CODES as readonly unknown[]).includes(e.code) &&
    (code === undefined || e.code === code)
  );
}
