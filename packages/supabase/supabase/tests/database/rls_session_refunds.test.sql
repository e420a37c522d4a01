-- RLS matrix for public.session_refunds (refunds of succeeded charges): anon, a participant (tutor A,
-- student A, tutor B, student B), an authenticated stranger, service_role × select (per column: the
-- idempotency key and the gateway's reference are server-side only) / insert / update / delete / truncate.
-- Participants read their own sessions' refunds without the secret columns; clients write nothing; the
-- service role reads, opens and answers refunds, and never deletes or truncates them. Then the refund rules,
-- which hold for every writer (the table owner included).
begin;
select plan(54);

\ir ../fixtures/rls_people_and_rows.psql

-- Sessions A and B settled and paid on attempt 1 (A: 150.00 = 135.00 + 15.00; B: 100.00 = 90.00 + 10.00).
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
insert into public.session_charges
  (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
   status, gateway_reference, calls, requested_at, answered_at)
values
  ('aaaaaaaa-0000-4000-8000-00000000000a', 1, 'key-a-1', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD',
   'succeeded', 'pi_secret_a', 1, '2026-03-02 15:00Z', '2026-03-02 15:01Z'),
  ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 'key-b-1', 'NO_SHOW_STUDENT', 100.00, 90.00, 10.00, 'TTD',
   'succeeded', 'pi_secret_b', 1, '2026-03-02 16:29Z', '2026-03-02 16:29:05Z');
insert into public.session_refunds
  (session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency, status, reason, requested_by,
   gateway_reference, failure_code, calls, requested_at, answered_at)
values
  ('aaaaaaaa-0000-4000-8000-00000000000a', 1, 1, 'rkey-a-1', 50.00, 45.00, 5.00, 'TTD', 'succeeded', 'late start', 'admin-1',
   're_secret_a', null, 1, '2026-03-03 10:00Z', '2026-03-03 10:00:02Z'),
  ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 1, 'rkey-b-1', 100.00, 90.00, 10.00, 'TTD', 'unknown', 'dispute', 'admin-1',
   null, 'timeout', 1, '2026-03-03 11:00Z', '2026-03-03 11:00:05Z');

select ok((select relrowsecurity from pg_class where oid = 'public.session_refunds'::regclass), 'RLS is enabled on session_refunds');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select refund, status from public.session_refunds $$, '42501', null, 'anon cannot select refunds');
select throws_ok($$ insert into public.session_refunds (session_id, refund) values ('aaaaaaaa-0000-4000-8000-00000000000a', 9) $$, '42501', null, 'anon cannot insert refunds');
select throws_ok($$ update public.session_refunds set status = 'succeeded' $$, '42501', null, 'anon cannot update refunds');
select throws_ok($$ delete from public.session_refunds $$, '42501', null, 'anon cannot delete refunds');
select throws_ok($$ truncate public.session_refunds $$, '42501', null, 'anon cannot truncate refunds');
reset role;

-- tutor A (participant) -----------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select results_eq($$ select session_id::text || '#' || refund || ':' || status || ':' || amount_ttd || '=' || payout_ttd || '+' || fee_ttd || ':' || reason
                     from public.session_refunds order by session_id, refund $$,
  array['aaaaaaaa-0000-4000-8000-00000000000a#1:succeeded:50.00=45.00+5.00:late start'],
  'tutor A selects session A''s refunds (status, amounts, reason)');
select results_eq($$ select count(*) from public.session_refunds where requested_at is not null and calls >= 0 and updated_at is not null
                       and attempt is not null and currency is not null and requested_by is not null
                       and (answered_at is null or answered_at is not null) and (failure_code is null or failure_code is not null) $$,
  array[1::bigint], 'tutor A selects every non-secret column');
select throws_ok($$ select idempotency_key from public.session_refunds $$, '42501', null, 'tutor A cannot select idempotency keys');
select throws_ok($$ select gateway_reference from public.session_refunds $$, '42501', null, 'tutor A cannot select gateway references');
select throws_ok($$ select * from public.session_refunds $$, '42501', null, 'tutor A cannot select * (secret columns included)');
select throws_ok($$ insert into public.session_refunds (session_id, refund) values ('aaaaaaaa-0000-4000-8000-00000000000a', 9) $$, '42501', null, 'tutor A cannot insert refunds');
select throws_ok($$ update public.session_refunds set status = 'failed' $$, '42501', null, 'tutor A cannot update their refunds');
select throws_ok($$ delete from public.session_refunds $$, '42501', null, 'tutor A cannot delete their refunds');
select throws_ok($$ truncate public.session_refunds $$, '42501', null, 'tutor A cannot truncate refunds');
reset role;

