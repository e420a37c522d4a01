-- iTutor Sessions: the sessions and their audit log — tables, constraints, indexes, triggers, timing
-- functions and row-level security.
--
-- The schema of the first release, in six files by concern (Supabase CLI layout, applied in order):
--   20261201000100_itutor_sessions_schema.sql        sessions, session_events (this file)
--   20261201000200_itutor_charge_ledger.sql          charge attempts, refunds, payouts, disputes, the work list
--   20261201000300_itutor_video_providers.sql        provider connections and tokens, meetings, OAuth states
--   20261201000400_itutor_attendance.sql             attendance, Google Meet subscriptions
--   20261201000500_itutor_stripe_events.sql          Stripe webhook events already handled
--   20261201000600_itutor_repository_functions.sql   the functions behind the adapter's ports
--
-- Runs unmodified on hosted Supabase and on plain PostgreSQL 15+ that has Supabase's roles (anon,
-- authenticated, service_role) and auth.uid(). Hosted Supabase grants every privilege on new tables,
-- sequences and functions in `public` to anon, authenticated and service_role by default: these files
-- revoke them explicitly and grant back exactly what is used, and row-level security is enabled on
-- every table right after it is created.
--
-- User ids are `text` (compared with `(select auth.uid())::text`) so hosts whose booking system uses
-- non-uuid ids work too. Money is exact numeric(12,2); the adapter converts it to integer cents.

-- ---------------------------------------------------------------------------------------------------
-- Timing rules: exactly the core's `noShowWaitMinutes` / `minPayableMinutes`, in integer arithmetic
-- (floor(d × p / 100) for d ≥ 0 and p ≥ 0 is integer division), never `d * 0.33`.
-- ---------------------------------------------------------------------------------------------------

create function public.itutor_no_show_wait_minutes(duration_minutes integer, no_show_wait_percent integer default 33)
returns integer
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select (duration_minutes * no_show_wait_percent) / 100
$$;

comment on function public.itutor_no_show_wait_minutes(integer, integer) is
  'floor(duration × percent / 100) in integer arithmetic: how long a tutor waits before marking a no-show. Same as the core''s noShowWaitMinutes.';

create function public.itutor_min_payable_minutes(duration_minutes integer, min_payable_percent integer default 66)
returns integer
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select (duration_minutes * min_payable_percent) / 100
$$;

comment on function public.itutor_min_payable_minutes(integer, integer) is
  'floor(duration × percent / 100) in integer arithmetic: the minimum payable length of a meeting. Same as the core''s minPayableMinutes.';

-- ---------------------------------------------------------------------------------------------------
-- Status and cancellation rules: exactly the core's `isFinalStatus` and `cancellationQuote`.
-- ---------------------------------------------------------------------------------------------------

