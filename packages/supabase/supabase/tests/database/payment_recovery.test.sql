-- Payment recovery (issue #24) as the schema enforces it for every writer: a charge awaiting its student
-- (charge_status awaiting_customer) belongs to a final session with something to charge, is no work of the
-- cron (no work-list entry, never claimed, not on the attention list), and holds no key or the key of its
-- open (pending or unknown) attempt: checked when the transaction commits, since the write that opens the
-- student's attempt sets the session's key before it inserts the attempt. A paid charge never waits again.
begin;
select plan(24);

\ir ../fixtures/rls_people_and_rows.psql

-- Only a final session with something to charge waits for its student --------------------------------
select throws_ok($$ update public.sessions set charge_status = 'awaiting_customer', version = 2 where booking_id = 'booking-b' $$,
  '23514', 'new row for relation "sessions" violates check constraint "sessions_awaiting_customer_has_a_charge"', 'a session that is not final has no charge to wait for');
select throws_ok($$ update public.sessions set status = 'NOBODY_JOINED', version = 2, finalized_at = '2026-03-02 17:30Z',
  charge_amount_ttd = 0, payout_amount_ttd = 0, platform_fee_ttd = 0, charge_status = 'awaiting_customer' where booking_id = 'booking-b' $$,
  '23514', 'new row for relation "sessions" violates check constraint "sessions_awaiting_customer_has_a_charge"', 'nor an outcome that charges nothing');
select throws_ok($$ update public.sessions set charge_status = 'waiting' where booking_id = 'booking-b' $$,
  '23514', 'new row for relation "sessions" violates check constraint "sessions_charge_status_is_known"', 'charge statuses are constrained');

-- Session A settled (150.00 = 135.00 + 15.00), its first attempt sent: cron work (a charge to collect).
update public.sessions
set status = 'COMPLETED_ASSUMED', version = 2, finalized_at = '2026-03-02 15:00Z',
    charge_amount_ttd = 150.00, payout_amount_ttd = 135.00, platform_fee_ttd = 15.00,
    charge_status = 'pending', charge_idempotency_key = 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-1', charge_attempts = 1
where booking_id = 'booking-a';
insert into public.session_charges
  (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, status, calls, requested_at)
values ('aaaaaaaa-0000-4000-8000-00000000000a', 1, 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-1', 'COMPLETED_ASSUMED',
  150.00, 135.00, 15.00, 'TTD', 'pending', 1, '2026-03-02 15:00Z');
select results_eq($$ select kind from public.session_work where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$, array['cron'], 'a pending charge is cron work');

-- Checked at the end of each statement from here on (at commit otherwise: see the last section).
set constraints all immediate;

-- The bank wants the student (3-D Secure): the attempt fails, the session waits for its student, without a key.
select lives_ok($$ update public.sessions set charge_status = 'awaiting_customer', charge_idempotency_key = null, version = 3 where booking_id = 'booking-a' $$,
  'a settled charge may wait for its student, without a key');
select lives_ok($$ update public.session_charges set status = 'failed', failure_code = 'authentication_required', calls = 1, answered_at = '2026-03-02 15:00:03Z'
  where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' and attempt = 1 $$, 'its attempt is declined');
select is_empty($$ select kind from public.session_work where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$, 'a charge awaiting its student is no work of the cron');
select results_eq($$ select e ->> 'id' from json_array_elements(public.itutor_claim_sessions_for_settlement('2030-01-01', 10, '2030-01-01 00:05Z')) as e $$,
  array['bbbbbbbb-0000-4000-8000-00000000000b'], 'the settlement never claims it (only session B, due to be settled)');
select is(public.itutor_list_sessions_needing_attention(10), '[]'::jsonb, 'nor is it on the attention list (it is the student''s to complete)');

-- Its key: none, or the key of its open attempt.
select throws_ok($$ update public.sessions set charge_idempotency_key = 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-1', version = 4
  where booking_id = 'booking-a' $$,
  '23514', 'session aaaaaaaa-0000-4000-8000-00000000000a: a charge awaiting its student holds no key, or the key of its open (pending or unknown) attempt',
  'not the key of its declined attempt');
select throws_ok($$ update public.sessions set charge_idempotency_key = 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-2', version = 4
  where booking_id = 'booking-a' $$, '23514', null, 'nor the key of an attempt that does not exist');
select throws_ok($$ update public.sessions set charge_idempotency_key = 'itutor-session-bbbbbbbb-0000-4000-8000-00000000000b-NO_SHOW_STUDENT-1', version = 4
  where booking_id = 'booking-a' $$, '23514', null, 'nor the key of another session''s attempt');
insert into public.session_charges
  (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, status, calls, requested_at)
values ('aaaaaaaa-0000-4000-8000-00000000000a', 2, 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-2', 'COMPLETED_ASSUMED',
  150.00, 135.00, 15.00, 'TTD', 'pending', 0, '2026-03-03 09:00Z');
select lives_ok($$ update public.sessions set charge_idempotency_key = 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-2', charge_attempts = 2, version = 4
  where booking_id = 'booking-a' $$, 'the student''s payment: the key of its open attempt (pending)');
select lives_ok($$ update public.session_charges set status = 'unknown', failure_code = 'timeout', calls = 1, answered_at = '2026-03-03 09:00:10Z'
  where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' and attempt = 2 $$, 'an unknown answer keeps it open');
select lives_ok($$ update public.sessions set version = 5, updated_at = '2026-03-03 09:00:10Z' where booking_id = 'booking-a' $$,
  'and the session keeps its key');
select is_empty($$ select kind from public.session_work where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$, 'still no work of the cron, key or not');
select results_eq($$ select e ->> 'id' from json_array_elements(public.itutor_claim_sessions_for_settlement('2030-01-01', 10, '2030-01-01 00:05Z')) as e $$,
  array['bbbbbbbb-0000-4000-8000-00000000000b'], 'and never claimed');
-- An answer written on the attempt alone leaves the session naming an answered attempt: the session's
-- write in the same transaction (every answer writes its session) is refused.
update public.session_charges set status = 'failed', failure_code = 'card_declined', calls = 2, answered_at = '2026-03-03 09:01Z'
where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' and attempt = 2;
select throws_ok($$ update public.sessions set charge_idempotency_key = charge_idempotency_key, version = 6 where booking_id = 'booking-a' $$,
  '23514', null, 'a session never keeps the key of an attempt that was answered');
select lives_ok($$ update public.sessions set charge_idempotency_key = null, version = 6 where booking_id = 'booking-a' $$,
  'the declined payment: the session waits again, without a key');

-- Checked at commit: the write that opens the student's attempt sets the session's key first ------------
set constraints all deferred;
update public.sessions set charge_idempotency_key = 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-3', charge_attempts = 3, version = 7
where booking_id = 'booking-a';
insert into public.session_charges
  (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, status, calls, requested_at)
values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-3', 'COMPLETED_ASSUMED',
  150.00, 135.00, 15.00, 'TTD', 'pending', 0, '2026-03-04 09:00Z');
select lives_ok($$ set constraints all immediate $$, 'the session''s key, written before its attempt, is checked when the write is done');

-- Paid: the charge summary never changes again, and never waits again.
select lives_ok($$ update public.session_charges set status = 'succeeded', gateway_reference = 'pi_a_3', calls = 1, answered_at = '2026-03-04 09:00:05Z'
  where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' and attempt = 3 $$, 'the student''s payment succeeds');
select lives_ok($$ update public.sessions set charge_status = 'succeeded', charge_idempotency_key = null, charge_reference = 'pi_a_3', version = 8
  where booking_id = 'booking-a' $$, 'the session is paid');
select throws_ok($$ update public.sessions set charge_status = 'awaiting_customer', version = 9 where booking_id = 'booking-a' $$,
  '23514', 'session aaaaaaaa-0000-4000-8000-00000000000a: its charge succeeded, its charge summary never changes', 'a paid charge never waits for its student again');
select results_eq($$ select attempt || ':' || status from public.session_charges where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' order by attempt $$,
  array['1:failed', '2:failed', '3:succeeded'], 'the ledger kept every attempt');

select * from finish();
rollback;
