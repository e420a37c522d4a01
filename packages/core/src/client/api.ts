import type { PublicSession, SessionErrorCode, SessionJson } from '@itutor/sessions-core';

/**
 * The browser side of the HTTP contract: `POST {basePath}/sessions/{id}/join` and
 * `.../mark-no-show`, with cookies, an empty JSON body, and `application/problem+json` refusals.
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

  constructor(message: string, init: { status?: number | null; code?: string | null; availableAt?: number | null } = {}) {
    super(message);
    this.name = 'SessionRequestError';
    this.status = init.status ?? null;
    this.code = init.code ?? null;
    this.availableAt = init.availableAt ?? null;
  }
}

/** An instant (`Date`, ISO string or epoch ms) as epoch ms; `null` when missing or not an instant. */
const toEpoch = (value: unknown): number | null => {
  const ms = value == null || typeof value === 'boolean' ? NaN : +new Date(value as string);
  return ms === ms ? ms : null; // NaN is the one value not equal to itself
};

/**
 * Normalises anything thrown by a host function or by {@link postSessionAction}: a
 * `SessionRequestError`, a core `SessionError` (`code`, `details.availableAt`), or any `Error`.
 */
export function toSessionRequestError(error: unknown): SessionRequestError {
  if (error instanceof SessionRequestError) return error;
  const e = (error ?? {}) as { message?: string; code?: string; availableAt?: unknown; details?: { availableAt?: unknown } };
  return new SessionRequestError(String(e.message ?? ''), {
    code: e.code,
    availableAt: toEpoch(e.availableAt ?? e.details?.availableAt),
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

/**
 * Posts `{}` to `{basePath}/sessions/{id}/{action}` with the page's cookies and returns the JSON body.
 * Throws a {@link SessionRequestError} carrying the problem's `detail` (else `title`), `code` and
 * `availableAt` (from the body, else from `Retry-After`).
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
  });
}
