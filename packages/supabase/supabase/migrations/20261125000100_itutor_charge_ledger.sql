-- iTutor Sessions: the charge ledger.
--
-- Every attempt to take a session's money is a row of public.session_charges with its own idempotency
-- key. An unknown answer is retried under the same key; a definite decline closes the attempt and the
-- next retry opens a new one with a new key. The session keeps a summary (charge_status, the key of the
-- open attempt, how many attempts were opened, the reference of the succeeded charge).
--
-- This file also narrows the service role to the privileges the adapter uses, moves the idempotency
-- key into the charge bookkeeping a final session may change, replaces the settlement claim (no more
-- p_max_charge_attempts: the cap is the core's policy, a charge failed for good has charge_status
-- 'failed' and is never claimed), and makes every function that returns timestamps as JSON answer in
-- UTC whatever the caller's TimeZone setting.
--
-- Runs unmodified on hosted Supabase and on plain PostgreSQL 15+ with Supabase's roles. The two earlier
-- migrations are never edited (hosts may have applied them): everything they defined that changes is
-- replaced here.

-- ---------------------------------------------------------------------------------------------------
-- Sessions: the open attempt's idempotency key is charge bookkeeping now.
-- ---------------------------------------------------------------------------------------------------

-- True when `b` differs from `a` at most in the fields a final session may still change: the core's
-- FINAL_SESSION_MUTABLE_FIELDS (version, updated_at, charge_status, charge_idempotency_key,
-- charge_attempts, charge_reference, claimed_until). Used by the frozen-outcome trigger and by
-- itutor_apply_session_writes.
-- No `set search_path` on purpose, as before: it references nothing but its arguments (no table, no
-- function), its only callers run with search_path = '' (the trigger function and
-- itutor_apply_session_writes), and a SET clause would stop the planner from inlining it into the
-- settlement statement (one function call per written row).
create or replace function public.itutor_session_keeps_outcome(a public.sessions, b public.sessions)
returns boolean
language sql
immutable
parallel safe
as $$
  select (
    a.id, a.booking_id, a.tutor_id, a.student_id, a.status,
    a.scheduled_start_at, a.scheduled_end_at, a.duration_minutes, a.join_opens_at,
    a.no_show_wait_minutes, a.min_payable_minutes, a.no_show_eligible_at, a.charge_scheduled_at,
    a.price_ttd, a.currency, a.provider, a.meeting_id, a.join_url,
    a.student_joined_at, a.tutor_joined_at, a.meeting_ended_at, a.finalized_at, a.cancelled_by,
    a.charge_amount_ttd, a.payout_amount_ttd, a.platform_fee_ttd, a.created_at
  ) is not distinct from (
    b.id, b.booking_id, b.tutor_id, b.student_id, b.status,
    b.scheduled_start_at, b.scheduled_end_at, b.duration_minutes, b.join_opens_at,
    b.no_show_wait_minutes, b.min_payable_minutes, b.no_show_eligible_at, b.charge_scheduled_at,
    b.price_ttd, b.currency, b.provider, b.meeting_id, b.join_url,
    b.student_joined_at, b.tutor_joined_at, b.meeting_ended_at, b.finalized_at, b.cancelled_by,
    b.charge_amount_ttd, b.payout_amount_ttd, b.platform_fee_ttd, b.created_at
  )
$$;

comment on column public.sessions.charge_idempotency_key is
  'The idempotency key of the open ledger attempt (null when none is open). Server-side only. Unique per attempt in public.session_charges.';
comment on column public.sessions.charge_attempts is 'How many ledger attempts have been opened.';
comment on column public.sessions.charge_reference is 'The gateway''s id for the succeeded charge. Server-side only.';

-- Uniqueness of keys lives in the ledger now: a session keeps the key of its open attempt only.
alter table public.sessions drop constraint sessions_charge_idempotency_key_key;

-- Room on every page for HOT updates: a settlement claim only sets claimed_until, which no index covers,
-- so with free space on the row's page the lease is a heap-only update (no new index entries). At the
-- default fillfactor of 100 a page filled by inserts has no room, and every lease would write a new
-- entry into each of the table's indexes. Applies to pages written from now on.
alter table public.sessions set (fillfactor = 80);

