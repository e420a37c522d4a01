-- RLS matrix for public.sessions: anon, tutor A, tutor B, student A, student B, service_role
-- × select / insert / update / delete / truncate. Participants read their own sessions only, never the join URL;
-- clients write nothing; the service role selects, inserts and updates (never deletes or truncates).
begin;
select plan(34);

\ir ../fixtures/rls_people_and_rows.psql

select ok((select relrowsecurity from pg_class where oid = 'public.sessions'::regclass), 'RLS is enabled on sessions');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select id from public.sessions $$, '42501', null, 'anon cannot select sessions');
select throws_ok($$ insert into public.sessions (id) values (gen_random_uuid()) $$, '42501', null, 'anon cannot insert sessions');
select throws_ok($$ update public.sessions set status = 'CANCELLED' $$, '42501', null, 'anon cannot update sessions');
select throws_ok($$ delete from public.sessions $$, '42501', null, 'anon cannot delete sessions');
reset role;

-- tutor A -------------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select results_eq($$ select booking_id from public.sessions order by booking_id $$, array['booking-a'], 'tutor A selects only session A');
select throws_ok($$ select join_url from public.sessions $$, '42501', null, 'tutor A cannot select join URLs');
select throws_ok($$ insert into public.sessions (id) values (gen_random_uuid()) $$, '42501', null, 'tutor A cannot insert sessions');
select throws_ok($$ update public.sessions set status = 'CANCELLED' where booking_id = 'booking-a' $$, '42501', null, 'tutor A cannot update their session');
select throws_ok($$ delete from public.sessions where booking_id = 'booking-a' $$, '42501', null, 'tutor A cannot delete their session');
reset role;

-- tutor B -------------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
select results_eq($$ select booking_id from public.sessions order by booking_id $$, array['booking-b'], 'tutor B selects only session B');
select throws_ok($$ select join_url from public.sessions $$, '42501', null, 'tutor B cannot select join URLs');
select throws_ok($$ insert into public.sessions (id) values (gen_random_uuid()) $$, '42501', null, 'tutor B cannot insert sessions');
select throws_ok($$ update public.sessions set status = 'CANCELLED' where booking_id = 'booking-a' $$, '42501', null, 'tutor B cannot update another tutor''s session');
select throws_ok($$ delete from public.sessions where booking_id = 'booking-b' $$, '42501', null, 'tutor B cannot delete their session');
reset role;

-- student A -----------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "33333333-3333-4333-8333-333333333333", "role": "authenticated"}';
select results_eq($$ select booking_id from public.sessions order by booking_id $$, array['booking-a'], 'student A selects only session A');
select throws_ok($$ select join_url from public.sessions $$, '42501', null, 'student A cannot select join URLs');
select throws_ok($$ insert into public.sessions (id) values (gen_random_uuid()) $$, '42501', null, 'student A cannot insert sessions');
select throws_ok($$ update public.sessions set student_joined_at = now() where booking_id = 'booking-a' $$, '42501', null, 'student A cannot update their session');
select throws_ok($$ delete from public.sessions where booking_id = 'booking-a' $$, '42501', null, 'student A cannot delete their session');
reset role;

-- student B -----------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}';
select results_eq($$ select booking_id from public.sessions order by booking_id $$, array['booking-b'], 'student B selects only session B');
select throws_ok($$ select join_url from public.sessions $$, '42501', null, 'student B cannot select join URLs');
select throws_ok($$ insert into public.sessions (id) values (gen_random_uuid()) $$, '42501', null, 'student B cannot insert sessions');
select throws_ok($$ update public.sessions set student_joined_at = now() where booking_id = 'booking-b' $$, '42501', null, 'student B cannot update their session');
select throws_ok($$ delete from public.sessions where booking_id = 'booking-b' $$, '42501', null, 'student B cannot delete their session');
reset role;

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select results_eq($$ select booking_id from public.sessions order by booking_id $$, array['booking-a', 'booking-b'], 'service_role selects every session');
select results_eq($$ select count(join_url) from public.sessions $$, array[2::bigint], 'service_role selects join URLs');
select lives_ok($$
  insert into public.sessions (
    id, booking_id, tutor_id, student_id, scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
    no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at, price_ttd, provider, meeting_id, join_url)
  values ('cccccccc-0000-4000-8000-00000000000c', 'booking-c', 'tutor-c', 'student-c', '2026-03-03 10:00Z', '2026-03-03 11:00Z', 60,
    '2026-03-03 09:55Z', 19, 39, '2026-03-03 10:19Z', '2026-03-03 11:00Z', 99.99, 'zoom', '8000000003', 'https://zoom.us/j/8000000003')
$$, 'service_role can insert sessions');
select results_eq($$ update public.sessions set student_joined_at = '2026-03-02 13:58Z', version = 2 where booking_id = 'booking-a' returning booking_id $$,
  array['booking-a'], 'service_role can update sessions');
-- Least privilege: the adapter never deletes or truncates sessions, so the service role cannot.
select throws_ok($$ delete from public.sessions where booking_id = 'booking-c' $$, '42501', null, 'service_role cannot delete sessions');
select throws_ok($$ truncate public.sessions cascade $$, '42501', null, 'service_role cannot truncate sessions');
reset role;

-- TRUNCATE is not subject to RLS: only privileges stop it.
set local role anon;
select throws_ok($$ truncate public.sessions cascade $$, '42501', null, 'anon cannot truncate sessions');
reset role;
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select throws_ok($$ truncate public.sessions cascade $$, '42501', null, 'a tutor cannot truncate sessions');
reset role;

-- Nothing a client tried changed anything.
select results_eq($$ select booking_id || ':' || status || ':' || version from public.sessions order by booking_id $$,
  array['booking-a:SCHEDULED:2', 'booking-b:SCHEDULED:1', 'booking-c:SCHEDULED:1'], 'only the service role''s inserts and updates took effect');

select * from finish();
rollback;
