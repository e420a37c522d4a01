import 'server-only';
import type { Booking } from '@itutor/sessions-core';
import type { Pool } from 'pg';
import { SESSION_BOOKING_STATUS, priceTextToCents } from '../bookings';

/*
 * The host's `public.bookings` table over node-postgres (local development mode): the same table and
 * rules as `lib/bookings.ts` reads through supabase-js in the Supabase mode.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface BookingRow {
  id: string;
  tutor_id: string;
  student_id: string;
  status: string;
  scheduled_start_at: Date;
  duration_minutes: number;
  price_ttd: string;
}

const SELECT =
  'select id::text, tutor_id::text, student_id::text, status, scheduled_start_at, duration_minutes, price_ttd::text from public.bookings';

const toBooking = (row: BookingRow): Booking => ({
  bookingId: row.id,
  tutorId: row.tutor_id,
  studentId: row.student_id,
  scheduledStartAt: row.scheduled_start_at,
  durationMinutes: row.duration_minutes,
  priceMinor: priceTextToCents(row.price_ttd), // decimal text → integer cents, no float
  currency: 'TTD',
});

/** The `getBooking` of the HTTP handlers: a confirmed booking by id, or `null`. */
export function createSqlBookingLoader(pool: Pool) {
  return async function getBooking(bookingId: string): Promise<Booking | null> {
    if (!UUID.test(bookingId)) return null;
    const { rows } = await pool.query<BookingRow>(`${SELECT} where id = $1`, [bookingId]);
    const row = rows[0];
    return row && row.status === SESSION_BOOKING_STATUS ? toBooking(row) : null;
  };
}

/** DEVELOPMENT: what the booking form sends. The start may lie in the past (see README "Time"). */
export interface DevBookingInput {
  readonly tutorId: string;
  readonly studentId: string;
  /** Minutes from now to the start: negative for a session that has already started (−1440…1440). */
  readonly startsInMinutes: number;
  readonly durationMinutes: number;
  /** The price as decimal text, e.g. `150.00`. */
  readonly priceTtd: string;
}

/**
 * DEVELOPMENT: records a confirmed booking — what the host's own booking flow does in a real app. The
 * start is computed by the database (`now() + n minutes`, whole minutes), so nothing here fakes a clock.
 */
export async function insertDevBooking(pool: Pool, input: DevBookingInput): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into public.bookings (tutor_id, student_id, status, scheduled_start_at, duration_minutes, price_ttd)
     values ($1, $2, $3, date_trunc('minute', now()) + make_interval(mins => $4::int), $5, $6::numeric)
     returning id::text`,
    [input.tutorId, input.studentId, SESSION_BOOKING_STATUS, input.startsInMinutes, input.durationMinutes, input.priceTtd],
  );
  return rows[0]!.id;
}

/** DEVELOPMENT: the bookings a person takes part in, newest first. */
export async function listDevBookings(pool: Pool, userId: string): Promise<Booking[]> {
  const { rows } = await pool.query<BookingRow>(
    `${SELECT} where tutor_id::text = $1 or student_id::text = $1 order by created_at desc limit 50`,
    [userId],
  );
  return rows.map(toBooking);
}
