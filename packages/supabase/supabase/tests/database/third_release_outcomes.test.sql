-- The third release's outcomes (issue #22), as the schema enforces them for every writer: the statuses
-- NO_SHOW_TUTOR, NOBODY_JOINED and CANCELLED_LATE, the amounts each outcome may take, the ledger's
-- charged outcomes, the one rule of final statuses (frozen outcome, retry claim, work list), a
-- reschedule moving a session's cron entry, what participants read of the new outcomes and events,
-- and the cancellation tier rule in SQL (itutor_cancellation_quote).
begin;
select plan(60);

\ir ../fixtures/rls_people_and_rows.psql

-- Sessions C, D and E beside A (tutor A, student A) and B (tutor B, student B), like them but for ids,
-- bookings and meetings: C and E are A's people, D is B's.
insert into public.sessions (
  id, booking_id, tutor_id, student_id, status, version,
  scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
  no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
  price_ttd, currency, provider, meeting_id, join_url, created_at, updated_at)
select v.id, v.booking_id, s.tutor_id, s.student_id, s.status, s.version,
  s.scheduled_start_at, s.scheduled_end_at, s.duration_minutes, s.join_opens_at,
  s.no_show_wait_minutes, s.min_payable_minutes, s.no_show_eligible_at, s.charge_scheduled_at,
  s.price_ttd, s.currency, s.provider, v.meeting_id, s.join_url, s.created_at, s.updated_at
from (values
  ('cccccccc-0000-4000-8000-00000000000c'::uuid, 'booking-c', 'aaaaaaaa-0000-4000-8000-00000000000a'::uuid, '8000000003'),
  ('dddddddd-0000-4000-8000-00000000000d'::uuid, 'booking-d', 'bbbbbbbb-0000-4000-8000-00000000000b'::uuid, 'abc-defg-ddd'),
  ('eeeeeeee-0000-4000-8000-00000000000e'::uuid, 'booking-e', 'aaaaaaaa-0000-4000-8000-00000000000a'::uuid, '8000000005')
) as v (id, booking_id, like_id, meeting_id)
join public.sessions as s on s.id = v.like_id;

-- The one list of final statuses ------------------------------------------------------------------------
select results_eq(
  $$ select s || '=' || public.itutor_is_final_status(s) from unnest(array['SCHEDULED', 'JOIN_OPEN', 'COMPLETED_ASSUMED', 'NO_SHOW_STUDENT',
       'EARLY_END_SHORT', 'CANCELLED', 'NO_SHOW_TUTOR', 'NOBODY_JOINED', 'CANCELLED_LATE', 'DONE']) as s $$,
  array['SCHEDULED=false', 'JOIN_OPEN=false', 'COMPLETED_ASSUMED=true', 'NO_SHOW_STUDENT=true', 'EARLY_END_SHORT=true', 'CANCELLED=true',
        'NO_SHOW_TUTOR=true', 'NOBODY_JOINED=true', 'CANCELLED_LATE=true', 'DONE=false'],
  'itutor_is_final_status: all but SCHEDULED and JOIN_OPEN, and nothing unknown');

-- NO_SHOW_TUTOR: final, no charge, no payout -------------------------------------------------------------
set local role service_role;
select throws_ok($$ update public.sessions set status = 'NO_SHOW_TUTOR', version = 2, finalized_at = '2026-03-02 14:19Z',
  charge_amount_ttd = 150.00, payout_amount_ttd = 135.00, platform_fee_ttd = 15.00, charge_status = 'pending' where booking_id = 'booking-a' $$,
  '23514', 'new row for relation "sessions" violates check constraint "sessions_uncharged_outcomes_charge_nothing"', 'a tutor no-show charges nothing');
select throws_ok($$ update public.sessions set status = 'NO_SHOW_TUTOR', version = 2, finalized_at = '2026-03-02 14:19Z',
  charge_amount_ttd = 0, payout_amount_ttd = 0, platform_fee_ttd = 0, charge_status = 'pending' where booking_id = 'booking-a' $$,
  '23514', 'new row for relation "sessions" violates check constraint "sessions_uncharged_outcomes_charge_nothing"', 'a tutor no-show has no charge to collect');
