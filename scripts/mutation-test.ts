/**
 * `pnpm test:mutation`: proves the adapter contract suite catches wrong adapters. It plants deliberate
 * bugs, one at a time, in temporary copies of the in-memory adapter (packages/core/src/testing/memory.ts)
 * and of the SQL adapter (its TypeScript mapping code, copied from packages/supabase/src, and its SQL
 * functions and triggers, replaced inside a PGlite database), runs the whole contract suite in-process
 * against each mutant and prints which case caught it. The source files are never modified: the copies
 * live in a temporary directory, the SQL changes in the throwaway database.
 *
 * Exits non-zero when the unmutated adapters fail the suite, when a planted change does not apply (the
 * code it targets moved: update the mutant), or when any mutant survives.
 *
 * `MUTANTS=memory,sql-ts,sql` (default: all groups) or `MUTANT=<id>` runs a subset.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SessionsAdapter } from '@itutor/sessions-core';
import { runAdapterContractSuite, type AdapterContractHarness, type RawStorageReader } from '@itutor/sessions-core/testing';
import { collectCases, runCases, type CaseResult } from '../packages/core/test/support/contract-runner';
import { createPgliteDatabase } from '../packages/supabase/test/support/db';
import { createRawReader } from '../packages/supabase/test/support/raw';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CORE_INDEX = join(ROOT, 'packages/core/src/index.ts');
const CONTRACT = join(ROOT, 'packages/core/src/testing/contract.ts');
const MEMORY = join(ROOT, 'packages/core/src/testing/memory.ts');
const SUPABASE_SRC = join(ROOT, 'packages/supabase/src');

/** One textual change: `find` must occur exactly `count` times (default once) in its target. */
interface Edit {
  readonly find: string;
  readonly replace: string;
  readonly count?: number;
}

type Mutant =
  | { readonly id: string; readonly group: 'memory'; readonly bug: string; readonly edits: readonly Edit[]; readonly raw?: (raw: RawStorageReader) => RawStorageReader }
  | { readonly id: string; readonly group: 'sql-ts'; readonly bug: string; readonly file: string; readonly edits: readonly Edit[] }
  | {
      readonly id: string;
      readonly group: 'sql';
      readonly bug: string;
      /** `create or replace` these functions (their current definitions, edited), or run `sql`. */
      readonly functions?: ReadonlyArray<{ readonly signature: string; readonly edits: readonly Edit[] }>;
      readonly dropTriggers?: ReadonlyArray<{ readonly table: string; readonly name: string }>;
      readonly raw?: (raw: RawStorageReader) => RawStorageReader;
    };

const lyingEvents = (raw: RawStorageReader): RawStorageReader => ({ ...raw, tryChangeEvent: async () => false });
const lyingSessions = (raw: RawStorageReader): RawStorageReader => ({ ...raw, tryWriteSession: async () => false });

