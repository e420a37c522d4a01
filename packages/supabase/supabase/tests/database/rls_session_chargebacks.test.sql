-- RLS matrix for public.session_chargebacks (card disputes at the student's bank, issue #24): anon, a
-- participant (tutor A, student A, tutor B, student B), an authenticated stranger, service_role × select /
-- insert / update / delete / truncate. Clients read and write nothing (a participant learns that a
-- chargeback exists from the audit events); the service role reads, opens and updates chargebacks, and
-- never deletes or truncates them. Then the chargeback rules, which hold for every writer (the table owner
-- included), and what an open chargeback and a withheld tutor share do to the session's payout.
begin;
select plan(85);

\ir ../fixtures/rls_people_and_rows.psql

select ok((select relrowsecurity from pg_class where oid = 'public.session_chargebacks'::regclass), 'RLS is enabled on session_chargebacks');

-- Session A settled and paid with its charge (150.00 = 135.00 + 15.00); session B, paid after review
-- (100.00 = 90.00 + 10.00), settled with its charge still pending.
update public.sessions set payout_timing = 'after_review' where booking_id = 'booking-b';
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

select throws_ok($$ insert into public.session_chargebacks
    (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
  values ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 1, 'dp_secret_b', 'needs_response', 'fraudulent', 100.00, 'TTD', '2026-03-04 09:00Z', 'platform', 0, '2026-03-04 09:00Z', '2026-03-04 09:00Z') $$,
  '23514', 'chargeback 1 of session bbbbbbbb-0000-4000-8000-00000000000b disputes attempt 1, which is not a succeeded attempt of the session',
  'a charge that has not succeeded cannot be disputed at the bank');

update public.session_charges set status = 'succeeded', gateway_reference = 'pi_secret_b', calls = 1, answered_at = '2026-03-02 16:29:05Z'
where idempotency_key = 'key-b-1';
update public.sessions set charge_status = 'succeeded', charge_idempotency_key = null, charge_reference = 'pi_secret_b', version = 4
where booking_id = 'booking-b';
insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at)
values ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 'pkey-b-1', 90.00, 'TTD', '2026-03-05 16:29Z', '2026-03-02 16:29:05Z');

-- A: a chargeback the platform bears, waiting for evidence. B: an inquiry whose loss the tutor bears
-- (50.00 of 100.00 disputed: the tutor's share 50.00 × 90.00 ÷ 100.00 = 45.00).
insert into public.session_chargebacks
  (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, evidence_due_by, gateway_updated_at,
   loss_bearer, tutor_share_ttd, opened_at, updated_at)
values
  ('aaaaaaaa-0000-4000-8000-00000000000a', 1, 1, 'dp_secret_a', 'needs_response', 'product_not_received', 150.00, 'TTD', '2026-03-20 00:00Z',
   '2026-03-04 08:00Z', 'platform', 0, '2026-03-04 08:00Z', '2026-03-04 08:00Z'),
  ('bbbbbbbb-0000-4000-8000-00000000000b', 1, 1, 'dp_secret_b', 'warning_needs_response', 'fraudulent', 50.00, 'TTD', null,
   '2026-03-04 09:00Z', 'tutor', 45.00, '2026-03-04 09:00Z', '2026-03-04 09:00Z');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select status from public.session_chargebacks $$, '42501', null, 'anon cannot select chargebacks');
select throws_ok($$ insert into public.session_chargebacks (session_id, chargeback) values ('aaaaaaaa-0000-4000-8000-00000000000a', 2) $$, '42501', null, 'anon cannot insert chargebacks');
select throws_ok($$ update public.session_chargebacks set status = 'won' $$, '42501', null, 'anon cannot update chargebacks');
select throws_ok($$ delete from public.session_chargebacks $$, '42501', null, 'anon cannot delete chargebacks');
select throws_ok($$ truncate public.session_chargebacks $$, '42501', null, 'anon cannot truncate chargebacks');
reset role;

