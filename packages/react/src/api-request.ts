import { toSessionError } from '@itutor/sessions-core/client';

/**
 * The HTTP calls of the payment and chargeback routes (internal): until `@itutor/sessions-core/client`
 * carries `getPayment`, `startPayment`, `listChargebacks`, `stageChargebackEvidence` and
 * `submitChargebackEvidence`, the React entries make them here, with the same names, options and answers,
 * so switching to the core's is a change of import. Same conventions as the core client: the page's
 * cookies, JSON, and `application/problem+json` refusals as `SessionError`s with stable codes.
 */

/** Options of a read or a write: the API base path (default `/api`), a `fetch` (default the global one), an abort signal. */
export interface RequestOptions {
  readonly basePath?: string;
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
}

/**
 * `GET` or `POST` (body `{}`) `{basePath}/sessions/{id}/{path}`; answers the body's `key`. Throws a
 * `SessionError`: the problem's `code` when known (else `REQUEST_FAILED`, the code kept as
 * `details.problemCode`), its `detail` (else `title`) as the message, and in `details` the HTTP status
 * (`httpStatus`) and the problem's other members (e.g. `chargeStatus`); a 2xx answer without `key` is a
 * failed request too.
 */
export async function sessionRequest<T>(sessionId: string, path: string, key: string, method: 'GET' | 'POST', options: RequestOptions): Promise<T> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${options.basePath ?? '/api'}/sessions/${encodeURIComponent(sessionId)}/${path}`, {
      method,
      credentials: 'same-origin',
      headers: method === 'POST' ? { accept: 'application/json', 'content-type': 'application/json' } : { accept: 'application/json' },
      body: method === 'POST' ? '{}' : undefined,
      signal: options.signal ?? null,
    });
  } catch (error) {
    throw toSessionError(error);
  }
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (response.ok && body?.[key] !== undefined && body[key] !== null) return body[key] as T;
  const { detail, title, code, type: _type, status: _status, ...extra } = body ?? {};
  throw toSessionError({ message: detail || title || '', code, details: { ...extra, httpStatus: response.status } });
}