select throws_ok($$ update public.sessions set status = 'NO_SHOW_TUTOR', version = 2, finalized_at = '2026-03-02 14:19Z',
  charge_amount_ttd = 0, payout_amount_ttd = 0, platform_fee_ttd = 0, cancelled_by = 'student' where booking_id = 'booking-a' $$,
  '23514', 'new row for relation "sessions" violates check constraint "sessions_only_cancelled_sessions_have_a_canceller"', 'a tutor no-show has no canceller');
select throws_ok($$ update public.sessions set status = 'NO_SHOW_TUTOR', version = 2 where booking_id = 'booking-a' $$,
  '23514', 'new row for relation "sessions" violates check constraint "sessions_final_sessions_have_an_outcome"', 'a tutor no-show has an outcome (finalized, amounts)');
select lives_ok($$ update public.sessions set status = 'NO_SHOW_TUTOR', version = 2, finalized_at = '2026-03-02 14:19Z', student_joined_at = '2026-03-02 13:58Z',
  charge_amount_ttd = 0, payout_amount_ttd = 0, platform_fee_ttd = 0 where booking_id = 'booking-a' $$, 'a tutor no-show: final with 0/0/0 and no charge');
select is_empty($$ select * from public.session_work where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$, 'a tutor no-show has no work left');
select throws_ok($$ update public.sessions set status = 'COMPLETED_ASSUMED', charge_amount_ttd = 150.00, payout_amount_ttd = 135.00, platform_fee_ttd = 15.00,
  version = 3 where booking_id = 'booking-a' $$,
  '23514', 'session aaaaaaaa-0000-4000-8000-00000000000a is final (NO_SHOW_TUTOR): only its charge bookkeeping may change', 'a tutor no-show is final: its outcome never changes');
select lives_ok($$ update public.sessions set claimed_until = '2026-03-02 15:05Z', version = 3 where booking_id = 'booking-a' $$,
  'a tutor no-show''s bookkeeping may change');
select throws_ok($$ insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 1, 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-NO_SHOW_TUTOR-1', 'NO_SHOW_TUTOR', 1.00, 0.90, 0.10, 'TTD', '2026-03-02 14:19Z') $$,
  '23514', 'new row for relation "session_charges" violates check constraint "session_charges_outcome_is_charged"', 'the ledger takes no attempt of a tutor no-show');

-- EARLY_END_SHORT and CANCELLED charge nothing either.
select throws_ok($$ update public.sessions set status = 'EARLY_END_SHORT', version = 2, finalized_at = '2026-03-02 17:30Z',
  charge_amount_ttd = 200.00, payout_amount_ttd = 180.00, platform_fee_ttd = 20.00 where booking_id = 'booking-b' $$,
  '23514', 'new row for relation "sessions" violates check constraint "sessions_uncharged_outcomes_charge_nothing"', 'an early end that was short charges nothing');
select throws_ok($$ update public.sessions set status = 'CANCELLED', cancelled_by = 'student', version = 2, finalized_at = '2026-03-02 12:00Z',
  charge_amount_ttd = 100.00, payout_amount_ttd = 90.00, platform_fee_ttd = 10.00 where booking_id = 'booking-b' $$,
  '23514', 'new row for relation "sessions" violates check constraint "sessions_uncharged_outcomes_charge_nothing"', 'a free cancellation charges nothing (a fee is CANCELLED_LATE)');

-- CANCELLED_LATE: the student's, charged through the ledger ------------------------------------------------
select throws_ok($$ update public.sessions set status = 'CANCELLED_LATE', version = 2, finalized_at = '2026-03-02 15:00Z',
  charge_amount_ttd = 100.00, payout_amount_ttd = 90.00, platform_fee_ttd = 10.00 where booking_id = 'booking-b' $$,
  '23514', 'new row for relation "sessions" violates check constraint "sessions_only_cancelled_sessions_have_a_canceller"', 'a late cancellation has a canceller');
select throws_ok($$ update public.sessions set status = 'CANCELLED_LATE', cancelled_by = 'tutor', version = 2, finalized_at = '2026-03-02 15:00Z',
  charge_amount_ttd = 100.00, payout_amount_ttd = 90.00, platform_fee_ttd = 10.00 where booking_id = 'booking-b' $$,
  '23514', 'new row for relation "sessions" violates check constraint "sessions_late_cancellations_are_charged_to_the_student"', 'a tutor cancelling is never a late cancellation');
