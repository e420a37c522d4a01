-- Rules the schema enforces by itself, for every writer: timing functions, money exactness and
-- charge = payout + fee, one session per booking, one connection per tutor, frozen final sessions.
begin;
select plan(14);

\ir ../fixtures/rls_people_and_rows.psql

select results_eq($$ select public.itutor_no_show_wait_minutes(d) || '/' || public.itutor_min_payable_minutes(d) from unnest(array[60, 90, 100]) d $$,
  array['19/39', '29/59', '33/66'], 'timing: 60 → 19/39, 90 → 29/59, 100 → 33/66 (floor in integer arithmetic)');
select is(public.itutor_no_show_wait_minutes(1440, 50), 720, 'timing: the percentage is a parameter');

select is((select price_ttd::text from public.sessions where booking_id = 'booking-a'), '150.00', 'money is stored as exact numeric(12,2)');
select throws_ok($$ update public.sessions set price_ttd = 10000000000.00 where booking_id = 'booking-a' $$, '22003', null, 'money above 9,999,999,999.99 is refused');

-- Settle session B by hand (as the service role would), then try to break its outcome.
select lives_ok($$ update public.sessions set status = 'COMPLETED_ASSUMED', version = 2, finalized_at = '2026-03-02 17:30Z',
  charge_amount_ttd = 200.00, payout_amount_ttd = 180.00, platform_fee_ttd = 20.00, charge_status = 'pending',
  charge_idempotency_key = 'itutor-session-b-COMPLETED_ASSUMED' where booking_id = 'booking-b' $$, 'a session can be settled');
select throws_ok($$ update public.sessions set platform_fee_ttd = 19.99 where booking_id = 'booking-a' or booking_id = 'booking-b' $$,
  '23514', null, 'charge = payout + fee is enforced');
select throws_ok($$ update public.sessions set status = 'CANCELLED', cancelled_by = 'platform' where booking_id = 'booking-b' $$,
  '23514', 'session bbbbbbbb-0000-4000-8000-00000000000b is final (COMPLETED_ASSUMED): only its charge bookkeeping may change',
  'a final session cannot change its status');
select throws_ok($$ update public.sessions set charge_amount_ttd = 100.00, payout_amount_ttd = 90.00, platform_fee_ttd = 10.00 where booking_id = 'booking-b' $$,
  '23514', null, 'a final session cannot change its amounts');
select throws_ok($$ update public.sessions set join_url = 'https://evil.example' where booking_id = 'booking-b' $$,
  '23514', null, 'a final session cannot change its meeting');
select lives_ok($$ update public.sessions set charge_status = 'succeeded', charge_attempts = 1, charge_reference = 'ch_1', claimed_until = null, version = 3
  where booking_id = 'booking-b' $$, 'a final session can record its charge');

select throws_ok($$ insert into public.sessions select (s).* from (select jsonb_populate_record(s, '{"id": "dddddddd-0000-4000-8000-00000000000d"}') as s
  from public.sessions s where booking_id = 'booking-a') x $$, '23505', null, 'one session per booking');
select throws_ok($$ insert into public.tutor_video_provider_connections (tutor_id, provider, connection_status) values ('11111111-1111-4111-8111-111111111111', 'google_meet', 'connected') $$,
  '23505', null, 'one connection per tutor');
select throws_ok($$ update public.sessions set status = 'DONE' where booking_id = 'booking-a' $$, '23514', null, 'statuses are constrained');
select throws_ok($$ update public.sessions set provider = 'teams' where booking_id = 'booking-a' $$, '23514', null, 'providers are constrained');

select * from finish();
rollback;
