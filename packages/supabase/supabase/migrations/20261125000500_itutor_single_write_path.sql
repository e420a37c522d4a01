-- One write, one short path: itutor_apply_session_writes with a single write (a join, a no-show, a
-- cancellation, an answer recorded from a webhook) no longer runs the batch statement.
--
-- The batch statement (now itutor_apply_session_writes_in_batch) is built for hundreds of writes: a
-- validation pass over the whole batch, then one statement of nine CTEs. For the single write of an HTTP
-- request that machinery cost more than the writes themselves: measured on the PostgreSQL server, a
-- single join write took 3–4 ms through it and under 1 ms through the plain statements below, and a
-- no-show (open attempt, charge, answer) less than half as long end to end.
--
-- Same contract, same checks, same order of effects: the compare-and-set (version equal, new version
-- greater, a final session keeps its outcome), then the events in order, then each ledger change in
-- order (an answer naming no attempt raises foreign_key_violation; a ledger change that is not an open
-- or answer of this write's session raises invalid_parameter_value before anything is written). A lost
-- compare-and-set writes nothing and answers false. Batches of two or more writes still take the batch
-- path; its own one-by-one fallbacks (several writes for one session) now come through here.

alter function public.itutor_apply_session_writes(jsonb) rename to itutor_apply_session_writes_in_batch;

comment on function public.itutor_apply_session_writes_in_batch(jsonb) is
  'The batch path of itutor_apply_session_writes (two or more writes): one set-based statement.';

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
  n := jsonb_populate_record(null::public.sessions, p_write -> 'session');
  -- The ledger changes must be opens or answers of this write's session (checked before anything is written).
  if exists (
    select 1
    from jsonb_array_elements(coalesce(nullif(p_write -> 'ledger', 'null'::jsonb), '[]'::jsonb)) as l
    where case l ->> 'type'
      when 'open' then (l -> 'attempt' ->> 'session_id') is distinct from (n.id)::text
      when 'answer' then (l ->> 'session_id') is distinct from (n.id)::text
        or (l ->> 'status') is null or (l ->> 'status') not in ('unknown', 'succeeded', 'failed')
      else true
    end
  ) then
    raise exception 'every ledger change must be an open or an answer (unknown, succeeded or failed) of its write''s session'
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
    created_at = n.created_at, updated_at = n.updated_at
  where s.id = n.id
    and s.version = (p_write ->> 'expected_version')::integer
    and n.version > s.version
    and (s.status in ('SCHEDULED', 'JOIN_OPEN') or public.itutor_session_keeps_outcome(s, n));
  if not found then
    return false;
  end if;

  insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
  select e.session_id, e.tutor_id, e.type, e.actor, e.occurred_at, coalesce(e.payload, '{}'::jsonb)
  from jsonb_populate_recordset(null::public.session_events, coalesce(nullif(p_write -> 'events', 'null'::jsonb), '[]'::jsonb))
    with ordinality as e
  order by e.ordinality;

  for v_change in select l from jsonb_array_elements(coalesce(nullif(p_write -> 'ledger', 'null'::jsonb), '[]'::jsonb)) as l loop
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
  return true;
end
$$;

comment on function public.itutor_apply_session_write(jsonb) is
  'The single-write path of itutor_apply_session_writes: one compare-and-set with its events and ledger changes.';

-- The entry point the adapters call, unchanged in signature and answer (a jsonb array of booleans, one
-- per write, in order).
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

-- Only the server (service role) may call them; hosted Supabase grants EXECUTE on new functions in
-- public to anon and authenticated by default.
revoke all on function public.itutor_apply_session_writes(jsonb) from public, anon, authenticated;
revoke all on function public.itutor_apply_session_write(jsonb) from public, anon, authenticated;
revoke all on function public.itutor_apply_session_writes_in_batch(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_apply_session_writes(jsonb) to service_role;
grant execute on function public.itutor_apply_session_write(jsonb) to service_role;
grant execute on function public.itutor_apply_session_writes_in_batch(jsonb) to service_role;
