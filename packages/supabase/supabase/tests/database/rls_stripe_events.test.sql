-- RLS matrix for public.stripe_events: anon, a signed-in user, service_role × select / insert / update /
-- delete / truncate, and the three functions. Handled Stripe events are server-side only: clients can do
-- nothing; the service role reads, records and forgets, and never updates or truncates.
begin;
select plan(22);

\ir ../fixtures/rls_people_and_rows.psql

insert into public.stripe_events (event_id) values ('evt_fixture');

select ok((select relrowsecurity from pg_class where oid = 'public.stripe_events'::regclass), 'RLS is enabled on stripe_events');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select event_id from public.stripe_events $$, '42501', null, 'anon cannot select Stripe events');
select throws_ok($$ insert into public.stripe_events (event_id) values ('evt_anon') $$, '42501', null, 'anon cannot insert Stripe events');
select throws_ok($$ update public.stripe_events set received_at = now() $$, '42501', null, 'anon cannot update Stripe events');
select throws_ok($$ delete from public.stripe_events $$, '42501', null, 'anon cannot delete Stripe events');
select throws_ok($$ truncate public.stripe_events $$, '42501', null, 'anon cannot truncate Stripe events');
select throws_ok($$ select public.itutor_remember_stripe_event('evt_anon') $$, '42501', null, 'anon cannot remember an event through the functions');
reset role;

-- a signed-in user (tutor A) ------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select throws_ok($$ select event_id from public.stripe_events $$, '42501', null, 'a user cannot select Stripe events');
select throws_ok($$ insert into public.stripe_events (event_id) values ('evt_user') $$, '42501', null, 'a user cannot insert Stripe events');
select throws_ok($$ update public.stripe_events set received_at = now() $$, '42501', null, 'a user cannot update Stripe events');
select throws_ok($$ delete from public.stripe_events $$, '42501', null, 'a user cannot delete Stripe events');
select throws_ok($$ truncate public.stripe_events $$, '42501', null, 'a user cannot truncate Stripe events');
select throws_ok($$ select public.itutor_forget_stripe_event('evt_fixture') $$, '42501', null, 'a user cannot forget an event through the functions');
reset role;

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select results_eq($$ select event_id from public.stripe_events $$, array['evt_fixture'], 'service_role selects Stripe events');
select is(public.itutor_remember_stripe_event('evt_new'), true, 'the first remember of an event id is true');
select is(public.itutor_remember_stripe_event('evt_new'), false, 'a second remember of the same id is false');
select is(public.itutor_forget_stripe_event('evt_new'), true, 'service_role forgets an event');
select throws_ok($$ insert into public.stripe_events (event_id) values ('evt_fixture') $$, '23505', null, 'one row per event id');
select throws_ok($$ update public.stripe_events set received_at = now() $$, '42501', null, 'service_role cannot update an event (recorded once, then only forgotten)');
select throws_ok($$ truncate public.stripe_events $$, '42501', null, 'service_role cannot truncate Stripe events');
select is(public.itutor_forget_stripe_events_before(now() + interval '1 minute'), 1, 'service_role prunes old events');
reset role;

select is_empty($$ select event_id from public.stripe_events $$, 'only the service role changed the table');

select * from finish();
rollback;
