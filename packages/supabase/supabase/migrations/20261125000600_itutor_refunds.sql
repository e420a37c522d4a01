-- iTutor Sessions: refunds (issue #9, point 4).
--
-- A refund returns all or part of one succeeded charge attempt. Refunds are rows of their own table,
-- public.session_refunds, rather than a kind of public.session_charges row: an attempt's amounts always
-- equal its session's outcome amounts (a foreign key says so), while a charge may have several refunds whose
-- sum is capped by it. Two small tables, each with one simple rule, instead of one table with two.
--
-- Each refund: its number n (1, 2, ... per session), the succeeded attempt it returns money from, its own
-- idempotency key (itutor-refund-<session>-<attempt>-<n>, never reused), its amount split into the payout part
-- (taken back from the tutor) and the fee part (taken back from the platform) by the core's refundSplit
-- (amount = payout part + fee part, integer minor units as numeric(12,2)), status pending → succeeded /
-- failed / unknown (unknown is retried under the same key), reason, who asked, requested_at / answered_at, the
-- gateway's reference and failure code, and how many answers were recorded.
--
-- The rules are enforced here for every writer (the apply functions, the service role writing directly, a
-- superuser): a refund belongs to a succeeded attempt, in the attempt's currency; the refunds of an attempt
-- that have not failed never exceed its charge, its payout or its fee; a settled refund (succeeded or
-- failed) never changes. The trigger locks the attempt's row first, so racing writers of one charge are
-- checked one after the other against committed rows.
--
-- Refund rows are written only as ledger changes of a session write (itutor_apply_session_writes), in the
-- same transaction as the session's compare-and-set:
--   { "type": "refund_open", "refund": <session_refunds row> }
--   { "type": "refund_answer", "session_id", "refund", "status", "gateway_reference", "failure_code", "answered_at" }
-- Both the single-write path (itutor_apply_session_write) and the batch path
-- (itutor_apply_session_writes_in_batch) apply them. The batch statement stays as it was for charges (renamed
-- itutor_apply_charge_writes_in_batch); a batch that carries a refund change — rare: refunds come one at a
-- time from a person — applies its writes one after another through the single-write path.

create table public.session_refunds (
  session_id uuid not null,
  refund integer not null
    constraint session_refunds_refund_is_positive check (refund >= 1),
  attempt integer not null,
  idempotency_key text not null
    constraint session_refunds_idempotency_key_key unique,
  amount_ttd numeric(12, 2) not null
    constraint session_refunds_amount_is_positive check (amount_ttd > 0),
  payout_ttd numeric(12, 2) not null
    constraint session_refunds_payout_is_not_negative check (payout_ttd >= 0),
  fee_ttd numeric(12, 2) not null
    constraint session_refunds_fee_is_not_negative check (fee_ttd >= 0),
  currency text not null
    constraint session_refunds_currency_is_iso_4217 check (currency ~ '^[A-Z]{3}$'),
  status text not null default 'pending'
    constraint session_refunds_status_is_known check (status in ('pending', 'unknown', 'succeeded', 'failed')),
  reason text not null
    constraint session_refunds_reason_length check (char_length(reason) between 1 and 200),
  requested_by text not null
    constraint session_refunds_requested_by_length check (char_length(requested_by) between 1 and 200),
  gateway_reference text,
  failure_code text,
  calls integer not null default 0
    constraint session_refunds_calls_is_not_negative check (calls >= 0),
  requested_at timestamptz not null,
  answered_at timestamptz,
  updated_at timestamptz not null default now(),

  constraint session_refunds_pkey primary key (session_id, refund),
  constraint session_refunds_amount_is_payout_plus_fee check (amount_ttd = payout_ttd + fee_ttd),
  constraint session_refunds_attempt_fkey foreign key (session_id, attempt)
    references public.session_charges (session_id, attempt)
);

comment on table public.session_refunds is
  'Refunds of succeeded charge attempts: one row per refund, its own idempotency key; written only through itutor_apply_session_writes.';
comment on column public.session_refunds.idempotency_key is 'The refund''s own key at the gateway. Server-side only.';
comment on column public.session_refunds.gateway_reference is 'The gateway''s id for the refund. Server-side only.';

-- The retry pass reads refunds whose answer is unknown or that were never answered.
create index session_refunds_to_retry_idx on public.session_refunds (requested_at, session_id, refund)
  where status = 'unknown' or (status = 'pending' and answered_at is null);

-- The refund rules, for every writer. Locks the refunded attempt's row, so writers of refunds of one charge
-- run this check one after the other and each sees the rows the others committed.
create function public.itutor_check_session_refund()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  c public.session_charges;
  v_amount numeric;
  v_payout numeric;
  v_fee numeric;
begin
  if tg_op = 'UPDATE' then
    if (old.session_id, old.refund, old.attempt, old.idempotency_key, old.amount_ttd, old.payout_ttd, old.fee_ttd,
        old.currency, old.reason, old.requested_by, old.requested_at)
       is distinct from
       (new.session_id, new.refund, new.attempt, new.idempotency_key, new.amount_ttd, new.payout_ttd, new.fee_ttd,
        new.currency, new.reason, new.requested_by, new.requested_at) then
      raise exception 'a refund''s identity, amounts and reason never change' using errcode = 'check_violation';
    end if;
    if old.status in ('succeeded', 'failed') and new.status is distinct from old.status then
      raise exception 'refund % of session % is settled (%)', old.refund, old.session_id, old.status
        using errcode = 'check_violation';
    end if;
  end if;

  select * into c
  from public.session_charges as a
  where a.session_id = new.session_id and a.attempt = new.attempt
  for update;
  if not found or c.status <> 'succeeded' then
    raise exception 'refund % of session % is not of a succeeded charge attempt', new.refund, new.session_id
      using errcode = 'check_violation';
  end if;
  if new.currency <> c.currency then
    raise exception 'refund % of session % is not in the charge''s currency', new.refund, new.session_id
      using errcode = 'check_violation';
  end if;

  select coalesce(sum(r.amount_ttd), 0), coalesce(sum(r.payout_ttd), 0), coalesce(sum(r.fee_ttd), 0)
  into v_amount, v_payout, v_fee
  from public.session_refunds as r
  where r.session_id = new.session_id and r.attempt = new.attempt and r.refund <> new.refund and r.status <> 'failed';
  if new.status <> 'failed' then
    v_amount := v_amount + new.amount_ttd;
    v_payout := v_payout + new.payout_ttd;
    v_fee := v_fee + new.fee_ttd;
  end if;
  if v_amount > c.charge_amount_ttd or v_payout > c.payout_amount_ttd or v_fee > c.platform_fee_ttd then
    raise exception 'refunds of session % attempt % would exceed the charge, its payout or its fee', new.session_id, new.attempt
      using errcode = 'check_violation';
  end if;
  return new;
end
$$;

create trigger session_refunds_check
  before insert or update on public.session_refunds
  for each row execute function public.itutor_check_session_refund();

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

-- True when a ledger change is well-formed for the write of session p_session_id: a charge open or answer
-- (as before) or a refund open or answer of that session.
create function public.itutor_ledger_change_is_valid(p_change jsonb, p_session_id text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select case p_change ->> 'type'
    when 'open' then (p_change -> 'attempt' ->> 'session_id') is not distinct from p_session_id
    when 'answer' then (p_change ->> 'session_id') is not distinct from p_session_id
      and (p_change ->> 'status') in ('unknown', 'succeeded', 'failed')
    when 'refund_open' then (p_change -> 'refund' ->> 'session_id') is not distinct from p_session_id
    when 'refund_answer' then (p_change ->> 'session_id') is not distinct from p_session_id
      and (p_change ->> 'status') in ('pending', 'unknown', 'succeeded', 'failed')
    else false
  end
$$;

-- ---------------------------------------------------------------------------------------------------
-- The single-write path: as in 20261125000500, plus the refund changes (validated with the others before
-- anything is written, applied in order after the compare-and-set won).
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

comment on function public.itutor_apply_session_write(jsonb) is
  'The single-write path of itutor_apply_session_writes: one compare-and-set with its events, charge and refund ledger changes.';

-- ---------------------------------------------------------------------------------------------------
-- The batch path: the set-based statement of 20261125000500 handles charge changes only and is kept as it
-- is under a new name; the batch entry point sends a batch with any refund change through the single-write
-- path, one write after another (each its own compare-and-set, in order; an error fails the whole batch, as
-- the statement would).
-- ---------------------------------------------------------------------------------------------------

alter function public.itutor_apply_session_writes_in_batch(jsonb) rename to itutor_apply_charge_writes_in_batch;

comment on function public.itutor_apply_charge_writes_in_batch(jsonb) is
  'The set-based batch statement for writes whose ledger changes are charge opens and answers only.';

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
    where l ->> 'type' in ('refund_open', 'refund_answer')
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
    raise exception 'every ledger change must be an open or an answer (unknown, succeeded or failed), or a refund open or answer, of its write''s session'
      using errcode = 'invalid_parameter_value';
  end if;
  for v_write in select w from jsonb_array_elements(p_writes) as w loop
    v_result := v_result || jsonb_build_array(public.itutor_apply_session_write(v_write));
  end loop;
  return v_result;
end
$$;

comment on function public.itutor_apply_session_writes_in_batch(jsonb) is
  'The batch path of itutor_apply_session_writes (two or more writes): the set-based statement for charge changes, the single-write path one by one for a batch with refund changes.';

-- ---------------------------------------------------------------------------------------------------
-- Privileges. Clients never write; participants read their sessions' refunds without the key and the
-- gateway's reference. The service role: exactly what the adapter uses (read, open, answer; no delete).
-- ---------------------------------------------------------------------------------------------------

revoke all on table public.session_refunds from public, anon, authenticated, service_role;
grant select (
  session_id, refund, attempt, amount_ttd, payout_ttd, fee_ttd, currency, status, reason, requested_by,
  failure_code, calls, requested_at, answered_at, updated_at
) on table public.session_refunds to authenticated;
grant select, insert, update on table public.session_refunds to service_role;

alter table public.session_refunds enable row level security;

create policy "Participants can read the refunds of their sessions"
  on public.session_refunds
  for select
  to authenticated
  using (
    session_id in (
      select s.id
      from public.sessions as s
      where s.tutor_id = (select auth.uid())::text or s.student_id = (select auth.uid())::text
    )
  );

create policy "The service role can read refunds"
  on public.session_refunds
  for select
  to service_role
  using (true);

create policy "The service role can open refunds"
  on public.session_refunds
  for insert
  to service_role
  with check (true);

create policy "The service role can record refund answers"
  on public.session_refunds
  for update
  to service_role
  using (true)
  with check (true);

revoke all on function public.itutor_check_session_refund() from public, anon, authenticated;
revoke all on function public.itutor_refund_json(public.session_refunds) from public, anon, authenticated;
revoke all on function public.itutor_list_session_refunds(text) from public, anon, authenticated;
revoke all on function public.itutor_list_refunds_to_retry(timestamptz, integer) from public, anon, authenticated;
revoke all on function public.itutor_apply_refund_change(jsonb) from public, anon, authenticated;
revoke all on function public.itutor_ledger_change_is_valid(jsonb, text) from public, anon, authenticated;
revoke all on function public.itutor_apply_session_writes_in_batch(jsonb) from public, anon, authenticated;
revoke all on function public.itutor_apply_charge_writes_in_batch(jsonb) from public, anon, authenticated;

grant execute on function public.itutor_refund_json(public.session_refunds) to service_role;
grant execute on function public.itutor_list_session_refunds(text) to service_role;
grant execute on function public.itutor_list_refunds_to_retry(timestamptz, integer) to service_role;
grant execute on function public.itutor_apply_refund_change(jsonb) to service_role;
grant execute on function public.itutor_ledger_change_is_valid(jsonb, text) to service_role;
grant execute on function public.itutor_apply_session_writes_in_batch(jsonb) to service_role;
grant execute on function public.itutor_apply_charge_writes_in_batch(jsonb) to service_role;
