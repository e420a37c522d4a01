import { methodNotAllowed } from '@/lib/methods';
import { handleWebhookRoute } from '@/lib/webhooks';

// Never prerendered or cached: every delivery is verified and stored.
export const dynamic = 'force-dynamic';

/**
 * `POST /api/webhooks/zoom` — Zoom's Event Subscriptions endpoint (meeting started / ended, participant
 * joined / left, and Zoom's `endpoint.url_validation`). Signed with the app's Secret Token
 * (`ZOOM_WEBHOOK_SECRET_TOKEN`): 401 for anything unsigned, stale or altered. See lib/webhooks.ts.
 */
export async function POST(request: Request) {
  return handleWebhookRoute('zoom', request);
}

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed('POST');