-- The retry claim reads charges still to be collected ('pending'); 'failed' means failed for good and
-- is read only by the list of sessions needing a person.
drop index public.sessions_charge_retry_idx;
create index sessions_charge_pending_idx on public.sessions (charge_scheduled_at, id)
  where charge_status = 'pending';
create index sessions_charge_failed_idx on public.sessions (charge_scheduled_at, id)
  where charge_status = 'failed';

-- The target of the ledger's foreign key below: a session's outcome and amounts. Trivially unique (the
-- id is the primary key); it exists so that the database itself ties every attempt to its session's
-- outcome amounts.
alter table public.sessions
  add constraint sessions_outcome_amounts_key unique (id, status, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency);

-- ---------------------------------------------------------------------------------------------------
-- The ledger: one row per attempt.
-- ---------------------------------------------------------------------------------------------------

create table public.session_charges (
  session_id uuid not null,
  attempt integer not null
    constraint session_charges_attempt_is_positive check (attempt >= 1),
  idempotency_key text not null
    constraint session_charges_idempotency_key_key unique,
  outcome text not null
    constraint session_charges_outcome_is_charged check (outcome in ('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT')),
  charge_amount_ttd numeric(12, 2) not null
    constraint session_charges_charge_is_positive check (charge_amount_ttd > 0),
  payout_amount_ttd numeric(12, 2) not null
    constraint session_charges_payout_is_not_negative check (payout_amount_ttd >= 0),
  platform_fee_ttd numeric(12, 2) not null
    constraint session_charges_fee_is_not_negative check (platform_fee_ttd >= 0),
  currency text not null
    constraint session_charges_currency_is_iso_4217 check (currency ~ '^[A-Z]{3}$'),
  status text not null default 'pending'
    constraint session_charges_status_is_known check (status in ('pending', 'unknown', 'succeeded', 'failed')),
  gateway_reference text,
  failure_code text,
  calls integer not null default 0
    constraint session_charges_calls_is_not_negative check (calls >= 0),
  requested_at timestamptz not null,
  answered_at timestamptz,
  updated_at timestamptz not null default now(),

  constraint session_charges_pkey primary key (session_id, attempt),
  constraint session_charges_charge_is_payout_plus_fee check (charge_amount_ttd = payout_amount_ttd + platform_fee_ttd),
  -- Every attempt's outcome and amounts equal its session's, enforced by the database for every writer.
  -- A composite foreign key rather than a trigger because it is declarative and complete: it is
  -- checked at the end of the statement (so a settlement that finalizes the session and opens its first
  -- attempt in one statement passes, whatever order the statement's parts run in), it guards both sides
  -- (a session's outcome cannot change under its attempts), and it costs no procedural code per row.
  -- Its write cost: one more entry in sessions_outcome_amounts_key per non-HOT update of a session
  -- (claims only set claimed_until, which no index covers, and stay HOT), and one primary-key probe
  -- per attempt opened. Attempts are never deleted, and neither are sessions with attempts.
  constraint session_charges_amounts_are_the_session_outcome
    foreign key (session_id, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency)
    references public.sessions (id, status, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency)
    on update restrict on delete restrict
);

alter table public.session_charges enable row level security;

comment on table public.session_charges is
  'The charge ledger: one row per attempt to take a session''s money, with its own idempotency key. At most one succeeded attempt per session; amounts always equal the session''s outcome amounts. idempotency_key and gateway_reference are server-side only.';
comment on column public.session_charges.idempotency_key is 'Server-side only: the gateway deduplicates on it. Never selectable by clients.';
comment on column public.session_charges.gateway_reference is 'The gateway''s id for the charge. Server-side only, never selectable by clients.';
comment on column public.session_charges.failure_code is 'The gateway''s reason for a decline (e.g. card_declined), or why the answer is unknown.';
comment on column public.session_charges.calls is 'Gateway calls made under this attempt''s key.';
comment on column public.session_charges.requested_at is 'Business time at which the attempt was opened.';
comment on column public.session_charges.answered_at is 'Business time of the last answer (or unknown outcome) recorded.';
comment on column public.session_charges.updated_at is 'When the row was last written (the database''s clock).';

-- At most one succeeded attempt per session.
create unique index session_charges_one_success_per_session on public.session_charges (session_id)
  where status = 'succeeded';

-- ---------------------------------------------------------------------------------------------------
-- Existing charges (from before the ledger) get their ledger rows. Before, a session had one key for
-- all its calls, charge_attempts counted calls, and 'failed' meant "declined, retry later under the
-- same key". Now: that key becomes attempt 1; a decline closes attempt 1 and leaves the charge to
-- collect (charge_status 'pending', no open attempt: the next retry opens attempt 2 with a new key);
-- charge_attempts counts attempts opened. Sessions whose bookkeeping changes get a new version, so a
-- compare-and-set prepared before this migration loses instead of overwriting it.
-- ---------------------------------------------------------------------------------------------------

insert into public.session_charges (
  session_id, attempt, idempotency_key, outcome,
  charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
  status, gateway_reference, failure_code, calls, requested_at, answered_at
)
select
  s.id, 1, s.charge_idempotency_key, s.status,
  s.charge_amount_ttd, s.payout_amount_ttd, s.platform_fee_ttd, s.currency,
  case s.charge_status when 'pending' then 'pending' else s.charge_status end,
  s.charge_reference,
  case when s.charge_status = 'failed' then 'declined_before_ledger' end,
  case when s.charge_status = 'pending' then s.charge_attempts else greatest(s.charge_attempts, 1) end,
  coalesce(s.finalized_at, s.updated_at),
  case when s.charge_status <> 'pending' then s.updated_at end
from public.sessions as s
where s.charge_status in ('pending', 'succeeded', 'failed')
  and s.charge_idempotency_key is not null
  and s.status in ('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT')
  and s.charge_amount_ttd > 0;

update public.sessions as s
set
  version = s.version + 1,
  charge_status = case when s.charge_status = 'failed' then 'pending' else s.charge_status end,
  charge_idempotency_key = case when s.charge_status = 'failed' then null else s.charge_idempotency_key end,
  charge_attempts = 1,
  charge_reference = case when s.charge_status = 'succeeded' then s.charge_reference end
from public.session_charges as c
where c.session_id = s.id;

-- ---------------------------------------------------------------------------------------------------
-- Privileges. Clients never write; participants read their sessions' attempts without the key and the
-- gateway's reference. The service role keeps exactly what the repository functions use: hosted
-- Supabase grants ALL (including TRUNCATE, REFERENCES, TRIGGER and DELETE) on every table in public to
-- it by default, so everything is revoked first.
-- ---------------------------------------------------------------------------------------------------

revoke all on table public.session_charges from public, anon, authenticated, service_role;
grant select (
  session_id, attempt, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
  status, failure_code, calls, requested_at, answered_at, updated_at
) on table public.session_charges to authenticated;
grant select, insert, update on table public.session_charges to service_role;

revoke all on table public.sessions from service_role;
grant select, insert, update on table public.sessions to service_role;

revoke all on table public.tutor_video_provider_connections from service_role;
grant select, insert, update on table public.tutor_video_provider_connections to service_role;

-- Append-only: read and append, nothing else.
revoke all on table public.session_events from service_role;
grant select, insert on table public.session_events to service_role;
-- The identity column draws from its sequence without any privilege on it.
revoke all on sequence public.session_events_id_seq from service_role;

-- Row-level security. The service role bypasses RLS on Supabase; the explicit policies keep it working
-- where it does not, for exactly its privileges (no delete).
create policy "Participants can read the charge attempts of their sessions"
  on public.session_charges
  for select
  to authenticated
  using (
    session_id in (
      select s.id
      from public.sessions as s
      where s.tutor_id = (select auth.uid())::text or s.student_id = (select auth.uid())::text
    )
  );

create policy "The service role can read charge attempts"
  on public.session_charges
  for select
  to service_role
  using (true);

create policy "The service role can open charge attempts"
  on public.session_charges
  for insert
  to service_role
  with check (true);

create policy "The service role can record charge answers"
  on public.session_charges
  for update
  to service_role
  using (true)
  with check (true);

-- ---------------------------------------------------------------------------------------------------
-- Repository functions. Rows cross as jsonb with the tables' column names, money as decimal text.
-- Timestamps in JSON are printed in the function's TimeZone: every function that returns them runs
-- with TimeZone = 'UTC', so the answer is the same whatever the caller's session says (an offset such
-- as +13:45 would also move the last accepted instants into a five-digit year no client parses).
-- ---------------------------------------------------------------------------------------------------

alter function public.itutor_session_json(public.sessions) set "TimeZone" = 'UTC';
alter function public.itutor_event_json(public.session_events) set "TimeZone" = 'UTC';
alter function public.itutor_connection_json(public.tutor_video_provider_connections) set "TimeZone" = 'UTC';
alter function public.itutor_insert_session(jsonb, jsonb) set "TimeZone" = 'UTC';
alter function public.itutor_find_session(text) set "TimeZone" = 'UTC';
alter function public.itutor_find_session_by_booking(text) set "TimeZone" = 'UTC';
alter function public.itutor_find_provider_connection(text) set "TimeZone" = 'UTC';
alter function public.itutor_find_provider_tokens(text) set "TimeZone" = 'UTC';
alter function public.itutor_save_provider_connection(jsonb, jsonb, jsonb, integer) set "TimeZone" = 'UTC';
alter function public.itutor_list_session_events(text) set "TimeZone" = 'UTC';
alter function public.itutor_list_tutor_events(text) set "TimeZone" = 'UTC';

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

-- Applies a batch of compare-and-set writes, each with its events and its ledger changes.
-- p_writes: [{ "expected_version": n, "session": <row>, "events": [<event>, ...], "ledger": [<change>, ...] }, ...]
-- A ledger change is { "type": "open", "attempt": <session_charges row> } (inserted) or
-- { "type": "answer", "session_id", "attempt", "status", "gateway_reference", "failure_code", "answered_at" }
-- (the attempt's status, failure code and answered_at are replaced, its reference only when one is
-- given, its calls counted up by one). Events and ledger changes are written only for the writes that
-- win, in the same statement as the compare-and-set. A ledger change for another session than its
-- write's, or an answer to an attempt that does not exist, fails the whole batch.
-- Returns a jsonb array of booleans in the same order: true for each write that won (the stored row is
-- then exactly the given row: every column is set from it), false for each that lost (version changed,
-- no such session, version not increasing, or it would change a final outcome).
-- Plans: one generic plan per connection (planning this statement per call costs ~10 ms, which is most
-- of a single join or no-show), with sequential scans off for this function: every table this
-- statement touches is reached by its primary key, and a generic plan made while a table was small
-- (session_charges starts empty) would otherwise keep scanning it whole for every batch ever after.
create or replace function public.itutor_apply_session_writes(p_writes jsonb)
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
      c.change ->> 'status' as status,
      c.change ->> 'gateway_reference' as gateway_reference,
      c.change ->> 'failure_code' as failure_code,
      (c.change ->> 'answered_at')::timestamptz as answered_at
    from changes as c
    where c.change ->> 'type' = 'answer'
  ),
  answered as (
    update public.session_charges as c
    set
      status = a.status,
      gateway_reference = coalesce(a.gateway_reference, c.gateway_reference),
      failure_code = a.failure_code,
      answered_at = a.answered_at,
      calls = c.calls + 1,
      updated_at = now()
    from answers as a
    where c.session_id = a.session_id and c.attempt = a.attempt
    returning 1
  )
  select
    coalesce(jsonb_agg(w.ord is not null order by i.ord), '[]'::jsonb),
    (select count(*) from answers),
    (select count(*) from answered)
  into v_result, v_answers, v_answered
  from input as i
  left join won as w on w.ord = i.ord;

  if v_answered <> v_answers then
    raise exception 'a ledger answer names a charge attempt that does not exist'
      using errcode = 'foreign_key_violation';
  end if;
  return v_result;
