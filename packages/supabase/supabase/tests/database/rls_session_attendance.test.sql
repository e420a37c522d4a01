-- RLS matrix for public.session_attendance: anon, tutor A, student A, tutor B, student B, service_role
-- × select / insert / update / delete / truncate, and the attendance functions. Participants read the
-- attendance of their own sessions; clients write nothing; the service role reads and appends (through
-- itutor_record_attendance: once per (provider, event_id), with its audit event), and nobody — the service
-- role and the table owner included — updates or deletes a row.
begin;
select plan(33);

\ir ../fixtures/rls_people_and_rows.psql

insert into public.session_attendance (provider, event_id, session_id, role, kind, participant_email, occurred_at, received_at) values
  ('zoom', 'a-student-joined', 'aaaaaaaa-0000-4000-8000-00000000000a', 'student', 'joined', 'student.a@example.com', '2026-03-02 14:02Z', '2026-03-02 14:02:01Z'),
  ('zoom', 'a-guest-joined', 'aaaaaaaa-0000-4000-8000-00000000000a', 'unknown', 'joined', null, '2026-03-02 14:03Z', '2026-03-02 14:03:01Z'),
  ('google_meet', 'b-tutor-joined', 'bbbbbbbb-0000-4000-8000-00000000000b', 'tutor', 'joined', 'tutor.b@example.com', '2026-03-02 16:01Z', '2026-03-02 16:01:01Z');

select ok((select relrowsecurity from pg_class where oid = 'public.session_attendance'::regclass), 'RLS is enabled on session_attendance');
select has_index('public', 'sessions', 'sessions_provider_meeting_idx', array['provider', 'meeting_id'], 'sessions are indexed by (provider, meeting_id)');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select event_id from public.session_attendance $$, '42501', null, 'anon cannot select attendance');
select throws_ok($$ insert into public.session_attendance (provider, event_id, session_id, role, kind, occurred_at, received_at) values ('zoom', 'x', 'aaaaaaaa-0000-4000-8000-00000000000a', 'student', 'joined', now(), now()) $$, '42501', null, 'anon cannot insert attendance');
select throws_ok($$ update public.session_attendance set role = 'student' $$, '42501', null, 'anon cannot update attendance');
select throws_ok($$ delete from public.session_attendance $$, '42501', null, 'anon cannot delete attendance');
select throws_ok($$ select public.itutor_record_attendance('{}', '{}') $$, '42501', null, 'anon cannot record attendance through the functions');
reset role;

-- tutor A -------------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select results_eq($$ select event_id from public.session_attendance order by occurred_at $$,
  array['a-student-joined', 'a-guest-joined'], 'tutor A reads session A''s attendance, unknown participants included');
select throws_ok($$ insert into public.session_attendance (provider, event_id, session_id, role, kind, occurred_at, received_at) values ('zoom', 'x', 'aaaaaaaa-0000-4000-8000-00000000000a', 'student', 'joined', now(), now()) $$, '42501', null, 'tutor A cannot insert attendance');
select throws_ok($$ update public.session_attendance set role = 'student' where event_id = 'a-guest-joined' $$, '42501', null, 'tutor A cannot turn a guest into the student');
select throws_ok($$ delete from public.session_attendance where event_id = 'a-student-joined' $$, '42501', null, 'tutor A cannot delete the student''s join');
select throws_ok($$ truncate public.session_attendance $$, '42501', null, 'tutor A cannot truncate attendance');
reset role;

-- student A -----------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "33333333-3333-4333-8333-333333333333", "role": "authenticated"}';
select results_eq($$ select event_id from public.session_attendance order by occurred_at $$,
  array['a-student-joined', 'a-guest-joined'], 'student A reads session A''s attendance');
select throws_ok($$ insert into public.session_attendance (provider, event_id, session_id, role, kind, occurred_at, received_at) values ('zoom', 'y', 'aaaaaaaa-0000-4000-8000-00000000000a', 'student', 'joined', now(), now()) $$, '42501', null, 'student A cannot insert a join of their own');
select throws_ok($$ update public.session_attendance set occurred_at = now() $$, '42501', null, 'student A cannot update attendance');
select throws_ok($$ delete from public.session_attendance $$, '42501', null, 'student A cannot delete attendance');
reset role;

