/**
 * The README's demo command, literally, as a newcomer runs it: `npx -y pnpm@10 demo` in this checkout.
 * Waits until it prints its URL, fetches the page, the demo's state (the sessions from the database)
 * and one of the SDK's HTTP routes (`GET /api/sessions/{id}/attendance`, as the session's tutor), then
 * stops it with Ctrl+C (SIGINT) and checks that it let go of the port. CI runs it on the unbuilt tree,
 * before any build step (.ci/run). Exit 1 with what went wrong.
 *
 *   node scripts/check-demo-command.mjs
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STARTUP_MS = 180_000; // the very first start bundles and migrates (10–20 s), after npx fetched pnpm

let output = '';
// Its own process group, so Ctrl+C reaches npx, pnpm and the demo's node alike.
const child = spawn('npx', ['-y', 'pnpm@10', 'demo'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
child.stdout.on('data', (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
child.stderr.on('data', (chunk) => {
  output += chunk;
  process.stderr.write(chunk);
});
const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

const fail = async (message) => {
  console.error(`\npnpm demo: ${message}`);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {}
  process.exit(1);
};

async function waitFor(pattern, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const match = pattern.exec(output);
    if (match) return match;
    if (child.exitCode !== null) await fail(`exited (${child.exitCode}) before printing ${pattern}`);
    if (Date.now() > deadline) await fail(`did not print ${pattern} within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function get(url, init) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  const body = await response.text();
  if (response.status !== 200) await fail(`GET ${url} answered ${response.status}: ${body.slice(0, 500)}`);
  return body;
}

const started = Date.now();
const [, url] = await waitFor(/open (http:\/\/\S+)/, STARTUP_MS);
console.log(`\n[check] the URL after ${((Date.now() - started) / 1000).toFixed(1)} s: ${url}`);

const page = await get(url);
if (!page.includes('__DEMO_BOOT__') || !page.includes('data-testid="simulated-time"')) await fail('the page is not the demo');

// Answered once the database is up and seeded (the request waits for it).
const state = JSON.parse(await get(`${url}/demo/state`));
if (!Array.isArray(state.sessions) || state.sessions.length === 0) await fail('the state lists no bookings');
const session = state.sessions.find((row) => row.session)?.session;
if (!session) await fail('no booking has a session');
console.log(`[check] /demo/state: ${state.sessions.length} bookings, ${state.sessions.filter((row) => row.session).length} with sessions`);

// The SDK's own route, as the session's tutor (the demo's sign-in is the x-demo-user header).
const attendance = JSON.parse(await get(`${url}/api/sessions/${session.id}/attendance`, { headers: { 'x-demo-user': session.tutorId } }));
if (!Array.isArray(attendance.entries) || typeof attendance.summary !== 'object') await fail(`unexpected attendance answer: ${JSON.stringify(attendance)}`);
console.log(`[check] GET /api/sessions/${session.id}/attendance as ${session.tutorId}: 200, ${attendance.entries.length} entries`);

process.kill(-child.pid, 'SIGINT');
const stopped = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(null), 15_000))]);
if (!stopped) await fail('did not stop within 15 s of Ctrl+C');
const after = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
  () => 'still answers',
  () => 'closed',
);
if (after !== 'closed') await fail(`${url} still answers after Ctrl+C`);
console.log(`[check] stopped by Ctrl+C (${stopped.signal ?? `exit ${stopped.code}`}); the port is free again`);
