/**
 * Settlement throughput on the in-memory adapter: 10,000 due sessions settled by one
 * `settleDueSessions()` run (claims, state machine, batched compare-and-set, charges through a recording
 * gateway), against a floor measured in the same run: the state machine alone over the same sessions.
 * Then linearity: µs per settled session with 1,000 and with 50,000 due sessions (goal: within 1.2×),
 * each on a fresh adapter, rounds rotated. Prints figures; it never fails on one (machines here are
 * shared and noisy — read the ratios).
 *
 *   npx tsx packages/core/bench/settlement.ts
 */
import { addMinutes } from 'date-fns';
import { performance } from 'node:perf_hooks';
import { createSessionsCore, transition, type PaymentGateway } from '@itutor/sessions-core';
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
  const t0 = performance.now();
  const report = await core.settleDueSessions();
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
const lists = new Map(sizes.map((n) => [n, make(n)]));
const perSession = new Map<number, number[]>(sizes.map((n) => [n, []]));
await settleOnce(lists.get(1_000)); // warm-up
for (let round = 0; round < 3; round++) {
  const order = round % 2 === 0 ? sizes : [...sizes].reverse();
  for (const n of order) perSession.get(n)!.push(((await settleOnce(lists.get(n))) * 1000) / n);
}
const small = median(perSession.get(1_000)!);
const large = median(perSession.get(50_000)!);
const growth = large / small;
console.log(`linearity (in-memory adapter), median of 3 rotated rounds:`);
console.log(`  1,000 due: ${small.toFixed(2)} µs/session; 50,000 due: ${large.toFixed(2)} µs/session`);
console.log(`  growth ${growth.toFixed(2)}× (goal ≤ 1.20×: ${growth <= 1.2 ? 'met' : 'MISSED'})`);
