-- iTutor Sessions: the repository functions behind the adapter's ports.
--
-- Both adapter paths call exactly these functions: the direct SQL path (node-postgres, PGlite) with
-- `select public.<fn>(...)`, the supabase-js path with `rpc('<fn>', ...)` (PostgREST's
-- `POST /rest/v1/rpc/<fn>`). Every state change is one function call, hence one statement-level
-- atomic step: the compare-and-set and its audit events (and its ledger changes) commit together or not
-- at all.
--
-- Rows cross the boundary as jsonb with the tables' own column names. Money goes out as text
-- ('150.00', never a JSON number, so no client parses it as a float) and comes in as text too.
-- Timestamps in JSON are printed in the function's TimeZone: every function that returns them runs
-- with TimeZone = 'UTC', so the answer is the same whatever the caller's session says (an offset such
-- as +13:45 would also move the last accepted instants into a five-digit year no client parses).
--
-- Only the server (service role) may call them: hosted Supabase grants EXECUTE on new functions in
-- public to anon and authenticated by default, so each function's grants follow it.

-- ---------------------------------------------------------------------------------------------------
-- Rows as JSON, and sessions.
-- ---------------------------------------------------------------------------------------------------

-- A session row as jsonb, with money as exact decimal text.
create function public.itutor_session_json(s public.sessions)
returns jsonb
language sql
stable
parallel safe
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select to_jsonb(s) || jsonb_build_object(
    'price_ttd', s.price_ttd::text,
    'charge_amount_ttd', s.charge_amount_ttd::text,
    'payout_amount_ttd', s.payout_amount_ttd::text,
    'platform_fee_ttd', s.platform_fee_ttd::text
  )
$$;

revoke all on function public.itutor_session_json(public.sessions) from public, anon, authenticated;
grant execute on function public.itutor_session_json(public.sessions) to service_role;

-- A session row as plain json (not jsonb) with money as exact decimal text, for the claim, which returns
-- hundreds of rows per call: building json is about three times cheaper than to_jsonb, which sorts and
-- deduplicates keys. Every column of public.sessions, named as the table names it (a test checks the
-- list against the table). No SET clause, so it inlines into its caller; its only caller (the claim)
-- runs with TimeZone = 'UTC', which fixes how the instants print.
create function public.itutor_session_row_json(s public.sessions)
returns json
language sql
stable
parallel safe
as $$
  select json_build_object(
    'id', s.id, 'booking_id', s.booking_id, 'tutor_id', s.tutor_id, 'student_id', s.student_id,
    'status', s.status, 'version', s.version,
    'scheduled_start_at', s.scheduled_start_at, 'scheduled_end_at', s.scheduled_end_at,
    'duration_minutes', s.duration_minutes, 'join_opens_at', s.join_opens_at,
    'no_show_wait_minutes', s.no_show_wait_minutes, 'min_payable_minutes', s.min_payable_minutes,
    'no_show_eligible_at', s.no_show_eligible_at, 'charge_scheduled_at', s.charge_scheduled_at,
    'price_ttd', s.price_ttd::text, 'currency', s.currency, 'provider', s.provider,
    'meeting_id', s.meeting_id, 'join_url', s.join_url,
    'student_joined_at', s.student_joined_at, 'tutor_joined_at', s.tutor_joined_at,
    'meeting_ended_at', s.meeting_ended_at, 'finalized_at', s.finalized_at, 'cancelled_by', s.cancelled_by,
    'charge_amount_ttd', s.charge_amount_ttd::text, 'payout_amount_ttd', s.payout_amount_ttd::text,
    'platform_fee_ttd', s.platform_fee_ttd::text, 'charge_status', s.charge_status,
    'charge_idempotency_key', s.charge_idempotency_key, 'charge_attempts', s.charge_attempts,
    'charge_reference', s.charge_reference, 'claimed_until', s.claimed_until,
    'created_at', s.created_at, 'updated_at', s.updated_at, 'last_write_id', s.last_write_id,
    'payout_timing', s.payout_timing
  )
$$;

revoke all on function public.itutor_session_row_json(public.sessions) from public, anon, authenticated;
grant execute on function public.itutor_session_row_json(public.sessions) to service_role;

-- An event row as jsonb; the bigint id goes out as text.
create function public.itutor_event_json(e public.session_events)
returns jsonb
language sql
stable
parallel safe
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select to_jsonb(e) || jsonb_build_object('id', e.id::text)
$$;

revoke all on function public.itutor_event_json(public.session_events) from public, anon, authenticated;
grant execute on function public.itutor_event_json(public.session_events) to service_role;

-- The uuid in `value`, or null when it is not a canonical uuid (lookups of malformed ids find nothing).
-- No `set search_path`, so it inlines into the lookups that use it; it references nothing but its
-- argument and built-in operators (see itutor_session_keeps_outcome).
create function public.itutor_parse_uuid(value text)
returns uuid
language sql
immutable
parallel safe
as $$
  select case
    when value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then value::uuid
  end
$$;

revoke all on function public.itutor_parse_uuid(text) from public, anon, authenticated;
grant execute on function public.itutor_parse_uuid(text) to service_role;

-- Inserts a session with its events unless one exists for the booking; then returns that one and
-- writes nothing. Safe when inserts for one booking race (the unique booking_id decides).
create function public.itutor_insert_session(p_session jsonb, p_events jsonb)
returns jsonb
language plpgsql
set search_path = ''
set "TimeZone" = 'UTC'
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

revoke all on function public.itutor_insert_session(jsonb, jsonb) from public, anon, authenticated;
grant execute on function public.itutor_insert_session(jsonb, jsonb) to service_role;

create function public.itutor_find_session(p_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select public.itutor_session_json(s) from public.sessions as s where s.id = public.itutor_parse_uuid(p_id)
$$;

revoke all on function public.itutor_find_session(text) from public, anon, authenticated;
grant execute on function public.itutor_find_session(text) to service_role;

create function public.itutor_find_session_by_booking(p_booking_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select public.itutor_session_json(s) from public.sessions as s where s.booking_id = p_booking_id
$$;

revoke all on function public.itutor_find_session_by_booking(text) from public, anon, authenticated;
grant execute on function public.itutor_find_session_by_booking(text) to service_role;

-- A session's events, oldest first.
create function public.itutor_list_session_events(p_session_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_event_json(e) order by e.id), '[]'::jsonb)
  from public.session_events as e
  where e.session_id = public.itutor_parse_uuid(p_session_id)
$$;

revoke all on function public.itutor_list_session_events(text) from public, anon, authenticated;
grant execute on function public.itutor_list_session_events(text) to service_role;

-- Every event about a tutor (their sessions and provider changes), oldest first.
create function public.itutor_list_tutor_events(p_tutor_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_event_json(e) order by e.id), '[]'::jsonb)
  from public.session_events as e
  where e.tutor_id = p_tutor_id
$$;

revoke all on function public.itutor_list_tutor_events(text) from public, anon, authenticated;
grant execute on function public.itutor_list_tutor_events(text) to service_role;

-- ---------------------------------------------------------------------------------------------------
-- Session writes: compare-and-set, events and ledger changes in one call.
-- ---------------------------------------------------------------------------------------------------

-- True when a ledger change is well-formed for the write of session p_session_id: a charge open or answer
-- (unknown, succeeded, failed or halted), a refund open or answer, a payout open, send (pending or
-- cancelled) or answer (unknown, succeeded, failed or halted), a dispute open or update, or a chargeback
-- open or update of that session.
-- No `set search_path`, so it inlines into its callers (each checks every change of a write with it);
-- it references nothing but its arguments and built-in operators (see itutor_session_keeps_outcome).
create function public.itutor_ledger_change_is_valid(p_change jsonb, p_session_id text)
returns boolean
language sql
immutable
as $$
  select case p_change ->> 'type'
    when 'open' then (p_change -> 'attempt' ->> 'session_id') is not distinct from p_session_id
    when 'answer' then (p_change ->> 'session_id') is not distinct from p_session_id
      and (p_change ->> 'status') in ('unknown', 'succeeded', 'failed', 'halted')
    when 'refund_open' then (p_change -> 'refund' ->> 'session_id') is not distinct from p_session_id
    when 'refund_answer' then (p_change ->> 'session_id') is not distinct from p_session_id
      and (p_change ->> 'status') in ('pending', 'unknown', 'succeeded', 'failed')
    when 'payout_open' then (p_change -> 'payout' ->> 'session_id') is not distinct from p_session_id
    when 'payout_send' then (p_change ->> 'session_id') is not distinct from p_session_id
      and (p_change ->> 'status') in ('pending', 'cancelled')
    when 'payout_answer' then (p_change ->> 'session_id') is not distinct from p_session_id
      and (p_change ->> 'status') in ('unknown', 'succeeded', 'failed', 'halted')
    when 'dispute_open' then (p_change -> 'dispute' ->> 'session_id') is not distinct from p_session_id
    when 'dispute_update' then (p_change -> 'dispute' ->> 'session_id') is not distinct from p_session_id
    when 'chargeback_open' then (p_change -> 'chargeback' ->> 'session_id') is not distinct from p_session_id
    when 'chargeback_update' then (p_change -> 'chargeback' ->> 'session_id') is not distinct from p_session_id
    else false
  end
