import { problem } from '@itutor/sessions-core/http';
import { methodNotAllowed } from '@/lib/methods';
import { DEV_SESSION_COOKIE, DEV_SESSION_MAX_AGE_SECONDS, signDevSession } from '@/lib/local/dev-auth';
import { formFields, refuseCrossSite, seeOther } from '@/lib/local/forms';
import { devPerson } from '@/lib/local/people';
import { handleDevRoute } from '@/lib/sessions';

export const dynamic = 'force-dynamic';

/**
 * DEVELOPMENT SIGN-IN (local mode only; 404 in the Supabase mode): `POST` a form with `userId` (a seeded
 * person) and optionally `next` (a path); sets the signed `itutor_dev_user` cookie and redirects.
 */
export async function POST(request: Request) {
  return handleDevRoute(async (server) => {
    const refused = refuseCrossSite(request);
    if (refused) return refused;
    const fields = await formFields(request);
    const person = devPerson(fields.get('userId'));
    if (!person) return problem('INVALID_INPUT', 'userId must be one of the seeded people');
    const secure = new URL(request.url).protocol === 'https:' ? '; Secure' : '';
    const cookie =
      `${DEV_SESSION_COOKIE}=${encodeURIComponent(signDevSession(person.id, server.cronSecret))}; Path=/; HttpOnly; ` +
      `SameSite=Lax; Max-Age=${DEV_SESSION_MAX_AGE_SECONDS}${secure}`;
    return seeOther(fields.get('next') ?? '/', { 'set-cookie': cookie });
  });
}

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed('POST');
