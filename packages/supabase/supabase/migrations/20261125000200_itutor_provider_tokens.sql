-- iTutor Sessions: encrypted OAuth tokens with a refresh lock, and the video meetings made per booking.
--
-- Tokens are encrypted by the host (AES-256-GCM in @itutor/sessions-video) before they reach the
-- database: each token is stored as base64url ciphertext beside the id of the key that made it, so keys
-- can be rotated. The database never sees a plaintext token or a key. The token columns are
-- server-side only: no client role has a column grant on them, and only the service role may execute
-- the functions that read or write them.
--
-- The refresh lock is a compare-and-set on token_version, done in one statement by
-- itutor_compare_and_set_provider_tokens: of any number of concurrent writers that read one version,
-- exactly one wins. Replacing the tokens (connect, switch, reconnect) grows token_version too, so a
-- refresh that started before a switch can never overwrite the new provider's tokens.
--
-- Plaintext tokens stored by earlier versions (access_token, refresh_token) cannot be encrypted here
-- (the key is the host's): they are removed, and every connection that held them is marked `expired`
-- with a provider.status_changed event (reason plaintext_tokens_removed), so the tutor reconnects
-- through the OAuth flow instead of bookings failing later without a reason. Connections without
-- tokens are left as they are.

-- ---------------------------------------------------------------------------------------------------
-- Encrypted token columns.
-- ---------------------------------------------------------------------------------------------------

alter table public.tutor_video_provider_connections
  add column access_token_key_id text,
  add column access_token_ciphertext text,
  add column refresh_token_key_id text,
  add column refresh_token_ciphertext text,
  add column token_version integer not null default 0,
  add column refresh_lease_until timestamptz,
  add column tokens_updated_at timestamptz;

-- Earlier plaintext tokens: the connection expires (with its audit event), the plaintext goes.
with plaintext as (
  select c.tutor_id, c.provider, c.connection_status
  from public.tutor_video_provider_connections as c
  where c.access_token is not null or c.refresh_token is not null
  for update
),
expired as (
  update public.tutor_video_provider_connections as c
  set
    connection_status = case when p.connection_status = 'connected' then 'expired' else c.connection_status end,
    version = case when p.connection_status = 'connected' then c.version + 1 else c.version end,
    updated_at = case when p.connection_status = 'connected' then now() else c.updated_at end,
    access_token = null,
    refresh_token = null,
    token_expires_at = null
  from plaintext as p
  where c.tutor_id = p.tutor_id
  returning c.tutor_id
)
insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
select null, p.tutor_id, 'provider.status_changed', 'system', now(),
  jsonb_build_object('provider', p.provider, 'from', 'connected', 'to', 'expired', 'reason', 'plaintext_tokens_removed')
from plaintext as p
join expired as e on e.tutor_id = p.tutor_id
where p.connection_status = 'connected';

alter table public.tutor_video_provider_connections
  drop constraint tutor_video_provider_connections_tokens_need_access_token,
  drop column access_token,
  drop column refresh_token;

alter table public.tutor_video_provider_connections
  add constraint tutor_video_provider_connections_token_version_is_not_negative check (token_version >= 0),
  -- Each ciphertext has its key id beside it, and nothing else.
  add constraint tutor_video_provider_connections_access_token_has_key_id
    check ((access_token_ciphertext is null) = (access_token_key_id is null)),
  add constraint tutor_video_provider_connections_refresh_token_has_key_id
    check ((refresh_token_ciphertext is null) = (refresh_token_key_id is null)),
  -- A refresh token, an expiry or a lease only come with an access token.
  add constraint tutor_video_provider_connections_tokens_need_access_token
    check (
      access_token_ciphertext is not null
      or (refresh_token_ciphertext is null and token_expires_at is null and refresh_lease_until is null)
    ),
  -- Ciphertexts are base64url of IV (12 bytes) ‖ data ‖ GCM tag (16 bytes): at least 39 characters of
  -- [A-Za-z0-9_-]. Provider tokens (JWTs, `ya29.` tokens) contain dots, so a plaintext token written
  -- here by mistake is refused.
  add constraint tutor_video_provider_connections_ciphertexts_are_base64url
    check (access_token_ciphertext ~ '^[A-Za-z0-9_-]{39,}$' and refresh_token_ciphertext ~ '^[A-Za-z0-9_-]{39,}$'),
  add constraint tutor_video_provider_connections_key_ids_are_names
    check (access_token_key_id ~ '^[A-Za-z0-9._-]{1,64}$' and refresh_token_key_id ~ '^[A-Za-z0-9._-]{1,64}$');

comment on column public.tutor_video_provider_connections.access_token_ciphertext is
  'AES-256-GCM ciphertext (base64url) of the OAuth access token, made by the host. Server-side only.';
comment on column public.tutor_video_provider_connections.refresh_token_ciphertext is
  'AES-256-GCM ciphertext (base64url) of the OAuth refresh token, made by the host. Server-side only.';
comment on column public.tutor_video_provider_connections.token_version is
  'Compare-and-set guard of the tokens (the refresh lock); grows on every token write and replacement.';
comment on column public.tutor_video_provider_connections.refresh_lease_until is
  'Set while one server process refreshes the tokens; others wait until it is cleared or has passed.';

-- Clients never see token columns: they are not in the authenticated role's column grant (made in the
-- schema migration); revoked here explicitly as well, for hosts whose defaults grant more.
revoke all (
  access_token_key_id, access_token_ciphertext, refresh_token_key_id, refresh_token_ciphertext,
  token_version, refresh_lease_until, tokens_updated_at, token_expires_at
) on table public.tutor_video_provider_connections from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------------
-- Repository functions over the tokens.
-- ---------------------------------------------------------------------------------------------------

