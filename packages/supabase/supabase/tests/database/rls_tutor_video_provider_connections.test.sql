-- RLS matrix for public.tutor_video_provider_connections: anon, tutor A, tutor B, student A, student B,
-- service_role × select / insert / update / delete / truncate. A tutor reads only the non-secret columns of their
-- own connection; OAuth tokens are never selectable by clients; clients write nothing.
begin;
select plan(36);

\ir ../fixtures/rls_people_and_rows.psql

select ok((select relrowsecurity from pg_class where oid = 'public.tutor_video_provider_connections'::regclass), 'RLS is enabled on tutor_video_provider_connections');

-- anon ----------------------------------------------------------------------------------------------
set local role anon;
set local "request.jwt.claims" to '{"role": "anon"}';
select throws_ok($$ select tutor_id from public.tutor_video_provider_connections $$, '42501', null, 'anon cannot select connections');
select throws_ok($$ select access_token_ciphertext from public.tutor_video_provider_connections $$, '42501', null, 'anon cannot select the encrypted tokens');
select throws_ok($$ insert into public.tutor_video_provider_connections (tutor_id, provider, connection_status) values ('x', 'zoom', 'connected') $$, '42501', null, 'anon cannot insert connections');
select throws_ok($$ update public.tutor_video_provider_connections set connection_status = 'invalid' $$, '42501', null, 'anon cannot update connections');
select throws_ok($$ delete from public.tutor_video_provider_connections $$, '42501', null, 'anon cannot delete connections');
reset role;

-- tutor A -------------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select results_eq($$ select provider || ':' || connection_status || ':' || external_account_id from public.tutor_video_provider_connections $$,
  array['zoom:connected:zoom-a'], 'tutor A selects only their own connection');
select throws_ok($$ select access_token_ciphertext, refresh_token_ciphertext from public.tutor_video_provider_connections $$, '42501', null, 'tutor A cannot select the encrypted OAuth tokens');
select throws_ok($$ select access_token_key_id, refresh_token_key_id, token_version, refresh_lease_until, tokens_updated_at, token_expires_at from public.tutor_video_provider_connections $$, '42501', null, 'tutor A cannot select key ids, the token version, the refresh lease or the expiry');
select throws_ok($$ insert into public.tutor_video_provider_connections (tutor_id, provider, connection_status) values ('11111111-1111-4111-8111-111111111111', 'zoom', 'connected') $$, '42501', null, 'tutor A cannot insert a connection');
select throws_ok($$ update public.tutor_video_provider_connections set provider = 'google_meet' where tutor_id = '11111111-1111-4111-8111-111111111111' $$, '42501', null, 'tutor A cannot update their connection');
select throws_ok($$ delete from public.tutor_video_provider_connections where tutor_id = '11111111-1111-4111-8111-111111111111' $$, '42501', null, 'tutor A cannot delete their connection');
reset role;

-- tutor B -------------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
select results_eq($$ select provider || ':' || connection_status || ':' || external_account_id from public.tutor_video_provider_connections $$,
  array['google_meet:connected:meet-b'], 'tutor B selects only their own connection');
select throws_ok($$ select access_token_ciphertext from public.tutor_video_provider_connections $$, '42501', null, 'tutor B cannot select the encrypted OAuth tokens');
select throws_ok($$ select refresh_token_ciphertext from public.tutor_video_provider_connections $$, '42501', null, 'tutor B cannot select the encrypted refresh token');
select throws_ok($$ insert into public.tutor_video_provider_connections (tutor_id, provider, connection_status) values ('22222222-2222-4222-8222-222222222222', 'zoom', 'connected') $$, '42501', null, 'tutor B cannot insert a connection');
select throws_ok($$ update public.tutor_video_provider_connections set connection_status = 'invalid' where tutor_id = '11111111-1111-4111-8111-111111111111' $$, '42501', null, 'tutor B cannot update another tutor''s connection');
select throws_ok($$ delete from public.tutor_video_provider_connections $$, '42501', null, 'tutor B cannot delete connections');
reset role;

