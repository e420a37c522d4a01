import type pg from 'pg';

/**
 * Where the settlement's work list (`session_work`) differs from what the sessions say it must hold
 * (`itutor_session_work_kinds` of each session's status and charge status, due at
 * `itutor_session_work_due_at`): rows missing from it and rows it holds in excess. Empty when the trigger kept
 * it exact.
 */
export async function workListDrift(pool: pg.Pool): Promise<Array<{ drift: 'missing' | 'extra'; kind: string; session_id: string }>> {
  const { rows } = await pool.query(
    `with expected as (
       select k as kind, public.itutor_session_work_due_at(k, s.status, s.charge_scheduled_at, s.finalized_at) as due_at, s.id as session_id
       from public.sessions as s, unnest(public.itutor_session_work_kinds(s.status, s.charge_status)) as k
     ), actual as (
       select kind, due_at, session_id from public.session_work
     )
     select 'missing' as drift, kind, session_id::text from (select * from expected except all select * from actual) as m
     union all
     select 'extra', kind, session_id::text from (select * from actual except all select * from expected) as x
     order by 1, 2, 3
     limit 20`,
  );
  return rows;
}
