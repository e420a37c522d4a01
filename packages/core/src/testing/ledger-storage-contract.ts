import {
  decideChargeAnswer,
  transition,
  type ChargeAnswer,
  type SessionWrite,
  type TransitionResult,
} from '@itutor/sessions-core/adapter';
import { DEFAULT_POLICY, type ChargeAttempt, type Session } from '@itutor/sessions-core';
import { addMinutes } from 'date-fns';
import { buildSession } from './builders';
import type { AdapterContractHarness } from './contract';

/** What the main suite lends the ledger storage cases. */
export interface LedgerStorageCaseKit {
  readonly t: (name: string, body: (h: AdapterContractHarness) => Promise<void>) => void;
  readonly check: (condition: unknown, message: string) => void;
  readonly insert: (h: AdapterContractHarness, s: Session) => Promise<Session>;
  readonly uuid: (n: number) => string;
  readonly start: Date;
}

/** The SDK's key of a ledger attempt (core `chargeIdempotencyKey`; SQL storage pins this form). */
const chargeIdempotencyKey = (sessionId: string, outcome: string, attempt: number) => `itutor-session-${sessionId}-${outcome}-${attempt}`;

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** Every field of an attempt, in a fixed order (instants as ISO text), for exact comparisons. */
const attemptText = (a: ChargeAttempt | undefined) =>
  a === undefined
    ? 'none'
    : JSON.stringify([
        a.sessionId, a.attempt, a.idempotencyKey, a.outcome, a.amountMinor, a.payoutMinor, a.feeMinor, a.currency,
        a.status, a.gatewayReference, a.failureCode, a.calls, iso(a.requestedAt), iso(a.answeredAt),
      ]);

/** The charge summary of a session, in a fixed order. */
const summaryText = (s: Session | null) =>
  s === null ? 'none' : JSON.stringify([s.version, s.chargeStatus, s.chargeIdempotencyKey, s.chargeAttempts, s.chargeReference]);

/**
 * The adapter contract's cases for the record of money taken (the charge ledger's storage rules, issue
 * #20): a succeeded, declined or halted attempt never changes; an open attempt only moves forward, never
 * changes its key, outcome, amounts, currency or requested time, and never loses or replaces a stored
 * reference; no attempt is opened for a session whose ledger holds a success; the charge summary of a
 * paid session never changes, and a session whose ledger holds a success never goes back to asking for
 * money; a late success is stored as one more, already succeeded, row. Each rule is checked through the
 * adapter (`applyWrites`: refused with `null` or an error, nothing stored) and, bypassing it, through the
 * raw reader's `tryWriteCharge` / `tryWriteChargeSummary` — each case first proves the raw helper stores a
 * change that is allowed (a positive control), so a helper that always answers "refused" fails.
 */
