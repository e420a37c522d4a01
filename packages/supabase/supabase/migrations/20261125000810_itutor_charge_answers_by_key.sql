-- iTutor Sessions: the batched charge write records gateway answers by key, whatever the planner estimates.
--
-- itutor_apply_charge_writes_in_batch keeps one generic plan per connection. Its answers were applied by an
-- UPDATE of session_charges joined with the batch's answers inside the batch statement; a plan made while
-- the ledger was empty (a new installation's first settlement, or any run before the first ANALYZE of
-- the ledger) could put a full scan of the ledger's primary key on the outer side of that join and scan
-- the batch's answers once per ledger row: a batch's cost grew with the whole ledger, for as long as the
-- connection lived. The answers are now applied as a statement of their own on the ledger alone: the
-- attempts are reached through the primary key by the answered sessions' ids (session_id = any(...)),
-- each takes its answer from a map keyed by (session, attempt), and an answer naming no attempt still
-- fails the whole batch with foreign_key_violation. Everything else is unchanged.

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
  v_change jsonb;
  v_won boolean;
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
          or (l ->> 'status') is null or (l ->> 'status') not in ('unknown', 'succeeded', 'failed')
        else true
      end as bad,
      w.session_id || '#' || coalesce(l -> 'attempt' ->> 'attempt', l ->> 'attempt', '') as attempt_key
    from jsonb_array_elements(coalesce(nullif(w.w -> 'ledger', 'null'::jsonb), '[]'::jsonb)) as l
  ) as c on true;

  if v_bad then
    raise exception 'every ledger change must be an open or an answer (unknown, succeeded or failed) of its write''s session'
      using errcode = 'invalid_parameter_value';
  end if;

  -- Several writes for one session in a batch depend on each other: apply them one after another.
  if v_repeated_sessions then
    v_result := '[]'::jsonb;
    for v_write in select w from jsonb_array_elements(p_writes) as w loop
      v_result := v_result || jsonb_build_array(public.itutor_apply_session_writes(jsonb_build_array(v_write)) -> 0);
    end loop;
    return v_result;
  end if;

  -- A write whose ledger changes the same attempt twice (say, opens it and answers it) needs its
  -- changes one after another: apply the session write, then each change in order.
  if v_repeated_attempts then
    v_result := '[]'::jsonb;
    for v_write in select w from jsonb_array_elements(p_writes) as w loop
      v_won := (public.itutor_apply_session_writes(jsonb_build_array(v_write - 'ledger')) -> 0)::boolean;
      if v_won then
        for v_change in select l from jsonb_array_elements(coalesce(nullif(v_write -> 'ledger', 'null'::jsonb), '[]'::jsonb)) as l loop
          if v_change ->> 'type' = 'open' then
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
      end if;
      v_result := v_result || jsonb_build_array(v_won);
    end loop;
    return v_result;
  end if;

  with input as materialized (
    select
      x.ord,
      (x.w ->> 'expected_version')::integer as expected_version,
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
      updated_at = (i.n).updated_at
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

  -- The answers of the writes that won, as their own statement on the ledger alone: the attempts are
  -- reached through the primary key by the answered sessions' ids, whatever the planner estimates for
  -- the tables (no join whose order a generic plan made while the ledger was empty could get wrong),
  -- and each attempt takes its answer from the map by (session, attempt).
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
  return v_result;
end
$$;

-- Privileges and the comment are kept by create or replace (revoked from clients, granted to the
-- service role in 20261125000600).
