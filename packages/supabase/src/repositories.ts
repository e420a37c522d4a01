import type {
  AttendanceRepository,
  Chargeback,
  ChargebackReader,
  Dispute,
  DisputeReader,
  Payout,
  PayoutLedgerReader,
  RefundLedgerReader,
  MeetingRepository,
  ClaimOptions,
  InsertSessionResult,
  SessionWrite,
} from '@itutor/sessions-core/adapter';
import type {
  ChargeAttempt,
  Refund,
  ProviderConnection,
  Session,
  SessionEvent,
  SessionsAdapter,
} from '@itutor/sessions-core';
import type { CallRepositoryFunction } from './functions';
import { attendanceList, createAttendanceRepository } from './attendance';
import {
  connectionToRow,
  eventToRow,
  ledgerWriteToRow,
  markToRow,
  rowToChargeAttempt,
  rowToChargeback,
  rowToConnection,
  rowToDispute,
  rowToEvent,
  rowToMeeting,
  rowToPayout,
  rowToRefund,
  rowToSession,
  rowToTokens,
  sessionChangesToRow,
  sessionToRow,
  tokensToRow,
  tokensWriteToRow,
} from './rows';

type Row = Record<string, unknown>;

function rows(value: unknown, fn: string): Row[] {
  if (!Array.isArray(value)) throw new TypeError(`${fn} returned ${JSON.stringify(value)}, expected an array`);
  return value as Row[];
}

function flags(value: unknown, fn: string): boolean[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'boolean')) {
    throw new TypeError(`${fn} returned ${JSON.stringify(value)}, expected an array of booleans`);
  }
  return value as boolean[];
}

/**
 * The adapter of this package: the core's `SessionsAdapter` with its optional `meetings` (the video
 * providers' meeting idempotency, table `video_provider_meetings`) always present.
 */
export interface SupabaseSessionsAdapter extends SessionsAdapter {
  readonly meetings: MeetingRepository;
  /** The refund ledger (table `session_refunds`). */
  readonly refunds: RefundLedgerReader;
  /** The payout ledger of `after_review` sessions (table `session_payouts`). */
  readonly payouts: PayoutLedgerReader;
  /** Disputes (table `session_disputes`). */
  readonly disputes: DisputeReader;
  /** Chargebacks: card disputes at the student's bank (table `session_chargebacks`). */
  readonly chargebacks: ChargebackReader;
  /** Provider-reported attendance (table `session_attendance`). */
  readonly attendance: AttendanceRepository;
}

/** How the repositories write; set by the adapter that knows its connection. */
export interface RepositoryOptions {
  /**
   * Writes that only record charge answers go through `itutor_apply_charge_answers`, which commits
   * them without waiting for the WAL flush (see that migration). Only where every call is its own
   * transaction.
   */
  readonly asyncChargeAnswers?: boolean;
}

/** True when every write records charge answers and nothing else in the ledger. */
const onlyChargeAnswers = (writes: readonly SessionWrite[]) =>
  writes.every((w) => w.ledger !== undefined && w.ledger.length > 0 && w.ledger.every((change) => change.type === 'answer'));

/**
 * Reads of a session and of its attendance that are asked for in the same tick share one call. A no-show
 * reads both side by side (the session, and the provider's evidence of the student's join): as one
 * call (`itutor_find_session_with_attendance`, one statement) that is one round trip, one pooled
 * connection and one statement for the database instead of two. Each read waits one microtask for a
 * partner, then goes alone or together; results and errors are exactly those of the separate calls.
 */
