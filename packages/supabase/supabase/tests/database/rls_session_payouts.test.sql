-- RLS matrix for public.session_payouts (the payouts of after_review sessions, issue #23): anon, a
-- participant (tutor A, student A, tutor B, student B), an authenticated stranger, service_role × select
-- (per column: the idempotency key and the gateway's reference are server-side only) / insert / update /
-- delete / truncate. Participants read their own sessions' payouts without the secret columns; clients
-- write nothing; the service role reads, opens, sends and answers payouts, and never deletes or truncates
-- them. Then the payout rules, which hold for every writer (the table owner included), and the session's
-- payout timing, frozen once it is final.
begin;
select plan(75);

\ir ../fixtures/rls_people_and_rows.psql

select ok((select relrowsecurity from pg_class where oid = 'public.session_payouts'::regclass), 'RLS is enabled on session_payouts');
select is((select payout_timing from public.sessions where booking_id = 'booking-a'), 'with_charge', 'a session pays its tutor with the charge unless told otherwise');
select lives_ok($$ update public.sessions set payout_timing = 'after_review' where booking_id in ('booking-a', 'booking-b') $$,
  'a session that is not final may take another payout timing');
select throws_ok($$ update public.sessions set payout_timing = 'later' where booking_id = 'booking-a' $$, '23514', null, 'payout timings are constrained');

-- Sessions A and B settled (A: 150.00 = 135.00 + 15.00; B: 100.00 = 90.00 + 10.00).
update public.sessions
set status = 'COMPLETED_ASSUMED', version = 3, finalized_at = '2026-03-02 15:00Z',
    charge_amount_ttd = 150.00, payout_amount_ttd = 135.00, platform_fee_ttd = 15.00,
    charge_status = 'succeeded', charge_idempotency_key = null, charge_attempts = 1, charge_reference = 'pi_secret_a'
where booking_id = 'booking-a';
update public.sessions
set status = 'NO_SHOW_STUDENT', version = 3, finalized_at = '2026-03-02 16:29Z',
    charge_amount_ttd = 100.00, payout_amount_ttd = 90.00, platform_fee_ttd = 10.00,
    charge_status = 'succeeded', charge_idempotency_key = null, charge_attempts = 1, charge_reference = 'pi_secret_b'
where booking_id = 'booking-b';

select throws_ok($$ update public.sessions set payout_timing = 'with_charge' where booking_id = 'booking-a' $$, '23514',
  'session aaaaaaaa-0000-4000-8000-00000000000a is final (COMPLETED_ASSUMED): only its charge bookkeeping may change',
  'a final session never changes its payout timing');
select throws_ok($$ insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 1, 'pkey-a-1', 135.00, 'TTD', '2026-03-05 15:00Z', '2026-03-02 15:01Z') $$,
  '23514', 'payout 1 of session aaaaaaaa-0000-4000-8000-00000000000a: the session has no succeeded charge to pay out from', 'no payout before the charge succeeded (nothing to pay out from)');

insert into public.session_charges
  (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
   status, gateway_reference, calls, requested_at, answered_at)
values
  ('aaaaaaaa-0000-4000-8000-00000000000a', 1, 'key-a-1', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD',
   'succeeded', 'pi_secret_a', 1, '2026-03-02 15:00Z', '2026-03-02 15:01Z'),
  ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 'key-b-1', 'NO_SHOW_STUDENT', 100.00, 90.00, 10.00, 'TTD',
   'succeeded', 'pi_secret_b', 1, '2026-03-02 16:29Z', '2026-03-02 16:29:05Z');

-- A's payout was sent and succeeded; B's is scheduled (due at the end of its review window).
insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at) values
  ('aaaaaaaa-0000-4000-8000-00000000000a', 1, 'pkey-a-1', 135.00, 'TTD', '2026-03-05 15:00Z', '2026-03-02 15:01Z'),
  ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 'pkey-b-1', 90.00, 'TTD', '2026-03-05 16:29Z', '2026-03-02 16:29:05Z');
