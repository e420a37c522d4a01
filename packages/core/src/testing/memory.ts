import {
  FINAL_CHARGEBACK_STATUSES,
  FINAL_SESSION_MUTABLE_FIELDS,
  shareStillToMove,
  systemClock,
  type AttendanceRepository,
  type Chargeback,
  type ClaimOptions,
  type Dispute,
  type Payout,
  type InsertSessionResult,
  type LedgerWrite,
  type Meeting,
  type MeetingRepository,
  type SessionEventDraft,
  type SessionWrite,
  type StoredProviderTokens,
} from '@itutor/sessions-core/adapter';
import { isFinalStatus } from '@itutor/sessions-core/rules';
import {
  type AttendanceEntry,
  type ChargeAttempt,
  type Clock,
  type Refund,
  type ProviderConnection,
  type SealedProviderTokens,
  type Session,
  type SessionEvent,
  type SessionsAdapter,
  type VideoProviderName,
} from '@itutor/sessions-core';
import type { RawStorageReader } from './contract';

/** The in-memory adapter plus a raw view of its storage for tests. */
export interface InMemoryAdapter extends SessionsAdapter {
  /** Reads storage directly, bypassing the repositories (for the contract suite and assertions). */
  readonly raw: RawStorageReader;
  /** Meeting idempotency storage (the video package's `MeetingStore`). */
  readonly meetings: MeetingRepository;
  /** Provider-reported attendance. */
  readonly attendance: AttendanceRepository;
}

/** A connection's token columns: the sealed tokens (or none), their version and the refresh lease. */
interface TokenSlot {
  readonly tokens: SealedProviderTokens | null;
  readonly version: number;
  readonly refreshLeaseUntil: Date | null;
  readonly updatedAt: Date | null;
}

/**
 * Stored values are never handed out by reference: every read and write copies. Sessions, ledger rows
 * and connections are flat records whose only objects are `Date`s, which the SDK never mutates, so a
 * shallow copy is enough and far cheaper than a deep clone; event payloads are cloned deeply.
 */
const copy = <T>(value: T): T => (value === null || typeof value !== 'object' ? value : Array.isArray(value) ? (value.map(copy) as T) : { ...value });

/** A deep copy of plain JSON-like data (payloads): objects, arrays, `Date`s and primitives. */
function deepCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(deepCopy) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = deepCopy((value as Record<string, unknown>)[key]);
  return out as T;
}

/**
 * A session's copy. Its own function, not `copy`: a spread site that sees sessions only stays fast, one
 * that sees every stored shape goes megamorphic and copies through the runtime (about 6× slower, with
 * temporary garbage the settlement benchmark's GC figure showed).
 */
const copySession = (session: Session): Session => ({ ...session });

const sameValue = (a: unknown, b: unknown) => a === b || (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());

/**
 * `next` as a write made from `previous` stores it onto `stored` (`SessionWrite.previous`): the fields in
 * which `next` differs from `previous`, id, version and claimedUntil; every other field as stored. Equal to
 * `next` when `stored` is `previous` (the compare-and-set's case); none stored: `next`.
 */
function changesOnto(stored: Session | undefined, previous: Session, next: Session): Session {
  if (!stored) return next;
  const merged: Record<string, unknown> = { ...stored, id: next.id, version: next.version, claimedUntil: next.claimedUntil };
  for (const key of Object.keys(next) as Array<keyof Session>) {
    if (!sameValue(next[key], previous[key])) merged[key] = next[key];
  }
  return merged as unknown as Session;
}

const copyEvent = (e: SessionEvent): SessionEvent => ({ ...e, payload: deepCopy(e.payload) });

/** Returns true when `next` changes only fields a final session may still change. */
const FINAL_MUTABLE: ReadonlySet<string> = new Set<string>(FINAL_SESSION_MUTABLE_FIELDS);
function changesOnlyBookkeeping(stored: Session, next: Session): boolean {
  const mutable = FINAL_MUTABLE;
  for (const key of Object.keys(stored) as Array<keyof Session>) {
    if (mutable.has(key)) continue;
    const a = stored[key];
    const b = next[key];
    const same = a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
    if (!same) return false;
  }
  return true;
}

/** Raised when a write breaks a rule storage enforces (what a database's constraints would refuse). */
class StorageConstraintError extends Error {
  override readonly name = 'StorageConstraintError';
}

/** The ledger rules storage enforces, whoever writes: amounts equal the session's, one success. */
function checkAttempt(attempt: ChargeAttempt, session: Session, others: readonly ChargeAttempt[]): void {
  if (
    attempt.amountMinor !== session.chargeAmountMinor ||
    attempt.payoutMinor !== session.payoutAmountMinor ||
    attempt.feeMinor !== session.platformFeeMinor ||
    attempt.currency !== session.currency ||
    attempt.amountMinor !== attempt.payoutMinor + attempt.feeMinor ||
    attempt.amountMinor <= 0
  ) {
    throw new StorageConstraintError(`charge attempt ${attempt.sessionId}#${attempt.attempt}: amounts differ from the session's outcome`);
  }
  if (attempt.status === 'succeeded' && others.some((o) => o.attempt !== attempt.attempt && o.status === 'succeeded')) {
    throw new StorageConstraintError(`session ${attempt.sessionId} already has a succeeded charge`);
  }
}

/** The attempt statuses that never change again: money taken, a definite decline, a halt. */
const SETTLED_ATTEMPT: ReadonlySet<string> = new Set(['succeeded', 'failed', 'halted']);

const sameInstant = (a: Date | null, b: Date | null) => (a === null || b === null ? a === b : a.getTime() === b.getTime());

/**
 * The ledger's storage rules for a change of a stored attempt, whoever writes (the record of money taken
 * is immutable): a succeeded, failed or halted attempt never changes; otherwise the status only moves
 * forward (never back to `pending`), the key, outcome, amounts, currency and `requestedAt` never change,
 * `calls` never go down, and a stored reference is never replaced or erased.
 */
