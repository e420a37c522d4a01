import type { CoreContext } from '../command/context';
import { withDeadline } from '../deadline';
import { SessionError } from '../errors';
import type { Session } from '../session/model';
import { transitionContext } from '../session/transition';
import { classifyPayoutResult, type PayoutAnswer } from './answers';
import {
  awaitsEvidence,
  CHARGEBACK_STATUSES,
  chargebackShareInstruction,
  chargebackWork,
  decideChargebackReport,
  recordShareMove,
  type Chargeback,
  type ChargebackEvidenceResult,
  type ChargebackReader,
  type ChargebackRecordOutcome,
  type ChargebackReport,
  type ChargebackWork,
} from './chargebacks';
import { buildDisputeEvidence, type DisputeEvidenceFields } from './evidence';

/** What `core.chargebacks.record` did: the session, the chargeback as stored, and whether the report changed it. */
export interface ChargebackRecordReport {
  readonly session: Session;
  readonly chargeback: Chargeback;
  readonly outcome: ChargebackRecordOutcome;
}

/** What one `core.chargebacks.retry()` pass did. */
export interface ChargebackRetryReport {
  /** Open chargebacks looked at. */
  readonly checked: number;
  /** Evidence staged at the gateway. */
  readonly staged: number;
  /** Tutor shares reversed, reinstated or withheld. */
  readonly moved: number;
  /** Steps that failed now (thrown, refused, or no answer): left for the next pass or a person. */
  readonly failed: number;
}

/** `core.chargebacks`: card disputes at the student's bank — recorded, evidence staged, submitted by a person. */
export interface ChargebacksResource {
  /**
   * True when chargebacks can be worked on here: the adapter stores them and the gateway stages evidence or
   * moves shares (then the cron route runs `retry()` as its `chargebacks` job).
   */
  readonly supported: boolean;
  /**
   * Records what the gateway reports about a dispute (the Stripe webhook's `charge.dispute.*`, through
   * `coreChargebackRecorder`): opens the session's next chargeback on a new reference — against the
   * reported attempt, which must have succeeded (else `NOTHING_TO_DISPUTE`: thrown, so the webhook is delivered
   * again once the charge's success is recorded) — or takes a newer report (older ones change nothing; funds
   * withdrawn and reinstated only grow). Idempotent. Then does what is left (see `retry`): stages the evidence
   * built from what the SDK stored, and moves the tutor's share when the tutor bears the loss; a failure there
   * is not thrown (the record stands) and is retried by `retry()`. Refusals: `INVALID_INPUT`, `NOT_FOUND`,
   * `NOTHING_TO_DISPUTE`, `CHARGEBACKS_NOT_SUPPORTED`.
   */
  record(report: ChargebackReport): Promise<ChargebackRecordReport>;
  /** **Server-only.** A session's chargebacks, by number (with the gateway's references). */
  list(sessionId: string): Promise<Chargeback[]>;
  /** **Server-only.** The platform's work list: chargebacks not decided yet, soonest evidence deadline first. `limit` default 100, 1–1000. */
  listOpen(options?: { limit?: number }): Promise<Chargeback[]>;
  /** The evidence the SDK would stage now for the session, built from what it stored (`buildDisputeEvidence`). */
  evidence(sessionId: string): Promise<DisputeEvidenceFields>;
  /**
   * Stages the evidence again (built now) at the gateway, without submitting it — while the chargeback waits
   * for a response and nothing was submitted. Refusals: `EVIDENCE_NOT_ACCEPTED` (`details.reason`: `not_awaiting_evidence`,
   * `submitted`, or the gateway's code), `GATEWAY_UNAVAILABLE`, `NOT_FOUND`, `CHARGEBACKS_NOT_SUPPORTED`.
   */
  stageEvidence(input: { readonly sessionId: string; readonly chargeback: number }): Promise<Chargeback>;
  /**
   * A person submits the staged evidence (final: the bank decides on it). Only while the chargeback waits for a
   * response, its evidence is staged and its deadline has not passed; `actorId` (the host's person, checked by
   * the host) is kept in `chargeback.evidence_submitted`. Refusals: `EVIDENCE_NOT_ACCEPTED` (`details.reason`:
   * `not_awaiting_evidence`, `not_staged`, `submitted`, `past_due`, or the gateway's code), `GATEWAY_UNAVAILABLE`,
   * `NOT_FOUND`, `INVALID_INPUT`, `CHARGEBACKS_NOT_SUPPORTED`.
   */
  submitEvidence(input: { readonly sessionId: string; readonly chargeback: number; readonly actorId: string }): Promise<Chargeback>;
  /**
   * The cron's pass (the cron route runs it): for each open chargeback (`listOpen`, at most `limit`, default
   * 100), and each closed one whose tutor share is still to be given back, does what is left — stage evidence
   * not yet staged, reverse or reinstate the tutor's share under its own key, withhold it from a payout not
   * yet sent. Never throws for one chargeback's failure.
   */
  retry(options?: { limit?: number }): Promise<ChargebackRetryReport>;
}