update public.session_payouts set status = 'pending', sent_at = '2026-03-05 15:00Z', refunds_before = 0 where idempotency_key = 'pkey-a-1';
update public.session_payouts set status = 'succeeded', gateway_reference = 'tr_secret_a', calls = 1, answered_at = '2026-03-05 15:00:02Z'
where idempotency_key = 'pkey-a-1';

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select payout, status from public.session_payouts $$, '42501', null, 'anon cannot select payouts');
select throws_ok($$ insert into public.session_payouts (session_id, payout) values ('aaaaaaaa-0000-4000-8000-00000000000a', 9) $$, '42501', null, 'anon cannot insert payouts');
select throws_ok($$ update public.session_payouts set status = 'succeeded' $$, '42501', null, 'anon cannot update payouts');
select throws_ok($$ delete from public.session_payouts $$, '42501', null, 'anon cannot delete payouts');
select throws_ok($$ truncate public.session_payouts $$, '42501', null, 'anon cannot truncate payouts');
reset role;

-- tutor A (participant) -----------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select results_eq($$ select session_id::text || '#' || payout || ':' || status || ':' || amount_ttd || ':' || timing from public.session_payouts order by session_id, payout $$,
  array['aaaaaaaa-0000-4000-8000-00000000000a#1:succeeded:135.00:after_review'],
  'tutor A selects session A''s payouts (status, amount, timing)');
select results_eq($$ select count(*) from public.session_payouts where requested_at is not null and calls >= 0 and updated_at is not null
                       and currency is not null and due_at is not null and sent_at is not null and answered_at is not null
                       and (failure_code is null or failure_code is not null) $$,
  array[1::bigint], 'tutor A selects every non-secret column');
select throws_ok($$ select idempotency_key from public.session_payouts $$, '42501', null, 'tutor A cannot select idempotency keys');
select throws_ok($$ select gateway_reference from public.session_payouts $$, '42501', null, 'tutor A cannot select gateway references');
select throws_ok($$ select * from public.session_payouts $$, '42501', null, 'tutor A cannot select * (secret columns included)');
select throws_ok($$ insert into public.session_payouts (session_id, payout) values ('aaaaaaaa-0000-4000-8000-00000000000a', 9) $$, '42501', null, 'tutor A cannot insert payouts');
select throws_ok($$ update public.session_payouts set status = 'failed' $$, '42501', null, 'tutor A cannot update their payouts');
select throws_ok($$ delete from public.session_payouts $$, '42501', null, 'tutor A cannot delete their payouts');
select throws_ok($$ truncate public.session_payouts $$, '42501', null, 'tutor A cannot truncate payouts');
reset role;

-- student A (participant) ---------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "33333333-3333-4333-8333-333333333333", "role": "authenticated"}';
select results_eq($$ select payout || ':' || status || ':' || amount_ttd from public.session_payouts $$,
  array['1:succeeded:135.00'], 'student A selects session A''s payouts');
select throws_ok($$ select idempotency_key from public.session_payouts $$, '42501', null, 'student A cannot select idempotency keys');
select throws_ok($$ select gateway_reference from public.session_payouts $$, '42501', null, 'student A cannot select gateway references');
select throws_ok($$ insert into public.session_payouts (session_id, payout) values ('aaaaaaaa-0000-4000-8000-00000000000a', 9) $$, '42501', null, 'student A cannot insert payouts');
select throws_ok($$ update public.session_payouts set calls = 0 $$, '42501', null, 'student A cannot update payouts');
select throws_ok($$ delete from public.session_payouts $$, '42501', null, 'student A cannot delete payouts');
select throws_ok($$ truncate public.session_payouts $$, '42501', null, 'student A cannot truncate payouts');
reset role;

-- tutor B (participant of B only) -------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
select results_eq($$ select session_id::text || '#' || payout || ':' || status || ':' || amount_ttd from public.session_payouts $$,
  array['bbbbbbbb-0000-4000-8000-00000000000b#1:scheduled:90.00'], 'tutor B selects only session B''s payout');
select throws_ok($$ select gateway_reference from public.session_payouts $$, '42501', null, 'tutor B cannot select gateway references');
select throws_ok($$ update public.session_payouts set status = 'pending' $$, '42501', null, 'tutor B cannot send their payout');
select throws_ok($$ delete from public.session_payouts $$, '42501', null, 'tutor B cannot delete payouts');
reset role;

-- student B (participant of B only) -----------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}';
select results_eq($$ select payout || ':' || status from public.session_payouts $$, array['1:scheduled'], 'student B selects only session B''s payout');
select throws_ok($$ select idempotency_key from public.session_payouts $$, '42501', null, 'student B cannot select idempotency keys');
select throws_ok($$ insert into public.session_payouts (session_id, payout) values ('bbbbbbbb-0000-4000-8000-00000000000b', 2) $$, '42501', null, 'student B cannot insert payouts');
reset role;