-- tutor A (participant) -----------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select throws_ok($$ select status from public.session_chargebacks $$, '42501', null, 'tutor A cannot select their session''s chargeback (not even its status)');
select throws_ok($$ select count(*) from public.session_chargebacks $$, '42501', null, 'tutor A cannot count chargebacks');
select throws_ok($$ select reference, staged_evidence from public.session_chargebacks $$, '42501', null, 'tutor A cannot select the reference or the evidence');
select throws_ok($$ insert into public.session_chargebacks (session_id, chargeback) values ('aaaaaaaa-0000-4000-8000-00000000000a', 2) $$, '42501', null, 'tutor A cannot insert chargebacks');
select throws_ok($$ update public.session_chargebacks set tutor_share = 'reinstated' $$, '42501', null, 'tutor A cannot give their share back');
select throws_ok($$ delete from public.session_chargebacks $$, '42501', null, 'tutor A cannot delete chargebacks');
select throws_ok($$ truncate public.session_chargebacks $$, '42501', null, 'tutor A cannot truncate chargebacks');
reset role;

-- student A (participant: the one who disputed at the bank) ---------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "33333333-3333-4333-8333-333333333333", "role": "authenticated"}';
select throws_ok($$ select status, reason from public.session_chargebacks $$, '42501', null, 'student A cannot select their session''s chargeback');
select throws_ok($$ insert into public.session_chargebacks (session_id, chargeback) values ('aaaaaaaa-0000-4000-8000-00000000000a', 2) $$, '42501', null, 'student A cannot insert chargebacks');
select throws_ok($$ update public.session_chargebacks set status = 'won' $$, '42501', null, 'student A cannot update chargebacks');
select throws_ok($$ delete from public.session_chargebacks $$, '42501', null, 'student A cannot delete chargebacks');
select throws_ok($$ truncate public.session_chargebacks $$, '42501', null, 'student A cannot truncate chargebacks');
reset role;

-- tutor B (participant of B only) -------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
select throws_ok($$ select tutor_share, tutor_share_ttd from public.session_chargebacks $$, '42501', null, 'tutor B cannot select their share of a chargeback');
select throws_ok($$ update public.session_chargebacks set status = 'won', closed_at = now() $$, '42501', null, 'tutor B cannot close a chargeback');
select throws_ok($$ delete from public.session_chargebacks $$, '42501', null, 'tutor B cannot delete chargebacks');
reset role;

-- student B (participant of B only) -----------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}';
select throws_ok($$ select session_id from public.session_chargebacks $$, '42501', null, 'student B cannot select chargebacks');
select throws_ok($$ insert into public.session_chargebacks (session_id, chargeback) values ('bbbbbbbb-0000-4000-8000-00000000000b', 2) $$, '42501', null, 'student B cannot insert chargebacks');
select throws_ok($$ truncate public.session_chargebacks $$, '42501', null, 'student B cannot truncate chargebacks');
reset role;

-- an authenticated stranger (takes part in no session) ----------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "55555555-5555-4555-8555-555555555555", "role": "authenticated"}';
select throws_ok($$ select session_id from public.session_chargebacks $$, '42501', null, 'a stranger cannot select chargebacks');
select throws_ok($$ insert into public.session_chargebacks (session_id, chargeback) values ('aaaaaaaa-0000-4000-8000-00000000000a', 2) $$, '42501', null, 'a stranger cannot insert chargebacks');
select throws_ok($$ update public.session_chargebacks set status = 'lost' $$, '42501', null, 'a stranger cannot update chargebacks');
select throws_ok($$ delete from public.session_chargebacks $$, '42501', null, 'a stranger cannot delete chargebacks');
select throws_ok($$ truncate public.session_chargebacks $$, '42501', null, 'a stranger cannot truncate chargebacks');
reset role;

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select results_eq($$ select session_id::text || '#' || chargeback || ':' || reference || ':' || status from public.session_chargebacks order by session_id, chargeback $$,
  array['aaaaaaaa-0000-4000-8000-00000000000a#1:dp_secret_a:needs_response', 'bbbbbbbb-0000-4000-8000-00000000000b#1:dp_secret_b:warning_needs_response'],
  'service_role selects every chargeback with its reference');
