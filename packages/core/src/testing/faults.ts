import {
  createSessionsCore,
  type Booking,
  type Session,
  type SessionPolicy,
  type SessionsCore,
  type SettlementOptions,
} from '@itutor/sessions-core';
import { addMinutes } from 'date-fns';
import { amountsForOutcome } from '../rules/money';
import { isFinalStatus } from '../rules/status';
import { createManualClock, type ManualClock } from './clock';
import { ContractViolation, type AdapterContractHarness, type AdapterContractOptions } from './contract';
import { createFakeVideoProvider, createRecordingPaymentGateway, type FakeChargeBehaviour, type RecordingPaymentGateway } from './fakes';
import { moneyAfterFaultCases } from './faults-money-after';
import { chargebackFaultCases } from './faults-chargebacks';

/**
 * The settlement fault suite: the core's services over your adapter, with a payment gateway that hangs,
 * throws, loses answers, answers nonsense and declines, and several settlement runs at once. It checks
 * the promises that matter for money: every due session settled once, at most one succeeded charge per
 * session, the gateway never charged twice for a session, ledger amounts equal the outcome amounts,
 * nothing left to collect without a lease. Run it next to the contract suite:
 *
 * ```ts
 * runSettlementFaultSuite({ name: 'my-db', test: { describe, it }, setup });
 * ```
 */
export interface SettlementFaultSuiteOptions extends AdapterContractOptions {
  /** Random rounds of the mixed-fault test. Default 8. */
  readonly rounds?: number;
  /** Sessions per round. Default 24. */
  readonly sessionsPerRound?: number;
  /** A seed for the random faults (the same seed gives the same faults). Default 20261125. */
  readonly seed?: number;
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractViolation(message);
}

/** A small deterministic random source (mulberry32), so a failing round can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START = new Date('2026-03-02T14:00:00.000Z');

/** The audit events that decide a session's outcome: exactly one per final session. */
const OUTCOME_EVENTS: readonly string[] = ['session.settled', 'session.no_show_marked', 'session.tutor_no_show_marked', 'session.cancelled'];
const FAST: SettlementOptions = { chargeTimeoutMs: 150, runBudgetMs: 20_000, chargeRetryMinutes: 5, batchSize: 7 };

interface World {
  readonly clock: ManualClock;
  readonly gateway: RecordingPaymentGateway;
  /** Separate cores over one adapter: like several cron workers. */
  readonly workers: SessionsCore[];
  readonly core: SessionsCore;
}

async function world(h: AdapterContractHarness, workers = 1, policy: Partial<SessionPolicy> = {}, settlement: SettlementOptions = FAST): Promise<World> {
  const clock = createManualClock(addMinutes(START, -24 * 60));
  const gateway = createRecordingPaymentGateway();
  const videoProvider = createFakeVideoProvider();
  const cores = Array.from({ length: workers }, () =>
    createSessionsCore({ adapter: h.adapter, videoProvider, paymentGateway: gateway, clock, policy, settlement }),
  );
  await cores[0]!.providers.connect({ tutorId: 'tutor-f', provider: 'zoom', tokens: null });
  return { clock, gateway, workers: cores, core: cores[0]! };
}

async function book(w: World, count: number, prefix: string, startAt = START): Promise<Session[]> {
  const made: Session[] = [];
  for (let i = 0; i < count; i++) {
    const booking: Booking = {
      bookingId: `${prefix}-${i}`,
      tutorId: 'tutor-f',
      studentId: `student-${prefix}-${i}`,
      scheduledStartAt: addMinutes(startAt, i),
      durationMinutes: 60,
      priceMinor: 1_001 + i * 997, // odd prices; even a no-show charges something
    };
    made.push((await w.core.sessions.create(booking)).session);
  }
  return made;
}

