import { createSessionsRouteHandlers, type RouteHandler, type SessionsHttpOptions } from './handlers';
import { problem } from './problem';

interface Route {
  readonly methods: readonly string[];
  readonly pattern: RegExp;
  readonly handler: RouteHandler;
}

/**
 * One Web-standard handler for all the routes (create-for-booking, join, mark-no-show, attendance, the
 * cron route): mount it on a catch-all route of any framework that
 * speaks `Request`/`Response` (Next.js, Hono, Remix, Bun, Deno, or `node:http` through an adapter).
 * Unknown paths get 404, known paths with the wrong method 405 with an `Allow` header; all errors are
 * `application/problem+json`.
 *
 * ```ts
 * const handle = createSessionsHandler({ core, authenticate, getBooking, cronSecret });
 * export { handle as GET, handle as POST }; // app/api/[...path]/route.ts
 * ```
 */
export function createSessionsHandler(options: SessionsHttpOptions): (request: Request) => Promise<Response> {
  const handlers = createSessionsRouteHandlers(options);
  const base = (options.basePath ?? '/api').replace(/\/+$/, '');
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const routes: Route[] = [
    { methods: ['POST'], pattern: new RegExp(`^${escaped}/sessions/create-for-booking/?$`), handler: handlers.createForBooking },
    { methods: ['POST'], pattern: new RegExp(`^${escaped}/sessions/(?<id>[^/]+)/join/?$`), handler: handlers.join },
    { methods: ['POST'], pattern: new RegExp(`^${escaped}/sessions/(?<id>[^/]+)/mark-no-show/?$`), handler: handlers.markNoShow },
    { methods: ['GET'], pattern: new RegExp(`^${escaped}/sessions/(?<id>[^/]+)/attendance/?$`), handler: handlers.attendance },
    { methods: ['GET', 'POST'], pattern: new RegExp(`^${escaped}/cron/process-charges/?$`), handler: handlers.processCharges },
  ];

  return async (request) => {
    let pathname: string;
    try {
      pathname = new URL(request.url).pathname;
    } catch {
      return problem('ROUTE_NOT_FOUND', 'Malformed request URL');
    }
    for (const route of routes) {
      const match = route.pattern.exec(pathname);
      if (!match) continue;
      if (!route.methods.includes(request.method.toUpperCase())) {
        return problem('METHOD_NOT_ALLOWED', `Use ${route.methods.join(' or ')} for this route`, {
          headers: { allow: route.methods.join(', ') },
        });
      }
      let id: string | undefined;
      if (match.groups?.id !== undefined) {
        try {
          id = decodeURIComponent(match.groups.id);
        } catch {
          return problem('NOT_FOUND', 'Session was not found');
        }
      }
      return route.handler(request, id === undefined ? {} : { id });
    }
    return problem('ROUTE_NOT_FOUND', `No route for ${pathname}`);
  };
}