-- student A (participant) ---------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "33333333-3333-4333-8333-333333333333", "role": "authenticated"}';
select results_eq($$ select refund || ':' || status || ':' || amount_ttd from public.session_refunds $$,
  array['1:succeeded:50.00'], 'student A selects session A''s refunds');
select throws_ok($$ select idempotency_key from public.session_refunds $$, '42501', null, 'student A cannot select idempotency keys');
select throws_ok($$ select gateway_reference from public.session_refunds $$, '42501', null, 'student A cannot select gateway references');
select throws_ok($$ insert into public.session_refunds (session_id, refund) values ('aaaaaaaa-0000-4000-8000-00000000000a', 9) $$, '42501', null, 'student A cannot insert refunds');
select throws_ok($$ update public.session_refunds set calls = 0 $$, '42501', null, 'student A cannot update refunds');
select throws_ok($$ delete from public.session_refunds $$, '42501', null, 'student A cannot delete refunds');
select throws_ok($$ truncate public.session_refunds $$, '42501', null, 'student A cannot truncate refunds');
reset role;

-- tutor B (participant of B only) -------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
select results_eq($$ select session_id::text || '#' || refund || ':' || status || ':' || coalesce(failure_code, '-') from public.session_refunds $$,
  array['bbbbbbbb-0000-4000-8000-00000000000b#1:unknown:timeout'], 'tutor B selects only session B''s refund');
select throws_ok($$ select gateway_reference from public.session_refunds $$, '42501', null, 'tutor B cannot select gateway references');
select throws_ok($$ update public.session_refunds set status = 'failed' $$, '42501', null, 'tutor B cannot update refunds');
select throws_ok($$ delete from public.session_refunds $$, '42501', null, 'tutor B cannot delete refunds');
reset role;

-- student B (participant of B only) -----------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}';
select results_eq($$ select refund || ':' || status from public.session_refunds $$, array['1:unknown'], 'student B selects only session B''s refund');
select throws_ok($$ select idempotency_key from public.session_refunds $$, '42501', null, 'student B cannot select idempotency keys');
select throws_ok($$ insert into public.session_refunds (session_id, refund) values ('bbbbbbbb-0000-4000-8000-00000000000b', 2) $$, '42501', null, 'student B cannot insert refunds');
reset role;

-- an authenticated stranger (takes part in no session) ----------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "55555555-5555-4555-8555-555555555555", "role": "authenticated"}';
select is_empty($$ select refund from public.session_refunds $$, 'a stranger selects no refund');
select throws_ok($$ select idempotency_key from public.session_refunds $$, '42501', null, 'a stranger cannot select idempotency keys');
select throws_ok($$ select gateway_reference from public.session_refunds $$, '42501', null, 'a stranger cannot select gateway references');
select throws_ok($$ insert into public.session_refunds (session_id, refund) values ('aaaaaaaa-0000-4000-8000-00000000000a', 9) $$, '42501', null, 'a stranger cannot insert refunds');
select throws_ok($$ update public.session_refunds set status = 'succeeded' $$, '42501', null, 'a stranger cannot update refunds');
select throws_ok($$ delete from public.session_refunds $$, '42501', null, 'a stranger cannot delete refunds');
select throws_ok($$ truncate public.session_refunds $$, '42501', null, 'a stranger cannot truncate refunds');
reset role;

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select results_eq($$ select idempotency_key || ':' || coalesce(gateway_reference, '-') from public.session_refunds order by idempotency_key $$,
  array['rkey-a-1:re_secret_a', 'rkey-b-1:-'], 'service_role selects every refund with its key and reference');
select lives_ok($$ insert into public.session_refunds
    (session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency, reason, requested_by, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 2, 1, 'rkey-a-2', 20.00, 18.00, 2.00, 'TTD', 'more', 'admin-1', '2026-03-04 09:00Z') $$,
  'service_role can open a refund');