end
$$;

drop function public.itutor_claim_sessions_for_settlement(timestamptz, integer, timestamptz, integer);

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
    'created_at', s.created_at, 'updated_at', s.updated_at
  )
$$;

-- Claims up to p_limit sessions needing settlement work and leases them until p_claim_until, only when
-- not leased (claimed_until null or <= p_now):
--   first, non-final sessions due at p_now, oldest (charge_scheduled_at, id) first;
--   then, with what is left of p_limit, final sessions whose charge is still to be collected
--   (charge_status 'pending'), oldest first. A charge failed for good ('failed') is never claimed.
-- Each group is one ordered scan of its partial index (sessions_due_for_settlement_idx,
-- sessions_charge_pending_idx) that stops at its LIMIT, with FOR UPDATE SKIP LOCKED, so concurrent claims
-- never return the same session and the cost depends on p_limit, not on the size of the table (no sort
-- of all due rows). Custom plans: each statement is planned with the actual p_now and limit. The lease
-- does not change version. Returns plain json (see itutor_session_row_json).
create function public.itutor_claim_sessions_for_settlement(
  p_now timestamptz,
  p_limit integer,
  p_claim_until timestamptz
)
returns json
language plpgsql
set search_path = ''
set plan_cache_mode = force_custom_plan
set "TimeZone" = 'UTC'
as $$
declare
  v_limit integer := greatest(coalesce(p_limit, 0), 0);
  v_due uuid[];
  v_retry uuid[] := '{}';
  v_result json;
