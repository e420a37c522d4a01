import { isSessionError, type SessionErrorCode } from '@itutor/sessions-core';
import { secondsUntil, toCancellationQuoteJson, type CancellationQuote, type CancellationQuoteJson } from '@itutor/sessions-core/rules';

const isQuote = (value: unknown): value is CancellationQuote =>
  typeof value === 'object' && value !== null && (value as { validUntil?: unknown }).validUntil instanceof Date;

/** Codes produced by the HTTP layer itself, before any service runs. */
export type HttpProblemCode =
  | 'ROUTE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'MALFORMED_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'INTERNAL';

/** Every code a problem response can carry. */
export type ProblemCode = SessionErrorCode | HttpProblemCode;

/** The body of an `application/problem+json` response (RFC 9457) with the SDK's stable `code`. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
  /** For `TOO_EARLY`: the ISO instant at which to retry. */
  readonly availableAt?: string;
  /** For invalid input: what is wrong where. */
  readonly issues?: ReadonlyArray<{ readonly path: string; readonly message: string }>;
  /** For `STUDENT_JOINED`: where the evidence of the student's join comes from. */
  readonly source?: 'join_button' | 'provider';
  /** For `STUDENT_JOINED`: the ISO instant of that join. */
  readonly studentJoinedAt?: string;
  /** For `CANCELLATION_FEE_CHANGED`: the cancellation as it would be now (the JSON of `CancellationQuote`). */
  readonly quote?: CancellationQuoteJson;
}

/** The HTTP status for each code. */
export const STATUS_BY_CODE: Readonly<Record<ProblemCode, number>> = {
  INVALID_INPUT: 400,
  MALFORMED_JSON: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_SESSION_TUTOR: 403,
  NOT_SESSION_PARTICIPANT: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  TOO_EARLY: 409,
  TOO_LATE: 409,
  STUDENT_JOINED: 409,
  SESSION_FINAL: 409,
  PROVIDER_NOT_CONNECTED: 409,
  DISCONNECT_REQUIRES_REPLACEMENT: 409,
  BOOKING_CONFLICT: 409,
  CONFLICT: 409,
  NO_CHARGE_PENDING: 409,
  NO_PAYMENT_METHOD: 409,
  NOTHING_TO_REFUND: 409,
  REFUND_EXCEEDS_CHARGE: 409,
  REFUNDS_NOT_SUPPORTED: 501,
  ATTENDANCE_NOT_SUPPORTED: 501,
  PROVIDER_UNAVAILABLE: 503,
  NO_GATEWAY_CUSTOMER: 409,
  PROVIDER_RATE_LIMITED: 503,
  PROVIDER_REFRESH_IN_PROGRESS: 503,
  PROVIDER_REQUEST_FAILED: 502,
  PROVIDER_MISMATCH: 500,
  GATEWAY_MISCONFIGURED: 500,
  TOKEN_KEY_INVALID: 500,
  TOKEN_KEY_UNKNOWN: 500,
  TOKEN_CIPHERTEXT_MALFORMED: 500,
  TOKEN_DECRYPTION_FAILED: 500,
  STORAGE_FAILED: 500,
  REQUEST_FAILED: 502,
  TUTOR_NOT_PRESENT: 409,
  STUDENT_NOT_PRESENT: 409,
  NOT_SESSION_STUDENT: 403,
  TUTOR_JOINED: 409,
  CANCELLATION_FEE_CHANGED: 409,
  NOTHING_TO_DISPUTE: 409,
  DISPUTE_EXISTS: 409,
  DISPUTE_WINDOW_CLOSED: 409,
  DISPUTE_NOT_ALLOWED: 409,
  DISPUTE_RESOLVED: 409,
  PAYOUT_IN_FLIGHT: 409,
  PAYOUT_HELD: 409,
  NO_PAYOUT_DUE: 409,
  PAYOUTS_NOT_SUPPORTED: 501,
  DISPUTES_NOT_SUPPORTED: 501,
  CHARGEBACKS_NOT_SUPPORTED: 501,
  PAYMENT_RECOVERY_NOT_SUPPORTED: 501,
  GATEWAY_UNAVAILABLE: 503,
  EVIDENCE_NOT_ACCEPTED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_POLICY: 500,
  INTERNAL: 500,
};