function checkAttemptChange(before: ChargeAttempt, after: ChargeAttempt): void {
  const fail = (message: string) => {
    throw new StorageConstraintError(`charge attempt ${before.sessionId}#${before.attempt}: ${message}`);
  };
  const unchanged =
    before.status === after.status &&
    before.gatewayReference === after.gatewayReference &&
    before.failureCode === after.failureCode &&
    before.calls === after.calls &&
    sameInstant(before.answeredAt, after.answeredAt);
  if (
    before.sessionId !== after.sessionId ||
    before.attempt !== after.attempt ||
    before.idempotencyKey !== after.idempotencyKey ||
    before.outcome !== after.outcome ||
    before.amountMinor !== after.amountMinor ||
    before.payoutMinor !== after.payoutMinor ||
    before.feeMinor !== after.feeMinor ||
    before.currency !== after.currency ||
    !sameInstant(before.requestedAt, after.requestedAt)
  ) {
    fail("an attempt's key, outcome, amounts, currency and requested time never change");
  }
  if (unchanged) return;
  if (SETTLED_ATTEMPT.has(before.status)) fail(`the attempt is ${before.status}: it never changes again`);
  if (after.status === 'pending') fail('an answered attempt never goes back to pending');
  if (before.gatewayReference !== null && after.gatewayReference !== before.gatewayReference) fail('a stored gateway reference is never replaced');
  if (after.calls < before.calls) fail('calls never go down');
}

/** The charge-summary fields of a session: frozen once its charge succeeded. */
const SUMMARY_FIELDS = ['chargeStatus', 'chargeIdempotencyKey', 'chargeAttempts', 'chargeReference'] as const;

/**
 * The session side of the same rule, whoever writes: the charge summary of a session whose charge
 * succeeded never changes, and no write sets a `chargeStatus` other than `succeeded` on a final session
 * whose ledger holds a succeeded attempt (a session that was paid never asks for money again).
 */
function checkChargeSummary(stored: Session, next: Session, ledger: readonly ChargeAttempt[]): void {
  if (stored.chargeStatus === 'succeeded' && SUMMARY_FIELDS.some((k) => stored[k] !== next[k])) {
    throw new StorageConstraintError(`session ${stored.id}: its charge succeeded, the charge summary never changes`);
  }
  if (
    isFinalStatus(stored.status) &&
    next.chargeStatus !== 'succeeded' &&
    next.chargeStatus !== stored.chargeStatus &&
    ledger.some((a) => a.status === 'succeeded')
  ) {
    throw new StorageConstraintError(`session ${stored.id}: its ledger holds a success, its charge status stays succeeded`);
  }
}

/** No attempt is opened for a session whose ledger holds a succeeded attempt: money taken is never asked for again. */
function checkNoAttemptAfterSuccess(attempt: ChargeAttempt, rows: readonly ChargeAttempt[]): void {
  if (rows.some((r) => r.attempt !== attempt.attempt && r.status === 'succeeded')) {
    throw new StorageConstraintError(`session ${attempt.sessionId} already has a succeeded charge: no attempt may be opened`);
  }
}

/**
 * The refund rules storage enforces, whoever writes: a refund returns money of a succeeded attempt, its
 * parts sum to its amount, the refunds not failed never exceed the charge, its payout or its fee, and a
 * settled refund (succeeded / failed) never changes.
 */
function checkRefunds(sessionId: string, refunds: readonly Refund[], attempts: readonly ChargeAttempt[], before: readonly Refund[]): void {
  const fail = (message: string) => {
    throw new StorageConstraintError(`refund of session ${sessionId}: ${message}`);
  };
  const keys = new Set<string>();
  for (const r of refunds) {
    if (r.sessionId !== sessionId) fail(`refund ${r.refund} names another session`);
    if (keys.has(r.idempotencyKey) || refunds.filter((o) => o.refund === r.refund).length > 1) fail(`refund ${r.refund} or its key is not unique`);
    keys.add(r.idempotencyKey);
    const charge = attempts.find((a) => a.attempt === r.attempt);
    if (!charge || charge.status !== 'succeeded') fail(`refund ${r.refund} is not of a succeeded charge attempt`);
    if (r.amountMinor < 1 || r.payoutMinor < 0 || r.feeMinor < 0 || r.amountMinor !== r.payoutMinor + r.feeMinor || r.currency !== charge!.currency) {
      fail(`refund ${r.refund}: amounts are not a valid split`);
    }
    const old = before.find((o) => o.refund === r.refund);
    if (old && (old.status === 'succeeded' || old.status === 'failed') && (old.status !== r.status || old.amountMinor !== r.amountMinor)) {
      fail(`refund ${r.refund} is settled (${old.status})`);
    }
  }
  for (const charge of attempts) {
    const live = refunds.filter((r) => r.attempt === charge.attempt && r.status !== 'failed');
    const sum = (k: 'amountMinor' | 'payoutMinor' | 'feeMinor') => live.reduce((t, r) => t + r[k], 0);
    if (sum('amountMinor') > charge.amountMinor || sum('payoutMinor') > charge.payoutMinor || sum('feeMinor') > charge.feeMinor) {
      fail(`refunds exceed charge attempt ${charge.attempt}`);
    }
  }
}

/**
 * The payout rules storage enforces, whoever writes (`payouts`: the session's rows after the write): only an
 * `after_review` session of a succeeded charge has rows; keys and numbers are unique; at most one payout
 * succeeds; a sent (`pending`) payout's amount is exactly the outcome's payout less the tutor's part of the
 * refunds not failed, a `cancelled` one's 0 with nothing left; nothing is sent while the dispute is
 * unresolved; a settled row (`succeeded`, `failed`, `halted`, `cancelled`) never changes.
 */
