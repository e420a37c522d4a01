-- RLS matrix for public.session_disputes (issue #23): anon, a participant (tutor A, student A, tutor B,
-- student B), an authenticated stranger, service_role × select / insert / update / delete / truncate.
-- Participants read their own sessions' disputes (every column: nothing in a dispute is secret); clients
-- write nothing; the service role reads, opens and steps disputes, and never deletes or truncates them.
-- Then the dispute rules, which hold for every writer (the table owner included).
begin;
select plan(47);

\ir ../fixtures/rls_people_and_rows.psql

select ok((select relrowsecurity from pg_class where oid = 'public.session_disputes'::regclass), 'RLS is enabled on session_disputes');

-- Sessions A and B settled (A: 150.00 = 135.00 + 15.00; B: 100.00 = 90.00 + 10.00); only A's charge has succeeded yet.
update public.sessions
set status = 'COMPLETED_ASSUMED', version = 3, finalized_at = '2026-03-02 15:00Z',
    charge_amount_ttd = 150.00, payout_amount_ttd = 135.00, platform_fee_ttd = 15.00,
    charge_status = 'succeeded', charge_idempotency_key = null, charge_attempts = 1, charge_reference = 'pi_secret_a'
where booking_id = 'booking-a';
update public.sessions
set status = 'NO_SHOW_STUDENT', version = 3, finalized_at = '2026-03-02 16:29Z',
    charge_amount_ttd = 100.00, payout_amount_ttd = 90.00, platform_fee_ttd = 10.00,
    charge_status = 'pending', charge_idempotency_key = 'key-b-1', charge_attempts = 1
where booking_id = 'booking-b';
insert into public.session_charges
  (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
   status, gateway_reference, calls, requested_at, answered_at)
values
  ('aaaaaaaa-0000-4000-8000-00000000000a', 1, 'key-a-1', 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD',
   'succeeded', 'pi_secret_a', 1, '2026-03-02 15:00Z', '2026-03-02 15:01Z'),
  ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 'key-b-1', 'NO_SHOW_STUDENT', 100.00, 90.00, 10.00, 'TTD',
   'pending', null, 0, '2026-03-02 16:29Z', null);

select throws_ok($$ insert into public.session_disputes (session_id, status, reason, opened_by, opened_at, updated_at)
  values ('bbbbbbbb-0000-4000-8000-00000000000b', 'open', 'quality', '44444444-4444-4444-8444-444444444444', '2026-03-03 09:00Z', '2026-03-03 09:00Z') $$,
  '23514', 'the dispute of session bbbbbbbb-0000-4000-8000-00000000000b opens only as open, on a succeeded charge',
  'a session whose charge has not succeeded cannot be disputed');

update public.session_charges set status = 'succeeded', gateway_reference = 'pi_secret_b', calls = 1, answered_at = '2026-03-02 16:29:05Z'
where idempotency_key = 'key-b-1';
update public.sessions set charge_status = 'succeeded', charge_idempotency_key = null, charge_reference = 'pi_secret_b', version = 4
where booking_id = 'booking-b';

select throws_ok($$ insert into public.session_disputes (session_id, status, reason, opened_by, opened_at, updated_at)
  values ('bbbbbbbb-0000-4000-8000-00000000000b', 'contested', 'quality', '44444444-4444-4444-8444-444444444444', '2026-03-03 09:00Z', '2026-03-03 09:00Z') $$,
  '23514', 'the dispute of session bbbbbbbb-0000-4000-8000-00000000000b opens only as open, on a succeeded charge', 'a dispute opens as open');

-- A: open, the tutor's turn; B: offered 20.00 by its tutor.
insert into public.session_disputes (session_id, status, reason, opened_by, opened_at, updated_at) values
  ('aaaaaaaa-0000-4000-8000-00000000000a', 'open', 'tutor_absent', '33333333-3333-4333-8333-333333333333', '2026-03-03 08:00Z', '2026-03-03 08:00Z'),
  ('bbbbbbbb-0000-4000-8000-00000000000b', 'open', 'ended_early', '44444444-4444-4444-8444-444444444444', '2026-03-03 09:00Z', '2026-03-03 09:00Z');
