-- RLS matrix for public.session_work (the settlement's work list, derived from sessions by a trigger):
-- anon, a signed-in user, service_role × select / insert / update / delete / truncate, the rebuild
-- function; then the trigger keeping it exact through a session's life, for any writer.
begin;
select plan(33);

\ir ../fixtures/rls_people_and_rows.psql

-- What the work list must hold: the kinds each session's status and charge status give it.
create temporary view expected_work as
  select k as kind, public.itutor_session_work_due_at(k, s.status, s.charge_scheduled_at, s.finalized_at) as due_at, s.id as session_id
  from public.sessions as s, unnest(public.itutor_session_work_kinds(s.status, s.charge_status)) as k;
grant select on expected_work to service_role;

select ok((select relrowsecurity from pg_class where oid = 'public.session_work'::regclass), 'RLS is enabled on session_work');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select * from public.session_work $$, '42501', null, 'anon cannot select the work list');
select throws_ok($$ insert into public.session_work values ('cron', now(), 'aaaaaaaa-0000-4000-8000-00000000000a') $$, '42501', null, 'anon cannot insert work');
select throws_ok($$ update public.session_work set due_at = now() $$, '42501', null, 'anon cannot update work');
select throws_ok($$ delete from public.session_work $$, '42501', null, 'anon cannot delete work');
select throws_ok($$ truncate public.session_work $$, '42501', null, 'anon cannot truncate the work list');
select throws_ok($$ select public.itutor_rebuild_session_work() $$, '42501', null, 'anon cannot rebuild the work list');
reset role;

-- a signed-in user (tutor A, whose session A is in the list) ----------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select throws_ok($$ select * from public.session_work $$, '42501', null, 'a tutor cannot select the work list, not even their own session''s work');
select throws_ok($$ insert into public.session_work values ('cron', now(), 'aaaaaaaa-0000-4000-8000-00000000000a') $$, '42501', null, 'a tutor cannot insert work');
select throws_ok($$ update public.session_work set due_at = now() $$, '42501', null, 'a tutor cannot move their session''s work');
select throws_ok($$ delete from public.session_work $$, '42501', null, 'a tutor cannot delete work');
select throws_ok($$ truncate public.session_work $$, '42501', null, 'a tutor cannot truncate the work list');
select throws_ok($$ select public.itutor_rebuild_session_work() $$, '42501', null, 'a tutor cannot rebuild the work list');
reset role;

-- service_role: reads; writes only through sessions ---------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select results_eq(
  $$ select kind, due_at, session_id from public.session_work order by session_id $$,
  $$ values ('cron'::text, '2026-03-02 15:00Z'::timestamptz, 'aaaaaaaa-0000-4000-8000-00000000000a'::uuid),
            ('cron', '2026-03-02 17:30Z', 'bbbbbbbb-0000-4000-8000-00000000000b') $$,
  'service_role reads the work list: both scheduled sessions are the cron''s at their scheduled end'
);
select throws_ok($$ insert into public.session_work values ('cron', now(), 'aaaaaaaa-0000-4000-8000-00000000000a') $$, '42501', null, 'service_role cannot insert work (only the trigger writes it)');
select throws_ok($$ update public.session_work set due_at = now() $$, '42501', null, 'service_role cannot move work');
select throws_ok($$ delete from public.session_work $$, '42501', null, 'service_role cannot delete work');
select throws_ok($$ truncate public.session_work $$, '42501', null, 'service_role cannot truncate the work list');

-- The trigger, through a session's life, as the service role writes sessions.
update public.sessions set status = 'JOIN_OPEN', version = version + 1 where booking_id = 'booking-a';
select set_eq($$ select * from public.session_work $$, $$ select * from expected_work $$, 'SCHEDULED → JOIN_OPEN keeps the cron entry');
update public.sessions set claimed_until = '2026-03-02 15:05Z', charge_attempts = 0 where booking_id = 'booking-a';
select set_eq($$ select * from public.session_work $$, $$ select * from expected_work $$, 'a lease leaves the work list alone');

create temporary table work_before_settling on commit drop as
  select ctid::text as at, xmin::text as tx from public.session_work where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a';