function checkPayouts(
  session: Session,
  payouts: readonly Payout[],
  before: readonly Payout[],
  ctx: { readonly charges: readonly ChargeAttempt[]; readonly refunds: readonly Refund[]; readonly dispute: Dispute | null; readonly chargebacks: readonly Chargeback[] },
): void {
  const fail = (message: string) => {
    throw new StorageConstraintError(`payout of session ${session.id}: ${message}`);
  };
  if (payouts.length === 0) return;
  if (session.payoutTiming !== 'after_review') fail('only an after_review session has payout rows');
  const charge = ctx.charges.find((a) => a.status === 'succeeded');
  if (!charge) fail('no succeeded charge to pay out from');
  const keys = new Set<string>();
  const withheld = ctx.chargebacks.reduce((t, c) => t + (c.tutorShare === 'withheld' ? c.tutorShareMinor : 0), 0);
  const left = Math.max(0, (session.payoutAmountMinor ?? 0) - ctx.refunds.filter((r) => r.status !== 'failed').reduce((t, r) => t + r.payoutMinor, 0) - withheld);
  for (const p of payouts) {
    if (p.sessionId !== session.id || p.timing !== 'after_review' || p.currency !== session.currency) fail(`payout ${p.payout} does not match its session`);
    if (keys.has(p.idempotencyKey) || payouts.filter((o) => o.payout === p.payout).length > 1) fail(`payout ${p.payout} or its key is not unique`);
    keys.add(p.idempotencyKey);
    if (!Number.isSafeInteger(p.amountMinor) || p.amountMinor < 0 || p.amountMinor > (session.payoutAmountMinor ?? 0)) fail(`payout ${p.payout}: amount out of range`);
    const old = before.find((o) => o.payout === p.payout);
    if (!old) {
      if (p.status !== 'scheduled' || p.amountMinor !== session.payoutAmountMinor) fail(`payout ${p.payout} must open scheduled for the outcome's payout`);
      continue;
    }
    if (old.status === p.status && old.amountMinor === p.amountMinor && old.calls === p.calls) continue;
    if (['succeeded', 'failed', 'halted', 'cancelled'].includes(old.status)) fail(`payout ${p.payout} is ${old.status}: it never changes again`);
    if (old.idempotencyKey !== p.idempotencyKey || old.dueAt.getTime() !== p.dueAt.getTime()) fail(`payout ${p.payout}: key and due time never change`);
    if (old.status === 'scheduled') {
      if (p.status !== 'pending' && p.status !== 'cancelled') fail(`payout ${p.payout} must be sent or cancelled first`);
      if (ctx.dispute !== null && ctx.dispute.status !== 'resolved') fail(`payout ${p.payout} is held by an open dispute`);
      if (ctx.chargebacks.some((c) => !FINAL_CHARGEBACK_STATUSES.includes(c.status))) fail(`payout ${p.payout} is held by an open chargeback`);
      if (p.status === 'pending' && (p.amountMinor !== left || left < 1)) fail(`payout ${p.payout}: the amount sent must be what is left to pay (${left})`);
      if (p.status === 'cancelled' && (p.amountMinor !== 0 || left !== 0)) fail(`payout ${p.payout}: cancelled only with nothing left to pay`);
      if (p.refundsBefore !== ctx.refunds.reduce((max, r) => Math.max(max, r.refund), 0)) fail(`payout ${p.payout}: refundsBefore must be the session's last refund number`);
    } else {
      if (p.amountMinor !== old.amountMinor || p.status === 'scheduled' || p.status === 'pending' || p.status === 'cancelled') fail(`payout ${p.payout}: a sent payout only takes an answer`);
      if (old.gatewayReference !== null && p.gatewayReference !== old.gatewayReference) fail(`payout ${p.payout}: a stored reference is never replaced`);
    }
  }
  if (payouts.filter((p) => p.status === 'succeeded').length > 1) fail('at most one payout succeeds');
}

/** The dispute rules storage enforces: one per session, on a succeeded charge; a resolved one never changes. */
function checkDispute(session: Session, next: Dispute, before: Dispute | null, opening: boolean, charges: readonly ChargeAttempt[]): void {
  const fail = (message: string) => {
    throw new StorageConstraintError(`dispute of session ${session.id}: ${message}`);
  };
  if (next.sessionId !== session.id) fail('names another session');
  if (opening) {
    if (before !== null) fail('the session already has a dispute');
    if (next.status !== 'open' || !charges.some((a) => a.status === 'succeeded')) fail('opens only as open, on a succeeded charge');
    return;
  }
  if (before === null) fail('does not exist');
  if (before!.status === 'resolved') fail('is resolved: it never changes again');
  if (before!.reason !== next.reason || before!.openedBy !== next.openedBy || before!.openedAt.getTime() !== next.openedAt.getTime()) {
    fail('its reason, student and opening time never change');
  }
  if (next.status === 'resolved' && (next.resolution === null || next.refundMinor === null || next.resolvedAt === null)) fail('a resolution needs its outcome');
}

/** The tutor-share moves storage allows (see `ChargebackTutorShare`). */
const SHARE_MOVES: Readonly<Record<string, readonly string[]>> = { none: ['reversed', 'withheld', 'failed'], reversed: ['reinstated', 'failed'], failed: ['reversed', 'reinstated'] };
const EVIDENCE_ORDER = ['none', 'staged', 'submitted'];

/**
 * The chargeback rules storage enforces, whoever writes (`rows`: the session's chargebacks after the write):
 * numbers run 1, 2, … and references are unique (across sessions too); a chargeback is of a succeeded attempt;
 * its identity never changes; evidence only moves forward (a submitted one never changes); the tutor share
 * only moves along `SHARE_MOVES`; funds withdrawn and reinstated never go down; nothing is deleted.
 */