select results_eq($$ update public.session_chargebacks set status = 'under_review', gateway_updated_at = '2026-03-05 08:00Z', updated_at = '2026-03-05 08:00Z'
                     where reference = 'dp_secret_a' returning status $$,
  array['under_review'], 'service_role can record a change the gateway reported');
select lives_ok($$ insert into public.session_chargebacks
    (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 2, 1, 'dp_secret_a2', 'warning_under_review', 'general', 10.00, 'TTD', '2026-03-06 08:00Z', 'platform', 0, '2026-03-06 08:00Z', '2026-03-06 08:00Z') $$,
  'service_role can open a session''s next chargeback');
select throws_ok($$ delete from public.session_chargebacks where reference = 'dp_secret_a2' $$, '42501', null, 'service_role cannot delete chargebacks');
select throws_ok($$ truncate public.session_chargebacks $$, '42501', null, 'service_role cannot truncate chargebacks');
select is(jsonb_array_length(public.itutor_list_open_chargebacks(10)), 3, 'service_role lists the open chargebacks');
reset role;

-- The rules hold for every writer, the table owner included ----------------------------------------
-- Opening: the session's next number, a succeeded attempt of the session, in its currency, a reference of its own.
select throws_ok($$ insert into public.session_chargebacks
    (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 4, 1, 'dp_a4', 'needs_response', 'general', 10.00, 'TTD', now(), 'platform', 0, now(), now()) $$,
  '23514', 'chargeback 4 of session aaaaaaaa-0000-4000-8000-00000000000a: a chargeback takes the session''s next number (3)', 'a chargeback takes the session''s next number, not any');
select throws_ok($$ insert into public.session_chargebacks
    (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 2, 1, 'dp_a2bis', 'needs_response', 'general', 10.00, 'TTD', now(), 'platform', 0, now(), now()) $$,
  '23514', null, 'nor a number already taken');
select throws_ok($$ insert into public.session_chargebacks
    (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 2, 'dp_a3', 'needs_response', 'general', 10.00, 'TTD', now(), 'platform', 0, now(), now()) $$,
  '23514', 'chargeback 3 of session aaaaaaaa-0000-4000-8000-00000000000a disputes attempt 2, which is not a succeeded attempt of the session', 'an attempt that does not exist cannot be disputed');
select throws_ok($$ insert into public.session_chargebacks
    (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 1, 'dp_a3', 'needs_response', 'general', 10.00, 'USD', now(), 'platform', 0, now(), now()) $$,
  '23514', 'chargeback 3 of session aaaaaaaa-0000-4000-8000-00000000000a is not in its charge''s currency (TTD)', 'a chargeback is in its charge''s currency');
select throws_ok($$ insert into public.session_chargebacks
    (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 1, 'dp_secret_b', 'needs_response', 'general', 10.00, 'TTD', now(), 'platform', 0, now(), now()) $$,
  '23505', null, 'a gateway reference names one chargeback');
select throws_ok($$ insert into public.session_chargebacks
    (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 1, 'dp_a3', 'lost', 'general', 10.00, 'TTD', now(), 'platform', 0, now(), now()) $$,
  '23514', null, 'a final status carries its closing time');
select throws_ok($$ insert into public.session_chargebacks
    (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 1, 'dp_a3', 'needs_response', 'general', 10.00, 'TTD', now(), 'platform', 9.00, now(), now()) $$,
  '23514', null, 'a loss the platform bears takes no share from the tutor');
select throws_ok($$ insert into public.session_chargebacks
    (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 1, 'dp_a3', 'needs_response', 'general', 10.00, 'TTD', now(), 'tutor', 10.01, now(), now()) $$,
  '23514', null, 'the tutor''s share is part of the disputed amount');