/** Checks the money invariants for `sessions` against storage, the ledger and the gateway. */
async function checkMoney(h: AdapterContractHarness, w: World, sessions: readonly Session[]): Promise<void> {
  const now = w.clock.now();
  for (const s of sessions) {
    const stored = await h.raw.session(s.id);
    check(stored !== null, `session ${s.bookingId} disappeared`);
    const events = await h.raw.events(s.id);
    const outcomeEvents = events.filter((e) => OUTCOME_EVENTS.includes(e.type));
    check(outcomeEvents.length <= 1, `${s.bookingId} settled ${outcomeEvents.length} times`);
    check(isFinalStatus(stored.status) === (outcomeEvents.length === 1), `${s.bookingId}: status ${stored.status} but ${outcomeEvents.length} outcome events`);
    if (isFinalStatus(stored.status)) {
      // Exactly the money the outcome says: the policy's amounts, or the tier the cancel fell in.
      const percent = outcomeEvents[0]!.payload.chargePercent;
      const expected =
        stored.status === 'CANCELLED' ? { chargeMinor: 0, payoutMinor: 0, feeMinor: 0 } : amountsForOutcome(stored.priceMinor, stored.status, w.core.policy, typeof percent === 'number' ? percent : undefined);
      check(
        stored.chargeAmountMinor === expected.chargeMinor && stored.payoutAmountMinor === expected.payoutMinor && stored.platformFeeMinor === expected.feeMinor,
        `${s.bookingId}: ${stored.status} stores ${stored.chargeAmountMinor}/${stored.payoutAmountMinor}/${stored.platformFeeMinor}, the rule says ${JSON.stringify(expected)}`,
      );
    }
    const ledger = await h.raw.charges(s.id);
    const succeeded = ledger.filter((a) => a.status === 'succeeded');
    check(succeeded.length <= 1, `${s.bookingId} has ${succeeded.length} succeeded attempts`);
    check((stored.chargeStatus === 'succeeded') === (succeeded.length === 1), `${s.bookingId}: summary ${stored.chargeStatus} disagrees with the ledger`);
    for (const a of ledger) {
      check(
        a.amountMinor === stored.chargeAmountMinor && a.payoutMinor === stored.payoutAmountMinor && a.feeMinor === stored.platformFeeMinor,
        `${s.bookingId} attempt ${a.attempt}: amounts differ from the outcome`,
      );
      check(a.amountMinor === a.payoutMinor + a.feeMinor, `${s.bookingId} attempt ${a.attempt}: charge ≠ payout + fee`);
    }
    check(new Set(ledger.map((a) => a.idempotencyKey)).size === ledger.length, `${s.bookingId}: a key was reused`);
    const taken = [...w.gateway.charges.values()].filter((i) => i.sessionId === s.id);
    check(taken.length <= 1, `the gateway took money ${taken.length} times for ${s.bookingId}`);
    if (stored.chargeStatus === 'succeeded') check(taken.length === 1, `${s.bookingId} is succeeded but the gateway took nothing`);
    if (stored.chargeStatus === 'pending') {
      check(stored.claimedUntil !== null && stored.claimedUntil.getTime() > now.getTime(), `${s.bookingId} is left to collect without a lease`);
    }
  }
}

