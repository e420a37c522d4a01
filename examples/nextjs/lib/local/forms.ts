import 'server-only';
import { problem } from '@itutor/sessions-core/http';
import { isSameOriginRequest } from '@itutor/sessions-supabase';

/** DEVELOPMENT: the `/api/dev/*` form posts are accepted only from this site's pages (CSRF). */
export function refuseCrossSite(request: Request): Response | null {
  return isSameOriginRequest(request) ? null : problem('FORBIDDEN', 'Development forms are accepted only from this site');
}

/** A `303 See Other` to a path of this site (never to another origin). */
export function seeOther(path: string, headers: Record<string, string> = {}): Response {
  const safe = path.startsWith('/') && !path.startsWith('//') ? path : '/';
  return new Response(null, { status: 303, headers: { location: safe, ...headers } });
}

/** Reads a form post's fields as strings. */
export async function formFields(request: Request): Promise<Map<string, string>> {
  const form = await request.formData().catch(() => null);
  const fields = new Map<string, string>();
  form?.forEach((value, key) => {
    if (typeof value === 'string') fields.set(key, value);
  });
  return fields;
}