update public.session_disputes set status = 'offered', offer_ttd = 20.00, updated_at = '2026-03-03 10:00Z'
where session_id = 'bbbbbbbb-0000-4000-8000-00000000000b';

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select status from public.session_disputes $$, '42501', null, 'anon cannot select disputes');
select throws_ok($$ insert into public.session_disputes (session_id) values ('aaaaaaaa-0000-4000-8000-00000000000a') $$, '42501', null, 'anon cannot insert disputes');
select throws_ok($$ update public.session_disputes set status = 'resolved' $$, '42501', null, 'anon cannot update disputes');
select throws_ok($$ delete from public.session_disputes $$, '42501', null, 'anon cannot delete disputes');
select throws_ok($$ truncate public.session_disputes $$, '42501', null, 'anon cannot truncate disputes');
reset role;

-- tutor A (participant) -----------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select results_eq($$ select session_id::text || ':' || status || ':' || reason || ':' || opened_by from public.session_disputes $$,
  array['aaaaaaaa-0000-4000-8000-00000000000a:open:tutor_absent:33333333-3333-4333-8333-333333333333'],
  'tutor A selects session A''s dispute');
select results_eq($$ select count(*) from (select * from public.session_disputes) as d $$, array[1::bigint], 'tutor A selects every column (nothing in a dispute is secret)');
select throws_ok($$ insert into public.session_disputes (session_id, status, reason, opened_by, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 'open', 'other', 'x', now(), now()) $$, '42501', null, 'tutor A cannot insert disputes');
select throws_ok($$ update public.session_disputes set status = 'contested' $$, '42501', null, 'tutor A cannot step their dispute directly');
select throws_ok($$ delete from public.session_disputes $$, '42501', null, 'tutor A cannot delete disputes');
select throws_ok($$ truncate public.session_disputes $$, '42501', null, 'tutor A cannot truncate disputes');
reset role;

-- student A (participant) ---------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "33333333-3333-4333-8333-333333333333", "role": "authenticated"}';
select results_eq($$ select session_id::text || ':' || status from public.session_disputes $$,
  array['aaaaaaaa-0000-4000-8000-00000000000a:open'], 'student A selects session A''s dispute');
select throws_ok($$ insert into public.session_disputes (session_id, status, reason, opened_by, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 'open', 'other', 'x', now(), now()) $$, '42501', null, 'student A cannot insert disputes');
select throws_ok($$ update public.session_disputes set status = 'resolved', resolution = 'full_refund', refund_ttd = 150.00, resolved_at = now() $$,
  '42501', null, 'student A cannot resolve their dispute directly');
select throws_ok($$ delete from public.session_disputes $$, '42501', null, 'student A cannot delete disputes');
select throws_ok($$ truncate public.session_disputes $$, '42501', null, 'student A cannot truncate disputes');
reset role;

-- tutor B (participant of B only) -------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
select results_eq($$ select session_id::text || ':' || status || ':' || offer_ttd from public.session_disputes $$,
  array['bbbbbbbb-0000-4000-8000-00000000000b:offered:20.00'], 'tutor B selects only session B''s dispute');
select throws_ok($$ update public.session_disputes set offer_ttd = 1.00 $$, '42501', null, 'tutor B cannot change their offer directly');
select throws_ok($$ delete from public.session_disputes $$, '42501', null, 'tutor B cannot delete disputes');
reset role;

-- student B (participant of B only) -----------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}';
select results_eq($$ select reason || ':' || offer_ttd from public.session_disputes $$, array['ended_early:20.00'], 'student B selects only session B''s dispute');
select throws_ok($$ update public.session_disputes set status = 'resolved' $$, '42501', null, 'student B cannot accept the offer directly');
reset role;

-- an authenticated stranger (takes part in no session) ----------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "55555555-5555-4555-8555-555555555555", "role": "authenticated"}';
select is_empty($$ select session_id from public.session_disputes $$, 'a stranger selects no dispute');
select throws_ok($$ insert into public.session_disputes (session_id, status, reason, opened_by, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 'open', 'other', 'x', now(), now()) $$, '42501', null, 'a stranger cannot insert disputes');
select throws_ok($$ update public.session_disputes set status = 'contested' $$, '42501', null, 'a stranger cannot update disputes');
select throws_ok($$ delete from public.session_disputes $$, '42501', null, 'a stranger cannot delete disputes');
select throws_ok($$ truncate public.session_disputes $$, '42501', null, 'a stranger cannot truncate disputes');
reset role;

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select results_eq($$ select session_id::text || ':' || status from public.session_disputes order by session_id $$,
  array['aaaaaaaa-0000-4000-8000-00000000000a:open', 'bbbbbbbb-0000-4000-8000-00000000000b:offered'], 'service_role selects every dispute');
