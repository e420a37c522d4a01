-- RLS matrix for public.video_oauth_states: anon, a signed-in user, service_role × select / insert /
-- update / delete / truncate, and the two functions. Used OAuth states are server-side only: clients can
-- do nothing; the service role consumes (insert), reads and purges (delete), never updates or truncates.
begin;
select plan(36);

\ir ../fixtures/rls_people_and_rows.psql

insert into public.video_oauth_states (state_hash, expires_at)
values (encode(sha256('fixture'::bytea), 'hex'), now() + interval '10 minutes');

select ok((select relrowsecurity from pg_class where oid = 'public.video_oauth_states'::regclass), 'RLS is enabled on video_oauth_states');
select has_index('public', 'video_oauth_states', 'video_oauth_states_expires_at_idx', array['expires_at'], 'the purge''s index on expires_at');
select is_empty($$
  select p.proname from pg_proc p
  where p.pronamespace = 'public'::regnamespace and p.proname in ('itutor_consume_oauth_state', 'itutor_purge_oauth_states')
    and (p.prosecdef or not coalesce('search_path=""' = any (p.proconfig), false))
$$, 'the OAuth state functions are security invoker with search_path = ''''');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select state_hash from public.video_oauth_states $$, '42501', null, 'anon cannot select OAuth states');
select throws_ok($$ insert into public.video_oauth_states (state_hash, expires_at) values (encode(sha256('anon'::bytea), 'hex'), now()) $$, '42501', null, 'anon cannot insert OAuth states');
select throws_ok($$ update public.video_oauth_states set expires_at = now() $$, '42501', null, 'anon cannot update OAuth states');
select throws_ok($$ delete from public.video_oauth_states $$, '42501', null, 'anon cannot delete OAuth states');
select throws_ok($$ truncate public.video_oauth_states $$, '42501', null, 'anon cannot truncate OAuth states');
select throws_ok($$ select public.itutor_consume_oauth_state(encode(sha256('anon'::bytea), 'hex'), now() + interval '1 hour', now()) $$, '42501', null, 'anon cannot consume an OAuth state');
select throws_ok($$ select public.itutor_purge_oauth_states(now() + interval '1 year') $$, '42501', null, 'anon cannot purge OAuth states');
reset role;

-- a signed-in user ----------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select throws_ok($$ select state_hash from public.video_oauth_states $$, '42501', null, 'a user cannot select OAuth states');
select throws_ok($$ insert into public.video_oauth_states (state_hash, expires_at) values (encode(sha256('user'::bytea), 'hex'), now()) $$, '42501', null, 'a user cannot insert OAuth states');
select throws_ok($$ update public.video_oauth_states set expires_at = now() $$, '42501', null, 'a user cannot update OAuth states');
select throws_ok($$ delete from public.video_oauth_states $$, '42501', null, 'a user cannot delete OAuth states');
select throws_ok($$ truncate public.video_oauth_states $$, '42501', null, 'a user cannot truncate OAuth states');
select throws_ok($$ select public.itutor_consume_oauth_state(encode(sha256('user'::bytea), 'hex'), now() + interval '1 hour', now()) $$, '42501', null, 'a user cannot consume an OAuth state');
select throws_ok($$ select public.itutor_purge_oauth_states(now() + interval '1 year') $$, '42501', null, 'a user cannot purge OAuth states');
reset role;

select is((select count(*)::int from public.video_oauth_states), 1, 'clients changed nothing');

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select is((select count(*)::int from public.video_oauth_states), 1, 'service_role selects OAuth states');
select is(public.itutor_consume_oauth_state(encode(sha256('fixture'::bytea), 'hex'), now() + interval '10 minutes', now()), false, 'a used state is refused');
select is(public.itutor_consume_oauth_state(encode(sha256('new'::bytea), 'hex'), now() + interval '10 minutes', now()), true, 'a new state is accepted once');
select is(public.itutor_consume_oauth_state(encode(sha256('new'::bytea), 'hex'), now() + interval '10 minutes', now()), false, '... and only once');
select is(public.itutor_consume_oauth_state(encode(sha256('new'::bytea), 'hex'), now() + interval '1 day', now()), false, 'a replay claiming a later expiry is refused too');
select is(public.itutor_consume_oauth_state(encode(sha256('expired'::bytea), 'hex'), now(), now()), false, 'a state expiring now is refused');
select is(public.itutor_consume_oauth_state(encode(sha256('expired'::bytea), 'hex'), now() - interval '1 second', now()), false, 'an expired state is refused');
select is((select count(*)::int from public.video_oauth_states where state_hash = encode(sha256('expired'::bytea), 'hex')), 0, 'and not recorded');
select throws_ok($$ select public.itutor_consume_oauth_state('not-a-hash', now() + interval '1 hour', now()) $$, '23514', null, 'a state hash is 64 lowercase hex digits');
select throws_ok($$ select public.itutor_consume_oauth_state(upper(encode(sha256('upper'::bytea), 'hex')), now() + interval '1 hour', now()) $$, '23514', null, 'lowercase only');
select throws_ok($$ insert into public.video_oauth_states (state_hash, expires_at) values (encode(sha256('fixture'::bytea), 'hex'), now()) $$, '23505', null, 'one row per state hash');
select throws_ok($$ update public.video_oauth_states set expires_at = now() $$, '42501', null, 'service_role cannot update a used state (it could then be purged and pass early)');
select throws_ok($$ truncate public.video_oauth_states $$, '42501', null, 'service_role cannot truncate OAuth states');
select is(public.itutor_purge_oauth_states(now()), 0, 'nothing has expired yet');
select is(public.itutor_purge_oauth_states(now() + interval '10 minutes'), 2, 'the purge forgets states expired at or before its instant');
select is(public.itutor_consume_oauth_state(encode(sha256('new'::bytea), 'hex'), now() + interval '10 minutes', now() + interval '10 minutes'), false, 'a purged state stays refused (it is expired)');
select lives_ok($$ delete from public.video_oauth_states $$, 'service_role may delete (the purge does)');
reset role;

select is_empty($$ select state_hash from public.video_oauth_states $$, 'what is left');

select * from finish();
rollback;