-- tutor B -------------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
select results_eq($$ select event_id from public.session_attendance $$, array['b-tutor-joined'], 'tutor B reads session B''s attendance only');
select throws_ok($$ delete from public.session_attendance $$, '42501', null, 'tutor B cannot delete attendance');
reset role;

-- student B -----------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}';
select results_eq($$ select event_id from public.session_attendance $$, array['b-tutor-joined'], 'student B reads session B''s attendance only');
select throws_ok($$ update public.session_attendance set role = 'unknown' $$, '42501', null, 'student B cannot update attendance');
reset role;

-- a signed-in stranger ------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "55555555-5555-4555-8555-555555555555", "role": "authenticated"}';
select is_empty($$ select event_id from public.session_attendance $$, 'a stranger reads no attendance');
reset role;

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select is((select count(*)::integer from public.session_attendance), 3, 'service_role reads all attendance');
select is(
  public.itutor_record_attendance(
    '{"provider": "zoom", "event_id": "a-student-left", "session_id": "aaaaaaaa-0000-4000-8000-00000000000a", "role": "student", "kind": "left", "occurred_at": "2026-03-02T14:40:00Z", "received_at": "2026-03-02T14:40:01Z"}',
    '{"session_id": "aaaaaaaa-0000-4000-8000-00000000000a", "tutor_id": "11111111-1111-4111-8111-111111111111", "type": "attendance.recorded", "actor": "system", "occurred_at": "2026-03-02T14:40:01Z", "payload": {"eventId": "a-student-left"}}'
  ), true, 'service_role records a leave with its event');
select is(
  public.itutor_record_attendance(
    '{"provider": "zoom", "event_id": "a-student-left", "session_id": "aaaaaaaa-0000-4000-8000-00000000000a", "role": "unknown", "kind": "joined", "occurred_at": "2026-03-02T14:41:00Z", "received_at": "2026-03-02T14:41:01Z"}',
    '{"session_id": "aaaaaaaa-0000-4000-8000-00000000000a", "tutor_id": "11111111-1111-4111-8111-111111111111", "type": "attendance.recorded", "actor": "system", "occurred_at": "2026-03-02T14:41:01Z", "payload": {"eventId": "a-student-left"}}'
  ), false, 'a replay of the same (provider, event_id) writes nothing');
select is((select count(*)::integer from public.session_events where type = 'attendance.recorded'), 1, 'one audit event for the recorded leave, none for the replay');
select is(public.itutor_list_session_attendance('aaaaaaaa-0000-4000-8000-00000000000a') -> 2 ->> 'role', 'student', 'the replay did not change the stored row');
select throws_ok($$ insert into public.session_attendance (provider, event_id, session_id, role, kind, occurred_at, received_at) values ('zoom', 'a-student-joined', 'aaaaaaaa-0000-4000-8000-00000000000a', 'student', 'joined', now(), now()) $$, '23505', null, 'one row per (provider, event_id)');
select throws_ok($$ insert into public.session_attendance (provider, event_id, session_id, role, kind, occurred_at, received_at) values ('zoom', 'z', 'aaaaaaaa-0000-4000-8000-00000000000a', 'absent', 'joined', now(), now()) $$, '23514', null, 'roles are tutor, student or unknown');
select throws_ok($$ update public.session_attendance set role = 'student' $$, '42501', null, 'service_role cannot update attendance');
select throws_ok($$ delete from public.session_attendance $$, '42501', null, 'service_role cannot delete attendance');
select throws_ok($$ truncate public.session_attendance $$, '42501', null, 'service_role cannot truncate attendance');
select throws_ok($$ select public.itutor_log_ignored_provider_report('{"session_id": "aaaaaaaa-0000-4000-8000-00000000000a", "tutor_id": "x", "type": "session.cancelled", "actor": "system", "occurred_at": "2026-03-02T14:41:01Z", "payload": {}}') $$, '23514', null, 'the ignored-report log takes session.meeting_end_ignored events only');
reset role;

-- the table owner -----------------------------------------------------------------------------------
select throws_ok($$ update public.session_attendance set role = 'student' where event_id = 'a-guest-joined' $$, '42501', null, 'attendance is append-only, for the owner too');

select * from finish();
rollback;