const MUTANTS: readonly Mutant[] = [
  // ---- the in-memory adapter -------------------------------------------------------------------
  {
    id: 'mem-drop-meeting-ended',
    group: 'memory',
    bug: 'an update silently keeps the old meetingEndedAt',
    edits: [{ find: '          const stored = copySession(next);\n          const before = sessions.get(next.id);', replace: '          const stored = { ...copySession(next), meetingEndedAt: sessions.get(next.id)!.meetingEndedAt };\n          const before = sessions.get(next.id);' }],
  },
  {
    id: 'mem-drop-finalized-at',
    group: 'memory',
    bug: 'an update silently keeps the old finalizedAt',
    edits: [{ find: '          const stored = copySession(next);\n          const before = sessions.get(next.id);', replace: '          const stored = { ...copySession(next), finalizedAt: sessions.get(next.id)!.finalizedAt };\n          const before = sessions.get(next.id);' }],
  },
  {
    id: 'mem-drop-cancelled-by',
    group: 'memory',
    bug: 'an update silently keeps the old cancelledBy',
    edits: [{ find: '          const stored = copySession(next);\n          const before = sessions.get(next.id);', replace: '          const stored = { ...copySession(next), cancelledBy: sessions.get(next.id)!.cancelledBy };\n          const before = sessions.get(next.id);' }],
  },
  {
    id: 'mem-charge-answer-erases-reference',
    group: 'memory',
    bug: 'a charge answer without a reference erases the stored one',
    edits: [{ find: 'const updated: ChargeAttempt = {\n          ...row,\n          status: w.status,\n          gatewayReference: w.gatewayReference ?? row.gatewayReference,', replace: 'const updated: ChargeAttempt = {\n          ...row,\n          status: w.status,\n          gatewayReference: w.gatewayReference,' }],
  },
  {
    id: 'mem-refund-answer-erases-reference',
    group: 'memory',
    bug: 'a refund answer without a reference erases the stored one',
    edits: [{ find: 'refundRows[i] = {\n          ...row,\n          status: w.status,\n          gatewayReference: w.gatewayReference ?? row.gatewayReference,', replace: 'refundRows[i] = {\n          ...row,\n          status: w.status,\n          gatewayReference: w.gatewayReference,' }],
  },
  {
    id: 'mem-collect-newest-first',
    group: 'memory',
    bug: 'charges to collect are claimed newest first',
    edits: [
      {
        find: '.sort((a, b) => collectableAt(a) - collectableAt(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))',
        replace: '.sort((a, b) => collectableAt(b) - collectableAt(a) || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0))',
      },
    ],
  },
  {
    id: 'mem-collect-while-leased',
    group: 'memory',
    bug: 'charges to collect are claimed while still leased',
    edits: [{ find: '.filter((s) => free(s) && collectableAt(s) <= now.getTime())', replace: '.filter((s) => collectableAt(s) <= now.getTime())' }],
  },
  {
    id: 'mem-limit-not-across-groups',
    group: 'memory',
    bug: 'the claim limit is not held across the two groups',
    edits: [{ find: '            .slice(0, max - picked.length);', replace: '            .slice(0);' }],
  },
  {
    id: 'mem-claim-bumps-version',
    group: 'memory',
    bug: 'a claim changes the version',
    edits: [{ find: 'const leased = { ...s, claimedUntil: claimUntil };', replace: 'const leased = { ...s, claimedUntil: claimUntil, version: s.version + 1 };', count: 2 }],
  },
  {
    id: 'mem-due-always-leased',
    group: 'memory',
    bug: 'due sessions are leased at claim even without leaseDue',
    edits: [{ find: '          if (!leaseDue) return copySession(s);\n', replace: '' }],
  },
  {
    id: 'mem-cursor-ignored',
    group: 'memory',
    bug: 'the claim ignores its cursor and hands out the same due sessions again',
    edits: [{ find: '          if (after && byDueOrder(entry, after) <= 0) continue;\n', replace: '' }],
  },
  {
    id: 'mem-token-clear-keeps-version',
    group: 'memory',
    bug: 'a token clear does not raise the token version',
    edits: [{ find: 'version: slot.version + (stored === undefined && newTokens === null ? 0 : 1),', replace: 'version: slot.version + (newTokens === null ? 0 : 1),' }],
  },
  {
    id: 'mem-keep-raises-version',
    group: 'memory',
    bug: "a save with 'keep' raises the token version",
    edits: [{ find: "        if (newTokens !== 'keep') {\n          tokens.set(", replace: "        if (newTokens === 'keep' && tokens.has(connection.tutorId)) tokens.set(connection.tutorId, { ...slot, version: slot.version + 1 });\n        if (newTokens !== 'keep') {\n          tokens.set(" }],
  },
  {
    id: 'mem-newest-is-oldest',
    group: 'memory',
    bug: '"newest" session by meeting answers the oldest',
    edits: [
      {
        find: 'if (newest === null || s.createdAt.getTime() > newest.createdAt.getTime() || (s.createdAt.getTime() === newest.createdAt.getTime() && s.id > newest.id)) newest = s;',
        replace: 'if (newest === null || s.createdAt.getTime() < newest.createdAt.getTime() || (s.createdAt.getTime() === newest.createdAt.getTime() && s.id < newest.id)) newest = s;',
      },
    ],
  },
  {
    id: 'mem-newest-tie-by-insertion',
    group: 'memory',
    bug: '"newest" breaks a createdAt tie by insertion order, not by id',
    edits: [
      {
        find: 'if (newest === null || s.createdAt.getTime() > newest.createdAt.getTime() || (s.createdAt.getTime() === newest.createdAt.getTime() && s.id > newest.id)) newest = s;',
        replace: 'if (newest === null || s.createdAt.getTime() >= newest.createdAt.getTime()) newest = s;',
      },
    ],
  },
  {
    id: 'mem-events-mutable-lying-reader',
    group: 'memory',
    bug: 'events can be changed, and raw.tryChangeEvent answers "refused" without trying',
    edits: [{ find: 'const event: SessionEvent = Object.freeze({', replace: 'const event: SessionEvent = ({' }],
    raw: lyingEvents,
  },
  {
    id: 'mem-final-not-frozen-lying-reader',
    group: 'memory',
    bug: 'a final session can change its outcome in storage, and raw.tryWriteSession answers "refused" without trying',
    edits: [{ find: '      if (isFinalStatus(stored.status) && !changesOnlyBookkeeping(stored, session)) return false;\n', replace: '' }],
    raw: lyingSessions,
  },
  {
    id: 'mem-second-success',
    group: 'memory',
    bug: 'storage takes a second succeeded attempt',
    edits: [{ find: "  if (attempt.status === 'succeeded' && others.some((o) => o.attempt !== attempt.attempt && o.status === 'succeeded')) {", replace: '  if (false) {' }],
  },
  {
    id: 'mem-retry-not-recognised',
    group: 'memory',
    bug: 'a write sent again after a lost reply is not recognised by its write id',
    edits: [{ find: 'const retried = writeId !== undefined &&', replace: 'const retried = false &&' }],
  },
  {
    id: 'mem-retry-writes-again',
    group: 'memory',
    bug: 'a write sent again appends its events again',
    edits: [{ find: 'if (plan.retried) return copySession(plan.retried);', replace: 'if (plan.retried) append(drafts);\n          if (plan.retried) return copySession(plan.retried);' }],
  },
  {
    id: 'mem-batch-partly-stored',
    group: 'memory',
    bug: 'a write storage refuses answers null and the rest of its batch is stored',
    edits: [
      {
        find: 'const planned = ledger && ledger.length > 0 ? planLedger(next, ledger) : null;',
        replace: 'let planned: ReturnType<typeof planLedger> | null = null;\n          try { planned = ledger && ledger.length > 0 ? planLedger(next, ledger) : null; } catch { return null; }',
      },
    ],
  },
  {
    id: 'mem-attention-newest-first',
    group: 'memory',
    bug: 'the attention list is newest first',
    edits: [{ find: ".filter((s) => s.chargeStatus === 'failed')\n          .sort(byDueOrder)", replace: ".filter((s) => s.chargeStatus === 'failed')\n          .sort((a, b) => byDueOrder(b, a))" }],
  },
  {
    id: 'mem-attendance-arrival-order',
    group: 'memory',
    bug: 'attendance is listed in arrival order',
    edits: [
      {
        find: '      .map(copy)\n      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));',
        replace: '      .map(copy);',
      },
    ],
  },

  // ---- the SQL adapter's TypeScript ---------------------------------------------------------------
  {
    id: 'ts-row-drops-meeting-ended',
    group: 'sql-ts',
    bug: 'the session row sent to the database drops meeting_ended_at',
    file: 'rows.ts',
    edits: [{ find: 'meeting_ended_at: isoOrNull(s.meetingEndedAt),', replace: 'meeting_ended_at: null,' }],
  },
  {
    id: 'ts-read-drops-cancelled-by',
    group: 'sql-ts',
    bug: 'a session read back loses cancelledBy',
    file: 'rows.ts',
    edits: [{ find: "cancelledBy: (r.cancelled_by ?? null) as Session['cancelledBy'],", replace: 'cancelledBy: null,' }],
  },
  {
    id: 'ts-claim-reversed',
    group: 'sql-ts',
    bug: 'the claim answers its sessions in reverse order',
    file: 'repositories.ts',
    edits: [{ find: "return rows(result, 'itutor_claim_sessions_for_settlement').map(rowToSession);", replace: "return rows(result, 'itutor_claim_sessions_for_settlement').map(rowToSession).reverse();" }],
  },
  {
    id: 'ts-write-id-not-sent',
    group: 'sql-ts',
    bug: 'the write id is not sent to the database',
    file: 'repositories.ts',
    edits: [{ find: 'write_id: w.writeId ?? null,', replace: 'write_id: null,' }],
  },
  {
    id: 'ts-token-clear-keeps',
    group: 'sql-ts',
    bug: 'a save with null tokens keeps them',
    file: 'rows.ts',
    edits: [{ find: '  if (t === null) return null;\n  if (t === \'keep\') return { keep: true };', replace: '  if (t === null) return { keep: true };\n  if (t === \'keep\') return { keep: true };' }],
  },

  {
    id: 'mem-previous-keeps-lease',
    group: 'memory',
    bug: 'a write made from `previous` writes claimedUntil only when it changed since `previous` (a lease taken since the read survives)',
    edits: [{ find: '{ ...stored, id: next.id, version: next.version, claimedUntil: next.claimedUntil }', replace: '{ ...stored, id: next.id, version: next.version }' }],
  },
  // ---- the SQL functions and triggers (PGlite) ----------------------------------------------------
  {
    id: 'sql-write-drops-meeting-ended',
    group: 'sql',
    bug: 'the single-write path does not store meeting_ended_at',
    functions: [{ signature: 'public.itutor_apply_session_write(jsonb)', edits: [{ find: 'meeting_ended_at = n.meeting_ended_at, ', replace: '' }] }],
  },
  {
    id: 'sql-batch-drops-finalized-at',
    group: 'sql',
    bug: 'the batch statement does not store finalized_at',
    functions: [{ signature: 'public.itutor_apply_charge_writes_in_batch(jsonb)', edits: [{ find: '      finalized_at = (i.n).finalized_at,\n', replace: '' }] }],
  },
  {
    id: 'sql-batch-drops-cancelled-by',
    group: 'sql',
    bug: 'the batch statement does not store cancelled_by (a constraint would refuse it: it keeps the old value only where it may)',
    functions: [{ signature: 'public.itutor_apply_charge_writes_in_batch(jsonb)', edits: [{ find: 'cancelled_by = (i.n).cancelled_by,', replace: "cancelled_by = case when (i.n).status = 'CANCELLED' and (i.n).cancelled_by = 'tutor' then 'student' else (i.n).cancelled_by end," }] }],
  },
  {
    id: 'sql-partial-write-ignores-stored-row',
    group: 'sql',
    bug: 'the single-write path applies a partial session row onto nothing (the columns it leaves out are erased)',
    functions: [{ signature: 'public.itutor_apply_session_write(jsonb)', edits: [{ find: "  if p_write -> 'partial' = 'true'::jsonb then", replace: '  if false then' }] }],
  },
  {
    id: 'sql-batch-partial-write-ignores-stored-row',
    group: 'sql',
    bug: 'the batch statement applies a partial session row onto nothing (the columns it leaves out are erased)',
    functions: [{ signature: 'public.itutor_apply_charge_writes_in_batch(jsonb)', edits: [{ find: 'then jsonb_populate_record(p, x.w -> \'session\')', replace: 'then jsonb_populate_record(null::public.sessions, x.w -> \'session\')' }] }],
  },
  {
    id: 'sql-answer-erases-reference',
    group: 'sql',
    bug: 'a charge answer without a reference erases the stored one (single-write path)',
    functions: [
      {
        signature: 'public.itutor_apply_session_write(jsonb)',
        edits: [{ find: "gateway_reference = coalesce(v_change ->> 'gateway_reference', c.gateway_reference),", replace: "gateway_reference = v_change ->> 'gateway_reference'," }],
      },
    ],
  },
  {
    id: 'sql-batch-answer-erases-reference',
    group: 'sql',
    bug: 'a charge answer without a reference erases the stored one (batch statement)',
    functions: [
      {
        signature: 'public.itutor_apply_charge_writes_in_batch(jsonb)',
        edits: [
          {
            find: "gateway_reference = coalesce(v_answer_map -> (c.session_id::text || '#' || c.attempt::text) ->> 'gateway_reference', c.gateway_reference),",
            replace: "gateway_reference = v_answer_map -> (c.session_id::text || '#' || c.attempt::text) ->> 'gateway_reference',",
          },
        ],
      },
    ],
  },
  {
    id: 'sql-refund-answer-erases-reference',
    group: 'sql',
    bug: 'a refund answer without a reference erases the stored one',
    functions: [
      {
        signature: 'public.itutor_apply_refund_change(jsonb)',
        edits: [{ find: "gateway_reference = coalesce(p_change ->> 'gateway_reference', r.gateway_reference),", replace: "gateway_reference = p_change ->> 'gateway_reference'," }],
      },
    ],
  },
  {
    id: 'sql-collect-newest-first',
    group: 'sql',
    bug: 'charges to collect are claimed newest first',
    functions: [
      {
        signature: 'public.itutor_claim_sessions_for_settlement(timestamptz, integer, timestamptz, timestamptz, uuid, boolean)',
        edits: [
          { find: "select coalesce(array_agg(r.id order by r.due_at, r.id), '{}')", replace: "select coalesce(array_agg(r.id order by r.due_at desc, r.id desc), '{}')" },
          { find: '    order by w.due_at, w.session_id\n    limit v_limit - v_due_count', replace: '    order by w.due_at desc, w.session_id desc\n    limit v_limit - v_due_count' },
        ],
      },
    ],
  },
  {
    id: 'sql-collect-while-leased',
    group: 'sql',
    bug: 'charges to collect are claimed while still leased',
    functions: [
      {
        signature: 'public.itutor_claim_sessions_for_settlement(timestamptz, integer, timestamptz, timestamptz, uuid, boolean)',
        edits: [
          {
            find: '      and public.itutor_is_final_status(s.status)\n      and (s.claimed_until is null or s.claimed_until <= p_now)\n',
            replace: '      and public.itutor_is_final_status(s.status)\n',
          },
        ],
      },
    ],
  },
  {
    id: 'sql-token-clear-keeps-version',
    group: 'sql',
    bug: 'a token clear does not raise the token version',
    functions: [
      {
        signature: 'public.itutor_save_provider_connection(jsonb, jsonb, jsonb, integer)',
        edits: [{ find: 'token_version = case when v_keep then c.token_version else c.token_version + 1 end,', replace: 'token_version = case when v_keep or not v_has then c.token_version else c.token_version + 1 end,' }],
      },
    ],
  },
  {
    id: 'sql-newest-is-oldest',
    group: 'sql',
    bug: '"newest" session by meeting answers the oldest',
    functions: [{ signature: 'public.itutor_find_session_by_meeting(text, text)', edits: [{ find: 'order by s.created_at desc, s.id desc', replace: 'order by s.created_at, s.id' }] }],
  },
  {
    id: 'sql-events-mutable-lying-reader',
    group: 'sql',
    bug: 'no append-only trigger on session_events, and raw.tryChangeEvent answers "refused" without trying',
    dropTriggers: [{ table: 'public.session_events', name: 'session_events_are_append_only' }],
    raw: lyingEvents,
  },
  {
    id: 'sql-final-not-frozen-lying-reader',
    group: 'sql',
    bug: 'no frozen-outcome trigger on sessions, and raw.tryWriteSession answers "refused" without trying',
    dropTriggers: [{ table: 'public.sessions', name: 'sessions_final_outcome_is_frozen' }],
    raw: lyingSessions,
  },
  {
    id: 'sql-final-not-frozen',
    group: 'sql',
    bug: 'no frozen-outcome trigger on sessions (the raw reader is honest)',
    dropTriggers: [{ table: 'public.sessions', name: 'sessions_final_outcome_is_frozen' }],
  },
  {
    id: 'sql-retry-not-recognised',
    group: 'sql',
    bug: 'a write sent again after a lost reply is not recognised (single-write path)',
    functions: [{ signature: 'public.itutor_apply_session_write(jsonb)', edits: [{ find: 'return public.itutor_session_write_was_applied(p_write);', replace: 'return false;' }] }],
  },
  {
    id: 'sql-batch-retry-not-recognised',
    group: 'sql',
    bug: 'a write sent again after a lost reply is not recognised (batch statement)',
    functions: [{ signature: 'public.itutor_apply_charge_writes_in_batch(jsonb)', edits: [{ find: "if v_result @> '[false]'::jsonb then", replace: 'if false then' }] }],
  },
  {
    id: 'sql-attention-newest-first',
    group: 'sql',
    bug: 'the attention list is newest first',
    functions: [
      {
        signature: 'public.itutor_list_sessions_needing_attention(integer)',
        edits: [
          { find: 'order by f.charge_scheduled_at, f.id', replace: 'order by f.charge_scheduled_at desc, f.id desc' },
          { find: 'order by w.due_at, w.session_id', replace: 'order by w.due_at desc, w.session_id desc' },
        ],
      },
    ],
  },
  {
    id: 'sql-refund-retry-order',
    group: 'sql',
    bug: 'refunds to retry are listed by refund number first',
    functions: [
      {
        signature: 'public.itutor_list_refunds_to_retry(timestamptz, integer)',
        edits: [{ find: 'order by r.requested_at, r.session_id, r.refund', replace: 'order by r.refund, r.requested_at, r.session_id' }, { find: 'order by d.requested_at, d.session_id, d.refund', replace: 'order by d.refund, d.requested_at, d.session_id' }],
      },
    ],
  },
];