const ISSUE = (path: string, message: string) => ({ path, message });
const isText = (v: unknown, max = 200) => typeof v === 'string' && v.length > 0 && v.length <= max;
const isAmount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isDate = (v: unknown) => v instanceof Date && !Number.isNaN(v.getTime());

/** Checks a report (throws `INVALID_INPUT`) and answers it with its currency in capitals. */
function checkReport(report: ChargebackReport): ChargebackReport {
  const r = (report ?? {}) as Partial<Record<keyof ChargebackReport, unknown>>;
  const issues = [
    ...(isText(r.sessionId) ? [] : [ISSUE('sessionId', 'must be a non-empty string of at most 200 characters')]),
    ...(Number.isSafeInteger(r.attempt) && (r.attempt as number) >= 1 ? [] : [ISSUE('attempt', 'must be a whole number ≥ 1')]),
    ...(isText(r.reference) ? [] : [ISSUE('reference', 'must be a non-empty string of at most 200 characters')]),
    ...(CHARGEBACK_STATUSES.includes(r.status as never) ? [] : [ISSUE('status', `must be one of ${CHARGEBACK_STATUSES.join(', ')}`)]),
    ...(isText(r.reason) ? [] : [ISSUE('reason', 'must be a non-empty string of at most 200 characters')]),
    ...(typeof r.currency === 'string' && /^[A-Za-z]{3}$/.test(r.currency) ? [] : [ISSUE('currency', 'must be a three-letter code')]),
    ...(['amountMinor', 'feeMinor', 'fundsWithdrawnMinor', 'fundsReinstatedMinor'] as const).filter((k) => !isAmount(r[k])).map((k) => ISSUE(k, 'must be a whole number ≥ 0')),
    ...(r.evidenceDueBy === null || isDate(r.evidenceDueBy) ? [] : [ISSUE('evidenceDueBy', 'must be a Date or null')]),
    ...(isDate(r.reportedAt) ? [] : [ISSUE('reportedAt', 'must be a Date')]),
  ];
  if (issues.length > 0) throw new SessionError('INVALID_INPUT', `Invalid chargeback report: ${issues.map((i) => i.path).join(', ')}`, { issues });
  return { ...report, currency: report.currency.toUpperCase() };
}