-- The tutor's encrypted tokens with the connection's provider and status and the refresh lease; null
-- when there is no connection or it holds no tokens.
create or replace function public.itutor_find_provider_tokens(p_tutor_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select jsonb_build_object(
    'provider', c.provider,
    'connection_status', c.connection_status,
    'token_version', c.token_version,
    'access_token_key_id', c.access_token_key_id,
    'access_token_ciphertext', c.access_token_ciphertext,
    'refresh_token_key_id', c.refresh_token_key_id,
    'refresh_token_ciphertext', c.refresh_token_ciphertext,
    'token_expires_at', c.token_expires_at,
    'refresh_lease_until', c.refresh_lease_until,
    'tokens_updated_at', c.tokens_updated_at
  )
  from public.tutor_video_provider_connections as c
  where c.tutor_id = p_tutor_id and c.access_token_ciphertext is not null
$$;

-- Creates (p_expected_version null) or replaces (compare-and-set on version) a tutor's connection with
-- its event, in one step. p_tokens: null clears the tokens; {"keep": true} leaves them (and
-- token_version) untouched; otherwise the encrypted tokens replace the stored ones, token_version grows
-- by one (a new connection starts at 1, or 0 without tokens) and the refresh lease is cleared.
-- Returns the stored connection, or null when the tutor already has one (create) or its version
-- changed (replace).
create or replace function public.itutor_save_provider_connection(
  p_connection jsonb,
  p_tokens jsonb,
  p_event jsonb,
  p_expected_version integer
)
returns jsonb
language plpgsql
set search_path = ''
set "TimeZone" = 'UTC'
as $$
declare
  v_keep boolean := coalesce((p_tokens ->> 'keep')::boolean, false);
  v_has boolean := p_tokens is not null and not coalesce((p_tokens ->> 'keep')::boolean, false);
  v_row public.tutor_video_provider_connections;
begin
  if p_expected_version is null then
    insert into public.tutor_video_provider_connections as c (
      tutor_id, provider, connection_status, external_account_id, version, connected_at, updated_at,
      access_token_key_id, access_token_ciphertext, refresh_token_key_id, refresh_token_ciphertext,
      token_expires_at, token_version, refresh_lease_until, tokens_updated_at
    )
    values (
      p_connection ->> 'tutor_id',
      p_connection ->> 'provider',
      p_connection ->> 'connection_status',
      p_connection ->> 'external_account_id',
      (p_connection ->> 'version')::integer,
      (p_connection ->> 'connected_at')::timestamptz,
      (p_connection ->> 'updated_at')::timestamptz,
      case when v_has then p_tokens ->> 'access_token_key_id' end,
      case when v_has then p_tokens ->> 'access_token_ciphertext' end,
      case when v_has then p_tokens ->> 'refresh_token_key_id' end,
      case when v_has then p_tokens ->> 'refresh_token_ciphertext' end,
      case when v_has then (p_tokens ->> 'token_expires_at')::timestamptz end,
      case when v_has then 1 else 0 end,
      null,
      case when v_has then (p_connection ->> 'updated_at')::timestamptz end
    )
    on conflict (tutor_id) do nothing
    returning * into v_row;
  else
    update public.tutor_video_provider_connections as c
    set
      provider = p_connection ->> 'provider',
      connection_status = p_connection ->> 'connection_status',
      external_account_id = p_connection ->> 'external_account_id',
      version = (p_connection ->> 'version')::integer,
      connected_at = (p_connection ->> 'connected_at')::timestamptz,
      updated_at = (p_connection ->> 'updated_at')::timestamptz,
      access_token_key_id = case when v_keep then c.access_token_key_id when v_has then p_tokens ->> 'access_token_key_id' end,
      access_token_ciphertext = case when v_keep then c.access_token_ciphertext when v_has then p_tokens ->> 'access_token_ciphertext' end,
      refresh_token_key_id = case when v_keep then c.refresh_token_key_id when v_has then p_tokens ->> 'refresh_token_key_id' end,
      refresh_token_ciphertext = case when v_keep then c.refresh_token_ciphertext when v_has then p_tokens ->> 'refresh_token_ciphertext' end,
      token_expires_at = case when v_keep then c.token_expires_at when v_has then (p_tokens ->> 'token_expires_at')::timestamptz end,
      token_version = case when v_keep then c.token_version else c.token_version + 1 end,
      refresh_lease_until = case when v_keep then c.refresh_lease_until end,
      tokens_updated_at = case when v_keep then c.tokens_updated_at when v_has then (p_connection ->> 'updated_at')::timestamptz end
    where c.tutor_id = p_connection ->> 'tutor_id' and c.version = p_expected_version
    returning * into v_row;
  end if;

  if not found then
    return null;
  end if;

  insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
  select e.session_id, e.tutor_id, e.type, e.actor, e.occurred_at, coalesce(e.payload, '{}'::jsonb)
  from jsonb_populate_record(null::public.session_events, p_event) as e;

  return public.itutor_connection_json(v_row);
end
$$;

-- The refresh lock: writes the encrypted tokens only if token_version is still p_expected_version, the
-- connection's provider is p_tokens.provider, it holds tokens, and p_tokens.token_version is
-- p_expected_version + 1. With p_mark ({"status": "expired"|"invalid", "event": <event row>}), a
-- connection that is `connected` takes that status, its version grows by one and the event is appended
-- — in the same statement. Returns whether the tokens were written.
create function public.itutor_compare_and_set_provider_tokens(
  p_tutor_id text,
  p_expected_version integer,
  p_tokens jsonb,
  p_mark jsonb
)
returns boolean
language sql
set search_path = ''
as $$
  with previous as (
    select c.tutor_id, c.connection_status
    from public.tutor_video_provider_connections as c
    where c.tutor_id = p_tutor_id
      and c.token_version = p_expected_version
      and c.provider = p_tokens ->> 'provider'
      and c.access_token_ciphertext is not null
      and (p_tokens ->> 'token_version')::integer = p_expected_version + 1
    for update
  ),
  written as (
    update public.tutor_video_provider_connections as c
    set
      access_token_key_id = p_tokens ->> 'access_token_key_id',
      access_token_ciphertext = p_tokens ->> 'access_token_ciphertext',
      refresh_token_key_id = p_tokens ->> 'refresh_token_key_id',
      refresh_token_ciphertext = p_tokens ->> 'refresh_token_ciphertext',
      token_expires_at = (p_tokens ->> 'token_expires_at')::timestamptz,
      token_version = p_expected_version + 1,
      refresh_lease_until = (p_tokens ->> 'refresh_lease_until')::timestamptz,
      tokens_updated_at = (p_tokens ->> 'tokens_updated_at')::timestamptz,
      connection_status = case when p_mark is not null and p.connection_status = 'connected' then p_mark ->> 'status' else c.connection_status end,
      version = case when p_mark is not null and p.connection_status = 'connected' then c.version + 1 else c.version end,
      updated_at = case when p_mark is not null and p.connection_status = 'connected'
        then (p_mark -> 'event' ->> 'occurred_at')::timestamptz else c.updated_at end
    from previous as p
    where c.tutor_id = p.tutor_id and c.token_version = p_expected_version
    returning c.tutor_id, p.connection_status as status_before, c.connection_status as status_after
  ),
  marked as (
    insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
    select e.session_id, e.tutor_id, e.type, e.actor, e.occurred_at, coalesce(e.payload, '{}'::jsonb)
    from written as w
    cross join jsonb_populate_record(null::public.session_events, p_mark -> 'event') as e
    where w.status_before = 'connected' and w.status_after <> 'connected'
    returning 1
  )
  select exists (select 1 from written)
$$;

-- ---------------------------------------------------------------------------------------------------
-- Video meetings made per booking (the video providers' idempotency): one row per (provider, key).
-- Join URLs are secrets until the join endpoint hands them out: no client grant at all.
-- ---------------------------------------------------------------------------------------------------

create table public.video_provider_meetings (
  provider text not null
    constraint video_provider_meetings_provider_is_known check (provider in ('zoom', 'google_meet')),
  idempotency_key text not null
    constraint video_provider_meetings_key_is_not_blank check (length(idempotency_key) between 1 and 500),
  meeting_id text not null
    constraint video_provider_meetings_meeting_id_is_not_blank check (length(meeting_id) between 1 and 500),
  join_url text not null,
  created_at timestamptz not null default now(),
  constraint video_provider_meetings_pkey primary key (provider, idempotency_key)
);

alter table public.video_provider_meetings enable row level security;

comment on table public.video_provider_meetings is
  'The meeting a video provider made for each idempotency key (one per booking), so a retry never makes a second one. Server-side only.';

create index video_provider_meetings_meeting_id_idx on public.video_provider_meetings (provider, meeting_id);

revoke all on table public.video_provider_meetings from public, anon, authenticated, service_role;
grant select, insert, delete on table public.video_provider_meetings to service_role;

create policy "The service role can read video meetings"
  on public.video_provider_meetings
  for select
  to service_role
  using (true);

create policy "The service role can record video meetings"
  on public.video_provider_meetings
  for insert
  to service_role
  with check (true);

create policy "The service role can forget deleted video meetings"
  on public.video_provider_meetings
  for delete
  to service_role
  using (true);

create function public.itutor_find_video_meeting(p_provider text, p_idempotency_key text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select jsonb_build_object('meeting_id', m.meeting_id, 'join_url', m.join_url, 'created_at', m.created_at)
  from public.video_provider_meetings as m
  where m.provider = p_provider and m.idempotency_key = p_idempotency_key
$$;

-- Stores the meeting for the key unless one is stored already; returns the stored one (ours, or the
-- one a concurrent insert committed first). Two statements on purpose: after waiting for a racing
-- insert, the second runs with a new snapshot and sees its row.
create function public.itutor_insert_video_meeting(p_provider text, p_idempotency_key text, p_meeting jsonb)
returns jsonb
language plpgsql
set search_path = ''
set "TimeZone" = 'UTC'
as $$
declare
  v_result jsonb;
begin
  insert into public.video_provider_meetings (provider, idempotency_key, meeting_id, join_url)
  values (p_provider, p_idempotency_key, p_meeting ->> 'meeting_id', p_meeting ->> 'join_url')
  on conflict (provider, idempotency_key) do nothing
  returning jsonb_build_object('meeting_id', meeting_id, 'join_url', join_url, 'created_at', created_at) into v_result;
  if v_result is null then
    select jsonb_build_object('meeting_id', m.meeting_id, 'join_url', m.join_url, 'created_at', m.created_at) into v_result
    from public.video_provider_meetings as m
    where m.provider = p_provider and m.idempotency_key = p_idempotency_key;
  end if;
  return v_result;
end
$$;

-- Forgets a deleted meeting (every key that holds it), so its key may make a new one.
create function public.itutor_remove_video_meeting(p_provider text, p_meeting_id text)
returns boolean
language sql
set search_path = ''
as $$
  with removed as (
    delete from public.video_provider_meetings as m
    where m.provider = p_provider and m.meeting_id = p_meeting_id
    returning 1
  )
  select exists (select 1 from removed)
$$;

revoke all on function public.itutor_compare_and_set_provider_tokens(text, integer, jsonb, jsonb) from public, anon, authenticated;
revoke all on function public.itutor_find_video_meeting(text, text) from public, anon, authenticated;
revoke all on function public.itutor_insert_video_meeting(text, text, jsonb) from public, anon, authenticated;
revoke all on function public.itutor_remove_video_meeting(text, text) from public, anon, authenticated;

grant execute on function public.itutor_compare_and_set_provider_tokens(text, integer, jsonb, jsonb) to service_role;
grant execute on function public.itutor_find_video_meeting(text, text) to service_role;
grant execute on function public.itutor_insert_video_meeting(text, text, jsonb) to service_role;
grant execute on function public.itutor_remove_video_meeting(text, text) to service_role;
