-- The ledger's "amounts are the session's outcome" rule, checked without a second index on sessions.
--
-- 20261125000100 enforced it with a composite foreign key to a unique constraint on
-- sessions (id, status, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency). That unique
-- index costs one more entry per non-HOT update of every session (settling a session writes two such
-- row versions), and it is as large as the primary key and as randomly ordered: on a table that has
-- grown to millions of sessions, most of its pages are not in memory, and settlement paid a page read
-- per entry. Measured with 1,000,000 upcoming and 1,000,000 final sessions beside 10,000 due ones, it was
-- one of the five indexes responsible for nearly all of the reads that the due-only table does not make.
--
-- The same rule, without the index: a plain foreign key on session_id (sessions with attempts cannot be
-- deleted; the probe uses the primary key) and a constraint trigger that compares an attempt's outcome,
-- amounts and currency with its session's. It is an AFTER trigger, so like the foreign key it runs at
-- the end of the statement and sees the session as the statement left it (itutor_apply_session_writes
-- finalizes a session and opens its first attempt in one statement). The other direction (a session's
-- outcome changing under its attempts) needs nothing here: attempts exist only for final sessions, and
-- sessions_final_outcome_is_frozen refuses any change of a final session's outcome, for every role.

alter table public.session_charges drop constraint session_charges_amounts_are_the_session_outcome;
alter table public.sessions drop constraint sessions_outcome_amounts_key;

alter table public.session_charges
  add constraint session_charges_session_id_fkey
    foreign key (session_id) references public.sessions (id) on update restrict on delete restrict;

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

-- A trigger function is never called directly; hosted Supabase grants EXECUTE on new functions in public
-- to anon and authenticated by default.
revoke all on function public.itutor_refuse_charge_not_matching_session() from public, anon, authenticated, service_role;