function checkChargebacks(session: Session, rows: readonly Chargeback[], before: readonly Chargeback[], charges: readonly ChargeAttempt[], referenceTaken: (reference: string, sessionId: string) => boolean): void {
  const fail = (message: string) => {
    throw new StorageConstraintError(`chargeback of session ${session.id}: ${message}`);
  };
  const fields = ['attempt', 'reference', 'currency', 'lossBearer', 'tutorShareMinor', 'amountMinor'] as const;
  for (const c of rows) {
    if (c.sessionId !== session.id) fail(`chargeback ${c.chargeback} names another session`);
    if (rows.filter((o) => o.chargeback === c.chargeback || o.reference === c.reference).length > 1 || referenceTaken(c.reference, session.id)) fail(`chargeback ${c.chargeback} or its reference is not unique`);
    if (!charges.some((a) => a.attempt === c.attempt && a.status === 'succeeded')) fail(`chargeback ${c.chargeback} is not of a succeeded charge attempt`);
    if ([c.amountMinor, c.feeMinor, c.fundsWithdrawnMinor, c.fundsReinstatedMinor, c.tutorShareMinor].some((v) => !Number.isSafeInteger(v) || v < 0)) fail(`chargeback ${c.chargeback}: amounts must be whole and ≥ 0`);
    const old = before.find((o) => o.chargeback === c.chargeback);
    if (!old) {
      if (c.chargeback !== before.reduce((max, o) => Math.max(max, o.chargeback), 0) + 1) fail(`chargeback ${c.chargeback} is not the session's next number`);
      if (c.evidence !== 'none' || c.tutorShare !== 'none') fail(`chargeback ${c.chargeback} opens with no evidence and no share moved`);
      continue;
    }
    if (fields.some((k) => old[k] !== c[k]) || old.openedAt.getTime() !== c.openedAt.getTime()) fail(`chargeback ${c.chargeback}: its identity never changes`);
    if (EVIDENCE_ORDER.indexOf(c.evidence) < EVIDENCE_ORDER.indexOf(old.evidence) || (old.evidence === 'submitted' && (c.submittedAt?.getTime() !== old.submittedAt?.getTime() || c.submittedBy !== old.submittedBy))) {
      fail(`chargeback ${c.chargeback}: evidence only moves forward`);
    }
    if (old.tutorShare !== c.tutorShare && !(SHARE_MOVES[old.tutorShare] ?? []).includes(c.tutorShare)) fail(`chargeback ${c.chargeback}: the tutor share cannot move from ${old.tutorShare} to ${c.tutorShare}`);
    if (c.fundsWithdrawnMinor < old.fundsWithdrawnMinor || c.fundsReinstatedMinor < old.fundsReinstatedMinor) fail(`chargeback ${c.chargeback}: funds never go down`);
  }
  if (before.some((o) => !rows.some((c) => c.chargeback === o.chargeback))) fail('a chargeback is never deleted');
}

/**
 * When a final session's pending charge became the cron's to collect: its `chargeScheduledAt`, or its
 * `finalizedAt` when it was made final before then (a late cancellation, a no-show).
 */
const collectableAt = (s: Session) =>
  s.finalizedAt !== null && s.finalizedAt.getTime() < s.chargeScheduledAt.getTime() ? s.finalizedAt.getTime() : s.chargeScheduledAt.getTime();

const byDueOrder = (a: Pick<Session, 'chargeScheduledAt' | 'id'>, b: Pick<Session, 'chargeScheduledAt' | 'id'>) =>
  a.chargeScheduledAt.getTime() - b.chargeScheduledAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * A complete adapter in process memory: for tests, demos and benchmarks. Each method is atomic (it
 * never awaits between its read and its write), so services racing through it behave like they would
 * against a database's row locks. `clock` stamps `recordedAt` on events (default: the system clock).
 *
 * Claims cost what they return, not what is stored: non-final sessions are kept in due order and
 * final ones with a charge to collect in a set of their own, so a claim never scans the whole store.
 */