select throws_ok($$ insert into public.session_chargebacks
    (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
  values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 1, 'dp_a3', 'disputed', 'general', 10.00, 'TTD', now(), 'platform', 0, now(), now()) $$,
  '23514', null, 'statuses are the gateway''s');

-- Identity never changes.
select throws_ok($$ update public.session_chargebacks set reference = 'dp_other' where reference = 'dp_secret_a' $$,
  '23514', 'chargeback 1 of session aaaaaaaa-0000-4000-8000-00000000000a: its attempt, reference, currency, amount, loss bearer, tutor share and opening time never change',
  'a chargeback''s reference never changes');
select throws_ok($$ update public.session_chargebacks set amount_ttd = 100.00 where reference = 'dp_secret_a' $$, '23514', null, 'nor its amount');
select throws_ok($$ update public.session_chargebacks set loss_bearer = 'tutor', tutor_share_ttd = 135.00 where reference = 'dp_secret_a' $$, '23514', null, 'nor who bears the loss, nor the tutor''s share');
select throws_ok($$ update public.session_chargebacks set opened_at = '2026-03-01 00:00Z' where reference = 'dp_secret_a' $$, '23514', null, 'nor when it opened');
select throws_ok($$ update public.session_chargebacks set chargeback = 9 where reference = 'dp_secret_a' $$, '23514', null, 'nor its number');

-- Funds withdrawn and reinstated only grow.
select lives_ok($$ update public.session_chargebacks set funds_withdrawn_ttd = 150.00, fee_ttd = 15.00 where reference = 'dp_secret_a' $$,
  'the funds withdrawn are recorded');
select throws_ok($$ update public.session_chargebacks set funds_withdrawn_ttd = 100.00 where reference = 'dp_secret_a' $$,
  '23514', 'chargeback 1 of session aaaaaaaa-0000-4000-8000-00000000000a: funds withdrawn and funds reinstated never go down', 'funds withdrawn never go down');
select lives_ok($$ update public.session_chargebacks set funds_reinstated_ttd = 150.00 where reference = 'dp_secret_a' $$, 'funds reinstated are recorded');
select throws_ok($$ update public.session_chargebacks set funds_reinstated_ttd = 0 where reference = 'dp_secret_a' $$, '23514', null, 'funds reinstated never go down');

-- Evidence: none → staged (again with new text) → submitted, one step at a time; submitted never changes.
select throws_ok($$ update public.session_chargebacks set evidence = 'submitted', staged_evidence = '{"service_date": "2026-03-02"}', evidence_staged_at = now(),
    submitted_by = 'admin-1', submitted_at = now() where reference = 'dp_secret_a' $$,
  '23514', 'chargeback 1 of session aaaaaaaa-0000-4000-8000-00000000000a: evidence moves only forward, one step at a time (none, staged, submitted), and submitted evidence never changes',
  'evidence is staged before it is submitted');
select throws_ok($$ update public.session_chargebacks set evidence = 'staged' where reference = 'dp_secret_a' $$, '23514', null, 'staged evidence is the text staged (with its time)');
select throws_ok($$ update public.session_chargebacks set evidence = 'staged', staged_evidence = '["service_date"]', evidence_staged_at = now() where reference = 'dp_secret_a' $$,
  '23514', null, 'staged evidence is an object of fields');
select lives_ok($$ update public.session_chargebacks set evidence = 'staged', staged_evidence = '{"service_date": "2026-03-02", "customer_communication": null}',
    evidence_staged_at = '2026-03-05 09:00Z' where reference = 'dp_secret_a' $$, 'evidence is staged');
select lives_ok($$ update public.session_chargebacks set staged_evidence = '{"service_date": "2026-03-02", "uncategorized_text": "Joined at 14:00"}',
    evidence_staged_at = '2026-03-05 10:00Z' where reference = 'dp_secret_a' $$, 'and staged again with new text');
