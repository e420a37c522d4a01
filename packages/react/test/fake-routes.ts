import type { FakeProblem } from './dispute-fixtures';

/**
 * A `fetch` for the session routes the payment and chargeback components use (`GET payment`,
 * `POST payment`, `GET chargebacks`, `POST chargebacks/1/submit`, …): each answer is wrapped the way the
 * route wraps it (`{ payment }`, `{ chargeback }`; `GET chargebacks` answers its body as given,
 * `{ chargebacks, evidence }`), or is a refusal
 * (`application/problem+json`, with `extra` members), no answer (`'never'`), or a network failure
 * (`'offline'`). An unexpected request fails the test.
 */

/** A refusal, with the problem's extra members (e.g. `chargeStatus`). */
export interface FakeRefusal extends FakeProblem {
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** What one request is answered with. */
export type RouteAnswer<T> = T | FakeRefusal | 'never' | 'offline';

/** A route's answers: one, a list answered in turn (the last repeats), or a function of the request's count; any may be a promise. */
export type RouteAnswers<T> =
  | RouteAnswer<T>
  | Promise<RouteAnswer<T>>
  | ReadonlyArray<RouteAnswer<T> | Promise<RouteAnswer<T>>>
  | ((n: number) => RouteAnswer<T> | Promise<RouteAnswer<T>>);

/** One request the fake saw. */
export interface SeenRequest {
  readonly method: string;
  /** The path after `{basePath}/sessions/{id}/`. */
  readonly route: string;
  readonly url: string;
  readonly body: unknown;
  readonly credentials: RequestCredentials | undefined;
}

export type FakeSessionFetch = typeof fetch & { readonly requests: SeenRequest[] };

const isRefusal = (value: unknown): value is FakeRefusal => typeof value === 'object' && value !== null && 'code' in value && 'status' in value && typeof (value as { status: unknown }).status === 'number';

/** The member each route wraps its answer in (`null`: the answer is the body). */
const wrapperOf = (route: string) => (route === 'payment' ? 'payment' : route === 'chargebacks' ? null : 'chargeback');

export function fakeSessionFetch(routes: Readonly<Record<string, RouteAnswers<unknown>>>): FakeSessionFetch {
  const requests: SeenRequest[] = [];
  const served = new Map<string, number>();
  const fake = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const method = (init?.method ?? 'GET').toUpperCase();
    const route = url.replace(/^.*\/sessions\/[^/]+\//, '');
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    requests.push({ method, route, url, body, credentials: init?.credentials });
    const key = `${method} ${route}`;
    const answers = routes[key];
    if (answers === undefined) throw new Error(`unexpected request ${key}`);
    const n = served.get(key) ?? 0;
    served.set(key, n + 1);
    const answer = await (typeof answers === 'function'
      ? (answers as (n: number) => unknown)(n)
      : Array.isArray(answers)
        ? answers[Math.min(n, answers.length - 1)]
        : answers);
    if (answer === 'never') return new Promise<Response>(() => {});
    if (answer === 'offline') throw new TypeError('Failed to fetch');
    const json = (status: number, value: unknown, type: string) => new Response(JSON.stringify(value), { status, headers: { 'content-type': type } });
    if (isRefusal(answer)) {
      return json(
        answer.status,
        { type: 'about:blank', title: 'Refused', status: answer.status, detail: answer.detail ?? `${answer.code} detail`, code: answer.code, ...answer.extra },
        'application/problem+json',
      );
    }
    const wrapper = wrapperOf(route);
    return json(200, wrapper === null ? answer : { [wrapper]: answer }, 'application/json');
  };
  return Object.assign(fake as typeof fetch, { requests });
}

/** A promise with its resolve, for answers a test releases. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
