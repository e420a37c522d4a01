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

/** A host-supplied join: records the join server-side and returns the meeting URL. */
export type JoinFunction = (sessionId: string) => Promise<JoinResult>;

/** A host-supplied no-show: records it server-side and returns the settled session. */
export type MarkNoShowFunction = (sessionId: string) => Promise<{ readonly session: SessionJson | PublicSession }>;

/** A refusal or failure, normalised from a problem+json response or a thrown error. */
export class SessionRequestError extends Error {
  override readonly name = 'SessionRequestError';
  /** HTTP status, when the error came from a response. */
  readonly status: number | null;
  /** The stable core error code, when known. */
  readonly code: SessionErrorCode | string | null;
  /** For `TOO_EARLY`: when the action becomes possible by the server's clock (epoch ms). */
  readonly availableAt: number | null;

  constructor(message: string, init: { status?: number | null; code?: string | null; availableAt?: number | null } = {}) {
    super(message);
    this.status = init.status ?? null;
    this.code = init.code ?? null;
    this.availableAt = init.availableAt ?? null;
  }
}

const toEpoch = (value: unknown): number | null => {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value === 'string' || typeof value === 'number') {
    const ms = typeof value === 'number' ? value : Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
};

/**
 * Normalises anything thrown by a host function or by {@link postSessionAction}: a
 * `SessionRequestError`, a core `SessionError` (`code`, `details.availableAt`), or any `Error`.
 */
export function toSessionRequestError(error: unknown): SessionRequestError {
  if (error instanceof SessionRequestError) return error;
  const e = (error ?? {}) as { message?: unknown; code?: unknown; status?: unknown; availableAt?: unknown; details?: { availableAt?: unknown } };
  return new SessionRequestError(typeof e.message === 'string' && e.message ? e.message : '', {
    code: typeof e.code === 'string' ? e.code : null,
    status: typeof e.status === 'number' ? e.status : null,
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
 * Throws a {@link SessionRequestError} carrying the problem's `detail`, `code` and `availableAt`.
 */
export async function postSessionAction<T>(
  sessionId: string,
  action: 'join' | 'mark-no-show',
  options: PostSessionActionOptions = {},
): Promise<T> {
  const base = (options.basePath ?? '/api').replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(`${base}/sessions/${encodeURIComponent(sessionId)}/${action}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
      body: '{}',
    });
  } catch (error) {
    throw toSessionRequestError(error);
  }
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (response.ok && body) return body as T;
  const retryAfter = Number(response.headers.get('retry-after'));
  const availableAt =
    toEpoch(body?.availableAt) ??
    (Number.isFinite(retryAfter) && retryAfter > 0 ? (options.now ?? Date.now)() + retryAfter * 1000 : null);
  const message = [body?.detail, body?.title].find((v): v is string => typeof v === 'string' && v.length > 0) ?? '';
  throw new SessionRequestError(message, {
    status: response.status,
    code: typeof body?.code === 'string' ? body.code : null,
    availableAt,
  });
}
