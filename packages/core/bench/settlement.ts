/**
 * Settlement throughput on the in-memory adapter: 10,000 due sessions settled by one
 * `settleDueSessions()` run (claims, state machine, batched compare-and-set, charges through a recording
 * gateway), against a floor measured in the same run: the state machine alone over the same sessions.
 * Prints figures; it asserts nothing (machines here are shared and noisy — read the ratio).
 *
 *   npx tsx packages/core/bench/settlement.ts
 */
import { addMinutes } from 'date-fns';
import { performance } from 'node:perf_hooks';
import { createSessionsCore, transition } from '@itutor/sessions-core';
import {
  buildSession,
  createFakeVideoProvider,
  createInMemoryAdapter,
  createManualClock,
  createRecordingPaymentGateway,
} from '@itutor/sessions-core/testing';

const COUNT = 10_000;
const START = new Date('2026-06-01T08:00:00.000Z');
const sessions = Array.from({ length: COUNT }, (_, i) =>
  buildSession({ id: `bench-${i}`, bookingId: `bench-booking-${i}`, scheduledStartAt: addMinutes(START, i % 480) }),
);
const now = addMinutes(START, 24 * 60);

async function settleOnce(): Promise<number> {
  const clock = createManualClock(now);
  const adapter = createInMemoryAdapter({ clock });
  for (const s of sessions) await adapter.sessions.insert(s, []);
  const gateway = createRecordingPaymentGateway();
  const core = createSessionsCore({ adapter, videoProvider: createFakeVideoProvider(), paymentGateway: gateway, clock });
  const t0 = performance.now();
  const report = await core.settleDueSessions();
  const elapsed = performance.now() - t0;
  if (report.completed !== COUNT || gateway.instructions.length !== COUNT) {
    throw new Error(`bench: settled ${report.completed} and charged ${gateway.instructions.length}, expected ${COUNT}`);
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
