import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SqlClient } from '@itutor/sessions-supabase';

/**
 * The proof that the first-release schema (supabase/migrations, six files by concern) is the schema
 * the migration chain of 2026-12-07 (test/fixtures/migration-chain-2026-12-07, never shipped) built,
 * followed by the third release's outcomes (issue #22), except the differences listed in
 * INTENDED_DIFFERENCES. Used by the pg_dump comparison on the PostgreSQL server
 * (test/server/schema-squash.server.test.ts) and the catalog comparison on PGlite
 * (test/schema-squash.test.ts).
 *
 * The fixture directory holds the 18 files of the chain and, last, one delta:
 * `20261207000400_itutor_third_release_outcomes.sql`, written as the migration a released package would
 * ship for issue #22 (constraints dropped and added, functions created or replaced, triggers recreated).
 * While the first release is unreleased its six files are edited in place; the comparison then proves
 * that those edits are exactly that delta. A later change to the squashed schema adds its own delta file
 * here the same way.
 */

const fixtureDir = fileURLToPath(new URL('../fixtures/migration-chain-2026-12-07/', import.meta.url));

/**
 * The chain of 2026-12-07 followed by the deltas since (the third release's outcomes), oldest first, as
 * the files they were written as (the Supabase CLI layout).
 */
export function fixtureChain(): Array<{ readonly name: string; readonly sql: string }> {
  return readdirSync(fixtureDir)
    .filter((name) => /^\d{14}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name) => ({ name, sql: readFileSync(fixtureDir + name, 'utf8') }));
}

// How PostgreSQL prints the two accepted ledger-key forms (pg_dump, pg_get_constraintdef, pg_get_indexdef).
const DERIVED_KEY =
  "lower(idempotency_key) = lower(((((('itutor-session-'::text || (session_id)::text) || '-'::text) || outcome) || '-'::text) || (attempt)::text))";
const LEGACY_KEY =
  "(attempt = 1) AND (lower(idempotency_key) = lower(((('itutor-session-'::text || (session_id)::text) || '-'::text) || outcome)))";

/** The body of itutor_find_session_with_attendance as both printed forms show it. */
const FIND_WITH_ATTENDANCE_BODY = `  select jsonb_build_object(
    'session', public.itutor_find_session(p_id),
    'attendance', public.itutor_list_session_attendance(p_id)
  )`;

/**
 * Every intended difference between the chain and the squashed schema, as a rewrite of the chain's
 * printed schema: `from` must occur exactly `count` times in it (so an entry cannot go stale or hide
 * more than it says), and after the rewrites both print the same.
 */