begin
  if v_limit = 0 then
    return '[]'::json;
  end if;

  select coalesce(array_agg(d.id order by d.charge_scheduled_at, d.id), '{}')
  into v_due
  from (
    select s.id, s.charge_scheduled_at
    from public.sessions as s
    where s.status in ('SCHEDULED', 'JOIN_OPEN')
      and s.charge_scheduled_at <= p_now
      and (s.claimed_until is null or s.claimed_until <= p_now)
    order by s.charge_scheduled_at, s.id
    limit v_limit
    for update of s skip locked
  ) as d;

  if cardinality(v_due) < v_limit then
    select coalesce(array_agg(r.id order by r.charge_scheduled_at, r.id), '{}')
    into v_retry
    from (
      select s.id, s.charge_scheduled_at
      from public.sessions as s
      where s.charge_status = 'pending'
        and s.status in ('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'EARLY_END_SHORT', 'CANCELLED')
        and (s.claimed_until is null or s.claimed_until <= p_now)
      order by s.charge_scheduled_at, s.id
      limit v_limit - cardinality(v_due)
      for update of s skip locked
    ) as r;
  end if;

  -- The lease, by primary key (a join with the picked ids, never a scan of the table), returning the
  -- rows as plain json in claim order.
  with claimed as (
    update public.sessions as s
    set claimed_until = p_claim_until
    from unnest(v_due || v_retry) with ordinality as p (id, ord)
    where s.id = p.id
    returning p.ord, public.itutor_session_row_json(s) as row_json
  )
  select coalesce(json_agg(c.row_json order by c.ord), '[]'::json)
  into v_result
  from claimed as c;

  return v_result;
end
$$;

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

-- Sessions whose charge failed for good (charge_status 'failed'): a person must look at them. Oldest
-- charge_scheduled_at first, at most p_limit; one ordered scan of sessions_charge_failed_idx.
create function public.itutor_list_sessions_needing_attention(p_limit integer)
returns jsonb
language sql
stable
set search_path = ''
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_session_json(f) order by f.charge_scheduled_at, f.id), '[]'::jsonb)
  from (
    select s.*
    from public.sessions as s
    where s.charge_status = 'failed'
    order by s.charge_scheduled_at, s.id
    limit greatest(coalesce(p_limit, 0), 0)
  ) as f
$$;

-- Only the server (service role) may call the repository functions; hosted Supabase grants EXECUTE on
-- new functions in public to anon and authenticated by default.
revoke all on function public.itutor_charge_json(public.session_charges) from public, anon, authenticated;
revoke all on function public.itutor_session_row_json(public.sessions) from public, anon, authenticated;
revoke all on function public.itutor_claim_sessions_for_settlement(timestamptz, integer, timestamptz) from public, anon, authenticated;
revoke all on function public.itutor_list_session_charges(text) from public, anon, authenticated;
revoke all on function public.itutor_list_sessions_needing_attention(integer) from public, anon, authenticated;

grant execute on function public.itutor_charge_json(public.session_charges) to service_role;
grant execute on function public.itutor_session_row_json(public.sessions) to service_role;
grant execute on function public.itutor_claim_sessions_for_settlement(timestamptz, integer, timestamptz) to service_role;
grant execute on function public.itutor_list_session_charges(text) to service_role;
grant execute on function public.itutor_list_sessions_needing_attention(integer) to service_role;