$$;

revoke all on function public.itutor_ledger_change_is_valid(jsonb, text) from public, anon, authenticated;
grant execute on function public.itutor_ledger_change_is_valid(jsonb, text) to service_role;

-- One refund ledger change of a session write whose compare-and-set won (used by both apply paths).
create function public.itutor_apply_refund_change(p_change jsonb)
returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_change ->> 'type' = 'refund_open' then
    insert into public.session_refunds (
      session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency,
      status, reason, requested_by, gateway_reference, failure_code, calls, requested_at, answered_at
    )
    select
      r.session_id, r.refund, r.attempt, r.idempotency_key, r.amount_ttd, r.payout_ttd, r.fee_ttd, r.currency,
      r.status, r.reason, r.requested_by, r.gateway_reference, r.failure_code, r.calls, r.requested_at, r.answered_at
    from jsonb_populate_record(null::public.session_refunds, p_change -> 'refund') as r;
  else
    update public.session_refunds as r
    set
      status = p_change ->> 'status',
      gateway_reference = coalesce(p_change ->> 'gateway_reference', r.gateway_reference),
      failure_code = p_change ->> 'failure_code',
      answered_at = (p_change ->> 'answered_at')::timestamptz,
      calls = r.calls + 1,
      updated_at = now()
    where r.session_id = (p_change ->> 'session_id')::uuid and r.refund = (p_change ->> 'refund')::integer;
    if not found then
      raise exception 'a refund answer names a refund that does not exist' using errcode = 'foreign_key_violation';
    end if;
  end if;
end
$$;

