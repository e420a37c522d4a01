-- iTutor Sessions: the record of money taken is immutable, and participants read no one's personal data
-- from attendance (issue #20, point 3).
--
-- 1. The charge ledger. An outside attack showed that, as the service role, `update session_charges set
--    status = 'failed'` on a succeeded attempt (or a new gateway reference) went through; with the
--    session's summary set back to `pending`, the next settlement opened a new attempt and the gateway
--    took the student's money a second time. Refunds and final sessions were protected for every role;
--    the record of money taken was not. Now, for every writer (the SDK's functions, the service role
--    writing directly, the table owner, a superuser — only triggers switched off bypass it):
--
--    - an attempt moves only forward, as the core writes it: an open one (`pending` or `unknown`) takes
--      `unknown`, `succeeded`, `failed` or `halted`, never `pending` again; a `succeeded`, `failed`
--      (declined) or `halted` attempt never changes again; an attempt's key, outcome, amounts, currency
--      and requested time never change, its calls never go down, a stored gateway reference is never
--      replaced or erased; attempts are never deleted;
--    - no attempt is inserted for a session whose ledger holds a succeeded attempt;
--    - the charge summary of a session whose charge succeeded (charge_status, charge_idempotency_key,
--      charge_attempts, charge_reference) never changes, and no write sets a final session's
--      charge_status to anything but `succeeded` while its ledger holds a succeeded attempt.
--
--    So a session that was paid can never ask for money again: settlement collects only sessions whose
--    charge_status is `pending`, and opens attempts only by inserting them.
--
--    A halted attempt (the gateway threw a ChargeHaltError: the first call may have taken money, so it
--    was recorded `unknown` with the halt's code) gets a status of its own, `halted`, so that storage
--    can tell it from an attempt still awaiting its answer. The halted attempts already stored (an
--    `unknown` attempt of a session failed for good whose audit log holds its `gateway_halted` flag) are
--    marked `halted` here. The core records a late success of a declined or halted attempt (a webhook
--    saying it took money after all) as a new ledger row, already `succeeded`, after every attempt
--    opened so far, under its own derived key (never sent to the gateway); the declined or halted row
--    stays as it is.
--
--    Sessions whose ledger already holds a succeeded attempt but whose summary says otherwise (the state
--    the attack left behind) are set `succeeded` here, with a new version and the attempt's reference
--    when they had none: the money was taken, so nothing more may be asked.
--
--    The apply functions accept `halted` answers (itutor_ledger_change_is_valid and the charge batch
--    statement are replaced; the rest of their bodies is unchanged).
--
-- 2. Attendance. Participants could select other people's e-mails, display names (a Zoom dial-in
--    participant's name is their phone number), provider user ids and in-meeting ids from
--    session_attendance through PostgREST. The attendance HTTP route deliberately shows none of that:
--    provider, role (tutor / student / unknown), kind and time only. Participants' column grants now
--    match it: session_id, provider, role, kind, occurred_at. The service role keeps what the adapter
--    uses (select and insert of every column, through the repository functions).

-- ---------------------------------------------------------------------------------------------------
-- The ledger: a status for halted attempts.
-- ---------------------------------------------------------------------------------------------------

alter table public.session_charges drop constraint session_charges_status_is_known;
alter table public.session_charges
  add constraint session_charges_status_is_known check (status in ('pending', 'unknown', 'succeeded', 'failed', 'halted'));

comment on column public.session_charges.status is
  'pending (opened, no answer), unknown (retried under the same key), succeeded, failed (declined: the next retry opens a new attempt), halted (the gateway halted it: never sent again, may have taken money). Succeeded, failed and halted attempts never change.';

-- The halted attempts already stored: unknown, the key still the session's open one, the session failed
-- for good, and the audit log's gateway_halted flag names the attempt.
update public.session_charges as c
set status = 'halted', updated_at = now()
where c.status = 'unknown'
  and exists (
    select 1 from public.sessions as s
    where s.id = c.session_id and s.charge_status = 'failed' and s.charge_idempotency_key = c.idempotency_key
  )
  and exists (
    select 1 from public.session_events as e
    where e.session_id = c.session_id
      and e.type = 'charge.needs_attention'
      and e.payload ->> 'reason' = 'gateway_halted'
      and e.payload ->> 'attempt' = c.attempt::text
  );

-- Sessions whose ledger holds a success but whose summary says otherwise: the money was taken.
update public.sessions as s
set
  version = s.version + 1,
  updated_at = now(),
  charge_status = 'succeeded',
  charge_idempotency_key = null,
  charge_reference = coalesce(c.gateway_reference, s.charge_reference)
from public.session_charges as c
where c.session_id = s.id and c.status = 'succeeded' and s.charge_status <> 'succeeded';

-- ---------------------------------------------------------------------------------------------------
-- The ledger's rules for every writer.
-- ---------------------------------------------------------------------------------------------------

-- An attempt as the core writes it: opened (inserted) only while its session's ledger holds no success;
-- changed only forward; the record of money taken (and of a decline, and of a halt) never changed;
-- never deleted. Reads nothing but the row, except one probe of session_charges_one_success_per_session
-- per insert.
create function public.itutor_keep_charge_record()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'charge attempt % of session % is part of the record of money taken: attempts are never deleted', old.attempt, old.session_id
      using errcode = 'check_violation';
  end if;

  if tg_op = 'INSERT' then
    if exists (
      select 1 from public.session_charges as c
      where c.session_id = new.session_id and c.status = 'succeeded'
    ) then
      raise exception 'session % already has a succeeded charge: no attempt may be opened after it', new.session_id
        using errcode = 'check_violation', hint = 'Money taken is never asked for again.';
    end if;
    return new;
  end if;

  if new is not distinct from old then
    return new;
  end if;
  if (new.session_id, new.attempt, new.idempotency_key, new.outcome, new.charge_amount_ttd, new.payout_amount_ttd,
      new.platform_fee_ttd, new.currency, new.requested_at)
     is distinct from
     (old.session_id, old.attempt, old.idempotency_key, old.outcome, old.charge_amount_ttd, old.payout_amount_ttd,
      old.platform_fee_ttd, old.currency, old.requested_at) then
    raise exception 'charge attempt % of session %: an attempt''s key, outcome, amounts, currency and requested time never change', old.attempt, old.session_id
      using errcode = 'check_violation';
  end if;
  if old.status in ('succeeded', 'failed', 'halted') then
    raise exception 'charge attempt % of session % is %: it never changes again', old.attempt, old.session_id, old.status
      using errcode = 'check_violation', hint = 'A late success of a declined or halted attempt is recorded as a new succeeded attempt.';
  end if;
  if new.status = 'pending' then
    raise exception 'charge attempt % of session %: an answer never sets an attempt back to pending', old.attempt, old.session_id
      using errcode = 'check_violation';
  end if;
  if old.gateway_reference is not null and new.gateway_reference is distinct from old.gateway_reference then
    raise exception 'charge attempt % of session %: a stored gateway reference is never replaced or erased', old.attempt, old.session_id
      using errcode = 'check_violation';
  end if;
  if new.calls < old.calls then
    raise exception 'charge attempt % of session %: calls never go down', old.attempt, old.session_id
      using errcode = 'check_violation';
  end if;
  return new;
end
$$;

comment on function public.itutor_keep_charge_record() is
  'Trigger of public.session_charges: attempts move only forward; succeeded, failed and halted attempts never change; identity and amounts never change; a stored reference is never replaced; no attempt after a success; attempts are never deleted.';

-- Enforced for every role, the table owner included.
create trigger session_charges_record_is_kept
  before insert or update or delete on public.session_charges
  for each row
  execute function public.itutor_keep_charge_record();

-- A paid session never asks for money again. Fires only when it matters: on a session whose charge
-- succeeded, and when a final session's charge_status changes to anything but succeeded (one probe of
-- session_charges_one_success_per_session then: failing a charge for good, or a write outside the SDK).
-- Non-final sessions have no attempts (an attempt's outcome is its session's, and a final outcome is
-- frozen), and a settlement claim (claimed_until only) does not run it at all.
create function public.itutor_keep_paid_charge()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.charge_status = 'succeeded' then
    if (new.charge_status, new.charge_idempotency_key, new.charge_attempts, new.charge_reference)
       is distinct from
       (old.charge_status, old.charge_idempotency_key, old.charge_attempts, old.charge_reference) then
      raise exception 'session %: its charge succeeded, its charge summary never changes', old.id
        using errcode = 'check_violation', hint = 'Money taken is never asked for again.';
    end if;
    return new;
  end if;
  if exists (
    select 1 from public.session_charges as c
    where c.session_id = old.id and c.status = 'succeeded'
  ) then
    raise exception 'session %: its ledger holds a succeeded charge, its charge status can only become succeeded', old.id
      using errcode = 'check_violation', hint = 'Money taken is never asked for again.';
  end if;
  return new;
end
$$;

comment on function public.itutor_keep_paid_charge() is
  'Trigger of public.sessions: the charge summary of a paid session never changes, and a final session whose ledger holds a success has charge_status succeeded only.';

create trigger sessions_paid_charge_is_kept
  before update of charge_status, charge_idempotency_key, charge_attempts, charge_reference on public.sessions
  for each row
  when (
    old.charge_status = 'succeeded'
    or (
      new.charge_status is distinct from old.charge_status
      and new.charge_status is distinct from 'succeeded'
      and old.status in ('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'EARLY_END_SHORT', 'CANCELLED')
    )
  )
  execute function public.itutor_keep_paid_charge();

-- Trigger functions are never called directly; hosted Supabase grants EXECUTE on new functions in public
-- to anon and authenticated by default.
revoke all on function public.itutor_keep_charge_record() from public, anon, authenticated, service_role;
revoke all on function public.itutor_keep_paid_charge() from public, anon, authenticated, service_role;

comment on table public.session_charges is
  'The charge ledger: one row per attempt to take a session''s money, with its own idempotency key. At most one succeeded attempt per session, and none opened after it; amounts always equal the session''s outcome amounts; succeeded, failed and halted attempts never change; attempts are never deleted. idempotency_key and gateway_reference are server-side only.';

-- ---------------------------------------------------------------------------------------------------
-- The apply functions take `halted` answers. Only the list of answer statuses (and the error message
-- naming them) differs from 20261125000600 / 20261125000810; privileges and comments are kept by
-- create or replace.
-- ---------------------------------------------------------------------------------------------------

create or replace function public.itutor_ledger_change_is_valid(p_change jsonb, p_session_id text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select case p_change ->> 'type'
    when 'open' then (p_change -> 'attempt' ->> 'session_id') is not distinct from p_session_id
    when 'answer' then (p_change ->> 'session_id') is not distinct from p_session_id
      and (p_change ->> 'status') in ('unknown', 'succeeded', 'failed', 'halted')
    when 'refund_open' then (p_change -> 'refund' ->> 'session_id') is not distinct from p_session_id
    when 'refund_answer' then (p_change ->> 'session_id') is not distinct from p_session_id
      and (p_change ->> 'status') in ('pending', 'unknown', 'succeeded', 'failed')
    else false
  end
$$;

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

-- ---------------------------------------------------------------------------------------------------
-- Attendance: participants read what the attendance HTTP route shows, nothing more.
-- ---------------------------------------------------------------------------------------------------

-- The grants of 20261125000700 were column grants only (no table-level select), so revoking the columns
-- leaves exactly these; RLS still limits the rows to the participant's own sessions.
revoke select (
  event_id, participant_email, participant_name, participant_provider_user_id, participant_id, instance_id, received_at
) on table public.session_attendance from authenticated;
revoke all on table public.session_attendance from anon;

comment on table public.session_attendance is
  'Provider-reported joins and leaves, one row per (provider, event_id); matched role tutor/student/unknown. Append-only. Participants select session_id, provider, role, kind and occurred_at of their own sessions only (what the attendance HTTP route shows); e-mails, names, provider ids, event ids and receipt times are server-side only.';
comment on column public.session_attendance.participant_email is 'Server-side only: never selectable by clients.';
comment on column public.session_attendance.participant_name is 'The display name the provider reported (a Zoom dial-in participant''s is their phone number). Server-side only: never selectable by clients.';
comment on column public.session_attendance.participant_provider_user_id is 'Server-side only: never selectable by clients.';
comment on column public.session_attendance.participant_id is 'The provider''s in-meeting id (pairs a join with its leave). Server-side only: never selectable by clients.';
