/**
 * `pnpm bench`: runs every benchmark of the workspace and prints its figures. Benchmarks never fail on
 * a figure (machines here are shared and noisy): a missed goal is printed, and the exit code stays 0.
 * Size budgets are enforced separately by `pnpm size`. Benchmarks that need the PostgreSQL server run
 * only when DATABASE_URL is set. A step that cannot run at all (a build error) is reported plainly and
 * makes the exit code 1 after the other steps have run.
 *
 * Child processes run local binaries (node_modules/.bin) and pnpm itself (`npm_execpath`), never npx or
 * npm: those would warn about the `npm_config_*` variables pnpm exports to scripts ("Unknown env config").
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);
const failures: string[] = [];

/** pnpm as it runs this script (`pnpm bench`), else the README's `npx -y pnpm@10`. */
const pnpm = (args: string[]): [string, string[]] => {
  const execpath = process.env.npm_execpath;
  if (execpath && /pnpm/.test(execpath)) return /\.c?js$/.test(execpath) ? [process.execPath, [execpath, ...args]] : [execpath, args];
  return ['npx', ['-y', 'pnpm@10', ...args]];
};

/** Runs a step with its output shown; resolves to its exit code (a signal or spawn error counts as 1). */
const run = (command: string, args: string[], env: Record<string, string> = {}) => {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.error) console.log(`  could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
};

const section = (title: string, command: string, args: string[], env: Record<string, string> = {}) => {
  console.log(`\n### ${title}`);
  if (run(command, args, env) !== 0) failures.push(title);
};

// BENCH_SCALE=0 leaves out the two long settlement runs (100,000 due; 2,000,000 sessions beside 10,000
// due), which take about twenty minutes together; the plans they depend on are checked by the test
// suite on every run either way.
const SCALE = process.env.BENCH_SCALE !== '0';

// The benchmarks import the built packages (and sizes are measured on them): build first when a package
// has no build or its sources are newer than it.
const newest = (dir: string): number =>
  !existsSync(dir)
    ? 0
    : Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
const oldest = (dir: string): number =>
  Math.min(Infinity, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? oldest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
const packages = readdirSync(join(ROOT, 'packages')).map((name) => join(ROOT, 'packages', name));
const stale = packages.filter((dir) => existsSync(join(dir, 'package.json')) && (!existsSync(join(dir, 'dist')) || oldest(join(dir, 'dist')) < newest(join(dir, 'src'))));
let built = true;
if (stale.length) {
  console.log(`building first (${stale.map((dir) => dir.slice(ROOT.length + 1)).join(', ')}: no build, or sources newer than it): pnpm build`);
  built = run(...pnpm(['build'])) === 0;
  if (!built) {
    console.log('benchmarks and sizes — not run: `pnpm build` failed (its errors are above).');
    failures.push('build');
  }
}
if (built) {
  section('core: settlement throughput (in-memory adapter)', bin('tsx'), ['--expose-gc', 'packages/core/bench/settlement.ts']);
  if (existsSync(join(ROOT, 'packages/supabase/bench/settlement.ts'))) {
    if (process.env.DATABASE_URL) {
      section('supabase: settlement on PostgreSQL', bin('tsx'), ['--expose-gc', 'packages/supabase/bench/settlement.ts']);
      if (SCALE) {
        section('supabase: settlement on PostgreSQL, 100,000 due', bin('tsx'), ['--expose-gc', 'packages/supabase/bench/settlement.ts'], {
          BENCH_SESSIONS: '100000',
          BENCH_SLOW: '0',
        });
        // Five rounds: each variant runs on a fresh 2.3 GB copy, and its time varies more than the others'.
        section('supabase: settlement on PostgreSQL, 10,000 due beside 1,000,000 upcoming + 1,000,000 final', bin('tsx'), ['--expose-gc', 'packages/supabase/bench/settlement.ts'], {
          BENCH_SESSIONS: '10000',
          BENCH_BACKGROUND: process.env.BENCH_BACKGROUND ?? '1000000',
          BENCH_ROUNDS: process.env.BENCH_ROUNDS ?? '5',
          BENCH_SLOW: '0',
        });
      }
      section('supabase: hot HTTP paths on PostgreSQL', bin('tsx'), ['packages/supabase/bench/http.ts']);
      section('supabase: payout run on PostgreSQL (after_review payouts due)', bin('tsx'), ['packages/supabase/bench/payouts.ts']);
      section('supabase: dispute routes on PostgreSQL (open, contest)', bin('tsx'), ['packages/supabase/bench/disputes-http.ts']);
      section('provider webhooks: acknowledgement latency on PostgreSQL', bin('tsx'), ['packages/supabase/bench/webhooks.ts']);
    } else console.log('\n### supabase: settlement, payouts, hot HTTP paths and dispute routes on PostgreSQL — not run (set DATABASE_URL)');
  }
  if (existsSync(join(ROOT, 'packages/react/bench/timers.ts'))) section('react: timers and renders', bin('tsx'), ['packages/react/bench/timers.ts']);

  section('demo: start time (README command to first page)', process.execPath, ['examples/demo/bench/start.mjs']);
}

console.log('\n### sizes (built packages)');
if (built && run(...pnpm(['size'])) !== 0) {
  console.log('sizes — at least one package is over its budget (figures above); `pnpm size` fails on that, the benchmark does not.');
}

if (failures.length) {
  console.log(`\nCould not run: ${failures.join('; ')}.`);
  process.exitCode = 1;
}