-- The final statuses, in one place: every trigger and claim that asks whether a session is final asks
-- this (the core's FINAL_STATUSES: all but SCHEDULED and JOIN_OPEN). No `set search_path` on purpose
-- (as itutor_session_keeps_outcome, below): it references nothing but its argument and built-in
-- operators, its callers run with search_path = '' or are trigger WHEN clauses, and without a SET clause
-- the planner inlines it into them (`status = ANY (...)`), so the lists stay one rule at no cost per row.
-- Pure, so it keeps the default EXECUTE for every role, like the timing functions: the triggers ask it
-- for whoever writes sessions (a host's own roles included), and even an inlined call needs EXECUTE.
create function public.itutor_is_final_status(p_status text)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_status in (
    'COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'EARLY_END_SHORT', 'CANCELLED',
    'NO_SHOW_TUTOR', 'NOBODY_JOINED', 'CANCELLED_LATE'
  )
$$;

comment on function public.itutor_is_final_status(text) is
  'True for the statuses after which a session''s outcome never changes (all but SCHEDULED and JOIN_OPEN). Same as the core''s isFinalStatus.';

-- What cancelling a session costs, as the core's `cancellationQuote` decides it, in integer minor units:
-- the student pays the percent of the tier the moment falls in (the tier with the greatest
-- minutesBefore not above the whole minutes left before the start, rounded down); a tutor or the
-- platform cancelling is free. Charge = floor(price × percent / 100), payout = floor(charge × bps /
-- 10000), fee = charge − payout. A fee above zero is CANCELLED_LATE, none is CANCELLED. `validUntil` is
-- the last instant the quote holds (the end of its tier, or the start). The tiers are
-- `[{"minutesBefore": m, "chargePercent": p}, ...]` in any order, checked as the core's definePolicy
-- checks them (at most 10, whole minutes 0–525600, whole percents 0–100, distinct minutesBefore).
-- Refuses a cancellation at or after the start (55000, hint TOO_LATE) and invalid arguments (22023).
-- The SDK does not call it (the core decides cancellations); it is for a host's own SQL (reports, a
-- database-side preview) and proves in a property test (test/parity.test.ts) that both sides agree.
create function public.itutor_cancellation_quote(
  p_scheduled_start_at timestamptz,
  p_price_minor bigint,
  p_by text,
  p_now timestamptz,
  p_tiers jsonb,
  p_tutor_payout_bps integer default 9000
)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
set "TimeZone" = 'UTC'
as $$
declare
  v_minutes bigint;
  v_tier jsonb;
  v_percent integer := 0;
  v_charge bigint;
  v_payout bigint;
begin
  if p_scheduled_start_at is null or p_now is null or not isfinite(p_scheduled_start_at) or not isfinite(p_now) then
    raise exception 'the scheduled start and now must be valid instants' using errcode = 'invalid_parameter_value';
  end if;
  if p_price_minor is null or p_price_minor not between 0 and 999999999999 then
    raise exception 'the price must be a whole number of minor units from 0 to 999999999999, got %', p_price_minor
      using errcode = 'invalid_parameter_value';
  end if;
  if p_by is null or p_by not in ('tutor', 'student', 'platform') then
    raise exception 'by must be tutor, student or platform, got %', p_by using errcode = 'invalid_parameter_value';
  end if;
  if p_tutor_payout_bps is null or p_tutor_payout_bps not between 0 and 10000 then
    raise exception 'the tutor payout must be whole basis points from 0 to 10000, got %', p_tutor_payout_bps
      using errcode = 'invalid_parameter_value';
  end if;
  if jsonb_typeof(p_tiers) is distinct from 'array' or jsonb_array_length(p_tiers) > 10 or exists (
    select 1
    from jsonb_array_elements(p_tiers) as t (tier)
    where jsonb_typeof(t.tier) is distinct from 'object'
      or jsonb_typeof(t.tier -> 'minutesBefore') is distinct from 'number'
      or jsonb_typeof(t.tier -> 'chargePercent') is distinct from 'number'
      or (t.tier ->> 'minutesBefore')::numeric not between 0 and 525600
      or (t.tier ->> 'minutesBefore')::numeric <> trunc((t.tier ->> 'minutesBefore')::numeric)
      or (t.tier ->> 'chargePercent')::numeric not between 0 and 100
      or (t.tier ->> 'chargePercent')::numeric <> trunc((t.tier ->> 'chargePercent')::numeric)
  ) or (
    select count(*) <> count(distinct (t.tier ->> 'minutesBefore')::numeric) from jsonb_array_elements(p_tiers) as t (tier)
  ) then
    raise exception 'the tiers must be at most 10 of {"minutesBefore": 0–525600, "chargePercent": 0–100}, whole numbers, with distinct minutesBefore'
      using errcode = 'invalid_parameter_value';
  end if;
  if p_now >= p_scheduled_start_at then
    raise exception 'A session can only be cancelled before its scheduled start'
      using errcode = 'object_not_in_prerequisite_state', hint = 'TOO_LATE';
  end if;

  -- Whole minutes left, rounded down: epochs are exact numerics (microseconds), never floats.
  v_minutes := floor((extract(epoch from p_scheduled_start_at) - extract(epoch from p_now)) / 60);
  if p_by = 'student' then
    select jsonb_build_object('minutesBefore', (t.tier ->> 'minutesBefore')::numeric::integer, 'chargePercent', (t.tier ->> 'chargePercent')::numeric::integer)
    into v_tier
    from jsonb_array_elements(p_tiers) as t (tier)
    where (t.tier ->> 'minutesBefore')::numeric::integer <= v_minutes
    order by (t.tier ->> 'minutesBefore')::numeric::integer desc
    limit 1;
    v_percent := coalesce((v_tier ->> 'chargePercent')::integer, 0);
  end if;
  -- The core's applyBasisPoints: floor(amount × bps / 10000), exact in bigint (at most about 10^16).
  v_charge := (p_price_minor * (v_percent * 100)) / 10000;
  v_payout := (v_charge * p_tutor_payout_bps) / 10000;
  return jsonb_build_object(
    'status', case when v_charge > 0 then 'CANCELLED_LATE' else 'CANCELLED' end,
    'by', p_by,
    'chargePercent', v_percent,
    'chargeMinor', v_charge,
    'payoutMinor', v_payout,
    'feeMinor', v_charge - v_payout,
    'tier', v_tier,
    'minutesBefore', v_minutes,
    'validUntil', case
      when v_tier is null then p_scheduled_start_at
      else p_scheduled_start_at - (v_tier ->> 'minutesBefore')::numeric::integer * interval '1 minute'
    end
  );
end
$$;

comment on function public.itutor_cancellation_quote(timestamptz, bigint, text, timestamptz, jsonb, integer) is
  'What cancelling costs at p_now, in integer minor units: status (CANCELLED or CANCELLED_LATE), by, chargePercent, chargeMinor, payoutMinor, feeMinor, tier, minutesBefore, validUntil. Same as the core''s cancellationQuote.';

-- ---------------------------------------------------------------------------------------------------
-- Sessions.
--
-- Fillfactor 30: room on each page for the row versions a settlement writes. Settling a session
-- rewrites its row twice (the settlement with the charge attempt opened, the charge answer; the claim
-- writes nothing to a due session, and three times when the run leases due sessions because it asks
-- the video provider first), and a row about doubles at settlement (about 210 bytes scheduled, 410 final: outcome,
-- amounts, the ledger key and the gateway's reference). Each rewrite stays on its page (a heap-only
-- update: no new entry in any index of sessions) only if the page has room for the new version beside
-- the ones the same batch has not yet released, and sessions booked together settle together. A
-- rewrite that leaves its page adds an entry to every index of sessions, two of them keyed at random
-- (the primary key for ids made elsewhere, and (provider, meeting_id)): on a table of millions of rows
-- a random page each, read, dirtied and written whole to the WAL after a checkpoint. At the default
-- fillfactor of 100 a page filled by inserts has no room at all. Measured in turn: at 80 most rewrites
-- left their page, at 60 about a third, at 40 about one in seven; settling 10,000 due sessions
-- beside 2,000,000 others wrote about 6,900 such pages (40 MB of WAL) at 40 that the same settlement on
-- a table of only them did not. At 30 a page starts with about ten sessions, their final rows fill about
-- half of it, and 99.9 % of the rewrites stay on their page. The price is space: a page holds about a
-- third fewer rows.
-- ---------------------------------------------------------------------------------------------------

create table public.sessions (
  id uuid primary key,
  booking_id text not null
    constraint sessions_booking_id_key unique,
  tutor_id text not null,
  student_id text not null,
  status text not null default 'SCHEDULED'
    constraint sessions_status_is_known check (
      status in (
        'SCHEDULED', 'JOIN_OPEN', 'COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'EARLY_END_SHORT', 'CANCELLED',
        'NO_SHOW_TUTOR', 'NOBODY_JOINED', 'CANCELLED_LATE'
      )
    ),
  version integer not null default 1
    constraint sessions_version_is_positive check (version >= 1),

  scheduled_start_at timestamptz not null,
  scheduled_end_at timestamptz not null,
  duration_minutes integer not null
    constraint sessions_duration_is_whole_minutes_up_to_a_day check (duration_minutes between 1 and 1440),
  join_opens_at timestamptz not null,
  no_show_wait_minutes integer not null,
  min_payable_minutes integer not null,
  no_show_eligible_at timestamptz not null,
  charge_scheduled_at timestamptz not null,

  price_ttd numeric(12, 2) not null
    constraint sessions_price_is_not_negative check (price_ttd >= 0),
  currency text not null default 'TTD'
    constraint sessions_currency_is_iso_4217 check (currency ~ '^[A-Z]{3}$'),

  provider text not null
    constraint sessions_provider_is_known check (provider in ('zoom', 'google_meet')),
  meeting_id text not null,
  join_url text not null,

  student_joined_at timestamptz,
  tutor_joined_at timestamptz,
  meeting_ended_at timestamptz,

  finalized_at timestamptz,
  cancelled_by text
    constraint sessions_cancelled_by_is_known check (cancelled_by in ('tutor', 'student', 'platform')),

  charge_amount_ttd numeric(12, 2),
  payout_amount_ttd numeric(12, 2),
  platform_fee_ttd numeric(12, 2),

  -- awaiting_customer (issue #24): the gateway said only the student can make the charge go through (3-D
  -- Secure, or a decline the bank says the customer must fix). Never cron work (see
  -- itutor_session_work_kinds); the student completes it on-session, each time on a new ledger attempt.
  charge_status text not null default 'none'
    constraint sessions_charge_status_is_known
      check (charge_status in ('none', 'pending', 'succeeded', 'failed', 'awaiting_customer')),
  -- Not unique here: uniqueness of keys lives in the ledger (public.session_charges); a session keeps
  -- the key of its open attempt only.
  charge_idempotency_key text,
  charge_attempts integer not null default 0
    constraint sessions_charge_attempts_is_not_negative check (charge_attempts >= 0),
  charge_reference text,

  claimed_until timestamptz,

  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_write_id uuid,
  -- When the tutor is paid (the core's Session.payoutTiming, the policy's when the session was created):
  -- with the charge (with_charge: a destination charge) or by a transfer once the review window has passed
  -- (after_review: a row of public.session_payouts). Last because issue #23 added it to a released table.
  payout_timing text not null default 'with_charge'
    constraint sessions_payout_timing_is_known check (payout_timing in ('with_charge', 'after_review')),

  constraint sessions_tutor_is_not_the_student check (tutor_id <> student_id),
  constraint sessions_end_is_start_plus_duration
    check (scheduled_end_at = scheduled_start_at + duration_minutes * interval '1 minute'),
  constraint sessions_charge_is_scheduled_at_the_end check (charge_scheduled_at = scheduled_end_at),
  constraint sessions_join_opens_at_or_before_start check (join_opens_at <= scheduled_start_at),
  constraint sessions_no_show_wait_within_duration
    check (no_show_wait_minutes between 0 and duration_minutes and min_payable_minutes between 0 and duration_minutes),
  constraint sessions_no_show_eligible_after_the_wait
    check (no_show_eligible_at = scheduled_start_at + no_show_wait_minutes * interval '1 minute'),
  constraint sessions_amounts_are_set_together
    check ((charge_amount_ttd is null) = (payout_amount_ttd is null) and (payout_amount_ttd is null) = (platform_fee_ttd is null)),
  constraint sessions_amounts_are_not_negative
    check (charge_amount_ttd >= 0 and payout_amount_ttd >= 0 and platform_fee_ttd >= 0),
  constraint sessions_charge_is_payout_plus_fee check (charge_amount_ttd = payout_amount_ttd + platform_fee_ttd),
  constraint sessions_charge_is_at_most_the_price check (charge_amount_ttd <= price_ttd),
  constraint sessions_final_sessions_have_an_outcome check (
    (status in ('SCHEDULED', 'JOIN_OPEN')) = (finalized_at is null)
    and (status in ('SCHEDULED', 'JOIN_OPEN')) = (charge_amount_ttd is null)
  ),
  constraint sessions_only_cancelled_sessions_have_a_canceller
    check ((status in ('CANCELLED', 'CANCELLED_LATE')) = (cancelled_by is not null)),
  -- The outcomes that never take money charge nothing and have no charge to collect; a late cancellation
  -- is the student's (a tutor or the platform cancelling is free) and always charges something (without
  -- a fee it is CANCELLED). COMPLETED_ASSUMED, NO_SHOW_STUDENT and NOBODY_JOINED charge what the policy
  -- of the day said (zero included), which the ledger's attempts then match.
  constraint sessions_uncharged_outcomes_charge_nothing check (
    status not in ('EARLY_END_SHORT', 'CANCELLED', 'NO_SHOW_TUTOR') or (charge_amount_ttd = 0 and charge_status = 'none')
  ),
  constraint sessions_late_cancellations_are_charged_to_the_student
    check (status <> 'CANCELLED_LATE' or (cancelled_by = 'student' and charge_amount_ttd > 0)),
  -- Only a final session with something to charge waits for its student (issue #24): a session that is
  -- not final, or whose outcome charges nothing, has no charge for the student to complete.
  constraint sessions_awaiting_customer_has_a_charge check (
    charge_status <> 'awaiting_customer'
    or (status in ('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'NOBODY_JOINED', 'CANCELLED_LATE') and charge_amount_ttd > 0)
  )
)
with (fillfactor = 30);

alter table public.sessions enable row level security;

comment on table public.sessions is
  'Paid tutoring sessions, one per booking. Timings are computed once at creation and move together only when a session that is not final is rescheduled. A final session (COMPLETED_ASSUMED, NO_SHOW_STUDENT, EARLY_END_SHORT, CANCELLED, NO_SHOW_TUTOR, NOBODY_JOINED, CANCELLED_LATE: itutor_is_final_status) only changes its charge bookkeeping.';

comment on column public.sessions.join_url is 'Handed out only by the join endpoint after the join is recorded; not selectable by clients.';

comment on column public.sessions.claimed_until is 'A settlement worker''s lease; bookkeeping, does not change version.';

comment on column public.sessions.charge_idempotency_key is
  'The idempotency key of the open ledger attempt (null when none is open). Server-side only. Unique per attempt in public.session_charges.';

comment on column public.sessions.charge_attempts is 'How many ledger attempts have been opened.';

comment on column public.sessions.charge_reference is 'The gateway''s id for the succeeded charge. Server-side only.';

comment on column public.sessions.payout_timing is
  'with_charge (the charge pays the tutor) or after_review (the tutor is paid by a payout row of public.session_payouts after the review window). Set when the session is created; frozen with the outcome once the session is final.';

comment on column public.sessions.last_write_id is
  'The write id (SessionWrite.writeId) of the last write applied to the session, or null: a write sent again after its reply was lost is recognised by it and answers as a win without writing again. Bookkeeping, server-side only.';

-- No index of sessions names status or charge_status: the settlement's claims read the work list
-- (public.session_work, in the ledger file), so the settlement, the charge answer and a lease can be
-- heap-only updates.
-- A participant's sessions (RLS reads and host dashboards).
create index sessions_tutor_id_idx on public.sessions (tutor_id, scheduled_start_at);

create index sessions_student_id_idx on public.sessions (student_id, scheduled_start_at);

-- Webhooks name the meeting, not the session: the lookup by (provider, meeting_id).
create index sessions_provider_meeting_idx on public.sessions (provider, meeting_id);

-- True when `b` differs from `a` at most in the fields a final session may still change: the core's
-- FINAL_SESSION_MUTABLE_FIELDS (version, updated_at, charge_status, charge_idempotency_key,
-- charge_attempts, charge_reference, claimed_until, last_write_id). Used by the frozen-outcome trigger and by
-- itutor_apply_session_writes. payout_timing is compared too: the payout rules (public.session_payouts)
-- read it from the final session, so it never changes under a session's charge and payouts.
-- No `set search_path` on purpose: it references nothing but its arguments (no table, no
-- function), its only callers run with search_path = '' (the trigger function and
-- itutor_apply_session_writes), and a SET clause would stop the planner from inlining it into the
-- settlement statement (one function call per written row).
create function public.itutor_session_keeps_outcome(a public.sessions, b public.sessions)
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
    a.charge_amount_ttd, a.payout_amount_ttd, a.platform_fee_ttd, a.created_at, a.payout_timing
  ) is not distinct from (
    b.id, b.booking_id, b.tutor_id, b.student_id, b.status,
    b.scheduled_start_at, b.scheduled_end_at, b.duration_minutes, b.join_opens_at,
    b.no_show_wait_minutes, b.min_payable_minutes, b.no_show_eligible_at, b.charge_scheduled_at,
    b.price_ttd, b.currency, b.provider, b.meeting_id, b.join_url,
    b.student_joined_at, b.tutor_joined_at, b.meeting_ended_at, b.finalized_at, b.cancelled_by,
    b.charge_amount_ttd, b.payout_amount_ttd, b.platform_fee_ttd, b.created_at, b.payout_timing
  )
$$;

create function public.itutor_refuse_final_session_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if not public.itutor_session_keeps_outcome(old, new) then
    raise exception 'session % is final (%): only its charge bookkeeping may change', old.id, old.status
      using errcode = 'check_violation', hint = 'A final session never changes its outcome.';
  end if;
  return new;
end
$$;

-- Enforced for every role, the table owner included: a final session never changes its outcome.
-- The WHEN clause holds the whole test, so the trigger function runs only to refuse: a write of a final
-- session's charge bookkeeping (every charge answer) costs a comparison of its columns, evaluated
-- inline (itutor_session_keeps_outcome has no SET clause), not a call of a plpgsql function.
create trigger sessions_final_outcome_is_frozen
  before update on public.sessions
  for each row
  when (
    public.itutor_is_final_status(old.status)
    and not public.itutor_session_keeps_outcome(old, new)
  )
  execute function public.itutor_refuse_final_session_change();

-- ---------------------------------------------------------------------------------------------------
-- The audit log: append-only. `id` is the order of appending ("oldest first" is `order by id`).
-- ---------------------------------------------------------------------------------------------------

create table public.session_events (
  id bigint generated always as identity primary key,
  session_id uuid references public.sessions (id) on delete restrict,
  tutor_id text not null,
  type text not null
    constraint session_events_type_is_dotted check (type ~ '^[a-z_]+\.[a-z_]+$'),
  actor text not null,
  occurred_at timestamptz not null,
  recorded_at timestamptz not null default now(),
  payload jsonb not null default '{}'::jsonb
    constraint session_events_payload_is_an_object check (jsonb_typeof(payload) = 'object')
);

alter table public.session_events enable row level security;

comment on table public.session_events is
  'Append-only audit log of every state change and accepted input. session_id is null for provider-connection events. occurred_at is business time, recorded_at is when it was written.';

create index session_events_session_id_idx on public.session_events (session_id, id);

create index session_events_tutor_id_idx on public.session_events (tutor_id, id);

create function public.itutor_refuse_event_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'session_events is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege', hint = 'Audit events are never updated or deleted.';
end
$$;

-- Enforced for every role, the table owner included.
create trigger session_events_are_append_only
  before update or delete on public.session_events
  for each row
  execute function public.itutor_refuse_event_change();

create trigger session_events_cannot_be_truncated
  before truncate on public.session_events
  for each statement
  execute function public.itutor_refuse_event_change();

-- ---------------------------------------------------------------------------------------------------
-- Privileges. Clients (anon, authenticated) write nothing and never see secrets: join URLs, meeting
-- ids, worker bookkeeping and write ids are left out of the column grants. All writes go through the
-- server with the service role, which keeps exactly what the repository functions use (no delete, no
-- truncate, no references, no trigger).
-- ---------------------------------------------------------------------------------------------------

revoke all on table public.sessions from public, anon, authenticated, service_role;

grant select (
  id, booking_id, tutor_id, student_id, status, version,
  scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
  no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
  price_ttd, currency, provider,
  student_joined_at, tutor_joined_at, meeting_ended_at, finalized_at, cancelled_by,
  charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, charge_status, charge_attempts,
  created_at, updated_at, payout_timing
) on table public.sessions to authenticated;

grant select, insert, update on table public.sessions to service_role;

revoke all on table public.session_events from public, anon, authenticated, service_role;

grant select (id, session_id, tutor_id, type, actor, occurred_at, recorded_at, payload)
  on table public.session_events to authenticated;

-- Append-only: read and append, nothing else.
grant select, insert on table public.session_events to service_role;

-- The identity column draws from its sequence without any privilege on it.
revoke all on sequence public.session_events_id_seq from public, anon, authenticated, service_role;

revoke all on function public.itutor_session_keeps_outcome(public.sessions, public.sessions) from public, anon, authenticated;

grant execute on function public.itutor_session_keeps_outcome(public.sessions, public.sessions) to service_role;

revoke all on function public.itutor_refuse_final_session_change() from public, anon, authenticated;

revoke all on function public.itutor_cancellation_quote(timestamptz, bigint, text, timestamptz, jsonb, integer) from public, anon, authenticated;

grant execute on function public.itutor_cancellation_quote(timestamptz, bigint, text, timestamptz, jsonb, integer) to service_role;

revoke all on function public.itutor_refuse_event_change() from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------------
-- Row-level security. Clients read only what they take part in; there are no client write policies.
-- The service role bypasses RLS on Supabase; the explicit policies keep it working where it does not.
-- ---------------------------------------------------------------------------------------------------

create policy "Participants can read their own sessions"
  on public.sessions
  for select
  to authenticated
  using (tutor_id = (select auth.uid())::text or student_id = (select auth.uid())::text);

create policy "The service role can manage sessions"
  on public.sessions
  for all
  to service_role
  using (true)
  with check (true);

create policy "Participants can read the events of their sessions"
  on public.session_events
  for select
  to authenticated
  using (
    session_id in (
      select s.id
      from public.sessions as s
      where s.tutor_id = (select auth.uid())::text or s.student_id = (select auth.uid())::text
    )
  );

create policy "Tutors can read their own provider events"
  on public.session_events
  for select
  to authenticated
  using (session_id is null and tutor_id = (select auth.uid())::text);

create policy "The service role can read events"
  on public.session_events
  for select
  to service_role
  using (true);

create policy "The service role can append events"
  on public.session_events
  for insert
  to service_role
  with check (true);
