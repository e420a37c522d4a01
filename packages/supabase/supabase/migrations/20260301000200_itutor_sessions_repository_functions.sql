-- iTutor Sessions: the repository functions behind the adapter's ports.
--
-- Both adapter paths call exactly these functions: the direct SQL path (node-postgres, PGlite) with
-- `select public.<fn>(...)`, the supabase-js path with `rpc('<fn>', ...)` (PostgREST's
-- `POST /rest/v1/rpc/<fn>`). Every state change is one function call, hence one statement-level
-- atomic step: the compare-and-set and its audit events commit together or not at all.
--
-- Rows cross the boundary as jsonb with the table's own column names. Money goes out as text
-- ('150.00', never a JSON number, so no client parses it as a float) and comes in as text too.
-- Only the service role may execute these functions.

-- A session row as jsonb, with money as exact decimal text.
create function public.itutor_session_json(s public.sessions)
returns jsonb
language sql
stable
parallel safe
set search_path = ''
as $$
  select to_jsonb(s) || jsonb_build_object(
    'price_ttd', s.price_ttd::text,
    'charge_amount_ttd', s.charge_amount_ttd::text,
    'payout_amount_ttd', s.payout_amount_ttd::text,
    'platform_fee_ttd', s.platform_fee_ttd::text
  )
$$;

-- An event row as jsonb; the bigint id goes out as text.
create function public.itutor_event_json(e public.session_events)
returns jsonb
language sql
stable
parallel safe
set search_path = ''
as $$
  select to_jsonb(e) || jsonb_build_object('id', e.id::text)
$$;

-- A connection row as jsonb, without its tokens.
create function public.itutor_connection_json(c public.tutor_video_provider_connections)
returns jsonb
language sql
stable
parallel safe
set search_path = ''
as $$
  select jsonb_build_object(
    'tutor_id', c.tutor_id,
    'provider', c.provider,
    'connection_status', c.connection_status,
    'external_account_id', c.external_account_id,
    'version', c.version,
    'connected_at', c.connected_at,
    'updated_at', c.updated_at
  )
$$;

-- The uuid in `value`, or null when it is not a canonical uuid (lookups of malformed ids find nothing).
create function public.itutor_parse_uuid(value text)
returns uuid
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then value::uuid
  end
$$;