select throws_ok($$ update public.sessions set status = 'CANCELLED_LATE', cancelled_by = 'student', version = 2, finalized_at = '2026-03-02 15:00Z',
  charge_amount_ttd = 0, payout_amount_ttd = 0, platform_fee_ttd = 0 where booking_id = 'booking-b' $$,
  '23514', 'new row for relation "sessions" violates check constraint "sessions_late_cancellations_are_charged_to_the_student"', 'a late cancellation without a fee is CANCELLED');
-- Session B (200.00), cancelled by student B 30 minutes before the start: the default tiers' 50 %.
select lives_ok($$ update public.sessions set status = 'CANCELLED_LATE', cancelled_by = 'student', version = 2, finalized_at = '2026-03-02 15:30Z',
  charge_amount_ttd = 100.00, payout_amount_ttd = 90.00, platform_fee_ttd = 10.00, charge_status = 'pending',
  charge_idempotency_key = 'itutor-session-bbbbbbbb-0000-4000-8000-00000000000b-CANCELLED_LATE-1', charge_attempts = 1
  where booking_id = 'booking-b' $$, 'a late cancellation: the student''s, with its fee and the charge pending');
select throws_ok($$ insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 'itutor-session-bbbbbbbb-0000-4000-8000-00000000000b-COMPLETED_ASSUMED-1', 'COMPLETED_ASSUMED', 100.00, 90.00, 10.00, 'TTD', '2026-03-02 15:30Z') $$,
  '23503', 'charge attempt 1 of session bbbbbbbb-0000-4000-8000-00000000000b does not match the session''s outcome, amounts and currency',
  'an attempt whose outcome is not its session''s is refused');
select throws_ok($$ insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 'itutor-session-bbbbbbbb-0000-4000-8000-00000000000b-CANCELLED_LATE-1', 'CANCELLED_LATE', 200.00, 180.00, 20.00, 'TTD', '2026-03-02 15:30Z') $$,
  '23503', 'charge attempt 1 of session bbbbbbbb-0000-4000-8000-00000000000b does not match the session''s outcome, amounts and currency',
  'an attempt of a late cancellation charges the fee, not the price');
select lives_ok($$ insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 'itutor-session-bbbbbbbb-0000-4000-8000-00000000000b-CANCELLED_LATE-1', 'CANCELLED_LATE', 100.00, 90.00, 10.00, 'TTD', '2026-03-02 15:30Z') $$,
  'the ledger takes the late cancellation''s attempt');
