-- Attendance: every join and leave a video provider reported (Zoom webhooks, Google Meet Workspace
-- Events), stored once per (provider, event_id) so retries and replays change nothing, matched by the
-- host to the session's tutor or student ('unknown' otherwise: kept, never counted as the student).
-- The core's AttendanceRepository, implemented by this package's repositories over the functions below.
--
-- Participants read their own sessions' attendance; clients write nothing. The service role may read and
-- append rows, never update or delete them (like the audit log).

create table public.session_attendance (
  provider text not null
    constraint session_attendance_provider_is_known check (provider in ('zoom', 'google_meet')),
  event_id text not null
    constraint session_attendance_event_id_is_not_blank check (length(event_id) between 1 and 500),
  session_id uuid not null references public.sessions (id) on delete restrict,
  role text not null
    constraint session_attendance_role_is_known check (role in ('tutor', 'student', 'unknown')),
  kind text not null
    constraint session_attendance_kind_is_known check (kind in ('joined', 'left')),
  participant_email text
    constraint session_attendance_participant_email_length check (length(participant_email) <= 1024),
  participant_name text
    constraint session_attendance_participant_name_length check (length(participant_name) <= 1024),
  participant_provider_user_id text
    constraint session_attendance_participant_provider_user_id_length check (length(participant_provider_user_id) <= 1024),
  participant_id text
    constraint session_attendance_participant_id_length check (length(participant_id) <= 1024),
  instance_id text
    constraint session_attendance_instance_id_length check (length(instance_id) <= 500),
  occurred_at timestamptz not null,
  received_at timestamptz not null,
  constraint session_attendance_pkey primary key (provider, event_id)
);

alter table public.session_attendance enable row level security;

comment on table public.session_attendance is
  'Provider-reported joins and leaves, one row per (provider, event_id); matched role tutor/student/unknown. Append-only.';
comment on column public.session_attendance.occurred_at is 'When it happened, by the provider''s account.';
comment on column public.session_attendance.received_at is 'When the webhook route accepted it.';

create index session_attendance_session_idx on public.session_attendance (session_id, occurred_at, event_id);

-- Webhooks name the meeting, not the session: the lookup by (provider, meeting_id).
create index sessions_provider_meeting_idx on public.sessions (provider, meeting_id);

create function public.itutor_refuse_attendance_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'session_attendance is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege';
end
$$;

create trigger session_attendance_is_append_only
  before update or delete on public.session_attendance
  for each row execute function public.itutor_refuse_attendance_change();

revoke all on table public.session_attendance from public, anon, authenticated, service_role;
grant select (
  provider, event_id, session_id, role, kind,
  participant_email, participant_name, participant_provider_user_id, participant_id, instance_id,
  occurred_at, received_at
) on table public.session_attendance to authenticated;
grant select, insert on table public.session_attendance to service_role;

create policy "Participants can read the attendance of their sessions"
  on public.session_attendance
  for select
  to authenticated
  using (
    session_id in (
      select s.id
      from public.sessions as s
      where s.tutor_id = (select auth.uid())::text or s.student_id = (select auth.uid())::text
    )
  );

create policy "The service role can read attendance"
  on public.session_attendance
  for select
  to service_role
  using (true);

create policy "The service role can append attendance"
  on public.session_attendance
  for insert
  to service_role
  with check (true);

-- An attendance row as jsonb (instants in UTC: the function runs with TimeZone = 'UTC').
create function public.itutor_attendance_json(a public.session_attendance)
returns jsonb
language sql
stable
parallel safe
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select to_jsonb(a)
$$;

