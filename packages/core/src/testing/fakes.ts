import {
  type ChargebackEvidenceInstruction,
  type ChargebackEvidenceResult,
  type ChargebackShareInstruction,
  type ChargeCallOptions,
  type ChargeInstruction,
  type OnSessionChargeResult,
  type ChargeResult,
  type CreateMeetingInput,
  type Meeting,
  type MeetingTimes,
  type MoveMeetingInput,
  type PayoutInstruction,
  type PayoutResult,
  type RefundInstruction,
  type RefundResult,
} from '@itutor/sessions-core/adapter';
import { type PaymentGateway, type VideoProvider } from '@itutor/sessions-core';

/** A video provider that makes meetings in memory and deduplicates by idempotency key. */
export interface FakeVideoProvider extends VideoProvider {
  /** Live meetings by id. */
  readonly meetings: ReadonlyMap<string, CreateMeetingInput & Meeting>;
  /** Ids of meetings deleted through the port. */
  readonly deleted: readonly string[];
  /** Every `createMeeting` call, including failed ones. */
  readonly calls: readonly CreateMeetingInput[];
  /** The next `createMeeting` call rejects with `error`. */
  failNextCreate(error?: Error): void;
  /** Every `moveMeeting` call, including failed ones. */
  readonly moves: readonly MoveMeetingInput[];
  /**
   * The next `moveMeeting` calls behave as given, in order (then `succeed` again): `succeed` moves the
   * meeting; `throw` rejects without moving; `lose-response` moves it, then rejects (the answer lost on
   * the way back); `hang` never answers until the call's signal aborts it.
   */
  scriptMoves(...behaviours: Array<'succeed' | 'throw' | 'lose-response' | 'hang'>): void;
  /** What `getMeetingTimes` answers for a meeting (only with `{ meetingTimes: true }`); unset: `null`. */
  setMeetingTimes(meetingId: string, times: MeetingTimes | null): void;
}

/** Options of {@link createFakeVideoProvider}. */
export interface FakeVideoProviderOptions {
  /**
   * Give the fake `getMeetingTimes` (answering what `setMeetingTimes` set, else `null`), so settlement
   * reconciles with it. Default `false`: the port's optional method is absent, as with a provider that
   * cannot tell.
   */
  readonly meetingTimes?: boolean;
}

