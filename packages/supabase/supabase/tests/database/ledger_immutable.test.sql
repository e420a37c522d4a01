-- The record of money taken is immutable, for every role (issue #20, point 3). Matrix: anon, a
-- participant (authenticated), service_role, a host's own admin role (not a superuser, every privilege,
-- bypasses RLS) and the table owner (postgres) × every forbidden change of a succeeded, declined, halted
-- and open attempt, a new attempt after a success, a paid session's charge summary, a charge status
-- other than succeeded while the ledger holds a success, and deleting an attempt. Clients are refused by
-- their privileges (42501); everyone who may write is refused by the triggers (23514). Each block first
-- shows the same writer making a change the rules allow, so a refusal is the rules', not a missing row
-- or privilege.
begin;
select plan(125);

\ir ../fixtures/rls_people_and_rows.psql

-- A host's own admin role: every privilege on the tables, bypasses RLS, not a superuser.
create role itutor_pgtap_ledger_admin nologin bypassrls;
grant usage on schema public to itutor_pgtap_ledger_admin;
grant all on table public.sessions, public.session_charges, public.session_events, public.session_work to itutor_pgtap_ledger_admin;
grant execute on function public.itutor_session_keeps_outcome(public.sessions, public.sessions) to itutor_pgtap_ledger_admin;

-- Session A (tutor A, student A): paid on attempt 1.
-- Session B (tutor B, student B): attempt 1 declined, attempt 2 open (unknown, with its reference).
-- Session C (tutor A, student A): attempt 1 halted, the charge failed for good.
-- Session D (tutor B, student B): attempt 1 open (pending), a fresh charge for the allowed changes.
insert into public.sessions (
  id, booking_id, tutor_id, student_id, status, version,
  scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
  no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
  price_ttd, currency, provider, meeting_id, join_url, created_at, updated_at)
select v.id, v.booking_id, s.tutor_id, s.student_id, s.status, s.version,
  s.scheduled_start_at, s.scheduled_end_at, s.duration_minutes, s.join_opens_at,
  s.no_show_wait_minutes, s.min_payable_minutes, s.no_show_eligible_at, s.charge_scheduled_at,
  s.price_ttd, s.currency, s.provider, v.meeting_id, s.join_url, s.created_at, s.updated_at
from (values
  ('cccccccc-0000-4000-8000-00000000000c'::uuid, 'booking-c', 'aaaaaaaa-0000-4000-8000-00000000000a'::uuid, '8000000003'),
  ('dddddddd-0000-4000-8000-00000000000d'::uuid, 'booking-d', 'bbbbbbbb-0000-4000-8000-00000000000b'::uuid, 'abc-defg-ddd')
) as v (id, booking_id, like_id, meeting_id)
join public.sessions as s on s.id = v.like_id;

update public.sessions
set status = 'COMPLETED_ASSUMED', version = 3, finalized_at = scheduled_end_at,
    charge_amount_ttd = price_ttd, payout_amount_ttd = price_ttd * 0.9, platform_fee_ttd = price_ttd * 0.1,
    charge_status = case booking_id when 'booking-a' then 'succeeded' when 'booking-c' then 'failed' else 'pending' end,
    charge_idempotency_key = case booking_id when 'booking-a' then 'key-a-1' when 'booking-b' then 'key-b-2' when 'booking-c' then 'key-c-1' else 'key-d-1' end,
    charge_attempts = case booking_id when 'booking-b' then 2 else 1 end,
    charge_reference = case booking_id when 'booking-a' then 'pi_a' end;

insert into public.session_charges
  (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
   status, gateway_reference, failure_code, calls, requested_at, answered_at)
select s.id, v.attempt, v.key, s.status, s.charge_amount_ttd, s.payout_amount_ttd, s.platform_fee_ttd, s.currency,
  v.status, v.reference, v.failure_code, v.calls, s.finalized_at + v.attempt * interval '5 minutes', case when v.calls > 0 then s.finalized_at + interval '1 hour' end
