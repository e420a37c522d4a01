-- RLS matrix for public.session_charges (the charge ledger): anon, a participant (tutor A, student A,
-- tutor B, student B), an authenticated stranger, service_role × select (per column: the idempotency
-- key and the gateway's reference are server-side only) / insert / update / delete / truncate.
-- Participants read their own sessions' attempts without the secret columns; clients write nothing;
-- the service role reads, opens and answers attempts, and never deletes or truncates them.
begin;
select plan(61);

\ir ../fixtures/rls_people_and_rows.psql

-- Session A settled in full (attempt 1 declined, attempt 2 open); session B a no-show, paid on attempt 1.
update public.sessions
set status = 'COMPLETED_ASSUMED', version = 3, finalized_at = '2026-03-02 15:00Z',
    charge_amount_ttd = 150.00, payout_amount_ttd = 135.00, platform_fee_ttd = 15.00,
    charge_status = 'pending', charge_idempotency_key = 'key-a-2', charge_attempts = 2
where booking_id = 'booking-a';
update public.sessions
set status = 'NO_SHOW_STUDENT', version = 3, finalized_at = '2026-03-02 16:29Z',
    charge_amount_ttd = 100.00, payout_amount_ttd = 90.00, platform_fee_ttd = 10.00,
    charge_status = 'succeeded', charge_idempotency_key = 'key-b-1', charge_attempts = 1, charge_reference = 'ch_secret_b'
where booking_id = 'booking-b';
insert into public.session_charges
  (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
   status, gateway_reference, failure_code, calls, requested_at, answered_at)
values
  ('aaaaaaaa-0000-4000-8000-00000000000a', 1, 'key-a-1', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD',
   'failed', 'pi_secret_a', 'card_declined', 1, '2026-03-02 15:00Z', '2026-03-02 15:01Z'),
  ('aaaaaaaa-0000-4000-8000-00000000000a', 2, 'key-a-2', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD',
   'pending', null, null, 0, '2026-03-02 15:06Z', null),
  ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 'key-b-1', 'NO_SHOW_STUDENT', 100.00, 90.00, 10.00, 'TTD',
   'succeeded', 'ch_secret_b', null, 1, '2026-03-02 16:29Z', '2026-03-02 16:29:05Z');

select ok((select relrowsecurity from pg_class where oid = 'public.session_charges'::regclass), 'RLS is enabled on session_charges');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select attempt, status from public.session_charges $$, '42501', null, 'anon cannot select attempts');
select throws_ok($$ insert into public.session_charges (session_id, attempt) values ('aaaaaaaa-0000-4000-8000-00000000000a', 9) $$, '42501', null, 'anon cannot insert attempts');
select throws_ok($$ update public.session_charges set status = 'succeeded' $$, '42501', null, 'anon cannot update attempts');
select throws_ok($$ delete from public.session_charges $$, '42501', null, 'anon cannot delete attempts');
select throws_ok($$ truncate public.session_charges $$, '42501', null, 'anon cannot truncate attempts');
reset role;

-- tutor A (participant) -----------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select results_eq($$ select session_id::text || '#' || attempt || ':' || status || ':' || coalesce(failure_code, '-') || ':' || charge_amount_ttd
                     from public.session_charges order by session_id, attempt $$,
  array['aaaaaaaa-0000-4000-8000-00000000000a#1:failed:card_declined:150.00', 'aaaaaaaa-0000-4000-8000-00000000000a#2:pending:-:150.00'],
  'tutor A selects session A''s attempts (status, failure code, amounts)');
select results_eq($$ select count(*) from public.session_charges where requested_at is not null and calls >= 0 and updated_at is not null
                       and outcome is not null and payout_amount_ttd is not null and platform_fee_ttd is not null and currency is not null
                       and (answered_at is null or answered_at is not null) $$,
  array[2::bigint], 'tutor A selects every non-secret column');
select throws_ok($$ select idempotency_key from public.session_charges $$, '42501', null, 'tutor A cannot select idempotency keys');
select throws_ok($$ select gateway_reference from public.session_charges $$, '42501', null, 'tutor A cannot select gateway references');
select throws_ok($$ select * from public.session_charges $$, '42501', null, 'tutor A cannot select * (secret columns included)');
select throws_ok($$ insert into public.session_charges (session_id, attempt) values ('aaaaaaaa-0000-4000-8000-00000000000a', 9) $$, '42501', null, 'tutor A cannot insert attempts');
select throws_ok($$ update public.session_charges set status = 'succeeded' where attempt = 2 $$, '42501', null, 'tutor A cannot update their attempts');
select throws_ok($$ delete from public.session_charges $$, '42501', null, 'tutor A cannot delete their attempts');
select throws_ok($$ truncate public.session_charges $$, '42501', null, 'tutor A cannot truncate attempts');
reset role;