export function ledgerStorageContractCases(kit: LedgerStorageCaseKit): void {
  const { t, check, insert, uuid, start } = kit;

  const write = (from: Session, result: TransitionResult): SessionWrite => {
    check(result.ok, `transition refused: ${result.ok ? '' : result.error.message}`);
    if (!result.ok) throw new Error('unreachable');
    return { expectedVersion: from.version, next: result.session, events: result.events, ledger: result.ledger };
  };
  const answer = (s: Session, result: ChargeAnswer, at: Date) =>
    transition(s, { type: 'RECORD_CHARGE_RESULT', attempt: s.chargeAttempts, result }, at);

  /** A session settled at its end (charge 15 000 TTD, attempt 1 open); the stored session. */
  const settled = async (h: AdapterContractHarness, n: number) => {
    const s = await insert(h, buildSession({ id: uuid(n), bookingId: `ledger-${n}`, scheduledStartAt: start }));
    const [stored] = await h.adapter.sessions.applyWrites([write(s, transition(s, { type: 'SETTLE' }, s.scheduledEndAt))]);
    check(stored?.chargeStatus === 'pending' && stored.chargeAttempts === 1, 'the settlement write must win and open attempt 1');
    return stored!;
  };
  /** Applies one write through the adapter; the stored session, `null` when it lost, the error when refused. */
  const apply = async (h: AdapterContractHarness, w: SessionWrite): Promise<Session | null | 'error'> => {
    try {
      const [stored] = await h.adapter.sessions.applyWrites([w]);
      return stored ?? null;
    } catch {
      return 'error';
    }
  };
  /** The session's answer `result` for its open attempt, stored through the adapter; the stored session. */
  const answered = async (h: AdapterContractHarness, s: Session, result: ChargeAnswer, minutes = 1) => {
    const stored = await apply(h, write(s, answer(s, result, addMinutes(s.scheduledEndAt, minutes))));
    check(stored !== null && stored !== 'error', `the ${result.status} answer write must win`);
    return stored as Session;
  };
  const rowOf = async (h: AdapterContractHarness, s: Session, attempt = 1) => (await h.raw.charges(s.id)).find((a) => a.attempt === attempt);
  /** A write of `s` that changes nothing but its version (what a refund request writes on a paid session). */
  const bump = (s: Session, changes: Partial<Session> = {}, ledger: SessionWrite['ledger'] = []): SessionWrite => ({
    expectedVersion: s.version,
    next: { ...s, ...changes, version: s.version + 1, updatedAt: addMinutes(s.updatedAt, 1) },
    events: [],
    ledger,
  });

  /**
   * The positive control of `tryWriteCharge`: on the session's open attempt, a raw write that records an
   * unknown answer is allowed, and must be stored. A raw reader that always answers "refused" fails here.
   */
  const controlAttemptWrite = async (h: AdapterContractHarness, s: Session) => {
    const open = await rowOf(h, s);
    check(open?.status === 'pending', 'the open attempt must be stored pending');
    const allowed: ChargeAttempt = { ...open!, status: 'unknown', failureCode: 'timeout', calls: 1, answeredAt: addMinutes(s.scheduledEndAt, 1) };
    check(
      await h.raw.tryWriteCharge(allowed),
      'positive control: storage must let an open attempt take an unknown answer directly (tryWriteCharge must report an allowed change as true)',
    );
    check(attemptText(await rowOf(h, s)) === attemptText(allowed), 'positive control: the allowed raw write must be stored exactly');
  };

  /** Each change of `row` must be refused by storage, and the stored row must stay exactly `row`. */
  const refusesRaw = async (h: AdapterContractHarness, row: ChargeAttempt, changes: ReadonlyArray<readonly [Partial<ChargeAttempt>, string]>) => {
    for (const [change, what] of changes) {
      check(!(await h.raw.tryWriteCharge({ ...row, ...change })), `storage must refuse a direct write that ${what}`);
      const stored = (await h.raw.charges(row.sessionId)).find((a) => a.attempt === row.attempt);
      check(attemptText(stored) === attemptText(row), `a refused direct write (${what}) must leave the attempt exactly as it was`);
    }
  };

  t('a succeeded attempt never changes, whoever writes', async (h) => {
    const s = await settled(h, 801);
    await controlAttemptWrite(h, s);
    const paid = await answered(h, s, { status: 'succeeded', reference: 'pi_paid' }, 2);
    check(paid.chargeStatus === 'succeeded' && paid.chargeReference === 'pi_paid', 'the success must be stored on the session');
    const row = (await rowOf(h, s))!;
    check(row.status === 'succeeded' && row.gatewayReference === 'pi_paid' && row.calls === 2, 'the success must be recorded on the attempt');
    await refusesRaw(h, row, [
      [{ status: 'failed', failureCode: 'card_declined' }, 'turns a succeeded attempt into a decline'],
      [{ status: 'unknown', failureCode: 'timeout' }, 'reopens a succeeded attempt as unknown'],
      [{ status: 'pending', calls: 0, answeredAt: null }, 'reopens a succeeded attempt as pending'],
      [{ status: 'halted', failureCode: 'IDEMPOTENCY_CONFLICT' }, 'turns a succeeded attempt into a halted one'],
      [{ gatewayReference: 'pi_other' }, 'replaces the reference of a succeeded attempt'],
      [{ gatewayReference: null }, 'erases the reference of a succeeded attempt'],
      [{ calls: row.calls + 1, answeredAt: addMinutes(s.scheduledEndAt, 9) }, 'records another answer on a succeeded attempt'],
      [{ failureCode: 'card_declined' }, 'adds a failure code to a succeeded attempt'],
    ]);
    // Through the adapter: an answer for the succeeded attempt (a writer that skips the state machine).
    const again = await apply(h, bump(paid, {}, [
      { type: 'answer', sessionId: s.id, attempt: 1, status: 'failed', gatewayReference: null, failureCode: 'card_declined', answeredAt: addMinutes(s.scheduledEndAt, 9) },
    ]));
    check(again === null || again === 'error', 'an answer write on a succeeded attempt must be refused (null or an error)');
    check(attemptText(await rowOf(h, s)) === attemptText(row), 'the refused answer write must leave the attempt exactly as it was');
    check(summaryText(await h.raw.session(s.id)) === summaryText(paid), 'the refused answer write must leave the session as it was');
  });

  t('a declined attempt and a halted attempt never change, whoever writes', async (h) => {
    const d = await settled(h, 811);
    await controlAttemptWrite(h, d);
    const afterDecline = await answered(h, d, { status: 'failed', failureCode: 'card_declined', reference: 'pi_declined' }, 2);
    check(afterDecline.chargeStatus === 'pending' && afterDecline.chargeIdempotencyKey === null, 'a decline closes the attempt');
    const declined = (await rowOf(h, d))!;
    check(declined.status === 'failed' && declined.failureCode === 'card_declined' && declined.gatewayReference === 'pi_declined', 'the decline must be stored');
    await refusesRaw(h, declined, [
      [{ status: 'succeeded', failureCode: null }, 'turns a declined attempt into a success'],
      [{ status: 'succeeded', failureCode: null, gatewayReference: 'pi_late' }, 'turns a declined attempt into a success under another reference'],
      [{ status: 'unknown' }, 'reopens a declined attempt'],
      [{ failureCode: 'insufficient_funds' }, 'rewrites the failure code of a declined attempt'],
      [{ gatewayReference: 'pi_other' }, 'replaces the reference of a declined attempt'],
      [{ calls: declined.calls + 1 }, 'records another answer on a declined attempt'],
    ]);

    const x = await settled(h, 812);
    await controlAttemptWrite(h, x);
    const afterHalt = await answered(h, x, { status: 'unknown', reason: 'IDEMPOTENCY_CONFLICT', reference: null, halted: true }, 2);
    check(afterHalt.chargeStatus === 'failed' && afterHalt.chargeIdempotencyKey !== null, 'a halt fails the charge for good, keeping the key');
    const halted = (await rowOf(h, x))!;
    check(
      halted.status === 'halted' && halted.failureCode === 'IDEMPOTENCY_CONFLICT' && halted.calls === 2,
      `a halted attempt must be stored as halted with its code, got ${attemptText(halted)}`,
    );
    await refusesRaw(h, halted, [
      [{ status: 'succeeded', failureCode: null, gatewayReference: 'pi_late' }, 'turns a halted attempt into a success'],
      [{ status: 'unknown' }, 'reopens a halted attempt as unknown'],
      [{ status: 'failed', failureCode: 'card_declined' }, 'turns a halted attempt into a decline'],
      [{ gatewayReference: 'pi_other' }, 'adds a reference to a halted attempt'],
      [{ calls: halted.calls + 1 }, 'records another answer on a halted attempt'],
    ]);
    const late = await apply(h, bump(afterHalt, { chargeStatus: 'succeeded', chargeIdempotencyKey: null, chargeReference: 'pi_late' }, [
      { type: 'answer', sessionId: x.id, attempt: 1, status: 'succeeded', gatewayReference: 'pi_late', failureCode: null, answeredAt: addMinutes(x.scheduledEndAt, 9) },
    ]));
    check(late === null || late === 'error', 'an answer write on a halted attempt must be refused (null or an error)');
    check(attemptText(await rowOf(h, x)) === attemptText(halted), 'the refused answer write must leave the halted attempt as it was');
    check(summaryText(await h.raw.session(x.id)) === summaryText(afterHalt), 'the refused answer write must leave the session as it was');
  });

  t("an open attempt only moves forward: its key, outcome, amounts, currency and requested time never change, nor a stored reference", async (h) => {
    const s = await settled(h, 821);
    const open = (await rowOf(h, s))!;
    const unknown: ChargeAttempt = { ...open, status: 'unknown', failureCode: 'processing', gatewayReference: 'pi_open', calls: 1, answeredAt: addMinutes(s.scheduledEndAt, 1) };
    check(await h.raw.tryWriteCharge(unknown), 'positive control: storage must let an open attempt take an unknown answer with a reference (tryWriteCharge must report it as true)');
    check(attemptText(await rowOf(h, s)) === attemptText(unknown), 'positive control: the allowed raw write must be stored exactly');
    await refusesRaw(h, unknown, [
      [{ status: 'pending' }, 'moves an answered attempt back to pending'],
      [{ gatewayReference: 'pi_other' }, 'replaces the stored reference of an open attempt'],
      [{ gatewayReference: null }, 'erases the stored reference of an open attempt'],
      [{ idempotencyKey: `${open.idempotencyKey}-changed` }, "changes an attempt's idempotency key"],
      [{ requestedAt: addMinutes(open.requestedAt, 1) }, "changes an attempt's requested time"],
      [{ calls: 0 }, "lowers an attempt's calls"],
      [{ currency: 'USD' }, "changes an attempt's currency"],
      [{ outcome: 'NO_SHOW_STUDENT' }, "changes an attempt's outcome"],
    ]);
    const again: ChargeAttempt = { ...unknown, calls: 2, answeredAt: addMinutes(s.scheduledEndAt, 6) };
    check(await h.raw.tryWriteCharge(again), 'another unknown answer under the same reference is allowed');
    // Through the adapter: an answer that names another reference than the stored one.
    const current = (await h.raw.session(s.id))!;
    const other = await apply(h, write(current, answer(current, { status: 'succeeded', reference: 'pi_other' }, addMinutes(s.scheduledEndAt, 7))));
    check(other === null || other === 'error', 'an answer that replaces the stored reference must be refused (null or an error)');
    check(attemptText(await rowOf(h, s)) === attemptText(again), 'the refused answer must leave the attempt as it was');
    const same = await apply(h, write(current, answer(current, { status: 'succeeded', reference: null }, addMinutes(s.scheduledEndAt, 7))));
    check(same !== null && same !== 'error' && same.chargeStatus === 'succeeded', 'an answer without a reference is recorded');
    const row = (await rowOf(h, s))!;
    check(row.status === 'succeeded' && row.gatewayReference === 'pi_open' && row.calls === 3, 'an answer without a reference keeps the stored one');
  });

  t('no attempt is opened for a session whose ledger holds a success', async (h) => {
    // Positive control: after a decline, storage lets the next attempt in (an insert it allows).
    const d = await settled(h, 831);
    const afterDecline = await answered(h, d, { status: 'failed', failureCode: 'card_declined', reference: null });
    const next: ChargeAttempt = { ...(await rowOf(h, d))!, attempt: 2, idempotencyKey: chargeIdempotencyKey(d.id, 'COMPLETED_ASSUMED', 2), status: 'pending', failureCode: null, gatewayReference: null, calls: 0, answeredAt: null, requestedAt: addMinutes(d.scheduledEndAt, 6) };
    check(await h.raw.tryWriteCharge(next), 'positive control: storage must let a new attempt in after a decline (tryWriteCharge must report it as true)');
    check(attemptText(await rowOf(h, d, 2)) === attemptText(next), 'positive control: the new attempt must be stored exactly');
    check(afterDecline.chargeStatus === 'pending', 'the declined session still has its charge to collect');

    const s = await settled(h, 832);
    const paid = await answered(h, s, { status: 'succeeded', reference: 'pi_832' });
    const row = (await rowOf(h, s))!;
    const second: ChargeAttempt = { ...row, attempt: 2, idempotencyKey: chargeIdempotencyKey(s.id, 'COMPLETED_ASSUMED', 2), status: 'pending', failureCode: null, gatewayReference: null, calls: 0, answeredAt: null, requestedAt: addMinutes(s.scheduledEndAt, 6) };
    check(!(await h.raw.tryWriteCharge(second)), 'storage must refuse a new attempt for a session whose ledger holds a success');
    check(!(await h.raw.tryWriteCharge({ ...second, status: 'failed', failureCode: 'card_declined' })), 'storage must refuse any new attempt row after a success');
    // Through the adapter: a version-only write wins (control), a write opening attempt 2 is refused.
    const bumped = await apply(h, bump(paid));
    check(bumped !== null && bumped !== 'error', "positive control: a write that leaves a paid session's charge alone must win");
    const reopened = await apply(h, bump(bumped as Session, { chargeStatus: 'pending', chargeAttempts: 2, chargeIdempotencyKey: second.idempotencyKey }, [{ type: 'open', attempt: second }]));
    check(reopened === null || reopened === 'error', 'a write opening an attempt for a paid session must be refused (null or an error)');
    const rows = await h.raw.charges(s.id);
    check(rows.length === 1 && attemptText(rows[0]) === attemptText(row), 'no attempt may be stored after the success');
    check(summaryText(await h.raw.session(s.id)) === summaryText(bumped as Session), 'the refused write must leave the session as it was');
  });

  t('at most one succeeded attempt, also when two open attempts are answered', async (h) => {
    // Attempt 1 still unknown, attempt 2 opened beside it (written directly: both allowed), then both
    // answered succeeded. Only the one-success rule stands between them: no other rule refuses the second.
    const s = await settled(h, 851);
    await controlAttemptWrite(h, s); // attempt 1 is now unknown
    const first = (await rowOf(h, s))!;
    const second: ChargeAttempt = { ...first, attempt: 2, idempotencyKey: chargeIdempotencyKey(s.id, 'COMPLETED_ASSUMED', 2), status: 'pending', failureCode: null, gatewayReference: null, calls: 0, answeredAt: null, requestedAt: addMinutes(s.scheduledEndAt, 6) };
    check(await h.raw.tryWriteCharge(second), 'positive control: storage must let a second attempt in while none has succeeded (tryWriteCharge must report it as true)');
    const firstPaid: ChargeAttempt = { ...first, status: 'succeeded', failureCode: null, gatewayReference: 'pi_851_1', calls: first.calls + 1, answeredAt: addMinutes(s.scheduledEndAt, 7) };
    check(await h.raw.tryWriteCharge(firstPaid), 'positive control: storage must let the unknown attempt 1 succeed directly');
    check(attemptText(await rowOf(h, s)) === attemptText(firstPaid), 'positive control: the success of attempt 1 must be stored exactly');
    const secondPaid: ChargeAttempt = { ...second, status: 'succeeded', gatewayReference: 'pi_851_2', calls: 1, answeredAt: addMinutes(s.scheduledEndAt, 8) };
    check(!(await h.raw.tryWriteCharge(secondPaid)), 'storage must refuse a second succeeded attempt for one session, written directly');
    check(attemptText(await rowOf(h, s, 2)) === attemptText(second), 'the refused second success must leave attempt 2 exactly as it was');
    // Through the adapter: an answer recording attempt 2 as succeeded is refused too, nothing of it stored.
    const current = (await h.raw.session(s.id))!;
    const through = await apply(h, bump(current, {}, [
      { type: 'answer', sessionId: s.id, attempt: 2, status: 'succeeded', gatewayReference: 'pi_851_2', failureCode: null, answeredAt: addMinutes(s.scheduledEndAt, 9) },
    ]));
    check(through === null || through === 'error', 'an answer write making a second succeeded attempt must be refused (null or an error)');
    check(attemptText(await rowOf(h, s, 2)) === attemptText(second), 'the refused answer must leave attempt 2 exactly as it was');
    check((await h.raw.charges(s.id)).filter((a) => a.status === 'succeeded').length === 1, 'exactly one succeeded attempt stays stored');
  });

  t('a paid session never asks for money again: its charge summary never changes, whoever writes', async (h) => {
    const s = await settled(h, 841);
    const paid = await answered(h, s, { status: 'succeeded', reference: 'pi_841' });
    const bumped = await apply(h, bump(paid));
    check(bumped !== null && bumped !== 'error', "positive control: a write that leaves a paid session's charge alone must win");
    const current = bumped as Session;
    const attacks: ReadonlyArray<readonly [Partial<Session>, string]> = [
      [{ chargeStatus: 'pending' }, 'asks for the money again'],
      [{ chargeStatus: 'pending', chargeIdempotencyKey: chargeIdempotencyKey(s.id, 'COMPLETED_ASSUMED', 2), chargeAttempts: 2 }, 'asks for the money again under a new key'],
      [{ chargeStatus: 'failed' }, 'fails a paid charge'],
      [{ chargeStatus: 'none', chargeReference: null }, 'forgets a paid charge'],
      [{ chargeReference: 'pi_other' }, 'replaces the reference of a paid charge'],
      [{ chargeAttempts: 2 }, 'counts another attempt on a paid charge'],
      [{ chargeIdempotencyKey: null }, 'changes the key of a paid charge'],
    ];
    for (const [change, what] of attacks) {
      const result = await apply(h, bump(current, change));
      check(result === null || result === 'error', `a write that ${what} must be refused (null or an error)`);
      check(summaryText(await h.raw.session(s.id)) === summaryText(current), `the refused write (${what}) must leave the session as it was`);
    }
    const claimed = await h.adapter.sessions.claimForSettlement({ now: addMinutes(s.scheduledEndAt, 600), limit: 10, claimUntil: addMinutes(s.scheduledEndAt, 605) });
    check(!claimed.some((c) => c.id === s.id), 'a paid session is never claimed to collect its charge');

    const raw = h.raw.tryWriteChargeSummary?.bind(h.raw);
    if (raw === undefined) return; // the rule was checked through applyWrites above
    // Positive control: a charge still to collect, nothing in its ledger succeeded, may be failed for good.
    const open = await settled(h, 842);
    check(await raw(open.id, { chargeStatus: 'failed' }), 'positive control: storage must let a pending charge be failed directly (tryWriteChargeSummary must report it as true)');
    check((await h.raw.session(open.id))?.chargeStatus === 'failed', 'positive control: the allowed summary must be stored');
    for (const [change, what] of attacks) {
      check(!(await raw(s.id, change)), `storage must refuse a direct write that ${what}`);
      check(summaryText(await h.raw.session(s.id)) === summaryText(current), `a refused direct write (${what}) must leave the session as it was`);
    }
    // A success written into the ledger directly: the session may become succeeded, never anything else.
    const t1 = await settled(h, 843);
    const row = (await rowOf(h, t1))!;
    check(await h.raw.tryWriteCharge({ ...row, status: 'succeeded', gatewayReference: 'pi_843', calls: 1, answeredAt: addMinutes(t1.scheduledEndAt, 1) }), 'an open attempt may succeed directly');
    check(!(await raw(t1.id, { chargeStatus: 'failed' })), 'storage must refuse failing a charge whose ledger holds a success');
    check(!(await raw(t1.id, { chargeStatus: 'none', chargeIdempotencyKey: null })), 'storage must refuse forgetting a charge whose ledger holds a success');
    check((await h.raw.session(t1.id))?.chargeStatus === 'pending', 'the refused writes leave the summary as it was');
    check(await raw(t1.id, { chargeStatus: 'succeeded', chargeIdempotencyKey: null, chargeReference: 'pi_843' }), 'the summary may follow the ledger to succeeded');
  });

  t('a late success of a declined attempt is stored as one more, already succeeded, row; the declined row untouched', async (h) => {
    const s = await settled(h, 851);
    const afterDecline = await answered(h, s, { status: 'failed', failureCode: 'card_declined', reference: 'pi_851' });
    const declined = (await rowOf(h, s))!;
    const at = addMinutes(s.scheduledEndAt, 30);
    const decision = decideChargeAnswer({ session: afterDecline, ledger: await h.raw.charges(s.id), attempt: 1, answer: { status: 'succeeded', reference: 'pi_851' }, now: at, policy: DEFAULT_POLICY, lateSuccessFlagged: false });
    check(decision.outcome === 'late_success' && decision.write !== null, 'the core records a late success');
    const stored = await apply(h, { expectedVersion: afterDecline.version, ...decision.write! });
    check(stored !== null && stored !== 'error', 'the late success write must win');
    const paid = stored as Session;
    check(paid.chargeStatus === 'succeeded' && paid.chargeReference === 'pi_851' && paid.chargeAttempts === 2 && paid.chargeIdempotencyKey === null, 'the session is paid');
    const rows = await h.raw.charges(s.id);
    const expected: ChargeAttempt = {
      ...declined,
      attempt: 2,
      idempotencyKey: chargeIdempotencyKey(s.id, 'COMPLETED_ASSUMED', 2),
      status: 'succeeded',
      gatewayReference: 'pi_851',
      failureCode: null,
      calls: 0,
      requestedAt: at,
      answeredAt: at,
    };
    check(rows.length === 2 && attemptText(rows[0]) === attemptText(declined), 'the declined attempt stays exactly as it was');
    check(attemptText(rows[1]) === attemptText(expected), `the success is a new row, stored exactly: ${attemptText(rows[1])}`);
    const events = (await h.raw.events(s.id)).slice(-2);
    check(
      events.map((e) => e.type).join() === 'charge.succeeded,charge.needs_attention' && events[0]!.payload.answeredAttempt === 1 && events[1]!.payload.recordedAttempt === 2,
      'the late success appends its events with the write',
    );
    // A second success row is refused, whoever writes it.
    const third: ChargeAttempt = { ...expected, attempt: 3, idempotencyKey: chargeIdempotencyKey(s.id, 'COMPLETED_ASSUMED', 3), gatewayReference: 'pi_other' };
    const twice = await apply(h, bump(paid, { chargeAttempts: 3 }, [{ type: 'open', attempt: third }]));
    check(twice === null || twice === 'error', 'a second succeeded row must be refused (null or an error)');
    check(!(await h.raw.tryWriteCharge(third)), 'storage must refuse a second succeeded row');
    check((await h.raw.charges(s.id)).length === 2, 'the ledger keeps exactly one success');
  });
}
