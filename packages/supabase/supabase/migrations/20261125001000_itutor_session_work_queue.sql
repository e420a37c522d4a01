-- iTutor Sessions: the settlement's work list moves out of `sessions`, so that settling a session
-- rewrites its row in place (a HOT update) instead of adding an entry to every index of the table.
--
-- Why. The claims read three partial indexes of `sessions` (due non-final sessions, charges to collect,
-- charges failed for good). Their predicates name `status` and `charge_status`, so PostgreSQL could not
-- make the settlement's update or the charge answer's update heap-only: each wrote a new entry into
-- every index of the table, among them the primary key and (provider, meeting_id), whose keys are
-- random. On a table that holds years of sessions those leaves are spread over far more pages than the
-- buffer cache holds: every settled session read, dirtied and (first after a checkpoint) WAL-logged a
-- page per such index, and settling 10,000 due sessions beside 2,000,000 others cost about 1.2× the same
-- work on a table holding only them.
--
-- What. `session_work` holds one row per piece of work a session still has, keyed by
-- (kind, due_at, session_id):
--   settle   — the session is not final (SCHEDULED / JOIN_OPEN); due at its charge_scheduled_at;
--   collect  — a final session whose charge is 'pending' (the retry claim);
--   failed   — a session whose charge failed for good (the list a person must look at).
-- A trigger on `sessions` keeps it exact for every writer (the SDK's functions, a host's own SQL, the
-- table owner): the row of a kind exists exactly when the session's status / charge_status say so. The
-- claims scan the work list in key order and fetch each session by its primary key. No index of
-- `sessions` names status or charge_status any more, so the lease, the settlement and the charge answer
-- are heap-only updates while the session's page has room (fillfactor 40, below); the work list's own
-- writes land near "now", in the part of its index that is in use.
--
-- The work list is bookkeeping derived from `sessions`: clients see nothing of it, the service role may
-- only read it (the claims do), and only the trigger writes it. Sessions are the truth: the claims
-- still check status and charge_status on the session itself.
--
-- Note: triggers do not fire while session_replication_role = replica (a logical-replication subscriber,
-- or a bulk load that sets it). Rows written that way get no work-list entry; run
-- `select public.itutor_rebuild_session_work()` afterwards (service role or owner).

create table public.session_work (
  kind text not null
    constraint session_work_kind_is_known check (kind in ('settle', 'collect', 'failed')),
  due_at timestamptz not null,
  session_id uuid not null references public.sessions (id) on delete cascade,
  constraint session_work_pkey primary key (kind, due_at, session_id)
);

alter table public.session_work enable row level security;

comment on table public.session_work is
  'The settlement''s work list, derived from sessions by a trigger: settle (not final), collect (charge pending), failed (charge failed for good). Server-side, read-only for the service role.';

-- The kinds of work a session with this status and charge status has. The one place that says which
-- sessions the claims and the attention list read.
create function public.itutor_session_work_kinds(p_status text, p_charge_status text)
returns text[]
language sql
immutable
parallel safe
set search_path = ''
as $$
  select array_remove(array[
    case when p_status in ('SCHEDULED', 'JOIN_OPEN') then 'settle' end,
    case when p_charge_status = 'pending' and p_status not in ('SCHEDULED', 'JOIN_OPEN') then 'collect' end,
    case when p_charge_status = 'failed' then 'failed' end
  ], null)
$$;

-- Keeps session_work exact. Security definer: the work list has no write grant to anyone, so whoever
-- may write `sessions` keeps it right without being able to write it directly. Only the kinds that
-- changed are written (a SCHEDULED → JOIN_OPEN update writes nothing).
create function public.itutor_track_session_work()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old text[] := '{}';
  v_new text[] := '{}';
