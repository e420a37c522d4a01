/**
 * Timers and renders of the shared clock: 200 mounted buttons over 10 simulated minutes, in jsdom.
 *
 *   npx tsx packages/react/bench/timers.ts
 *
 * Prints the timers created (goal: 1 for all buttons) and, per button, the renders compared with the
 * number of times its visible text changed (goal: equal — a button renders only when what it shows changes).
 */
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body><main id="root"></main></body></html>', { pretendToBeVisual: true });
const g = globalThis as Record<string, unknown>;
for (const key of ['window', 'document', 'navigator', 'HTMLElement', 'Node', 'Element', 'Event', 'MutationObserver', 'getComputedStyle']) {
  if (!(key in g) || key === 'navigator') Object.defineProperty(g, key, { value: (dom.window as unknown as Record<string, unknown>)[key], configurable: true, writable: true });
}
g.IS_REACT_ACT_ENVIRONMENT = true;

// Count every timer created from here on; keep the interval callbacks so the simulation can fire them.
const counts = { setInterval: 0, setTimeout: 0 };
const intervals = new Map<number, () => void>();
const realSetTimeout = globalThis.setTimeout;
let nextId = 1;
g.setInterval = ((callback: () => void) => {
  counts.setInterval += 1;
  const id = nextId++;
  intervals.set(id, callback);
  return id;
}) as unknown;
g.clearInterval = ((id: number) => void intervals.delete(id)) as unknown;
g.setTimeout = ((callback: () => void, ms?: number) => {
  counts.setTimeout += 1;
  return realSetTimeout(callback, ms);
}) as unknown;

const { act, createElement: h, Profiler } = await import('react');
const { createRoot } = await import('react-dom/client');
const { DEFAULT_POLICY, computeSessionTimings, toSessionJson } = await import('@itutor/sessions-core/rules');
const { MarkNoShowButton, SessionClockProvider, SessionJoinButton } = await import('../src/index');

const START = Date.parse('2026-01-15T15:00:00.000Z');
const BUTTONS = 200;
const SECONDS = 10 * 60;
let now = START - 8 * 60_000; // Join opens 3 minutes in; the sessions start 8 minutes in.

const session = (i: number) =>
  toSessionJson({
    id: `session-${i}`, bookingId: `b-${i}`, tutorId: 't', studentId: 's', status: 'SCHEDULED', version: 1,
    ...computeSessionTimings(new Date(START + (i % 10) * 1000), 60),
    priceMinor: 15_000, currency: 'TTD', payoutTiming: 'with_charge', provider: 'zoom', studentJoinedAt: null, tutorJoinedAt: null,
    meetingEndedAt: null, finalizedAt: null, cancelledBy: null, chargeAmountMinor: null, payoutAmountMinor: null,
    platformFeeMinor: null, chargeStatus: 'none', chargeAttempts: 0, createdAt: new Date(START), updatedAt: new Date(START),
  }, { policy: DEFAULT_POLICY });

const renders = new Array<number>(BUTTONS).fill(0);
const buttons = Array.from({ length: BUTTONS }, (_, i) => {
  const props = { session: session(i), role: i % 4 === 0 ? ('student' as const) : ('tutor' as const) };
  const button = i < BUTTONS / 2 ? h(SessionJoinButton, props) : h(MarkNoShowButton, { ...props, role: 'tutor' as const });
  return h('div', { key: i, 'data-bench': i }, h(Profiler, { id: String(i), onRender: () => void renders[i]!++ }, button));
});

const container = document.getElementById('root')!;
const root = createRoot(container);
act(() => root.render(h(SessionClockProvider, { now: () => now }, ...buttons)));

const cells = [...container.querySelectorAll<HTMLElement>('[data-bench]')];
const texts = cells.map((cell) => cell.textContent);
const changes = new Array<number>(BUTTONS).fill(0);
const afterMount = [...renders];

for (let s = 0; s < SECONDS; s++) {
  now += 1000;
  act(() => intervals.forEach((tick) => tick()));
  cells.forEach((cell, i) => {
    if (cell.textContent !== texts[i]) {
      texts[i] = cell.textContent;
      changes[i]! += 1;
    }
  });
}
act(() => root.unmount());

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
// Renders while time passed (after mount: Radix's Portal renders twice on mount, whatever the clock does).
const tickRenders = renders.map((r, i) => r - afterMount[i]!);
const mismatched = tickRenders.filter((r, i) => r !== changes[i]).length;
console.log(`buttons mounted:            ${BUTTONS} (${BUTTONS / 2} SessionJoinButton, ${BUTTONS / 2} MarkNoShowButton)`);
console.log(`simulated time:             ${SECONDS} s (1 tick per second)`);
console.log(`timers created:             ${counts.setInterval} setInterval, ${counts.setTimeout} setTimeout (goal: 1 in all)`);
console.log(`intervals still running:    ${intervals.size} (after unmount)`);
console.log(`renders per button on mount: ${(sum(afterMount) / BUTTONS).toFixed(1)} avg`);
console.log(`renders per button, 10 min: ${(sum(tickRenders) / BUTTONS).toFixed(1)} avg (${sum(tickRenders)} in all)`);
console.log(`visible text changes:       ${(sum(changes) / BUTTONS).toFixed(1)} avg per button (${sum(changes)} in all)`);
console.log(`ticks delivered:            ${SECONDS} × ${BUTTONS} = ${SECONDS * BUTTONS} subscriber notifications`);
console.log(`buttons with renders ≠ text changes: ${mismatched}`);
if (counts.setInterval + counts.setTimeout !== 1 || mismatched > 0) process.exitCode = 1;
