-- iTutor Sessions: the ledger — charge attempts, refunds, payouts, disputes, chargebacks, and the settlement's
-- work list.
--
-- Every attempt to take a session's money is a row of public.session_charges with its own idempotency
-- key. An unknown answer is retried under the same key; a definite decline closes the attempt and the
-- next retry opens a new one with a new key. The session keeps a summary (charge_status, the key of the
-- open attempt, how many attempts were opened, the reference of the succeeded charge).
--
-- The record of money taken is immutable, for every writer (the SDK's functions, the service role
-- writing directly, the table owner, a superuser — only triggers switched off bypass it):
--   - an attempt moves only forward, as the core writes it: an open one (`pending` or `unknown`) takes
--     `unknown`, `succeeded`, `failed` or `halted`, never `pending` again; a `succeeded`, `failed`
--     (declined) or `halted` attempt never changes again; an attempt's key, outcome, amounts, currency
--     and requested time never change, its calls never go down, a stored gateway reference is never
--     replaced or erased; attempts are never deleted;
--   - no attempt is inserted for a session whose ledger holds a succeeded attempt;
--   - the charge summary of a session whose charge succeeded (charge_status, charge_idempotency_key,
--     charge_attempts, charge_reference) never changes, and no write sets a final session's
--     charge_status to anything but `succeeded` while its ledger holds a succeeded attempt.
-- So a session that was paid can never ask for money again: settlement collects only sessions whose
-- charge_status is `pending`, and opens attempts only by inserting them. (Without these rules, an
-- outside attack showed that the service role could set a succeeded attempt to `failed`, set the
-- session's summary back to `pending`, and the next settlement took the student's money a second time.)
--
-- A halted attempt (the gateway halted it: the first call may have taken money) has a status of its own,
-- `halted`, so that storage can tell it from an attempt still awaiting its answer. The core records a
-- late success of a declined or halted attempt (a webhook saying it took money after all) as a new
-- ledger row, already `succeeded`, after every attempt opened so far, under its own derived key (never
-- sent to the gateway); the declined or halted row stays as it is.

-- ---------------------------------------------------------------------------------------------------
-- The ledger: one row per attempt.
--
-- Fillfactor 70: an attempt is opened (pending) and then answered (a larger row). At the default
-- fillfactor of 100 a new attempt goes to whatever page the free-space map offers, on a ledger of
-- millions of rows the few hundred bytes left on an old page (a random page per attempt, read and
-- WAL-logged), and its answer to another one. Keeping 30 % of a page for updates makes new attempts go
-- to pages with room (the newest) and their answers stay on the same page.
-- ---------------------------------------------------------------------------------------------------

