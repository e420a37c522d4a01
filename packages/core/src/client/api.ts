import { ERROR_CODES, SessionError } from '../errors';
import type { PublicSession, SessionJson } from '@itutor/sessions-core';
import type { SessionErrorCode } from '../errors';
import type { SessionAttendanceJson } from '../http/attendance-wire';
import type { CancellationQuoteJson } from '../rules/cancellation';
import type { DisputeViewJson } from '../ledger/dispute-view';
import type { OnSessionPayment, PaymentStatusJson } from '../ledger/recovery';
import type { DisputeEvidenceFields } from '../ledger/evidence';
import type { ChargebackJson } from '../http/chargeback-handlers';

/**
 * The browser side of the HTTP contract: `POST {basePath}/sessions/{id}/join`, `.../mark-no-show`,
 * `.../report-tutor-absent`, `.../cancel` and `.../reschedule`, with cookies, a JSON body, and
 * `application/problem+json` refusals; and `GET {basePath}/sessions/{id}/attendance` and
 * `.../cancellation` (the fee preview).
 */

/** What a join returns: the meeting URL, and the updated session when the server sends it. */
export interface JoinResult {
  readonly joinUrl: string;
  readonly session?: SessionJson | PublicSession;
}

/** The participant actions a browser posts: `POST {basePath}/sessions/{id}/{action}`. */
export type SessionAction =
  | 'join'
  | 'mark-no-show'
  | 'report-tutor-absent'
  | 'cancel'
  | 'reschedule'
  | 'dispute'
  | 'dispute/accept'
  | 'dispute/offer'
  | 'dispute/contest'
  | 'dispute/accept-offer'
  | 'dispute/decline-offer'
  | 'dispute/resolve'
  | 'payment';

/** A host-supplied join: records the join server-side and returns the meeting URL. */
export type JoinFunction = (sessionId: string) => Promise<JoinResult>;

/** A host-supplied no-show: records it server-side and returns the settled session. */
export type MarkNoShowFunction = (sessionId: string) => Promise<{ readonly session: SessionJson | PublicSession }>;

/** An instant (`Date`, ISO string or epoch ms) as a `Date`; `undefined` when missing or not an instant. */
const instant = (value: unknown): Date | undefined => {
  const at = new Date(value == null || typeof value === 'boolean' ? NaN : (value as string));
  return at.getTime() === at.getTime() ? at : undefined; // NaN is the one value not equal to itself
};

/**
 * A `SessionError` from a problem body or anything thrown: a known `code` is kept; anything else (no
 * answer, an abort, an HTTP-layer code such as `INTERNAL`) becomes `REQUEST_FAILED`, the unknown code kept
 * as `details.problemCode`. (Compact on purpose: it is in every button's bundle.)
 */
function requestError(message: string, code: unknown, details: Record<string, unknown>, cause?: unknown): SessionError {
  const known = (ERROR_CODES as readonly unknown[]).includes(code);
  if (!known && typeof code === 'string') details.problemCode = code;
  return new SessionError(known ? (code as SessionErrorCode) : 'REQUEST_FAILED', message, details, cause === undefined ? undefined : { cause });
}

/**
 * Normalises anything thrown by a host function or by {@link postSessionAction} into a `SessionError` with
 * the same `message` and `details`: the thrown value's `code` when it is a known one (a `SessionError` of
 * any copy of the package keeps its code), else `REQUEST_FAILED`; `details.availableAt` (from the value or
 * its `details`) as a `Date`. The thrown value is the result's `cause`.
 */
export function toSessionError(error: unknown): SessionError {
  const e = Object(error) as { message?: unknown; code?: unknown; availableAt?: unknown; details?: Record<string, unknown> };
  return requestError(String(e.message ?? ''), e.code, { ...e.details, availableAt: instant(e.availableAt ?? e.details?.availableAt) }, error);
}

