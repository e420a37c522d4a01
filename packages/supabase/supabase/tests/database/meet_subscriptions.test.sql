-- RLS matrix for public.meet_subscriptions: anon, a signed-in user, service_role × select / insert /
-- update / delete / truncate, and the five functions. Meet spaces' Workspace Events subscriptions are
-- server-side only: clients can do nothing; the service role reads, upserts and forgets (what the
-- functions do) and never truncates.
begin;
select plan(46);

\ir ../fixtures/rls_people_and_rows.psql

insert into public.meet_subscriptions (space, tutor_id, subscription, expire_time, keep_until)
values ('spaces/fixture', '11111111-1111-4111-8111-111111111111', 'subscriptions/fixture', now() + interval '1 day', now() + interval '3 days');

select ok((select relrowsecurity from pg_class where oid = 'public.meet_subscriptions'::regclass), 'RLS is enabled on meet_subscriptions');
select has_index('public', 'meet_subscriptions', 'meet_subscriptions_expire_time_idx', array['expire_time', 'space'], 'the renewal job''s index on expire_time');
select is_empty($$
  select p.proname from pg_proc p
  where p.pronamespace = 'public'::regnamespace and p.proname like 'itutor\_%meet\_subscription%'
    and (p.prosecdef or not coalesce('search_path=""' = any (p.proconfig), false))
$$, 'the Meet subscription functions are security invoker with search_path = ''''');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select space from public.meet_subscriptions $$, '42501', null, 'anon cannot select Meet subscriptions');
select throws_ok($$ insert into public.meet_subscriptions (space, tutor_id, expire_time, keep_until) values ('spaces/anon', 't', now(), now()) $$, '42501', null, 'anon cannot insert Meet subscriptions');
select throws_ok($$ update public.meet_subscriptions set tutor_id = 'x' $$, '42501', null, 'anon cannot update Meet subscriptions');
select throws_ok($$ delete from public.meet_subscriptions $$, '42501', null, 'anon cannot delete Meet subscriptions');
select throws_ok($$ truncate public.meet_subscriptions $$, '42501', null, 'anon cannot truncate Meet subscriptions');
select throws_ok($$ select public.itutor_find_meet_subscription('spaces/fixture') $$, '42501', null, 'anon cannot find a space''s subscription');
select throws_ok($$ select public.itutor_find_meet_subscription_by_name('subscriptions/fixture') $$, '42501', null, 'anon cannot find a subscription''s space');
select throws_ok($$ select public.itutor_save_meet_subscription('spaces/anon', 't', null, now(), now()) $$, '42501', null, 'anon cannot save a Meet subscription');
select throws_ok($$ select public.itutor_list_expiring_meet_subscriptions(now() + interval '1 year', 10) $$, '42501', null, 'anon cannot list expiring Meet subscriptions');
select throws_ok($$ select public.itutor_remove_meet_subscription('spaces/fixture') $$, '42501', null, 'anon cannot remove a Meet subscription');
reset role;

-- a signed-in user (tutor A, whose space the fixture row is) ----------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select throws_ok($$ select space from public.meet_subscriptions $$, '42501', null, 'a user cannot select Meet subscriptions (not even their own)');
select throws_ok($$ insert into public.meet_subscriptions (space, tutor_id, expire_time, keep_until) values ('spaces/user', 't', now(), now()) $$, '42501', null, 'a user cannot insert Meet subscriptions');
select throws_ok($$ update public.meet_subscriptions set tutor_id = 'x' $$, '42501', null, 'a user cannot update Meet subscriptions');
select throws_ok($$ delete from public.meet_subscriptions $$, '42501', null, 'a user cannot delete Meet subscriptions');
select throws_ok($$ truncate public.meet_subscriptions $$, '42501', null, 'a user cannot truncate Meet subscriptions');
select throws_ok($$ select public.itutor_find_meet_subscription('spaces/fixture') $$, '42501', null, 'a user cannot find a space''s subscription');
select throws_ok($$ select public.itutor_find_meet_subscription_by_name('subscriptions/fixture') $$, '42501', null, 'a user cannot find a subscription''s space');
select throws_ok($$ select public.itutor_save_meet_subscription('spaces/user', 't', null, now(), now()) $$, '42501', null, 'a user cannot save a Meet subscription');
select throws_ok($$ select public.itutor_list_expiring_meet_subscriptions(now() + interval '1 year', 10) $$, '42501', null, 'a user cannot list expiring Meet subscriptions');
select throws_ok($$ select public.itutor_remove_meet_subscription('spaces/fixture') $$, '42501', null, 'a user cannot remove a Meet subscription');
reset role;

select is(
  (select count(*)::int from public.meet_subscriptions where space <> 'spaces/fixture'), 0,
  'clients changed nothing'
);

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select results_eq($$ select space from public.meet_subscriptions $$, array['spaces/fixture'], 'service_role selects Meet subscriptions');
select is(public.itutor_find_meet_subscription('spaces/fixture') ->> 'subscription', 'subscriptions/fixture', 'service_role finds a space''s subscription');
select is(public.itutor_find_meet_subscription_by_name('subscriptions/fixture') ->> 'space', 'spaces/fixture', 'service_role finds a subscription''s space');
select is(public.itutor_find_meet_subscription('spaces/unknown'), null, 'an unknown space is null');
select is(public.itutor_save_meet_subscription('spaces/new', 't', null, now() - interval '1 hour', now() + interval '1 day'), true, 'the first save of a space inserts it');
select is(public.itutor_save_meet_subscription('spaces/new', 't', 'subscriptions/new', now() + interval '2 hours', now() + interval '1 day'), false, 'a second save replaces it');
select is(public.itutor_find_meet_subscription('spaces/new') ->> 'subscription', 'subscriptions/new', 'the replacement is stored');
select is(public.itutor_save_meet_subscription('spaces/waiting1', 't', null, now(), now() + interval '1 day'), true, 'a space without a subscription');
select is(public.itutor_save_meet_subscription('spaces/waiting2', 't', null, now(), now() + interval '1 day'), true, 'another space without one: nulls are no duplicates');
select throws_ok($$ select public.itutor_save_meet_subscription('spaces/other', 't', 'subscriptions/fixture', now(), now()) $$, '23505', null, 'a subscription watches one space');
select throws_ok($$ select public.itutor_save_meet_subscription('not-a-space', 't', null, now(), now()) $$, '23514', null, 'a space is spaces/{id}');
select throws_ok($$ select public.itutor_save_meet_subscription('spaces/x', 't', 'not-a-subscription', now(), now()) $$, '23514', null, 'a subscription is subscriptions/{id}');
select is(
  (select array_agg(e ->> 'space') from jsonb_array_elements(public.itutor_list_expiring_meet_subscriptions(now() + interval '1 minute', 10)) as e),
  array['spaces/waiting1', 'spaces/waiting2'],
  'the ones expiring by then, ties (one instant) by space; spaces/new expires later'
);
select is(
  (select array_agg(e ->> 'space') from jsonb_array_elements(public.itutor_list_expiring_meet_subscriptions(now() + interval '1 year', 10)) as e),
  array['spaces/waiting1', 'spaces/waiting2', 'spaces/new', 'spaces/fixture'],
  'soonest first (now, now, in 2 hours, in a day)'
);
select is(jsonb_array_length(public.itutor_list_expiring_meet_subscriptions(now() + interval '1 year', 2)), 2, 'at most the limit');
select is(jsonb_array_length(public.itutor_list_expiring_meet_subscriptions(now() + interval '1 year', 0)), 0, 'a limit of 0 lists none');
select is(public.itutor_remove_meet_subscription('spaces/new'), true, 'service_role removes a space''s record');
select is(public.itutor_remove_meet_subscription('spaces/new'), false, 'removing it again is a no-op');
select lives_ok($$ update public.meet_subscriptions set tutor_id = 't2' where space = 'spaces/waiting1' $$, 'service_role may update (the upsert does)');
select lives_ok($$ delete from public.meet_subscriptions where space = 'spaces/waiting2' $$, 'service_role may delete (remove does)');
select throws_ok($$ truncate public.meet_subscriptions $$, '42501', null, 'service_role cannot truncate Meet subscriptions');
reset role;

select results_eq($$ select space from public.meet_subscriptions order by 1 $$, array['spaces/fixture', 'spaces/waiting1'], 'what is left');

select * from finish();
rollback;
