import { type ChargeInstruction, type ChargeResult, type CreateMeetingInput, type Meeting, type PaymentGateway, type VideoProvider } from '@itutor/sessions-core';

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
}

/** Creates a {@link FakeVideoProvider}. Join URLs look like the real providers' (`zoom.us/j/…`, `meet.google.com/…`). */
export function createFakeVideoProvider(): FakeVideoProvider {
  const meetings = new Map<string, CreateMeetingInput & Meeting>();
  const byKey = new Map<string, string>();
  const deleted: string[] = [];
  const calls: CreateMeetingInput[] = [];
  let failure: Error | null = null;
  let counter = 0;
  return {
    meetings,
    deleted,
    calls,
    failNextCreate(error = new Error('video provider unavailable')) {
      failure = error;
    },
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

/** A payment gateway that records every instruction and charges each idempotency key at most once. */
export interface RecordingPaymentGateway extends PaymentGateway {
  /** Every call, in order (retries included). */
  readonly instructions: readonly ChargeInstruction[];
  /** Charges actually made, by idempotency key: what a real gateway would have taken. */
  readonly charges: ReadonlyMap<string, ChargeInstruction>;
  /** The next `count` calls answer `failed`. */
  failNext(count?: number): void;
  /** The next `count` calls throw (result unknown to the caller) — after charging, like a lost response. */
  loseNextResponse(count?: number): void;
  /** Each call waits this many milliseconds first (for throughput benchmarks). */
  latencyMs: number;
}

/** Creates a {@link RecordingPaymentGateway}. */
export function createRecordingPaymentGateway(options: { latencyMs?: number } = {}): RecordingPaymentGateway {
  const instructions: ChargeInstruction[] = [];
  const charges = new Map<string, ChargeInstruction>();
  let failures = 0;
  let lost = 0;
  const gateway: RecordingPaymentGateway = {
    instructions,
    charges,
    latencyMs: options.latencyMs ?? 0,
    failNext(count = 1) {
      failures += count;
    },
    loseNextResponse(count = 1) {
      lost += count;
    },
    async charge(instruction): Promise<ChargeResult> {
      instructions.push(instruction);
      if (gateway.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, gateway.latencyMs));
      if (failures > 0) {
        failures -= 1;
        return { status: 'failed', failureReason: 'card_declined' };
      }
      const first = charges.get(instruction.idempotencyKey);
      if (!first) charges.set(instruction.idempotencyKey, instruction);
      if (lost > 0) {
        lost -= 1;
        throw new Error('gateway response lost');
      }
      return { status: 'succeeded', reference: `ch_${instruction.idempotencyKey}` };
    },
  };
  return gateway;
}
