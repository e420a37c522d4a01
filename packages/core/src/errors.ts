/**
 * Every refusal the SDK produces carries one of these stable codes. Hosts switch on `error.code`;
 * the HTTP layer maps each code to a status (see `http/problem.ts`). Codes are part of the public API:
 * never rename one, only add.
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
] as const;

/** A stable error code. */
export type SessionErrorCode = (typeof ERROR_CODES)[number];

/** Extra, code-specific facts about a refusal (for example when a too-early action becomes possible). */
export interface SessionErrorDetails {
  /** For `TOO_EARLY`: the first instant at which the refused action is allowed. */
  readonly availableAt?: Date;
  /** For `INVALID_INPUT` / `INVALID_POLICY`: which fields are wrong and why. */
  readonly issues?: ReadonlyArray<{ readonly path: string; readonly message: string }>;
  /** For `PROVIDER_UNAVAILABLE`: whole seconds to wait before trying again (HTTP `Retry-After`). */
  readonly retryAfterSeconds?: number;
  readonly [key: string]: unknown;
}

/**
 * The one error type of the SDK. It is thrown by services and returned (as a value) by the pure
 * state machine, so `instanceof SessionError` and `error.code` work everywhere.
 */
const BRAND = Symbol.for('@itutor/sessions-core/SessionError');

export class SessionError extends Error {
  override readonly name = 'SessionError';
  /** Lets `isSessionError` recognise errors from another copy of the package (duplicated installs). */
  readonly [BRAND] = true;
  readonly code: SessionErrorCode;
  readonly details: SessionErrorDetails;

  constructor(code: SessionErrorCode, message: string, details: SessionErrorDetails = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** True when `value` is a `SessionError`, optionally with the given code. */
export function isSessionError(value: unknown, code?: SessionErrorCode): value is SessionError {
  const branded =
    value instanceof SessionError ||
    (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true);
  return branded && (code === undefined || (value as SessionError).code === code);
}
