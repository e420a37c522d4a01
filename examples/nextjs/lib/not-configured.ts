import 'server-only';
import { problem, type HttpMethod, type SessionsRoutePlugin } from '@itutor/sessions-core/http';
import { SessionsConfigError } from './env';

/** Answers a configuration problem: logged with its full explanation, a problem+json 500 for the client. */
export function configProblem(error: unknown): Response {
  if (!(error instanceof SessionsConfigError)) throw error;
  console.error(`[itutor sessions] ${error.message}`);
  return problem('INTERNAL', 'The sessions API is not configured on this server');
}

/**
 * A route plug-in written by the host, standing in for SDK routes whose configuration is missing: it
 * keeps their paths on the one mount and answers every call with the configuration problem (logged with
 * its full explanation; a problem+json 500 for the caller, who — a provider — retries later). The rest of
 * the API keeps working.
 */
export function notConfigured(id: string, routes: ReadonlyArray<{ readonly methods: readonly HttpMethod[]; readonly path: string }>, error: SessionsConfigError): SessionsRoutePlugin {
  return {
    id,
    routes: routes.map(({ methods, path }) => ({ methods, path, auth: 'none' as const, handle: async () => configProblem(error) })),
  };
}
