import 'server-only';
import type { Booking } from '@itutor/sessions-core';
import type { SupabaseClient } from '@supabase/supabase-js';

/*
 * The host's bookings are the source of truth for who, when and how much: the create route only takes
 * a `bookingId`, so a browser can never set a price. This example reads them from the host's own
 * `public.bookings` table (not part of the SDK's migration):
 *
 *   id                  uuid (or text) primary key
 *   tutor_id            uuid         → auth.users(id)
 *   student_id          uuid         → auth.users(id)
 *   status              text         only 'confirmed' bookings get a session
 *   scheduled_start_at  timestamptz
 *   duration_minutes    integer      1–1440
 *   price_ttd           numeric(12,2) the full price in TTD, e.g. 150.00
 *
 * Adapt the table, column names and the "confirmed" rule to your schema; keep the result a `Booking`.
 */

/** Only bookings in this status can have a session. */
export const SESSION_BOOKING_STATUS = 'confirmed';

// The price is asked for as text (`price_ttd::text`, e.g. '150.00') and converted to integer cents by
// `priceTextToCents`: no JSON number, no float.
const SELECT = 'id, tutor_id, student_id, status, scheduled_start_at, duration_minutes, price_ttd::text';

const PRICE_TEXT = /^(\d{1,10})\.(\d{2})$/;

/**
 * The text of a `numeric(12,2)` price (`'150.00'`) → integer cents (`15000`), reading the parts on both
 * sides of the point as integers. Throws for any other shape, so a changed column cannot lose precision.
 */
export function priceTextToCents(text: string): number {
  const match = PRICE_TEXT.exec(text);
  if (!match) throw new Error(`Unexpected price ${JSON.stringify(text)}: expected numeric(12,2) text like '150.00'`);
  return Number(match[1]) * 100 + Number(match[2]);
}

interface BookingRow {
  id: unknown;
  tutor_id: unknown;
  student_id: unknown;
  status: unknown;
  scheduled_start_at: unknown;
  duration_minutes: unknown;
  price_ttd: unknown;
}

/** The `getBooking` of the HTTP handlers, over the service-role Supabase client. */
export function createBookingLoader(supabase: SupabaseClient) {
  return async function getBooking(bookingId: string): Promise<Booking | null> {
    const { data, error } = await supabase.from('bookings').select(SELECT).eq('id', bookingId).maybeSingle();
    if (error) {
      // 22P02: the id is not a valid uuid (when `bookings.id` is a uuid) — such a booking cannot exist.
      if (error.code === '22P02') return null;
      throw new Error(`Could not load booking ${bookingId}: ${error.message}`);
    }
    if (!data) return null;
    const row = data as unknown as BookingRow;
    if (row.status !== SESSION_BOOKING_STATUS) return null;

    const start = typeof row.scheduled_start_at === 'string' ? new Date(row.scheduled_start_at) : null;
    if (
      typeof row.tutor_id !== 'string' ||
      typeof row.student_id !== 'string' ||
      !start ||
      Number.isNaN(start.getTime()) ||
      typeof row.duration_minutes !== 'number' ||
      typeof row.price_ttd !== 'string'
    ) {
      throw new Error(`Booking ${bookingId} has an unexpected shape; see the columns in lib/bookings.ts`);
    }
    return {
      bookingId: String(row.id),
      tutorId: row.tutor_id,
      studentId: row.student_id,
      scheduledStartAt: start,
      durationMinutes: row.duration_minutes,
      priceMinor: priceTextToCents(row.price_ttd),
      currency: 'TTD',
    };
  };
}
