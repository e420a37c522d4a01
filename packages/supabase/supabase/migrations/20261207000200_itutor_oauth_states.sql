-- OAuth states already used by the video connect routes: the `OAuthStateStore` of `@itutor/sessions-video`
-- (what `createVideoConnectHandler({ stateStore })` consumes on every callback), implemented by this
-- package's createSqlOAuthStateStore / createSupabaseOAuthStateStore over the functions below.
--
-- One row per used state, keyed by the state's SHA-256 (never the state itself), until the attempt's
-- expiry: a callback replayed on any server instance (the same state and signed cookie) finds the row and
-- is refused, so a code is never exchanged twice. Rows past their expiry are purged (the connect routes
-- refuse an expired attempt before they ask the store, so a purged state can never be accepted again).
--
-- Server-side only: RLS on, no client grant at all; the service role may read, record and purge rows,
-- never update or truncate them.

create table public.video_oauth_states (
  state_hash text not null
    constraint video_oauth_states_state_hash_is_sha256_hex check (state_hash ~ '^[0-9a-f]{64}$'),
  expires_at timestamptz not null,
  used_at timestamptz not null default now(),
  constraint video_oauth_states_pkey primary key (state_hash)
);

alter table public.video_oauth_states enable row level security;

comment on table public.video_oauth_states is
  'OAuth states already used by the video connect routes (by SHA-256; single use across server instances). Server-side only.';
comment on column public.video_oauth_states.state_hash is 'SHA-256 of the state, 64 lowercase hex digits: the state itself is never stored.';
comment on column public.video_oauth_states.expires_at is 'When the connect attempt expires; the row may be purged after it.';
comment on column public.video_oauth_states.used_at is 'When the state was used (the database''s clock).';

-- For the purge of expired states.
create index video_oauth_states_expires_at_idx on public.video_oauth_states (expires_at);

revoke all on table public.video_oauth_states from public, anon, authenticated, service_role;
grant select, insert, delete on table public.video_oauth_states to service_role;

create policy "The service role can read used OAuth states"
  on public.video_oauth_states
  for select
  to service_role
  using (true);

create policy "The service role can record used OAuth states"
  on public.video_oauth_states
  for insert
  to service_role
  with check (true);

create policy "The service role can purge used OAuth states"
  on public.video_oauth_states
  for delete
  to service_role
  using (true);

-- Records the state as used. True for exactly one caller per hash (the first), also when callbacks race
-- on several connections: the loser's insert waits for the winner's commit, then does nothing. A state
-- that is not live at p_now (p_expires_at <= p_now, or either is null) is refused and not recorded.
create function public.itutor_consume_oauth_state(p_state_hash text, p_expires_at timestamptz, p_now timestamptz)
returns boolean
language sql
set search_path = ''
as $$
  with inserted as (
    insert into public.video_oauth_states (state_hash, expires_at)
    select p_state_hash, p_expires_at
    where p_expires_at > p_now
    on conflict (state_hash) do nothing
    returning 1
  )
  select exists (select 1 from inserted)
$$;

-- Forgets the states that expired at or before p_before; returns how many.
create function public.itutor_purge_oauth_states(p_before timestamptz)
returns integer
language sql
set search_path = ''
as $$
  with removed as (
    delete from public.video_oauth_states as s
    where s.expires_at <= p_before
    returning 1
  )
  select count(*)::integer from removed
$$;

revoke all on function public.itutor_consume_oauth_state(text, timestamptz, timestamptz) from public, anon, authenticated;
revoke all on function public.itutor_purge_oauth_states(timestamptz) from public, anon, authenticated;

grant execute on function public.itutor_consume_oauth_state(text, timestamptz, timestamptz) to service_role;
grant execute on function public.itutor_purge_oauth_states(timestamptz) to service_role;
