-- RLS matrix for public.session_attendance: anon, tutor A, student A, tutor B, student B, service_role
-- × select (per column) / insert / update / delete / truncate, and the attendance functions. Participants
-- read the attendance of their own sessions, and only what the attendance HTTP route shows (session,
-- provider, role, kind, time): never anyone's e-mail, display name (a Zoom dial-in participant's is their
-- phone number), provider user id, in-meeting id, meeting instance, event id or receipt time. Clients write
-- nothing; the service role reads every column and appends (through itutor_record_attendance: once per
-- (provider, event_id), with its audit event), and nobody — the service role and the table owner included
-- — updates or deletes a row.
begin;
select plan(63);

\ir ../fixtures/rls_people_and_rows.psql

insert into public.session_attendance (provider, event_id, session_id, role, kind, participant_email, participant_name, participant_provider_user_id, participant_id, instance_id, occurred_at, received_at) values
  ('zoom', 'a-student-joined', 'aaaaaaaa-0000-4000-8000-00000000000a', 'student', 'joined', 'student.a@example.com', 'Sam Student', 'zoom-user-s', 'p-16778240', 'inst-a', '2026-03-02 14:02Z', '2026-03-02 14:02:01Z'),
  ('zoom', 'a-guest-joined', 'aaaaaaaa-0000-4000-8000-00000000000a', 'unknown', 'joined', null, '+1 868 555 0100', null, 'p-dial-in', 'inst-a', '2026-03-02 14:03Z', '2026-03-02 14:03:01Z'),
  ('google_meet', 'b-tutor-joined', 'bbbbbbbb-0000-4000-8000-00000000000b', 'tutor', 'joined', 'tutor.b@example.com', 'Tia Tutor', 'users/123', 'conferenceRecords/x/participants/1', null, '2026-03-02 16:01Z', '2026-03-02 16:01:01Z');

-- Column privileges, every role × every column: participants (authenticated) exactly what the HTTP route
-- shows; anon nothing; the service role everything (what the adapter's functions read and write).
select results_eq($$
  select r.role || ':' || string_agg(a.attname::text collate "default", ',' order by a.attname::text collate "default")
  from pg_attribute as a cross join unnest(array['anon', 'authenticated', 'service_role']) as r (role)
  where a.attrelid = 'public.session_attendance'::regclass and a.attnum > 0 and not a.attisdropped
    and has_column_privilege(r.role, a.attrelid, a.attnum, 'SELECT')
  group by r.role order by r.role $$,
  array['authenticated:kind,occurred_at,provider,role,session_id',
        'service_role:event_id,instance_id,kind,occurred_at,participant_email,participant_id,participant_name,participant_provider_user_id,provider,received_at,role,session_id'],
  'select per column: participants read session, provider, role, kind and time only; anon nothing; the service role every column');
select is_empty($$
  select r.role || ' ' || p.privilege || ' ' || (a.attname::text collate "default")
  from pg_attribute as a
  cross join unnest(array['anon', 'authenticated']) as r (role)
  cross join unnest(array['INSERT', 'UPDATE', 'REFERENCES']) as p (privilege)
  where a.attrelid = 'public.session_attendance'::regclass and a.attnum > 0 and not a.attisdropped
    and has_column_privilege(r.role, a.attrelid, a.attnum, p.privilege) $$,
  'insert, update and references per column: nothing for anon or participants');
select is_empty($$
  select r.role || ' ' || p.privilege
  from unnest(array['anon', 'authenticated']) as r (role)
  cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) as p (privilege)
  where has_table_privilege(r.role, 'public.session_attendance', p.privilege) $$,
  'no table-level privilege for anon or participants (select * is refused)');