select results_eq($$ select kind || '@' || to_char(due_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') from public.session_work where session_id = 'bbbbbbbb-0000-4000-8000-00000000000b' $$,
  array['cron@2026-03-02 15:30'],
  'a late cancellation with its charge pending is the cron''s to collect, due at once (at its cancellation, before its end)');
select throws_ok($$ update public.sessions set status = 'CANCELLED', charge_amount_ttd = 0, payout_amount_ttd = 0, platform_fee_ttd = 0, charge_status = 'none',
  version = 3 where booking_id = 'booking-b' $$,
  '23514', 'session bbbbbbbb-0000-4000-8000-00000000000b is final (CANCELLED_LATE): only its charge bookkeeping may change', 'a late cancellation is final: its fee is never waived by rewriting it');
select throws_ok($$ update public.sessions set cancelled_by = 'platform', version = 3 where booking_id = 'booking-b' $$,
  '23514', null, 'a late cancellation keeps its canceller');
reset role;

-- NOBODY_JOINED: free by default, or the host's percent through the ledger.
set local role service_role;
select lives_ok($$ update public.sessions set status = 'NOBODY_JOINED', version = 2, finalized_at = '2026-03-02 15:00Z',
  charge_amount_ttd = 0, payout_amount_ttd = 0, platform_fee_ttd = 0 where booking_id = 'booking-c' $$, 'nobody joined, free (the default)');
select lives_ok($$ update public.sessions set status = 'NOBODY_JOINED', version = 2, finalized_at = '2026-03-02 15:30Z',
  charge_amount_ttd = 40.00, payout_amount_ttd = 36.00, platform_fee_ttd = 4.00, charge_status = 'pending',
  charge_idempotency_key = 'itutor-session-dddddddd-0000-4000-8000-00000000000d-NOBODY_JOINED-1', charge_attempts = 1
  where booking_id = 'booking-d' $$, 'nobody joined, with the host''s 20 % and the charge pending');
select lives_ok($$ insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('dddddddd-0000-4000-8000-00000000000d', 1, 'itutor-session-dddddddd-0000-4000-8000-00000000000d-NOBODY_JOINED-1', 'NOBODY_JOINED', 40.00, 36.00, 4.00, 'TTD', '2026-03-02 17:30Z') $$,
  'the ledger takes an attempt of a charged NOBODY_JOINED');
select throws_ok($$ update public.sessions set status = 'SCHEDULED', finalized_at = null, charge_amount_ttd = null, payout_amount_ttd = null, platform_fee_ttd = null,
  version = 3 where booking_id = 'booking-c' $$,
  '23514', 'session cccccccc-0000-4000-8000-00000000000c is final (NOBODY_JOINED): only its charge bookkeeping may change', 'nobody joined is final: it never opens again');

-- The retry claim collects the pending charges of every final outcome (B: CANCELLED_LATE, D: NOBODY_JOINED),
-- after the sessions due to settle (E): each group oldest charge time first, then by id.
select results_eq($$ select x ->> 'booking_id' from json_array_elements(public.itutor_claim_sessions_for_settlement('2026-03-02 18:00Z', 10, '2026-03-02 18:05Z')) as x $$,
  array['booking-e', 'booking-b', 'booking-d'],
  'the claim: E due to settle, then the pending charges of the late cancellation B and of D (nobody joined, charged)');
select results_eq($$ select booking_id from public.sessions where claimed_until = '2026-03-02 18:05Z' order by booking_id $$,
  array['booking-b', 'booking-d'], 'the claim leased exactly the two charges to collect (E, due to settle, is returned without a lease)');
reset role;

-- A reschedule: session E (not final) moves by one day, its cron entry with it --------------------------
set local role service_role;
update public.sessions set claimed_until = null, version = version + 1 where booking_id = 'booking-e';
select lives_ok($$ update public.sessions
  set scheduled_start_at = scheduled_start_at + interval '1 day', scheduled_end_at = scheduled_end_at + interval '1 day',
      join_opens_at = join_opens_at + interval '1 day', no_show_eligible_at = no_show_eligible_at + interval '1 day',
      charge_scheduled_at = charge_scheduled_at + interval '1 day', version = version + 1
  where booking_id = 'booking-e' $$, 'a session that is not final moves: all its times by one delta');
select throws_ok($$ update public.sessions set scheduled_start_at = scheduled_start_at + interval '1 hour', version = version + 1 where booking_id = 'booking-e' $$,
  '23514', null, 'a half move (the start without the end) is refused');
select results_eq($$ select kind || '@' || to_char(due_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') from public.session_work where session_id = 'eeeeeeee-0000-4000-8000-00000000000e' $$,
  array['cron@2026-03-03 15:00'], 'its cron entry moved to the new end');
select is(json_array_length(public.itutor_claim_sessions_for_settlement('2026-03-02 18:04Z', 10, '2026-03-02 18:15Z')), 0,
  'a claim after the old end (B and D still leased) finds nothing: E is no longer due');
select results_eq($$ select x ->> 'booking_id' from json_array_elements(public.itutor_claim_sessions_for_settlement('2026-03-03 15:00Z', 1, '2026-03-03 15:05Z')) as x $$,
  array['booking-e'], 'a claim at the new end settles it');
select throws_ok($$ update public.sessions set scheduled_start_at = scheduled_start_at + interval '1 day', scheduled_end_at = scheduled_end_at + interval '1 day',
      join_opens_at = join_opens_at + interval '1 day', no_show_eligible_at = no_show_eligible_at + interval '1 day',
      charge_scheduled_at = charge_scheduled_at + interval '1 day', version = version + 1 where booking_id = 'booking-b' $$,
  '23514', null, 'a final session never moves');
insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload) values
  ('eeeeeeee-0000-4000-8000-00000000000e', '11111111-1111-4111-8111-111111111111', 'session.rescheduled', '33333333-3333-4333-8333-333333333333', '2026-03-01 10:00Z', '{"tag": "e-rescheduled"}'),
  ('aaaaaaaa-0000-4000-8000-00000000000a', '11111111-1111-4111-8111-111111111111', 'session.tutor_no_show_marked', '33333333-3333-4333-8333-333333333333', '2026-03-02 14:19Z', '{"tag": "a-tutor-no-show"}'),
  ('bbbbbbbb-0000-4000-8000-00000000000b', '22222222-2222-4222-8222-222222222222', 'session.cancelled', '44444444-4444-4444-8444-444444444444', '2026-03-02 15:30Z', '{"tag": "b-cancelled-late"}');
select pass('the service role appends the new event types');
reset role;

-- What participants read of the new outcomes (RLS) ----------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}';
select results_eq($$ select booking_id || ':' || status || ':' || cancelled_by || ':' || charge_amount_ttd from public.sessions where status = 'CANCELLED_LATE' $$,
  array['booking-b:CANCELLED_LATE:student:100.00'], 'student B reads their late cancellation and its fee');