grant select on work_before_settling to service_role;
update public.sessions
set status = 'COMPLETED_ASSUMED', version = version + 1, finalized_at = '2026-03-02 15:05Z',
    charge_amount_ttd = 150.00, payout_amount_ttd = 135.00, platform_fee_ttd = 15.00, charge_status = 'pending'
where booking_id = 'booking-a';
select results_eq(
  $$ select kind from public.session_work where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  array['cron'],
  'settled with the charge pending: still the cron''s (its charge is to be collected)'
);
select results_eq(
  $$ select ctid::text, xmin::text from public.session_work where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  $$ select at, tx from work_before_settling $$,
  'settling wrote nothing to the work list: the same row version as before'
);
update public.sessions set charge_status = 'failed', version = version + 1 where booking_id = 'booking-a';
select results_eq(
  $$ select kind from public.session_work where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  array['failed'],
  'a charge failed for good: on the attention list, no longer the cron''s'
);
update public.sessions set charge_status = 'pending', version = version + 1 where booking_id = 'booking-a';
update public.sessions set charge_status = 'succeeded', version = version + 1 where booking_id = 'booking-a';
select is_empty(
  $$ select * from public.session_work where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  'retried and paid: the session has no work left'
);

update public.sessions
set scheduled_start_at = '2026-03-03 16:00Z', scheduled_end_at = '2026-03-03 17:30Z', join_opens_at = '2026-03-03 15:55Z',
    no_show_eligible_at = '2026-03-03 16:29Z', charge_scheduled_at = '2026-03-03 17:30Z', version = version + 1
where booking_id = 'booking-b';
select set_eq($$ select * from public.session_work $$, $$ select * from expected_work $$, 'a rescheduled session''s cron entry moves to its new end');
select is((select due_at from public.session_work where session_id = 'bbbbbbbb-0000-4000-8000-00000000000b'), '2026-03-03 17:30Z'::timestamptz, 'due at the new end');

update public.sessions
set status = 'CANCELLED', cancelled_by = 'tutor', version = version + 1, finalized_at = '2026-03-02 12:00Z',
    charge_amount_ttd = 0, payout_amount_ttd = 0, platform_fee_ttd = 0
where booking_id = 'booking-b';
select is_empty($$ select * from public.session_work $$, 'a cancelled session without a charge has no work');
reset role;

-- Any writer, the table owner included, keeps it exact.
insert into public.sessions (
  id, booking_id, tutor_id, student_id, status, version,
  scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
  no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
  price_ttd, currency, provider, meeting_id, join_url)
values ('cccccccc-0000-4000-8000-00000000000c', 'booking-c', '11111111-1111-4111-8111-111111111111', '44444444-4444-4444-8444-444444444444', 'SCHEDULED', 1,
  '2026-03-04 14:00Z', '2026-03-04 15:00Z', 60, '2026-03-04 13:55Z', 19, 39, '2026-03-04 14:19Z', '2026-03-04 15:00Z',
  150.00, 'TTD', 'zoom', '8000000003', 'https://zoom.us/j/8000000003');
select set_eq($$ select * from public.session_work $$, $$ select * from expected_work $$, 'a session the owner inserts is to settle');

-- Writes with triggers off (a replica, a bulk load) leave it stale; the rebuild makes it exact again.
set local session_replication_role = replica;
update public.sessions set charge_status = 'failed', version = version + 1 where booking_id = 'booking-a';
set local session_replication_role = origin;
select is_empty($$ select * from public.session_work where kind = 'failed' $$, 'with triggers off the work list misses the change');
set local role service_role;
select is(public.itutor_rebuild_session_work(), 2::bigint, 'service_role rebuilds the work list');
reset role;
select set_eq($$ select * from public.session_work $$, $$ select * from expected_work $$, 'after the rebuild it is exact');

-- A session and its work go together.
select is(
  (select count(*)::int from public.session_work where session_id = 'cccccccc-0000-4000-8000-00000000000c'), 1,
  'booking C is to settle until it is deleted'
);
delete from public.sessions where booking_id = 'booking-c';
select is_empty($$ select * from public.session_work where session_id = 'cccccccc-0000-4000-8000-00000000000c' $$, 'deleting a session deletes its work');

select * from finish();
rollback;
