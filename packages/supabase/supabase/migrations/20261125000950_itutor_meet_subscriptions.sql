-- Google Meet spaces' Workspace Events subscriptions: the `MeetSubscriptionStore` of
-- `@itutor/sessions-video` (what `googleMeet({ eventSubscriptions })`, `renewMeetSubscriptions` and
-- `meetSpaceFromSubscriptions` read and write), implemented by this package's
-- createSqlMeetSubscriptionStore / createSupabaseMeetSubscriptionStore over the functions below.
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

-- The record of a space, or null.
create function public.itutor_find_meet_subscription(p_space text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select jsonb_build_object(
    'space', s.space, 'tutor_id', s.tutor_id, 'subscription', s.subscription,
    'expire_time', s.expire_time, 'keep_until', s.keep_until
  )
  from public.meet_subscriptions as s
  where s.space = p_space
$$;

-- The record whose subscription is p_subscription (`subscriptions/{id}`), or null.
create function public.itutor_find_meet_subscription_by_name(p_subscription text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select jsonb_build_object(
    'space', s.space, 'tutor_id', s.tutor_id, 'subscription', s.subscription,
    'expire_time', s.expire_time, 'keep_until', s.keep_until
  )
  from public.meet_subscriptions as s
  where s.subscription = p_subscription
$$;

-- Inserts or replaces the record of p_space (last save wins, every column at once). One statement: when
-- two saves of a new space race, the loser's insert waits for the winner's commit, then updates its row,
-- so neither fails. True when the row was inserted, false when it replaced one. Saving a subscription
-- that another space's row already holds fails with unique_violation (23505): it watches one space.
create function public.itutor_save_meet_subscription(
  p_space text,
  p_tutor_id text,
  p_subscription text,
  p_expire_time timestamptz,
  p_keep_until timestamptz
)
returns boolean
language sql
set search_path = ''
as $$
  insert into public.meet_subscriptions as s (space, tutor_id, subscription, expire_time, keep_until)
  values (p_space, p_tutor_id, p_subscription, p_expire_time, p_keep_until)
  on conflict (space) do update
    set tutor_id = excluded.tutor_id,
        subscription = excluded.subscription,
        expire_time = excluded.expire_time,
        keep_until = excluded.keep_until,
        updated_at = now()
  returning (xmax = 0)
$$;

-- At most p_limit records (and never more than 1 000) whose expire_time is at or before p_before, soonest
-- first: an index range scan of meet_subscriptions_expire_time_idx stopped by the limit.
create function public.itutor_list_expiring_meet_subscriptions(p_before timestamptz, p_limit integer)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select coalesce(
    jsonb_agg(
      jsonb_build_object(
        'space', d.space, 'tutor_id', d.tutor_id, 'subscription', d.subscription,
        'expire_time', d.expire_time, 'keep_until', d.keep_until
      )
      order by d.expire_time, d.space
    ),
    '[]'::jsonb
  )
  from (
    select s.space, s.tutor_id, s.subscription, s.expire_time, s.keep_until
    from public.meet_subscriptions as s
    where s.expire_time <= p_before
    order by s.expire_time, s.space
    limit least(greatest(coalesce(p_limit, 0), 0), 1000)
  ) as d
$$;

-- Forgets the record of p_space. True if it was there (no-op otherwise).
create function public.itutor_remove_meet_subscription(p_space text)
returns boolean
language sql
set search_path = ''
as $$
  with removed as (
    delete from public.meet_subscriptions as s
    where s.space = p_space
    returning 1
  )
  select exists (select 1 from removed)
$$;

revoke all on function public.itutor_find_meet_subscription(text) from public, anon, authenticated;
revoke all on function public.itutor_find_meet_subscription_by_name(text) from public, anon, authenticated;
revoke all on function public.itutor_save_meet_subscription(text, text, text, timestamptz, timestamptz) from public, anon, authenticated;
revoke all on function public.itutor_list_expiring_meet_subscriptions(timestamptz, integer) from public, anon, authenticated;
revoke all on function public.itutor_remove_meet_subscription(text) from public, anon, authenticated;

grant execute on function public.itutor_find_meet_subscription(text) to service_role;
grant execute on function public.itutor_find_meet_subscription_by_name(text) to service_role;
grant execute on function public.itutor_save_meet_subscription(text, text, text, timestamptz, timestamptz) to service_role;
grant execute on function public.itutor_list_expiring_meet_subscriptions(timestamptz, integer) to service_role;
grant execute on function public.itutor_remove_meet_subscription(text) to service_role;
