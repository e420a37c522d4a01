-- iTutor Sessions: attendance (what the video providers report) and Google Meet's event subscriptions.

-- ---------------------------------------------------------------------------------------------------
-- Attendance: every join and leave a video provider reported (Zoom webhooks, Google Meet Workspace
-- Events), stored once per (provider, event_id) so retries and replays change nothing, matched by the
-- host to the session's tutor or student ('unknown' otherwise: kept, never counted as the student).
-- The core's AttendanceRepository, implemented by this package's repositories over its repository functions (20261201000600).
--
-- Participants read their own sessions' attendance, and only what the attendance HTTP route shows:
-- session_id, provider, role (tutor / student / unknown), kind and time. E-mails, display names (a Zoom
-- dial-in participant's name is their phone number), provider user ids, in-meeting ids, event ids and
-- receipt times are server-side only. Clients write nothing. The service role may read and
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
  'Provider-reported joins and leaves, one row per (provider, event_id); matched role tutor/student/unknown. Append-only. Participants select session_id, provider, role, kind and occurred_at of their own sessions only (what the attendance HTTP route shows); e-mails, names, provider ids, event ids and receipt times are server-side only.';

comment on column public.session_attendance.participant_email is 'Server-side only: never selectable by clients.';

comment on column public.session_attendance.participant_name is 'The display name the provider reported (a Zoom dial-in participant''s is their phone number). Server-side only: never selectable by clients.';

comment on column public.session_attendance.participant_provider_user_id is 'Server-side only: never selectable by clients.';

comment on column public.session_attendance.participant_id is 'The provider''s in-meeting id (pairs a join with its leave). Server-side only: never selectable by clients.';

comment on column public.session_attendance.occurred_at is 'When it happened, by the provider''s account.';

comment on column public.session_attendance.received_at is 'When the webhook route accepted it.';

create index session_attendance_session_idx on public.session_attendance (session_id, occurred_at, event_id);

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

revoke all on function public.itutor_refuse_attendance_change() from public, anon, authenticated;

revoke all on table public.session_attendance from public, anon, authenticated, service_role;

-- Column grants only (no table-level select); RLS limits the rows to the participant's own sessions.
grant select (session_id, provider, role, kind, occurred_at) on table public.session_attendance to authenticated;

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

-- ---------------------------------------------------------------------------------------------------
-- Google Meet spaces' Workspace Events subscriptions: the `MeetSubscriptionStore` of
-- `@itutor/sessions-video` (what `googleMeet({ eventSubscriptions })`, `renewMeetSubscriptions` and
-- `meetSpaceFromSubscriptions` read and write), implemented by this package's
-- createSqlMeetSubscriptionStore / createSupabaseMeetSubscriptionStore over its repository functions (20261201000600).
--
-- One row per Meet space (`spaces/{id}`, the session's meeting id): the subscription that watches it
-- (`subscriptions/{id}`, or null while none could be created yet), when Google deletes it unless renewed,
-- and until when the renewal job keeps it alive.
--
-- Server-side only: RLS on, no client grant at all; the service role may read, upsert and delete rows
-- (what the functions do), never truncate them.

create table public.meet_subscriptions (
  space text not null
    constraint meet_subscriptions_space_is_a_meet_space check (space ~ '^spaces/[A-Za-z0-9_-]{1,200}$'),
  tutor_id text not null
    constraint meet_subscriptions_tutor_id_is_not_blank check (length(tutor_id) between 1 and 255),
  subscription text
    constraint meet_subscriptions_subscription_is_a_subscription check (subscription ~ '^subscriptions/[A-Za-z0-9_-]{1,200}$'),
  expire_time timestamptz not null,
  keep_until timestamptz not null,
  updated_at timestamptz not null default now(),
  constraint meet_subscriptions_pkey primary key (space),
  -- A subscription watches one space. NULLs (spaces still without one) are distinct, so any number may wait.
  constraint meet_subscriptions_subscription_key unique (subscription)
);

alter table public.meet_subscriptions enable row level security;

comment on table public.meet_subscriptions is
  'Google Meet spaces'' Workspace Events subscriptions (the video package''s MeetSubscriptionStore). Server-side only.';

comment on column public.meet_subscriptions.subscription is
  'subscriptions/{id}, or null while none exists (the renewal job creates it at expire_time).';

comment on column public.meet_subscriptions.expire_time is
  'When Google deletes the subscription unless renewed; for a null subscription, when to try again.';

comment on column public.meet_subscriptions.keep_until is
  'Renew until then (the meeting''s scheduled end plus keepAfterEndMinutes); past it the job drops the row.';

comment on column public.meet_subscriptions.updated_at is 'When the row was last saved (the database''s clock).';

-- The renewal job's read: the rows expiring soonest, at most a limit, in index order (space breaks ties).
create index meet_subscriptions_expire_time_idx on public.meet_subscriptions (expire_time, space);

revoke all on table public.meet_subscriptions from public, anon, authenticated, service_role;

grant select, insert, update, delete on table public.meet_subscriptions to service_role;

create policy "The service role can read Meet subscriptions"
  on public.meet_subscriptions
  for select
  to service_role
  using (true);

create policy "The service role can record Meet subscriptions"
  on public.meet_subscriptions
  for insert
  to service_role
  with check (true);

create policy "The service role can update Meet subscriptions"
  on public.meet_subscriptions
  for update
  to service_role
  using (true)
  with check (true);

create policy "The service role can forget Meet subscriptions"
  on public.meet_subscriptions
  for delete
  to service_role
  using (true);