/** The steps `core.chargebacks` is made of: reads, gateway calls under one time limit, compare-and-set writes. */
function chargebackSteps(ctx: CoreContext, deps: { readonly timeoutMs: number }) {
  const { runner, gateway, adapter } = ctx;

  function requireChargebacks(): ChargebackReader {
    if (adapter.chargebacks === undefined) throw new SessionError('CHARGEBACKS_NOT_SUPPORTED', 'The adapter has no chargeback storage (SessionsAdapter.chargebacks)');
    return adapter.chargebacks;
  }

  async function find(sessionId: string, number: number): Promise<Chargeback> {
    const found = (await requireChargebacks().listBySession(sessionId)).find((c) => c.chargeback === number);
    if (!found) throw new SessionError('NOT_FOUND', `Session ${sessionId} has no chargeback ${number}`, { chargeback: number });
    return found;
  }

  async function buildEvidence(sessionId: string): Promise<DisputeEvidenceFields> {
    const session = await runner.load(sessionId);
    const [events, attendance, charges, refunds] = await Promise.all([
      adapter.events.listBySession(sessionId),
      adapter.attendance?.listBySession(sessionId) ?? [],
      adapter.charges.listBySession(sessionId),
      adapter.refunds?.listBySession(sessionId) ?? [],
    ]);
    return buildDisputeEvidence({ session, policy: ctx.policy, events, attendance, charges, refunds });
  }

  /** One evidence call to the gateway within one call's time limit; a throw or time-out is `GATEWAY_UNAVAILABLE`. */
  async function evidenceCall(kind: 'stage' | 'submit', chargeback: Chargeback, evidence: DisputeEvidenceFields): Promise<void> {
    const call = kind === 'stage' ? gateway.stageChargebackEvidence?.bind(gateway) : gateway.submitChargebackEvidence?.bind(gateway);
    if (call === undefined) throw new SessionError('CHARGEBACKS_NOT_SUPPORTED', `The payment gateway cannot ${kind} chargeback evidence`);
    const instruction = { sessionId: chargeback.sessionId, chargeback: chargeback.chargeback, reference: chargeback.reference, evidence };
    let answer: ChargebackEvidenceResult;
    try {
      answer = await withDeadline((signal) => Promise.resolve().then(() => call(instruction, { signal })), { timeoutMs: deps.timeoutMs, what: `the evidence ${kind} call` });
    } catch (error) {
      throw new SessionError('GATEWAY_UNAVAILABLE', 'The payment gateway did not answer; try again', {}, { cause: error });
    }
    if (answer?.status === 'succeeded') return;
    const reason = answer?.status === 'failed' && isText(answer.failureCode) ? answer.failureCode : 'unrecognised_answer';
    throw new SessionError('EVIDENCE_NOT_ACCEPTED', `The payment gateway refused the evidence (${reason})`, { reason });
  }

  /** Writes the next state of chargeback `number` if `change` (judged on the row as stored now) makes one. */
  async function update(sessionId: string, number: number, change: (current: Session, stored: Chargeback, now: Date) => ReturnType<typeof recordShareMove> | null): Promise<Chargeback> {
    await runner.decide(
      sessionId,
      async (current, now) => {
        const result = change(current, await find(sessionId, number), now);
        if (result !== null && !result.ok) throw result.error;
        return { write: result?.changed ? { next: result.session, events: result.events, ledger: result.ledger } : null, answer: () => undefined };
      },
      { retry: 'until-decided' },
    );
    return find(sessionId, number);
  }

  async function stage(chargeback: Chargeback, evidence: DisputeEvidenceFields): Promise<Chargeback> {
    await evidenceCall('stage', chargeback, evidence);
    return update(chargeback.sessionId, chargeback.chargeback, (current, stored, now) => {
      if (stored.evidence === 'submitted') return null;
      const t = transitionContext(current, now, ctx.policy);
      const staged: Chargeback = { ...stored, evidence: 'staged', stagedEvidence: evidence, evidenceStagedAt: now, updatedAt: now };
      return { ok: true, changed: true, session: t.next({}), events: [t.event('chargeback.evidence_staged', 'system', { chargeback: stored.chargeback })], ledger: [{ type: 'chargeback_update', chargeback: staged }], effects: [] };
    });
  }

  /** Does one piece of work; answers whether it changed something. Throws on failure. */
  async function perform(chargeback: Chargeback, work: ChargebackWork): Promise<boolean> {
    if (work.type === 'stage') {
      if (gateway.stageChargebackEvidence === undefined) return false;
      await stage(chargeback, await buildEvidence(chargeback.sessionId));
      return true;
    }
    const expected = chargeback.tutorShare;
    if (work.type === 'withhold') {
      const after = await update(chargeback.sessionId, chargeback.chargeback, (current, stored, now) =>
        stored.tutorShare === expected ? recordShareMove(transitionContext(current, now, ctx.policy), stored, 'withhold', null) : null,
      );
      return after.tutorShare === 'withheld';
    }
    const move = gateway.moveChargebackShare?.bind(gateway);
    if (move === undefined) throw new SessionError('CHARGEBACKS_NOT_SUPPORTED', 'The payment gateway cannot move a chargeback share (moveChargebackShare)');
    const session = await runner.load(chargeback.sessionId);
    const [charges, payouts] = await Promise.all([adapter.charges.listBySession(session.id), adapter.payouts?.listBySession(session.id) ?? []]);
    const charge = charges.find((a) => a.attempt === chargeback.attempt)?.gatewayReference ?? null;
    if (charge === null) throw new SessionError('NOT_FOUND', 'The disputed attempt has no gateway reference');
    const payout = payouts.find((p) => p.status === 'succeeded')?.gatewayReference ?? null;
    const instruction = chargebackShareInstruction(session, chargeback, work.direction, { charge, payout });
    const answer: PayoutAnswer = await withDeadline(
      (signal) =>
        Promise.resolve()
          .then(() => move(instruction, { signal }))
          .then(classifyPayoutResult, (): PayoutAnswer => ({ status: 'unknown', reason: 'gateway_error', reference: null })),
      { timeoutMs: deps.timeoutMs, what: 'the chargeback share call', onTimeout: () => ({ status: 'unknown', reason: 'timeout', reference: null }) },
    );
    const after = await update(chargeback.sessionId, chargeback.chargeback, (current, stored, now) =>
      stored.tutorShare === expected ? recordShareMove(transitionContext(current, now, ctx.policy), stored, work.direction, answer) : null,
    );
    if (answer.status !== 'succeeded') throw new SessionError('GATEWAY_UNAVAILABLE', `The share move was not answered succeeded (${answer.status})`);
    return after.tutorShare !== expected;
  }

  /** Does everything left for one chargeback, one step at a time (each on fresh reads). */
  async function catchUp(sessionId: string, number: number, tally: { staged: number; moved: number; failed: number }): Promise<void> {
    for (let step = 0; step < 4; step++) {
      const chargeback = await find(sessionId, number);
      const session = await runner.load(sessionId);
      const payouts = (await adapter.payouts?.listBySession(sessionId)) ?? [];
      const work = chargebackWork(chargeback, session, payouts).filter((w) => w.type !== 'stage' || gateway.stageChargebackEvidence !== undefined);
      if (work.length === 0) return;
      try {
        if (await perform(chargeback, work[0]!)) {
          if (work[0]!.type === 'stage') tally.staged++;
          else tally.moved++;
        } else return;
      } catch {
        tally.failed++;
        return;
      }
    }
  }

  return { requireChargebacks, find, buildEvidence, evidenceCall, update, stage, catchUp };
}