begin
  if tg_op in ('UPDATE', 'DELETE') then
    v_old := public.itutor_session_work_kinds(old.status, old.charge_status);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    v_new := public.itutor_session_work_kinds(new.status, new.charge_status);
  end if;
  if tg_op = 'UPDATE' and (old.id, old.charge_scheduled_at) is not distinct from (new.id, new.charge_scheduled_at) then
    -- Same key: drop the kinds that ended, add the kinds that began.
    if cardinality(v_old) > 0 and not (v_old <@ v_new) then
      delete from public.session_work as w
      where w.kind = any (v_old) and not (w.kind = any (v_new))
        and w.due_at = old.charge_scheduled_at and w.session_id = old.id;
    end if;
    if cardinality(v_new) > 0 and not (v_new <@ v_old) then
      insert into public.session_work (kind, due_at, session_id)
      select k, new.charge_scheduled_at, new.id from unnest(v_new) as k where not (k = any (v_old))
      on conflict do nothing;
    end if;
    return null;
  end if;
  if cardinality(v_old) > 0 then
    delete from public.session_work as w
    where w.kind = any (v_old) and w.due_at = old.charge_scheduled_at and w.session_id = old.id;
  end if;
  if cardinality(v_new) > 0 then
    insert into public.session_work (kind, due_at, session_id)
    select k, new.charge_scheduled_at, new.id from unnest(v_new) as k
    on conflict do nothing;
  end if;
  return null;
end
$$;

create trigger sessions_work_is_tracked
  after insert or delete on public.sessions
  for each row
  execute function public.itutor_track_session_work();

-- Fires only when what the work list depends on changed: a lease, a join or a charge attempt count
-- does not run it.
create trigger sessions_work_is_tracked_on_update
  after update on public.sessions
  for each row
  when (
    old.status is distinct from new.status
    or old.charge_status is distinct from new.charge_status
    or old.charge_scheduled_at is distinct from new.charge_scheduled_at
    or old.id is distinct from new.id
  )
  execute function public.itutor_track_session_work();

-- Rebuilds the work list from sessions (after writes made with triggers off). Returns the rows it
-- holds afterwards.
create function public.itutor_rebuild_session_work()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count bigint;
begin
  lock table public.session_work in exclusive mode;
  delete from public.session_work;
  insert into public.session_work (kind, due_at, session_id)
  select k, s.charge_scheduled_at, s.id
  from public.sessions as s, unnest(public.itutor_session_work_kinds(s.status, s.charge_status)) as k;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

-- The sessions already there.
select public.itutor_rebuild_session_work();

-- The partial indexes the work list replaces: with them gone no index of sessions names status or
-- charge_status.
drop index public.sessions_due_for_settlement_idx;
drop index public.sessions_charge_pending_idx;
drop index public.sessions_charge_failed_idx;

-- Room on each page for what its rows become. A session's row about doubles at settlement (outcome,
-- amounts, the ledger key and the gateway's reference: about 210 bytes scheduled, 410 final), and
-- sessions booked together settle together. At fillfactor 60 a page of scheduled sessions cannot hold
-- their final rows, so about a third of them moved to another page at settlement (not heap-only: an
-- entry in every index of sessions). At 40 a page holds its sessions' final rows (about three quarters
-- full once they are final) and room for the versions in between. Pages written from now on.
alter table public.sessions set (fillfactor = 40);

-- The ledger: an attempt is opened (pending) and then answered (a larger row). At the default fillfactor
-- of 100 a new attempt goes to whatever page the free-space map offers, on a ledger of millions of rows
-- the few hundred bytes left on an old page (a random page per attempt, read and WAL-logged), and its
-- answer to another one. Keeping 30 % of a page for updates makes new attempts go to pages with room
-- (the newest) and their answers stay on the same page. Pages written from now on.
alter table public.session_charges set (fillfactor = 70);

-- ---------------------------------------------------------------------------------------------------
-- The claims and the attention list, now over the work list.
-- ---------------------------------------------------------------------------------------------------

-- Each group is one ordered scan of session_work's primary key for its kind that stops at its LIMIT,
-- joined to sessions by primary key, with FOR UPDATE OF the session SKIP LOCKED: concurrent claims never
-- return the same session, and the cost depends on p_limit, not on the size of either table. The
-- session's own status / charge status are checked again (the sessions are the truth). Custom plans:
-- each statement is planned with the actual p_now and limit. Sorts and bitmap scans are off inside the
-- function: with them a planner short of statistics (a work list not yet analyzed) may fetch every due
-- entry and sort it, where the ordered index scan stops at the limit. The lease does not change version.
create or replace function public.itutor_claim_sessions_for_settlement(
  p_now timestamptz,
  p_limit integer,
  p_claim_until timestamptz
)
returns json
language plpgsql
set search_path = ''
set plan_cache_mode = force_custom_plan
set enable_sort = off
set enable_bitmapscan = off
set "TimeZone" = 'UTC'
as $$
declare
  v_limit integer := greatest(coalesce(p_limit, 0), 0);
  v_due uuid[];
  v_retry uuid[] := '{}';
  v_result json;
