import { methodNotAllowed } from '@/lib/methods';
import { handleWebhookRoute } from '@/lib/webhooks';

// Never prerendered or cached: every delivery is verified and stored.
export const dynamic = 'force-dynamic';

/**
 * `POST /api/webhooks/google-meet` — the push endpoint of the Pub/Sub subscription that carries Google
 * Meet's Workspace events (conference started / ended, participant joined / left). The push request's
 * OIDC token must be Google's, for `GOOGLE_MEET_PUSH_AUDIENCE`, from `GOOGLE_MEET_PUSH_SERVICE_ACCOUNT`:
 * 401 otherwise. See lib/webhooks.ts.
 */
export async function POST(request: Request) {
  return handleWebhookRoute('google_meet', request);
}

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed('POST');
