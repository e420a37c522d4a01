/**
 * Settlement throughput on the in-memory adapter: 10,000 due sessions settled by one
 * `core.settlement.run()` run (claims, state machine, batched compare-and-set, charges through a recording
 * gateway), against a floor measured in the same run: the state machine alone over the same sessions.
 * Then linearity: µs per settled session with 1,000 and with 50,000 due sessions (goal: within 1.2×),
 * each on a fresh adapter, rounds rotated. A 1,000-due run takes about 40 ms, so one pause of the
 * machine moves it by half: each round takes the median of 15 such runs (15,000 sessions, a third of
 * one 50,000 run). Every timed run starts after a full garbage collection when `--expose-gc` is given
 * (as `pnpm bench` does), so no run pays for the garbage of the one before. Prints figures; it never
 * fails on one (machines here are shared and noisy — read the ratios).
 *
 *   npx tsx --expose-gc packages/core/bench/settlement.ts
 */
import { addMinutes } from 'date-fns';
import { performance } from 'node:perf_hooks';
import { createSessionsCore, type PaymentGateway } from '@itutor/sessions-core';
import { transition } from '@itutor/sessions-core/adapter';
import {
  buildSession,
  createFakeVideoProvider,
  createInMemoryAdapter,
  createManualClock,
} from '@itutor/sessions-core/testing';

const COUNT = 10_000;
const START = new Date('2026-06-01T08:00:00.000Z');
const sessions = Array.from({ length: COUNT }, (_, i) =>
  buildSession({ id: `bench-${i}`, bookingId: `bench-booking-${i}`, scheduledStartAt: addMinutes(START, i % 480) }),
);
const now = addMinutes(START, 24 * 60);

/** A full collection before a timed run (only with `--expose-gc`): the run then pays for its own garbage only. */
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function settleOnce(list = sessions): Promise<number> {
  const COUNT = list.length;
  const clock = createManualClock(now);
  const adapter = createInMemoryAdapter({ clock });
  for (const s of list) await adapter.sessions.insert(s, []);
  // A gateway that only counts: the recording fake keeps every instruction three ways, which would put
  // the fake's own memory, not the adapter's, into the linearity figure.
  let calls = 0;
  const gateway: PaymentGateway = {
    async charge(instruction) {
      calls++;
      return { status: 'succeeded', reference: `ch_${instruction.attempt}` };
    },
  };
  const core = createSessionsCore({ adapter, videoProvider: createFakeVideoProvider(), paymentGateway: gateway, clock });
  collectGarbage();
  const t0 = performance.now();
  const report = await core.settlement.run();
  const elapsed = performance.now() - t0;
  if (report.completed !== COUNT || calls !== COUNT || report.chargesSucceeded !== COUNT) {
    throw new Error(`bench: settled ${report.completed} and charged ${calls}, expected ${COUNT}`);
  }
  return elapsed;
}

function floorOnce(): number {
  const t0 = performance.now();
  let settled = 0;
  for (const s of sessions) if (transition(s, { type: 'SETTLE' }, now).ok) settled++;
  if (settled !== COUNT) throw new Error('bench: floor did not settle every session');
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const runs = 5;
const settle: number[] = [];
const floor: number[] = [];
await settleOnce(); // warm-up
floorOnce();
for (let i = 0; i < runs; i++) {
  settle.push(await settleOnce());
  floor.push(floorOnce());
}
const perSecond = (ms: number) => Math.round((COUNT / ms) * 1000);
console.log(`core settlement (in-memory adapter), ${COUNT} due sessions, median of ${runs}:`);
console.log(`  settleDueSessions: ${median(settle).toFixed(1)} ms  → ${perSecond(median(settle)).toLocaleString('en-US')} sessions/s`);
console.log(`  state machine only (floor): ${median(floor).toFixed(1)} ms → ${perSecond(median(floor)).toLocaleString('en-US')} sessions/s`);
console.log(`  ratio to floor: ${(median(floor) / median(settle)).toFixed(3)}`);

// Linearity: the cost per session must not grow with the number due.
const make = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    buildSession({ id: `lin-${count}-${i}`, bookingId: `lin-${count}-${i}`, scheduledStartAt: addMinutes(START, i % 480) }),
  );
const sizes = [1_000, 50_000];
/** Runs per round: the 1,000-due run is short enough for one pause to swing it, so it is repeated. */
const repeats = new Map([
  [1_000, 15],
  [50_000, 1],
]);
const rounds = 5;
const lists = new Map(sizes.map((n) => [n, make(n)]));
const perSession = new Map<number, number[]>(sizes.map((n) => [n, []]));
for (let i = 0; i < 3; i++) await settleOnce(lists.get(1_000)); // warm-up
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? sizes : [...sizes].reverse();
  for (const n of order) {
    const runs: number[] = [];
    for (let r = 0; r < repeats.get(n)!; r++) runs.push(((await settleOnce(lists.get(n))) * 1000) / n);
    perSession.get(n)!.push(median(runs));
  }
}
const min = (xs: number[]) => Math.min(...xs);
const small = median(perSession.get(1_000)!);
const large = median(perSession.get(50_000)!);
const growth = large / small;
const gcNote = (globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: runs may pay for earlier garbage)';
console.log(`linearity (in-memory adapter), ${rounds} rotated rounds (1,000 due: median of ${repeats.get(1_000)} runs per round)${gcNote}:`);
console.log(`  1,000 due: min ${min(perSession.get(1_000)!).toFixed(2)} / median ${small.toFixed(2)} µs/session`);
console.log(`  50,000 due: min ${min(perSession.get(50_000)!).toFixed(2)} / median ${large.toFixed(2)} µs/session`);
console.log(`  growth ${growth.toFixed(2)}× of medians, ${(min(perSession.get(50_000)!) / min(perSession.get(1_000)!)).toFixed(2)}× of minimums (goal ≤ 1.20×: ${growth <= 1.2 ? 'met' : 'MISSED'})`);