export function createChargebacksResource(ctx: CoreContext, deps: { readonly timeoutMs: number }): ChargebacksResource {
  const { runner, gateway, adapter } = ctx;
  const { requireChargebacks, find, buildEvidence, evidenceCall, update, stage, catchUp } = chargebackSteps(ctx, deps);

  async function listOpen(options: { limit?: number } = {}): Promise<Chargeback[]> {
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
      throw new SessionError('INVALID_INPUT', 'limit must be a whole number from 1 to 1000', { issues: [ISSUE('limit', 'out of range')] });
    }
    return requireChargebacks().listOpen({ limit });
  }

  return {
    supported:
      adapter.chargebacks !== undefined && (typeof gateway.stageChargebackEvidence === 'function' || typeof gateway.moveChargebackShare === 'function'),
    async record(input) {
      requireChargebacks();
      const report = checkReport(input);
      const recorded = await runner.decide(
        report.sessionId,
        async (current, now) => {
          const [charges, chargebacks] = await Promise.all([adapter.charges.listBySession(current.id), requireChargebacks().listBySession(current.id)]);
          const decided = decideChargebackReport(transitionContext(current, now, ctx.policy), report, { charges, chargebacks });
          if ('error' in decided) throw decided.error;
          const { result } = decided;
          if (!result.ok) throw result.error;
          return {
            write: result.changed ? { next: result.session, events: result.events, ledger: result.ledger } : null,
            answer: (session: Session) => ({ session, number: decided.chargeback.chargeback, outcome: decided.outcome }),
          };
        },
        { retry: 'until-decided' },
      );
      await catchUp(report.sessionId, recorded.number, { staged: 0, moved: 0, failed: 0 });
      return { session: await runner.load(report.sessionId), chargeback: await find(report.sessionId, recorded.number), outcome: recorded.outcome };
    },
    list: (sessionId) => requireChargebacks().listBySession(sessionId),
    listOpen,
    evidence: (sessionId) => buildEvidence(sessionId),
    async stageEvidence({ sessionId, chargeback: number }) {
      const chargeback = await find(sessionId, number);
      if (chargeback.evidence === 'submitted') throw new SessionError('EVIDENCE_NOT_ACCEPTED', 'The evidence was submitted already', { reason: 'submitted' });
      if (!awaitsEvidence(chargeback.status)) throw new SessionError('EVIDENCE_NOT_ACCEPTED', `The chargeback does not take evidence (${chargeback.status})`, { reason: 'not_awaiting_evidence' });
      return stage(chargeback, await buildEvidence(sessionId));
    },
    async submitEvidence({ sessionId, chargeback: number, actorId }) {
      if (!isText(actorId)) throw new SessionError('INVALID_INPUT', 'actorId must be a non-empty string of at most 200 characters', { issues: [ISSUE('actorId', 'invalid')] });
      const chargeback = await find(sessionId, number);
      const refuse = (reason: string, message: string) => new SessionError('EVIDENCE_NOT_ACCEPTED', message, { reason });
      if (chargeback.evidence === 'submitted') throw refuse('submitted', 'The evidence was submitted already');
      if (!awaitsEvidence(chargeback.status)) throw refuse('not_awaiting_evidence', `The chargeback does not take evidence (${chargeback.status})`);
      if (chargeback.evidence !== 'staged' || chargeback.stagedEvidence === null) throw refuse('not_staged', 'Stage the evidence before submitting it');
      if (chargeback.evidenceDueBy !== null && chargeback.evidenceDueBy.getTime() <= ctx.clock.now().getTime()) throw refuse('past_due', 'The evidence deadline has passed');
      await evidenceCall('submit', chargeback, chargeback.stagedEvidence);
      return update(sessionId, number, (current, stored, now) => {
        if (stored.evidence === 'submitted') return null;
        const t = transitionContext(current, now, ctx.policy);
        const submitted: Chargeback = { ...stored, evidence: 'submitted', submittedBy: actorId, submittedAt: now, updatedAt: now };
        return { ok: true, changed: true, session: t.next({}), events: [t.event('chargeback.evidence_submitted', actorId, { chargeback: number })], ledger: [{ type: 'chargeback_update', chargeback: submitted }], effects: [] };
      });
    },
    async retry(options = {}) {
      const open = await listOpen(options);
      const tally = { staged: 0, moved: 0, failed: 0 };
      for (const c of open) {
        // One chargeback's failure (storage included) never stops the pass.
        await catchUp(c.sessionId, c.chargeback, tally).catch(() => {
          tally.failed++;
        });
      }
      return { checked: open.length, ...tally };
    },
  };
}
