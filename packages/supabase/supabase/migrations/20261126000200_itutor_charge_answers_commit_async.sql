-- iTutor Sessions: a write that only records charge answers may commit without waiting for its WAL to
-- reach the disk.
--
-- Why. Charging takes two commits: the attempt (with the session's outcome) before the gateway is
-- called, its answer after. The first must be durable: if it were lost after the gateway took the
-- money, the session could settle again under another outcome, and so under another idempotency key.
-- The second need not be. An answer the server loses in a crash (at most the last few hundred
-- milliseconds of commits: wal_writer_delay, three times over at worst) leaves the attempt as the first
-- commit wrote it, pending, and the settlement's retry asks the gateway again under the same idempotency
-- key, which answers what it answered before without taking money again. That is the state a crash of
-- the SDK's own process between the gateway's answer and this write leaves, which the SDK is built and
-- tested for: no new state, only a new way of reaching one. Not waiting for the flush saves a disk
-- flush on every answer: the second commit of a no-show marked by a tutor (the one in the request's
-- path), and of every answer batch a settlement run writes.
--
-- What. `itutor_apply_charge_answers(p_writes)` takes the same writes as itutor_apply_session_writes and
-- answers the same, but only writes whose ledger changes are all charge answers (type 'answer', at
-- least one): anything else (an attempt opened, a refund, no ledger change) is refused with 22023 and
-- nothing is written. It sets synchronous_commit = off for the rest of its transaction (SET LOCAL), so
-- it is for callers whose call is the whole transaction: the SQL adapter calls it only over a
-- node-postgres Pool, where every query is its own transaction. Inside a longer transaction (a Client
-- its owner also uses for BEGIN … COMMIT) the setting would also cover the owner's own writes: callers
-- there keep calling itutor_apply_session_writes.
create function public.itutor_apply_charge_answers(p_writes jsonb)
returns jsonb
language plpgsql
set search_path = ''
set "TimeZone" = 'UTC'
as $$
begin
  if jsonb_typeof(p_writes) is distinct from 'array' or jsonb_array_length(p_writes) = 0 or exists (
    select 1
    from jsonb_array_elements(p_writes) as w (write)
    where jsonb_typeof(w.write -> 'ledger') is distinct from 'array'
      or jsonb_array_length(w.write -> 'ledger') = 0
      or exists (
        select 1 from jsonb_array_elements(w.write -> 'ledger') as l (change)
        where l.change ->> 'type' is distinct from 'answer'
      )
  ) then
    raise exception 'itutor_apply_charge_answers takes writes whose ledger changes are all charge answers'
      using errcode = '22023';
  end if;
  perform set_config('synchronous_commit', 'off', true);
  return public.itutor_apply_session_writes(p_writes);
end
$$;

comment on function public.itutor_apply_charge_answers(jsonb) is
  'itutor_apply_session_writes for writes that only record charge answers, committed without waiting for the WAL flush (synchronous_commit off for its transaction): a lost answer is asked again under the same idempotency key. Only for calls that are their own transaction.';

revoke all on function public.itutor_apply_charge_answers(jsonb) from public, anon, authenticated;
grant execute on function public.itutor_apply_charge_answers(jsonb) to service_role;
