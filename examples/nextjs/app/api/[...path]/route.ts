import { handleSessionsRequest } from '@/lib/sessions';

// Never prerendered or cached: every call reads or changes sessions now.
export const dynamic = 'force-dynamic';
// A settlement run (the cron) is bounded by the core (batches × batch size); give it room on Vercel.
export const maxDuration = 60;

/**
 * Every route of the SDK under `/api`, through the one handler of `lib/sessions.ts`
 * (`createSessionsHandler` with the route plug-ins):
 *
 * - `POST /api/sessions/create-for-booking`, `POST /api/sessions/{id}/join`,
 *   `POST /api/sessions/{id}/mark-no-show`, `GET /api/sessions/{id}/attendance`;
 * - `GET|POST /api/cron/process-charges` with `Authorization: Bearer <CRON_SECRET>` (Vercel Cron, vercel.json);
 * - `POST /api/webhooks/zoom`, `POST /api/webhooks/google-meet` (each verifies its own signature or token);
 * - `GET /api/providers/{zoom|google_meet}/connect|callback` (the tutors' OAuth connect flow).
 *
 * The handler routes by path itself: unknown paths 404, a known path with another method 405 with
 * `Allow`, all as problem+json. `/api/dev/*` (local development only) are their own route files, which
 * Next.js prefers to this catch-all.
 */
export const GET = handleSessionsRequest;
export const POST = handleSessionsRequest;
export const PUT = handleSessionsRequest;
export const PATCH = handleSessionsRequest;
export const DELETE = handleSessionsRequest;