export const INTENDED_DIFFERENCES: ReadonlyArray<{
  readonly reason: string;
  readonly from: string | RegExp;
  readonly to: string;
  /** Occurrences of `from` in both printed forms, or in each (an entry that only one form prints). */
  readonly count: number | { readonly catalog: number; readonly dump: number };
}> = [
  {
    // 20261125000800 let a key in the SDK's namespace also take the pre-ledger form
    // `itutor-session-<session id>-<outcome>` for attempt 1, for rows written before the ledger. No
    // release ever stored one: the first release accepts only the derived form, in the check
    // session_charges_sdk_keys_are_derived and in the predicate of the partial unique index
    // session_charges_other_idempotency_keys_key (which must name exactly the keys the check does not pin).
    reason: 'the legacy (pre-ledger) ledger-key form is gone from the key check and the partial key index',
    from: `((${DERIVED_KEY}) OR (${LEGACY_KEY}))`,
    to: `(${DERIVED_KEY})`,
    count: 2,
  },
  // Four differences of the chain are no longer listed because the third release's delta restates the
  // objects they were in, whole, as the first release has them: the claim
  // (itutor_claim_sessions_for_settlement, which also runs with enable_seqscan off), the frozen-outcome
  // trigger (sessions_final_outcome_is_frozen, whose WHEN clause also holds the keeps-outcome test), and
  // (issue #23) itutor_apply_charge_writes_in_batch (a comment in its body named a removed migration file)
  // and itutor_ledger_change_is_valid (without its SET clause, so that it inlines).
  //
  // The next one adds a SET clause to a function. pg_dump and pg_get_functiondef indent a function's SET
  // lines differently (four spaces, one), so it matches with a pattern that captures the indentation
  // and the neighbouring lines that name the function (a global regular expression; `to` may use $n).
  {
    // The ledger probe of the trigger "no attempt after a success" kept a Seq Scan planned while the
    // ledger's statistics said it was empty, once per attempt inserted (test/server/empty-stats-plans.server.test.ts).
    reason: 'itutor_keep_charge_record runs with enable_seqscan off (its ledger probe always reads an index)',
    from: /(\n(\s*)SET search_path TO ''\n)(\s*AS \$(?:function)?\$\n\s*begin\n\s*if tg_op = 'DELETE' then\n\s*raise exception 'charge attempt % of session % is part of the record)/g,
    to: "$1$2SET enable_seqscan TO 'off'\n$3",
    count: 1,
  },
  {
    // A small pure SQL function loses its SET clause so that the planner inlines it into its callers (as
    // itutor_session_keeps_outcome and itutor_session_row_json always were): a call through a SET clause
    // saves and restores the setting, about 9 µs each. It references only its argument and built-in
    // operators; every caller runs with search_path = ''. (itutor_session_work_kinds and
    // itutor_ledger_change_is_valid, the others, are restated whole by the delta, without their SET clause.)
    reason: 'itutor_parse_uuid has no SET search_path (it inlines)',
    from: /(itutor_parse_uuid\(value text\)[^$]*?IMMUTABLE(?: PARALLEL SAFE)?)\n\s*SET search_path TO ''/g,
    to: '$1',
    count: 1,
  },
  // A function the chain did not have: itutor_find_session_with_attendance, a session and its attendance
  // in one call (the adapter sends it when a no-show reads both side by side: one round trip, not two).
  // The catalog prints it as one line with its privileges; pg_dump as its statement and its grants.
  {
    reason: 'new function itutor_find_session_with_attendance (catalog)',
    from: 'function CREATE OR REPLACE FUNCTION public.itutor_find_video_meeting(',
    to:
      "function CREATE OR REPLACE FUNCTION public.itutor_find_session_with_attendance(p_id text)\n RETURNS jsonb\n LANGUAGE sql\n STABLE\n SET search_path TO ''\n SET \"TimeZone\" TO 'UTC'\nAS $function$\n" +
      FIND_WITH_ATTENDANCE_BODY +
      '\n$function$\n acl={postgres=X/postgres,service_role=X/postgres}\nfunction CREATE OR REPLACE FUNCTION public.itutor_find_video_meeting(',
    count: { catalog: 1, dump: 0 },
  },
  {
    reason: 'new function itutor_find_session_with_attendance (pg_dump: the function)',
    from: '\nCREATE FUNCTION public.itutor_find_video_meeting(',
    to:
      "\nCREATE FUNCTION public.itutor_find_session_with_attendance(p_id text) RETURNS jsonb\n    LANGUAGE sql STABLE\n    SET search_path TO ''\n    SET \"TimeZone\" TO 'UTC'\n    AS $$\n" +
      FIND_WITH_ATTENDANCE_BODY +
      '\n$$;\n\nCREATE FUNCTION public.itutor_find_video_meeting(',
    count: { catalog: 0, dump: 1 },
  },
  {
    reason: 'new function itutor_find_session_with_attendance (pg_dump: its privileges)',
    from: '\nREVOKE ALL ON FUNCTION public.itutor_find_video_meeting(',
    to:
      '\nREVOKE ALL ON FUNCTION public.itutor_find_session_with_attendance(p_id text) FROM PUBLIC;\n' +
      'GRANT ALL ON FUNCTION public.itutor_find_session_with_attendance(p_id text) TO service_role;\n\n' +
      'REVOKE ALL ON FUNCTION public.itutor_find_video_meeting(',
    count: { catalog: 0, dump: 1 },
  },
];

/** The chain's printed schema with the intended differences applied; throws when an entry does not match as listed. */
export function applyIntendedDifferences(printed: string, form: 'catalog' | 'dump'): string {
  let text = printed;
  for (const difference of INTENDED_DIFFERENCES) {
    const { from } = difference;
    const found = typeof from === 'string' ? text.split(from).length - 1 : (text.match(from) ?? []).length;
    const count = typeof difference.count === 'number' ? difference.count : difference.count[form];
    if (found !== count) {
      throw new Error(`intended difference "${difference.reason}": expected ${count} occurrence(s) in the ${form}, found ${found}`);
    }
    text = typeof from === 'string' ? text.split(from).join(difference.to) : text.replace(from, difference.to);
  }
  return text;
}

/**
 * The top-level statements of a SQL script (semicolons inside quotes, comments and dollar-quoted bodies
 * do not end one), each without its leading comment lines.
 */
export function topLevelStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const rest = sql.slice(i, i + 2);
    if (rest === '--') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (rest === '/*') {
      i = sql.indexOf('*/', i + 2) + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : 1;
      i = j + 1;
    } else if (c === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))![0];
      i = sql.indexOf(tag, i + tag.length) + tag.length;
    } else if (c === ';') {
      out.push(sql.slice(start, i));
      i += 1;
      start = i;
    } else {
      i += 1;
    }
  }
  out.push(sql.slice(start));
  return out
    .map((statement) => statement.split('\n').filter((line) => !line.trim().startsWith('--')).join('\n').trim())
    .filter(Boolean);
}