export function createInMemoryAdapter(options: { clock?: Clock } = {}): InMemoryAdapter {
  const clock = options.clock ?? systemClock;
  const sessions = new Map<string, Session>();
  const byBooking = new Map<string, string>();
  const events: SessionEvent[] = [];
  const eventsBySession = new Map<string, SessionEvent[]>();
  const connections = new Map<string, ProviderConnection>();
  const tokens = new Map<string, TokenSlot>();
  const meetings = new Map<string, Meeting>();
  const meetingKey = (provider: VideoProviderName, key: string) => `${provider}\u0000${key}`;
  /** Sessions by (provider, meetingId), in insertion order; attendance by (provider, eventId) and by session. */
  const byMeeting = new Map<string, string[]>();
  const attendanceKeys = new Set<string>();
  const attendanceBySession = new Map<string, AttendanceEntry[]>();
  /** The stored tokens as a token manager reads them, or `null`. */
  const storedTokens = (tutorId: string): StoredProviderTokens | null => {
    const c = connections.get(tutorId);
    const slot = tokens.get(tutorId);
    if (!c || !slot?.tokens) return null;
    return {
      provider: c.provider,
      status: c.status,
      version: slot.version,
      accessToken: { ...slot.tokens.accessToken },
      refreshToken: slot.tokens.refreshToken === null ? null : { ...slot.tokens.refreshToken },
      expiresAt: slot.tokens.expiresAt,
      refreshLeaseUntil: slot.refreshLeaseUntil,
      updatedAt: slot.updatedAt ?? c.updatedAt,
    };
  };
  const charges = new Map<string, ChargeAttempt[]>();
  const refunds = new Map<string, Refund[]>();
  const payouts = new Map<string, Payout[]>();
  const disputes = new Map<string, Dispute>();
  const chargebacks = new Map<string, Chargeback[]>();
  /** The write id of the last write applied to each session (writes without one leave none). */
  const lastWriteIds = new Map<string, string>();
  let eventSeq = 0;

  // Non-final sessions in due order (stale entries, now final, are skipped and dropped lazily), and
  // final sessions whose charge is still to be collected.
  let dueOrder: Session[] = [];
  let dueHead = 0;
  let dueSorted = true;
  const toCollect = new Set<string>();
  const track = (s: Session) => {
    if (!isFinalStatus(s.status)) {
      const last = dueOrder[dueOrder.length - 1];
      if (last !== undefined && byDueOrder(last, s) > 0) dueSorted = false;
      dueOrder.push(s);
    }
  };
  const retrack = (s: Session) => {
    if (isFinalStatus(s.status) && s.chargeStatus === 'pending') toCollect.add(s.id);
    else toCollect.delete(s.id);
  };

  /** A session's attendance as `listBySession` answers it: copies, by `occurredAt`, then `eventId`. */
  const attendanceOf = (sessionId: string): AttendanceEntry[] =>
    (attendanceBySession.get(sessionId) ?? [])
      .map(copy)
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));

  const append = (drafts: readonly SessionEventDraft[]) => {
    const recordedAt = clock.now();
    for (const draft of drafts) {
      eventSeq += 1;
      // A literal, not a spread of the draft: V8 freezes an object built by spread on a slow path
      // (about 3 µs, 50× a literal's), which made freezing most of the in-memory settlement's cost.
      // Frozen: the log is append-only, an event can never change (see raw.tryChangeEvent).
      const event: SessionEvent = Object.freeze({
        type: draft.type,
        sessionId: draft.sessionId,
        tutorId: draft.tutorId,
        actor: draft.actor,
        occurredAt: draft.occurredAt,
        payload: deepCopy(draft.payload),
        id: `evt_${String(eventSeq).padStart(8, '0')}`,
        recordedAt,
      });
      events.push(event);
      if (draft.sessionId !== null) {
        const list = eventsBySession.get(draft.sessionId) ?? [];
        list.push(event);
        eventsBySession.set(draft.sessionId, list);
      }
    }
  };

  /** Checks a write's ledger changes against the next session; returns the ledger rows to store. */
  const planLedger = (
    next: Session,
    writes: readonly LedgerWrite[],
  ): { rows: ChargeAttempt[]; refundRows: Refund[] | null; payoutRows: Payout[] | null; dispute: Dispute | null | undefined; chargebackRows: Chargeback[] | null } => {
    const rows = [...(charges.get(next.id) ?? [])];
    const before = refunds.get(next.id) ?? [];
    const payoutsBefore = payouts.get(next.id) ?? [];
    let refundRows: Refund[] | null = null;
    let payoutRows: Payout[] | null = null;
    let dispute: Dispute | null | undefined;
    const storedDispute = disputes.get(next.id) ?? null;
    const chargebacksBefore = chargebacks.get(next.id) ?? [];
    let chargebackRows: Chargeback[] | null = null;
    for (const w of writes) {
      if (w.type === 'payout_open') {
        payoutRows ??= [...payoutsBefore];
        payoutRows.push(copy(w.payout));
      } else if (w.type === 'payout_send' || w.type === 'payout_answer') {
        payoutRows ??= [...payoutsBefore];
        const i = payoutRows.findIndex((p) => p.payout === w.payout);
        if (i < 0 || w.sessionId !== next.id) throw new StorageConstraintError(`payout ${w.sessionId}#${w.payout} does not exist`);
        const row = payoutRows[i]!;
        payoutRows[i] =
          w.type === 'payout_send'
            ? { ...row, status: w.status, amountMinor: w.amountMinor, sentAt: w.sentAt, refundsBefore: w.refundsBefore }
            : { ...row, status: w.status, gatewayReference: w.gatewayReference ?? row.gatewayReference, failureCode: w.failureCode, answeredAt: w.answeredAt, calls: row.calls + 1 };
      } else if (w.type === 'dispute_open' || w.type === 'dispute_update') {
        checkDispute(next, w.dispute, dispute === undefined ? storedDispute : dispute, w.type === 'dispute_open', rows);
        dispute = copy(w.dispute);
      } else if (w.type === 'chargeback_open') {
        chargebackRows ??= [...chargebacksBefore];
        chargebackRows.push(copy(w.chargeback));
      } else if (w.type === 'chargeback_update') {
        chargebackRows ??= [...chargebacksBefore];
        const i = chargebackRows.findIndex((c) => c.chargeback === w.chargeback.chargeback);
        if (i < 0 || w.chargeback.sessionId !== next.id) throw new StorageConstraintError(`chargeback ${w.chargeback.sessionId}#${w.chargeback.chargeback} does not exist`);
        chargebackRows[i] = copy(w.chargeback);
      } else if (w.type === 'refund_open') {
        refundRows ??= [...before];
        refundRows.push(copy(w.refund));
      } else if (w.type === 'refund_answer') {
        refundRows ??= [...before];
        const i = refundRows.findIndex((r) => r.refund === w.refund);
        if (i < 0 || w.sessionId !== next.id) throw new StorageConstraintError(`refund ${w.sessionId}#${w.refund} does not exist`);
        const row = refundRows[i]!;
        refundRows[i] = {
          ...row,
          status: w.status,
          gatewayReference: w.gatewayReference ?? row.gatewayReference,
          failureCode: w.failureCode,
          answeredAt: w.answeredAt,
          calls: row.calls + 1,
        };
      } else if (w.type === 'open') {
        if (w.attempt.sessionId !== next.id || rows.some((r) => r.attempt === w.attempt.attempt || r.idempotencyKey === w.attempt.idempotencyKey)) {
          throw new StorageConstraintError(`charge attempt ${w.attempt.sessionId}#${w.attempt.attempt} already exists`);
        }
        checkNoAttemptAfterSuccess(w.attempt, rows);
        checkAttempt(w.attempt, next, rows);
        rows.push(copy(w.attempt));
      } else {
        const i = rows.findIndex((r) => r.attempt === w.attempt);
        if (i < 0 || w.sessionId !== next.id) throw new StorageConstraintError(`charge attempt ${w.sessionId}#${w.attempt} does not exist`);
        const row = rows[i]!;
        const updated: ChargeAttempt = {
          ...row,
          status: w.status,
          gatewayReference: w.gatewayReference ?? row.gatewayReference,
          failureCode: w.failureCode,
          answeredAt: w.answeredAt,
          calls: row.calls + 1,
        };
        checkAttemptChange(row, updated);
        checkAttempt(updated, next, rows);
        rows[i] = updated;
      }
    }
    if (refundRows) checkRefunds(next.id, refundRows, rows, before);
    if (chargebackRows) {
      const taken = (reference: string, sessionId: string) => [...chargebacks].some(([id, list]) => id !== sessionId && list.some((c) => c.reference === reference));
      checkChargebacks(next, chargebackRows, chargebacksBefore, rows, taken);
    }
    if (payoutRows) {
      const dispute_ = dispute === undefined ? storedDispute : dispute;
      checkPayouts(next, payoutRows, payoutsBefore, { charges: rows, refunds: refundRows ?? before, dispute: dispute_, chargebacks: chargebackRows ?? chargebacksBefore });
    }
    return { rows, refundRows, payoutRows, dispute, chargebackRows };
  };

  // Yield once so callers interleave the way they would over a network.
  const tick = () => Promise.resolve();

  const raw: RawStorageReader = {
    async session(id) {
      const s = sessions.get(id);
      return s ? copySession(s) : null;
    },
    async sessionsForBooking(bookingId) {
      const id = byBooking.get(bookingId);
      return id ? [copySession(sessions.get(id)!)] : [];
    },
    async events(sessionId) {
      return (eventsBySession.get(sessionId) ?? []).map(copyEvent);
    },
    async tutorEvents(tutorId) {
      return events.filter((e) => e.tutorId === tutorId).map(copyEvent);
    },
    async connections(tutorId) {
      const c = connections.get(tutorId);
      return c ? [copy(c)] : [];
    },
    async tokens(tutorId) {
      return storedTokens(tutorId);
    },
    async charges(sessionId) {
      return (charges.get(sessionId) ?? []).map(copy);
    },
    async refunds(sessionId) {
      return (refunds.get(sessionId) ?? []).map(copy);
    },
    async tryWriteRefund(refund) {
      const before = refunds.get(refund.sessionId) ?? [];
      const rows = [...before.filter((r) => r.refund !== refund.refund), copy(refund)];
      try {
        checkRefunds(refund.sessionId, rows, charges.get(refund.sessionId) ?? [], before);
      } catch {
        return false;
      }
      refunds.set(refund.sessionId, rows.sort((a, b) => a.refund - b.refund));
      return true;
    },
    async tryChangeEvent(change) {
      if (change.kind === 'append') {
        append([change.event]);
        return true;
      }
      // Events are frozen objects and the log is never spliced: storage has no way to change or remove one.
      const id = change.kind === 'replace' ? change.event.id : change.eventId;
      const index = events.findIndex((e) => e.id === id);
      if (index < 0) return false;
      const event = events[index]!;
      // Reflect answers whether the object took the change, in strict and sloppy code alike.
      if (change.kind === 'remove') return Reflect.deleteProperty(event, 'type');
      const { type, payload, occurredAt, actor } = change.event;
      return [Reflect.set(event, 'type', type), Reflect.set(event, 'payload', payload), Reflect.set(event, 'occurredAt', occurredAt), Reflect.set(event, 'actor', actor)].every(Boolean);
    },
    async tryWriteSession(session) {
      const stored = sessions.get(session.id);
      if (!stored) return false;
      // The rule a database enforces with a trigger: a final session changes its bookkeeping only.
      if (isFinalStatus(stored.status) && !changesOnlyBookkeeping(stored, session)) return false;
      if (stored.chargeScheduledAt.getTime() !== session.chargeScheduledAt.getTime() || stored.bookingId !== session.bookingId) return false;
      const next = copySession(session);
      sessions.set(session.id, next);
      retrack(next);
      return true;
    },
    async attendance(sessionId) {
      return (attendanceBySession.get(sessionId) ?? []).map(copy);
    },
    async tryWriteCharge(attempt) {
      const session = sessions.get(attempt.sessionId);
      if (!session) return false;
      const rows = charges.get(attempt.sessionId) ?? [];
      const stored = rows.find((r) => r.attempt === attempt.attempt);
      const others = rows.filter((r) => r.attempt !== attempt.attempt);
      if (others.some((r) => r.idempotencyKey === attempt.idempotencyKey)) return false;
      try {
        if (stored) checkAttemptChange(stored, attempt);
        else checkNoAttemptAfterSuccess(attempt, rows);
        checkAttempt(attempt, session, others);
      } catch {
        return false;
      }
      charges.set(attempt.sessionId, [...others, copy(attempt)].sort((a, b) => a.attempt - b.attempt));
      return true;
    },
    async tryWriteChargeSummary(sessionId, summary) {
      const stored = sessions.get(sessionId);
      if (!stored) return false;
      const next: Session = { ...stored };
      for (const key of SUMMARY_FIELDS) if (key in summary) (next as unknown as Record<string, unknown>)[key] = summary[key];
      try {
        checkChargeSummary(stored, next, charges.get(sessionId) ?? []);
      } catch {
        return false;
      }
      sessions.set(sessionId, next);
      retrack(next);
      return true;
    },
  };

  return {
    raw,
    sessions: {
      async insert(session, drafts): Promise<InsertSessionResult> {
        await tick();
        const existingId = byBooking.get(session.bookingId);
        if (existingId) return { inserted: false, session: copySession(sessions.get(existingId)!) };
        const stored = copySession(session);
        sessions.set(session.id, stored);
        byBooking.set(session.bookingId, session.id);
        const mk = meetingKey(session.provider, session.meetingId);
        byMeeting.set(mk, [...(byMeeting.get(mk) ?? []), session.id]);
        track(stored);
        retrack(stored);
        append(drafts);
        return { inserted: true, session: copySession(session) };
      },
      async findById(id) {
        await tick();
        const s = sessions.get(id);
        return s ? copySession(s) : null;
      },
      async findByBookingId(bookingId) {
        await tick();
        const id = byBooking.get(bookingId);
        return id ? copySession(sessions.get(id)!) : null;
      },
      async applyWrites(sent: readonly SessionWrite[]) {
        await tick();
        // A write made from `previous` changes only the fields in which `next` differs from it (and
        // claimedUntil), onto the session as the batch's earlier writes leave it: as the SQL functions
        // apply a partial row (and a batch's repeated sessions, one write after another).
        const upTo = new Map<string, Session>();
        const writes = sent.map((w) => {
          const current = upTo.get(w.next.id) ?? sessions.get(w.next.id);
          const write = w.previous ? { ...w, next: changesOnto(current, w.previous, w.next) } : w;
          if (current && current.version === w.expectedVersion) upTo.set(w.next.id, write.next);
          return write;
        });
        // Plan every write first: a broken storage rule fails the whole batch, as one statement would.
        const seen = new Map<string, Session>();
        const plans = writes.map(({ expectedVersion, next, ledger, writeId }) => {
          const stored = seen.get(next.id) ?? sessions.get(next.id);
          if (!stored) return null;
          if (stored.version !== expectedVersion) {
            // The session's last applied write sent again (its reply was lost): a win, nothing written again.
            const retried = writeId !== undefined && stored.version === next.version && lastWriteIds.get(next.id) === writeId && !seen.has(next.id);
            return retried ? { retried: stored } : null;
          }
          if (next.version <= stored.version) return null;
          if (isFinalStatus(stored.status) && !changesOnlyBookkeeping(stored, next)) return null;
          checkChargeSummary(stored, next, charges.get(next.id) ?? []);
          const planned = ledger && ledger.length > 0 ? planLedger(next, ledger) : null;
          seen.set(next.id, next);
          return { planned };
        });
        return writes.map(({ next, events: drafts, writeId }, i) => {
          const plan = plans[i];
          if (!plan) return null;
          if (plan.retried) return copySession(plan.retried);
          const stored = copySession(next);
          const before = sessions.get(next.id);
          sessions.set(next.id, stored);
          // A reschedule moves the due time: a new entry in due order (the old one is stale and skipped).
          if (before && before.chargeScheduledAt.getTime() !== stored.chargeScheduledAt.getTime()) track(stored);
          if (writeId !== undefined) lastWriteIds.set(next.id, writeId);
          else lastWriteIds.delete(next.id);
          if (plan.planned) {
            charges.set(next.id, plan.planned.rows);
            if (plan.planned.refundRows) refunds.set(next.id, plan.planned.refundRows);
            if (plan.planned.payoutRows) payouts.set(next.id, plan.planned.payoutRows);
            if (plan.planned.dispute) disputes.set(next.id, plan.planned.dispute);
            if (plan.planned.chargebackRows) chargebacks.set(next.id, plan.planned.chargebackRows.sort((a, b) => a.chargeback - b.chargeback));
          }
          retrack(stored);
          append(drafts);
          return copySession(next);
        });
      },
      async claimForSettlement({ now, limit, claimUntil, after, leaseDue }: ClaimOptions) {
        await tick();
        const max = Math.max(0, Math.floor(limit));
        const free = (s: Session) => s.claimedUntil === null || s.claimedUntil.getTime() <= now.getTime();
        if (!dueSorted) {
          dueOrder = dueOrder.slice(dueHead).sort(byDueOrder);
          dueHead = 0;
          dueSorted = true;
        }
        const picked: Session[] = [];
        // (a) due non-final sessions, in due order, after the cursor; final ones at the front are passed
        // for good. Returned as stored (no lease, no write) unless `leaseDue`.
        while (dueHead < dueOrder.length && isFinalStatus(sessions.get(dueOrder[dueHead]!.id)!.status)) dueHead++;
        if (dueHead > 1024 && dueHead * 2 > dueOrder.length) {
          dueOrder = dueOrder.slice(dueHead);
          dueHead = 0;
        }
        for (let i = dueHead; i < dueOrder.length && picked.length < max; i++) {
          const entry = dueOrder[i]!;
          if (entry.chargeScheduledAt.getTime() > now.getTime()) break;
          if (after && byDueOrder(entry, after) <= 0) continue;
          const s = sessions.get(entry.id)!;
          // An entry left behind by a reschedule: the session is due at its new time, further on.
          // (Moved away and back, it has two entries: taken once.)
          if (s.chargeScheduledAt.getTime() !== entry.chargeScheduledAt.getTime() || picked.includes(s)) continue;
          if (!isFinalStatus(s.status) && free(s)) picked.push(s);
        }
        const due = picked.map((s) => {
          if (!leaseDue) return copySession(s);
          const leased = { ...s, claimedUntil: claimUntil };
          sessions.set(s.id, leased);
          return copySession(leased);
        });
        // (b) final sessions with a charge due to be collected, with what is left of the limit: leased.
        if (picked.length < max && toCollect.size > 0) {
          const retries = [...toCollect]
            .map((id) => sessions.get(id)!)
            .filter((s) => free(s) && collectableAt(s) <= now.getTime())
            .sort((a, b) => collectableAt(a) - collectableAt(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
            .slice(0, max - picked.length);
          for (const s of retries) {
            const leased = { ...s, claimedUntil: claimUntil };
            sessions.set(s.id, leased);
            due.push(copySession(leased));
          }
        }
        return due;
      },
    },
    connections: {
      async findByTutor(tutorId) {
        await tick();
        const c = connections.get(tutorId);
        return c ? copy(c) : null;
      },
      async save(connection, newTokens, draft, expectedVersion) {
        await tick();
        const stored = connections.get(connection.tutorId);
        if (expectedVersion === null ? stored !== undefined : stored?.version !== expectedVersion) return null;
        const slot = tokens.get(connection.tutorId) ?? { tokens: null, version: 0, refreshLeaseUntil: null, updatedAt: null };
        if (newTokens !== 'keep') {
          tokens.set(connection.tutorId, {
            tokens: newTokens === null ? null : copy({ ...newTokens, accessToken: copy(newTokens.accessToken), refreshToken: copy(newTokens.refreshToken) }),
            version: slot.version + (stored === undefined && newTokens === null ? 0 : 1),
            refreshLeaseUntil: null,
            updatedAt: newTokens === null ? null : connection.updatedAt,
          });
        } else if (!tokens.has(connection.tutorId)) {
          tokens.set(connection.tutorId, slot);
        }
        connections.set(connection.tutorId, copy(connection));
        append([draft]);
        return copy(connection);
      },
      async findTokens(tutorId) {
        await tick();
        return storedTokens(tutorId);
      },
      async compareAndSetTokens(tutorId, expectedVersion, next, mark) {
        await tick();
        const c = connections.get(tutorId);
        const slot = tokens.get(tutorId);
        if (!c || !slot?.tokens || slot.version !== expectedVersion || next.version !== expectedVersion + 1 || c.provider !== next.provider) return false;
        tokens.set(tutorId, {
          tokens: { accessToken: copy(next.accessToken), refreshToken: copy(next.refreshToken), expiresAt: next.expiresAt },
          version: next.version,
          refreshLeaseUntil: next.refreshLeaseUntil,
          updatedAt: next.updatedAt,
        });
        if (mark && c.status === 'connected') {
          connections.set(tutorId, { ...c, status: mark.status, version: c.version + 1, updatedAt: mark.event.occurredAt });
          append([mark.event]);
        }
        return true;
      },
    },
    attendance: {
      async findSessionByMeeting(provider, meetingId) {
        await tick();
        const ids = byMeeting.get(meetingKey(provider, meetingId)) ?? [];
        let newest: Session | null = null;
        for (const id of ids) {
          const s = sessions.get(id)!;
          // The newest: the greatest createdAt, then the greatest id (whatever the insertion order).
          if (newest === null || s.createdAt.getTime() > newest.createdAt.getTime() || (s.createdAt.getTime() === newest.createdAt.getTime() && s.id > newest.id)) newest = s;
        }
        return newest ? copySession(newest) : null;
      },
      async record(entry, event) {
        await tick();
        const key = meetingKey(entry.provider, entry.eventId);
        if (attendanceKeys.has(key)) return false;
        if (!sessions.has(entry.sessionId)) throw new StorageConstraintError(`attendance names unknown session ${entry.sessionId}`);
        attendanceKeys.add(key);
        const list = attendanceBySession.get(entry.sessionId) ?? [];
        list.push(copy(entry));
        attendanceBySession.set(entry.sessionId, list);
        append([event]);
        return true;
      },
      async listBySession(sessionId) {
        await tick();
        return attendanceOf(sessionId);
      },
      async listBySessions(sessionIds) {
        await tick();
        const found = new Map<string, AttendanceEntry[]>();
        for (const id of new Set(sessionIds)) if (attendanceBySession.has(id)) found.set(id, attendanceOf(id));
        return found;
      },
      async logIgnoredReport(event) {
        await tick();
        const eventId = event.payload.eventId;
        const seen = (eventsBySession.get(event.sessionId ?? '') ?? []).some((e) => e.type === event.type && e.payload.eventId === eventId);
        if (seen) return false;
        append([event]);
        return true;
      },
    },
    meetings: {
      async find(provider, idempotencyKey) {
        await tick();
        const m = meetings.get(meetingKey(provider, idempotencyKey));
        return m ? copy(m) : null;
      },
      async insertIfAbsent(provider, idempotencyKey, meeting) {
        await tick();
        const key = meetingKey(provider, idempotencyKey);
        const existing = meetings.get(key);
        if (existing) return copy(existing);
        meetings.set(key, { meetingId: meeting.meetingId, joinUrl: meeting.joinUrl });
        return copy(meetings.get(key)!);
      },
      async remove(provider, meetingId) {
        await tick();
        for (const [key, m] of meetings) if (key.startsWith(`${provider}\u0000`) && m.meetingId === meetingId) meetings.delete(key);
      },
    },
    events: {
      async listBySession(sessionId) {
        await tick();
        return (eventsBySession.get(sessionId) ?? []).map(copyEvent);
      },
      async listByTutor(tutorId) {
        await tick();
        return events.filter((e) => e.tutorId === tutorId).map(copyEvent);
      },
    },
    refunds: {
      async listBySession(sessionId) {
        await tick();
        return (refunds.get(sessionId) ?? []).map(copy);
      },
      async listToRetry({ before, limit }) {
        await tick();
        const due: Refund[] = [];
        for (const list of refunds.values()) {
          for (const r of list) {
            const open = r.status === 'unknown' || (r.status === 'pending' && r.answeredAt === null);
            if (open && (r.answeredAt ?? r.requestedAt).getTime() <= before.getTime()) due.push(r);
          }
        }
        return due
          .sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime() || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : a.refund - b.refund))
          .slice(0, Math.max(0, limit))
          .map(copy);
      },
    },
    payouts: {
      async listBySession(sessionId) {
        await tick();
        return (payouts.get(sessionId) ?? []).map(copy);
      },
      async listDue({ now, resendBefore, limit }) {
        await tick();
        const due: Payout[] = [];
        for (const [sessionId, list] of payouts) {
          const d = disputes.get(sessionId);
          const held = (d !== undefined && d.status !== 'resolved') || (chargebacks.get(sessionId) ?? []).some((c) => !FINAL_CHARGEBACK_STATUSES.includes(c.status));
          for (const p of list) {
            const scheduled = p.status === 'scheduled' && !held && p.dueAt.getTime() <= now.getTime();
            const resend = (p.status === 'unknown' || (p.status === 'pending' && p.answeredAt === null)) && (p.answeredAt ?? p.sentAt ?? p.requestedAt).getTime() <= resendBefore.getTime();
            if (scheduled || resend) due.push(p);
          }
        }
        return due
          .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : a.payout - b.payout))
          .slice(0, Math.max(0, limit))
          .map(copy);
      },
    },
    disputes: {
      async findBySession(sessionId) {
        await tick();
        const d = disputes.get(sessionId);
        return d ? copy(d) : null;
      },
      async listUnresolved({ limit }) {
        await tick();
        return [...disputes.values()]
          .filter((d) => d.status !== 'resolved')
          .sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime() || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0))
          .slice(0, Math.max(0, limit))
          .map(copy);
      },
    },
    chargebacks: {
      async listBySession(sessionId) {
        await tick();
        return (chargebacks.get(sessionId) ?? []).map(copy);
      },
      async findByReference(reference) {
        await tick();
        for (const list of chargebacks.values()) {
          const found = list.find((c) => c.reference === reference);
          if (found) return copy(found);
        }
        return null;
      },
      async listOpen({ limit }) {
        await tick();
        const due = (c: Chargeback) => c.evidenceDueBy?.getTime() ?? Number.POSITIVE_INFINITY;
        return [...chargebacks.values()]
          .flat()
          .filter((c) => !FINAL_CHARGEBACK_STATUSES.includes(c.status) || shareStillToMove(c))
          .sort((a, b) => due(a) - due(b) || a.openedAt.getTime() - b.openedAt.getTime() || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : a.chargeback - b.chargeback))
          .slice(0, Math.max(0, limit))
          .map(copy);
      },
    },
    charges: {
      async listBySession(sessionId) {
        await tick();
        return (charges.get(sessionId) ?? []).map(copy);
      },
      async listNeedingAttention({ limit }) {
        await tick();
        return [...sessions.values()]
          .filter((s) => s.chargeStatus === 'failed')
          .sort(byDueOrder)
          .slice(0, Math.max(0, limit))
          .map(copy);
      },
    },
  };
}