select throws_ok($$ update public.session_chargebacks set evidence = 'none', staged_evidence = null, evidence_staged_at = null where reference = 'dp_secret_a' $$,
  '23514', null, 'staged evidence never goes back to none');
select throws_ok($$ update public.session_chargebacks set evidence = 'submitted' where reference = 'dp_secret_a' $$, '23514', null, 'a submission names who submitted it, and when');
select lives_ok($$ update public.session_chargebacks set evidence = 'submitted', submitted_by = 'admin-1', submitted_at = '2026-03-05 11:00Z' where reference = 'dp_secret_a' $$,
  'staged evidence is submitted');
select throws_ok($$ update public.session_chargebacks set staged_evidence = '{"service_date": "2026-03-03"}' where reference = 'dp_secret_a' $$, '23514', null, 'submitted evidence never changes');
select throws_ok($$ update public.session_chargebacks set submitted_by = 'admin-2' where reference = 'dp_secret_a' $$, '23514', null, 'nor who submitted it');
select throws_ok($$ update public.session_chargebacks set evidence = 'staged', submitted_by = null, submitted_at = null where reference = 'dp_secret_a' $$, '23514', null, 'nor goes back to staged');

-- The tutor's share: none → reversed | withheld | failed; reversed → reinstated | failed; failed → reversed | reinstated.
select throws_ok($$ update public.session_chargebacks set tutor_share = 'reversed' where reference = 'dp_secret_a' $$, '23514', null, 'a loss the platform bears moves no share');
insert into public.session_chargebacks
  (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
values ('aaaaaaaa-0000-4000-8000-00000000000a', 3, 1, 'dp_a3', 'needs_response', 'general', 20.00, 'TTD', '2026-03-07 08:00Z', 'tutor', 18.00, '2026-03-07 08:00Z', '2026-03-07 08:00Z');
select throws_ok($$ update public.session_chargebacks set tutor_share = 'reinstated' where reference = 'dp_a3' $$,
  '23514', 'chargeback 3 of session aaaaaaaa-0000-4000-8000-00000000000a: the tutor''s share cannot move from none to reinstated', 'nothing taken is given back');
select lives_ok($$ update public.session_chargebacks set tutor_share = 'reversed' where reference = 'dp_a3' $$, 'the share is reversed from the tutor''s transfer');
select throws_ok($$ update public.session_chargebacks set tutor_share = 'withheld' where reference = 'dp_a3' $$, '23514', null, 'a reversed share is not withheld again');
select throws_ok($$ update public.session_chargebacks set tutor_share = 'none' where reference = 'dp_a3' $$, '23514', null, 'a reversed share never goes back to none');
select lives_ok($$ update public.session_chargebacks set tutor_share = 'failed' where reference = 'dp_a3' $$, 'giving it back may fail');
select lives_ok($$ update public.session_chargebacks set tutor_share = 'reinstated' where reference = 'dp_a3' $$, 'and be retried until it is given back');
select throws_ok($$ update public.session_chargebacks set tutor_share = 'failed' where reference = 'dp_a3' $$, '23514', null, 'a reinstated share is final');
select throws_ok($$ update public.session_chargebacks set tutor_share = 'given_back' where reference = 'dp_a3' $$, '23514', null, 'shares are constrained');

-- Chargebacks are never deleted; an unchanged write changes nothing.
select throws_ok($$ delete from public.session_chargebacks where reference = 'dp_a3' $$,
  '23514', 'chargeback 3 of session aaaaaaaa-0000-4000-8000-00000000000a is part of the record of money disputed: chargebacks are never deleted', 'chargebacks are never deleted, not even by the owner');
select lives_ok($$ update public.session_chargebacks set status = status where reference = 'dp_a3' $$, 'a write that changes nothing is allowed');

-- The payout: held while a chargeback is open; a withheld share is taken from what is sent --------
select is(public.itutor_list_due_payouts('2030-01-01', '2030-01-01', 10), '[]'::jsonb, 'the payout run does not see a payout held by an open chargeback');
select throws_ok($$ update public.session_payouts set status = 'pending', sent_at = now(), refunds_before = 0 where idempotency_key = 'pkey-b-1' $$,
  '23514', 'payout 1 of session bbbbbbbb-0000-4000-8000-00000000000b is held by the session''s open chargeback', 'nothing is sent while a chargeback is open');
update public.session_chargebacks set status = 'warning_under_review', gateway_updated_at = '2026-03-05 09:00Z', updated_at = '2026-03-05 09:00Z' where reference = 'dp_secret_b';
select throws_ok($$ update public.session_payouts set status = 'cancelled', amount_ttd = 0, sent_at = now(), refunds_before = 0 where idempotency_key = 'pkey-b-1' $$,
  '23514', 'payout 1 of session bbbbbbbb-0000-4000-8000-00000000000b is held by the session''s open chargeback', 'nor cancelled (an inquiry under review holds it too)');
-- Escalated and lost: the tutor's share (45.00) is withheld from the payout not yet sent.
update public.session_chargebacks
set status = 'lost', closed_at = '2026-03-10 09:00Z', funds_withdrawn_ttd = 50.00, fee_ttd = 15.00, tutor_share = 'withheld',
    gateway_updated_at = '2026-03-10 09:00Z', updated_at = '2026-03-10 09:00Z'
where reference = 'dp_secret_b';
select throws_ok($$ update public.session_chargebacks set tutor_share = 'reinstated' where reference = 'dp_secret_b' $$, '23514', null, 'a withheld share is final');
select is(public.itutor_list_due_payouts('2030-01-01', '2030-01-01', 10) -> 0 ->> 'idempotency_key', 'pkey-b-1', 'a closed chargeback releases the payout to the payout run');
select throws_ok($$ update public.session_payouts set status = 'pending', sent_at = now(), refunds_before = 0 where idempotency_key = 'pkey-b-1' $$,
  '23514', 'payout 1 of session bbbbbbbb-0000-4000-8000-00000000000b: the amount sent must be what is left to pay (45.00)', 'the withheld share is not sent (90.00 − 45.00)');
select throws_ok($$ update public.session_payouts set status = 'pending', amount_ttd = 45.01, sent_at = now(), refunds_before = 0 where idempotency_key = 'pkey-b-1' $$,
  '23514', null, 'not a cent more');
-- A second chargeback, won, with nothing withheld, changes nothing of what is left.
insert into public.session_chargebacks
  (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, gateway_updated_at, loss_bearer, tutor_share_ttd, tutor_share, opened_at, closed_at, updated_at)
values ('bbbbbbbb-0000-4000-8000-00000000000b', 2, 1, 'dp_b2', 'won', 'general', 30.00, 'TTD', '2026-03-11 09:00Z', 'tutor', 27.00, 'none', '2026-03-11 08:00Z', '2026-03-11 09:00Z', '2026-03-11 09:00Z');
select lives_ok($$ update public.session_payouts set status = 'pending', amount_ttd = 45.00, sent_at = '2026-03-11 10:00Z', refunds_before = 0 where idempotency_key = 'pkey-b-1' $$,
  'the payout is sent for what is left: the outcome''s payout less the share withheld');

-- Nothing a client tried changed anything.
select results_eq($$ select reference || ':' || status || ':' || evidence || ':' || tutor_share || ':' || funds_withdrawn_ttd from public.session_chargebacks order by reference $$,
  array['dp_a3:needs_response:none:reinstated:0.00', 'dp_b2:won:none:none:0.00', 'dp_secret_a:under_review:submitted:none:150.00',
        'dp_secret_a2:warning_under_review:none:none:0.00', 'dp_secret_b:lost:none:withheld:50.00'],
  'only the service role''s and the owner''s writes took effect');

select * from finish();
rollback;