select ok((select relrowsecurity from pg_class where oid = 'public.session_attendance'::regclass), 'RLS is enabled on session_attendance');
select has_index('public', 'sessions', 'sessions_provider_meeting_idx', array['provider', 'meeting_id'], 'sessions are indexed by (provider, meeting_id)');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select event_id from public.session_attendance $$, '42501', null, 'anon cannot select attendance');
select throws_ok($$ select session_id, provider, role, kind, occurred_at from public.session_attendance $$, '42501', null, 'anon cannot select even the columns participants read');
select throws_ok($$ insert into public.session_attendance (provider, event_id, session_id, role, kind, occurred_at, received_at) values ('zoom', 'x', 'aaaaaaaa-0000-4000-8000-00000000000a', 'student', 'joined', now(), now()) $$, '42501', null, 'anon cannot insert attendance');
select throws_ok($$ update public.session_attendance set role = 'student' $$, '42501', null, 'anon cannot update attendance');
select throws_ok($$ delete from public.session_attendance $$, '42501', null, 'anon cannot delete attendance');
select throws_ok($$ select public.itutor_record_attendance('{}', '{}') $$, '42501', null, 'anon cannot record attendance through the functions');
select throws_ok($$ select public.itutor_list_attendance_for_sessions('["aaaaaaaa-0000-4000-8000-00000000000a"]') $$, '42501', null, 'anon cannot read attendance in a batch through the functions');
reset role;

-- tutor A -------------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select throws_ok($$ select public.itutor_list_attendance_for_sessions('["aaaaaaaa-0000-4000-8000-00000000000a"]') $$, '42501', null, 'a tutor cannot read attendance in a batch through the functions');
reset role;
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select results_eq($$ select session_id::text || ':' || provider || ':' || role || ':' || kind || ':' || to_char(occurred_at at time zone 'UTC', 'HH24:MI')
                     from public.session_attendance order by occurred_at $$,
  array['aaaaaaaa-0000-4000-8000-00000000000a:zoom:student:joined:14:02', 'aaaaaaaa-0000-4000-8000-00000000000a:zoom:unknown:joined:14:03'],
  'tutor A reads session A''s attendance (session, provider, role, kind, time), unknown participants included');
select throws_ok($$ select event_id from public.session_attendance $$, '42501', null, 'tutor A cannot select event_id');
select throws_ok($$ select participant_email from public.session_attendance $$, '42501', null, 'tutor A cannot select participant_email');
select throws_ok($$ select participant_name from public.session_attendance $$, '42501', null, 'tutor A cannot select participant_name');
select throws_ok($$ select participant_provider_user_id from public.session_attendance $$, '42501', null, 'tutor A cannot select participant_provider_user_id');
select throws_ok($$ select participant_id from public.session_attendance $$, '42501', null, 'tutor A cannot select participant_id');
select throws_ok($$ select instance_id from public.session_attendance $$, '42501', null, 'tutor A cannot select instance_id');
select throws_ok($$ select received_at from public.session_attendance $$, '42501', null, 'tutor A cannot select received_at');
select throws_ok($$ select * from public.session_attendance $$, '42501', null, 'tutor A cannot select * (the server-side columns included)');
select throws_ok($$ insert into public.session_attendance (provider, event_id, session_id, role, kind, occurred_at, received_at) values ('zoom', 'x', 'aaaaaaaa-0000-4000-8000-00000000000a', 'student', 'joined', now(), now()) $$, '42501', null, 'tutor A cannot insert attendance');
select throws_ok($$ update public.session_attendance set role = 'student' where event_id = 'a-guest-joined' $$, '42501', null, 'tutor A cannot turn a guest into the student');
select throws_ok($$ delete from public.session_attendance where event_id = 'a-student-joined' $$, '42501', null, 'tutor A cannot delete the student''s join');
select throws_ok($$ truncate public.session_attendance $$, '42501', null, 'tutor A cannot truncate attendance');
reset role;

-- student A -----------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "33333333-3333-4333-8333-333333333333", "role": "authenticated"}';
select results_eq($$ select role || ':' || kind from public.session_attendance order by occurred_at $$,
  array['student:joined', 'unknown:joined'], 'student A reads session A''s attendance');
select throws_ok($$ select participant_name from public.session_attendance $$, '42501', null, 'student A cannot select the display name (a dial-in guest''s phone number)');
select throws_ok($$ select participant_email from public.session_attendance $$, '42501', null, 'student A cannot select e-mails');
select throws_ok($$ select * from public.session_attendance $$, '42501', null, 'student A cannot select *');
select throws_ok($$ insert into public.session_attendance (provider, event_id, session_id, role, kind, occurred_at, received_at) values ('zoom', 'y', 'aaaaaaaa-0000-4000-8000-00000000000a', 'student', 'joined', now(), now()) $$, '42501', null, 'student A cannot insert a join of their own');
select throws_ok($$ update public.session_attendance set occurred_at = now() $$, '42501', null, 'student A cannot update attendance');
select throws_ok($$ delete from public.session_attendance $$, '42501', null, 'student A cannot delete attendance');
reset role;

