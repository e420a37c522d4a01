import { SessionError } from '@itutor/sessions-core';
import type { AuthContext, Authenticator } from './auth';

/** The methods a route may answer. Anything else is answered 405 like a method the route does not list. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Who authenticates a plug-in route:
 * - `'required'`: the mount runs the authenticator first and answers 401 `UNAUTHENTICATED` without a
 *   signed-in caller; the handler gets `context.user` (never `null`).
 * - `'optional'`: the mount runs the authenticator and hands over the caller or `null` (for routes that
 *   answer a signed-out visitor themselves, e.g. by a redirect).
 * - `'none'`: the route authenticates itself (a webhook's signature, a bearer secret); the authenticator is
 *   never called and `context.user` is `null`.
 *
 * Whatever the choice, the mount never reads the request's body: a handler gets the `Request` exactly as
 * the host received it, so signatures over the raw bytes verify.
 */
export type RouteAuth = 'required' | 'optional' | 'none';

/** What a plug-in route's handler gets beside the request. */
export interface SessionsRouteContext {
  /** The path's `:name` segments by name, URL-decoded (`/providers/:provider` → `params.provider`). */
  readonly params: Readonly<Record<string, string>>;
  /** The caller, for `auth: 'required'` (always set) and `'optional'` (or `null`); `null` for `'none'`. */
  readonly user: AuthContext | null;
  /** The mount's path prefix without a trailing slash (`/api` by default), e.g. for a cookie's `Path`. */
  readonly basePath: string;
}

/** One route of a {@link SessionsRoutePlugin}. */
export interface SessionsPluginRoute {
  /** The methods it answers; another method gets 405 with an `Allow` header naming these. */
  readonly methods: readonly HttpMethod[];
  /**
   * The path under the mount's base path: `/`-separated segments of letters, digits, `.`, `_`, `~`, `-`,
   * or `:name` for a parameter (one whole segment), e.g. `/webhooks/stripe`, `/providers/zoom/connect`.
   * A trailing slash and a query string on the request still match. No two routes of a mount (the core's
   * or any plug-in's) may match the same path: `createSessionsHandler` refuses that when it is called.
   */
  readonly path: string;
  /** Who authenticates the request: see {@link RouteAuth}. */
  readonly auth: RouteAuth;
  /**
   * For `'required'` / `'optional'` routes: an authenticator used for this route instead of the mount's
   * (e.g. one that also reads a session cookie, for a route a browser reaches by full-page navigation).
   */
  readonly authenticate?: Authenticator;
  /**
   * The handler: a Web `Request` → `Response`. A throw is answered like the core's own routes
   * (`SessionError`s by code, anything else 500 `INTERNAL`, told to `onUnexpectedError`).
   */
  readonly handle: (request: Request, context: SessionsRouteContext) => Promise<Response>;
}

/**
 * Routes another package adds to the one mount, `createSessionsHandler({ ..., routes: [plugin, ...] })`,
 * the way Auth.js takes providers: e.g. `stripeWebhookRoutes(...)` from `@itutor/sessions-stripe`,
 * `zoomWebhookRoutes(...)`, `meetEventRoutes(...)`, `videoConnectRoutes(...)` from `@itutor/sessions-video`.
 * A host can write its own the same way.
 */
export interface SessionsRoutePlugin {
  /** A short name, unique in the mount (e.g. `stripe-webhook`): error messages name the plug-in by it. */
  readonly id: string;
  /** At least one route. */
  readonly routes: readonly SessionsPluginRoute[];
}

/** One route of the mount's table, the core's own or a plug-in's, ready to match. */
export interface CompiledRoute<T> {
  /** `core` or the plug-in's id. */
  readonly owner: string;
  readonly path: string;
  readonly methods: readonly string[];
  readonly pattern: RegExp;
  readonly segments: readonly string[];
  /** What answers it: a core handler, or the plug-in's route. */
  readonly target: T;
}

const LITERAL = /^[A-Za-z0-9._~-]+$/;
const PARAM = /^:[A-Za-z_][A-Za-z0-9_]*$/;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The problems of a route path (empty when it is usable). */
function pathIssues(path: unknown): string[] {
  if (typeof path !== 'string' || !path.startsWith('/') || path === '/') return ['must start with / and name at least one segment'];
  const issues: string[] = [];
  const names = new Set<string>();
  for (const segment of path.slice(1).split('/')) {
    if (PARAM.test(segment)) {
      if (names.has(segment)) issues.push(`repeats the parameter ${segment}`);
      names.add(segment);
    } else if (!LITERAL.test(segment) || segment === '.' || segment === '..') {
      issues.push(`has an unusable segment ${JSON.stringify(segment)} (letters, digits, . _ ~ - or :name)`);
    }
  }
  return issues;
}

