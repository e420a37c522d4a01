-- The repository functions (which bypass nothing but do everything the adapter does) are executable by
-- the service role only; hosted Supabase grants EXECUTE on new functions to anon and authenticated by
-- default, so the migration revokes it. The timing functions and the status rule (itutor_is_final_status,
-- which the triggers ask for every writer) are pure and stay public.
begin;
select plan(65);

\ir ../fixtures/rls_people_and_rows.psql

select is_empty($$
  select p.proname || ' for ' || r.role
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'public'
  cross join (values ('anon'), ('authenticated'), ('public')) as r (role)
  where p.proname like 'itutor\_%'
    and p.proname not in ('itutor_no_show_wait_minutes', 'itutor_min_payable_minutes', 'itutor_is_final_status')
    and case when r.role = 'public'
      then exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a where a.grantee = 0 and a.privilege_type = 'EXECUTE')
      else has_function_privilege(r.role, p.oid, 'execute') end
$$, 'no repository function is executable by anon, authenticated or PUBLIC');

select is_empty($$
  select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'public'
  where p.proname like 'itutor\_%' and p.prokind = 'f' and p.prorettype <> 'trigger'::regtype
    and not has_function_privilege('service_role', p.oid, 'execute')
$$, 'the service role can execute every repository function');

set local role anon;
select throws_ok($$ select public.itutor_find_session('aaaaaaaa-0000-4000-8000-00000000000a') $$, '42501', null, 'anon cannot read a session through the functions');
reset role;