/** Runs the settlement fault suite against an adapter. See {@link SettlementFaultSuiteOptions}. */
export function runSettlementFaultSuite(options: SettlementFaultSuiteOptions): void {
  const { describe, it } = options.test;
  const timeout = options.timeoutMs ?? 60_000;
  const t = (name: string, body: (h: AdapterContractHarness) => Promise<void>) =>
    it(
      name,
      async () => {
        const h = await options.setup();
        try {
          await body(h);
        } finally {
          await h.close?.();
        }
      },
      timeout,
    );

  describe(`money after the session, faults: ${options.name}`, () => {
    moneyAfterFaultCases(t, async (h, count, prefix) => {
      const w = await world(h, 2, { payoutTiming: 'after_review', reviewWindowMinutes: 60 });
      const sessions = await book(w, count, prefix);
      w.clock.set(addMinutes(START, count + 61));
      await w.core.settlement.run();
      for (const s of sessions) check((await h.raw.session(s.id))?.chargeStatus === 'succeeded', `${s.bookingId} is paid`);
      return { w, sessions, dueAt: addMinutes(START, count + 61 + 60) };
    });
  });

  describe(`chargebacks and payment recovery, faults: ${options.name}`, () => {
    chargebackFaultCases(t, async (h, count, prefix, { needsCustomer }) => {
      const w = await world(h, 2, { chargebackLossBearer: 'tutor' });
      const sessions = await book(w, count, prefix);
      w.clock.set(addMinutes(START, count + 61));
      if (needsCustomer) w.gateway.script(...Array.from({ length: count }, (): FakeChargeBehaviour => 'needs-customer'));
      await w.core.settlement.run();
      const wanted = needsCustomer ? 'awaiting_customer' : 'succeeded';
      for (const s of sessions) check((await h.raw.session(s.id))?.chargeStatus === wanted, `${s.bookingId} is ${wanted}`);
      return { w, sessions: await Promise.all(sessions.map(async (s) => (await h.raw.session(s.id))!)) };
    });
  });

  describe(`settlement faults: ${options.name}`, () => {
    t('a hanging gateway call holds up only its own session; the rest of the batch is recorded', async (h) => {
      const w = await world(h);
      const sessions = await book(w, 10, 'hang');
      w.clock.set(addMinutes(START, 120));
      w.gateway.script('succeed', 'succeed', 'hang', 'succeed');
      const began = Date.now();
      const report = await w.core.settlement.run();
      const took = Date.now() - began;
      check(report.completed === 10, `expected 10 settled, got ${report.completed}`);
      check(report.chargesSucceeded === 9 && report.chargesPending === 1, `expected 9 succeeded and 1 unknown, got ${JSON.stringify(report)}`);
      check(took < 10_000, `the run took ${took} ms with one hanging call (limit 150 ms per call)`);
      const hung = w.gateway.instructions[2]!;
      const ledger = await h.raw.charges(hung.sessionId);
      check(ledger.length === 1 && ledger[0]!.status === 'unknown' && ledger[0]!.failureCode === 'timeout', 'the hanging call counts as unknown');
      await checkMoney(h, w, sessions);
      w.clock.advance({ minutes: 5 });
      const retry = await w.core.settlement.run();
      check(retry.chargesSucceeded === 1, `the unknown charge is retried and succeeds, got ${JSON.stringify(retry)}`);
      const keys = w.gateway.instructions.filter((i) => i.sessionId === hung.sessionId).map((i) => i.idempotencyKey);
      check(keys.length === 2 && keys[0] === keys[1], 'an unknown answer is retried under the same key');
      await checkMoney(h, w, sessions);
    });

    t('a thrown call, a lost answer and unclassifiable answers are unknown for that session alone', async (h) => {
      const w = await world(h);
      const sessions = await book(w, 6, 'odd');
      w.clock.set(addMinutes(START, 120));
      w.gateway.script('throw', 'lose-response', 'malformed', 'processing', 'succeed', 'decline');
      const report = await w.core.settlement.run();
      check(
        report.completed === 6 && report.chargesSucceeded === 1 && report.chargesFailed === 1 && report.chargesPending === 4,
        `expected 1 succeeded, 1 declined, 4 unknown, got ${JSON.stringify(report)}`,
      );
      for (const s of sessions) check((await h.raw.session(s.id))?.status === 'COMPLETED_ASSUMED', 'every session is settled');
      await checkMoney(h, w, sessions);
      w.clock.advance({ minutes: 5 });
      const second = await w.core.settlement.run();
      check(second.chargesSucceeded === 5, `all but none succeed on the retry, got ${JSON.stringify(second)}`);
      const all = await Promise.all(sessions.map((s) => h.raw.session(s.id)));
      check(all.every((s) => s?.chargeStatus === 'succeeded'), 'every charge is collected in the end');
      await checkMoney(h, w, sessions);
    });

    t('a decline opens a new attempt with a new key that can succeed', async (h) => {
      const w = await world(h);
      const [s] = await book(w, 1, 'decline');
      w.clock.set(addMinutes(START, 120));
      w.gateway.script('decline', 'decline');
      await w.core.settlement.run();
      w.clock.advance({ minutes: 5 });
      await w.core.settlement.run();
      w.clock.advance({ minutes: 5 });
      await w.core.settlement.run();
      const ledger = await h.raw.charges(s!.id);
      check(
        ledger.map((a) => `${a.attempt}:${a.status}`).join() === '1:failed,2:failed,3:succeeded',
        `ledger was ${ledger.map((a) => `${a.attempt}:${a.status}`).join()}`,
      );
      check((await h.raw.session(s!.id))?.chargeStatus === 'succeeded', 'the third attempt collects the charge');
      await checkMoney(h, w, [s!]);
    });

    t('a halting gateway answer flags the attempt at once with its code, and the session is never sent again', async (h) => {
      const w = await world(h);
      const sessions = await book(w, 3, 'halt');
      w.clock.set(addMinutes(START, 120));
      w.gateway.script('succeed', 'halt', 'succeed');
      const report = await w.core.settlement.run();
      check(
        report.chargesSucceeded === 2 && report.chargesNeedingAttention === 1 && report.chargesFailed === 0,
        `expected 2 succeeded and 1 flagged, got ${JSON.stringify(report)}`,
      );
      const halted = w.gateway.instructions[1]!;
      const stored = await h.raw.session(halted.sessionId);
      check(stored?.chargeStatus === 'failed', `the halted charge is failed for good, got ${stored?.chargeStatus}`);
      check(stored.chargeIdempotencyKey === halted.idempotencyKey, 'the halted attempt keeps its key (a late answer can still be matched)');
      const ledger = await h.raw.charges(halted.sessionId);
      check(
        ledger.length === 1 && ledger[0]!.status === 'halted' && ledger[0]!.failureCode === 'IDEMPOTENCY_CONFLICT',
        `the ledger keeps the code: ${JSON.stringify(ledger.map((a) => [a.status, a.failureCode]))}`,
      );
      const flags = (await h.raw.events(halted.sessionId)).filter((e) => e.type === 'charge.needs_attention');
      check(
        flags.length === 1 && flags[0]!.payload.reason === 'gateway_halted' && flags[0]!.payload.code === 'IDEMPOTENCY_CONFLICT',
        `one needs_attention event with the code, got ${JSON.stringify(flags.map((e) => e.payload))}`,
      );
      const calls = w.gateway.instructions.length;
      for (let round = 0; round < 3; round++) {
        w.clock.advance({ minutes: 6 });
        await w.core.settlement.run();
      }
      check(w.gateway.instructions.length === calls, 'no call after the halt: neither under the same key nor under a new one');
      await checkMoney(h, w, sessions);
    });

    t('a run keeps to its time budget whatever the gateway does; what is left is taken by a later run', async (h) => {
      const w = await world(h, 1, {}, { chargeTimeoutMs: 200, runBudgetMs: 700, chargeConcurrency: 2, batchSize: 4, chargeRetryMinutes: 5 });
      const sessions = await book(w, 12, 'budget');
      w.clock.set(addMinutes(START, 120));
      w.gateway.script(...Array.from({ length: 12 }, (): FakeChargeBehaviour => 'hang'));
      const began = Date.now();
      const report = await w.core.settlement.run();
      const took = Date.now() - began;
      check(took < 700 + 200 + 1_000, `the run took ${took} ms, budget 700 ms`);
      check(report.chargesPending + report.chargesDeferred > 0, `expected unknown or deferred charges, got ${JSON.stringify(report)}`);
      await checkMoney(h, w, sessions);
      for (let round = 0; round < 30; round++) {
        w.clock.advance({ minutes: 6 });
        await w.core.settlement.run();
      }
      const all = await Promise.all(sessions.map((s) => h.raw.session(s.id)));
      check(all.every((s) => s?.status === 'COMPLETED_ASSUMED' && s.chargeStatus === 'succeeded'), 'later runs settle and collect everything');
      await checkMoney(h, w, sessions);
    });

    t('a no-show whose charge hangs answers the tutor within the call limit; the cron completes it', async (h) => {
      const w = await world(h);
      const [s] = await book(w, 1, 'noshow');
      w.clock.set(addMinutes(START, 19));
      w.gateway.script('hang');
      await w.core.sessions.join({ sessionId: s!.id, userId: 'tutor-f' }); // the presence rule: the tutor is there
      const began = Date.now();
      const marked = await w.core.sessions.markNoShow({ sessionId: s!.id, userId: 'tutor-f' });
      check(Date.now() - began < 5_000, 'the no-show must answer within the call limit');
      check(marked.status === 'NO_SHOW_STUDENT' && marked.chargeStatus === 'pending', 'the no-show is recorded with its charge to collect');
      w.clock.advance({ minutes: 6 });
      await w.core.settlement.run();
      check((await h.raw.session(s!.id))?.chargeStatus === 'succeeded', 'the cron collects it');
      await checkMoney(h, w, [s!]);
    });

    t('a late cancellation whose charge hangs answers within the call limit; the cron collects exactly the tier, once', async (h) => {
      const w = await world(h);
      const [s] = await book(w, 1, 'late');
      w.clock.set(addMinutes(START, -90));
      w.gateway.script('hang');
      const began = Date.now();
      const cancelled = await w.core.sessions.cancel({ sessionId: s!.id, userId: s!.studentId, by: 'student', expectedChargeMinor: Math.floor(s!.priceMinor / 2) });
      check(Date.now() - began < 5_000, 'the cancel must answer within the call limit');
      check(cancelled.status === 'CANCELLED_LATE' && cancelled.chargeStatus === 'pending', 'the late cancel is recorded with its fee to collect');
      await checkMoney(h, w, [s!]);
      w.clock.advance({ minutes: 6 });
      await w.core.settlement.run();
      const stored = await h.raw.session(s!.id);
      check(stored?.chargeStatus === 'succeeded' && stored.chargeAmountMinor === Math.floor(s!.priceMinor / 2), 'the cron collects the fee');
      await checkMoney(h, w, [s!]);
    });

    t('before the start: racing cancels (student and tutor) and reschedules end in one state; a fee at most once', async (h) => {
      const w = await world(h, 2, { rescheduleMinNoticeMinutes: 60 });
      const sessions = await book(w, 12, 'pre');
      w.clock.set(addMinutes(START, -90));
      await Promise.all(
        sessions.map((s, i) => {
          const later = (d: number) => addMinutes(s.scheduledStartAt, d * 24 * 60);
          const actions = [
            () => w.workers[0]!.sessions.cancel({ sessionId: s.id, userId: s.studentId, by: 'student' }),
            () => w.workers[1]!.sessions.reschedule({ sessionId: s.id, userId: 'tutor-f', by: 'tutor', startAt: later(1) }),
            () => w.workers[0]!.sessions.reschedule({ sessionId: s.id, userId: s.studentId, by: 'student', startAt: later(2) }),
            () => w.workers[1]!.sessions.join({ sessionId: s.id, userId: s.studentId }),
            ...(i % 3 === 0 ? [() => w.workers[1]!.sessions.cancel({ sessionId: s.id, userId: 'tutor-f', by: 'tutor' })] : []),
          ];
          return Promise.allSettled(actions.map((act) => act()));
        }),
      );
      for (const s of sessions) {
        const stored = await h.raw.session(s.id);
        check(stored !== null, 'the session is there');
        const moves = (await h.raw.events(s.id)).filter((e) => e.type === 'session.rescheduled');
        if (stored.status === 'CANCELLED_LATE') {
          check(stored.cancelledBy === 'student' && stored.scheduledStartAt.getTime() === s.scheduledStartAt.getTime(), `${s.bookingId}: a late fee only for a cancel of the session as it was`);
        } else if (!isFinalStatus(stored.status)) {
          check(moves.length >= 1 && stored.scheduledStartAt.getTime() === Date.parse(String(moves.at(-1)!.payload.startAt)), `${s.bookingId}: moved, and stored where the last move says`);
        }
      }
      // The fees still to collect are collected; nothing twice.
      w.clock.advance({ minutes: 6 });
      await Promise.all(w.workers.map((core) => core.settlement.run()));
      await checkMoney(h, w, sessions);
    });

    t('after the wait: racing absence reports of both sides, late joins and settlement runs → one outcome each, money exactly as it says', async (h) => {
      const w = await world(h, 2);
      const sessions = await book(w, 12, 'ends');
      for (const s of sessions) {
        // Both came only after the wait: each may report the other absent (both present, neither in time).
        w.clock.set(addMinutes(s.noShowEligibleAt, 1));
        await w.core.sessions.join({ sessionId: s.id, userId: 'tutor-f' });
        await w.core.sessions.join({ sessionId: s.id, userId: s.studentId });
      }
      w.clock.set(addMinutes(START, 12 + 60 + 1)); // every session is also due
      w.gateway.script(...Array.from({ length: 24 }, (_, i) => (['succeed', 'lose-response', 'hang', 'decline'] as const)[i % 4]!));
      await Promise.all([
        ...sessions.flatMap((s) => [
          w.workers[0]!.sessions.markNoShow({ sessionId: s.id, userId: 'tutor-f' }).catch(() => null),
          w.workers[1]!.sessions.reportTutorAbsent({ sessionId: s.id, userId: s.studentId }).catch(() => null),
          w.workers[0]!.sessions.join({ sessionId: s.id, userId: s.studentId }).catch(() => null),
          w.workers[1]!.sessions.cancel({ sessionId: s.id, userId: s.studentId, by: 'student' }).catch(() => null),
        ]),
        ...w.workers.map((core) => core.settlement.run()),
      ]);
      await checkMoney(h, w, sessions);
      w.gateway.clearScript();
      for (let tick = 0; tick < 4; tick++) {
        w.clock.advance({ minutes: 6 });
        await Promise.all(w.workers.map((core) => core.settlement.run()));
      }
      for (const s of sessions) {
        const stored = await h.raw.session(s.id);
        check(
          stored !== null && ['NO_SHOW_STUDENT', 'NO_SHOW_TUTOR', 'COMPLETED_ASSUMED'].includes(stored.status),
          `${s.bookingId}: one of the three outcomes, got ${stored?.status}`,
        );
        check(stored.chargeStatus === (stored.status === 'NO_SHOW_TUTOR' ? 'none' : 'succeeded'), `${s.bookingId}: ${stored.status} with charge ${stored.chargeStatus}`);
      }
      await checkMoney(h, w, sessions);
    });

    t('random gateway faults and concurrent runs: each session settled once, money taken at most once', async (h) => {
      const rounds = options.rounds ?? 8;
      const perRound = options.sessionsPerRound ?? 24;
      const next = random(options.seed ?? 20261125);
      const faults: FakeChargeBehaviour[] = ['succeed', 'succeed', 'decline', 'lose-response', 'throw', 'hang', 'processing', 'malformed'];
      const w = await world(h, 3, { maxChargeAttempts: 4 });
      const all: Session[] = [];
      for (let round = 0; round < rounds; round++) {
        const startAt = addMinutes(START, round * 24 * 60);
        w.clock.set(addMinutes(startAt, -60));
        const sessions = await book(w, perRound, `mix-${round}`, startAt);
        all.push(...sessions);
        w.clock.set(addMinutes(startAt, perRound + 60));
        // Some no-shows race the runs.
        const noShows = sessions.filter(() => next() < 0.2);
        for (let tick = 0; tick < 12; tick++) {
          w.gateway.script(...Array.from({ length: perRound }, () => faults[Math.floor(next() * faults.length)]!));
          const runs = w.workers.map((core) => core.settlement.run());
          // The tutor joins (the presence rule) and marks the absent student at once.
          const marks =
            tick === 0
              ? noShows.map((s) =>
                  w.core.sessions
                    .join({ sessionId: s.id, userId: 'tutor-f' })
                    .then(() => w.core.sessions.markNoShow({ sessionId: s.id, userId: 'tutor-f' }))
                    .catch(() => null),
                )
              : [];
          await Promise.all([...runs, ...marks]);
          await checkMoney(h, w, sessions);
          w.clock.advance({ minutes: 6 });
        }
        // Then the gateway recovers: everything not failed for good is collected.
        w.gateway.clearScript();
        for (let tick = 0; tick < 6; tick++) {
          await Promise.all(w.workers.map((core) => core.settlement.run()));
          w.clock.advance({ minutes: 6 });
        }
        for (const s of sessions) {
          const stored = await h.raw.session(s.id);
          check(stored !== null && (stored.status === 'COMPLETED_ASSUMED' || stored.status === 'NO_SHOW_STUDENT'), `${s.bookingId} not settled`);
          check(stored.chargeStatus === 'succeeded' || stored.chargeStatus === 'failed', `${s.bookingId} still ${stored.chargeStatus}`);
        }
      }
      await checkMoney(h, w, all);
    });
  });
}