/** A path under `base` as a pattern: literal segments exactly, `:name` as one non-empty segment. */
export function compileRoute<T>(owner: string, base: string, path: string, methods: readonly string[], target: T): CompiledRoute<T> {
  const segments = path.slice(1).split('/');
  const source = segments.map((s) => (s.startsWith(':') ? `(?<${s.slice(1)}>[^/]+)` : escape(s))).join('/');
  return { owner, path, methods, segments, target, pattern: new RegExp(`^${escape(base)}/${source}/?$`) };
}

/** Whether some request path matches both routes: same length, and each segment pair equal or one a parameter. */
function overlaps(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i] || s.startsWith(':') || b[i]!.startsWith(':'));
}

/**
 * Checks the plug-ins and adds their routes to the core's: throws `INVALID_INPUT` (listing every issue,
 * each with its `path` in the options) for a malformed plug-in, a repeated plug-in id, or two routes that
 * could match the same request path — a plug-in's and the core's, two plug-ins', or two of one plug-in's.
 */
export function mountPlugins<T>(
  core: ReadonlyArray<CompiledRoute<T>>,
  plugins: unknown,
  base: string,
): Array<CompiledRoute<T | SessionsPluginRoute>> {
  const table: Array<CompiledRoute<T | SessionsPluginRoute>> = [...core];
  const issues: Array<{ path: string; message: string }> = [];
  if (plugins === undefined) return table;
  if (!Array.isArray(plugins)) {
    throw new SessionError('INVALID_INPUT', 'routes must be an array of route plug-ins', { issues: [{ path: 'routes', message: 'is not an array' }] });
  }
  const ids = new Set<string>();
  plugins.forEach((plugin: Partial<SessionsRoutePlugin> | null, p) => {
    const at = `routes[${p}]`;
    if (typeof plugin !== 'object' || plugin === null) return void issues.push({ path: at, message: 'is not a route plug-in' });
    const id = typeof plugin.id === 'string' && plugin.id.trim() !== '' ? plugin.id : null;
    if (id === null) issues.push({ path: `${at}.id`, message: 'must be a non-empty string' });
    else if (ids.has(id)) issues.push({ path: `${at}.id`, message: `repeats the plug-in id ${JSON.stringify(id)}` });
    else ids.add(id);
    const name = id ?? at;
    if (!Array.isArray(plugin.routes) || plugin.routes.length === 0) return void issues.push({ path: `${at}.routes`, message: 'must be a non-empty array' });
    plugin.routes.forEach((route: Partial<SessionsPluginRoute> | null, r) => {
      const here = `${at}.routes[${r}]`;
      if (typeof route !== 'object' || route === null) return void issues.push({ path: here, message: 'is not a route' });
      const before = issues.length;
      const methods = route.methods;
      if (!Array.isArray(methods) || methods.length === 0 || methods.some((m) => !METHODS.includes(m)) || new Set(methods).size !== methods.length) {
        issues.push({ path: `${here}.methods`, message: `must list distinct methods of ${METHODS.join(', ')}` });
      }
      for (const message of pathIssues(route.path)) issues.push({ path: `${here}.path`, message });
      if (route.auth !== 'required' && route.auth !== 'optional' && route.auth !== 'none') {
        issues.push({ path: `${here}.auth`, message: "must be 'required', 'optional' or 'none'" });
      }
      if (route.authenticate !== undefined && (typeof route.authenticate !== 'function' || route.auth === 'none')) {
        issues.push({ path: `${here}.authenticate`, message: "must be a function, on a route whose auth is not 'none'" });
      }
      if (typeof route.handle !== 'function') issues.push({ path: `${here}.handle`, message: 'must be a function' });
      if (issues.length > before) return;
      const compiled = compileRoute(name, base, route.path!, methods!, route as SessionsPluginRoute);
      const clash = table.find((other) => overlaps(other.segments, compiled.segments));
      if (clash) {
        issues.push({
          path: `${here}.path`,
          message: `${route.path} (${name}) collides with ${clash.path} (${clash.owner}): a request path could match both`,
        });
        return;
      }
      table.push(compiled);
    });
  });
  if (issues.length > 0) {
    throw new SessionError('INVALID_INPUT', `Invalid route plug-ins: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues });
  }
  return table;
}