set local role authenticated;
set local "request.jwt.claims" to '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select throws_ok($$ select public.itutor_find_session('aaaaaaaa-0000-4000-8000-00000000000a') $$, '42501', null, 'a tutor cannot read their session (with join URL) through the functions');
select throws_ok($$ select public.itutor_find_provider_tokens('11111111-1111-4111-8111-111111111111') $$, '42501', null, 'a tutor cannot read their tokens through the functions');
select throws_ok($$ select public.itutor_compare_and_set_provider_tokens('11111111-1111-4111-8111-111111111111', 1, '{}', null) $$, '42501', null, 'a tutor cannot write tokens through the functions');
select throws_ok($$ select public.itutor_find_video_meeting('zoom', 'itutor-booking-a') $$, '42501', null, 'a tutor cannot read a meeting (join URL) through the functions');
select throws_ok($$ select public.itutor_insert_video_meeting('zoom', 'x', '{}') $$, '42501', null, 'a tutor cannot record a meeting through the functions');
select throws_ok($$ select public.itutor_remove_video_meeting('zoom', '8000000001') $$, '42501', null, 'a tutor cannot forget a meeting through the functions');
select throws_ok($$ select public.itutor_apply_session_writes('[]') $$, '42501', null, 'a tutor cannot write through the functions');
select throws_ok($$ select public.itutor_apply_charge_answers('[]') $$, '42501', null, 'a tutor cannot record charge answers through the functions');
select throws_ok($$ select public.itutor_apply_session_write('{}') $$, '42501', null, 'a tutor cannot write through the single-write path');
select throws_ok($$ select public.itutor_apply_session_writes_in_batch('[]') $$, '42501', null, 'a tutor cannot write through the batch path');
select throws_ok($$ select public.itutor_list_session_charges('aaaaaaaa-0000-4000-8000-00000000000a') $$, '42501', null, 'a tutor cannot read the ledger (keys, references) through the functions');
select throws_ok($$ select public.itutor_list_sessions_needing_attention(10) $$, '42501', null, 'a tutor cannot list the charges needing attention');
select throws_ok($$ select public.itutor_claim_sessions_for_settlement(now(), 10, now()) $$, '42501', null, 'a tutor cannot claim sessions');
select throws_ok($$ select public.itutor_apply_charge_writes_in_batch('[]') $$, '42501', null, 'a tutor cannot write through the charge batch statement');
select throws_ok($$ select public.itutor_list_session_refunds('aaaaaaaa-0000-4000-8000-00000000000a') $$, '42501', null, 'a tutor cannot read refunds (keys, references) through the functions');
select throws_ok($$ select public.itutor_list_refunds_to_retry(now(), 10) $$, '42501', null, 'a tutor cannot list the refunds to retry');
select throws_ok($$ select public.itutor_apply_refund_change('{}') $$, '42501', null, 'a tutor cannot write a refund through the functions');
select throws_ok($$ select public.itutor_list_session_payouts('aaaaaaaa-0000-4000-8000-00000000000a') $$, '42501', null, 'a tutor cannot read payouts (keys, references) through the functions');
select throws_ok($$ select public.itutor_list_due_payouts(now(), now(), 10) $$, '42501', null, 'a tutor cannot list the payouts due');
select throws_ok($$ select public.itutor_apply_payout_change('{}') $$, '42501', null, 'a tutor cannot write a payout through the functions');
select throws_ok($$ select public.itutor_find_session_dispute('aaaaaaaa-0000-4000-8000-00000000000a') $$, '42501', null, 'a tutor cannot read a dispute through the functions (the table, under RLS, is theirs to read)');
select throws_ok($$ select public.itutor_list_unresolved_disputes(10) $$, '42501', null, 'a tutor cannot list the platform''s dispute queue');
select throws_ok($$ select public.itutor_apply_dispute_change('{}') $$, '42501', null, 'a tutor cannot write a dispute through the functions');
select throws_ok($$ select public.itutor_list_session_chargebacks('aaaaaaaa-0000-4000-8000-00000000000a') $$, '42501', null, 'a tutor cannot read their session''s chargebacks through the functions');
select throws_ok($$ select public.itutor_find_chargeback_by_reference('dp_x') $$, '42501', null, 'a tutor cannot look a chargeback up by its reference');
select throws_ok($$ select public.itutor_list_open_chargebacks(10) $$, '42501', null, 'a tutor cannot list the platform''s open chargebacks');
select throws_ok($$ select public.itutor_apply_chargeback_change('{}') $$, '42501', null, 'a tutor cannot write a chargeback through the functions');
select throws_ok($$ select public.itutor_remember_stripe_event('evt_x') $$, '42501', null, 'a tutor cannot remember a Stripe event through the functions');
select throws_ok($$ select public.itutor_forget_stripe_event('evt_x') $$, '42501', null, 'a tutor cannot forget a Stripe event through the functions');
select throws_ok($$ select public.itutor_forget_stripe_events_before(now()) $$, '42501', null, 'a tutor cannot prune Stripe events through the functions');
select throws_ok($$ select public.itutor_consume_oauth_state(encode(sha256('x'::bytea), 'hex'), now() + interval '1 hour', now()) $$, '42501', null, 'a tutor cannot consume (use up) an OAuth state through the functions');
select throws_ok($$ select public.itutor_purge_oauth_states(now() + interval '1 year') $$, '42501', null, 'a tutor cannot purge OAuth states through the functions');
select throws_ok($$ select public.itutor_find_session_by_meeting('zoom', '8000000001') $$, '42501', null, 'a tutor cannot look a session (with join URL) up by its meeting');
select throws_ok($$ select public.itutor_record_attendance('{}', '{}') $$, '42501', null, 'a tutor cannot record attendance through the functions');
select throws_ok($$ select public.itutor_list_session_attendance('aaaaaaaa-0000-4000-8000-00000000000a') $$, '42501', null, 'a tutor cannot list attendance through the functions (the table, under RLS, is theirs to read)');
select throws_ok($$ select public.itutor_log_ignored_provider_report('{}') $$, '42501', null, 'a tutor cannot log a provider report through the functions');
select is(public.itutor_no_show_wait_minutes(60), 19, 'the timing functions stay callable by clients');
select is(public.itutor_is_final_status('CANCELLED_LATE'), true, 'the status rule stays callable by clients');
select throws_ok($$ select public.itutor_cancellation_quote(now() + interval '1 day', 15000, 'student', now(), '[]') $$, '42501', null, 'a tutor cannot call the cancellation quote (server-side, like every other rule function but the pure ones above)');
reset role;