/** Options for {@link postSessionAction}. */
export interface PostSessionActionOptions {
  /** Base path of the API. Default `/api`. */
  readonly basePath?: string;
  /** `fetch` to use. Default the global one. */
  readonly fetch?: typeof fetch;
  /** "Now" in epoch ms, to turn a `Retry-After` header into an instant. Default `Date.now()`. */
  readonly now?: () => number;
  /**
   * The JSON body. Default `{}`. `cancel`: `{ expectedChargeMinor, reason? }`; `reschedule`:
   * `{ startAt: <ISO instant>, reason? }`.
   */
  readonly body?: Readonly<Record<string, unknown>>;
}

/** Options for {@link getSessionAttendance}. */
export interface GetSessionAttendanceOptions {
  /** Base path of the API. Default `/api`. */
  readonly basePath?: string;
  /** `fetch` to use. Default the global one. */
  readonly fetch?: typeof fetch;
  /** Aborts the request (it then rejects with a `REQUEST_FAILED` `SessionError` carrying the abort as `cause`). */
  readonly signal?: AbortSignal;
}

/**
 * Posts `options.body` (default `{}`) to `{basePath}/sessions/{id}/{action}` with the page's cookies and
 * returns the JSON body. Throws a `SessionError` carrying the problem's `detail` (else `title`) as its
 * message, its `code` (`REQUEST_FAILED` when the request failed or the code is not a `SessionErrorCode`),
 * and in `details` the HTTP status (`httpStatus`), `availableAt` (from the body, else from `Retry-After`),
 * for `STUDENT_JOINED` `source`, for `CANCELLATION_FEE_CHANGED` `quote` (the fee now, as JSON), and for
 * `INVALID_INPUT` `issues`.
 */
export async function postSessionAction<T>(
  sessionId: string,
  action: SessionAction,
  options: PostSessionActionOptions = {},
): Promise<T> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(
      `${options.basePath ?? '/api'}/sessions/${encodeURIComponent(sessionId)}/${action}`,
      { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(options.body ?? {}) },
    );
  } catch (error) {
    throw toSessionError(error);
  }
  const body = await response.json().catch(() => null);
  if (response.ok && body) return body as T;
  const retryAfter = Number(response.headers.get('retry-after'));
  throw requestError(body?.detail || body?.title || '', body?.code, {
    httpStatus: response.status,
    availableAt: instant(body?.availableAt) ?? (retryAfter > 0 ? new Date((options.now ?? Date.now)() + retryAfter * 1000) : undefined),
    source: body?.source,
    quote: body?.quote,
    issues: body?.issues,
  });
}

/**
 * `GET {basePath}/sessions/{id}/cancellation` with the page's cookies: what cancelling now would be for
 * the signed-in participant (`CancellationQuoteJson`: status, fee, and `validUntil`, the last instant it
 * holds). Throws a `SessionError` as {@link getSessionAttendance} does (`SESSION_FINAL`, `TOO_LATE` from the
 * start on).
 */
export async function getCancellationPreview(sessionId: string, options: GetSessionAttendanceOptions = {}): Promise<CancellationQuoteJson> {
  return (await getJson<{ quote: CancellationQuoteJson }>(sessionId, 'cancellation', options)).quote;
}

/** `GET {basePath}/sessions/{id}/{what}` with the page's cookies, or the `SessionError` of its refusal. */
/**
 * Reads `GET {basePath}/sessions/{id}/dispute`: the dispute's facts side by side (`DisputeViewJson`), whether
 * the reader may open one, and the steps they may take. Refuses like `getSessionAttendance`.
 */
export async function getDisputeView(sessionId: string, options: GetSessionAttendanceOptions = {}): Promise<DisputeViewJson> {
  return (await getJson<{ view: DisputeViewJson }>(sessionId, 'dispute', options)).view;
}

