import type { AuthContext } from './auth';
import { createSessionsRouteHandlers, type RouteHandler, type SessionsHttpOptions } from './handlers';
import { compileRoute, mountPlugins, type CompiledRoute, type SessionsPluginRoute, type SessionsRoutePlugin } from './plugins';
import { problem, problemFromError } from './problem';

/** Options of {@link createSessionsHandler}: the core's routes' options, plus route plug-ins. */
export interface SessionsHandlerOptions extends SessionsHttpOptions {
  /**
   * Routes from the other packages (and the host's own), mounted beside the core's under `basePath`:
   * `stripeWebhookRoutes(...)` from `@itutor/sessions-stripe`; `zoomWebhookRoutes(...)`,
   * `meetEventRoutes(...)` and `videoConnectRoutes(...)` from `@itutor/sessions-video`. Two routes that
   * could match the same path (between plug-ins or with the core's) are refused here with `INVALID_INPUT`.
   */
  readonly routes?: readonly SessionsRoutePlugin[];
}

/** A core route's handler, told apart from a plug-in's route in the one table. */
interface CoreTarget {
  readonly core: RouteHandler;
}

/**
 * One Web-standard handler for all the routes: the core's (create-for-booking, join, mark-no-show,
 * attendance, the cron route) and every route plug-in's (the Stripe webhook, the video webhooks and connect
 * routes, ...). Mount it on one catch-all route of any framework that speaks `Request`/`Response`
 * (Next.js, Hono, Remix, Bun, Deno, or `node:http` through an adapter). Unknown paths get 404
 * `ROUTE_NOT_FOUND`, known paths with the wrong method 405 `METHOD_NOT_ALLOWED` with an `Allow` header;
 * all errors are `application/problem+json`.
 *
 * Throws `INVALID_INPUT` when called with unusable options: a cron secret that cannot work, badly named cron
 * jobs, a malformed plug-in, or two routes that could match the same path (each issue names where).
 *
 * ```ts
 * const handle = createSessionsHandler({
 *   core, authenticate, getBooking, cronSecret,
 *   routes: [stripeWebhookRoutes({ ... }), zoomWebhookRoutes({ ... }), videoConnectRoutes({ ... })],
 * });
 * export { handle as GET, handle as POST }; // app/api/[...path]/route.ts
 * ```
 */
export function createSessionsHandler(options: SessionsHandlerOptions): (request: Request) => Promise<Response> {
  const handlers = createSessionsRouteHandlers(options);
  const base = (options.basePath ?? '/api').replace(/\/+$/, '');
  const core = (path: string, methods: readonly string[], handler: RouteHandler) => compileRoute<CoreTarget>('core', base, path, methods, { core: handler });
  const routes = mountPlugins(
    [
      core('/sessions/create-for-booking', ['POST'], handlers.createForBooking),
      core('/sessions/:id/join', ['POST'], handlers.join),
      core('/sessions/:id/mark-no-show', ['POST'], handlers.markNoShow),
      core('/sessions/:id/report-tutor-absent', ['POST'], handlers.reportTutorAbsent),
      core('/sessions/:id/cancellation', ['GET'], handlers.cancellationPreview),
      core('/sessions/:id/cancel', ['POST'], handlers.cancel),
      core('/sessions/:id/reschedule', ['POST'], handlers.reschedule),
      core('/sessions/:id/attendance', ['GET'], handlers.attendance),
      core('/sessions/:id/dispute', ['GET', 'POST'], (request, params) =>
        request.method.toUpperCase() === 'GET' ? handlers.disputeView(request, params) : handlers.openDispute(request, params),
      ),
      ...Object.entries(handlers.disputeSteps).map(([name, handler]) => core(`/sessions/:id/dispute/${name}`, ['POST'], handler)),
      core('/sessions/:id/payment', ['GET', 'POST'], (request, params) =>
        request.method.toUpperCase() === 'GET' ? handlers.paymentStatus(request, params) : handlers.startPayment(request, params),
      ),
      core('/sessions/:id/chargebacks', ['GET'], handlers.chargebacks),
      core('/sessions/:id/chargebacks/:n/stage', ['POST'], handlers.stageChargebackEvidence),
      core('/sessions/:id/chargebacks/:n/submit', ['POST'], handlers.submitChargebackEvidence),
      core('/cron/process-charges', ['GET', 'POST'], handlers.processCharges),
    ],
    options.routes,
    base,
  );

  /** A plug-in's route: authenticated as it declares, its request untouched; a throw is answered like the core's. */
  async function runPlugin(route: SessionsPluginRoute, request: Request, params: Record<string, string>): Promise<Response> {
    try {
      let user: AuthContext | null = null;
      if (route.auth !== 'none') {
        const found = await (route.authenticate ?? options.authenticate)(request);
        user = found && typeof found.userId === 'string' && found.userId !== '' ? found : null;
        if (user === null && route.auth === 'required') return problem('UNAUTHENTICATED', 'Sign in to continue');
      }
      return await route.handle(request, { params, user, basePath: base });
    } catch (error) {
      return problemFromError(error, options.core.clock.now(), options.onUnexpectedError);
    }
  }

  return async (request) => {
    let pathname: string;
    try {
      pathname = new URL(request.url).pathname;
    } catch {
      return problem('ROUTE_NOT_FOUND', 'Malformed request URL');
    }
    // Overlapping routes are refused at construction, so at most one route matches.
    for (const route of routes as ReadonlyArray<CompiledRoute<CoreTarget | SessionsPluginRoute>>) {
      const match = route.pattern.exec(pathname);
      if (!match) continue;
      if (!route.methods.includes(request.method.toUpperCase())) {
        return problem('METHOD_NOT_ALLOWED', `Use ${route.methods.join(' or ')} for this route`, {
          headers: { allow: route.methods.join(', ') },
        });
      }
      const params: Record<string, string> = {};
      try {
        for (const [name, value] of Object.entries(match.groups ?? {})) params[name] = decodeURIComponent(value);
      } catch {
        return 'core' in route.target ? problem('NOT_FOUND', 'Session was not found') : problem('ROUTE_NOT_FOUND', `No route for ${pathname.slice(0, 200)}`);
      }
      if ('core' in route.target) return route.target.core(request, params.id === undefined ? {} : { id: params.id });
      return runPlugin(route.target, request, params);
    }
    return problem('ROUTE_NOT_FOUND', `No route for ${pathname}`);
  };
}