/** Applies `edits` to `text`, refusing an edit whose target does not occur exactly as often as expected. */
function applyEdits(text: string, edits: readonly Edit[], where: string): string {
  let out = text;
  for (const edit of edits) {
    const count = out.split(edit.find).length - 1;
    if (count !== (edit.count ?? 1)) throw new Error(`${where}: expected ${edit.count ?? 1} occurrence(s) of ${JSON.stringify(edit.find.slice(0, 80))}, found ${count}`);
    out = out.split(edit.find).join(edit.replace);
  }
  return out;
}

/** Points a copied file's imports of the core at the real sources (one module instance with the suite). */
const pointImports = (text: string) =>
  text.replaceAll("from '@itutor/sessions-core'", `from ${JSON.stringify(CORE_INDEX)}`).replaceAll("from './contract'", `from ${JSON.stringify(CONTRACT)}`);

interface Outcome {
  readonly failed: CaseResult[];
  readonly total: number;
  readonly ms: number;
}

async function runSuite(name: string, setup: () => Promise<AdapterContractHarness>): Promise<Outcome> {
  const started = performance.now();
  const cases = collectCases((test) => runAdapterContractSuite({ name, setup, test, timeoutMs: 20_000 }));
  const results = await runCases(cases);
  const skipped = results.filter((r) => r.status === 'skipped');
  if (skipped.length > 0) throw new Error(`${name}: ${skipped.length} cases skipped; the bundled adapters have every port`);
  return { failed: results.filter((r) => r.status === 'failed'), total: results.length, ms: performance.now() - started };
}