select results_eq($$ select outcome || ':' || charge_amount_ttd from public.session_charges order by outcome $$,
  array['CANCELLED_LATE:100.00', 'NOBODY_JOINED:40.00'], 'student B reads the attempts of their sessions (B and D)');
select throws_ok($$ select idempotency_key from public.session_charges $$, '42501', null, 'student B cannot read the attempt''s key');
select results_eq($$ select payload ->> 'tag' from public.session_events where type = 'session.cancelled' $$, array['b-cancelled-late'], 'student B reads the cancellation''s event');
select is_empty($$ select id from public.session_events where type in ('session.rescheduled', 'session.tutor_no_show_marked') $$, 'student B reads nobody else''s new events');
select throws_ok($$ update public.sessions set status = 'CANCELLED', charge_amount_ttd = 0 where booking_id = 'booking-b' $$, '42501', null, 'student B cannot waive their fee');
select throws_ok($$ update public.session_charges set status = 'failed' $$, '42501', null, 'student B cannot touch the attempt');
reset role;

set local role authenticated;
set local "request.jwt.claims" to '{"sub": "33333333-3333-4333-8333-333333333333", "role": "authenticated"}';
select results_eq($$ select booking_id || ':' || status from public.sessions order by booking_id $$,
  array['booking-a:NO_SHOW_TUTOR', 'booking-c:NOBODY_JOINED', 'booking-e:SCHEDULED'], 'student A reads their sessions, the new outcomes included, and no one else''s');
select is_empty($$ select attempt from public.session_charges $$, 'student A has no attempts to read (nothing of B or D)');
select results_eq($$ select payload ->> 'tag' from public.session_events where type in ('session.rescheduled', 'session.tutor_no_show_marked') order by id $$,
  array['e-rescheduled', 'a-tutor-no-show'], 'student A reads the reschedule and the tutor no-show of their sessions');
reset role;

set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select status from public.sessions $$, '42501', null, 'anon reads no session');
select throws_ok($$ select public.itutor_cancellation_quote('2026-03-02 14:00Z', 15000, 'student', '2026-03-02 13:00Z', '[]') $$, '42501', null, 'anon cannot call the cancellation quote');
reset role;

-- The cancellation tier rule (the core's cancellationQuote) ---------------------------------------------------
-- Default tiers: 24 h or more before the start, free; later, 50 %. TTD 150.00, tutor 90 %.
create temporary table quote_tiers on commit drop as
  select '[{"minutesBefore": 1440, "chargePercent": 0}, {"minutesBefore": 0, "chargePercent": 50}]'::jsonb as tiers;
select is(public.itutor_cancellation_quote('2026-03-05 14:00Z', 15000, 'student', '2026-03-05 13:00Z', (select tiers from quote_tiers)),
  '{"status": "CANCELLED_LATE", "by": "student", "chargePercent": 50, "chargeMinor": 7500, "payoutMinor": 6750, "feeMinor": 750,
    "tier": {"minutesBefore": 0, "chargePercent": 50}, "minutesBefore": 60, "validUntil": "2026-03-05T14:00:00+00:00"}'::jsonb,
  'an hour before: 50 % (7500 = 6750 + 750), valid until the start');