begin
  if v_limit = 0 then
    return '[]'::json;
  end if;

  select coalesce(array_agg(d.id order by d.due_at, d.id), '{}')
  into v_due
  from (
    select s.id, w.due_at
    from public.session_work as w
    join public.sessions as s on s.id = w.session_id
    where w.kind = 'settle'
      and w.due_at <= p_now
      and s.status in ('SCHEDULED', 'JOIN_OPEN')
      and (s.claimed_until is null or s.claimed_until <= p_now)
    order by w.due_at, w.session_id
    limit v_limit
    for update of s skip locked
  ) as d;

  if cardinality(v_due) < v_limit then
    select coalesce(array_agg(r.id order by r.due_at, r.id), '{}')
    into v_retry
    from (
      select s.id, w.due_at
      from public.session_work as w
      join public.sessions as s on s.id = w.session_id
      where w.kind = 'collect'
        and s.charge_status = 'pending'
        and s.status in ('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'EARLY_END_SHORT', 'CANCELLED')
        and (s.claimed_until is null or s.claimed_until <= p_now)
      order by w.due_at, w.session_id
      limit v_limit - cardinality(v_due)
      for update of s skip locked
    ) as r;
  end if;

  -- The lease, by primary key (a join with the picked ids, never a scan of the table), returning the
  -- rows as plain json in claim order.
  with claimed as (
    update public.sessions as s
    set claimed_until = p_claim_until
    from unnest(v_due || v_retry) with ordinality as p (id, ord)
    where s.id = p.id
    returning p.ord, public.itutor_session_row_json(s) as row_json
  )
  select coalesce(json_agg(c.row_json order by c.ord), '[]'::json)
  into v_result
  from claimed as c;

  return v_result;
end
$$;

-- Sessions whose charge failed for good (charge_status 'failed'): a person must look at them. Oldest
-- charge_scheduled_at first, at most p_limit; one ordered scan of the work list's 'failed' kind.
create or replace function public.itutor_list_sessions_needing_attention(p_limit integer)
returns jsonb
language sql
stable
set search_path = ''
set enable_sort = off
set enable_bitmapscan = off
set "TimeZone" = 'UTC'
as $$
  select coalesce(jsonb_agg(public.itutor_session_json(f) order by f.charge_scheduled_at, f.id), '[]'::jsonb)
  from (
    select s.*
    from public.session_work as w
    join public.sessions as s on s.id = w.session_id
    where w.kind = 'failed'
      and s.charge_status = 'failed'
    order by w.due_at, w.session_id
    limit greatest(coalesce(p_limit, 0), 0)
  ) as f
$$;

-- ---------------------------------------------------------------------------------------------------
-- Privileges and row-level security: clients nothing; the service role reads (the claims run as it);
-- nobody but the trigger (and the table owner) writes.
-- ---------------------------------------------------------------------------------------------------

revoke all on table public.session_work from public, anon, authenticated, service_role;
grant select on table public.session_work to service_role;

create policy "The service role can read the work list"
  on public.session_work
  for select
  to service_role
  using (true);

revoke all on function public.itutor_session_work_kinds(text, text) from public, anon, authenticated;
grant execute on function public.itutor_session_work_kinds(text, text) to service_role;
revoke all on function public.itutor_track_session_work() from public, anon, authenticated;
revoke all on function public.itutor_rebuild_session_work() from public, anon, authenticated;
grant execute on function public.itutor_rebuild_session_work() to service_role;
revoke all on function public.itutor_claim_sessions_for_settlement(timestamptz, integer, timestamptz) from public, anon, authenticated;
revoke all on function public.itutor_list_sessions_needing_attention(integer) from public, anon, authenticated;