-- The session whose meeting is p_meeting_id on p_provider (the newest if several), or NULL.
create function public.itutor_find_session_by_meeting(p_provider text, p_meeting_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select public.itutor_session_json(s)
  from public.sessions as s
  where s.provider = p_provider and s.meeting_id = p_meeting_id
  order by s.created_at desc, s.id desc
  limit 1
$$;

-- Stores one attendance row with its audit event in one statement, unless a row with the same
-- (provider, event_id) exists: then writes nothing. True for exactly one caller per event (a racing
-- insert waits for the winner's commit, then does nothing). The event must be about the row's session.
create function public.itutor_record_attendance(p_entry jsonb, p_event jsonb)
returns boolean
language sql
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  with inserted as (
    insert into public.session_attendance (
      provider, event_id, session_id, role, kind,
      participant_email, participant_name, participant_provider_user_id, participant_id, instance_id,
      occurred_at, received_at
    )
    select
      a.provider, a.event_id, a.session_id, a.role, a.kind,
      a.participant_email, a.participant_name, a.participant_provider_user_id, a.participant_id, a.instance_id,
      a.occurred_at, a.received_at
    from jsonb_populate_record(null::public.session_attendance, p_entry) as a
    on conflict (provider, event_id) do nothing
    returning session_id
  ),
  appended as (
    insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
    select e.session_id, e.tutor_id, e.type, e.actor, e.occurred_at, coalesce(e.payload, '{}'::jsonb)
    from jsonb_populate_record(null::public.session_events, p_event) as e
    join inserted as i on i.session_id = e.session_id
    returning 1
  )
  select exists (select 1 from inserted)
$$;

-- A session's attendance, by occurred_at then event_id.
create function public.itutor_list_session_attendance(p_session_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_attendance_json(a) order by a.occurred_at, a.event_id), '[]'::jsonb)
  from public.session_attendance as a
  where a.session_id = public.itutor_parse_uuid(p_session_id)
$$;

-- Logs a provider report the rules ignored (type 'session.meeting_end_ignored' only), once per session
-- and payload eventId (a transaction-scoped advisory lock per session serialises racing replays).
-- True if it appended the event.
create function public.itutor_log_ignored_provider_report(p_event jsonb)
returns boolean
language plpgsql
set search_path = ''
set "TimeZone" = 'UTC'
as $$
declare
  v_event public.session_events;
begin
  v_event := jsonb_populate_record(null::public.session_events, p_event);
  if v_event.type is distinct from 'session.meeting_end_ignored' or v_event.session_id is null then
    raise exception 'itutor_log_ignored_provider_report logs session.meeting_end_ignored events of a session only'
      using errcode = 'check_violation';
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('itutor_ignored_report:' || v_event.session_id::text, 0));
  if exists (
    select 1 from public.session_events as x
    where x.session_id = v_event.session_id
      and x.type = v_event.type
      and x.payload ->> 'eventId' is not distinct from (v_event.payload ->> 'eventId')
  ) then
    return false;
  end if;
  insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
  values (v_event.session_id, v_event.tutor_id, v_event.type, v_event.actor, v_event.occurred_at, coalesce(v_event.payload, '{}'::jsonb));
  return true;
end
$$;

revoke all on function public.itutor_refuse_attendance_change() from public, anon, authenticated;
revoke all on function public.itutor_attendance_json(public.session_attendance) from public, anon, authenticated;
revoke all on function public.itutor_find_session_by_meeting(text, text) from public, anon, authenticated;
revoke all on function public.itutor_record_attendance(jsonb, jsonb) from public, anon, authenticated;
revoke all on function public.itutor_list_session_attendance(text) from public, anon, authenticated;
revoke all on function public.itutor_log_ignored_provider_report(jsonb) from public, anon, authenticated;

grant execute on function public.itutor_attendance_json(public.session_attendance) to service_role;
grant execute on function public.itutor_find_session_by_meeting(text, text) to service_role;
grant execute on function public.itutor_record_attendance(jsonb, jsonb) to service_role;
grant execute on function public.itutor_list_session_attendance(text) to service_role;
grant execute on function public.itutor_log_ignored_provider_report(jsonb) to service_role;
