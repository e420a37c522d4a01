import { methodNotAllowed } from '@/lib/methods';
import { DEV_SESSION_COOKIE } from '@/lib/local/dev-auth';
import { refuseCrossSite, seeOther } from '@/lib/local/forms';
import { handleDevRoute } from '@/lib/sessions';

export const dynamic = 'force-dynamic';

/** DEVELOPMENT (local mode only): clears the development sign-in cookie. */
export async function POST(request: Request) {
  return handleDevRoute(async () => {
    const refused = refuseCrossSite(request);
    if (refused) return refused;
    return seeOther('/', { 'set-cookie': `${DEV_SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` });
  });
}

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed('POST');
