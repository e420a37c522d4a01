/**
 * Demo start time: from invoking the README's `npx -y pnpm@10 demo` (on an installed tree) until the
 * first page answers 200, and until the demo is ready (its state answers). Also the parts: the npx +
 * pnpm launcher alone, and `node examples/demo/start.mjs` alone. Goal: first page in under 5 s.
 * Prints figures and never fails on one (the machines here are shared: the load average is printed).
 *
 *   node examples/demo/bench/start.mjs [runs]      (part of `pnpm bench`)
 */
import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const RUNS = Number(process.argv[2] ?? 3);
const GOAL_MS = 5000;

// A shell's environment: without the npm_* variables of the `pnpm bench` that runs this file, which
// npm would warn about ("Unknown env config") and a person typing the command does not have.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function waitFor200(url, child, deadline) {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    if (performance.now() > deadline) throw new Error('no answer within 60 s');
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
}

/** One start: ms to the first page and to the state, from spawning `command`. */
async function measureStart(command, args) {
  const started = performance.now();
  const child = spawn(command, args, { cwd: ROOT, env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const deadline = started + 60_000;
  try {
    let url;
    while (!(url = /open (http:\/\/\S+)/.exec(output)?.[1])) {
      if (child.exitCode !== null || performance.now() > deadline) throw new Error(`no URL printed:\n${output}`);
      await sleep(5);
    }
    await waitFor200(url, child, deadline);
    const page = performance.now() - started;
    await waitFor200(`${url}/demo/state`, child, deadline);
    const ready = performance.now() - started;
    return { page, ready, warnings: /npm warn/i.test(output) };
  } finally {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((done) => (child.exitCode !== null ? done() : child.once('exit', done)));
  }
}

function measureLauncher() {
  const started = performance.now();
  const result = spawnSync('npx', ['-y', 'pnpm@10', '--version'], { cwd: ROOT, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return performance.now() - started;
}

const fmt = (ms) => `${Math.round(ms)} ms`.padStart(8);
console.log(`demo start time, median of ${RUNS} (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on this machine):`);

const direct = [];
for (let i = 0; i < RUNS; i++) direct.push(await measureStart(process.execPath, [join(ROOT, 'examples/demo/start.mjs')]));
const launcher = [];
for (let i = 0; i < RUNS; i++) launcher.push(measureLauncher());
const readme = [];
for (let i = 0; i < RUNS; i++) readme.push(await measureStart('npx', ['-y', 'pnpm@10', 'demo']));

const page = median(readme.map((r) => r.page));
console.log(`  npx -y pnpm@10 demo → first page:  ${fmt(page)}  (goal < ${GOAL_MS} ms: ${page < GOAL_MS ? 'met' : 'missed'})`);
console.log(`  npx -y pnpm@10 demo → demo ready:  ${fmt(median(readme.map((r) => r.ready)))}`);
console.log(`  of which npx + pnpm start-up:      ${fmt(median(launcher))}  (npx -y pnpm@10 --version)`);
console.log(`  node start.mjs → first page:       ${fmt(median(direct.map((r) => r.page)))}`);
console.log(`  node start.mjs → demo ready:       ${fmt(median(direct.map((r) => r.ready)))}  (bundles cached, database from its snapshot)`);
if (readme.some((r) => r.warnings)) console.log('  note: npm printed warnings during start-up');
