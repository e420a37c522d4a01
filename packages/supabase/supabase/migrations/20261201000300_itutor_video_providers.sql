-- iTutor Sessions: video providers — a tutor's connection with its encrypted OAuth tokens and refresh
-- lock, the video meetings made per booking, and the OAuth states already used.
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

-- ---------------------------------------------------------------------------------------------------
-- Video-provider connections: at most one per tutor (the primary key). The encrypted tokens live in the
-- same row but are never selectable by anon or authenticated (column privileges below).
-- ---------------------------------------------------------------------------------------------------

create table public.tutor_video_provider_connections (
  tutor_id text primary key,
  provider text not null
    constraint tutor_video_provider_connections_provider_is_known check (provider in ('zoom', 'google_meet')),
  connection_status text not null
    constraint tutor_video_provider_connections_status_is_known check (connection_status in ('connected', 'expired', 'invalid')),
  external_account_id text,
  token_expires_at timestamptz,
  version integer not null default 1
    constraint tutor_video_provider_connections_version_is_positive check (version >= 1),
  connected_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  access_token_key_id text,
  access_token_ciphertext text,
  refresh_token_key_id text,
  refresh_token_ciphertext text,
  token_version integer not null default 0
    constraint tutor_video_provider_connections_token_version_is_not_negative check (token_version >= 0),
  refresh_lease_until timestamptz,
  tokens_updated_at timestamptz,
  -- Each ciphertext has its key id beside it, and nothing else.
  constraint tutor_video_provider_connections_access_token_has_key_id
    check ((access_token_ciphertext is null) = (access_token_key_id is null)),
  constraint tutor_video_provider_connections_refresh_token_has_key_id
    check ((refresh_token_ciphertext is null) = (refresh_token_key_id is null)),
  -- A refresh token, an expiry or a lease only come with an access token.
  constraint tutor_video_provider_connections_tokens_need_access_token
    check (
      access_token_ciphertext is not null
      or (refresh_token_ciphertext is null and token_expires_at is null and refresh_lease_until is null)
    ),
  -- Ciphertexts are base64url of IV (12 bytes) ‖ data ‖ GCM tag (16 bytes): at least 39 characters of
  -- [A-Za-z0-9_-]. Provider tokens (JWTs, `ya29.` tokens) contain dots, so a plaintext token written
  -- here by mistake is refused.
  constraint tutor_video_provider_connections_ciphertexts_are_base64url
    check (access_token_ciphertext ~ '^[A-Za-z0-9_-]{39,}$' and refresh_token_ciphertext ~ '^[A-Za-z0-9_-]{39,}$'),
  constraint tutor_video_provider_connections_key_ids_are_names
    check (access_token_key_id ~ '^[A-Za-z0-9._-]{1,64}$' and refresh_token_key_id ~ '^[A-Za-z0-9._-]{1,64}$')
);

alter table public.tutor_video_provider_connections enable row level security;

comment on table public.tutor_video_provider_connections is
  'A tutor''s Zoom or Google Meet connection (at most one). Only connection_status = connected lets a tutor accept bookings. Token columns are server-side only.';

comment on column public.tutor_video_provider_connections.access_token_ciphertext is
  'AES-256-GCM ciphertext (base64url) of the OAuth access token, made by the host. Server-side only.';

comment on column public.tutor_video_provider_connections.refresh_token_ciphertext is
  'AES-256-GCM ciphertext (base64url) of the OAuth refresh token, made by the host. Server-side only.';

comment on column public.tutor_video_provider_connections.token_version is
  'Compare-and-set guard of the tokens (the refresh lock); grows on every token write and replacement.';

comment on column public.tutor_video_provider_connections.refresh_lease_until is
  'Set while one server process refreshes the tokens; others wait until it is cleared or has passed.';

-- Privileges. Tutors read their connection without its tokens; all writes go through the server with
-- the service role (select, insert, update: what the repository functions use).
revoke all on table public.tutor_video_provider_connections from public, anon, authenticated, service_role;

grant select (tutor_id, provider, connection_status, external_account_id, version, connected_at, updated_at)
  on table public.tutor_video_provider_connections to authenticated;

-- Clients never see token columns: they are not in the authenticated role's column grant above; revoked
-- here explicitly as well, for hosts whose defaults grant more.
revoke all (
  access_token_key_id, access_token_ciphertext, refresh_token_key_id, refresh_token_ciphertext,
  token_version, refresh_lease_until, tokens_updated_at, token_expires_at
) on table public.tutor_video_provider_connections from public, anon, authenticated;

grant select, insert, update on table public.tutor_video_provider_connections to service_role;

-- Row-level security. Clients read only their own connection; there are no client write policies. The
-- service role bypasses RLS on Supabase; the explicit policy keeps it working where it does not.

create policy "Tutors can read their own provider connection"
  on public.tutor_video_provider_connections
  for select
  to authenticated
  using (tutor_id = (select auth.uid())::text);

create policy "The service role can manage provider connections"
  on public.tutor_video_provider_connections
  for all
  to service_role
  using (true)
  with check (true);

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

-- ---------------------------------------------------------------------------------------------------
-- OAuth states already used by the video connect routes: the `OAuthStateStore` of `@itutor/sessions-video`
-- (what `createVideoConnectHandler({ stateStore })` consumes on every callback), implemented by this
-- package's createSqlOAuthStateStore / createSupabaseOAuthStateStore over its repository functions (20261201000600).
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