select results_eq($$ update public.session_disputes set status = 'contested', updated_at = '2026-03-03 11:00Z'
                     where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' returning status $$,
  array['contested'], 'service_role can record a step');
select throws_ok($$ delete from public.session_disputes $$, '42501', null, 'service_role cannot delete disputes');
select throws_ok($$ truncate public.session_disputes $$, '42501', null, 'service_role cannot truncate disputes');
reset role;

-- The rules hold for every writer, the table owner included ----------------------------------------
select throws_ok($$ insert into public.session_disputes (session_id, status, reason, opened_by, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 'open', 'other', '33333333-3333-4333-8333-333333333333', now(), now()) $$,
  '23505', null, 'a session has at most one dispute');
select throws_ok($$ update public.session_disputes set reason = 'quality' where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  '23514', 'the dispute of session aaaaaaaa-0000-4000-8000-00000000000a: its session, reason, student and opening time never change', 'a dispute''s reason never changes');
select throws_ok($$ update public.session_disputes set opened_by = '11111111-1111-4111-8111-111111111111' where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  '23514', null, 'nor who opened it');
select throws_ok($$ update public.session_disputes set opened_at = '2026-03-01 00:00Z' where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  '23514', null, 'nor when');
select throws_ok($$ update public.session_disputes set status = 'resolved' where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  '23514', null, 'a resolution carries its outcome (resolution, refund, time)');
select throws_ok($$ update public.session_disputes set status = 'resolved', resolution = 'no_refund', refund_ttd = 1.00, resolved_at = now()
  where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$, '23514', null, 'no_refund refunds nothing');
select throws_ok($$ update public.session_disputes set status = 'offered', offer_ttd = null where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  '23514', null, 'an offer has an amount');
select throws_ok($$ update public.session_disputes set resolved_by = 'admin-1', resolved_by_role = 'platform' where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  '23514', null, 'only a resolved dispute has a resolver');
select lives_ok($$ update public.session_disputes
  set status = 'resolved', resolution = 'full_refund', refund_ttd = 150.00, resolved_by = 'admin-1', resolved_by_role = 'platform',
      resolved_at = '2026-03-04 09:00Z', updated_at = '2026-03-04 09:00Z'
  where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$, 'the platform resolves a contested dispute');
select throws_ok($$ update public.session_disputes set status = 'contested', resolution = null, refund_ttd = null, resolved_by = null, resolved_by_role = null, resolved_at = null
  where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  '23514', 'the dispute of session aaaaaaaa-0000-4000-8000-00000000000a is resolved: it never changes again', 'a resolved dispute is never reopened');
select throws_ok($$ update public.session_disputes set updated_at = now() where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  '23514', null, 'nor touched at all');
select throws_ok($$ delete from public.session_disputes where session_id = 'aaaaaaaa-0000-4000-8000-00000000000a' $$,
  '23514', 'the dispute of session aaaaaaaa-0000-4000-8000-00000000000a is never deleted', 'disputes are never deleted, not even by the owner');
select throws_ok($$ update public.session_disputes set reason = 'refund_me' where session_id = 'bbbbbbbb-0000-4000-8000-00000000000b' $$,
  '23514', null, 'reasons are constrained');

-- Nothing a client tried changed anything.
select results_eq($$ select session_id::text || ':' || status || ':' || coalesce(resolution, '-') || ':' || coalesce(offer_ttd::text, '-') from public.session_disputes order by session_id $$,
  array['aaaaaaaa-0000-4000-8000-00000000000a:resolved:full_refund:-', 'bbbbbbbb-0000-4000-8000-00000000000b:offered:-:20.00'],
  'only the service role''s and the owner''s writes took effect');

select * from finish();
rollback;