select results_eq($$ update public.session_refunds set status = 'unknown', failure_code = 'timeout', calls = calls + 1, answered_at = '2026-03-04 09:00:05Z'
                     where idempotency_key = 'rkey-a-2' returning status || ':' || calls $$,
  array['unknown:1'], 'service_role can record an answer');
select throws_ok($$ delete from public.session_refunds where idempotency_key = 'rkey-a-2' $$, '42501', null, 'service_role cannot delete refunds (the ledger keeps every refund)');
select throws_ok($$ truncate public.session_refunds $$, '42501', null, 'service_role cannot truncate refunds');
select throws_ok($$ insert into public.session_refunds
    (session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency, reason, requested_by, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 1, 'rkey-a-3', 80.01, 72.01, 8.00, 'TTD', 'too much', 'admin-1', now()) $$,
  '23514', null, 'service_role cannot refund more than is left of the charge (150.00 − 50.00 − 20.00 = 80.00)');
reset role;

-- The rules hold for every writer, the table owner included ----------------------------------------
select lives_ok($$ insert into public.session_refunds
    (session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency, reason, requested_by, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 1, 'rkey-a-3', 80.00, 72.00, 8.00, 'TTD', 'the rest', 'admin-1', now()) $$,
  'refunds up to the charge exactly are allowed');
select throws_ok($$ insert into public.session_refunds
    (session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency, reason, requested_by, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 1, 'rkey-a-4', 0.01, 0.01, 0.00, 'TTD', 'one cent more', 'admin-1', now()) $$,
  '23514', null, 'one cent beyond the charge is refused');
select lives_ok($$ update public.session_refunds set status = 'failed', failure_code = 'declined', calls = calls + 1 where idempotency_key = 'rkey-a-3' $$,
  'a refund may fail (its amount then no longer counts)');
select throws_ok($$ update public.session_refunds set status = 'succeeded' where idempotency_key = 'rkey-a-3' $$,
  '23514', null, 'a failed refund never changes again');
select throws_ok($$ update public.session_refunds set status = 'failed' where idempotency_key = 'rkey-a-1' $$,
  '23514', null, 'a succeeded refund never changes again');
select throws_ok($$ update public.session_refunds set amount_ttd = 10.00, payout_ttd = 9.00, fee_ttd = 1.00 where idempotency_key = 'rkey-a-2' $$,
  '23514', null, 'a refund''s amounts never change');
select throws_ok($$ insert into public.session_refunds
    (session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency, reason, requested_by, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 1, 'rkey-a-4', 10.00, 8.00, 1.00, 'TTD', 'bad split', 'admin-1', now()) $$,
  '23514', null, 'amount = payout part + fee part');
select throws_ok($$ insert into public.session_refunds
    (session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency, reason, requested_by, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 1, 'rkey-a-4', 10.00, 0.00, 10.00, 'TTD', 'fee beyond', 'admin-1', now()) $$,
  '23514', null, 'the fee parts never exceed the charge''s fee (5.00 + 2.00 + 10.00 > 15.00)');
select throws_ok($$ insert into public.session_refunds
    (session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency, reason, requested_by, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 2, 'rkey-a-4', 10.00, 9.00, 1.00, 'TTD', 'no attempt', 'admin-1', now()) $$,
  '23514', null, 'a refund must be of a succeeded attempt');
select throws_ok($$ insert into public.session_refunds
    (session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency, reason, requested_by, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 1, 'rkey-a-1', 10.00, 9.00, 1.00, 'TTD', 'reused key', 'admin-1', now()) $$,
  '23505', null, 'a refund''s idempotency key is never reused');
select throws_ok($$ insert into public.session_refunds
    (session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency, reason, requested_by, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 1, 'rkey-a-4', 10.00, 9.00, 1.00, 'TTD', '', 'admin-1', now()) $$,
  '23514', null, 'a refund has a reason');

-- Nothing a client tried changed anything.
select results_eq($$ select idempotency_key || ':' || status || ':' || calls from public.session_refunds order by idempotency_key $$,
  array['rkey-a-1:succeeded:1', 'rkey-a-2:unknown:1', 'rkey-a-3:failed:1', 'rkey-b-1:unknown:1'], 'only the service role''s and the owner''s writes took effect');

select * from finish();
rollback;
