import type { PublicSession, SessionErrorCode, SessionJson } from '@itutor/sessions-core';
import type { StudentJoinSource } from '@itutor/sessions-core/rules';
import type { SessionAttendanceJson } from '../http/attendance-wire';

/**
 * The browser side of the HTTP contract: `POST {basePath}/sessions/{id}/join` and
 * `.../mark-no-show`, with cookies, an empty JSON body, and `application/problem+json` refusals; and
 * `GET {basePath}/sessions/{id}/attendance`.
 */

/** What a join returns: the meeting URL, and the updated session when the server sends it. */
export interface JoinResult {
  readonly joinUrl: string;
  readonly session?: SessionJson | PublicSession;
}

/** The two participant actions a browser posts: `POST {basePath}/sessions/{id}/{action}`. */
export type SessionAction = 'join' | 'mark-no-show';

/** A host-supplied join: records the join server-side and returns the meeting URL. */
export type JoinFunction = (sessionId: string) => Promise<JoinResult>;

/** A host-supplied no-show: records it server-side and returns the settled session. */
export type MarkNoShowFunction = (sessionId: string) => Promise<{ readonly session: SessionJson | PublicSession }>;

/** A refusal or failure, normalised from a problem+json response or from a thrown error. */
export class SessionRequestError extends Error {
  /** HTTP status, when the error came from a response. */
  declare readonly status: number | null;
  /** The stable core error code (`TOO_EARLY`, `SESSION_FINAL`, ...), when known. */
  declare readonly code: SessionErrorCode | string | null;
  /** For `TOO_EARLY`: when the action becomes possible by the server's clock (epoch ms). */
  declare readonly availableAt: number | null;
  /**
   * For `STUDENT_JOINED`: where the evidence of the student's join comes from, our Join button
   * (`join_button`) or the video provider's report (`provider`: the student is or was in the meeting);
   * else `null`.
   */
  declare readonly source: StudentJoinSource | (string & {}) | null;

  constructor(
    message: string,
    init: { status?: number | null; code?: string | null; availableAt?: number | null; source?: string | null } = {},
  ) {
    super(message);
    this.name = 'SessionRequestError';
    this.status = init.status ?? null;
    this.code = init.code ?? null;
    this.availableAt = init.availableAt ?? null;
    this.source = init.source ?? null;
  }
}

/** An instant (`Date`, ISO string or epoch ms) as epoch ms; `null` when missing or not an instant. */
const toEpoch = (value: unknown): number | null => {
  const ms = value == null || typeof value === 'boolean' ? NaN : +new Date(value as string);
  return ms === ms ? ms : null; // NaN is the one value not equal to itself
};

/**
 * Normalises anything thrown by a host function or by {@link postSessionAction}: a
 * `SessionRequestError`, a core `SessionError` (`code`, `details.availableAt`, `details.source`), or
 * any `Error`.
 */
export function toSessionRequestError(error: unknown): SessionRequestError {
  if (error instanceof SessionRequestError) return error;
  const e = (error ?? {}) as { message?: string; code?: string; availableAt?: unknown; details?: { availableAt?: unknown; source?: string } };
  return new SessionRequestError(String(e.message ?? ''), {
    code: e.code,
    availableAt: toEpoch(e.availableAt ?? e.details?.availableAt),
    source: e.details?.source,
  });
}

/** Options for {@link postSessionAction}. */
export interface PostSessionActionOptions {
  /** Base path of the API. Default `/api`. */
  readonly basePath?: string;
  /** `fetch` to use. Default the global one. */
  readonly fetch?: typeof fetch;
  /** "Now" in epoch ms, to turn a `Retry-After` header into an instant. Default `Date.now()`. */
  readonly now?: () => number;
}

/** Options for {@link getSessionAttendance}. */
export interface GetSessionAttendanceOptions {
  /** Base path of the API. Default `/api`. */
  readonly basePath?: string;
  /** `fetch` to use. Default the global one. */
  readonly fetch?: typeof fetch;
  /** Aborts the request (it then rejects with a `SessionRequestError` named after the abort). */
  readonly signal?: AbortSignal;
}

/**
 * Posts `{}` to `{basePath}/sessions/{id}/{action}` with the page's cookies and returns the JSON body.
 * Throws a {@link SessionRequestError} carrying the problem's `detail` (else `title`), `code`,
 * `availableAt` (from the body, else from `Retry-After`) and, for `STUDENT_JOINED`, `source`.
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
      { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{}' },
    );
  } catch (error) {
    throw toSessionRequestError(error);
  }
  const body = await response.json().catch(() => null);
  if (response.ok && body) return body as T;
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new SessionRequestError(body?.detail || body?.title || '', {
    status: response.status,
    code: body?.code,
    availableAt: toEpoch(body?.availableAt) ?? (retryAfter > 0 ? (options.now ?? Date.now)() + retryAfter * 1000 : null),
    source: body?.source,
  });
}

/**
 * `GET {basePath}/sessions/{id}/attendance` with the page's cookies: the session's attendance as the
 * video provider reports it ({@link SessionAttendanceJson}), for its tutor or student. Throws a
 * {@link SessionRequestError}: 401/403/404 as for the other session routes, 501 with code
 * `ATTENDANCE_NOT_SUPPORTED` when the server stores no attendance, and the abort's error when `signal`
 * aborts it.
 */
export async function getSessionAttendance(sessionId: string, options: GetSessionAttendanceOptions = {}): Promise<SessionAttendanceJson> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${options.basePath ?? '/api'}/sessions/${encodeURIComponent(sessionId)}/attendance`, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
      signal: options.signal ?? null,
    });
  } catch (error) {
    throw toSessionRequestError(error);
  }
  const body = await response.json().catch(() => null);
  if (response.ok && body) return body as SessionAttendanceJson;
  // A read has no `availableAt` or `source` to carry: the problem's text, status and code.
  throw new SessionRequestError(body?.detail || body?.title || '', { status: response.status, code: body?.code });
}