-- an authenticated stranger (takes part in no session) ----------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "55555555-5555-4555-8555-555555555555", "role": "authenticated"}';
select is_empty($$ select payout from public.session_payouts $$, 'a stranger selects no payout');
select throws_ok($$ select idempotency_key from public.session_payouts $$, '42501', null, 'a stranger cannot select idempotency keys');
select throws_ok($$ select gateway_reference from public.session_payouts $$, '42501', null, 'a stranger cannot select gateway references');
select throws_ok($$ insert into public.session_payouts (session_id, payout) values ('aaaaaaaa-0000-4000-8000-00000000000a', 9) $$, '42501', null, 'a stranger cannot insert payouts');
select throws_ok($$ update public.session_payouts set status = 'succeeded' $$, '42501', null, 'a stranger cannot update payouts');
select throws_ok($$ delete from public.session_payouts $$, '42501', null, 'a stranger cannot delete payouts');
select throws_ok($$ truncate public.session_payouts $$, '42501', null, 'a stranger cannot truncate payouts');
reset role;

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select results_eq($$ select idempotency_key || ':' || coalesce(gateway_reference, '-') from public.session_payouts order by idempotency_key $$,
  array['pkey-a-1:tr_secret_a', 'pkey-b-1:-'], 'service_role selects every payout with its key and reference');
select results_eq($$ update public.session_payouts set status = 'pending', sent_at = '2026-03-05 16:30Z', refunds_before = 0, updated_at = now()
                     where idempotency_key = 'pkey-b-1' returning status || ':' || amount_ttd $$,
  array['pending:90.00'], 'service_role can send a due payout (for what is left to pay)');
select results_eq($$ update public.session_payouts set status = 'failed', failure_code = 'account_closed', calls = calls + 1, answered_at = '2026-03-05 16:30:05Z'
                     where idempotency_key = 'pkey-b-1' returning status || ':' || calls $$,
  array['failed:1'], 'service_role can record an answer');
select lives_ok($$ insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at)
  values ('bbbbbbbb-0000-4000-8000-00000000000b', 2, 'pkey-b-2', 90.00, 'TTD', '2026-03-05 16:30:05Z', '2026-03-05 16:30:05Z') $$,
  'service_role can open the next payout after a decline');
select throws_ok($$ delete from public.session_payouts where idempotency_key = 'pkey-b-2' $$, '42501', null, 'service_role cannot delete payouts');
select throws_ok($$ truncate public.session_payouts $$, '42501', null, 'service_role cannot truncate payouts');
reset role;

-- The rules hold for every writer, the table owner included ----------------------------------------
-- A dispute holds the payout until it is resolved.
insert into public.session_disputes (session_id, status, reason, opened_by, opened_at, updated_at)
values ('bbbbbbbb-0000-4000-8000-00000000000b', 'open', 'tutor_absent', '44444444-4444-4444-8444-444444444444', '2026-03-03 09:00Z', '2026-03-03 09:00Z');
select throws_ok($$ update public.session_payouts set status = 'pending', sent_at = now() where idempotency_key = 'pkey-b-2' $$,
  '23514', 'payout 2 of session bbbbbbbb-0000-4000-8000-00000000000b is held by the session''s unresolved dispute', 'nothing is sent while the session''s dispute is open');
update public.session_disputes set status = 'contested', updated_at = '2026-03-03 10:00Z' where session_id = 'bbbbbbbb-0000-4000-8000-00000000000b';
select throws_ok($$ update public.session_payouts set status = 'cancelled', amount_ttd = 0, sent_at = now() where idempotency_key = 'pkey-b-2' $$,
  '23514', 'payout 2 of session bbbbbbbb-0000-4000-8000-00000000000b is held by the session''s unresolved dispute', 'nor while it is contested (not even a cancellation)');
update public.session_disputes
set status = 'resolved', resolution = 'partial_refund', refund_ttd = 50.00, resolved_by = 'admin-1', resolved_by_role = 'platform',
    resolved_at = '2026-03-04 09:00Z', updated_at = '2026-03-04 09:00Z'
where session_id = 'bbbbbbbb-0000-4000-8000-00000000000b';
insert into public.session_refunds
  (session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency, reason, requested_by, requested_at)
values ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 1, 'rkey-b-1', 50.00, 45.00, 5.00, 'TTD', 'dispute', 'admin-1', '2026-03-04 09:00Z');
-- Left to pay: 90.00 − 45.00 (the refund's payout part, not failed) = 45.00.
select throws_ok($$ update public.session_payouts set status = 'pending', sent_at = now() where idempotency_key = 'pkey-b-2' $$,
  '23514', 'payout 2 of session bbbbbbbb-0000-4000-8000-00000000000b: the amount sent must be what is left to pay (45.00)', 'the amount sent is what is left to pay, not the outcome''s payout');
select throws_ok($$ update public.session_payouts set status = 'pending', amount_ttd = 45.01, sent_at = now() where idempotency_key = 'pkey-b-2' $$,
  '23514', null, 'not a cent more');
select throws_ok($$ update public.session_payouts set status = 'cancelled', amount_ttd = 0, sent_at = now() where idempotency_key = 'pkey-b-2' $$,
  '23514', 'payout 2 of session bbbbbbbb-0000-4000-8000-00000000000b: cancelled only with nothing left to pay (45.00)', 'a payout is cancelled only when nothing is left to pay');
select throws_ok($$ update public.session_payouts set status = 'succeeded', calls = 1 where idempotency_key = 'pkey-b-2' $$,
  '23514', 'payout 2 of session bbbbbbbb-0000-4000-8000-00000000000b must be sent or cancelled first', 'a scheduled payout must be sent before it takes an answer');
select throws_ok($$ update public.session_payouts set status = 'pending', amount_ttd = 45.00, sent_at = '2026-03-04 10:00Z', refunds_before = 0 where idempotency_key = 'pkey-b-2' $$,
  '23514', 'payout 2 of session bbbbbbbb-0000-4000-8000-00000000000b: refunds_before must be the session''s last refund number', 'a sent payout names the refunds its amount counts (the last refund''s number)');
select lives_ok($$ update public.session_payouts set status = 'pending', amount_ttd = 45.00, sent_at = '2026-03-04 10:00Z', refunds_before = 1 where idempotency_key = 'pkey-b-2' $$,
  'a resolved dispute releases the payout, for what is left');
select throws_ok($$ update public.session_payouts set status = 'scheduled', sent_at = null where idempotency_key = 'pkey-b-2' $$,
  '23514', null, 'a sent payout is never scheduled again');
select throws_ok($$ update public.session_payouts set amount_ttd = 40.00 where idempotency_key = 'pkey-b-2' $$,
  '23514', 'payout 2 of session bbbbbbbb-0000-4000-8000-00000000000b: a sent payout only takes an answer (unknown, succeeded, failed or halted)', 'a sent payout''s amount never changes');
select throws_ok($$ update public.session_payouts set due_at = '2026-03-09 00:00Z' where idempotency_key = 'pkey-b-2' $$,
  '23514', 'payout 2 of session bbbbbbbb-0000-4000-8000-00000000000b: a payout''s session, number, key, timing, currency, due and requested times never change', 'a payout''s due time never changes');
select lives_ok($$ update public.session_payouts set status = 'unknown', gateway_reference = 'tr_b_2', failure_code = 'timeout', calls = calls + 1,
  answered_at = '2026-03-04 10:00:30Z' where idempotency_key = 'pkey-b-2' $$, 'a sent payout takes an unknown answer');
select throws_ok($$ update public.session_payouts set status = 'succeeded', gateway_reference = 'tr_other', calls = calls + 1 where idempotency_key = 'pkey-b-2' $$,
  '23514', 'payout 2 of session bbbbbbbb-0000-4000-8000-00000000000b: a stored gateway reference is never replaced or erased', 'a stored gateway reference is never replaced');
select throws_ok($$ update public.session_payouts set status = 'unknown', calls = 0 where idempotency_key = 'pkey-b-2' $$,
  '23514', 'payout 2 of session bbbbbbbb-0000-4000-8000-00000000000b: calls never go down', 'calls never go down');
select lives_ok($$ update public.session_payouts set status = 'succeeded', failure_code = null, calls = calls + 1, answered_at = '2026-03-04 10:05Z'
  where idempotency_key = 'pkey-b-2' $$, 'then succeeds');

-- At most one payout of a session succeeds; a settled payout never changes.
select lives_ok($$ insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at, status, sent_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 2, 'pkey-a-2', 135.00, 'TTD', '2026-03-05 15:00Z', '2026-03-05 15:10Z', 'scheduled', null) $$,
  'another payout row may open (the rules judge what is sent and what succeeds)');