create table public.session_charges (
  session_id uuid not null,
  attempt integer not null
    constraint session_charges_attempt_is_positive check (attempt >= 1),
  idempotency_key text not null,
  -- The outcomes that can take money (the core's CHARGED_OUTCOMES): NOBODY_JOINED only when the host
  -- charges for it, CANCELLED_LATE the fee of its cancellation tier.
  outcome text not null
    constraint session_charges_outcome_is_charged
      check (outcome in ('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'NOBODY_JOINED', 'CANCELLED_LATE')),
  charge_amount_ttd numeric(12, 2) not null
    constraint session_charges_charge_is_positive check (charge_amount_ttd > 0),
  payout_amount_ttd numeric(12, 2) not null
    constraint session_charges_payout_is_not_negative check (payout_amount_ttd >= 0),
  platform_fee_ttd numeric(12, 2) not null
    constraint session_charges_fee_is_not_negative check (platform_fee_ttd >= 0),
  currency text not null
    constraint session_charges_currency_is_iso_4217 check (currency ~ '^[A-Z]{3}$'),
  status text not null default 'pending'
    constraint session_charges_status_is_known check (status in ('pending', 'unknown', 'succeeded', 'failed', 'halted')),
  gateway_reference text,
  failure_code text,
  calls integer not null default 0
    constraint session_charges_calls_is_not_negative check (calls >= 0),
  requested_at timestamptz not null,
  answered_at timestamptz,
  updated_at timestamptz not null default now(),

  constraint session_charges_pkey primary key (session_id, attempt),
  constraint session_charges_charge_is_payout_plus_fee check (charge_amount_ttd = payout_amount_ttd + platform_fee_ttd),
  -- Sessions with attempts cannot be deleted; the probe uses the primary key. That an attempt's outcome
  -- and amounts are its session's is the constraint trigger session_charges_amounts_are_the_session_outcome
  -- below.
  constraint session_charges_session_id_fkey
    foreign key (session_id) references public.sessions (id) on update restrict on delete restrict,
  -- A key in the SDK's namespace must be the one derived from its own attempt
  -- (`itutor-session-<session id>-<outcome>-<attempt>`, the core's chargeIdempotencyKey;
  -- case-insensitively). Equal derived keys then name the same (session_id, attempt), which the primary
  -- key keeps unique.
  constraint session_charges_sdk_keys_are_derived check (
    lower(idempotency_key) not like 'itutor-session-%'
    or lower(idempotency_key) = lower('itutor-session-' || session_id::text || '-' || outcome || '-' || attempt::text)
  )
)
with (fillfactor = 70);

alter table public.session_charges enable row level security;

comment on table public.session_charges is
  'The charge ledger: one row per attempt to take a session''s money, with its own idempotency key. At most one succeeded attempt per session, and none opened after it; amounts always equal the session''s outcome amounts; succeeded, failed and halted attempts never change; attempts are never deleted. idempotency_key and gateway_reference are server-side only.';

comment on column public.session_charges.idempotency_key is
  'Server-side only: the gateway deduplicates on it. Never selectable by clients. Unique across the ledger: a key starting with itutor-session- must be the one derived from its attempt (unique with the primary key); any other key is kept unique by session_charges_other_idempotency_keys_key.';

comment on column public.session_charges.status is
  'pending (opened, no answer), unknown (retried under the same key), succeeded, failed (declined: the next retry opens a new attempt), halted (the gateway halted it: never sent again, may have taken money). Succeeded, failed and halted attempts never change.';

comment on column public.session_charges.gateway_reference is 'The gateway''s id for the charge. Server-side only, never selectable by clients.';

comment on column public.session_charges.failure_code is 'The gateway''s reason for a decline (e.g. card_declined), or why the answer is unknown.';

comment on column public.session_charges.calls is 'Gateway calls made under this attempt''s key.';

comment on column public.session_charges.requested_at is 'Business time at which the attempt was opened.';

comment on column public.session_charges.answered_at is 'Business time of the last answer (or unknown outcome) recorded.';

comment on column public.session_charges.updated_at is 'When the row was last written (the database''s clock).';

-- At most one succeeded attempt per session.
create unique index session_charges_one_success_per_session on public.session_charges (session_id)
  where status = 'succeeded';

-- The ledger's idempotency keys. Every key is unique across the whole ledger, and a reused key is
-- refused with unique_violation (23505): the SDK's keys (pinned by session_charges_sdk_keys_are_derived)
-- by the primary key, every other key (none written by the SDK) by this partial unique index. A derived
-- key can never equal one of the others (they do not start with itutor-session-). Why not one unique
-- index on every key: settling a session writes entries into every B-tree keyed by something random;
-- on a ledger of millions of attempts those leaves are spread over far more pages than shared_buffers
-- holds, so each attempt read, dirtied and (first after a checkpoint) WAL-logged a page of the widest
-- random index of the ledger (about 70 bytes per entry). The SDK's attempts write none of it.
create unique index session_charges_other_idempotency_keys_key on public.session_charges (idempotency_key)
  where not (lower(idempotency_key) = lower('itutor-session-' || session_id::text || '-' || outcome || '-' || attempt::text));

-- ---------------------------------------------------------------------------------------------------
-- The ledger's rules for every writer.
-- ---------------------------------------------------------------------------------------------------

-- "An attempt's outcome, amounts and currency are its session's", without a second index on sessions.
-- A composite foreign key to a unique constraint on sessions (id, status, amounts, currency) would say
-- the same declaratively, but that unique index costs one more entry per non-HOT update of every
-- session, is as large as the primary key and as randomly ordered: on a table grown to millions of
-- sessions most of its pages are not in memory, and settlement paid a page read per entry (measured with
-- 1,000,000 upcoming and 1,000,000 final sessions beside 10,000 due ones, it was one of the five indexes
-- responsible for nearly all of the reads that the due-only table does not make). Instead: the plain
-- foreign key on session_id above, and this constraint trigger. It is an AFTER trigger, so like a
-- foreign key it runs at the end of the statement and sees the session as the statement left it
-- (itutor_apply_session_writes finalizes a session and opens its first attempt in one statement). The
-- other direction (a session's outcome changing under its attempts) needs nothing here: attempts exist
-- only for final sessions, and sessions_final_outcome_is_frozen refuses any change of a final session's
-- outcome, for every role.

create function public.itutor_refuse_charge_not_matching_session()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform 1
  from public.sessions as s
  where s.id = new.session_id
    and s.status = new.outcome
    and s.charge_amount_ttd = new.charge_amount_ttd
    and s.payout_amount_ttd = new.payout_amount_ttd
    and s.platform_fee_ttd = new.platform_fee_ttd
    and s.currency = new.currency;
  if not found then
    raise exception 'charge attempt % of session % does not match the session''s outcome, amounts and currency', new.attempt, new.session_id
      using errcode = 'foreign_key_violation', hint = 'An attempt always charges exactly its session''s outcome amounts.';
  end if;
  return null;
end
$$;

comment on function public.itutor_refuse_charge_not_matching_session() is
  'Constraint trigger of public.session_charges: an attempt''s outcome, amounts and currency are its session''s.';

-- Enforced for every role, the table owner included.
create constraint trigger session_charges_amounts_are_the_session_outcome
  after insert or update of session_id, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency
  on public.session_charges
  for each row
  execute function public.itutor_refuse_charge_not_matching_session();

-- ---------------------------------------------------------------------------------------------------
-- The ledger's rules for every writer.
-- ---------------------------------------------------------------------------------------------------

-- An attempt as the core writes it: opened (inserted) only while its session's ledger holds no success;
-- changed only forward; the record of money taken (and of a decline, and of a halt) never changed;
-- never deleted. Reads nothing but the row, except one probe of session_charges_one_success_per_session
-- per insert.
--
-- Sequential scans off for the probe: plpgsql plans it once per connection, and a plan made while the
-- statistics say the ledger is empty (a new installation, analyzed before its first charge) is a Seq
-- Scan, kept while the ledger grows: one INSERT of 10,000 attempts then scanned the ledger once per
-- attempt (4.3 s instead of 0.04 s). With them off the probe always reads an index (the partial unique
-- index of successes, or the primary key), whatever the statistics say and whoever writes (the SDK's
-- functions run with them off already; a host's own SQL does not). The function has a SET clause
-- already (search_path), so a second one costs no extra call overhead.
create function public.itutor_keep_charge_record()
returns trigger
language plpgsql
set search_path = ''
set enable_seqscan = off
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
      and public.itutor_is_final_status(old.status)
    )
  )
  execute function public.itutor_keep_paid_charge();

-- A session waiting for its student (charge_status awaiting_customer, issue #24) holds no key (the student
-- has not started a payment, or the last one was answered) or the key of its open attempt (pending or
-- unknown: the student's payment under way), never the key of an answered attempt or of none. Without
-- it a session could name a failed attempt as open, and the student's next payment would be sent under a
-- key the gateway has already answered.
--
-- A constraint trigger deferred to the end of the transaction: the write that opens the student's
-- attempt sets the session's key (its compare-and-set) before it inserts the attempt, in the same call,
-- and an answer writes the session before the attempt. It re-reads the session, so it judges the session
-- as the transaction leaves it (a session paid since is not held to it). Only writes that leave a session
-- awaiting its student with a key queue it (the WHEN clause): a settlement or a charge answer of any
-- other session never runs it. One probe of the ledger's primary key (session_id, then the key).
create function public.itutor_check_awaiting_customer_key()
returns trigger
language plpgsql
set search_path = ''
set enable_seqscan = off
as $$
begin
  perform 1
  from public.sessions as s
  where s.id = new.id
    and s.charge_status = 'awaiting_customer'
    and s.charge_idempotency_key is not null
    and not exists (
      select 1 from public.session_charges as c
      where c.session_id = s.id and c.idempotency_key = s.charge_idempotency_key and c.status in ('pending', 'unknown')
    );
  if found then
    raise exception 'session %: a charge awaiting its student holds no key, or the key of its open (pending or unknown) attempt', new.id
      using errcode = 'check_violation', hint = 'The student''s payment opens a new attempt; its key is the session''s while it is open.';
  end if;
  return null;
end
$$;

comment on function public.itutor_check_awaiting_customer_key() is
  'Constraint trigger of public.sessions (deferred): a session whose charge awaits its student holds no key or the key of its open (pending or unknown) attempt.';

-- Enforced for every role, the table owner included; at commit (see above).
create constraint trigger sessions_awaiting_customer_key_is_the_open_attempt
  after insert or update of charge_status, charge_idempotency_key on public.sessions
  deferrable initially deferred
  for each row
  when (new.charge_status = 'awaiting_customer' and new.charge_idempotency_key is not null)
  execute function public.itutor_check_awaiting_customer_key();

-- A trigger function is never called directly; hosted Supabase grants EXECUTE on new functions in public
-- to anon and authenticated by default.
revoke all on function public.itutor_refuse_charge_not_matching_session() from public, anon, authenticated, service_role;

-- Trigger functions are never called directly; hosted Supabase grants EXECUTE on new functions in public
-- to anon and authenticated by default.
revoke all on function public.itutor_keep_charge_record() from public, anon, authenticated, service_role;

revoke all on function public.itutor_keep_paid_charge() from public, anon, authenticated, service_role;

revoke all on function public.itutor_check_awaiting_customer_key() from public, anon, authenticated, service_role;

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
-- Refunds.
-- ---------------------------------------------------------------------------------------------------
--
-- A refund returns all or part of one succeeded charge attempt. Refunds are rows of their own table,
-- public.session_refunds, rather than a kind of public.session_charges row: an attempt's amounts always
-- equal its session's outcome amounts (a constraint trigger says so), while a charge may have several refunds whose
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
-- (itutor_apply_session_writes_in_batch) apply them. The set-based batch statement handles charge changes only
-- (itutor_apply_charge_writes_in_batch); a batch that carries a refund change — rare: refunds come one at a
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

alter table public.session_refunds enable row level security;

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

revoke all on function public.itutor_check_session_refund() from public, anon, authenticated;

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

-- ---------------------------------------------------------------------------------------------------
-- Payouts (issue #23): the tutor's share of a succeeded charge, paid in a step of its own.
-- ---------------------------------------------------------------------------------------------------
--
-- A session's payout timing is sessions.payout_timing (the policy's when it was created; frozen with the
-- outcome once the session is final):
--   with_charge (the default) — the charge itself pays the tutor (Stripe: a destination charge). No row is
--     stored here: the payout is the succeeded charge attempt (the core's payoutsFromLedger answers it).
--   after_review — the platform takes the whole charge; the write that records its success opens payout 1
--     here (scheduled, due when the review window closes). The payout run sends it when due, unless the
--     session's dispute is unresolved, for the outcome's payout less the tutor's part of every refund not
--     failed; a definite failure opens the next row under a new key, as a declined charge does.
--
-- A row moves like a charge attempt: scheduled → pending (sent: its amount fixed) → succeeded / failed /
-- unknown (sent again under the same key) / halted; scheduled → cancelled (nothing left to pay). The rules
-- are the core's (the in-memory adapter's checkPayouts), enforced here for every writer (the apply
-- functions, the service role writing directly, the table owner):
--   - only a session whose payout_timing is after_review and whose charge succeeded has payout rows, in
--     its currency; a row opens scheduled, for the session's payout amount;
--   - at most one payout of a session succeeds (session_payouts_one_success_per_session);
--   - a scheduled row is only sent (pending, for exactly what is left to pay: the session's payout less
--     the payout parts of its refunds not failed and the tutor's shares withheld for its chargebacks, at
--     least 0.01) or cancelled (0.00, nothing left), and never while the session's dispute is unresolved
--     or one of its chargebacks is open (not in a final status: issue #24);
--   - a sent row (pending, unknown) only takes answers: its amount and sent time never change, a stored
--     gateway reference is never replaced or erased, its calls never go down;
--   - a settled row (succeeded, failed, halted, cancelled) never changes; a row's session, number, key,
--     timing, currency, due and requested times never change; rows are never deleted.
-- Sending locks the session's succeeded attempt first, as a refund and an opening dispute do, so the
-- session's money writers are checked one after the other against committed rows.
--
-- Payout rows are written only as ledger changes of a session write (itutor_apply_session_writes), in the
-- same transaction as the session's compare-and-set:
--   { "type": "payout_open", "payout": <session_payouts row> }
--   { "type": "payout_send", "session_id", "payout", "status" (pending | cancelled), "amount_ttd", "sent_at", "refunds_before" }
--   { "type": "payout_answer", "session_id", "payout", "status", "gateway_reference", "failure_code", "answered_at" }

create table public.session_payouts (
  session_id uuid not null,
  payout integer not null
    constraint session_payouts_payout_is_positive check (payout >= 1),
  idempotency_key text not null
    constraint session_payouts_idempotency_key_key unique,
  -- A with_charge payout is its charge attempt and never stored.
  timing text not null default 'after_review'
    constraint session_payouts_timing_is_after_review check (timing = 'after_review'),
  amount_ttd numeric(12, 2) not null
    constraint session_payouts_amount_is_not_negative check (amount_ttd >= 0),
  currency text not null
    constraint session_payouts_currency_is_iso_4217 check (currency ~ '^[A-Z]{3}$'),
  status text not null default 'scheduled'
    constraint session_payouts_status_is_known
      check (status in ('scheduled', 'pending', 'unknown', 'succeeded', 'failed', 'halted', 'cancelled')),
  due_at timestamptz not null,
  gateway_reference text,
  failure_code text,
  calls integer not null default 0
    constraint session_payouts_calls_is_not_negative check (calls >= 0),
  requested_at timestamptz not null,
  sent_at timestamptz,
  -- The session's last refund number when it was sent: a refund numbered above it reverses the transfer.
  refunds_before integer
    constraint session_payouts_refunds_before_is_not_negative check (refunds_before >= 0),
  answered_at timestamptz,
  updated_at timestamptz not null default now(),

  constraint session_payouts_pkey primary key (session_id, payout),
  constraint session_payouts_session_id_fkey
    foreign key (session_id) references public.sessions (id) on update restrict on delete restrict,
  -- Sent (or cancelled) exactly when it left scheduled; a cancelled payout pays nothing.
  constraint session_payouts_sent_when_not_scheduled check ((status = 'scheduled') = (sent_at is null)),
  constraint session_payouts_cancelled_pays_nothing check (status <> 'cancelled' or amount_ttd = 0),
  constraint session_payouts_refunds_before_when_sent check ((status = 'scheduled') = (refunds_before is null))
);

alter table public.session_payouts enable row level security;

comment on table public.session_payouts is
  'Payouts of after_review sessions: one row per transfer of the tutor''s share of a succeeded charge, its own idempotency key. At most one succeeds per session; a sent amount is the session''s payout less the payout parts of its refunds not failed and the tutor''s shares withheld for its chargebacks; nothing is sent while the session''s dispute is unresolved or a chargeback is open; settled rows never change. Written only through itutor_apply_session_writes.';

comment on column public.session_payouts.idempotency_key is 'The payout''s own key at the gateway (Stripe: the transfer''s). Server-side only.';

comment on column public.session_payouts.gateway_reference is 'The gateway''s id for the transfer. Server-side only.';

comment on column public.session_payouts.amount_ttd is
  'While scheduled, the session''s payout; once sent, exactly what was sent (what was left to pay); 0.00 when cancelled.';

comment on column public.session_payouts.due_at is 'When it may be sent: the end of the review window (a retry after a decline: at once).';

-- At most one payout of a session succeeds.
create unique index session_payouts_one_success_per_session on public.session_payouts (session_id)
  where status = 'succeeded';

-- The payout run's list (itutor_list_due_payouts) reads two small partial indexes in the list's order and
-- stops at its limit, never the table: the scheduled rows, and the sent rows whose answer is unknown or
-- that were never answered (as session_refunds_to_retry_idx does for refunds).
create index session_payouts_scheduled_idx on public.session_payouts (due_at, session_id, payout)
  where status = 'scheduled';

create index session_payouts_to_resend_idx on public.session_payouts (due_at, session_id, payout)
  where status = 'unknown' or (status = 'pending' and answered_at is null);

-- The payout rules, for every writer. Sequential scans off for its probes (the session by its primary key,
-- the success and the dispute by theirs, the refunds by theirs): a plan made while the statistics said a
-- table was empty would otherwise keep scanning it as it grows (see itutor_keep_charge_record).
create function public.itutor_check_session_payout()
returns trigger
language plpgsql
set search_path = ''
set enable_seqscan = off
as $$
declare
  s public.sessions;
  v_left numeric;
begin
  if tg_op = 'DELETE' then
    raise exception 'payout % of session % is part of the record of money paid: payouts are never deleted', old.payout, old.session_id
      using errcode = 'check_violation';
  end if;

  if tg_op = 'INSERT' then
    select * into s from public.sessions as x where x.id = new.session_id;
    if not found then
      raise exception 'payout % names session %, which does not exist', new.payout, new.session_id
        using errcode = 'foreign_key_violation';
    end if;
    if s.payout_timing <> 'after_review' then
      raise exception 'payout % of session %: only an after_review session has payout rows', new.payout, new.session_id
        using errcode = 'check_violation', hint = 'A with_charge session is paid by its charge.';
    end if;
    if new.status <> 'scheduled' or new.amount_ttd is distinct from s.payout_amount_ttd or new.currency <> s.currency then
      raise exception 'payout % of session % must open scheduled, for the session''s payout in its currency', new.payout, new.session_id
        using errcode = 'check_violation';
    end if;
    if not exists (select 1 from public.session_charges as c where c.session_id = new.session_id and c.status = 'succeeded') then
      raise exception 'payout % of session %: the session has no succeeded charge to pay out from', new.payout, new.session_id
        using errcode = 'check_violation';
    end if;
    return new;
  end if;

  if new is not distinct from old then
    return new;
  end if;
  if (new.session_id, new.payout, new.idempotency_key, new.timing, new.currency, new.due_at, new.requested_at)
     is distinct from
     (old.session_id, old.payout, old.idempotency_key, old.timing, old.currency, old.due_at, old.requested_at) then
    raise exception 'payout % of session %: a payout''s session, number, key, timing, currency, due and requested times never change', old.payout, old.session_id
      using errcode = 'check_violation';
  end if;
  if old.status in ('succeeded', 'failed', 'halted', 'cancelled') then
    raise exception 'payout % of session % is %: it never changes again', old.payout, old.session_id, old.status
      using errcode = 'check_violation';
  end if;

  if old.status = 'scheduled' then
    if new.status = 'scheduled' and new.amount_ttd = old.amount_ttd and new.calls = old.calls then
      return new;
    end if;
    if new.status not in ('pending', 'cancelled') then
      raise exception 'payout % of session % must be sent or cancelled first', old.payout, old.session_id
        using errcode = 'check_violation';
    end if;
    -- The session's money writers one after the other: refunds and an opening dispute lock this row too.
    perform 1 from public.session_charges as c where c.session_id = new.session_id and c.status = 'succeeded' for update;
    if not found then
      raise exception 'payout % of session %: the session has no succeeded charge to pay out from', old.payout, old.session_id
        using errcode = 'check_violation';
    end if;
    if exists (select 1 from public.session_disputes as d where d.session_id = new.session_id and d.status <> 'resolved') then
      raise exception 'payout % of session % is held by the session''s unresolved dispute', old.payout, old.session_id
        using errcode = 'check_violation', hint = 'A payout is sent once the dispute is resolved.';
    end if;
    -- A chargeback not in a final status (the core's FINAL_CHARGEBACK_STATUSES) holds it too: what the
    -- tutor is owed depends on how it ends (a share withheld when lost).
    if exists (
      select 1 from public.session_chargebacks as b
      where b.session_id = new.session_id and b.status not in ('warning_closed', 'prevented', 'won', 'lost')
    ) then
      raise exception 'payout % of session % is held by the session''s open chargeback', old.payout, old.session_id
        using errcode = 'check_violation', hint = 'A payout is sent once every chargeback of the session is closed.';
    end if;
    select greatest(
      0,
      x.payout_amount_ttd
        - coalesce((
          select sum(r.payout_ttd) from public.session_refunds as r where r.session_id = new.session_id and r.status <> 'failed'
        ), 0)
        - coalesce((
          select sum(b.tutor_share_ttd) from public.session_chargebacks as b where b.session_id = new.session_id and b.tutor_share = 'withheld'
        ), 0)
    )
    into v_left
    from public.sessions as x
    where x.id = new.session_id;
    if new.status = 'pending' and (v_left is null or v_left <= 0 or new.amount_ttd <> v_left) then
      raise exception 'payout % of session %: the amount sent must be what is left to pay (%)', old.payout, old.session_id, coalesce(v_left, 0)
        using errcode = 'check_violation';
    end if;
    if new.status = 'cancelled' and (new.amount_ttd <> 0 or coalesce(v_left, 0) <> 0) then
      raise exception 'payout % of session %: cancelled only with nothing left to pay (%)', old.payout, old.session_id, coalesce(v_left, 0)
        using errcode = 'check_violation';
    end if;
    if new.refunds_before is distinct from coalesce((select max(r.refund) from public.session_refunds as r where r.session_id = new.session_id), 0) then
      raise exception 'payout % of session %: refunds_before must be the session''s last refund number', old.payout, old.session_id
        using errcode = 'check_violation';
    end if;
    return new;
  end if;

  -- Sent (pending, unknown): it only takes answers.
  if new.amount_ttd <> old.amount_ttd or new.sent_at is distinct from old.sent_at or new.refunds_before is distinct from old.refunds_before
     or not (new.status in ('unknown', 'succeeded', 'failed', 'halted') or (new.status = old.status and new.calls = old.calls)) then
    raise exception 'payout % of session %: a sent payout only takes an answer (unknown, succeeded, failed or halted)', old.payout, old.session_id
      using errcode = 'check_violation';
  end if;
  if old.gateway_reference is not null and new.gateway_reference is distinct from old.gateway_reference then
    raise exception 'payout % of session %: a stored gateway reference is never replaced or erased', old.payout, old.session_id
      using errcode = 'check_violation';
  end if;
  if new.calls < old.calls then
    raise exception 'payout % of session %: calls never go down', old.payout, old.session_id
      using errcode = 'check_violation';
  end if;
  return new;
end
$$;

comment on function public.itutor_check_session_payout() is
  'Trigger of public.session_payouts: only after_review sessions with a succeeded charge have payouts; a row opens scheduled for the session''s payout; it is sent for exactly what is left to pay (less refunds'' payout parts and withheld chargeback shares), never while the dispute is unresolved or a chargeback is open; a sent row only takes answers; settled rows and identities never change; rows are never deleted.';

-- Enforced for every role, the table owner included.
create trigger session_payouts_check
  before insert or update or delete on public.session_payouts
  for each row execute function public.itutor_check_session_payout();

revoke all on function public.itutor_check_session_payout() from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- Disputes (issue #23): at most one per session, opened by its student on a succeeded charge.
-- ---------------------------------------------------------------------------------------------------
--
-- open (the tutor's turn) → offered (a partial refund offered: the student's turn) / contested (the
-- platform's turn) → resolved (full_refund, partial_refund or no_refund; final). The core decides the
-- steps (decideDispute); its messages live in the audit events. The refund a resolution asks for is a
-- refund row opened in the same write. Storage keeps the rules of the in-memory adapter's checkDispute,
-- for every writer: a session has at most one dispute (the primary key), opened as open on a succeeded
-- charge; a resolved dispute never changes again; its reason, student and opening time never change;
-- a resolution carries its outcome (resolution, refund, time). An unresolved dispute holds the session's
-- payout (see itutor_check_session_payout). Disputes are never deleted.
--
-- Written only as ledger changes of a session write (itutor_apply_session_writes):
--   { "type": "dispute_open", "dispute": <session_disputes row> }
--   { "type": "dispute_update", "dispute": <session_disputes row> }

create table public.session_disputes (
  session_id uuid not null,
  status text not null default 'open'
    constraint session_disputes_status_is_known check (status in ('open', 'offered', 'contested', 'resolved')),
  reason text not null
    constraint session_disputes_reason_is_known
      check (reason in ('tutor_absent', 'ended_early', 'technical_problem', 'quality', 'other')),
  opened_by text not null
    constraint session_disputes_opened_by_length check (char_length(opened_by) between 1 and 200),
  opened_at timestamptz not null,
  offer_ttd numeric(12, 2)
    constraint session_disputes_offer_is_positive check (offer_ttd > 0),
  resolution text
    constraint session_disputes_resolution_is_known check (resolution in ('full_refund', 'partial_refund', 'no_refund')),
  refund_ttd numeric(12, 2)
    constraint session_disputes_refund_is_not_negative check (refund_ttd >= 0),
  resolved_by text
    constraint session_disputes_resolved_by_length check (char_length(resolved_by) between 1 and 200),
  resolved_by_role text
    constraint session_disputes_resolved_by_role_is_known check (resolved_by_role in ('student', 'tutor', 'platform')),
  resolved_at timestamptz,
  -- Business time of the last step (the core's Dispute.updatedAt), not the database's clock.
  updated_at timestamptz not null,

  constraint session_disputes_pkey primary key (session_id),
  constraint session_disputes_session_id_fkey
    foreign key (session_id) references public.sessions (id) on update restrict on delete restrict,
  constraint session_disputes_resolved_have_an_outcome check (
    (status = 'resolved') = (resolution is not null)
    and (status = 'resolved') = (refund_ttd is not null)
    and (status = 'resolved') = (resolved_at is not null)
  ),
  constraint session_disputes_only_resolved_have_a_resolver
    check (status = 'resolved' or (resolved_by is null and resolved_by_role is null)),
  constraint session_disputes_offers_have_an_amount check (status <> 'offered' or offer_ttd is not null),
  constraint session_disputes_no_refund_refunds_nothing check (resolution is distinct from 'no_refund' or refund_ttd = 0)
);

alter table public.session_disputes enable row level security;

comment on table public.session_disputes is
  'Disputes: at most one per session, opened by its student on a succeeded charge; a resolved one never changes. An unresolved dispute holds the session''s payout. Written only through itutor_apply_session_writes.';

comment on column public.session_disputes.offer_ttd is 'The tutor''s standing offer while offered, else the last offer made, or null.';

comment on column public.session_disputes.refund_ttd is 'The refund the resolution asked for (0.00 for no_refund), or null while unresolved.';

-- The platform's queue (itutor_list_unresolved_disputes): the disputes not yet resolved, oldest first.
create index session_disputes_unresolved_idx on public.session_disputes (opened_at, session_id)
  where status <> 'resolved';

create function public.itutor_check_session_dispute()
returns trigger
language plpgsql
set search_path = ''
set enable_seqscan = off
as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'the dispute of session % is never deleted', old.session_id
      using errcode = 'check_violation';
  end if;

  if tg_op = 'INSERT' then
    -- Locks the succeeded attempt (as a refund and a payout being sent do): a payout sent at the same
    -- time is checked after this dispute commits, and sees it.
    perform 1 from public.session_charges as c where c.session_id = new.session_id and c.status = 'succeeded' for update;
    if not found or new.status <> 'open' then
      raise exception 'the dispute of session % opens only as open, on a succeeded charge', new.session_id
        using errcode = 'check_violation';
    end if;
    return new;
  end if;

  if old.status = 'resolved' then
    raise exception 'the dispute of session % is resolved: it never changes again', old.session_id
      using errcode = 'check_violation';
  end if;
  if (new.session_id, new.reason, new.opened_by, new.opened_at) is distinct from (old.session_id, old.reason, old.opened_by, old.opened_at) then
    raise exception 'the dispute of session %: its session, reason, student and opening time never change', old.session_id
      using errcode = 'check_violation';
  end if;
  return new;
end
$$;

comment on function public.itutor_check_session_dispute() is
  'Trigger of public.session_disputes: a dispute opens as open on a succeeded charge; a resolved one never changes; its session, reason, student and opening time never change; disputes are never deleted.';

-- Enforced for every role, the table owner included.
create trigger session_disputes_check
  before insert or update or delete on public.session_disputes
  for each row execute function public.itutor_check_session_dispute();

revoke all on function public.itutor_check_session_dispute() from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- Chargebacks (issue #24): card disputes the student opened at their bank, against a succeeded attempt.
-- ---------------------------------------------------------------------------------------------------
--
-- The gateway reports each change of a dispute (Stripe `charge.dispute.*`); the core keeps the newest
-- report in the session's chargeback row, stages evidence at the gateway, and a platform person submits
-- it. Who bears the loss is the policy's when it opened (loss_bearer): the tutor's share of the disputed
-- amount (tutor_share_ttd: amount × the attempt's payout ÷ its charge, rounded down; 0.00 when the platform
-- bears it) is then reversed from the tutor's transfer, withheld from a payout not yet sent, and given
-- back when the platform wins (tutor_share). A chargeback not in a final status holds the session's
-- payout (itutor_check_session_payout), and a withheld share is taken from what is sent.
--
-- Storage keeps the rules of the core's chargeback ledger, for every writer (the apply functions, the
-- service role writing directly, the table owner):
--   - a row disputes a succeeded attempt of its session, in the attempt's currency; its number is the
--     session's next (1, 2, …); its gateway reference is unique;
--   - its identity never changes: attempt, reference, currency, amount, loss bearer, tutor share amount
--     and opening time;
--   - evidence moves one step at a time, forward only: none → staged (staged again with new text) →
--     submitted, and submitted evidence never changes;
--   - the tutor's share moves none → reversed | withheld | failed, reversed → reinstated | failed,
--     failed → reversed | reinstated, and nothing else (withheld and reinstated are final);
--   - funds withdrawn and funds reinstated never go down;
--   - rows are never deleted.
-- Participants read nothing of it (they learn that a chargeback exists, and that it closed, from the
-- audit events): the reference, the bank's reason and the staged evidence are the platform's.
--
-- Written only as ledger changes of a session write (itutor_apply_session_writes), in the same
-- transaction as the session's compare-and-set:
--   { "type": "chargeback_open", "chargeback": <session_chargebacks row> }
--   { "type": "chargeback_update", "chargeback": <session_chargebacks row> }

create table public.session_chargebacks (
  session_id uuid not null,
  chargeback integer not null
    constraint session_chargebacks_chargeback_is_positive check (chargeback >= 1),
  attempt integer not null,
  reference text not null
    constraint session_chargebacks_reference_key unique,
  -- The gateway's status (Stripe's Dispute.status; the core's ChargebackStatus).
  status text not null
    constraint session_chargebacks_status_is_known check (
      status in (
        'warning_needs_response', 'warning_under_review', 'warning_closed', 'needs_response', 'under_review',
        'won', 'lost', 'prevented'
      )
    ),
  reason text not null
    constraint session_chargebacks_reason_length check (char_length(reason) between 1 and 200),
  amount_ttd numeric(12, 2) not null
    constraint session_chargebacks_amount_is_positive check (amount_ttd > 0),
  currency text not null
    constraint session_chargebacks_currency_is_iso_4217 check (currency ~ '^[A-Z]{3}$'),
  fee_ttd numeric(12, 2) not null default 0
    constraint session_chargebacks_fee_is_not_negative check (fee_ttd >= 0),
  funds_withdrawn_ttd numeric(12, 2) not null default 0
    constraint session_chargebacks_funds_withdrawn_is_not_negative check (funds_withdrawn_ttd >= 0),
  funds_reinstated_ttd numeric(12, 2) not null default 0
    constraint session_chargebacks_funds_reinstated_is_not_negative check (funds_reinstated_ttd >= 0),
  evidence_due_by timestamptz,
  gateway_updated_at timestamptz not null,
  loss_bearer text not null
    constraint session_chargebacks_loss_bearer_is_known check (loss_bearer in ('platform', 'tutor')),
  tutor_share_ttd numeric(12, 2) not null
    constraint session_chargebacks_tutor_share_is_not_negative check (tutor_share_ttd >= 0),
  tutor_share text not null default 'none'
    constraint session_chargebacks_tutor_share_is_known
      check (tutor_share in ('none', 'reversed', 'withheld', 'reinstated', 'failed')),
  evidence text not null default 'none'
    constraint session_chargebacks_evidence_is_known check (evidence in ('none', 'staged', 'submitted')),
  staged_evidence jsonb
    constraint session_chargebacks_staged_evidence_is_an_object check (jsonb_typeof(staged_evidence) = 'object'),
  evidence_staged_at timestamptz,
  submitted_by text
    constraint session_chargebacks_submitted_by_length check (char_length(submitted_by) between 1 and 200),
  submitted_at timestamptz,
  opened_at timestamptz not null,
  closed_at timestamptz,
  -- Business time of the last change (the core's Chargeback.updatedAt), not the database's clock.
  updated_at timestamptz not null,

  constraint session_chargebacks_pkey primary key (session_id, chargeback),
  -- The disputed attempt exists (that it succeeded is the trigger's rule); attempts are never deleted.
  constraint session_chargebacks_attempt_fkey foreign key (session_id, attempt)
    references public.session_charges (session_id, attempt),
  constraint session_chargebacks_tutor_share_is_part_of_the_amount check (tutor_share_ttd <= amount_ttd),
  -- Only a tutor who bears the loss has a share to move.
  constraint session_chargebacks_platform_loss_takes_nothing_from_the_tutor
    check (loss_bearer = 'tutor' or (tutor_share_ttd = 0 and tutor_share = 'none')),
  -- Staged (or submitted) evidence is the text staged, with its time; submitted evidence names who and when.
  constraint session_chargebacks_staged_evidence_is_kept check (
    (evidence = 'none') = (staged_evidence is null) and (evidence = 'none') = (evidence_staged_at is null)
  ),
  constraint session_chargebacks_submissions_name_their_person check (
    (evidence = 'submitted') = (submitted_by is not null) and (evidence = 'submitted') = (submitted_at is not null)
  ),
  constraint session_chargebacks_final_statuses_are_closed
    check (status not in ('warning_closed', 'prevented', 'won', 'lost') or closed_at is not null)
);

alter table public.session_chargebacks enable row level security;

comment on table public.session_chargebacks is
  'Chargebacks (card disputes at the student''s bank) of succeeded charge attempts: one row per gateway dispute, numbered per session. Identity never changes; evidence and the tutor''s share only move forward; funds withdrawn and reinstated never go down; never deleted. An open one holds the session''s payout. Server-side only (participants read nothing). Written only through itutor_apply_session_writes.';

comment on column public.session_chargebacks.reference is 'The gateway''s id of the dispute (Stripe dp_…). Server-side only.';

comment on column public.session_chargebacks.tutor_share_ttd is
  'The tutor''s share of the disputed amount (amount × the attempt''s payout ÷ its charge, rounded down) when the tutor bears the loss, else 0.00. Withheld from the payout when tutor_share is withheld.';

comment on column public.session_chargebacks.staged_evidence is 'The evidence as staged at the gateway (Stripe''s dispute evidence fields), or null.';

comment on column public.session_chargebacks.closed_at is 'When a final status (warning_closed, prevented, won, lost) was first recorded, or null.';

-- The platform's work list (itutor_list_open_chargebacks): the chargebacks not in a final status, soonest
-- evidence deadline first (none last), then opened_at, session, number — the list's order, so the list
-- reads this index in order and stops at its limit. The payout rules and the payout run's list probe a
-- session's chargebacks by the primary key instead (a session has one or two).
create index session_chargebacks_open_idx on public.session_chargebacks (evidence_due_by, opened_at, session_id, chargeback)
  where status not in ('warning_closed', 'prevented', 'won', 'lost');

-- The chargeback rules, for every writer. Sequential scans off for its probes (the attempt by its primary
-- key, the session's chargebacks by theirs; see itutor_keep_charge_record).
create function public.itutor_check_session_chargeback()
returns trigger
language plpgsql
set search_path = ''
set enable_seqscan = off
as $$
declare
  v_currency text;
  v_next integer;
begin
  if tg_op = 'DELETE' then
    raise exception 'chargeback % of session % is part of the record of money disputed: chargebacks are never deleted', old.chargeback, old.session_id
      using errcode = 'check_violation';
  end if;

  if tg_op = 'UPDATE' and new is not distinct from old then
    return new;
  end if;

  -- Locks the disputed attempt (as refunds, disputes and a payout being sent lock the session's succeeded
  -- attempt): the session's money writers are checked one after the other against committed rows, so a
  -- payout sent at the same time sees the chargeback that holds it, or the share withheld from it, and
  -- two reports of new chargebacks of one session take numbers one after the other.
  select c.currency into v_currency
  from public.session_charges as c
  where c.session_id = new.session_id and c.attempt = new.attempt and c.status = 'succeeded'
  for update;

  if tg_op = 'INSERT' then
    if not found then
      raise exception 'chargeback % of session % disputes attempt %, which is not a succeeded attempt of the session', new.chargeback, new.session_id, new.attempt
        using errcode = 'check_violation', hint = 'A chargeback disputes money taken.';
    end if;
    if new.currency <> v_currency then
      raise exception 'chargeback % of session % is not in its charge''s currency (%)', new.chargeback, new.session_id, v_currency
        using errcode = 'check_violation';
    end if;
    select count(*)::integer + 1 into v_next from public.session_chargebacks as b where b.session_id = new.session_id;
    if new.chargeback <> v_next then
      raise exception 'chargeback % of session %: a chargeback takes the session''s next number (%)', new.chargeback, new.session_id, v_next
        using errcode = 'check_violation';
    end if;
    return new;
  end if;

  if (new.session_id, new.chargeback, new.attempt, new.reference, new.currency, new.amount_ttd, new.loss_bearer,
      new.tutor_share_ttd, new.opened_at)
     is distinct from
     (old.session_id, old.chargeback, old.attempt, old.reference, old.currency, old.amount_ttd, old.loss_bearer,
      old.tutor_share_ttd, old.opened_at) then
    raise exception 'chargeback % of session %: its attempt, reference, currency, amount, loss bearer, tutor share and opening time never change', old.chargeback, old.session_id
      using errcode = 'check_violation';
  end if;
  if new.funds_withdrawn_ttd < old.funds_withdrawn_ttd or new.funds_reinstated_ttd < old.funds_reinstated_ttd then
    raise exception 'chargeback % of session %: funds withdrawn and funds reinstated never go down', old.chargeback, old.session_id
      using errcode = 'check_violation';
  end if;
  if (old.evidence = 'submitted'
      and (new.evidence, new.staged_evidence, new.evidence_staged_at, new.submitted_by, new.submitted_at)
          is distinct from (old.evidence, old.staged_evidence, old.evidence_staged_at, old.submitted_by, old.submitted_at))
     or (old.evidence = 'staged' and new.evidence = 'none')
     or (old.evidence = 'none' and new.evidence = 'submitted') then
    raise exception 'chargeback % of session %: evidence moves only forward, one step at a time (none, staged, submitted), and submitted evidence never changes', old.chargeback, old.session_id
      using errcode = 'check_violation';
  end if;
  if new.tutor_share <> old.tutor_share and not (
    (old.tutor_share = 'none' and new.tutor_share in ('reversed', 'withheld', 'failed'))
    or (old.tutor_share = 'reversed' and new.tutor_share in ('reinstated', 'failed'))
    or (old.tutor_share = 'failed' and new.tutor_share in ('reversed', 'reinstated'))
  ) then
    raise exception 'chargeback % of session %: the tutor''s share cannot move from % to %', old.chargeback, old.session_id, old.tutor_share, new.tutor_share
      using errcode = 'check_violation', hint = 'none → reversed | withheld | failed; reversed → reinstated | failed; failed → reversed | reinstated.';
  end if;
  return new;
end
$$;

comment on function public.itutor_check_session_chargeback() is
  'Trigger of public.session_chargebacks: a chargeback disputes a succeeded attempt of its session in its currency, under the session''s next number; its identity never changes; evidence and the tutor''s share only move forward; funds withdrawn and reinstated never go down; chargebacks are never deleted.';

-- Enforced for every role, the table owner included.
create trigger session_chargebacks_check
  before insert or update or delete on public.session_chargebacks
  for each row execute function public.itutor_check_session_chargeback();

revoke all on function public.itutor_check_session_chargeback() from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- Privileges. Clients never write; participants read their sessions' payouts without the key and the
-- gateway's reference, and their sessions' disputes (nothing in one is secret). The service role: exactly
-- what the adapter uses (read, open, send or answer, update a dispute; no delete).
-- ---------------------------------------------------------------------------------------------------

revoke all on table public.session_payouts from public, anon, authenticated, service_role;

grant select (
  session_id, payout, timing, amount_ttd, currency, status, due_at, failure_code, calls,
  requested_at, sent_at, refunds_before, answered_at, updated_at
) on table public.session_payouts to authenticated;

grant select, insert, update on table public.session_payouts to service_role;

create policy "Participants can read the payouts of their sessions"
  on public.session_payouts
  for select
  to authenticated
  using (
    session_id in (
      select s.id
      from public.sessions as s
      where s.tutor_id = (select auth.uid())::text or s.student_id = (select auth.uid())::text
    )
  );

create policy "The service role can read payouts"
  on public.session_payouts
  for select
  to service_role
  using (true);

create policy "The service role can open payouts"
  on public.session_payouts
  for insert
  to service_role
  with check (true);

create policy "The service role can send payouts and record their answers"
  on public.session_payouts
  for update
  to service_role
  using (true)
  with check (true);

revoke all on table public.session_disputes from public, anon, authenticated, service_role;

grant select (
  session_id, status, reason, opened_by, opened_at, offer_ttd, resolution, refund_ttd,
  resolved_by, resolved_by_role, resolved_at, updated_at
) on table public.session_disputes to authenticated;

grant select, insert, update on table public.session_disputes to service_role;

create policy "Participants can read the disputes of their sessions"
  on public.session_disputes
  for select
  to authenticated
  using (
    session_id in (
      select s.id
      from public.sessions as s
      where s.tutor_id = (select auth.uid())::text or s.student_id = (select auth.uid())::text
    )
  );

create policy "The service role can read disputes"
  on public.session_disputes
  for select
  to service_role
  using (true);

create policy "The service role can open disputes"
  on public.session_disputes
  for insert
  to service_role
  with check (true);

create policy "The service role can record dispute steps"
  on public.session_disputes
  for update
  to service_role
  using (true)
  with check (true);

-- Chargebacks: clients read and write nothing (a participant learns that one exists, and that it closed,
-- from the audit events; the reference, the bank's reason and the evidence are the platform's). The
-- service role: exactly what the adapter uses (read, open, update; no delete).
revoke all on table public.session_chargebacks from public, anon, authenticated, service_role;

grant select, insert, update on table public.session_chargebacks to service_role;

create policy "The service role can read chargebacks"
  on public.session_chargebacks
  for select
  to service_role
  using (true);

create policy "The service role can record chargebacks"
  on public.session_chargebacks
  for insert
  to service_role
  with check (true);

create policy "The service role can record chargeback changes"
  on public.session_chargebacks
  for update
  to service_role
  using (true)
  with check (true);

-- ---------------------------------------------------------------------------------------------------
-- The settlement's work list, outside `sessions`, so that settling a session rewrites its row in place
-- (a HOT update) instead of adding an entry to every index of the table.
-- ---------------------------------------------------------------------------------------------------
--
-- Why. Were the claims to read partial indexes of `sessions` (due non-final sessions, charges to collect,
-- charges failed for good), their predicates would name `status` and `charge_status`, and PostgreSQL could
-- not make the settlement's update or the charge answer's update heap-only: each wrote a new entry into
-- every index of the table, among them the primary key and (provider, meeting_id), whose keys are
-- random. On a table that holds years of sessions those leaves are spread over far more pages than the
-- buffer cache holds: every settled session read, dirtied and (first after a checkpoint) WAL-logged a
-- page per such index, and settling 10,000 due sessions beside 2,000,000 others cost about 1.2× the same
-- work on a table holding only them.
--
-- What. `session_work` holds one row per piece of work a session still has, keyed by
-- (kind, due_at, session_id):
--   cron     — the cron still has work for the session: it is not final (SCHEDULED / JOIN_OPEN: to be
--              settled), or it is final with its charge 'pending' (to be collected). One entry for both,
--              so settling a session (not final → final with its charge pending) writes nothing to the
--              work list, and the answer that settles the charge deletes the entry. Due at its
--              charge_scheduled_at; a session made final before that (a late cancellation, a no-show)
--              with a charge to collect is due at its finalized_at instead, so every entry of a charge
--              to collect is due by the time the claims look for it (see itutor_session_work_due_at);
--   failed   — a session whose charge failed for good (the list a person must look at); due at its
--              charge_scheduled_at.
-- A trigger on `sessions` keeps it exact for every writer (the SDK's functions, a host's own SQL, the
-- table owner): the row of a kind exists exactly when the session's status / charge_status say so. The
-- claims scan the work list in key order and fetch each session by its primary key. No index of
-- `sessions` names status or charge_status, so the settlement and the charge answer are heap-only
-- updates while the session's page has room (its fillfactor); the work list's own writes land near
-- "now", in the part of its index that is in use.
--
-- The work list is bookkeeping derived from `sessions`: clients see nothing of it, the service role may
-- only read it (the claims do), and only the trigger writes it. Sessions are the truth: the claims
-- still check status and charge_status on the session itself.
--
-- Note: triggers do not fire while session_replication_role = replica (a logical-replication subscriber,
-- or a bulk load that sets it). Rows written that way get no work-list entry; run
-- `select public.itutor_rebuild_session_work()` afterwards (service role or owner).

create table public.session_work (
  kind text not null
    constraint session_work_kind_is_known check (kind in ('cron', 'failed')),
  due_at timestamptz not null,
  session_id uuid not null references public.sessions (id) on delete cascade,
  constraint session_work_pkey primary key (kind, due_at, session_id)
);

alter table public.session_work enable row level security;

comment on table public.session_work is
  'The settlement''s work list, derived from sessions by a trigger: cron (not final, or final with its charge pending), failed (charge failed for good). Server-side, read-only for the service role.';

-- The kinds of work a session with this status and charge status has: 'cron' while it is not final or
-- its charge is still to be collected, 'failed' once its charge failed for good. The one place that
-- says which sessions the claims and the attention list read.
-- No `set search_path` on purpose (as itutor_session_keeps_outcome): it references nothing but its
-- arguments and built-in operators, and a SET clause stops the planner from inlining it. The work-list
-- trigger's WHEN clause calls it twice per session written; as a call with a SET clause each cost about
-- 9 µs (the GUC saved and restored), inlined well under 1 µs.
create function public.itutor_session_work_kinds(p_status text, p_charge_status text)
returns text[]
language sql
immutable
parallel safe
as $$
  select array_remove(array[
    case when p_status in ('SCHEDULED', 'JOIN_OPEN') or p_charge_status = 'pending' then 'cron' end,
    case when p_charge_status = 'failed' then 'failed' end
  ], null)
$$;

-- When a session's entry of a kind is due: its charge_scheduled_at, except a charge to collect of a
-- session made final before then (a late cancellation, a no-show marked during the meeting), due at its
-- finalized_at: the claims look for charges to collect among the entries due by now, and such a charge
-- is to be collected at once. A session settled at or after its end keeps the entry it had while it was
-- not final (same key: settling writes nothing to the work list). Inlined like itutor_session_work_kinds.
create function public.itutor_session_work_due_at(
  p_kind text,
  p_status text,
  p_charge_scheduled_at timestamptz,
  p_finalized_at timestamptz
)
returns timestamptz
language sql
immutable
parallel safe
as $$
  select case
    when p_kind = 'cron' and p_status not in ('SCHEDULED', 'JOIN_OPEN') and p_finalized_at < p_charge_scheduled_at
      then p_finalized_at
    else p_charge_scheduled_at
  end
$$;

-- Keeps session_work exact. Security definer: the work list has no write grant to anyone, so whoever
-- may write `sessions` keeps it right without being able to write it directly. Only the entries that
-- changed are written (the update trigger's WHEN clause skips writes that change none: a settlement, a
-- lease, a join).
create function public.itutor_track_session_work()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- The due time of each entry the old and the new row have (null: no such entry). OLD is null in an
  -- insert, NEW in a delete; a changed id counts as a delete and an insert.
  v_old_cron timestamptz;
  v_old_failed timestamptz;
  v_new_cron timestamptz;
  v_new_failed timestamptz;
  v_same_id boolean := tg_op = 'UPDATE' and new.id = old.id;
begin
  if tg_op in ('UPDATE', 'DELETE') then
    if 'cron' = any (public.itutor_session_work_kinds(old.status, old.charge_status)) then
      v_old_cron := public.itutor_session_work_due_at('cron', old.status, old.charge_scheduled_at, old.finalized_at);
    end if;
    if old.charge_status = 'failed' then
      v_old_failed := old.charge_scheduled_at;
    end if;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    if 'cron' = any (public.itutor_session_work_kinds(new.status, new.charge_status)) then
      v_new_cron := public.itutor_session_work_due_at('cron', new.status, new.charge_scheduled_at, new.finalized_at);
    end if;
    if new.charge_status = 'failed' then
      v_new_failed := new.charge_scheduled_at;
    end if;
  end if;
  -- Only the entries that changed: one simple statement each, by the work list's primary key.
  if v_old_cron is not null and (not v_same_id or v_old_cron is distinct from v_new_cron) then
    delete from public.session_work as w where w.kind = 'cron' and w.due_at = v_old_cron and w.session_id = old.id;
  end if;
  if v_old_failed is not null and (not v_same_id or v_old_failed is distinct from v_new_failed) then
    delete from public.session_work as w where w.kind = 'failed' and w.due_at = v_old_failed and w.session_id = old.id;
  end if;
  if v_new_cron is not null and (not v_same_id or v_new_cron is distinct from v_old_cron) then
    insert into public.session_work (kind, due_at, session_id) values ('cron', v_new_cron, new.id) on conflict do nothing;
  end if;
  if v_new_failed is not null and (not v_same_id or v_new_failed is distinct from v_old_failed) then
    insert into public.session_work (kind, due_at, session_id) values ('failed', v_new_failed, new.id) on conflict do nothing;
  end if;
  return null;
end
$$;

create trigger sessions_work_is_tracked
  after insert or delete on public.sessions
  for each row
  execute function public.itutor_track_session_work();

-- Fires only when the session's entries may have changed: a lease, a join, a charge
-- attempt count, or a settlement that leaves a charge to collect does not run it. Built-in operators
-- only (the same rules as itutor_session_work_kinds and itutor_session_work_due_at), so whoever writes
-- sessions needs no EXECUTE on a helper; a null comparison fires it, and the function then writes only
-- what changed.
create trigger sessions_work_is_tracked_on_update
  after update on public.sessions
  for each row
  when (
    old.id is distinct from new.id
    or old.charge_scheduled_at is distinct from new.charge_scheduled_at
    or (old.status in ('SCHEDULED', 'JOIN_OPEN') or old.charge_status = 'pending')
      is distinct from (new.status in ('SCHEDULED', 'JOIN_OPEN') or new.charge_status = 'pending')
    or (old.charge_status = 'failed') is distinct from (new.charge_status = 'failed')
    or (old.status not in ('SCHEDULED', 'JOIN_OPEN') and old.finalized_at < old.charge_scheduled_at)
      is distinct from (new.status not in ('SCHEDULED', 'JOIN_OPEN') and new.finalized_at < new.charge_scheduled_at)
    or (new.status not in ('SCHEDULED', 'JOIN_OPEN') and new.finalized_at < new.charge_scheduled_at
      and old.finalized_at is distinct from new.finalized_at)
  )
  execute function public.itutor_track_session_work();

-- ---------------------------------------------------------------------------------------------------
-- Privileges and row-level security: clients nothing; the service role reads (the claims run as it);
-- nobody but the trigger (and the table owner) writes.
-- ---------------------------------------------------------------------------------------------------

revoke all on table public.session_work from public, anon, authenticated, service_role;

grant select on table public.session_work to service_role;

create policy "The service role can read the work list"
  on public.session_work
  for select
  to service_role
  using (true);

revoke all on function public.itutor_session_work_kinds(text, text) from public, anon, authenticated;

grant execute on function public.itutor_session_work_kinds(text, text) to service_role;

revoke all on function public.itutor_session_work_due_at(text, text, timestamptz, timestamptz) from public, anon, authenticated;

grant execute on function public.itutor_session_work_due_at(text, text, timestamptz, timestamptz) to service_role;

revoke all on function public.itutor_track_session_work() from public, anon, authenticated;