/** Creates a {@link FakeVideoProvider}. Join URLs look like the real providers' (`zoom.us/j/…`, `meet.google.com/…`). */
export function createFakeVideoProvider(options: FakeVideoProviderOptions = {}): FakeVideoProvider {
  const meetings = new Map<string, CreateMeetingInput & Meeting>();
  const byKey = new Map<string, string>();
  const deleted: string[] = [];
  const calls: CreateMeetingInput[] = [];
  const moves: MoveMeetingInput[] = [];
  const moveScript: Array<'succeed' | 'throw' | 'lose-response' | 'hang'> = [];
  const times = new Map<string, MeetingTimes | null>();
  let failure: Error | null = null;
  let counter = 0;
  const moveTo = (input: MoveMeetingInput) => {
    const meeting = meetings.get(input.meetingId);
    if (!meeting) throw new Error(`no meeting ${input.meetingId}`);
    meetings.set(input.meetingId, { ...meeting, startAt: input.startAt, durationMinutes: input.durationMinutes });
  };
  return {
    meetings,
    deleted,
    calls,
    moves,
    failNextCreate(error = new Error('video provider unavailable')) {
      failure = error;
    },
    scriptMoves(...behaviours) {
      moveScript.push(...behaviours);
    },
    setMeetingTimes(meetingId, answer) {
      times.set(meetingId, answer);
    },
    async moveMeeting(input) {
      moves.push(input);
      const behaviour = moveScript.shift() ?? 'succeed';
      if (behaviour === 'throw') throw new Error('video provider unavailable');
      if (behaviour === 'hang') {
        return new Promise<void>((_resolve, reject) => input.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
      }
      moveTo(input);
      if (behaviour === 'lose-response') throw new Error('connection reset after the move');
    },
    ...(options.meetingTimes ? { getMeetingTimes: async ({ meetingId }: { meetingId: string }) => times.get(meetingId) ?? null } : {}),
    async createMeeting(input) {
      calls.push(input);
      if (failure) {
        const error = failure;
        failure = null;
        throw error;
      }
      const existing = byKey.get(input.idempotencyKey);
      if (existing && meetings.has(existing)) {
        const meeting = meetings.get(existing)!;
        return { meetingId: meeting.meetingId, joinUrl: meeting.joinUrl };
      }
      counter += 1;
      const meetingId = `${input.provider === 'zoom' ? '8' : 'm'}${String(counter).padStart(9, '0')}`;
      const joinUrl =
        input.provider === 'zoom'
          ? `https://zoom.us/j/${meetingId}`
          : `https://meet.google.com/abc-${meetingId.slice(-4)}-xyz`;
      meetings.set(meetingId, { ...input, meetingId, joinUrl });
      byKey.set(input.idempotencyKey, meetingId);
      return { meetingId, joinUrl };
    },
    async deleteMeeting({ meetingId }) {
      if (meetings.delete(meetingId)) deleted.push(meetingId);
    },
  };
}

/**
 * What the fake gateway does with one call:
 * - `succeed`: takes the money (once per key) and answers `succeeded`;
 * - `decline`: answers `failed` with `card_declined` (the key's answer from then on, like Stripe);
 * - `lose-response`: takes the money, then throws (the answer is lost on the way back);
 * - `throw`: throws without taking anything (a network error before the gateway saw it);
 * - `hang`: never answers, until the core's time limit aborts the call;
 * - `processing`: answers `unknown` (Stripe's `processing`: not known yet), takes nothing yet;
 * - `malformed`: answers something that is not a charge result at all;
 * - `halt`: answers `{ status: 'halted', code: 'IDEMPOTENCY_CONFLICT' }` without taking anything, like
 *   the Stripe gateway's answer to a key reused with different parameters;
 * - `needs-customer`: declined with `authentication_required` and `needsCustomer: true` (the bank wants
 *   3-D Secure), replayed for the key.
 */
export type FakeChargeBehaviour = 'succeed' | 'decline' | 'lose-response' | 'throw' | 'hang' | 'processing' | 'malformed' | 'halt' | 'needs-customer';

/**
 * A payment gateway that records every instruction and behaves like a real one towards idempotency
 * keys: the money for a key is taken at most once, and a key's first definite answer (success or
 * decline) is replayed for every later call with that key.
 */
export interface RecordingPaymentGateway extends PaymentGateway {
  /** Every call, in order (retries included). */
  readonly instructions: readonly ChargeInstruction[];
  /** Charges actually made, by idempotency key: what a real gateway would have taken. */
  readonly charges: ReadonlyMap<string, ChargeInstruction>;
  /** The next calls behave as given, in order (then `succeed` again). */
  script(...behaviours: FakeChargeBehaviour[]): void;
  /** Forgets the behaviours scripted and not used yet: every call succeeds again. */
  clearScript(): void;
  /** The next `count` calls are declined. */
  failNext(count?: number): void;
  /** The next `count` calls take the money and then throw (result unknown to the caller). */
  loseNextResponse(count?: number): void;
  /** Each call waits this many milliseconds first (for throughput benchmarks). */
  latencyMs: number;
  /** Calls in flight right now. */
  readonly inFlight: number;
  /** Every refund call, in order (retries included). */
  readonly refundInstructions: readonly RefundInstruction[];
  /** Refunds actually made, by idempotency key: what a real gateway would have returned (once per key). */
  readonly refunds: ReadonlyMap<string, RefundInstruction>;
  /**
   * The next refund calls behave as given, in order (then `succeed` again): `succeed`, `decline` (failed,
   * `charge_already_refunded`, replayed for the key), `pending` (accepted, not final), `lose-response`
   * (returns the money, then throws), `throw`, `hang`, `halt` (answers `{ status: 'halted', code: 'IDEMPOTENCY_CONFLICT' }`).
   */
  scriptRefunds(...behaviours: FakeRefundBehaviour[]): void;
  refund(instruction: RefundInstruction, options?: ChargeCallOptions): Promise<RefundResult>;
  /** Transfer reversals actually made (refunds after a separate payout), by the reversal's key (once per key). */
  readonly reversals: ReadonlyMap<string, NonNullable<RefundInstruction['reverseTransfer']>>;
  /** Every transfer call, in order (retries included). */
  readonly transferInstructions: readonly PayoutInstruction[];
  /** Transfers actually made, by idempotency key: what a real gateway would have paid the tutor (once per key). */
  readonly transfers: ReadonlyMap<string, PayoutInstruction>;
  /**
   * The next transfer calls behave as given, in order (then `succeed` again): `succeed`, `decline` (failed,
   * `balance_insufficient`, replayed for the key), `lose-response` (pays, then throws), `throw`, `hang`,
   * `halt`.
   */
  scriptTransfers(...behaviours: FakeTransferBehaviour[]): void;
  transfer(instruction: PayoutInstruction, options?: ChargeCallOptions): Promise<PayoutResult>;
  /**
   * On-session charges: `startOnSessionCharge` answers `requires_customer` with the client secret
   * `cs_<key>` until the student's step is finished with {@link RecordingPaymentGateway.completeOnSession},
   * then that outcome (money taken at most once per key, recorded in `charges`). `scriptOnSession('throw' | 'hang')`
   * makes the next calls fail.
   */
  startOnSessionCharge(instruction: ChargeInstruction, options?: ChargeCallOptions): Promise<OnSessionChargeResult>;
  /** Finishes the student's step of the on-session attempt with key `idempotencyKey`: `succeed` takes the money, `fail` declines it. */
  completeOnSession(idempotencyKey: string, outcome: 'succeed' | 'fail'): void;
  /**
   * The next on-session calls behave as given (then normally): `throw`, `hang`, `processing` (answers
   * `unknown` with reason `processing`, as Stripe's `processing` PaymentIntent), `network-error` (answers
   * `unknown` with reason `network_error`).
   */
  scriptOnSession(...behaviours: Array<'throw' | 'hang' | 'processing' | 'network-error'>): void;
  /** Evidence staged and submitted, in call order, by reference. */
  readonly evidenceCalls: ReadonlyArray<{ readonly kind: 'stage' | 'submit'; readonly instruction: ChargebackEvidenceInstruction }>;
  /** The next evidence calls answer as given (then `succeeded`): `refuse` answers failed `invalid_evidence`. */
  scriptEvidence(...behaviours: Array<'refuse' | 'throw'>): void;
  stageChargebackEvidence(instruction: ChargebackEvidenceInstruction, options?: ChargeCallOptions): Promise<ChargebackEvidenceResult>;
  submitChargebackEvidence(instruction: ChargebackEvidenceInstruction, options?: ChargeCallOptions): Promise<ChargebackEvidenceResult>;
  /** Chargeback share moves actually made (reversals and reinstatements), by key (once per key). */
  readonly shareMoves: ReadonlyMap<string, ChargebackShareInstruction>;
  /** The next share moves behave as given (then `succeed`), like transfers. */
  scriptShareMoves(...behaviours: FakeTransferBehaviour[]): void;
  moveChargebackShare(instruction: ChargebackShareInstruction, options?: ChargeCallOptions): Promise<PayoutResult>;
}

/** How the fake gateway answers one transfer call (see {@link RecordingPaymentGateway.scriptTransfers}). */
export type FakeTransferBehaviour = 'succeed' | 'decline' | 'lose-response' | 'throw' | 'hang' | 'halt';

/** How the fake gateway answers one refund call (see {@link RecordingPaymentGateway.scriptRefunds}). */
export type FakeRefundBehaviour = 'succeed' | 'decline' | 'pending' | 'lose-response' | 'throw' | 'hang' | 'halt';

/**
 * One call of a keyed money move (a transfer, a chargeback share move), as a real gateway answers it: the
 * next scripted behaviour; the key's first definite answer replayed; money moved at most once per key.
 */
async function keyedMove<I extends { readonly idempotencyKey: string }>(
  state: { readonly plan: FakeTransferBehaviour[]; readonly replay: Map<string, PayoutResult>; readonly made: Map<string, I> },
  instruction: I,
  reference: string,
  declineCode: string,
  callOptions: ChargeCallOptions | undefined,
): Promise<PayoutResult> {
  const behaviour = state.plan.shift() ?? 'succeed';
  const replayed = state.replay.get(instruction.idempotencyKey);
  if (replayed) return replayed;
  switch (behaviour) {
    case 'hang':
      return await new Promise<never>((_, reject) => {
        callOptions?.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    case 'throw':
      throw new Error('gateway unreachable');
    case 'halt':
      return { status: 'halted', code: 'IDEMPOTENCY_CONFLICT' };
    case 'decline': {
      const declined: PayoutResult = { status: 'failed', failureCode: declineCode, reference };
      state.replay.set(instruction.idempotencyKey, declined);
      return declined;
    }
    default: {
      if (!state.made.has(instruction.idempotencyKey)) state.made.set(instruction.idempotencyKey, instruction);
      const moved: PayoutResult = { status: 'succeeded', reference };
      state.replay.set(instruction.idempotencyKey, moved);
      if (behaviour === 'lose-response') throw new Error('gateway response lost');
      return moved;
    }
  }
}

/** Creates a {@link RecordingPaymentGateway}. */
export function createRecordingPaymentGateway(options: { latencyMs?: number } = {}): RecordingPaymentGateway {
  const instructions: ChargeInstruction[] = [];
  const charges = new Map<string, ChargeInstruction>();
  const replay = new Map<string, ChargeResult>();
  const plan: FakeChargeBehaviour[] = [];
  let inFlight = 0;
  const refundInstructions: RefundInstruction[] = [];
  const refunds = new Map<string, RefundInstruction>();
  const refundReplay = new Map<string, RefundResult>();
  const refundPlan: FakeRefundBehaviour[] = [];
  const reversals = new Map<string, NonNullable<RefundInstruction['reverseTransfer']>>();
  const transferInstructions: PayoutInstruction[] = [];
  const transfers = new Map<string, PayoutInstruction>();
  const transferReplay = new Map<string, PayoutResult>();
  const transferPlan: FakeTransferBehaviour[] = [];
  const onSessionPlan: Array<'throw' | 'hang' | 'processing' | 'network-error'> = [];
  const onSessionOutcome = new Map<string, 'succeed' | 'fail'>();
  const evidenceCalls: Array<{ kind: 'stage' | 'submit'; instruction: ChargebackEvidenceInstruction }> = [];
  const evidencePlan: Array<'refuse' | 'throw'> = [];
  const shareMoves = new Map<string, ChargebackShareInstruction>();
  const shareReplay = new Map<string, PayoutResult>();
  const sharePlan: FakeTransferBehaviour[] = [];
  const hang = (callOptions?: ChargeCallOptions) =>
    new Promise<never>((_, reject) => {
      callOptions?.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  const evidence = async (kind: 'stage' | 'submit', instruction: ChargebackEvidenceInstruction): Promise<ChargebackEvidenceResult> => {
    const behaviour = evidencePlan.shift();
    if (behaviour === 'throw') throw new Error('gateway unreachable');
    evidenceCalls.push({ kind, instruction });
    return behaviour === 'refuse' ? { status: 'failed', failureCode: 'invalid_evidence', message: 'The evidence was refused' } : { status: 'succeeded' };
  };
  const gateway: RecordingPaymentGateway = {
    async startOnSessionCharge(instruction, callOptions) {
      instructions.push(instruction);
      const behaviour = onSessionPlan.shift();
      if (behaviour === 'throw') throw new Error('gateway unreachable');
      if (behaviour === 'hang') return hang(callOptions);
      if (behaviour === 'processing') return { status: 'unknown', reason: 'processing', reference: `pi_${instruction.idempotencyKey}` };
      if (behaviour === 'network-error') return { status: 'unknown', reason: 'network_error' };
      const outcome = onSessionOutcome.get(instruction.idempotencyKey);
      const reference = `pi_${instruction.idempotencyKey}`;
      if (outcome === 'succeed') return { status: 'succeeded', reference };
      if (outcome === 'fail') return { status: 'failed', failureCode: 'authentication_failed', reference };
      return { status: 'requires_customer', clientSecret: `cs_${instruction.idempotencyKey}`, reference };
    },
    completeOnSession(idempotencyKey, outcome) {
      if (onSessionOutcome.has(idempotencyKey)) return;
      onSessionOutcome.set(idempotencyKey, outcome);
      const instruction = instructions.find((i) => i.idempotencyKey === idempotencyKey);
      if (outcome === 'succeed' && instruction && !charges.has(idempotencyKey)) charges.set(idempotencyKey, instruction);
    },
    scriptOnSession(...behaviours) {
      onSessionPlan.push(...behaviours);
    },
    evidenceCalls,
    scriptEvidence(...behaviours) {
      evidencePlan.push(...behaviours);
    },
    stageChargebackEvidence: (instruction) => evidence('stage', instruction),
    submitChargebackEvidence: (instruction) => evidence('submit', instruction),
    shareMoves,
    scriptShareMoves(...behaviours) {
      sharePlan.push(...behaviours);
    },
    moveChargebackShare(instruction, callOptions) {
      const reference = `${instruction.direction === 'reverse' ? 'trr' : 'tr'}_${instruction.idempotencyKey}`;
      return keyedMove({ plan: sharePlan, replay: shareReplay, made: shareMoves }, instruction, reference, 'insufficient_funds', callOptions);
    },
    reversals,
    transferInstructions,
    transfers,
    scriptTransfers(...behaviours) {
      transferPlan.push(...behaviours);
    },
    async transfer(instruction, callOptions): Promise<PayoutResult> {
      transferInstructions.push(instruction);
      return keyedMove({ plan: transferPlan, replay: transferReplay, made: transfers }, instruction, `tr_${instruction.idempotencyKey}`, 'balance_insufficient', callOptions);
    },
    refundInstructions,
    refunds,
    scriptRefunds(...behaviours) {
      refundPlan.push(...behaviours);
    },
    async refund(instruction, callOptions): Promise<RefundResult> {
      refundInstructions.push(instruction);
      const behaviour = refundPlan.shift() ?? 'succeed';
      const replayed = refundReplay.get(instruction.idempotencyKey);
      if (replayed) return replayed;
      const reference = `re_${instruction.idempotencyKey}`;
      switch (behaviour) {
        case 'hang':
          return await new Promise<never>((_, reject) => {
            callOptions?.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
          });
        case 'throw':
          throw new Error('gateway unreachable');
        case 'halt':
          return { status: 'halted', code: 'IDEMPOTENCY_CONFLICT' };
        case 'decline': {
          const declined: RefundResult = { status: 'failed', failureCode: 'charge_already_refunded', reference };
          refundReplay.set(instruction.idempotencyKey, declined);
          return declined;
        }
        default: {
          if (!refunds.has(instruction.idempotencyKey)) refunds.set(instruction.idempotencyKey, instruction);
          const reverse = instruction.reverseTransfer;
          if (reverse && !reversals.has(reverse.idempotencyKey)) reversals.set(reverse.idempotencyKey, reverse);
          const answer: RefundResult = behaviour === 'pending' ? { status: 'pending', reference } : { status: 'succeeded', reference };
          if (behaviour !== 'pending') refundReplay.set(instruction.idempotencyKey, answer);
          if (behaviour === 'lose-response') throw new Error('gateway response lost');
          return answer;
        }
      }
    },
    instructions,
    charges,
    latencyMs: options.latencyMs ?? 0,
    get inFlight() {
      return inFlight;
    },
    script(...behaviours) {
      plan.push(...behaviours);
    },
    clearScript() {
      plan.length = 0;
    },
    failNext(count = 1) {
      for (let i = 0; i < count; i++) plan.push('decline');
    },
    loseNextResponse(count = 1) {
      for (let i = 0; i < count; i++) plan.push('lose-response');
    },
    async charge(instruction, callOptions): Promise<ChargeResult> {
      instructions.push(instruction);
      inFlight++;
      try {
        const behaviour = plan.shift() ?? 'succeed';
        if (gateway.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, gateway.latencyMs));
        const replayed = replay.get(instruction.idempotencyKey);
        if (replayed) return replayed;
        switch (behaviour) {
          case 'hang':
            return await new Promise<never>((_, reject) => {
              callOptions?.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
            });
          case 'throw':
            throw new Error('gateway unreachable');
          case 'halt':
            return { status: 'halted', code: 'IDEMPOTENCY_CONFLICT' };
          case 'processing':
            return { status: 'unknown', reason: 'processing', reference: `pi_${instruction.idempotencyKey}` };
          case 'malformed':
            return { status: 'requires_action' } as unknown as ChargeResult;
          case 'needs-customer': {
            const declined: ChargeResult = { status: 'failed', failureCode: 'authentication_required', needsCustomer: true, reference: `pi_${instruction.idempotencyKey}` };
            replay.set(instruction.idempotencyKey, declined);
            return declined;
          }
          case 'decline': {
            const declined: ChargeResult = { status: 'failed', failureCode: 'card_declined', reference: `pi_${instruction.idempotencyKey}` };
            replay.set(instruction.idempotencyKey, declined);
            return declined;
          }
          default: {
            if (!charges.has(instruction.idempotencyKey)) charges.set(instruction.idempotencyKey, instruction);
            const paid: ChargeResult = { status: 'succeeded', reference: `pi_${instruction.idempotencyKey}` };
            replay.set(instruction.idempotencyKey, paid);
            if (behaviour === 'lose-response') throw new Error('gateway response lost');
            return paid;
          }
        }
      } finally {
        inFlight--;
      }
    },
  };
  return gateway;
}