/**
 * `pg_dump --schema-only` output as a sorted list of statements: without comment lines, session SETs,
 * psql meta-commands (`\restrict` carries a random key) and blank-line runs, statements split where
 * pg_dump separates them (a semicolon, a blank line, then an upper-case keyword — function bodies are
 * lower case), each statement's trailing whitespace trimmed. Sorting makes the order in which files
 * created things irrelevant; everything inside a statement (function bodies included) still compares
 * character for character.
 */
export function normaliseDump(dump: string): string {
  const lines = dump
    .split('\n')
    .filter((line) => !line.startsWith('--') && !line.startsWith('\\') && !/^SET |^SELECT pg_catalog\.set_config/.test(line))
    .map((line) => line.replace(/\s+$/, ''));
  return lines
    .join('\n')
    .split(/;\n\n+(?=[A-Z]|$)/)
    .map((statement) => statement.trim().replace(/;$/, ''))
    .filter(Boolean)
    .sort()
    .join(';\n\n');
}

/**
 * The schema `public` as the catalog describes it, one sorted line per fact: tables and their columns
 * (in order, with types, defaults, nullability and column privileges), storage options, table
 * privileges, constraints, indexes, triggers, policies, functions (pg_get_functiondef, privileges) and
 * comments. For PGlite, where pg_dump is not available.
 */
export async function catalogSnapshot(client: SqlClient): Promise<string> {
  const { rows } = await client.query(`
    select 'table ' || c.relname || ' kind=' || c.relkind::text || ' rls=' || c.relrowsecurity || ' options=' || coalesce(c.reloptions::text, '')
      || ' acl=' || coalesce(c.relacl::text, '') as line
    from pg_class as c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'S', 'v', 'm')
    union all
    select 'column ' || c.relname || '.' || lpad(row_number() over (partition by c.oid order by a.attnum)::text, 3, '0') || ' ' || a.attname || ' '
      || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull || ' identity=' || a.attidentity::text
      || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' acl=' || coalesce(a.attacl::text, '')
    from pg_attribute as a
    join pg_class as c on c.oid = a.attrelid
    left join pg_attrdef as d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
    union all
    select 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    from pg_constraint where connamespace = 'public'::regnamespace
    union all
    select 'index ' || pg_get_indexdef(i.indexrelid)
    from pg_index as i join pg_class as c on c.oid = i.indexrelid where c.relnamespace = 'public'::regnamespace
    union all
    select 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
    from pg_trigger as t join pg_class as c on c.oid = t.tgrelid
    where c.relnamespace = 'public'::regnamespace and not t.tgisinternal
    union all
    select 'policy ' || tablename || ' ' || policyname || ' ' || permissive || ' ' || roles::text || ' ' || cmd
      || ' using=' || coalesce(qual, '') || ' check=' || coalesce(with_check, '')
    from pg_policies where schemaname = 'public'
    union all
    select 'function ' || pg_get_functiondef(p.oid) || ' acl=' || coalesce(p.proacl::text, '')
    from pg_proc as p where p.pronamespace = 'public'::regnamespace
    union all
    select 'comment ' || coalesce(c.relname, p.proname, '?') || ' ' || coalesce(a.attname, '') || ' ' || d.description
    from pg_description as d
    left join pg_class as c on d.classoid = 'pg_class'::regclass and c.oid = d.objoid and c.relnamespace = 'public'::regnamespace
    left join pg_attribute as a on a.attrelid = c.oid and a.attnum = d.objsubid and d.objsubid > 0
    left join pg_proc as p on d.classoid = 'pg_proc'::regclass and p.oid = d.objoid and p.pronamespace = 'public'::regnamespace
    where c.oid is not null or p.oid is not null
  `);
  return (rows as Array<{ line: string }>).map((r) => r.line).sort().join('\n');
}