select is(public.itutor_cancellation_quote('2026-03-05 14:00Z', 15000, 'student', '2026-03-04 14:00Z', (select tiers from quote_tiers)),
  '{"status": "CANCELLED", "by": "student", "chargePercent": 0, "chargeMinor": 0, "payoutMinor": 0, "feeMinor": 0,
    "tier": {"minutesBefore": 1440, "chargePercent": 0}, "minutesBefore": 1440, "validUntil": "2026-03-04T14:00:00+00:00"}'::jsonb,
  'exactly 24 h before: the free tier, valid until that instant');
select is(public.itutor_cancellation_quote('2026-03-05 14:00Z', 15000, 'student', '2026-03-04 14:00:00.001Z', (select tiers from quote_tiers)) ->> 'chargeMinor', '7500',
  'a millisecond later: 1439 whole minutes left, the fee');
select is(public.itutor_cancellation_quote('2026-03-05 14:00Z', 15000, 'student', '2026-03-04 13:59:59.999Z', (select tiers from quote_tiers)) ->> 'minutesBefore', '1440',
  'a millisecond earlier: 1440 whole minutes (rounded down), free');
select is(public.itutor_cancellation_quote('2026-03-05 14:00Z', 15000, 'tutor', '2026-03-05 13:59Z', (select tiers from quote_tiers)),
  '{"status": "CANCELLED", "by": "tutor", "chargePercent": 0, "chargeMinor": 0, "payoutMinor": 0, "feeMinor": 0,
    "tier": null, "minutesBefore": 1, "validUntil": "2026-03-05T14:00:00+00:00"}'::jsonb,
  'a tutor cancelling is free for the student at any time');
select is(public.itutor_cancellation_quote('2026-03-05 14:00Z', 15000, 'platform', '2026-03-05 13:59Z', (select tiers from quote_tiers)) ->> 'chargeMinor', '0',
  'so is the platform cancelling');
select is(public.itutor_cancellation_quote('2026-03-05 14:00Z', 999999999999, 'student', '2026-03-05 13:59:30Z',
    '[{"minutesBefore": 0, "chargePercent": 33}]', 7777) - 'tier' - 'validUntil' - 'by',
  '{"status": "CANCELLED_LATE", "chargePercent": 33, "chargeMinor": 329999999999, "payoutMinor": 256640999999, "feeMinor": 73359000000, "minutesBefore": 0}'::jsonb,
  'the largest price, 33 %, a 77.77 % payout: floor, floor, remainder, exact (and 0 whole minutes in the last one)');
select is(public.itutor_cancellation_quote('2026-03-05 14:00Z', 15000, 'student', '2026-03-05 13:00Z', '[]') ->> 'status', 'CANCELLED',
  'no tiers: always free');
select throws_ok($$ select public.itutor_cancellation_quote('2026-03-05 14:00Z', 15000, 'student', '2026-03-05 14:00Z', '[]') $$,
  '55000', 'A session can only be cancelled before its scheduled start', 'at the start: too late');
select throws_ok($$ select public.itutor_cancellation_quote('2026-03-05 14:00Z', 15000, 'student', '2026-03-05 13:00Z',
  '[{"minutesBefore": 60, "chargePercent": 10}, {"minutesBefore": 60, "chargePercent": 20}]') $$,
  '22023', null, 'tiers with the same minutesBefore are refused (as definePolicy refuses them)');
select throws_ok($$ select public.itutor_cancellation_quote('2026-03-05 14:00Z', 15000, 'student', '2026-03-05 13:00Z', '[{"minutesBefore": 60, "chargePercent": 101}]') $$,
  '22023', null, 'a percent above 100 is refused');
select throws_ok($$ select public.itutor_cancellation_quote('2026-03-05 14:00Z', 15000, 'someone', '2026-03-05 13:00Z', '[]') $$,
  '22023', null, 'an unknown canceller is refused');
select throws_ok($$ select public.itutor_cancellation_quote('2026-03-05 14:00Z', 1000000000000, 'student', '2026-03-05 13:00Z', '[]') $$,
  '22023', null, 'a price above numeric(12,2) is refused');

select * from finish();
rollback;
