-- RLS matrix for public.session_events: anon, tutor A, tutor B, student A, student B, service_role
-- × select / insert / update / delete / truncate. Participants read the events of their sessions, tutors also
-- their own provider events; clients write nothing; the log is append-only for everyone, the service
-- role and the table owner included.
begin;
select plan(31);

\ir ../fixtures/rls_people_and_rows.psql

select ok((select relrowsecurity from pg_class where oid = 'public.session_events'::regclass), 'RLS is enabled on session_events');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select id from public.session_events $$, '42501', null, 'anon cannot select events');
select throws_ok($$ insert into public.session_events (tutor_id, type, actor, occurred_at) values ('x', 'session.joined', 'x', now()) $$, '42501', null, 'anon cannot insert events');
select throws_ok($$ update public.session_events set actor = 'x' $$, '42501', null, 'anon cannot update events');
select throws_ok($$ delete from public.session_events $$, '42501', null, 'anon cannot delete events');
reset role;

-- tutor A -------------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select results_eq($$ select payload ->> 'tag' from public.session_events order by id $$,
  array['provider-a', 'a-created', 'a-joined'], 'tutor A selects their provider event and session A''s events, oldest first');
select throws_ok($$ insert into public.session_events (tutor_id, type, actor, occurred_at) values ('11111111-1111-4111-8111-111111111111', 'session.joined', 'x', now()) $$, '42501', null, 'tutor A cannot insert events');
select throws_ok($$ update public.session_events set actor = 'x' where payload ->> 'tag' = 'a-joined' $$, '42501', null, 'tutor A cannot update events');
select throws_ok($$ delete from public.session_events where payload ->> 'tag' = 'a-joined' $$, '42501', null, 'tutor A cannot delete events');
reset role;

-- tutor B -------------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
select results_eq($$ select payload ->> 'tag' from public.session_events order by id $$,
  array['provider-b', 'b-created', 'b-joined'], 'tutor B selects their provider event and session B''s events, oldest first');
select throws_ok($$ insert into public.session_events (tutor_id, type, actor, occurred_at) values ('22222222-2222-4222-8222-222222222222', 'session.joined', 'x', now()) $$, '42501', null, 'tutor B cannot insert events');
select throws_ok($$ update public.session_events set actor = 'x' $$, '42501', null, 'tutor B cannot update events');
select throws_ok($$ delete from public.session_events $$, '42501', null, 'tutor B cannot delete events');
reset role;

-- student A -----------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "33333333-3333-4333-8333-333333333333", "role": "authenticated"}';
select results_eq($$ select payload ->> 'tag' from public.session_events order by id $$,
  array['a-created', 'a-joined'], 'student A selects only session A''s events (not the tutor''s provider events)');
select throws_ok($$ insert into public.session_events (tutor_id, type, actor, occurred_at) values ('x', 'session.joined', 'x', now()) $$, '42501', null, 'student A cannot insert events');
select throws_ok($$ update public.session_events set actor = 'x' $$, '42501', null, 'student A cannot update events');
select throws_ok($$ delete from public.session_events $$, '42501', null, 'student A cannot delete events');
reset role;

-- student B -----------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}';
select results_eq($$ select payload ->> 'tag' from public.session_events order by id $$,
  array['b-created', 'b-joined'], 'student B selects only session B''s events');
select throws_ok($$ insert into public.session_events (tutor_id, type, actor, occurred_at) values ('x', 'session.joined', 'x', now()) $$, '42501', null, 'student B cannot insert events');
select throws_ok($$ update public.session_events set actor = 'x' $$, '42501', null, 'student B cannot update events');
select throws_ok($$ delete from public.session_events $$, '42501', null, 'student B cannot delete events');
reset role;

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select results_eq($$ select count(*) from public.session_events $$, array[6::bigint], 'service_role selects every event');
select lives_ok($$ insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', '11111111-1111-4111-8111-111111111111', 'session.joined', '11111111-1111-4111-8111-111111111111', now(), '{"tag": "a-tutor-joined"}') $$,
  'service_role can append events');
select throws_ok($$ update public.session_events set actor = 'x' $$, '42501', null, 'service_role cannot update events (append-only)');
select throws_ok($$ delete from public.session_events $$, '42501', null, 'service_role cannot delete events (append-only)');
select throws_ok($$ truncate public.session_events $$, '42501', null, 'service_role cannot truncate events');
reset role;
set local role anon;
select throws_ok($$ truncate public.session_events $$, '42501', null, 'anon cannot truncate events');
reset role;
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select throws_ok($$ truncate public.session_events $$, '42501', null, 'a tutor cannot truncate events');
reset role;

-- The table owner: the trigger refuses what privileges would allow.
select throws_ok($$ update public.session_events set actor = 'x' $$, '42501', 'session_events is append-only: UPDATE refused', 'the owner cannot update events');
select throws_ok($$ delete from public.session_events $$, '42501', 'session_events is append-only: DELETE refused', 'the owner cannot delete events');
select throws_ok($$ truncate public.session_events cascade $$, '42501', 'session_events is append-only: TRUNCATE refused', 'the owner cannot truncate events');

select * from finish();
rollback;
