import 'server-only';
import { headers } from 'next/headers';
import { getSessionsServer } from './sessions';

/**
 * The signed-in user of the current page request, through the same authenticator as the API routes
 * (so a page and a route can never disagree about who is asking). `null` when not signed in.
 */
export async function getViewerId(): Promise<string | null> {
  const { authenticate } = await getSessionsServer();
  // The authenticator speaks Web `Request`: give it this request's headers (cookies, authorization).
  const request = new Request('http://localhost/', { headers: new Headers(await headers()) });
  const auth = await authenticate(request);
  return auth && !auth.isService && auth.userId ? auth.userId : null;
}