function sessionReads(call: CallRepositoryFunction) {
  interface Waiting<T> {
    readonly promise: Promise<T>;
    resolve(value: T): void;
    reject(error: unknown): void;
  }
  const waiting = <T>(): Waiting<T> => {
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  interface Pending {
    session?: Waiting<unknown>;
    attendance?: Waiting<unknown>;
  }
  const pending = new Map<string, Pending>();

  const send = async (id: string, reads: Pending) => {
    const { session, attendance } = reads;
    try {
      if (session && attendance) {
        const both = (await call('itutor_find_session_with_attendance', { p_id: id })) as { session?: unknown; attendance?: unknown } | null;
        session.resolve(both?.session ?? null);
        attendance.resolve(both?.attendance ?? null);
      } else if (session) session.resolve(await call('itutor_find_session', { p_id: id }));
      else if (attendance) attendance.resolve(await call('itutor_list_session_attendance', { p_session_id: id }));
    } catch (error) {
      session?.reject(error);
      attendance?.reject(error);
    }
  };
  const read = (id: string, what: keyof Pending): Promise<unknown> => {
    let reads = pending.get(id);
    if (!reads) {
      const fresh: Pending = {};
      reads = fresh;
      pending.set(id, fresh);
      queueMicrotask(() => {
        pending.delete(id);
        void send(id, fresh);
      });
    }
    return (reads[what] ??= waiting<unknown>()).promise;
  };
  return { session: (id: string) => read(id, 'session'), attendance: (id: string) => read(id, 'attendance') };
}

/**
 * The repositories (sessions, connections, events, charge ledger, refunds, payouts, disputes, chargebacks, video meetings) over a way to call the repository functions. Every method is exactly one
 * call, hence one round trip and one atomic step in the database; the SQL and supabase-js adapters
 * differ only in how they make the call.
 */
export function createRepositories(call: CallRepositoryFunction, repositoryOptions: RepositoryOptions = {}): SupabaseSessionsAdapter {
  const reads = sessionReads(call);
  const attendance = createAttendanceRepository(call);
  return {
    sessions: sessionRepository(call, repositoryOptions, reads),
    connections: connectionRepository(call),
    meetings: meetingRepository(call),
    events: eventReader(call),
    refunds: refundReader(call),
    payouts: payoutReader(call),
    disputes: disputeReader(call),
    chargebacks: chargebackReader(call),
    attendance: {
      ...attendance,
      async listBySession(sessionId) {
        if (typeof sessionId !== 'string') return [];
        return attendanceList(await reads.attendance(sessionId));
      },
    },
    charges: chargeReader(call),
  };
}

/** Sessions (table `sessions`): insert, find, the atomic writes and the settlement claim. */
function sessionRepository(
  call: CallRepositoryFunction,
  repositoryOptions: RepositoryOptions,
  reads: ReturnType<typeof sessionReads>,
): SessionsAdapter['sessions'] {
  return {
    async insert(session, events): Promise<InsertSessionResult> {
      const result = (await call('itutor_insert_session', {
        p_session: sessionToRow(session),
        p_events: events.map(eventToRow),
      })) as { inserted: boolean; session: Row };
      return { inserted: result.inserted === true, session: rowToSession(result.session) } as InsertSessionResult;
    },

    async findById(id) {
      if (typeof id !== 'string') return null;
      // Shares one call with an attendance read of the same session in the same tick (a no-show).
      const row = (await reads.session(id)) as Row | null;
      return row === null ? null : rowToSession(row);
    },

    async findByBookingId(bookingId) {
      if (typeof bookingId !== 'string') return null;
      const row = (await call('itutor_find_session_by_booking', { p_booking_id: bookingId })) as Row | null;
      return row === null ? null : rowToSession(row);
    },

    async applyWrites(writes: readonly SessionWrite[]): Promise<Array<Session | null>> {
      if (writes.length === 0) return [];
      const fn = repositoryOptions.asyncChargeAnswers === true && onlyChargeAnswers(writes) ? 'itutor_apply_charge_answers' : 'itutor_apply_session_writes';
      const result = flags(
        await call(fn, {
          p_writes: writes.map((w) => ({
            expected_version: w.expectedVersion,
            // The write's id: a write sent again after a lost reply is recognised by it (`sessions.last_write_id`).
            write_id: w.writeId ?? null,
            // Made from `previous`: only what changed, applied onto the stored row (see sessionChangesToRow).
            ...(w.previous ? { session: sessionChangesToRow(w.previous, w.next), partial: true } : { session: sessionToRow(w.next) }),
            events: w.events.map(eventToRow),
            ledger: (w.ledger ?? []).map(ledgerWriteToRow),
          })),
        }),
        fn,
      );
      if (result.length !== writes.length) {
        throw new Error(`${fn} answered ${result.length} writes, expected ${writes.length}`);
      }
      // A winning write stored exactly `next` (the function sets every column from it, or those of a
      // partial row onto a stored row that is `previous`: the compare-and-set holds it at that version);
      // so did the earlier send of a write recognised by its id as sent again.
      return result.map((won, i) => (won === true ? { ...writes[i]!.next } : null));
    },

    async claimForSettlement(options: ClaimOptions): Promise<Session[]> {
      const result = await call('itutor_claim_sessions_for_settlement', {
        p_now: options.now.toISOString(),
        p_limit: Math.max(0, Math.floor(options.limit)),
        p_claim_until: options.claimUntil.toISOString(),
        p_after_at: options.after ? options.after.chargeScheduledAt.toISOString() : null,
        p_after_id: options.after ? options.after.id : null,
        p_lease_due: options.leaseDue === true,
      });
      return rows(result, 'itutor_claim_sessions_for_settlement').map(rowToSession);
    },
  };
}

/** Tutors' provider connections and their sealed tokens (table `tutor_video_provider_connections`). */
function connectionRepository(call: CallRepositoryFunction): SessionsAdapter['connections'] {
  return {
    async findByTutor(tutorId): Promise<ProviderConnection | null> {
      const row = (await call('itutor_find_provider_connection', { p_tutor_id: tutorId })) as Row | null;
      return row === null ? null : rowToConnection(row);
    },

    async save(connection, tokens, event, expectedVersion) {
      const row = (await call('itutor_save_provider_connection', {
        p_connection: connectionToRow(connection),
        p_tokens: tokensToRow(tokens),
        p_event: eventToRow(event),
        p_expected_version: expectedVersion,
      })) as Row | null;
      return row === null ? null : rowToConnection(row);
    },

    async findTokens(tutorId) {
      const row = (await call('itutor_find_provider_tokens', { p_tutor_id: tutorId })) as Row | null;
      return row === null ? null : rowToTokens(row);
    },

    async compareAndSetTokens(tutorId, expectedVersion, next, mark) {
      const won = await call('itutor_compare_and_set_provider_tokens', {
        p_tutor_id: tutorId,
        p_expected_version: expectedVersion,
        p_tokens: tokensWriteToRow(next),
        p_mark: mark === null ? null : markToRow(mark),
      });
      if (typeof won !== 'boolean') throw new TypeError(`itutor_compare_and_set_provider_tokens returned ${JSON.stringify(won)}, expected a boolean`);
      return won;
    },
  };
}

/** The video providers' meeting idempotency (table `video_provider_meetings`). */
function meetingRepository(call: CallRepositoryFunction): MeetingRepository {
  return {
    async find(provider, idempotencyKey) {
      const row = (await call('itutor_find_video_meeting', { p_provider: provider, p_idempotency_key: idempotencyKey })) as Row | null;
      return row === null ? null : rowToMeeting(row);
    },
    async insertIfAbsent(provider, idempotencyKey, meeting) {
      const row = (await call('itutor_insert_video_meeting', {
        p_provider: provider,
        p_idempotency_key: idempotencyKey,
        p_meeting: { meeting_id: meeting.meetingId, join_url: meeting.joinUrl },
      })) as Row | null;
      if (row === null) throw new TypeError('itutor_insert_video_meeting returned null, expected the stored meeting');
      return rowToMeeting(row);
    },
    async remove(provider, meetingId) {
      await call('itutor_remove_video_meeting', { p_provider: provider, p_meeting_id: meetingId });
    },
  };
}

/** The audit log (table `session_events`), read by session or tutor. */
function eventReader(call: CallRepositoryFunction): SessionsAdapter['events'] {
  return {
    async listBySession(sessionId): Promise<SessionEvent[]> {
      return rows(await call('itutor_list_session_events', { p_session_id: sessionId }), 'itutor_list_session_events').map(rowToEvent);
    },
    async listByTutor(tutorId): Promise<SessionEvent[]> {
      return rows(await call('itutor_list_tutor_events', { p_tutor_id: tutorId }), 'itutor_list_tutor_events').map(rowToEvent);
    },
  };
}

/** The refund ledger (table `session_refunds`). */
function refundReader(call: CallRepositoryFunction): RefundLedgerReader {
  return {
    async listBySession(sessionId): Promise<Refund[]> {
      if (typeof sessionId !== 'string') return [];
      return rows(await call('itutor_list_session_refunds', { p_session_id: sessionId }), 'itutor_list_session_refunds').map(rowToRefund);
    },
    async listToRetry(options): Promise<Refund[]> {
      const limit = Math.max(0, Math.min(Math.floor(options.limit), 2_147_483_647));
      if (!Number.isFinite(limit) || limit === 0) return [];
      return rows(
        await call('itutor_list_refunds_to_retry', { p_before: options.before.toISOString(), p_limit: limit }),
        'itutor_list_refunds_to_retry',
      ).map(rowToRefund);
    },
  };
}

/** A list's `limit` as the functions take it: whole, from 0 to the largest integer (0: nothing to read). */
const listLimit = (limit: number) => Math.max(0, Math.min(Math.floor(limit), 2_147_483_647));

/** The payout ledger (table `session_payouts`): a session's rows, and what the payout run should act on. */
function payoutReader(call: CallRepositoryFunction): PayoutLedgerReader {
  return {
    async listBySession(sessionId): Promise<Payout[]> {
      if (typeof sessionId !== 'string') return [];
      return rows(await call('itutor_list_session_payouts', { p_session_id: sessionId }), 'itutor_list_session_payouts').map(rowToPayout);
    },
    async listDue(options): Promise<Payout[]> {
      const limit = listLimit(options.limit);
      if (!Number.isFinite(limit) || limit === 0) return [];
      return rows(
        await call('itutor_list_due_payouts', { p_now: options.now.toISOString(), p_resend_before: options.resendBefore.toISOString(), p_limit: limit }),
        'itutor_list_due_payouts',
      ).map(rowToPayout);
    },
  };
}

/** Disputes (table `session_disputes`): a session's, and the unresolved ones (the platform's queue). */
function disputeReader(call: CallRepositoryFunction): DisputeReader {
  return {
    async findBySession(sessionId): Promise<Dispute | null> {
      if (typeof sessionId !== 'string') return null;
      const row = (await call('itutor_find_session_dispute', { p_session_id: sessionId })) as Row | null;
      return row === null ? null : rowToDispute(row);
    },
    async listUnresolved(options): Promise<Dispute[]> {
      const limit = listLimit(options.limit);
      if (!Number.isFinite(limit) || limit === 0) return [];
      return rows(await call('itutor_list_unresolved_disputes', { p_limit: limit }), 'itutor_list_unresolved_disputes').map(rowToDispute);
    },
  };
}

/** Chargebacks (table `session_chargebacks`): a session's, one by its gateway reference, and the open ones (the platform's work list). */
function chargebackReader(call: CallRepositoryFunction): ChargebackReader {
  return {
    async listBySession(sessionId): Promise<Chargeback[]> {
      if (typeof sessionId !== 'string') return [];
      return rows(await call('itutor_list_session_chargebacks', { p_session_id: sessionId }), 'itutor_list_session_chargebacks').map(rowToChargeback);
    },
    async findByReference(reference): Promise<Chargeback | null> {
      if (typeof reference !== 'string') return null;
      const row = (await call('itutor_find_chargeback_by_reference', { p_reference: reference })) as Row | null;
      return row === null ? null : rowToChargeback(row);
    },
    async listOpen(options): Promise<Chargeback[]> {
      const limit = listLimit(options.limit);
      if (!Number.isFinite(limit) || limit === 0) return [];
      return rows(await call('itutor_list_open_chargebacks', { p_limit: limit }), 'itutor_list_open_chargebacks').map(rowToChargeback);
    },
  };
}

/** The charge ledger (table `session_charges`) and the attention list. */
function chargeReader(call: CallRepositoryFunction): SessionsAdapter['charges'] {
  return {
    async listBySession(sessionId): Promise<ChargeAttempt[]> {
      if (typeof sessionId !== 'string') return [];
      return rows(await call('itutor_list_session_charges', { p_session_id: sessionId }), 'itutor_list_session_charges').map(
        rowToChargeAttempt,
      );
    },
    async listNeedingAttention(options): Promise<Session[]> {
      const limit = Math.max(0, Math.min(Math.floor(options.limit), 2_147_483_647));
      if (!Number.isFinite(limit) || limit === 0) return [];
      return rows(
        await call('itutor_list_sessions_needing_attention', { p_limit: limit }),
        'itutor_list_sessions_needing_attention',
      ).map(rowToSession);
    },
  };
}