from (values
  ('booking-a', 1, 'key-a-1', 'succeeded', 'pi_a', null, 1),
  ('booking-b', 1, 'key-b-1', 'failed', 'pi_b1', 'card_declined', 1),
  ('booking-b', 2, 'key-b-2', 'unknown', 'pi_b2', 'processing', 1),
  ('booking-c', 1, 'key-c-1', 'halted', null, 'IDEMPOTENCY_CONFLICT', 1),
  ('booking-d', 1, 'key-d-1', 'pending', null, null, 0)
) as v (booking, attempt, key, status, reference, failure_code, calls)
join public.sessions as s on s.booking_id = v.booking;

create temporary table ledger_before on commit drop as
  select session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
    status, gateway_reference, failure_code, calls, requested_at, answered_at, updated_at
  from public.session_charges;
create temporary table summaries_before on commit drop as
  select id, charge_status, charge_idempotency_key, charge_attempts, charge_reference from public.sessions;

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ update public.session_charges set status = 'failed' where idempotency_key = 'key-a-1' $$, '42501', null, 'anon cannot turn a success into a decline');
select throws_ok($$ update public.session_charges set gateway_reference = 'pi_x' where idempotency_key = 'key-a-1' $$, '42501', null, 'anon cannot change a reference');
select throws_ok($$ update public.session_charges set status = 'succeeded' where idempotency_key = 'key-b-1' $$, '42501', null, 'anon cannot turn a decline into a success');
select throws_ok($$ insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 2, 'key-a-2', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', now()) $$, '42501', null, 'anon cannot open an attempt after a success');
select throws_ok($$ update public.sessions set charge_status = 'pending' where booking_id = 'booking-a' $$, '42501', null, 'anon cannot ask a paid session for money again');
select throws_ok($$ delete from public.session_charges where idempotency_key = 'key-a-1' $$, '42501', null, 'anon cannot delete an attempt');
reset role;

-- a participant (tutor A: sessions A and C) -----------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select results_eq($$ select attempt || ':' || status from public.session_charges where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  array['1:succeeded'], 'tutor A reads the paid attempt');
select throws_ok($$ update public.session_charges set status = 'failed' where idempotency_key = 'key-a-1' $$, '42501', null, 'a participant cannot turn a success into a decline');
select throws_ok($$ update public.session_charges set gateway_reference = 'pi_x' where idempotency_key = 'key-a-1' $$, '42501', null, 'a participant cannot change a reference');
select throws_ok($$ update public.session_charges set status = 'succeeded' where idempotency_key = 'key-c-1' $$, '42501', null, 'a participant cannot turn a halt into a success');
select throws_ok($$ insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 2, 'key-a-2', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', now()) $$, '42501', null, 'a participant cannot open an attempt after a success');
select throws_ok($$ update public.sessions set charge_status = 'pending' where booking_id = 'booking-a' $$, '42501', null, 'a participant cannot ask a paid session for money again');
select throws_ok($$ delete from public.session_charges where idempotency_key = 'key-a-1' $$, '42501', null, 'a participant cannot delete an attempt');
reset role;

-- Every role that may write: the same matrix, refused by the rules. -------------------------------
-- Run as service_role, the host's admin role and the owner, one after the other (throws_ok runs each
-- statement in a subtransaction: a refused statement changes nothing).
create function pg_temp.forbidden_changes(p_who text, p_delete_code text)
returns setof text
language plpgsql
as $f$
declare
  v_changes text[][] := array[
    -- the attack: a succeeded attempt rewritten
    array[$$ update public.session_charges set status = 'failed', failure_code = 'card_declined' where idempotency_key = 'key-a-1' $$, 'turn a succeeded attempt into a decline'],
    array[$$ update public.session_charges set status = 'unknown' where idempotency_key = 'key-a-1' $$, 'reopen a succeeded attempt as unknown'],
    array[$$ update public.session_charges set status = 'pending', calls = 0, answered_at = null where idempotency_key = 'key-a-1' $$, 'reopen a succeeded attempt as pending'],
    array[$$ update public.session_charges set gateway_reference = 'pi_other' where idempotency_key = 'key-a-1' $$, 'replace the reference of a succeeded attempt'],
    array[$$ update public.session_charges set gateway_reference = null where idempotency_key = 'key-a-1' $$, 'erase the reference of a succeeded attempt'],
    array[$$ update public.session_charges set calls = calls + 1, answered_at = now() where idempotency_key = 'key-a-1' $$, 'record another answer on a succeeded attempt'],
    array[$$ update public.session_charges set failure_code = 'x' where idempotency_key = 'key-a-1' $$, 'add a failure code to a succeeded attempt'],
    array[$$ update public.session_charges set updated_at = updated_at + interval '1 second' where idempotency_key = 'key-a-1' $$, 'touch a succeeded attempt'],
    -- a declined attempt rewritten
    array[$$ update public.session_charges set status = 'succeeded', failure_code = null where idempotency_key = 'key-b-1' $$, 'turn a declined attempt into a success'],
    array[$$ update public.session_charges set status = 'unknown' where idempotency_key = 'key-b-1' $$, 'reopen a declined attempt'],
    array[$$ update public.session_charges set failure_code = 'insufficient_funds' where idempotency_key = 'key-b-1' $$, 'rewrite the failure code of a declined attempt'],
    array[$$ update public.session_charges set gateway_reference = 'pi_other' where idempotency_key = 'key-b-1' $$, 'replace the reference of a declined attempt'],
    -- a halted attempt rewritten
    array[$$ update public.session_charges set status = 'succeeded', failure_code = null, gateway_reference = 'pi_late' where idempotency_key = 'key-c-1' $$, 'turn a halted attempt into a success'],
    array[$$ update public.session_charges set status = 'unknown' where idempotency_key = 'key-c-1' $$, 'reopen a halted attempt'],
    array[$$ update public.session_charges set status = 'failed', failure_code = 'card_declined' where idempotency_key = 'key-c-1' $$, 'turn a halted attempt into a decline'],
    -- an open attempt moved back, or its identity or reference changed
    array[$$ update public.session_charges set status = 'pending' where idempotency_key = 'key-b-2' $$, 'set an answered attempt back to pending'],
    array[$$ update public.session_charges set gateway_reference = 'pi_other' where idempotency_key = 'key-b-2' $$, 'replace the reference of an open attempt'],
    array[$$ update public.session_charges set gateway_reference = null where idempotency_key = 'key-b-2' $$, 'erase the reference of an open attempt'],
    array[$$ update public.session_charges set idempotency_key = 'key-b-2-other' where idempotency_key = 'key-b-2' $$, 'change the key of an attempt'],
    array[$$ update public.session_charges set requested_at = requested_at + interval '1 minute' where idempotency_key = 'key-b-2' $$, 'change the requested time of an attempt'],
    array[$$ update public.session_charges set calls = 0 where idempotency_key = 'key-b-2' $$, 'lower the calls of an attempt'],
    -- a new attempt after a success
    array[$$ insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
      values ('aaaaaaaa-0000-4000-8000-00000000000a', 2, 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-2', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', now()) $$,
      'open an attempt for a paid session'],
    -- a paid session's summary
    array[$$ update public.sessions set charge_status = 'pending' where booking_id = 'booking-a' $$, 'ask a paid session for money again'],
    array[$$ update public.sessions set charge_status = 'pending', charge_idempotency_key = null where booking_id = 'booking-a' $$, 'leave a paid session to collect again'],
    array[$$ update public.sessions set charge_status = 'failed' where booking_id = 'booking-a' $$, 'fail a paid charge'],
    array[$$ update public.sessions set charge_status = 'none', charge_reference = null where booking_id = 'booking-a' $$, 'forget a paid charge'],
    array[$$ update public.sessions set charge_reference = 'pi_other' where booking_id = 'booking-a' $$, 'replace the reference of a paid charge'],
    array[$$ update public.sessions set charge_attempts = 2, charge_idempotency_key = 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-2' where booking_id = 'booking-a' $$, 'open a new key on a paid charge'],
    -- attempts are never deleted
    array[$$ delete from public.session_charges where idempotency_key = 'key-b-1' $$, 'delete an attempt']
  ];
  i integer;
begin
  for i in 1 .. array_length(v_changes, 1) loop
    return next throws_ok(v_changes[i][1], case when v_changes[i][1] like '%delete from%' then p_delete_code else '23514' end, null, p_who || ' cannot ' || v_changes[i][2]);
  end loop;
end
$f$;
grant execute on function pg_temp.forbidden_changes(text, text) to public;

-- service_role
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select lives_ok($$ update public.session_charges set status = 'unknown', failure_code = 'processing', calls = calls + 1, answered_at = now() where idempotency_key = 'key-d-1' $$,
  'control: the service role records an unknown answer on an open attempt');
-- (the service role holds no DELETE privilege on the ledger: its delete is refused before the trigger)
select * from pg_temp.forbidden_changes('the service role', '42501');
reset role;

-- a host's admin role (not a superuser, every privilege, bypasses RLS)
set local role itutor_pgtap_ledger_admin;
select lives_ok($$ update public.session_charges set gateway_reference = 'pi_d', calls = calls + 1 where idempotency_key = 'key-d-1' $$,
  'control: an admin role adds the first reference to an open attempt');
select * from pg_temp.forbidden_changes('an admin role', '23514');
reset role;

-- the table owner (postgres)
select lives_ok($$ update public.session_charges set calls = calls + 1, answered_at = now() where idempotency_key = 'key-d-1' $$,
  'control: the owner records another unknown answer on an open attempt');
select * from pg_temp.forbidden_changes('the owner', '23514');

-- Nothing forbidden changed anything; the allowed changes did.
select results_eq($$ select c.idempotency_key || ':' || c.status || ':' || coalesce(c.gateway_reference, '-') || ':' || coalesce(c.failure_code, '-') || ':' || c.calls
                     from public.session_charges as c order by c.idempotency_key $$,
  array['key-a-1:succeeded:pi_a:-:1', 'key-b-1:failed:pi_b1:card_declined:1', 'key-b-2:unknown:pi_b2:processing:1', 'key-c-1:halted:-:IDEMPOTENCY_CONFLICT:1', 'key-d-1:unknown:pi_d:processing:3'],
  'the forbidden writes changed no attempt, and no attempt was added');
select is_empty($$ select * from public.session_charges as c join ledger_before as b using (session_id, attempt)
                   where c.session_id <> 'dddddddd-0000-4000-8000-00000000000d'
                     and row(c.idempotency_key, c.outcome, c.charge_amount_ttd, c.payout_amount_ttd, c.platform_fee_ttd, c.currency, c.status,
                             c.gateway_reference, c.failure_code, c.calls, c.requested_at, c.answered_at, c.updated_at)
                         is distinct from
                         row(b.idempotency_key, b.outcome, b.charge_amount_ttd, b.payout_amount_ttd, b.platform_fee_ttd, b.currency, b.status,
                             b.gateway_reference, b.failure_code, b.calls, b.requested_at, b.answered_at, b.updated_at) $$,
  'every column of every other attempt is as it was');
select is_empty($$ select * from public.sessions as s join summaries_before as b using (id)
                   where (s.charge_status, s.charge_idempotency_key, s.charge_attempts, s.charge_reference)
                         is distinct from (b.charge_status, b.charge_idempotency_key, b.charge_attempts, b.charge_reference) $$,
  'no session''s charge summary changed');

-- The allowed moves of the core, in order (as the owner: the rules, not the privileges, decide) --------
-- Session D's open attempt succeeds; the session is paid; nothing more may be asked.
select lives_ok($$ update public.sessions set charge_status = 'succeeded', charge_reference = 'pi_d', version = version + 1 where booking_id = 'booking-d' $$,
  'a pending charge becomes succeeded');
select lives_ok($$ update public.session_charges set status = 'succeeded', calls = calls + 1, answered_at = now() where idempotency_key = 'key-d-1' $$,
  'its open attempt succeeds under its stored reference');
select throws_ok($$ update public.sessions set charge_status = 'pending', version = version + 1 where booking_id = 'booking-d' $$, '23514', null,
  'the paid session cannot ask again');
-- Session B: the open attempt is declined; the next opens; a late success of the declined attempt is a
-- new succeeded row after it, the declined row untouched.
select lives_ok($$ update public.session_charges set status = 'failed', failure_code = 'card_declined', calls = calls + 1, answered_at = now() where idempotency_key = 'key-b-2' $$,
  'an open attempt is declined');
select lives_ok($$ insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('bbbbbbbb-0000-4000-8000-00000000000b', 3, 'itutor-session-bbbbbbbb-0000-4000-8000-00000000000b-COMPLETED_ASSUMED-3', 'COMPLETED_ASSUMED', 200.00, 180.00, 20.00, 'TTD', now()) $$,
  'after a decline, the next attempt opens');
select lives_ok($$ update public.sessions set charge_status = 'succeeded', charge_reference = 'pi_b1', charge_idempotency_key = null, charge_attempts = 4, version = version + 1 where booking_id = 'booking-b' $$,
  'a late success makes the session paid');
select lives_ok($$ insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
    status, gateway_reference, calls, requested_at, answered_at)
  values ('bbbbbbbb-0000-4000-8000-00000000000b', 4, 'itutor-session-bbbbbbbb-0000-4000-8000-00000000000b-COMPLETED_ASSUMED-4', 'COMPLETED_ASSUMED', 200.00, 180.00, 20.00, 'TTD',
    'succeeded', 'pi_b1', 0, now(), now()) $$,
  'the late success of the declined attempt is a new succeeded row');
select throws_ok($$ insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
    status, gateway_reference, calls, requested_at, answered_at)
  values ('bbbbbbbb-0000-4000-8000-00000000000b', 5, 'itutor-session-bbbbbbbb-0000-4000-8000-00000000000b-COMPLETED_ASSUMED-5', 'COMPLETED_ASSUMED', 200.00, 180.00, 20.00, 'TTD',
    'succeeded', 'pi_b3', 0, now(), now()) $$, '23514', null,
  'no second success row, nor any row, after a success');