revoke all on function public.itutor_apply_refund_change(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_apply_refund_change(jsonb) to service_role;

-- One payout ledger change of a session write whose compare-and-set won (payout_open, payout_send,
-- payout_answer; used by the single-write path). The rules are the trigger's (itutor_check_session_payout).
create function public.itutor_apply_payout_change(p_change jsonb)
returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_change ->> 'type' = 'payout_open' then
    insert into public.session_payouts (
      session_id, payout, idempotency_key, timing, amount_ttd, currency, status, due_at,
      gateway_reference, failure_code, calls, requested_at, sent_at, refunds_before, answered_at
    )
    select
      p.session_id, p.payout, p.idempotency_key, p.timing, p.amount_ttd, p.currency, p.status, p.due_at,
      p.gateway_reference, p.failure_code, p.calls, p.requested_at, p.sent_at, p.refunds_before, p.answered_at
    from jsonb_populate_record(null::public.session_payouts, p_change -> 'payout') as p;
  elsif p_change ->> 'type' = 'payout_send' then
    update public.session_payouts as p
    set
      status = p_change ->> 'status',
      amount_ttd = (p_change ->> 'amount_ttd')::numeric,
      sent_at = (p_change ->> 'sent_at')::timestamptz,
      refunds_before = (p_change ->> 'refunds_before')::integer,
      updated_at = now()
    where p.session_id = (p_change ->> 'session_id')::uuid and p.payout = (p_change ->> 'payout')::integer;
    if not found then
      raise exception 'a payout send names a payout that does not exist' using errcode = 'foreign_key_violation';
    end if;
  else
    update public.session_payouts as p
    set
      status = p_change ->> 'status',
      gateway_reference = coalesce(p_change ->> 'gateway_reference', p.gateway_reference),
      failure_code = p_change ->> 'failure_code',
      answered_at = (p_change ->> 'answered_at')::timestamptz,
      calls = p.calls + 1,
      updated_at = now()
    where p.session_id = (p_change ->> 'session_id')::uuid and p.payout = (p_change ->> 'payout')::integer;
    if not found then
      raise exception 'a payout answer names a payout that does not exist' using errcode = 'foreign_key_violation';
    end if;
  end if;
end
$$;

revoke all on function public.itutor_apply_payout_change(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_apply_payout_change(jsonb) to service_role;

-- One dispute ledger change of a session write whose compare-and-set won (dispute_open inserts the
-- session's one dispute, dispute_update stores its next state whole; used by the single-write path). The
-- rules are the trigger's (itutor_check_session_dispute): every column is written, so a change of one that
-- never changes is refused there, not silently dropped here.
create function public.itutor_apply_dispute_change(p_change jsonb)
returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_change ->> 'type' = 'dispute_open' then
    insert into public.session_disputes (
      session_id, status, reason, opened_by, opened_at, offer_ttd, resolution, refund_ttd,
      resolved_by, resolved_by_role, resolved_at, updated_at
    )
    select
      d.session_id, d.status, d.reason, d.opened_by, d.opened_at, d.offer_ttd, d.resolution, d.refund_ttd,
      d.resolved_by, d.resolved_by_role, d.resolved_at, d.updated_at
    from jsonb_populate_record(null::public.session_disputes, p_change -> 'dispute') as d;
  else
    update public.session_disputes as x
    set
      status = d.status, reason = d.reason, opened_by = d.opened_by, opened_at = d.opened_at,
      offer_ttd = d.offer_ttd, resolution = d.resolution, refund_ttd = d.refund_ttd,
      resolved_by = d.resolved_by, resolved_by_role = d.resolved_by_role, resolved_at = d.resolved_at,
      updated_at = d.updated_at
    from jsonb_populate_record(null::public.session_disputes, p_change -> 'dispute') as d
    where x.session_id = d.session_id;
    if not found then
      raise exception 'a dispute update names a dispute that does not exist' using errcode = 'foreign_key_violation';
    end if;
  end if;
end
$$;

revoke all on function public.itutor_apply_dispute_change(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_apply_dispute_change(jsonb) to service_role;

-- One chargeback ledger change of a session write whose compare-and-set won (chargeback_open inserts the
-- session's next chargeback, chargeback_update stores a chargeback's next state whole, matched by session
-- and number; used by the single-write path). The rules are the trigger's (itutor_check_session_chargeback):
-- every column is written, so a change of one that never changes is refused there, not silently dropped here.
create function public.itutor_apply_chargeback_change(p_change jsonb)
returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_change ->> 'type' = 'chargeback_open' then
    insert into public.session_chargebacks (
      session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, fee_ttd,
      funds_withdrawn_ttd, funds_reinstated_ttd, evidence_due_by, gateway_updated_at, loss_bearer,
      tutor_share_ttd, tutor_share, evidence, staged_evidence, evidence_staged_at, submitted_by, submitted_at,
      opened_at, closed_at, updated_at
    )
    select
      c.session_id, c.chargeback, c.attempt, c.reference, c.status, c.reason, c.amount_ttd, c.currency, c.fee_ttd,
      c.funds_withdrawn_ttd, c.funds_reinstated_ttd, c.evidence_due_by, c.gateway_updated_at, c.loss_bearer,
      c.tutor_share_ttd, c.tutor_share, c.evidence, c.staged_evidence, c.evidence_staged_at, c.submitted_by, c.submitted_at,
      c.opened_at, c.closed_at, c.updated_at
    from jsonb_populate_record(null::public.session_chargebacks, p_change -> 'chargeback') as c;
  else
    update public.session_chargebacks as x
    set
      attempt = c.attempt, reference = c.reference, status = c.status, reason = c.reason, amount_ttd = c.amount_ttd,
      currency = c.currency, fee_ttd = c.fee_ttd, funds_withdrawn_ttd = c.funds_withdrawn_ttd,
      funds_reinstated_ttd = c.funds_reinstated_ttd, evidence_due_by = c.evidence_due_by,
      gateway_updated_at = c.gateway_updated_at, loss_bearer = c.loss_bearer, tutor_share_ttd = c.tutor_share_ttd,
      tutor_share = c.tutor_share, evidence = c.evidence, staged_evidence = c.staged_evidence,
      evidence_staged_at = c.evidence_staged_at, submitted_by = c.submitted_by, submitted_at = c.submitted_at,
      opened_at = c.opened_at, closed_at = c.closed_at, updated_at = c.updated_at
    from jsonb_populate_record(null::public.session_chargebacks, p_change -> 'chargeback') as c
    where x.session_id = c.session_id and x.chargeback = c.chargeback;
    if not found then
      raise exception 'a chargeback update names a chargeback that does not exist' using errcode = 'foreign_key_violation';
    end if;
  end if;
end
$$;

revoke all on function public.itutor_apply_chargeback_change(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_apply_chargeback_change(jsonb) to service_role;

-- True when p_write, which lost its compare-and-set, is the session's last applied write sent again:
-- it carries a write id, and the session holds that id at the version the write made.
create function public.itutor_session_write_was_applied(p_write jsonb)
returns boolean
language sql
stable
set search_path = ''
as $$
  select p_write ->> 'write_id' is not null and exists (
    select 1
    from public.sessions as s
    where s.id = (p_write -> 'session' ->> 'id')::uuid
      and s.last_write_id = (p_write ->> 'write_id')::uuid
      and s.version = (p_write -> 'session' ->> 'version')::integer
  )
$$;

comment on function public.itutor_session_write_was_applied(jsonb) is
  'True when a write that lost its compare-and-set is the session''s last applied write sent again (same write id, at the version it made).';

revoke all on function public.itutor_session_write_was_applied(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_session_write_was_applied(jsonb) to service_role;

-- The single-write path: one compare-and-set with its events, then each ledger change in order (charge
-- opens and answers, refund opens and answers, payout opens, sends and answers, dispute opens and
-- updates, chargeback opens and updates), validated before anything is written. Sets last_write_id; a lost write that is the retry of
-- the last applied one answers true and writes nothing.
create function public.itutor_apply_session_write(p_write jsonb)
returns boolean
language plpgsql
set search_path = ''
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
declare
  n public.sessions;
  v_change jsonb;
begin
  if jsonb_typeof(p_write) is distinct from 'object' then
    raise exception 'each write must be a jsonb object' using errcode = 'invalid_parameter_value';
  end if;
  if p_write -> 'partial' = 'true'::jsonb then
    -- A partial session (the adapter's writes that carry `previous`): the columns it names, the rest as
    -- stored. The compare-and-set below still decides: a row changed since is at another version.
    select r.* into n
    from public.sessions as s
    cross join lateral jsonb_populate_record(s, p_write -> 'session') as r
    where s.id = (p_write -> 'session' ->> 'id')::uuid;
  end if;
  if n.id is null then
    n := jsonb_populate_record(null::public.sessions, p_write -> 'session');
  end if;
  -- The ledger changes must be well-formed changes of this write's session (checked before anything is written).
  if exists (
    select 1
    from jsonb_array_elements(coalesce(nullif(p_write -> 'ledger', 'null'::jsonb), '[]'::jsonb)) as l
    where not public.itutor_ledger_change_is_valid(l, (n.id)::text)
  ) then
    raise exception 'every ledger change must be a charge open or answer, a refund open or answer, a payout open, send or answer, a dispute open or update, or a chargeback open or update, of its write''s session'
      using errcode = 'invalid_parameter_value';
  end if;

  update public.sessions as s
  set
    booking_id = n.booking_id, tutor_id = n.tutor_id, student_id = n.student_id, status = n.status,
    version = n.version, scheduled_start_at = n.scheduled_start_at, scheduled_end_at = n.scheduled_end_at,
    duration_minutes = n.duration_minutes, join_opens_at = n.join_opens_at,
    no_show_wait_minutes = n.no_show_wait_minutes, min_payable_minutes = n.min_payable_minutes,
    no_show_eligible_at = n.no_show_eligible_at, charge_scheduled_at = n.charge_scheduled_at,
    price_ttd = n.price_ttd, currency = n.currency, provider = n.provider, meeting_id = n.meeting_id,
    join_url = n.join_url, student_joined_at = n.student_joined_at, tutor_joined_at = n.tutor_joined_at,
    meeting_ended_at = n.meeting_ended_at, finalized_at = n.finalized_at, cancelled_by = n.cancelled_by,
    charge_amount_ttd = n.charge_amount_ttd, payout_amount_ttd = n.payout_amount_ttd,
    platform_fee_ttd = n.platform_fee_ttd, charge_status = n.charge_status,
    charge_idempotency_key = n.charge_idempotency_key, charge_attempts = n.charge_attempts,
    charge_reference = n.charge_reference, claimed_until = n.claimed_until,
    created_at = n.created_at, updated_at = n.updated_at, payout_timing = n.payout_timing,
    last_write_id = (p_write ->> 'write_id')::uuid
  where s.id = n.id
    and s.version = (p_write ->> 'expected_version')::integer
    and n.version > s.version
    and (s.status in ('SCHEDULED', 'JOIN_OPEN') or public.itutor_session_keeps_outcome(s, n));
  if not found then
    -- Lost, or the retry of the write that made the stored version (its reply was lost): then it won
    -- before, and nothing is written again.
    return public.itutor_session_write_was_applied(p_write);
  end if;

  insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
  select e.session_id, e.tutor_id, e.type, e.actor, e.occurred_at, coalesce(e.payload, '{}'::jsonb)
  from jsonb_populate_recordset(null::public.session_events, coalesce(nullif(p_write -> 'events', 'null'::jsonb), '[]'::jsonb))
    with ordinality as e
  order by e.ordinality;

  for v_change in select l from jsonb_array_elements(coalesce(nullif(p_write -> 'ledger', 'null'::jsonb), '[]'::jsonb)) as l loop
    if v_change ->> 'type' in ('refund_open', 'refund_answer') then
      perform public.itutor_apply_refund_change(v_change);
    elsif v_change ->> 'type' in ('payout_open', 'payout_send', 'payout_answer') then
      perform public.itutor_apply_payout_change(v_change);
    elsif v_change ->> 'type' in ('dispute_open', 'dispute_update') then
      perform public.itutor_apply_dispute_change(v_change);
    elsif v_change ->> 'type' in ('chargeback_open', 'chargeback_update') then
      perform public.itutor_apply_chargeback_change(v_change);
    elsif v_change ->> 'type' = 'open' then
      insert into public.session_charges (
        session_id, attempt, idempotency_key, outcome,
        charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
        status, gateway_reference, failure_code, calls, requested_at, answered_at
      )
      select
        a.session_id, a.attempt, a.idempotency_key, a.outcome,
        a.charge_amount_ttd, a.payout_amount_ttd, a.platform_fee_ttd, a.currency,
        a.status, a.gateway_reference, a.failure_code, a.calls, a.requested_at, a.answered_at
      from jsonb_populate_record(null::public.session_charges, v_change -> 'attempt') as a;
    else
      update public.session_charges as c
      set
        status = v_change ->> 'status',
        gateway_reference = coalesce(v_change ->> 'gateway_reference', c.gateway_reference),
        failure_code = v_change ->> 'failure_code',
        answered_at = (v_change ->> 'answered_at')::timestamptz,
        calls = c.calls + 1,
        updated_at = now()
      where c.session_id = (v_change ->> 'session_id')::uuid and c.attempt = (v_change ->> 'attempt')::integer;
      if not found then
        raise exception 'a ledger answer names a charge attempt that does not exist'
          using errcode = 'foreign_key_violation';
      end if;
    end if;
  end loop;
  return true;
end
$$;

comment on function public.itutor_apply_session_write(jsonb) is
  'The single-write path of itutor_apply_session_writes: one compare-and-set with its events, charge, refund, payout, dispute and chargeback ledger changes.';

revoke all on function public.itutor_apply_session_write(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_apply_session_write(jsonb) to service_role;

-- The set-based batch statement, for writes whose ledger changes are charge opens and answers, and the
-- payout opens of charges that succeed (after_review sessions, issue #23): a validation pass over the whole
-- batch, then one statement of CTEs. Sets last_write_id; lost writes that are retries of the last applied
-- ones answer true (looked up only when some write lost). The payout opens are inserted after the answers,
-- as a statement of their own: the payout rule asks for the session's succeeded attempt, which the answer
-- records. A batch without one (every with_charge settlement) never reads for them.
--
-- It keeps one generic plan per connection. The answers are applied as a statement of their own on the
-- ledger alone, not as an UPDATE of session_charges joined with the batch's answers inside the batch
-- statement: a plan made while the ledger was empty (a new installation's first settlement, or any run
-- before the first ANALYZE of the ledger) could put a full scan of the ledger's primary key on the outer
-- side of that join and scan the batch's answers once per ledger row, so that a batch's cost grew with
-- the whole ledger for as long as the connection lived. The attempts are reached through the primary key
-- by the answered sessions' ids (session_id = any(...)), each takes its answer from a map keyed by
-- (session, attempt), and an answer naming no attempt fails the whole batch with foreign_key_violation.
create function public.itutor_apply_charge_writes_in_batch(p_writes jsonb)
returns jsonb
language plpgsql
set search_path = ''
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
declare
  v_result jsonb;
  v_write jsonb;
  v_answers integer;
  v_answered integer;
  v_answer_ids uuid[];
  v_answer_map jsonb;
  v_bad boolean;
  v_repeated_sessions boolean;
  v_repeated_attempts boolean;
  v_payout_opens boolean;
  v_payouts jsonb;
begin
  if jsonb_typeof(p_writes) is distinct from 'array' then
    raise exception 'p_writes must be a jsonb array' using errcode = 'invalid_parameter_value';
  end if;

  -- One pass over the batch: are the ledger changes well-formed, does a session appear in several
  -- writes, does a write change one attempt twice (or open two payouts), does any open a payout?
  select
    coalesce(bool_or(c.bad), false),
    count(distinct w.ord) <> count(distinct coalesce(w.session_id, '#' || w.ord)),
    count(c.attempt_key) <> count(distinct c.attempt_key),
    coalesce(bool_or(c.payout_open), false)
  into v_bad, v_repeated_sessions, v_repeated_attempts, v_payout_opens
  from (
    select x.ord, x.w, x.w -> 'session' ->> 'id' as session_id
    from jsonb_array_elements(p_writes) with ordinality as x (w, ord)
  ) as w
  left join lateral (
    select
      case l ->> 'type'
        when 'open' then (l -> 'attempt' ->> 'session_id') is distinct from w.session_id
        when 'answer' then (l ->> 'session_id') is distinct from w.session_id
          or (l ->> 'status') is null or (l ->> 'status') not in ('unknown', 'succeeded', 'failed', 'halted')
        when 'payout_open' then (l -> 'payout' ->> 'session_id') is distinct from w.session_id
        else true
      end as bad,
      w.session_id || '#' || coalesce(l -> 'attempt' ->> 'attempt', l ->> 'attempt', '') as attempt_key,
      l ->> 'type' = 'payout_open' as payout_open
    from jsonb_array_elements(coalesce(nullif(w.w -> 'ledger', 'null'::jsonb), '[]'::jsonb)) as l
  ) as c on true;

  if v_bad then
    raise exception 'every ledger change must be an open or an answer (unknown, succeeded, failed or halted), or a payout open, of its write''s session'
      using errcode = 'invalid_parameter_value';
  end if;

  -- Several writes for one session in a batch depend on each other, and a write whose ledger changes
  -- the same attempt twice (say, opens it and answers it), or opens two payouts, needs its changes one
  -- after another: apply such batches one write after another through the single-write path (which
  -- applies a write's ledger changes in order).
  if v_repeated_sessions or v_repeated_attempts then
    v_result := '[]'::jsonb;
    for v_write in select w from jsonb_array_elements(p_writes) as w loop
      v_result := v_result || jsonb_build_array(public.itutor_apply_session_write(v_write));
    end loop;
    return v_result;
  end if;

  with input as materialized (
    select
      x.ord,
      (x.w ->> 'expected_version')::integer as expected_version,
      (x.w ->> 'write_id')::uuid as write_id,
      x.w -> 'events' as events,
      coalesce(nullif(x.w -> 'ledger', 'null'::jsonb), '[]'::jsonb) as ledger,
      -- A partial session (see itutor_apply_session_write): the columns it names onto the stored row.
      case when x.w -> 'partial' = 'true'::jsonb and p.id is not null
        then jsonb_populate_record(p, x.w -> 'session')
        else jsonb_populate_record(null::public.sessions, x.w -> 'session')
      end as n
    from jsonb_array_elements(p_writes) with ordinality as x (w, ord)
    left join public.sessions as p
      on x.w -> 'partial' = 'true'::jsonb and p.id = (x.w -> 'session' ->> 'id')::uuid
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
      updated_at = (i.n).updated_at,
      payout_timing = (i.n).payout_timing,
      last_write_id = i.write_id
    from input as i
    where s.id = (i.n).id
      and s.version = i.expected_version
      and (i.n).version > s.version
      and (s.status in ('SCHEDULED', 'JOIN_OPEN') or public.itutor_session_keeps_outcome(s, i.n))
    returning s.id
  ),
  won as (
    -- The writes whose compare-and-set won.
    select i.ord, (i.n).id as id, i.events, i.ledger
    from input as i
    where exists (select 1 from updated as u where u.id = (i.n).id)
  ),
  appended as (
    insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
    select e.session_id, e.tutor_id, e.type, e.actor, e.occurred_at, coalesce(e.payload, '{}'::jsonb)
    from won as w
    cross join lateral jsonb_populate_recordset(null::public.session_events, coalesce(w.events, '[]'::jsonb))
      with ordinality as e
    order by w.ord, e.ordinality
  ),
  changes as materialized (
    select w.ord, l.ord as change_ord, l.change
    from won as w
    cross join lateral jsonb_array_elements(w.ledger) with ordinality as l (change, ord)
  ),
  opened as (
    insert into public.session_charges (
      session_id, attempt, idempotency_key, outcome,
      charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
      status, gateway_reference, failure_code, calls, requested_at, answered_at
    )
    select
      a.session_id, a.attempt, a.idempotency_key, a.outcome,
      a.charge_amount_ttd, a.payout_amount_ttd, a.platform_fee_ttd, a.currency,
      a.status, a.gateway_reference, a.failure_code, a.calls, a.requested_at, a.answered_at
    from changes as c
    cross join lateral jsonb_populate_record(null::public.session_charges, c.change -> 'attempt') as a
    where c.change ->> 'type' = 'open'
    order by c.ord, c.change_ord
    returning 1
  ),
  answers as materialized (
    select
      (c.change ->> 'session_id')::uuid as session_id,
      (c.change ->> 'attempt')::integer as attempt,
      c.change
    from changes as c
    where c.change ->> 'type' = 'answer'
  )
  select
    coalesce(jsonb_agg(w.ord is not null order by i.ord), '[]'::jsonb),
    (select coalesce(array_agg(distinct a.session_id), '{}') from answers as a),
    (select coalesce(jsonb_object_agg(a.session_id::text || '#' || a.attempt::text, a.change), '{}'::jsonb) from answers as a),
    (select count(*) from answers),
    case when v_payout_opens then (
      select jsonb_agg(c.change -> 'payout' order by c.ord, c.change_ord) from changes as c where c.change ->> 'type' = 'payout_open'
    ) end
  into v_result, v_answer_ids, v_answer_map, v_answers, v_payouts
  from input as i
  left join won as w on w.ord = i.ord;

  -- The answers of the writes that won, as their own statement on the ledger alone (see the comment above the function).
  if v_answers > 0 then
    update public.session_charges as c
    set
      status = v_answer_map -> (c.session_id::text || '#' || c.attempt::text) ->> 'status',
      gateway_reference = coalesce(v_answer_map -> (c.session_id::text || '#' || c.attempt::text) ->> 'gateway_reference', c.gateway_reference),
      failure_code = v_answer_map -> (c.session_id::text || '#' || c.attempt::text) ->> 'failure_code',
      answered_at = (v_answer_map -> (c.session_id::text || '#' || c.attempt::text) ->> 'answered_at')::timestamptz,
      calls = c.calls + 1,
      updated_at = now()
    where c.session_id = any (v_answer_ids)
      and v_answer_map ? (c.session_id::text || '#' || c.attempt::text);
    get diagnostics v_answered = row_count;
    if v_answered <> v_answers then
      raise exception 'a ledger answer names a charge attempt that does not exist'
        using errcode = 'foreign_key_violation';
    end if;
  end if;

  -- The payouts the writes that won open, after the answers whose success they pay out from.
  if v_payouts is not null then
    insert into public.session_payouts (
      session_id, payout, idempotency_key, timing, amount_ttd, currency, status, due_at,
      gateway_reference, failure_code, calls, requested_at, sent_at, refunds_before, answered_at
    )
    select
      p.session_id, p.payout, p.idempotency_key, p.timing, p.amount_ttd, p.currency, p.status, p.due_at,
      p.gateway_reference, p.failure_code, p.calls, p.requested_at, p.sent_at, p.refunds_before, p.answered_at
    from jsonb_populate_recordset(null::public.session_payouts, v_payouts) as p;
  end if;

  -- Lost writes that are retries of the sessions' last applied writes won before: answer true (their
  -- events and ledger changes were written then, not again now). Looked up only when a write lost.
  if v_result @> '[false]'::jsonb then
    select coalesce(jsonb_agg((v_result -> (x.ord - 1)::integer)::boolean or public.itutor_session_write_was_applied(x.w) order by x.ord), '[]'::jsonb)
    into v_result
    from jsonb_array_elements(p_writes) with ordinality as x (w, ord);
  end if;
  return v_result;
end
$$;

comment on function public.itutor_apply_charge_writes_in_batch(jsonb) is
  'The set-based batch statement for writes whose ledger changes are charge opens and answers, and payout opens.';

revoke all on function public.itutor_apply_charge_writes_in_batch(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_apply_charge_writes_in_batch(jsonb) to service_role;

-- The batch path (two or more writes): the set-based statement (itutor_apply_charge_writes_in_batch)
-- handles charge changes and payout opens (what a settlement writes); a batch with any other change — a
-- refund, a payout sent or answered, a dispute step, a chargeback opened or changed: rare, they come one
-- at a time from a person, a webhook or the payout run — goes through the single-write path, one write after another (each its own compare-and-set,
-- in order; an error fails the whole batch, as the statement would).
create function public.itutor_apply_session_writes_in_batch(p_writes jsonb)
returns jsonb
language plpgsql
set search_path = ''
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
declare
  v_result jsonb := '[]'::jsonb;
  v_write jsonb;
begin
  if jsonb_typeof(p_writes) is distinct from 'array' then
    raise exception 'p_writes must be a jsonb array' using errcode = 'invalid_parameter_value';
  end if;
  if not exists (
    select 1
    from jsonb_array_elements(p_writes) as w
    cross join lateral jsonb_array_elements(
      case when jsonb_typeof(w -> 'ledger') = 'array' then w -> 'ledger' else '[]'::jsonb end
    ) as l
    where l ->> 'type' not in ('open', 'answer', 'payout_open')
  ) then
    return public.itutor_apply_charge_writes_in_batch(p_writes);
  end if;
  -- Validate every change of every write before anything is written (as the statement does).
  if exists (
    select 1
    from jsonb_array_elements(p_writes) as w
    cross join lateral jsonb_array_elements(coalesce(nullif(w -> 'ledger', 'null'::jsonb), '[]'::jsonb)) as l
    where not public.itutor_ledger_change_is_valid(l, w -> 'session' ->> 'id')
  ) then
    raise exception 'every ledger change must be a charge open or answer, a refund open or answer, a payout open, send or answer, a dispute open or update, or a chargeback open or update, of its write''s session'
      using errcode = 'invalid_parameter_value';
  end if;
  for v_write in select w from jsonb_array_elements(p_writes) as w loop
    v_result := v_result || jsonb_build_array(public.itutor_apply_session_write(v_write));
  end loop;
  return v_result;
end
$$;

comment on function public.itutor_apply_session_writes_in_batch(jsonb) is
  'The batch path of itutor_apply_session_writes (two or more writes): the set-based statement for charge changes and payout opens, the single-write path one by one for a batch with any other change.';

revoke all on function public.itutor_apply_session_writes_in_batch(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_apply_session_writes_in_batch(jsonb) to service_role;

-- The entry point the adapters call: applies session writes (compare-and-set, events, ledger changes) and
-- answers a jsonb array of booleans, one per write, in order. One write, one short path: a single write
-- (a join, a no-show, a cancellation, an answer recorded from a webhook) does not run the batch
-- statement, which is built for hundreds of writes (a validation pass over the whole batch, then one
-- statement of nine CTEs); measured on the PostgreSQL server, a single join write took 3–4 ms through it
-- and under 1 ms through the plain statements of itutor_apply_session_write, and a no-show (open attempt,
-- charge, answer) less than half as long end to end. Same contract on both paths, same checks, same
-- order of effects: the compare-and-set (version equal, new version greater, a final session keeps its
-- outcome), then the events in order, then each ledger change in order (an answer naming no attempt
-- raises foreign_key_violation; a ledger change that is not an open or answer of this write's session
-- raises invalid_parameter_value before anything is written). A lost compare-and-set writes nothing and
-- answers false — or true when it is the retry of the session's last applied write (a write id).
-- A write with `"partial": true` carries a partial session: its id, version and claimed_until, and the
-- columns the write changes; every other column keeps its stored value (the adapters send one for a write
-- that says which session it was made from, `SessionWrite.previous`: a smaller payload to parse).
create function public.itutor_apply_session_writes(p_writes jsonb)
returns jsonb
language plpgsql
set search_path = ''
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
begin
  if jsonb_typeof(p_writes) = 'array' and jsonb_array_length(p_writes) = 1 then
    return jsonb_build_array(public.itutor_apply_session_write(p_writes -> 0));
  end if;
  return public.itutor_apply_session_writes_in_batch(p_writes);
end
$$;

comment on function public.itutor_apply_session_writes(jsonb) is
  'Applies session writes (compare-and-set, events, ledger changes); answers one boolean per write. One write takes itutor_apply_session_write, more take itutor_apply_session_writes_in_batch.';

revoke all on function public.itutor_apply_session_writes(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_apply_session_writes(jsonb) to service_role;

-- a write that only records charge answers may commit without waiting for its WAL to
-- reach the disk.
--
-- Why. Charging takes two commits: the attempt (with the session's outcome) before the gateway is
-- called, its answer after. The first must be durable: if it were lost after the gateway took the
-- money, the session could settle again under another outcome, and so under another idempotency key.
-- The second need not be. An answer the server loses in a crash (at most the last few hundred
-- milliseconds of commits: wal_writer_delay, three times over at worst) leaves the attempt as the first
-- commit wrote it, pending, and the settlement's retry asks the gateway again under the same idempotency
-- key, which answers what it answered before without taking money again. That is the state a crash of
-- the SDK's own process between the gateway's answer and this write leaves, which the SDK is built and
-- tested for: no new state, only a new way of reaching one. Not waiting for the flush saves a disk
-- flush on every answer: the second commit of a no-show marked by a tutor (the one in the request's
-- path), and of every answer batch a settlement run writes.
--
-- What. `itutor_apply_charge_answers(p_writes)` takes the same writes as itutor_apply_session_writes and
-- answers the same, but only writes whose ledger changes are all charge answers (type 'answer', at
-- least one): anything else (an attempt opened, a refund, no ledger change) is refused with 22023 and
-- nothing is written. It sets synchronous_commit = off for the rest of its transaction (SET LOCAL), so
-- it is for callers whose call is the whole transaction: the SQL adapter calls it only over a
-- node-postgres Pool, where every query is its own transaction. Inside a longer transaction (a Client
-- its owner also uses for BEGIN … COMMIT) the setting would also cover the owner's own writes: callers
-- there keep calling itutor_apply_session_writes.
create function public.itutor_apply_charge_answers(p_writes jsonb)
returns jsonb
language plpgsql
set search_path = ''
set "TimeZone" = 'UTC'
as $$
begin
  if jsonb_typeof(p_writes) is distinct from 'array' or jsonb_array_length(p_writes) = 0 or exists (
    select 1
    from jsonb_array_elements(p_writes) as w (write)
    where jsonb_typeof(w.write -> 'ledger') is distinct from 'array'
      or jsonb_array_length(w.write -> 'ledger') = 0
      or exists (
        select 1 from jsonb_array_elements(w.write -> 'ledger') as l (change)
        where l.change ->> 'type' is distinct from 'answer'
      )
  ) then
    raise exception 'itutor_apply_charge_answers takes writes whose ledger changes are all charge answers'
      using errcode = '22023';
  end if;
  perform set_config('synchronous_commit', 'off', true);
  return public.itutor_apply_session_writes(p_writes);
end
$$;

comment on function public.itutor_apply_charge_answers(jsonb) is
  'itutor_apply_session_writes for writes that only record charge answers, committed without waiting for the WAL flush (synchronous_commit off for its transaction): a lost answer is asked again under the same idempotency key. Only for calls that are their own transaction.';

revoke all on function public.itutor_apply_charge_answers(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_apply_charge_answers(jsonb) to service_role;

-- ---------------------------------------------------------------------------------------------------
-- Settlement: the claims and the attention list over the work list.
-- ---------------------------------------------------------------------------------------------------

-- Claims up to p_limit sessions needing settlement work, only when not leased (claimed_until null or
-- <= p_now), both groups from the work list's 'cron' entries due by p_now:
--   first, non-final sessions due at p_now, oldest (due_at, id) first, after the cursor (p_after_at,
--   p_after_id) when one is given: returned as they are, without a lease and without a row lock (no
--   write at all: settling them is a compare-and-set on their version, so a run that races another for
--   the same due session simply loses it; one run pages through the due list with the cursor, so its
--   own claim loops never overlap). With p_lease_due they are locked and leased until p_claim_until
--   like the charges to collect (a run whose settling calls out, such as reconciliation asking the
--   video provider, so that concurrent runs do not ask twice);
--   then, with what is left of p_limit, final sessions whose charge is still to be collected
--   (charge_status 'pending'), oldest first, leased until p_claim_until (FOR UPDATE SKIP LOCKED: two
--   runs never send the same charge at once). A charge failed for good ('failed') is never claimed (the
--   cap on attempts is the core's policy).
-- Each group is one ordered scan of session_work's primary key for the 'cron' kind that stops at its
-- LIMIT, joined to sessions by primary key: the cost depends on p_limit, not on the size of either
-- table (a charge to collect is due by the time it is to be collected: see itutor_session_work_due_at).
-- The session's own status / charge status are checked again (the sessions are the truth). Custom
-- plans: each statement is planned with the actual p_now and limit. Sorts and bitmap scans are off
-- inside the function: with them a planner short of statistics (a work list not yet analyzed) may fetch
-- every due entry and sort it, where the ordered index scan stops at the limit. Sequential scans are off
-- too: told that sessions is empty (never analyzed, or analyzed while empty), the planner joined the
-- lease's picked ids to a Seq Scan of the whole table; with them off the lease reaches each session by
-- its primary key whatever the statistics say (test/server/empty-stats-plans.server.test.ts). The lease
-- does not change version. Returns plain json (see itutor_session_row_json), due sessions first.
create function public.itutor_claim_sessions_for_settlement(
  p_now timestamptz,
  p_limit integer,
  p_claim_until timestamptz,
  p_after_at timestamptz default null,
  p_after_id uuid default null,
  p_lease_due boolean default false
)
returns json
language plpgsql
set search_path = ''
set plan_cache_mode = force_custom_plan
set enable_sort = off
set enable_bitmapscan = off
set enable_seqscan = off
set "TimeZone" = 'UTC'
as $$
declare
  v_limit integer := greatest(coalesce(p_limit, 0), 0);
  v_due_count integer;
  v_due json;
  v_due_ids uuid[] := '{}';
  v_retry_ids uuid[];
  v_retry json;
begin
  if v_limit = 0 then
    return '[]'::json;
  end if;

  if p_lease_due then
    -- Due sessions leased too (a run whose settling calls out, e.g. to ask the video provider for the
    -- meeting's end): locked and leased like the charges to collect, so concurrent runs never get the same.
    select coalesce(array_agg(d.id order by d.due_at, d.id), '{}')
    into v_due_ids
    from (
      select s.id, w.due_at
      from public.session_work as w
      join public.sessions as s on s.id = w.session_id
      where w.kind = 'cron'
        and w.due_at <= p_now
        and (w.due_at, w.session_id) > (coalesce(p_after_at, '-infinity'::timestamptz), coalesce(p_after_id, '00000000-0000-0000-0000-000000000000'::uuid))
        and s.status in ('SCHEDULED', 'JOIN_OPEN')
        and (s.claimed_until is null or s.claimed_until <= p_now)
      order by w.due_at, w.session_id
      limit v_limit
      for update of s skip locked
    ) as d;
    v_due_count := cardinality(v_due_ids);
    v_due := '[]'::json;
  else
    -- The due sessions, read in one statement with their rows (what is returned is what was checked).
    -- No cursor: from the start of the list ('-infinity' sorts before every due time).
    select count(*)::integer, coalesce(json_agg(d.row_json order by d.due_at, d.id), '[]'::json)
    into v_due_count, v_due
    from (
      select s.id, w.due_at, public.itutor_session_row_json(s) as row_json
      from public.session_work as w
      join public.sessions as s on s.id = w.session_id
      where w.kind = 'cron'
        and w.due_at <= p_now
        and (w.due_at, w.session_id) > (coalesce(p_after_at, '-infinity'::timestamptz), coalesce(p_after_id, '00000000-0000-0000-0000-000000000000'::uuid))
        and s.status in ('SCHEDULED', 'JOIN_OPEN')
        and (s.claimed_until is null or s.claimed_until <= p_now)
      order by w.due_at, w.session_id
      limit v_limit
    ) as d;
  end if;

  if v_due_count = v_limit and not p_lease_due then
    return v_due;
  end if;

  select coalesce(array_agg(r.id order by r.due_at, r.id), '{}')
  into v_retry_ids
  from (
    select s.id, w.due_at
    from public.session_work as w
    join public.sessions as s on s.id = w.session_id
    where w.kind = 'cron'
      and w.due_at <= p_now
      and s.charge_status = 'pending'
      and public.itutor_is_final_status(s.status)
      and (s.claimed_until is null or s.claimed_until <= p_now)
    order by w.due_at, w.session_id
    limit v_limit - v_due_count
    for update of s skip locked
  ) as r;
  if p_lease_due then
    v_retry_ids := v_due_ids || v_retry_ids;
  end if;

  -- The lease, by primary key (a join with the picked ids, never a scan of the table), returning the
  -- rows as plain json in claim order.
  with claimed as (
    update public.sessions as s
    set claimed_until = p_claim_until
    from unnest(v_retry_ids) with ordinality as p (id, ord)
    where s.id = p.id
    returning p.ord, public.itutor_session_row_json(s) as row_json
  )
  select json_agg(c.row_json order by c.ord)
  into v_retry
  from claimed as c;

  if p_lease_due then
    return coalesce(v_retry, '[]'::json);
  elsif v_retry is null then
    return v_due;
  elsif v_due_count = 0 then
    return v_retry;
  end if;
  -- Both groups (a run's last due sessions and its first charges to collect): one array.
  return (left(v_due::text, -1) || ',' || substr(v_retry::text, 2))::json;
end
$$;

revoke all on function public.itutor_claim_sessions_for_settlement(timestamptz, integer, timestamptz, timestamptz, uuid, boolean) from public, anon, authenticated;
grant execute on function public.itutor_claim_sessions_for_settlement(timestamptz, integer, timestamptz, timestamptz, uuid, boolean) to service_role;

-- Sessions whose charge failed for good (charge_status 'failed'): a person must look at them. Oldest
-- charge_scheduled_at first, at most p_limit; one ordered scan of the work list's 'failed' kind.
create function public.itutor_list_sessions_needing_attention(p_limit integer)
returns jsonb
language sql
stable
set search_path = ''
set enable_sort = off
set enable_bitmapscan = off
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_session_json(f) order by f.charge_scheduled_at, f.id), '[]'::jsonb)
  from (
    select s.*
    from public.session_work as w
    join public.sessions as s on s.id = w.session_id
    where w.kind = 'failed'
      and s.charge_status = 'failed'
    order by w.due_at, w.session_id
    limit greatest(coalesce(p_limit, 0), 0)
  ) as f
$$;

revoke all on function public.itutor_list_sessions_needing_attention(integer) from public, anon, authenticated;
grant execute on function public.itutor_list_sessions_needing_attention(integer) to service_role;

-- Rebuilds the work list from sessions (after writes made with triggers off). Returns the rows it
-- holds afterwards.
create function public.itutor_rebuild_session_work()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count bigint;
begin
  lock table public.session_work in exclusive mode;
  delete from public.session_work;
  insert into public.session_work (kind, due_at, session_id)
  select k, public.itutor_session_work_due_at(k, s.status, s.charge_scheduled_at, s.finalized_at), s.id
  from public.sessions as s, unnest(public.itutor_session_work_kinds(s.status, s.charge_status)) as k;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

revoke all on function public.itutor_rebuild_session_work() from public, anon, authenticated;
grant execute on function public.itutor_rebuild_session_work() to service_role;

-- ---------------------------------------------------------------------------------------------------
-- The ledger's reads.
-- ---------------------------------------------------------------------------------------------------

-- A ledger row as jsonb, with money as exact decimal text.
create function public.itutor_charge_json(c public.session_charges)
returns jsonb
language sql
stable
parallel safe
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select to_jsonb(c) || jsonb_build_object(
    'charge_amount_ttd', c.charge_amount_ttd::text,
    'payout_amount_ttd', c.payout_amount_ttd::text,
    'platform_fee_ttd', c.platform_fee_ttd::text
  )
$$;

revoke all on function public.itutor_charge_json(public.session_charges) from public, anon, authenticated;
grant execute on function public.itutor_charge_json(public.session_charges) to service_role;

-- A session's ledger attempts, oldest attempt first.
create function public.itutor_list_session_charges(p_session_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_charge_json(c) order by c.attempt), '[]'::jsonb)
  from public.session_charges as c
  where c.session_id = public.itutor_parse_uuid(p_session_id)
$$;

revoke all on function public.itutor_list_session_charges(text) from public, anon, authenticated;
grant execute on function public.itutor_list_session_charges(text) to service_role;

-- A refund row as jsonb, with money as exact decimal text.
create function public.itutor_refund_json(r public.session_refunds)
returns jsonb
language sql
stable
parallel safe
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select to_jsonb(r) || jsonb_build_object(
    'amount_ttd', r.amount_ttd::text,
    'payout_ttd', r.payout_ttd::text,
    'fee_ttd', r.fee_ttd::text
  )
$$;

revoke all on function public.itutor_refund_json(public.session_refunds) from public, anon, authenticated;
grant execute on function public.itutor_refund_json(public.session_refunds) to service_role;

-- A session's refunds, by number.
create function public.itutor_list_session_refunds(p_session_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_refund_json(r) order by r.refund), '[]'::jsonb)
  from public.session_refunds as r
  where r.session_id = public.itutor_parse_uuid(p_session_id)
$$;

revoke all on function public.itutor_list_session_refunds(text) from public, anon, authenticated;
grant execute on function public.itutor_list_session_refunds(text) to service_role;

-- Refunds to send again under their own key: answer unknown, or never answered; last answered (or, without
-- an answer, opened) at or before p_before; oldest requested_at first, at most p_limit.
create function public.itutor_list_refunds_to_retry(p_before timestamptz, p_limit integer)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_refund_json(d) order by d.requested_at, d.session_id, d.refund), '[]'::jsonb)
  from (
    select r.*
    from public.session_refunds as r
    where (r.status = 'unknown' or (r.status = 'pending' and r.answered_at is null))
      and coalesce(r.answered_at, r.requested_at) <= p_before
    order by r.requested_at, r.session_id, r.refund
    limit greatest(coalesce(p_limit, 0), 0)
  ) as d
$$;

revoke all on function public.itutor_list_refunds_to_retry(timestamptz, integer) from public, anon, authenticated;
grant execute on function public.itutor_list_refunds_to_retry(timestamptz, integer) to service_role;

-- A payout row as jsonb, with money as exact decimal text.
create function public.itutor_payout_json(p public.session_payouts)
returns jsonb
language sql
stable
parallel safe
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select to_jsonb(p) || jsonb_build_object('amount_ttd', p.amount_ttd::text)
$$;

revoke all on function public.itutor_payout_json(public.session_payouts) from public, anon, authenticated;
grant execute on function public.itutor_payout_json(public.session_payouts) to service_role;

-- A session's stored payouts, by number (a with_charge session has none: its payout is its charge).
create function public.itutor_list_session_payouts(p_session_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_payout_json(p) order by p.payout), '[]'::jsonb)
  from public.session_payouts as p
  where p.session_id = public.itutor_parse_uuid(p_session_id)
$$;

revoke all on function public.itutor_list_session_payouts(text) from public, anon, authenticated;
grant execute on function public.itutor_list_session_payouts(text) to service_role;

-- The payouts the payout run should act on, oldest due_at first (then session, number), at most p_limit:
-- scheduled ones due at or before p_now whose session has no unresolved dispute and no open chargeback
-- (not in a final status), and sent ones whose answer is unknown or that were never answered, last
-- answered (or, without an answer, sent) at or before p_resend_before. Each group is an ordered scan of
-- its own partial index that stops at the limit (session_payouts_scheduled_idx,
-- session_payouts_to_resend_idx); a held payout is skipped by probes of its session's dispute and
-- chargebacks by their primary keys. Sequential scans off: a planner told the table is small (never
-- analyzed, or analyzed while empty) would otherwise read all of it; the payout run calls this every run.
create function public.itutor_list_due_payouts(p_now timestamptz, p_resend_before timestamptz, p_limit integer)
returns jsonb
language sql
stable
set search_path = ''
set enable_seqscan = off
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_payout_json(d) order by d.due_at, d.session_id, d.payout), '[]'::jsonb)
  from (
    select u.*
    from (
      (
        select p.*
        from public.session_payouts as p
        where p.status = 'scheduled'
          and p.due_at <= p_now
          and not exists (
            select 1 from public.session_disputes as x where x.session_id = p.session_id and x.status <> 'resolved'
          )
          and not exists (
            select 1 from public.session_chargebacks as b
            where b.session_id = p.session_id and b.status not in ('warning_closed', 'prevented', 'won', 'lost')
          )
        order by p.due_at, p.session_id, p.payout
        limit greatest(coalesce(p_limit, 0), 0)
      )
      union all
      (
        select p.*
        from public.session_payouts as p
        where (p.status = 'unknown' or (p.status = 'pending' and p.answered_at is null))
          and coalesce(p.answered_at, p.sent_at, p.requested_at) <= p_resend_before
        order by p.due_at, p.session_id, p.payout
        limit greatest(coalesce(p_limit, 0), 0)
      )
    ) as u
    order by u.due_at, u.session_id, u.payout
    limit greatest(coalesce(p_limit, 0), 0)
  ) as d
$$;

revoke all on function public.itutor_list_due_payouts(timestamptz, timestamptz, integer) from public, anon, authenticated;
grant execute on function public.itutor_list_due_payouts(timestamptz, timestamptz, integer) to service_role;

-- A dispute row as jsonb, with money as exact decimal text (null stays null).
create function public.itutor_dispute_json(d public.session_disputes)
returns jsonb
language sql
stable
parallel safe
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select to_jsonb(d) || jsonb_build_object('offer_ttd', d.offer_ttd::text, 'refund_ttd', d.refund_ttd::text)
$$;

revoke all on function public.itutor_dispute_json(public.session_disputes) from public, anon, authenticated;
grant execute on function public.itutor_dispute_json(public.session_disputes) to service_role;

-- The session's dispute, or null.
create function public.itutor_find_session_dispute(p_session_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select public.itutor_dispute_json(d)
  from public.session_disputes as d
  where d.session_id = public.itutor_parse_uuid(p_session_id)
$$;

revoke all on function public.itutor_find_session_dispute(text) from public, anon, authenticated;
grant execute on function public.itutor_find_session_dispute(text) to service_role;

-- Disputes not yet resolved (the platform's queue), oldest opened_at first (then session), at most
-- p_limit: an ordered scan of session_disputes_unresolved_idx that stops at the limit (sequential scans
-- off, as itutor_list_due_payouts).
create function public.itutor_list_unresolved_disputes(p_limit integer)
returns jsonb
language sql
stable
set search_path = ''
set enable_seqscan = off
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_dispute_json(d) order by d.opened_at, d.session_id), '[]'::jsonb)
  from (
    select x.*
    from public.session_disputes as x
    where x.status <> 'resolved'
    order by x.opened_at, x.session_id
    limit greatest(coalesce(p_limit, 0), 0)
  ) as d
$$;

revoke all on function public.itutor_list_unresolved_disputes(integer) from public, anon, authenticated;
grant execute on function public.itutor_list_unresolved_disputes(integer) to service_role;

-- A chargeback row as jsonb, with money as exact decimal text (staged_evidence as stored).
create function public.itutor_chargeback_json(c public.session_chargebacks)
returns jsonb
language sql
stable
parallel safe
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select to_jsonb(c) || jsonb_build_object(
    'amount_ttd', c.amount_ttd::text,
    'fee_ttd', c.fee_ttd::text,
    'funds_withdrawn_ttd', c.funds_withdrawn_ttd::text,
    'funds_reinstated_ttd', c.funds_reinstated_ttd::text,
    'tutor_share_ttd', c.tutor_share_ttd::text
  )
$$;

revoke all on function public.itutor_chargeback_json(public.session_chargebacks) from public, anon, authenticated;
grant execute on function public.itutor_chargeback_json(public.session_chargebacks) to service_role;

-- A session's chargebacks, by number.
create function public.itutor_list_session_chargebacks(p_session_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_chargeback_json(c) order by c.chargeback), '[]'::jsonb)
  from public.session_chargebacks as c
  where c.session_id = public.itutor_parse_uuid(p_session_id)
$$;

revoke all on function public.itutor_list_session_chargebacks(text) from public, anon, authenticated;
grant execute on function public.itutor_list_session_chargebacks(text) to service_role;

-- The chargeback with this gateway reference, or null (one probe of session_chargebacks_reference_key).
create function public.itutor_find_chargeback_by_reference(p_reference text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select public.itutor_chargeback_json(c) from public.session_chargebacks as c where c.reference = p_reference
$$;

revoke all on function public.itutor_find_chargeback_by_reference(text) from public, anon, authenticated;
grant execute on function public.itutor_find_chargeback_by_reference(text) to service_role;

-- The platform's chargeback work list: those not in a final status, soonest evidence_due_by first (those
-- without one last), then opened_at, session, number; at most p_limit. An ordered scan of
-- session_chargebacks_open_idx (its order and its predicate) that stops at the limit; sorts, bitmap and
-- sequential scans off so that a planner short of statistics cannot fetch every open row and sort it
-- (as itutor_claim_sessions_for_settlement).
create function public.itutor_list_open_chargebacks(p_limit integer)
returns jsonb
language sql
stable
set search_path = ''
set enable_seqscan = off
set enable_sort = off
set enable_bitmapscan = off
set "TimeZone" = 'UTC'
as $$
  select coalesce(
    jsonb_agg(public.itutor_chargeback_json(o) order by o.evidence_due_by, o.opened_at, o.session_id, o.chargeback),
    '[]'::jsonb
  )
  from (
    select c.*
    from public.session_chargebacks as c
    where c.status not in ('warning_closed', 'prevented', 'won', 'lost')
    order by c.evidence_due_by, c.opened_at, c.session_id, c.chargeback
    limit greatest(coalesce(p_limit, 0), 0)
  ) as o
$$;

revoke all on function public.itutor_list_open_chargebacks(integer) from public, anon, authenticated;
grant execute on function public.itutor_list_open_chargebacks(integer) to service_role;

-- ---------------------------------------------------------------------------------------------------
-- Video providers: connections and their tokens, meetings, OAuth states.
-- ---------------------------------------------------------------------------------------------------

-- A connection row as jsonb, without its tokens.
create function public.itutor_connection_json(c public.tutor_video_provider_connections)
returns jsonb
language sql
stable
parallel safe
set search_path = ''
set "TimeZone" = 'UTC'
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

revoke all on function public.itutor_connection_json(public.tutor_video_provider_connections) from public, anon, authenticated;
grant execute on function public.itutor_connection_json(public.tutor_video_provider_connections) to service_role;

create function public.itutor_find_provider_connection(p_tutor_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select public.itutor_connection_json(c)
  from public.tutor_video_provider_connections as c
  where c.tutor_id = p_tutor_id
$$;

revoke all on function public.itutor_find_provider_connection(text) from public, anon, authenticated;
grant execute on function public.itutor_find_provider_connection(text) to service_role;

-- The tutor's encrypted tokens with the connection's provider and status and the refresh lease; null
-- when there is no connection or it holds no tokens.
create function public.itutor_find_provider_tokens(p_tutor_id text)
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

revoke all on function public.itutor_find_provider_tokens(text) from public, anon, authenticated;
grant execute on function public.itutor_find_provider_tokens(text) to service_role;

-- Creates (p_expected_version null) or replaces (compare-and-set on version) a tutor's connection with
-- its event, in one step. p_tokens: null clears the tokens; {"keep": true} leaves them (and
-- token_version) untouched; otherwise the encrypted tokens replace the stored ones, token_version grows
-- by one (a new connection starts at 1, or 0 without tokens) and the refresh lease is cleared.
-- Returns the stored connection, or null when the tutor already has one (create) or its version
-- changed (replace).
create function public.itutor_save_provider_connection(
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

revoke all on function public.itutor_save_provider_connection(jsonb, jsonb, jsonb, integer) from public, anon, authenticated;
grant execute on function public.itutor_save_provider_connection(jsonb, jsonb, jsonb, integer) to service_role;

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

revoke all on function public.itutor_compare_and_set_provider_tokens(text, integer, jsonb, jsonb) from public, anon, authenticated;
grant execute on function public.itutor_compare_and_set_provider_tokens(text, integer, jsonb, jsonb) to service_role;

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

revoke all on function public.itutor_find_video_meeting(text, text) from public, anon, authenticated;
grant execute on function public.itutor_find_video_meeting(text, text) to service_role;

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

revoke all on function public.itutor_insert_video_meeting(text, text, jsonb) from public, anon, authenticated;
grant execute on function public.itutor_insert_video_meeting(text, text, jsonb) to service_role;

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

revoke all on function public.itutor_remove_video_meeting(text, text) from public, anon, authenticated;
grant execute on function public.itutor_remove_video_meeting(text, text) to service_role;

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

revoke all on function public.itutor_consume_oauth_state(text, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function public.itutor_consume_oauth_state(text, timestamptz, timestamptz) to service_role;

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

revoke all on function public.itutor_purge_oauth_states(timestamptz) from public, anon, authenticated;
grant execute on function public.itutor_purge_oauth_states(timestamptz) to service_role;

-- ---------------------------------------------------------------------------------------------------
-- Attendance and Google Meet subscriptions.
-- ---------------------------------------------------------------------------------------------------

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

revoke all on function public.itutor_attendance_json(public.session_attendance) from public, anon, authenticated;
grant execute on function public.itutor_attendance_json(public.session_attendance) to service_role;

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

revoke all on function public.itutor_find_session_by_meeting(text, text) from public, anon, authenticated;
grant execute on function public.itutor_find_session_by_meeting(text, text) to service_role;

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

revoke all on function public.itutor_record_attendance(jsonb, jsonb) from public, anon, authenticated;
grant execute on function public.itutor_record_attendance(jsonb, jsonb) to service_role;

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

revoke all on function public.itutor_list_session_attendance(text) from public, anon, authenticated;
grant execute on function public.itutor_list_session_attendance(text) to service_role;

-- The attendance of several sessions in one read, for settlement's batches: `{ "<session id>": [<rows as
-- itutor_list_session_attendance answers them>], ... }`, sessions without entries left out. Ids that are
-- not UUIDs match nothing; at most the first 1000 ids are read (the port's limit).
create function public.itutor_list_attendance_for_sessions(p_session_ids jsonb)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_object_agg(g.session_id::text, g.entries), '{}'::jsonb)
  from (
    select a.session_id, jsonb_agg(public.itutor_attendance_json(a) order by a.occurred_at, a.event_id) as entries
    from public.session_attendance as a
    where a.session_id = any (array(
      select public.itutor_parse_uuid(x.id)
      from jsonb_array_elements_text(case when jsonb_typeof(p_session_ids) = 'array' then p_session_ids else '[]'::jsonb end) as x (id)
      limit 1000
    ))
    group by a.session_id
  ) as g
$$;

revoke all on function public.itutor_list_attendance_for_sessions(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_list_attendance_for_sessions(jsonb) to service_role;

-- A session and its attendance in one call: `{ "session": <itutor_find_session>, "attendance":
-- <itutor_list_session_attendance> }` (session null when there is none), both read in one statement (one
-- snapshot). The adapter sends it when the core asks for both in the same tick (a no-show reads the
-- session and the provider's evidence of the student's join side by side): one round trip instead of two.
create function public.itutor_find_session_with_attendance(p_id text)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select jsonb_build_object(
    'session', public.itutor_find_session(p_id),
    'attendance', public.itutor_list_session_attendance(p_id)
  )
$$;

revoke all on function public.itutor_find_session_with_attendance(text) from public, anon, authenticated;
grant execute on function public.itutor_find_session_with_attendance(text) to service_role;

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

revoke all on function public.itutor_log_ignored_provider_report(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_log_ignored_provider_report(jsonb) to service_role;

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

revoke all on function public.itutor_find_meet_subscription(text) from public, anon, authenticated;
grant execute on function public.itutor_find_meet_subscription(text) to service_role;

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

revoke all on function public.itutor_find_meet_subscription_by_name(text) from public, anon, authenticated;
grant execute on function public.itutor_find_meet_subscription_by_name(text) to service_role;

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

revoke all on function public.itutor_save_meet_subscription(text, text, text, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function public.itutor_save_meet_subscription(text, text, text, timestamptz, timestamptz) to service_role;

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

revoke all on function public.itutor_list_expiring_meet_subscriptions(timestamptz, integer) from public, anon, authenticated;
grant execute on function public.itutor_list_expiring_meet_subscriptions(timestamptz, integer) to service_role;

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

revoke all on function public.itutor_remove_meet_subscription(text) from public, anon, authenticated;
grant execute on function public.itutor_remove_meet_subscription(text) to service_role;

-- ---------------------------------------------------------------------------------------------------
-- Stripe webhook events already handled.
-- ---------------------------------------------------------------------------------------------------

-- Records the event as handled. True for exactly one caller per event id (the first), also when two
-- deliveries race: the loser's insert waits for the winner's commit, then does nothing.
create function public.itutor_remember_stripe_event(p_event_id text)
returns boolean
language sql
set search_path = ''
as $$
  with inserted as (
    insert into public.stripe_events (event_id)
    values (p_event_id)
    on conflict (event_id) do nothing
    returning 1
  )
  select exists (select 1 from inserted)
$$;

revoke all on function public.itutor_remember_stripe_event(text) from public, anon, authenticated;
grant execute on function public.itutor_remember_stripe_event(text) to service_role;

-- Forgets an event whose handling failed, so Stripe's next delivery of it is handled. True if it was there.
create function public.itutor_forget_stripe_event(p_event_id text)
returns boolean
language sql
set search_path = ''
as $$
  with removed as (
    delete from public.stripe_events as e
    where e.event_id = p_event_id
    returning 1
  )
  select exists (select 1 from removed)
$$;

revoke all on function public.itutor_forget_stripe_event(text) from public, anon, authenticated;
grant execute on function public.itutor_forget_stripe_event(text) to service_role;

-- Forgets events first handled before p_before (past Stripe's retry window); returns how many.
create function public.itutor_forget_stripe_events_before(p_before timestamptz)
returns integer
language sql
set search_path = ''
as $$
  with removed as (
    delete from public.stripe_events as e
    where e.received_at < p_before
    returning 1
  )
  select count(*)::integer from removed
$$;

revoke all on function public.itutor_forget_stripe_events_before(timestamptz) from public, anon, authenticated;
grant execute on function public.itutor_forget_stripe_events_before(timestamptz) to service_role;
