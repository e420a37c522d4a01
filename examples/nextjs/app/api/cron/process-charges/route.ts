import { methodNotAllowed } from '@/lib/methods';
import { handleSessionsRoute } from '@/lib/sessions';

// Never prerendered or cached: every call settles what is due now.
export const dynamic = 'force-dynamic';
// A settlement run is bounded by the core (batches × batch size); give it room on Vercel.
export const maxDuration = 60;

/**
 * `GET|POST /api/cron/process-charges` with `Authorization: Bearer <CRON_SECRET>` — settles every session
 * whose scheduled end has passed and retries failed charges; answers `{ report }`. Vercel Cron calls it
 * every minute with GET and that header (see vercel.json).
 */
export async function GET(request: Request) {
  return handleSessionsRoute((routes) => routes.processCharges(request, {}));
}

export const POST = GET;

export const { PUT, PATCH, DELETE } = methodNotAllowed('GET', 'POST');