set local role service_role;
select is(public.itutor_find_session('aaaaaaaa-0000-4000-8000-00000000000a') ->> 'join_url', 'https://zoom.us/j/8000000001', 'the service role reads sessions through the functions');
select is(public.itutor_find_provider_tokens('11111111-1111-4111-8111-111111111111') ->> 'access_token_ciphertext', 'c2VjcmV0LWFjY2Vzcy1hLWNpcGhlcnRleHQtc2VhbGVk', 'the service role reads the encrypted tokens through the functions');
select is(public.itutor_find_video_meeting('zoom', 'itutor-booking-a') ->> 'join_url', 'https://zoom.us/j/8000000001', 'the service role reads video meetings through the functions');
select is(public.itutor_list_session_charges('aaaaaaaa-0000-4000-8000-00000000000a'), '[]'::jsonb, 'the service role reads the ledger through the functions');
select is(public.itutor_list_sessions_needing_attention(10), '[]'::jsonb, 'the service role lists the charges needing attention');
select is(public.itutor_list_session_refunds('aaaaaaaa-0000-4000-8000-00000000000a'), '[]'::jsonb, 'the service role reads refunds through the functions');
select is(public.itutor_list_session_payouts('aaaaaaaa-0000-4000-8000-00000000000a'), '[]'::jsonb, 'the service role reads payouts through the functions');
select is(public.itutor_list_due_payouts(now(), now(), 10), '[]'::jsonb, 'the service role lists the payouts due');
select is(public.itutor_find_session_dispute('aaaaaaaa-0000-4000-8000-00000000000a'), null, 'the service role reads disputes through the functions');
select is(public.itutor_list_unresolved_disputes(10), '[]'::jsonb, 'the service role lists the unresolved disputes');
select is(public.itutor_list_session_chargebacks('aaaaaaaa-0000-4000-8000-00000000000a'), '[]'::jsonb, 'the service role reads chargebacks through the functions');
select is(public.itutor_find_chargeback_by_reference('dp_x'), null, 'the service role looks chargebacks up by reference');
select is(public.itutor_list_open_chargebacks(10), '[]'::jsonb, 'the service role lists the open chargebacks');
select is(public.itutor_remember_stripe_event('evt_functions'), true, 'the service role remembers Stripe events through the functions');
select is(public.itutor_consume_oauth_state(encode(sha256('functions'::bytea), 'hex'), now() + interval '1 hour', now()), true, 'the service role consumes OAuth states through the functions');
select is(public.itutor_find_session_by_meeting('zoom', '8000000001') ->> 'id', 'aaaaaaaa-0000-4000-8000-00000000000a', 'the service role finds a session by its meeting');
select is(public.itutor_list_session_attendance('aaaaaaaa-0000-4000-8000-00000000000a'), '[]'::jsonb, 'the service role lists attendance through the functions');
reset role;

select hasnt_function('public', 'itutor_claim_sessions_for_settlement', array['timestamp with time zone', 'integer', 'timestamp with time zone', 'integer'],
  'the claim with p_max_charge_attempts is gone');
select hasnt_function('public', 'itutor_claim_sessions_for_settlement', array['timestamp with time zone', 'integer', 'timestamp with time zone'],
  'the claim without its cursor is gone (one signature: PostgREST picks it by its parameter names)');
select is_empty($$
  select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'public'
  where p.proname like 'itutor\_%' and p.proname not in ('itutor_session_keeps_outcome', 'itutor_session_row_json',
      'itutor_session_work_kinds', 'itutor_session_work_due_at', 'itutor_ledger_change_is_valid', 'itutor_parse_uuid', 'itutor_is_final_status')
    and not coalesce('search_path=""' = any (p.proconfig), false)
$$, 'every function but the inlined helpers (itutor_session_keeps_outcome, itutor_session_row_json, itutor_session_work_kinds, itutor_session_work_due_at, itutor_ledger_change_is_valid, itutor_parse_uuid, itutor_is_final_status) runs with search_path = ''''');
select is_empty($$
  select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'public'
  where p.proname in ('itutor_session_keeps_outcome', 'itutor_session_row_json', 'itutor_session_work_kinds', 'itutor_session_work_due_at', 'itutor_ledger_change_is_valid', 'itutor_parse_uuid', 'itutor_is_final_status')
    and (p.proconfig is not null or p.prolang <> (select oid from pg_language where lanname = 'sql') or p.prosecdef)
$$, 'the inlined helpers have no SET clause, are plain SQL and not security definer (so they inline, and run as the caller)');
select is_empty($$
  select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'public'
  where p.proname in ('itutor_session_work_kinds', 'itutor_session_work_due_at', 'itutor_ledger_change_is_valid', 'itutor_parse_uuid', 'itutor_is_final_status')
    and p.provolatile <> 'i'
$$, 'the inlined helpers without a pinned search_path are immutable (they read no table, only their arguments)');
select is_empty($$
  select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'public'
  where p.proname like 'itutor\_%' and p.prorettype in ('jsonb'::regtype, 'json'::regtype) and p.proname not in ('itutor_apply_session_writes', 'itutor_apply_session_writes_in_batch', 'itutor_apply_charge_writes_in_batch', 'itutor_session_row_json')
    and not coalesce('TimeZone=UTC' = any (p.proconfig), false)
$$, 'every function returning rows as jsonb prints its timestamps in UTC whatever the caller''s TimeZone');

select * from finish();
rollback;
