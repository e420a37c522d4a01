/**
 * `pnpm bench`: runs every benchmark of the workspace and prints its figures. Benchmarks never fail on
 * a figure (machines here are shared and noisy); size budgets are enforced separately by `pnpm size`.
 * Benchmarks that need the PostgreSQL server run only when DATABASE_URL is set.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const run = (title: string, command: string, args: string[]) => {
  console.log(`\n### ${title}`);
  execFileSync(command, args, { stdio: 'inherit' });
};

run('core: settlement throughput (in-memory adapter)', 'npx', ['tsx', 'packages/core/bench/settlement.ts']);
if (existsSync('packages/supabase/bench/settlement.ts')) {
  if (process.env.DATABASE_URL) run('supabase: settlement on PostgreSQL', 'npx', ['tsx', 'packages/supabase/bench/settlement.ts']);
  else console.log('\n### supabase: settlement on PostgreSQL — not run (set DATABASE_URL)');
}
if (existsSync('packages/react/bench/timers.ts')) run('react: timers and renders', 'npx', ['tsx', 'packages/react/bench/timers.ts']);
console.log('\n### sizes (built packages; run `pnpm build` first)');
execFileSync('npx', ['-y', 'pnpm@10', '-s', 'size'], { stdio: 'inherit' });