/**
 * `GET {basePath}/sessions/{id}/payment`: where the session's payment stands for its student
 * (`PaymentStatusJson`; `chargeStatus: 'awaiting_customer'` when the student's step is needed). Refuses like
 * {@link getSessionAttendance} (403 `NOT_SESSION_STUDENT` for anyone but the session's student).
 */
export async function getPayment(sessionId: string, options: GetSessionAttendanceOptions = {}): Promise<PaymentStatusJson> {
  return (await getJson<{ payment: PaymentStatusJson }>(sessionId, 'payment', options)).payment;
}

/**
 * `POST {basePath}/sessions/{id}/payment`: the student completes a charge that waits for them. Answers the
 * client secret to confirm in the browser (`status: 'requires_customer'`), or the attempt's outcome
 * (`OnSessionPayment`). Refuses like {@link postSessionAction} (`NO_CHARGE_PENDING`, `GATEWAY_UNAVAILABLE`, …).
 */
export async function startPayment(sessionId: string, options: Omit<PostSessionActionOptions, 'body'> = {}): Promise<OnSessionPayment> {
  return (await postSessionAction<{ payment: OnSessionPayment }>(sessionId, 'payment', options)).payment;
}

/**
 * `GET {basePath}/sessions/{id}/chargebacks` (the platform's people only): the session's chargebacks and the
 * evidence the SDK would stage now. Refuses like {@link getSessionAttendance} (403 `FORBIDDEN`).
 */
export async function listChargebacks(
  sessionId: string,
  options: GetSessionAttendanceOptions = {},
): Promise<{ readonly chargebacks: readonly ChargebackJson[]; readonly evidence: DisputeEvidenceFields }> {
  return getJson(sessionId, 'chargebacks', options);
}

/** `POST {basePath}/sessions/{id}/chargebacks/{n}/stage` (the platform's people): stages the evidence built now. */
export async function stageChargebackEvidence(sessionId: string, chargeback: number, options: Omit<PostSessionActionOptions, 'body'> = {}): Promise<ChargebackJson> {
  return (await postSessionAction<{ chargeback: ChargebackJson }>(sessionId, `chargebacks/${chargeback}/stage` as SessionAction, options)).chargeback;
}

/** `POST {basePath}/sessions/{id}/chargebacks/{n}/submit` (the platform's people): submits the staged evidence (final). */
export async function submitChargebackEvidence(sessionId: string, chargeback: number, options: Omit<PostSessionActionOptions, 'body'> = {}): Promise<ChargebackJson> {
  return (await postSessionAction<{ chargeback: ChargebackJson }>(sessionId, `chargebacks/${chargeback}/submit` as SessionAction, options)).chargeback;
}

async function getJson<T>(sessionId: string, what: string, options: GetSessionAttendanceOptions): Promise<T> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${options.basePath ?? '/api'}/sessions/${encodeURIComponent(sessionId)}/${what}`, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
      signal: options.signal ?? null,
    });
  } catch (error) {
    throw toSessionError(error);
  }
  const body = await response.json().catch(() => null);
  if (response.ok && body) return body as T;
  // A read has no `availableAt` or `source` to carry: the problem's text, status and code.
  throw requestError(body?.detail || body?.title || '', body?.code, { httpStatus: response.status });
}

/**
 * `GET {basePath}/sessions/{id}/attendance` with the page's cookies: the session's attendance as the
 * video provider reports it ({@link SessionAttendanceJson}), for its tutor or student. Throws a
 * `SessionError`: 401/403/404 as for the other session routes, 501 with code
 * `ATTENDANCE_NOT_SUPPORTED` when the server stores no attendance, and `REQUEST_FAILED` (the abort's error
 * as its `cause`) when `signal` aborts it.
 */
export async function getSessionAttendance(sessionId: string, options: GetSessionAttendanceOptions = {}): Promise<SessionAttendanceJson> {
  return getJson<SessionAttendanceJson>(sessionId, 'attendance', options);
}