-- tutor B -------------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
select results_eq($$ select session_id::text || ':' || role from public.session_attendance $$, array['bbbbbbbb-0000-4000-8000-00000000000b:tutor'], 'tutor B reads session B''s attendance only');
select throws_ok($$ select participant_provider_user_id from public.session_attendance $$, '42501', null, 'tutor B cannot select provider user ids');
select throws_ok($$ delete from public.session_attendance $$, '42501', null, 'tutor B cannot delete attendance');
reset role;

-- student B -----------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}';
select results_eq($$ select session_id::text || ':' || role from public.session_attendance $$, array['bbbbbbbb-0000-4000-8000-00000000000b:tutor'], 'student B reads session B''s attendance only');
select throws_ok($$ select event_id from public.session_attendance $$, '42501', null, 'student B cannot select event_id');
select throws_ok($$ select participant_email from public.session_attendance $$, '42501', null, 'student B cannot select participant_email');
select throws_ok($$ select participant_name from public.session_attendance $$, '42501', null, 'student B cannot select participant_name');
select throws_ok($$ select participant_provider_user_id from public.session_attendance $$, '42501', null, 'student B cannot select participant_provider_user_id');
select throws_ok($$ select participant_id from public.session_attendance $$, '42501', null, 'student B cannot select participant_id');
select throws_ok($$ select instance_id from public.session_attendance $$, '42501', null, 'student B cannot select instance_id');
select throws_ok($$ select received_at from public.session_attendance $$, '42501', null, 'student B cannot select received_at');
select throws_ok($$ select * from public.session_attendance $$, '42501', null, 'student B cannot select * (the server-side columns included)');
select throws_ok($$ update public.session_attendance set role = 'unknown' $$, '42501', null, 'student B cannot update attendance');
reset role;

-- a signed-in stranger ------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "55555555-5555-4555-8555-555555555555", "role": "authenticated"}';
select is_empty($$ select session_id, provider, role, kind, occurred_at from public.session_attendance $$, 'a stranger reads no attendance');
select throws_ok($$ select participant_email from public.session_attendance $$, '42501', null, 'a stranger cannot select e-mails');
reset role;

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select is((select count(*)::integer from public.session_attendance), 3, 'service_role reads all attendance');
select results_eq($$ select event_id || ':' || coalesce(participant_email, '-') || ':' || participant_name || ':' || coalesce(participant_provider_user_id, '-') || ':' || participant_id
                       || ':' || coalesce(instance_id, '-') || ':' || to_char(received_at at time zone 'UTC', 'HH24:MI:SS')
                     from public.session_attendance order by occurred_at $$,
  array['a-student-joined:student.a@example.com:Sam Student:zoom-user-s:p-16778240:inst-a:14:02:01', 'a-guest-joined:-:+1 868 555 0100:-:p-dial-in:inst-a:14:03:01',
        'b-tutor-joined:tutor.b@example.com:Tia Tutor:users/123:conferenceRecords/x/participants/1:-:16:01:01'],
  'service_role reads every column (what the adapter needs)');
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
-- The batched read (settlement's): the same lists per session, sessions without entries left out, ids that
-- are not UUIDs and anything but an array matching nothing.
select is(
  public.itutor_list_attendance_for_sessions('["aaaaaaaa-0000-4000-8000-00000000000a", "bbbbbbbb-0000-4000-8000-00000000000b", "not-a-uuid", "cccccccc-0000-4000-8000-00000000000c"]'),
  jsonb_build_object('aaaaaaaa-0000-4000-8000-00000000000a', public.itutor_list_session_attendance('aaaaaaaa-0000-4000-8000-00000000000a'),
                     'bbbbbbbb-0000-4000-8000-00000000000b', public.itutor_list_session_attendance('bbbbbbbb-0000-4000-8000-00000000000b')),
  'the batched read answers each session''s list as the single read does, and nothing for the others');
select is(public.itutor_list_attendance_for_sessions('{"ids": ["aaaaaaaa-0000-4000-8000-00000000000a"]}'), '{}'::jsonb, 'anything but an array of ids reads nothing');

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