-- student A (participant) ---------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "33333333-3333-4333-8333-333333333333", "role": "authenticated"}';
select results_eq($$ select attempt || ':' || status from public.session_charges order by attempt $$,
  array['1:failed', '2:pending'], 'student A selects session A''s attempts');
select throws_ok($$ select idempotency_key from public.session_charges $$, '42501', null, 'student A cannot select idempotency keys');
select throws_ok($$ select gateway_reference from public.session_charges $$, '42501', null, 'student A cannot select gateway references');
select throws_ok($$ insert into public.session_charges (session_id, attempt) values ('aaaaaaaa-0000-4000-8000-00000000000a', 9) $$, '42501', null, 'student A cannot insert attempts');
select throws_ok($$ update public.session_charges set calls = 0 $$, '42501', null, 'student A cannot update attempts');
select throws_ok($$ delete from public.session_charges $$, '42501', null, 'student A cannot delete attempts');
select throws_ok($$ truncate public.session_charges $$, '42501', null, 'student A cannot truncate attempts');
reset role;

-- tutor B (participant of B only) -------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
select results_eq($$ select session_id::text || '#' || attempt || ':' || status || ':' || charge_amount_ttd from public.session_charges $$,
  array['bbbbbbbb-0000-4000-8000-00000000000b#1:succeeded:100.00'], 'tutor B selects only session B''s attempt');
select throws_ok($$ select gateway_reference from public.session_charges $$, '42501', null, 'tutor B cannot select gateway references');
select throws_ok($$ update public.session_charges set status = 'failed' $$, '42501', null, 'tutor B cannot update attempts');
select throws_ok($$ delete from public.session_charges $$, '42501', null, 'tutor B cannot delete attempts');
reset role;

-- student B (participant of B only) -----------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}';
select results_eq($$ select attempt || ':' || status from public.session_charges $$, array['1:succeeded'], 'student B selects only session B''s attempt');
select throws_ok($$ select idempotency_key from public.session_charges $$, '42501', null, 'student B cannot select idempotency keys');
select throws_ok($$ insert into public.session_charges (session_id, attempt) values ('bbbbbbbb-0000-4000-8000-00000000000b', 2) $$, '42501', null, 'student B cannot insert attempts');
reset role;

-- an authenticated stranger (takes part in no session) ----------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "55555555-5555-4555-8555-555555555555", "role": "authenticated"}';
select is_empty($$ select attempt from public.session_charges $$, 'a stranger selects no attempt');
select is_empty($$ select session_id, attempt, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, status, failure_code, calls,
                          requested_at, answered_at, updated_at from public.session_charges $$, 'a stranger selects no attempt, whatever the columns');
select throws_ok($$ select idempotency_key from public.session_charges $$, '42501', null, 'a stranger cannot select idempotency keys');
select throws_ok($$ select gateway_reference from public.session_charges $$, '42501', null, 'a stranger cannot select gateway references');
select throws_ok($$ insert into public.session_charges (session_id, attempt) values ('aaaaaaaa-0000-4000-8000-00000000000a', 9) $$, '42501', null, 'a stranger cannot insert attempts');
select throws_ok($$ update public.session_charges set status = 'succeeded' $$, '42501', null, 'a stranger cannot update attempts');
select throws_ok($$ delete from public.session_charges $$, '42501', null, 'a stranger cannot delete attempts');
select throws_ok($$ truncate public.session_charges $$, '42501', null, 'a stranger cannot truncate attempts');
reset role;

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select results_eq($$ select idempotency_key || ':' || coalesce(gateway_reference, '-') from public.session_charges order by idempotency_key $$,
  array['key-a-1:pi_secret_a', 'key-a-2:-', 'key-b-1:ch_secret_b'], 'service_role selects every attempt with its key and reference');
select lives_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 'key-a-3', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', '2026-03-02 15:20Z') $$,
  'service_role can open an attempt');
select results_eq($$ update public.session_charges set status = 'unknown', failure_code = 'timeout', calls = calls + 1, answered_at = '2026-03-02 15:21Z'
                     where idempotency_key = 'key-a-3' returning status || ':' || calls $$,
  array['unknown:1'], 'service_role can record an answer');