select lives_ok($$ update public.session_payouts set status = 'pending', sent_at = '2026-03-05 15:10Z', refunds_before = 0 where idempotency_key = 'pkey-a-2' $$,
  'and be sent for what is left');
select throws_ok($$ update public.session_payouts set status = 'succeeded', calls = 1 where idempotency_key = 'pkey-a-2' $$,
  '23505', null, 'but a second payout of a session never succeeds');
select throws_ok($$ update public.session_payouts set status = 'failed' where idempotency_key = 'pkey-a-1' $$,
  '23514', 'payout 1 of session aaaaaaaa-0000-4000-8000-00000000000a is succeeded: it never changes again', 'a succeeded payout never changes again');
select throws_ok($$ update public.session_payouts set failure_code = 'x' where idempotency_key = 'pkey-b-1' $$,
  '23514', 'payout 1 of session bbbbbbbb-0000-4000-8000-00000000000b is failed: it never changes again', 'a failed payout never changes again');
select throws_ok($$ delete from public.session_payouts where idempotency_key = 'pkey-b-1' $$,
  '23514', 'payout 1 of session bbbbbbbb-0000-4000-8000-00000000000b is part of the record of money paid: payouts are never deleted', 'payouts are never deleted, not even by the owner');

-- Opening: scheduled, for the session's payout, in its currency, under a key of its own; after_review only.
select throws_ok($$ insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 'pkey-a-3', 100.00, 'TTD', now(), now()) $$,
  '23514', 'payout 3 of session aaaaaaaa-0000-4000-8000-00000000000a must open scheduled, for the session''s payout in its currency', 'a payout opens for the session''s payout (135.00)');
select throws_ok($$ insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 'pkey-a-3', 135.00, 'USD', now(), now()) $$,
  '23514', null, 'in the session''s currency');
select throws_ok($$ insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at, status, sent_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 'pkey-a-3', 135.00, 'TTD', now(), now(), 'pending', now()) $$,
  '23514', null, 'scheduled');
select throws_ok($$ insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 'pkey-a-1', 135.00, 'TTD', now(), now()) $$,
  '23505', null, 'a payout''s idempotency key is never reused');
insert into public.sessions (
  id, booking_id, tutor_id, student_id, status, version,
  scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
  no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
  price_ttd, currency, provider, meeting_id, join_url, finalized_at,
  charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, charge_status, charge_attempts, charge_reference, created_at, updated_at)
values ('cccccccc-0000-4000-8000-00000000000c', 'booking-c', '11111111-1111-4111-8111-111111111111', '44444444-4444-4444-8444-444444444444', 'COMPLETED_ASSUMED', 3,
  '2026-03-02 18:00Z', '2026-03-02 19:00Z', 60, '2026-03-02 17:55Z', 19, 39, '2026-03-02 18:19Z', '2026-03-02 19:00Z',
  150.00, 'TTD', 'zoom', '8000000003', 'https://zoom.us/j/8000000003', '2026-03-02 19:00Z',
  150.00, 135.00, 15.00, 'succeeded', 1, 'pi_c', '2026-03-01 09:00Z', '2026-03-02 19:01Z');
insert into public.session_charges
  (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, status, gateway_reference, calls, requested_at, answered_at)
values ('cccccccc-0000-4000-8000-00000000000c', 1, 'key-c-1', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', 'succeeded', 'pi_c', 1, '2026-03-02 19:00Z', '2026-03-02 19:01Z');
select throws_ok($$ insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at)
  values ('cccccccc-0000-4000-8000-00000000000c', 1, 'pkey-c-1', 135.00, 'TTD', now(), now()) $$,
  '23514', 'payout 1 of session cccccccc-0000-4000-8000-00000000000c: only an after_review session has payout rows', 'a with_charge session has no payout rows (its charge paid the tutor)');
select throws_ok($$ insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at, timing)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 'pkey-a-3', 135.00, 'TTD', now(), now(), 'with_charge') $$,
  '23514', null, 'a stored payout''s timing is after_review');

-- Nothing a client tried changed anything.
select results_eq($$ select idempotency_key || ':' || status || ':' || amount_ttd || ':' || calls from public.session_payouts order by idempotency_key $$,
  array['pkey-a-1:succeeded:135.00:1', 'pkey-a-2:pending:135.00:0', 'pkey-b-1:failed:90.00:1', 'pkey-b-2:succeeded:45.00:2'],
  'only the service role''s and the owner''s writes took effect');

select * from finish();
rollback;