-- Inserts a session with its events unless one exists for the booking; then returns that one and
-- writes nothing. Safe when inserts for one booking race (the unique booking_id decides).
create function public.itutor_insert_session(p_session jsonb, p_events jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_row public.sessions;
begin
  insert into public.sessions
  select * from jsonb_populate_record(null::public.sessions, p_session)
  on conflict (booking_id) do nothing
  returning * into v_row;

  if found then
    insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
    select e.session_id, e.tutor_id, e.type, e.actor, e.occurred_at, coalesce(e.payload, '{}'::jsonb)
    from jsonb_populate_recordset(null::public.session_events, coalesce(p_events, '[]'::jsonb)) with ordinality as e
    order by e.ordinality;
    return jsonb_build_object('inserted', true, 'session', public.itutor_session_json(v_row));
  end if;

  -- A new statement sees the row the winning insert committed (read committed).
  select * into v_row from public.sessions where booking_id = p_session ->> 'booking_id';
  if not found then
    raise exception 'session for booking % conflicted but cannot be read', p_session ->> 'booking_id'
      using errcode = 'serialization_failure';
  end if;
  return jsonb_build_object('inserted', false, 'session', public.itutor_session_json(v_row));
end
$$;

create function public.itutor_find_session(p_id text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select public.itutor_session_json(s) from public.sessions as s where s.id = public.itutor_parse_uuid(p_id)
$$;

create function public.itutor_find_session_by_booking(p_booking_id text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select public.itutor_session_json(s) from public.sessions as s where s.booking_id = p_booking_id
$$;

-- Applies a batch of compare-and-set writes, each with its events, in one statement.
-- p_writes: [{ "expected_version": n, "session": <row>, "events": [<event>, ...] }, ...]
-- Returns a jsonb array of booleans in the same order: true for each write that won (the stored row is
-- then exactly the given row: every column is set from it), false for each that lost (version changed,
-- no such session, version not increasing, or it would change a final outcome).
-- A generic plan: the statement is planned once per connection, not once per batch.
create function public.itutor_apply_session_writes(p_writes jsonb)
returns jsonb
language plpgsql
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  v_result jsonb;
  v_write jsonb;
begin
  if jsonb_typeof(p_writes) is distinct from 'array' then
    raise exception 'p_writes must be a jsonb array' using errcode = 'invalid_parameter_value';
  end if;

  -- Several writes for one session in a batch depend on each other: apply them one after another.
  if (select count(*) <> count(distinct w -> 'session' ->> 'id') from jsonb_array_elements(p_writes) as w) then
    v_result := '[]'::jsonb;
    for v_write in select w from jsonb_array_elements(p_writes) as w loop
      v_result := v_result || jsonb_build_array(public.itutor_apply_session_writes(jsonb_build_array(v_write)) -> 0);
    end loop;
    return v_result;
  end if;

  with input as materialized (
    select
      x.ord,
      (x.w ->> 'expected_version')::integer as expected_version,
      x.w -> 'events' as events,
      jsonb_populate_record(null::public.sessions, x.w -> 'session') as n
    from jsonb_array_elements(p_writes) with ordinality as x (w, ord)
  ),
  updated as (
    update public.sessions as s
    set
      booking_id = (i.n).booking_id,
      tutor_id = (i.n).tutor_id,
      student_id = (i.n).student_id,
      status = (i.n).status,
      version = (i.n).version,
      scheduled_start_at = (i.n).scheduled_start_at,
      scheduled_end_at = (i.n).scheduled_end_at,
      duration_minutes = (i.n).duration_minutes,
      join_opens_at = (i.n).join_opens_at,
      no_show_wait_minutes = (i.n).no_show_wait_minutes,
      min_payable_minutes = (i.n).min_payable_minutes,
      no_show_eligible_at = (i.n).no_show_eligible_at,
      charge_scheduled_at = (i.n).charge_scheduled_at,
      price_ttd = (i.n).price_ttd,
      currency = (i.n).currency,
      provider = (i.n).provider,
      meeting_id = (i.n).meeting_id,
      join_url = (i.n).join_url,
      student_joined_at = (i.n).student_joined_at,
      tutor_joined_at = (i.n).tutor_joined_at,
      meeting_ended_at = (i.n).meeting_ended_at,
      finalized_at = (i.n).finalized_at,
      cancelled_by = (i.n).cancelled_by,
      charge_amount_ttd = (i.n).charge_amount_ttd,
      payout_amount_ttd = (i.n).payout_amount_ttd,
      platform_fee_ttd = (i.n).platform_fee_ttd,
      charge_status = (i.n).charge_status,
      charge_idempotency_key = (i.n).charge_idempotency_key,
      charge_attempts = (i.n).charge_attempts,
      charge_reference = (i.n).charge_reference,
      claimed_until = (i.n).claimed_until,
      created_at = (i.n).created_at,
      updated_at = (i.n).updated_at
    from input as i
    where s.id = (i.n).id
      and s.version = i.expected_version
      and (i.n).version > s.version
      and (s.status in ('SCHEDULED', 'JOIN_OPEN') or public.itutor_session_keeps_outcome(s, i.n))
    returning s.id
  ),
  appended as (
    insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
    select e.session_id, e.tutor_id, e.type, e.actor, e.occurred_at, coalesce(e.payload, '{}'::jsonb)
    from input as i
    join updated as u on u.id = (i.n).id
    cross join lateral jsonb_populate_recordset(null::public.session_events, coalesce(i.events, '[]'::jsonb))
      with ordinality as e
    order by i.ord, e.ordinality
  )
  select coalesce(jsonb_agg(u.id is not null order by i.ord), '[]'::jsonb)
  into v_result
  from input as i
  left join updated as u on u.id = (i.n).id;

  return v_result;
end
$$;

-- Claims up to p_limit sessions needing settlement work and leases them until p_claim_until:
-- non-final sessions due at p_now, and final ones whose charge is pending or failed with attempts left;
-- only when not leased (claimed_until null or <= p_now). SKIP LOCKED: concurrent claims never return
-- the same session. The lease does not change version. Oldest charge_scheduled_at first.
create function public.itutor_claim_sessions_for_settlement(
  p_now timestamptz,
  p_limit integer,
  p_claim_until timestamptz,
  p_max_charge_attempts integer
)
returns jsonb
language plpgsql
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  v_result jsonb;
begin
  with candidates as (
    select s.id
    from public.sessions as s
    where (s.claimed_until is null or s.claimed_until <= p_now)
      and (
        (s.status in ('SCHEDULED', 'JOIN_OPEN') and s.charge_scheduled_at <= p_now)
        or (
          s.charge_status in ('pending', 'failed')
          and s.status in ('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'EARLY_END_SHORT', 'CANCELLED')
          and s.charge_attempts < p_max_charge_attempts
        )
      )
    order by s.charge_scheduled_at, s.id
    limit greatest(p_limit, 0)
    for update skip locked
  ),
  claimed as (
    update public.sessions as s
    set claimed_until = p_claim_until
    from candidates as c
    where s.id = c.id
    returning s.charge_scheduled_at, s.id, public.itutor_session_json(s) as row_json
  )
  select coalesce(jsonb_agg(c.row_json order by c.charge_scheduled_at, c.id), '[]'::jsonb)
  into v_result
  from claimed as c;

  return v_result;
end
$$;

create function public.itutor_find_provider_connection(p_tutor_id text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select public.itutor_connection_json(c)
  from public.tutor_video_provider_connections as c
  where c.tutor_id = p_tutor_id
$$;

create function public.itutor_find_provider_tokens(p_tutor_id text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object(
    'access_token', c.access_token,
    'refresh_token', c.refresh_token,
    'token_expires_at', c.token_expires_at
  )
  from public.tutor_video_provider_connections as c
  where c.tutor_id = p_tutor_id and c.access_token is not null
$$;

-- Creates (p_expected_version null) or replaces (compare-and-set on version) a tutor's connection with
-- its tokens (null clears them) and its event, in one step. Returns the stored connection, or null when
-- the tutor already has one (create) or its version changed (replace).
create function public.itutor_save_provider_connection(
  p_connection jsonb,
  p_tokens jsonb,
  p_event jsonb,
  p_expected_version integer
)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_new public.tutor_video_provider_connections;
  v_row public.tutor_video_provider_connections;
begin
  v_new := jsonb_populate_record(
    null::public.tutor_video_provider_connections,
    p_connection || jsonb_build_object(
      'access_token', p_tokens ->> 'access_token',
      'refresh_token', p_tokens ->> 'refresh_token',
      'token_expires_at', p_tokens ->> 'token_expires_at'
    )
  );

  if p_expected_version is null then
    insert into public.tutor_video_provider_connections
    select v_new.*
    on conflict (tutor_id) do nothing
    returning * into v_row;
  else
    update public.tutor_video_provider_connections as c
    set
      provider = v_new.provider,
      connection_status = v_new.connection_status,
      external_account_id = v_new.external_account_id,
      access_token = v_new.access_token,
      refresh_token = v_new.refresh_token,
      token_expires_at = v_new.token_expires_at,
      version = v_new.version,
      connected_at = v_new.connected_at,
      updated_at = v_new.updated_at
    where c.tutor_id = v_new.tutor_id and c.version = p_expected_version
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

-- A session's events, oldest first.
create function public.itutor_list_session_events(p_session_id text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select coalesce(jsonb_agg(public.itutor_event_json(e) order by e.id), '[]'::jsonb)
  from public.session_events as e
  where e.session_id = public.itutor_parse_uuid(p_session_id)
$$;

-- Every event about a tutor (their sessions and provider changes), oldest first.
create function public.itutor_list_tutor_events(p_tutor_id text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select coalesce(jsonb_agg(public.itutor_event_json(e) order by e.id), '[]'::jsonb)
  from public.session_events as e
  where e.tutor_id = p_tutor_id
$$;

-- Only the server (service role) may call the repository functions; hosted Supabase grants EXECUTE on
-- new functions in public to anon and authenticated by default.
revoke all on function public.itutor_session_json(public.sessions) from public, anon, authenticated;
revoke all on function public.itutor_event_json(public.session_events) from public, anon, authenticated;
revoke all on function public.itutor_connection_json(public.tutor_video_provider_connections) from public, anon, authenticated;
revoke all on function public.itutor_parse_uuid(text) from public, anon, authenticated;
revoke all on function public.itutor_insert_session(jsonb, jsonb) from public, anon, authenticated;
revoke all on function public.itutor_find_session(text) from public, anon, authenticated;
revoke all on function public.itutor_find_session_by_booking(text) from public, anon, authenticated;
revoke all on function public.itutor_apply_session_writes(jsonb) from public, anon, authenticated;
revoke all on function public.itutor_claim_sessions_for_settlement(timestamptz, integer, timestamptz, integer) from public, anon, authenticated;
revoke all on function public.itutor_find_provider_connection(text) from public, anon, authenticated;
revoke all on function public.itutor_find_provider_tokens(text) from public, anon, authenticated;
revoke all on function public.itutor_save_provider_connection(jsonb, jsonb, jsonb, integer) from public, anon, authenticated;
revoke all on function public.itutor_list_session_events(text) from public, anon, authenticated;
revoke all on function public.itutor_list_tutor_events(text) from public, anon, authenticated;

grant execute on function public.itutor_session_json(public.sessions) to service_role;
grant execute on function public.itutor_event_json(public.session_events) to service_role;
grant execute on function public.itutor_connection_json(public.tutor_video_provider_connections) to service_role;
grant execute on function public.itutor_parse_uuid(text) to service_role;
grant execute on function public.itutor_insert_session(jsonb, jsonb) to service_role;
grant execute on function public.itutor_find_session(text) to service_role;
grant execute on function public.itutor_find_session_by_booking(text) to service_role;
grant execute on function public.itutor_apply_session_writes(jsonb) to service_role;
grant execute on function public.itutor_claim_sessions_for_settlement(timestamptz, integer, timestamptz, integer) to service_role;
grant execute on function public.itutor_find_provider_connection(text) to service_role;
grant execute on function public.itutor_find_provider_tokens(text) to service_role;
grant execute on function public.itutor_save_provider_connection(jsonb, jsonb, jsonb, integer) to service_role;
grant execute on function public.itutor_list_session_events(text) to service_role;
grant execute on function public.itutor_list_tutor_events(text) to service_role;