select throws_ok($$ delete from public.session_charges where idempotency_key = 'key-a-3' $$, '42501', null, 'service_role cannot delete attempts (the ledger keeps every attempt)');
select throws_ok($$ truncate public.session_charges $$, '42501', null, 'service_role cannot truncate attempts');
reset role;

-- The rules hold for every writer, the table owner included ----------------------------------------
select throws_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 'key-a-4', 'COMPLETED_ASSUMED', 151.00, 136.00, 15.00, 'TTD', now()) $$,
  '23503', null, 'an attempt''s amounts must be the session''s outcome amounts');
select throws_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 'key-a-4', 'NO_SHOW_STUDENT', 150.00, 135.00, 15.00, 'TTD', now()) $$,
  '23503', null, 'an attempt''s outcome must be the session''s');
select throws_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 'key-a-4', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'USD', now()) $$,
  '23503', null, 'an attempt''s currency must be the session''s');
select throws_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 'key-a-4', 'COMPLETED_ASSUMED', 150.00, 134.00, 15.00, 'TTD', now()) $$,
  '23514', null, 'charge = payout + fee');
select throws_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 'key-a-1', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', now()) $$,
  '23505', null, 'an idempotency key is never reused');
select throws_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 0, 'key-a-0', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', now()) $$,
  '23514', null, 'attempts count from 1');
select throws_ok($$ update public.sessions set charge_amount_ttd = 140.00, payout_amount_ttd = 126.00, platform_fee_ttd = 14.00, status = 'SCHEDULED',
                       finalized_at = null where booking_id = 'booking-b' $$,
  '23514', null, 'a final session with attempts cannot change its outcome');
select throws_ok($$ delete from public.sessions where booking_id = 'booking-b' $$, '23503', null, 'a session with attempts cannot be deleted');
-- (Refused before the session is compared: an attempt's amounts never change, and a succeeded attempt
-- never changes at all; see ledger_immutable.test.sql.)
select throws_ok($$ update public.session_charges set charge_amount_ttd = 120.00, payout_amount_ttd = 108.00, platform_fee_ttd = 12.00
                     where idempotency_key = 'key-b-1' $$,
  '23514', null, 'an attempt''s amounts cannot be changed away from the session''s');

-- Keys in the SDK's namespace (itutor-session-…) are the ones derived from their attempt, so the
-- primary key keeps them unique; other keys are kept unique by a partial unique index (above).
select throws_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-1', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', now()) $$,
  '23514', null, 'an SDK key is the one derived from its own attempt (another attempt''s key is refused)');
select throws_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 'itutor-session-bbbbbbbb-0000-4000-8000-00000000000b-COMPLETED_ASSUMED-4', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', now()) $$,
  '23514', null, 'an SDK key is the one derived from its own session');
select throws_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 'ITUTOR-SESSION-anything-4', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', now()) $$,
  '23514', null, 'the SDK''s namespace is reserved whatever the case');
select lives_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-4', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', now()) $$, 'an attempt with its derived key is opened');
select throws_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-4', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', now()) $$,
  '23505', null, 'a derived key is never reused (refused with unique_violation, by the primary key)');
select throws_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 5, 'key-a-2', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', now()) $$,
  '23505', null, 'any other key is never reused either');

-- One success per session; after it, no attempt at all.
select lives_ok($$ update public.session_charges set status = 'succeeded' where idempotency_key = 'key-a-2' $$, 'one succeeded attempt per session is allowed');
select throws_ok($$ update public.session_charges set status = 'succeeded' where idempotency_key = 'key-a-3' $$,
  '23505', null, 'a second succeeded attempt for a session is refused');
select throws_ok($$ insert into public.session_charges
    (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency, requested_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 5, 'itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-5', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', now()) $$,
  '23514', null, 'no attempt is opened for a session whose ledger holds a success');

-- Nothing a client tried changed anything.
select results_eq($$ select idempotency_key || ':' || status || ':' || calls from public.session_charges order by idempotency_key $$,
  array['itutor-session-aaaaaaaa-0000-4000-8000-00000000000a-COMPLETED_ASSUMED-4:pending:0', 'key-a-1:failed:1', 'key-a-2:succeeded:0', 'key-a-3:unknown:1', 'key-b-1:succeeded:1'],
  'only the service role''s and the owner''s writes took effect');

select * from finish();
rollback;