select lives_ok($$ update public.session_charges set status = 'failed', failure_code = 'card_declined', calls = calls + 1, answered_at = now() where idempotency_key like '%-COMPLETED_ASSUMED-3' $$,
  'an attempt still open after the late success may still take its answer');
select results_eq($$ select attempt || ':' || status from public.session_charges where session_id = 'bbbbbbbb-0000-4000-8000-00000000000b' order by attempt $$,
  array['1:failed', '2:failed', '3:failed', '4:succeeded'], 'session B: the declines stay, one success');
-- A success written into the ledger while the summary still says pending (outside the SDK): the summary
-- may only follow it to succeeded.
update public.sessions set charge_status = 'pending', charge_idempotency_key = 'key-c-1', version = version + 1 where booking_id = 'booking-c';
select lives_ok($$ insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
    status, gateway_reference, calls, requested_at, answered_at)
  values ('cccccccc-0000-4000-8000-00000000000c', 2, 'itutor-session-cccccccc-0000-4000-8000-00000000000c-COMPLETED_ASSUMED-2', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD',
    'succeeded', 'pi_c', 0, now(), now()) $$,
  'a halted attempt''s late success is a new succeeded row');
select throws_ok($$ update public.sessions set charge_status = 'failed' where booking_id = 'booking-c' $$, '23514', null,
  'a session whose ledger holds a success cannot be failed');
select throws_ok($$ update public.sessions set charge_status = 'none' where booking_id = 'booking-c' $$, '23514', null,
  'a session whose ledger holds a success cannot be set to none');
select lives_ok($$ update public.sessions set charge_status = 'succeeded', charge_reference = 'pi_c', charge_idempotency_key = null where booking_id = 'booking-c' $$,
  'its summary follows the ledger to succeeded');
select throws_ok($$ update public.sessions set charge_status = 'pending' where booking_id = 'booking-c' $$, '23514', null,
  'and stays there');

-- The migration itself: existing halted attempts are marked, and a session whose ledger holds a
-- success is set succeeded (checked on the definitions: the data steps ran on an empty database here).
select col_has_check('public', 'session_charges', 'status', 'the ledger status is checked');
select ok(pg_get_constraintdef((select oid from pg_constraint where conname = 'session_charges_status_is_known')) like '%halted%', 'halted is a known status');
select trigger_is('public', 'session_charges', 'session_charges_record_is_kept', 'public', 'itutor_keep_charge_record', 'the ledger trigger is in place');
select trigger_is('public', 'sessions', 'sessions_paid_charge_is_kept', 'public', 'itutor_keep_paid_charge', 'the paid-session trigger is in place');

select * from finish();
rollback;
