import type { SqlClient } from '@itutor/sessions-supabase';

/**
 * Inserts `count` due, unsettled 60-minute sessions (price TTD 150.00) in one statement. Their
 * scheduled ends spread over the 120 minutes after `firstEndAt`. Returns nothing; read them back by
 * `bookingPrefix`.
 */
export async function seedDueSessions(
  client: SqlClient,
  options: { count: number; firstEndAt: Date; bookingPrefix: string },
): Promise<void> {
  await client.query(
    `insert into public.sessions (
       id, booking_id, tutor_id, student_id, status, version,
       scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
       no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
       price_ttd, currency, provider, meeting_id, join_url, created_at, updated_at)
     select gen_random_uuid(), $3 || i, 'tutor-' || (i % 50), 'student-' || i, 'SCHEDULED', 1,
       t.start_at, t.start_at + interval '60 minutes', 60, t.start_at - interval '5 minutes',
       19, 39, t.start_at + interval '19 minutes', t.start_at + interval '60 minutes',
       150.00, 'TTD', 'zoom', 'm' || i, 'https://zoom.us/j/' || i, t.start_at - interval '1 day', t.start_at - interval '1 day'
     from generate_series(1, $1::integer) as i,
       lateral (select $2::timestamptz - interval '60 minutes' + (i % 120) * interval '1 minute' as start_at) as t`,
    [options.count, options.firstEndAt.toISOString(), options.bookingPrefix],
  );
}