const TITLES: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Builds a problem+json response. */
export function problem(
  code: ProblemCode,
  detail: string,
  extra: {
    issues?: ProblemBody['issues'];
    availableAt?: Date;
    now?: Date;
    headers?: Record<string, string>;
    source?: ProblemBody['source'];
    studentJoinedAt?: Date;
    quote?: CancellationQuoteJson;
    /** Whole seconds for `Retry-After` (e.g. `PROVIDER_UNAVAILABLE`), when there is no `availableAt`. */
    retryAfterSeconds?: number;
  } = {},
): Response {
  const status = STATUS_BY_CODE[code];
  const body: ProblemBody = {
    type: `https://itutor.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(extra.availableAt ? { availableAt: extra.availableAt.toISOString() } : {}),
    ...(extra.issues ? { issues: extra.issues } : {}),
    ...(extra.source ? { source: extra.source } : {}),
    ...(extra.studentJoinedAt ? { studentJoinedAt: extra.studentJoinedAt.toISOString() } : {}),
    ...(extra.quote ? { quote: extra.quote } : {}),
  };
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    ...extra.headers,
  };
  if (extra.availableAt && extra.now) headers['retry-after'] = String(Math.max(1, secondsUntil(extra.availableAt, extra.now)));
  else if (extra.retryAfterSeconds !== undefined && Number.isFinite(extra.retryAfterSeconds)) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(extra.retryAfterSeconds)));
  }
  if (code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Bearer';
  return new Response(JSON.stringify(body), { status, headers });
}

/**
 * Failures of the host's own systems (storage, keys, the gateway's or provider's account): their messages
 * may name functions, key ids or what the outside service answered, so a response carries the code and a
 * fixed text, and the message stays in the server's logs (`onUnexpected`).
 */
const SERVER_SIDE_CODES: ReadonlySet<ProblemCode> = new Set<ProblemCode>([
  'GATEWAY_MISCONFIGURED',
  'PROVIDER_RATE_LIMITED',
  'PROVIDER_REFRESH_IN_PROGRESS',
  'PROVIDER_REQUEST_FAILED',
  'PROVIDER_MISMATCH',
  'TOKEN_KEY_INVALID',
  'TOKEN_KEY_UNKNOWN',
  'TOKEN_CIPHERTEXT_MALFORMED',
  'TOKEN_DECRYPTION_FAILED',
  'STORAGE_FAILED',
  'REQUEST_FAILED',
]);

/**
 * Turns a thrown value into a problem response: `SessionError`s (of any copy of the package) by code,
 * anything else as 500. `onUnexpected` gets the errors answered 500, 502 or 503 (a provider outage such
 * as `PROVIDER_UNAVAILABLE` has the provider's error as its `cause`), for logging.
 */
export function problemFromError(error: unknown, now: Date, onUnexpected?: (error: unknown) => void): Response {
  if (isSessionError(error)) {
    const { availableAt, source, studentJoinedAt, retryAfterSeconds } = error.details;
    const status = STATUS_BY_CODE[error.code];
    if (status === 500 || status === 502 || status === 503) onUnexpected?.(error);
    return problem(error.code, SERVER_SIDE_CODES.has(error.code) ? 'The request could not be completed; try again later' : error.message, {
      ...(error.details.issues ? { issues: error.details.issues } : {}),
      ...(availableAt instanceof Date ? { availableAt, now } : {}),
      ...(source === 'join_button' || source === 'provider' ? { source } : {}),
      ...(studentJoinedAt instanceof Date ? { studentJoinedAt } : {}),
      ...(typeof retryAfterSeconds === 'number' ? { retryAfterSeconds } : {}),
      ...(isQuote(error.details.quote) ? { quote: toCancellationQuoteJson(error.details.quote) } : {}),
    });
  }
  onUnexpected?.(error);
  return problem('INTERNAL', 'An unexpected error occurred');
}

/** A JSON success response. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}