-- student A -----------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "33333333-3333-4333-8333-333333333333", "role": "authenticated"}';
select is_empty($$ select tutor_id from public.tutor_video_provider_connections $$, 'student A selects no connection (not even their tutor''s)');
select throws_ok($$ insert into public.tutor_video_provider_connections (tutor_id, provider, connection_status) values ('33333333-3333-4333-8333-333333333333', 'zoom', 'connected') $$, '42501', null, 'student A cannot insert a connection');
select throws_ok($$ update public.tutor_video_provider_connections set connection_status = 'invalid' $$, '42501', null, 'student A cannot update connections');
select throws_ok($$ delete from public.tutor_video_provider_connections $$, '42501', null, 'student A cannot delete connections');
reset role;

-- student B -----------------------------------------------------------------------------------------
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}';
select is_empty($$ select tutor_id from public.tutor_video_provider_connections $$, 'student B selects no connection');
select throws_ok($$ insert into public.tutor_video_provider_connections (tutor_id, provider, connection_status) values ('44444444-4444-4444-8444-444444444444', 'zoom', 'connected') $$, '42501', null, 'student B cannot insert a connection');
select throws_ok($$ update public.tutor_video_provider_connections set connection_status = 'invalid' $$, '42501', null, 'student B cannot update connections');
select throws_ok($$ delete from public.tutor_video_provider_connections $$, '42501', null, 'student B cannot delete connections');
reset role;

-- service_role --------------------------------------------------------------------------------------
set local role service_role;
set local "request.jwt.claims" to '{"role": "service_role"}';
select results_eq($$ select access_token_ciphertext from public.tutor_video_provider_connections order by tutor_id $$,
  array['c2VjcmV0LWFjY2Vzcy1hLWNpcGhlcnRleHQtc2VhbGVk', 'c2VjcmV0LWFjY2Vzcy1iLWNpcGhlcnRleHQtc2VhbGVk'], 'service_role selects every connection with its encrypted tokens');
select throws_ok($$ update public.tutor_video_provider_connections set access_token_ciphertext = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0In0.c2lnbmF0dXJl' where tutor_id = '22222222-2222-4222-8222-222222222222' $$,
  '23514', null, 'a plaintext (dotted) token is refused in the encrypted column, even for the service role');
select throws_ok($$ update public.tutor_video_provider_connections set access_token_key_id = null where tutor_id = '22222222-2222-4222-8222-222222222222' $$,
  '23514', null, 'a ciphertext without its key id is refused');
select lives_ok($$ insert into public.tutor_video_provider_connections (tutor_id, provider, connection_status) values ('tutor-c', 'zoom', 'connected') $$,
  'service_role can insert a connection');
select results_eq($$ update public.tutor_video_provider_connections set connection_status = 'expired', version = 2 where tutor_id = 'tutor-c' returning connection_status $$,
  array['expired'], 'service_role can update a connection');
-- Least privilege: the adapter never deletes or truncates connections, so the service role cannot.
select throws_ok($$ delete from public.tutor_video_provider_connections where tutor_id = 'tutor-c' $$, '42501', null,
  'service_role cannot delete a connection (the adapter replaces, never deletes)');
select throws_ok($$ truncate public.tutor_video_provider_connections $$, '42501', null, 'service_role cannot truncate connections');
reset role;

-- TRUNCATE is not subject to RLS: only privileges stop it.
set local role anon;
select throws_ok($$ truncate public.tutor_video_provider_connections $$, '42501', null, 'anon cannot truncate connections');
reset role;
set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select throws_ok($$ truncate public.tutor_video_provider_connections $$, '42501', null, 'a tutor cannot truncate connections');
reset role;
select results_eq($$ select count(*) from public.tutor_video_provider_connections $$, array[3::bigint], 'no connection was deleted');

select * from finish();
rollback;
