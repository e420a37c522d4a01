import { methodNotAllowed } from '@/lib/methods';
import { handleSessionsRoute } from '@/lib/sessions';

export const dynamic = 'force-dynamic';

/**
 * `POST /api/sessions/create-for-booking` `{ bookingId }` — the booking's tutor (or the server, with the
 * service-role key) creates its session: 201 new, 200 existing (idempotent per booking). Price and times
 * come from the `bookings` table (`lib/bookings.ts`), never from the request.
 */
export async function POST(request: Request) {
  return handleSessionsRoute((routes) => routes.createForBooking(request, {}));
}

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed('POST');
