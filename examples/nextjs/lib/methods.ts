import { problem } from '@itutor/sessions-core/http';

type Method = 'GET' | 'POST';
type Handler = () => Promise<Response>;

/**
 * Handlers for the methods a route does not accept: a problem+json 405 with an `Allow` header that says
 * what to use (Next.js's own 405 has an empty body). Export the ones the route does not define.
 */
export function methodNotAllowed(...allowed: Method[]): Record<'GET' | 'PUT' | 'PATCH' | 'DELETE', Handler> {
  const handler: Handler = async () =>
    problem('METHOD_NOT_ALLOWED', `Use ${allowed.join(' or ')} for this route`, { headers: { allow: allowed.join(', ') } });
  return { GET: handler, PUT: handler, PATCH: handler, DELETE: handler };
}
