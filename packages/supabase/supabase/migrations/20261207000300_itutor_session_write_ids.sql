-- iTutor Sessions: idempotent session writes (a write id per write).
--
-- Why. A write's commit can succeed while its reply is lost (a dropped connection, a timed-out
-- PostgREST call). Sent again, the same compare-and-set finds the version it expected already gone and
-- loses, and its caller takes its own write for someone else's. The core now stamps every session write
-- with a write id (a UUID, `SessionWrite.writeId`): sent again, a write whose id is the session's last
-- applied write, at the version that write made, answers as a win and writes nothing more (no second
-- event, no second ledger change). Any other write at a stale version still loses.
--
-- What.
-- - `sessions.last_write_id uuid`: the id of the last write applied to the row (null for writes without
--   one). Set in the same UPDATE as the compare-and-set: one more column written, nothing more on the
--   path of a winning write. Bookkeeping: not part of a session's outcome, so a final session may take it.
-- - itutor_apply_session_write and the set-based batch itutor_apply_charge_writes_in_batch set it, and
--   only when a write lost its compare-and-set look up whether it is the retry of the session's last
--   write (one primary-key read, on the losing path only). The batch's path for a write that changes one
--   attempt twice now runs each write through itutor_apply_session_write (which applies the ledger
--   changes in order), so a retry there writes no ledger change either.
-- - itutor_session_row_json (the claim's row builder) names the new column, like every other column.
-- A write id that is not a UUID is refused (22P02) and nothing of the call is written.

alter table public.sessions add column last_write_id uuid;

comment on column public.sessions.last_write_id is
  'The write id (SessionWrite.writeId) of the last write applied to the session, or null: a write sent again after its reply was lost is recognised by it and answers as a win without writing again. Bookkeeping, server-side only.';

-- The claim's row builder names every column of sessions (see 20261125000100); the new one included.
create or replace function public.itutor_session_row_json(s public.sessions)
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
    'created_at', s.created_at, 'updated_at', s.updated_at, 'last_write_id', s.last_write_id
  )
$$;

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

-- ---------------------------------------------------------------------------------------------------
-- The single-write path (as in 20261125000600), setting last_write_id; a lost write that is the retry of
-- the last applied one answers true and writes nothing.
-- ---------------------------------------------------------------------------------------------------

create or replace function public.itutor_apply_session_write(p_write jsonb)
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
  n := jsonb_populate_record(null::public.sessions, p_write -> 'session');
  -- The ledger changes must be charge or refund changes of this write's session (checked before anything is written).
  if exists (
    select 1
    from jsonb_array_elements(coalesce(nullif(p_write -> 'ledger', 'null'::jsonb), '[]'::jsonb)) as l
    where not public.itutor_ledger_change_is_valid(l, (n.id)::text)
  ) then
    raise exception 'every ledger change must be an open or an answer (unknown, succeeded or failed), or a refund open or answer, of its write''s session'
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
    created_at = n.created_at, updated_at = n.updated_at,
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

-- ---------------------------------------------------------------------------------------------------
-- The set-based batch statement (as in 20261125000810), setting last_write_id; lost writes that are
-- retries of the last applied ones answer true (looked up only when some write lost).
-- ---------------------------------------------------------------------------------------------------

create or replace function public.itutor_apply_charge_writes_in_batch(p_writes jsonb)
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
begin
  if jsonb_typeof(p_writes) is distinct from 'array' then
    raise exception 'p_writes must be a jsonb array' using errcode = 'invalid_parameter_value';
  end if;

  -- One pass over the batch: are the ledger changes well-formed, does a session appear in several
  -- writes, does a write change one attempt twice?
  select
    coalesce(bool_or(c.bad), false),
    count(distinct w.ord) <> count(distinct coalesce(w.session_id, '#' || w.ord)),
    count(c.attempt_key) <> count(distinct c.attempt_key)
  into v_bad, v_repeated_sessions, v_repeated_attempts
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
        else true
      end as bad,
      w.session_id || '#' || coalesce(l -> 'attempt' ->> 'attempt', l ->> 'attempt', '') as attempt_key
    from jsonb_array_elements(coalesce(nullif(w.w -> 'ledger', 'null'::jsonb), '[]'::jsonb)) as l
  ) as c on true;

  if v_bad then
    raise exception 'every ledger change must be an open or an answer (unknown, succeeded, failed or halted) of its write''s session'
      using errcode = 'invalid_parameter_value';
  end if;

  -- Several writes for one session in a batch depend on each other, and a write whose ledger changes
  -- the same attempt twice (say, opens it and answers it) needs its changes one after another: apply
  -- such batches one write after another through the single-write path (which applies a write's ledger
  -- changes in order).
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
      updated_at = (i.n).updated_at,
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
    (select count(*) from answers)
  into v_result, v_answer_ids, v_answer_map, v_answers
  from input as i
  left join won as w on w.ord = i.ord;

  -- The answers of the writes that won, as their own statement on the ledger alone (see 20261125000810).
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

revoke all on function public.itutor_session_write_was_applied(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_session_write_was_applied(jsonb) to service_role;
