-- RLS matrix for public.video_provider_meetings: anon, tutor A, student A, service_role × select /
-- insert / update / delete / truncate. Meetings (with their join URLs) are server-side only: clients
-- can do nothing; the service role reads, records and forgets, and never updates or truncates.
begin;
select plan(20);

\ir ../fixtures/rls_people_and_rows.psql

select ok((select relrowsecurity from pg_class where oid = 'public.video_provider_meetings'::regclass), 'RLS is enabled on video_provider_meetings');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select join_url from public.video_provider_meetings $$, '42501', null, 'anon cannot select meetings');
select throws_ok($$ insert into public.video_provider_meetings (provider, idempotency_key, meeting_id, join_url) values ('zoom', 'k', 'm', 'u') $$, '42501', null, 'anon cannot insert meetings');
select throws_ok($$ update public.video_provider_meetings set join_url = 'x' $$, '42501', null, 'anon cannot update meetings');
select throws_ok($$ delete from public.video_provider_meetings $$, '42501', null, 'anon cannot delete meetings');
select throws_ok($$ truncate public.video_provider_meetings $$, '42501', null, 'anon cannot truncate meetings');
reset role;

-- tutor A (whose booking the meeting is for) --------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select throws_ok($$ select meeting_id from public.video_provider_meetings $$, '42501', null, 'tutor A cannot select meetings (join URLs come from the join endpoint)');
select throws_ok($$ insert into public.video_provider_meetings (provider, idempotency_key, meeting_id, join_url) values ('zoom', 'k', 'm', 'u') $$, '42501', null, 'tutor A cannot insert meetings');
select throws_ok($$ update public.video_provider_meetings set join_url = 'x' $$, '42501', null, 'tutor A cannot update meetings');
select throws_ok($$ delete from public.video_provider_meetings $$, '42501', null, 'tutor A cannot delete meetings');
select throws_ok($$ truncate public.video_provider_meetings $$, '42501', null, 'tutor A cannot truncate meetings');
reset role;

-- student A -----------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "33333333-3333-4333-8333-333333333333", "role": "authenticated"}';
select throws_ok($$ select join_url from public.video_provider_meetings $$, '42501', null, 'student A cannot select meetings');
select throws_ok($$ delete from public.video_provider_meetings $$, '42501', null, 'student A cannot delete meetings');
reset role;

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select results_eq($$ select join_url from public.video_provider_meetings $$, array['https://zoom.us/j/8000000001'], 'service_role selects meetings');
select lives_ok($$ insert into public.video_provider_meetings (provider, idempotency_key, meeting_id, join_url) values ('google_meet', 'itutor-booking-b', 'spaces/abc', 'https://meet.google.com/abc-defg-hij') $$,
  'service_role can record a meeting');
select throws_ok($$ insert into public.video_provider_meetings (provider, idempotency_key, meeting_id, join_url) values ('zoom', 'itutor-booking-a', '8000000002', 'https://zoom.us/j/8000000002') $$,
  '23505', null, 'one meeting per (provider, idempotency key)');
select throws_ok($$ update public.video_provider_meetings set join_url = 'https://evil.example' $$, '42501', null, 'service_role cannot update a meeting (recorded once, then only forgotten)');
select results_eq($$ delete from public.video_provider_meetings where meeting_id = 'spaces/abc' returning provider $$, array['google_meet'], 'service_role can forget a deleted meeting');
select throws_ok($$ truncate public.video_provider_meetings $$, '42501', null, 'service_role cannot truncate meetings');
reset role;

select results_eq($$ select count(*) from public.video_provider_meetings $$, array[1::bigint], 'only the forgotten meeting is gone');

select * from finish();
rollback;