const short = (name: string) => name.split(' > ').slice(1).join(' > ');
const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split('\n')[0]!.slice(0, 160);

async function main() {
  const only = process.env.MUTANT;
  const groups = new Set((process.env.MUTANTS ?? 'memory,sql-ts,sql').split(','));
  const selected = MUTANTS.filter((m) => (only ? m.id === only : groups.has(m.group)));
  const dir = mkdtempSync(join(tmpdir(), 'itutor-mutants-'));
  // The copies are ES modules, like the sources (strict mode included).
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const rows: Array<{ mutant: Mutant; caughtBy: string | null; count: number; detail: string; ms: number }> = [];
  const problems: string[] = [];
  const started = performance.now();
  try {
    // ---- the in-memory adapter -----------------------------------------------------------------
    const memorySource = readFileSync(MEMORY, 'utf8');
    const loadMemory = async (source: string, file: string) => {
      const path = join(dir, file);
      writeFileSync(path, pointImports(source));
      return (await import(pathToFileURL(path).href)) as typeof import('../packages/core/src/testing/memory');
    };
    const memoryMutants = selected.filter((m) => m.group === 'memory');
    if (memoryMutants.length > 0 || groups.has('memory')) {
      const plain = await loadMemory(memorySource, 'memory-unmutated.ts');
      const base = await runSuite('in-memory (unmutated copy)', async () => {
        const a = plain.createInMemoryAdapter();
        return { adapter: a, raw: a.raw };
      });
      console.log(`unmutated in-memory adapter: ${base.total - base.failed.length}/${base.total} cases passed (${Math.round(base.ms)} ms)`);
      for (const f of base.failed) problems.push(`the unmutated in-memory adapter fails: ${f.name}: ${firstLine(f.error)}`);
    }
    for (const m of memoryMutants) {
      if (m.group !== 'memory') continue;
      let source: string;
      try {
        source = applyEdits(memorySource, m.edits, m.id);
      } catch (error) {
        problems.push(String((error as Error).message));
        continue;
      }
      const mod = await loadMemory(source, `memory-${m.id}.ts`);
      const outcome = await runSuite(`in-memory, ${m.id}`, async () => {
        const a = mod.createInMemoryAdapter();
        return { adapter: a, raw: m.raw ? m.raw(a.raw) : a.raw };
      });
      rows.push({ mutant: m, caughtBy: outcome.failed[0]?.name ?? null, count: outcome.failed.length, detail: firstLine(outcome.failed[0]?.error), ms: outcome.ms });
    }

    // ---- the SQL adapter: its TypeScript copied, its SQL in a PGlite database ----------------------
    const sqlMutants = selected.filter((m) => m.group === 'sql-ts' || m.group === 'sql');
    if (sqlMutants.length > 0) {
      const db = await createPgliteDatabase();
      try {
        const loadSql = async (label: string, file?: string, edits?: readonly Edit[]) => {
          const target = join(dir, `supabase-${label}`);
          cpSync(SUPABASE_SRC, target, { recursive: true });
          for (const name of readdirSync(target).filter((f) => f.endsWith('.ts'))) {
            const path = join(target, name);
            let text = pointImports(readFileSync(path, 'utf8'));
            if (name === file) text = applyEdits(text, edits ?? [], label);
            writeFileSync(path, text);
          }
          return (await import(pathToFileURL(join(target, 'sql.ts')).href)) as typeof import('../packages/supabase/src/sql');
        };
        const harness = (createSqlAdapter: (c: typeof db.client) => SessionsAdapter, raw: (r: RawStorageReader) => RawStorageReader = (r) => r) => async () => {
          await db.reset();
          return { adapter: createSqlAdapter(db.client), raw: raw(createRawReader(db.client)) };
        };
        const plain = await loadSql('unmutated');
        const base = await runSuite('SQL on PGlite (unmutated copy)', harness(plain.createSqlAdapter));
        console.log(`unmutated SQL adapter on PGlite: ${base.total - base.failed.length}/${base.total} cases passed (${Math.round(base.ms)} ms)`);
        for (const f of base.failed) problems.push(`the unmutated SQL adapter fails: ${f.name}: ${firstLine(f.error)}`);

        for (const m of sqlMutants) {
          if (m.group === 'sql-ts') {
            let mod: Awaited<ReturnType<typeof loadSql>>;
            try {
              mod = await loadSql(m.id, m.file, m.edits);
            } catch (error) {
              problems.push(String((error as Error).message));
              continue;
            }
            const outcome = await runSuite(`SQL, ${m.id}`, harness(mod.createSqlAdapter));
            rows.push({ mutant: m, caughtBy: outcome.failed[0]?.name ?? null, count: outcome.failed.length, detail: firstLine(outcome.failed[0]?.error), ms: outcome.ms });
            continue;
          }
          if (m.group !== 'sql') continue;
          // Plant the bug in the database, run the suite, put the original back.
          const restore: string[] = [];
          try {
            for (const f of m.functions ?? []) {
              const { rows: defs } = await db.client.query(`select pg_get_functiondef($1::regprocedure) as def`, [f.signature]);
              const original = (defs[0] as { def: string }).def;
              const mutated = applyEdits(original, f.edits, `${m.id} (${f.signature})`);
              restore.push(original);
              await db.client.query(mutated);
            }
            for (const tr of m.dropTriggers ?? []) {
              const { rows: defs } = await db.client.query(
                `select pg_get_triggerdef(t.oid) as def from pg_trigger as t where t.tgrelid = $1::regclass and t.tgname = $2`,
                [tr.table, tr.name],
              );
              const def = (defs[0] as { def: string } | undefined)?.def;
              if (!def) throw new Error(`${m.id}: no trigger ${tr.name} on ${tr.table}`);
              restore.push(def);
              await db.client.query(`drop trigger ${tr.name} on ${tr.table}`);
            }
          } catch (error) {
            problems.push(String((error as Error).message));
            for (const sql of restore) await db.client.query(sql).catch(() => undefined);
            continue;
          }
          try {
            const outcome = await runSuite(`SQL, ${m.id}`, harness(plain.createSqlAdapter, m.raw));
            rows.push({ mutant: m, caughtBy: outcome.failed[0]?.name ?? null, count: outcome.failed.length, detail: firstLine(outcome.failed[0]?.error), ms: outcome.ms });
          } finally {
            for (const sql of restore) await db.client.query(sql);
          }
        }
        // The database is back as the migrations made it: the unmutated suite passes again.
        const after = await runSuite('SQL on PGlite (after the mutants, restored)', harness(plain.createSqlAdapter));
        for (const f of after.failed) problems.push(`the SQL adapter fails after the mutants were undone: ${f.name}: ${firstLine(f.error)}`);
      } finally {
        await db.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log('');
  console.log('| mutant | planted bug | caught by (first failing case; failing cases) |');
  console.log('| --- | --- | --- |');
  for (const r of rows) {
    const caught = r.caughtBy === null ? '**SURVIVED**' : `${short(r.caughtBy)} — ${r.detail} (${r.count})`;
    console.log(`| ${r.mutant.id} | ${r.mutant.bug} | ${caught.replaceAll('|', '\\|')} |`);
  }
  const survived = rows.filter((r) => r.caughtBy === null);
  console.log('');
  console.log(`${rows.length} mutants (${rows.filter((r) => r.mutant.group === 'memory').length} in-memory, ${rows.filter((r) => r.mutant.group !== 'memory').length} SQL), ${rows.length - survived.length} caught, ${survived.length} survived, in ${Math.round((performance.now() - started) / 1000)} s`);
  for (const p of problems) console.log(`problem: ${p}`);
  if (survived.length > 0 || problems.length > 0 || rows.length === 0) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
