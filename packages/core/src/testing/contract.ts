import type {
  AttendanceEntry,
  ChargeAttempt,
  ProviderConnection,
  Refund,
  Session,
  SessionEvent,
  SessionsAdapter,
} from '@itutor/sessions-core';
import type { SessionEventDraft, StoredProviderTokens } from '@itutor/sessions-core/adapter';
import { attendanceContractCases } from './attendance-contract';
import { claimContractCases } from './contract-claims';
import { connectionContractCases } from './contract-connections';
import { ContractViolation, World, check, created } from './contract-kit';
import { ledgerContractCases } from './contract-ledger';
import { moneyAfterContractCases } from './contract-money-after';
import { chargebackContractCases } from './contract-chargebacks';
import { ledgerStorageContractCases } from './ledger-storage-contract';
import { sessionContractCases } from './contract-sessions';

export { ContractViolation } from './contract-kit';

/**
 * A direct change to the stored audit log, for {@link RawStorageReader.tryChangeEvent}: `append` a new
 * event (storage must allow it: it is the suite's proof that the helper really writes), `replace` the
 * stored event with the same id by this one, or `remove` the stored event (storage must refuse both).
 */
export type RawEventChange =
  | { readonly kind: 'append'; readonly event: SessionEventDraft }
  | { readonly kind: 'replace'; readonly event: SessionEvent }
  | { readonly kind: 'remove'; readonly eventId: string };

/**
 * Reads (and tries to change) what an adapter stored, bypassing the adapter's repositories (plain SQL
 * for a database), so an adapter cannot grade itself. Map rows to the core's types; `null` when absent.
 *
 * The `try*` helpers write directly, as a careless script or a compromised service role could, to show
 * that storage itself enforces the rules. Each resolves `true` when storage allowed the change (it is now
 * stored) and `false` when storage refused it (a constraint, a trigger, an error). The suite always
 * proves a helper with a change storage must allow before it trusts a `false` from it: a helper that
 * answers "refused" without trying fails the suite.
 */
export interface RawStorageReader {
  session(id: string): Promise<Session | null>;
  /** Every stored session row for a booking (the suite checks there is never more than one). */
  sessionsForBooking(bookingId: string): Promise<Session[]>;
  /** A session's events, oldest first. */
  events(sessionId: string): Promise<SessionEvent[]>;
  /** Every event about a tutor, oldest first. */
  tutorEvents(tutorId: string): Promise<SessionEvent[]>;
  /** Every stored connection row for a tutor (the suite checks there is at most one). */
  connections(tutorId: string): Promise<ProviderConnection[]>;
  /** The tutor's stored (sealed) tokens with their version and lease, as `findTokens` should answer; `null` when none. */
  tokens(tutorId: string): Promise<StoredProviderTokens | null>;
  /**
   * Tries a change to the audit log directly (see {@link RawEventChange}). An `append` must be allowed
   * (and then show in `events` / `tutorEvents` with the given fields, storage assigning id and
   * `recordedAt`); `replace` and `remove` must be refused: events are append-only.
   */
  tryChangeEvent(change: RawEventChange): Promise<boolean>;
  /**
   * Tries to store `session` directly over the stored row with the same id (every field). Storage must
   * allow any change of a session that is not final, and of a final one a change of its bookkeeping
   * (`FINAL_SESSION_MUTABLE_FIELDS`) only; it must refuse any other change of a final session.
   */
  tryWriteSession(session: Session): Promise<boolean>;
  /** A session's charge-ledger rows, by attempt. */
  charges(sessionId: string): Promise<ChargeAttempt[]>;
  /**
   * Tries to store `attempt` directly (insert, or replace the row with the same session and attempt),
   * bypassing the repositories. Storage must allow an answer on an open attempt, and must refuse amounts
   * that differ from the session's outcome amounts, a reused idempotency key and a second succeeded
   * attempt for one session.
   */
  tryWriteCharge(attempt: ChargeAttempt): Promise<boolean>;
  /**
   * Tries to store a session's charge summary directly (the given ones of `chargeStatus`,
   * `chargeIdempotencyKey`, `chargeAttempts`, `chargeReference`; the rest of the row as stored), bypassing
   * the repositories; resolves `true` if storage allowed it. Storage must refuse any change of the summary
   * of a session whose charge succeeded, and a `chargeStatus` other than `succeeded` on a final session
   * whose ledger holds a succeeded attempt (the suite's "record of money taken" cases; without this
   * member they check the rule through `applyWrites` only).
   */
  tryWriteChargeSummary?(
    sessionId: string,
    summary: Partial<Pick<Session, 'chargeStatus' | 'chargeIdempotencyKey' | 'chargeAttempts' | 'chargeReference'>>,
  ): Promise<boolean>;
  /** A session's refund rows, by refund number. Required when the adapter has `refunds`. */
  refunds?(sessionId: string): Promise<Refund[]>;
  /**
   * Tries to store `refund` directly (insert, or replace the row with the same session and number),
   * bypassing the repositories. Storage must allow a failed refund (it does not count against the charge),
   * and must refuse a refund of an attempt that has not succeeded, parts that do not sum to the amount,
   * and refunds not failed that exceed the charge, its payout or its fee. Required when the adapter has `refunds`.
   */
  tryWriteRefund?(refund: Refund): Promise<boolean>;
  /** A session's stored attendance rows, any order. Required when the adapter has `attendance`. */
  attendance?(sessionId: string): Promise<AttendanceEntry[]>;
}

/** A fresh, empty adapter plus its raw reader, made by the adapter author for each test. */
export interface AdapterContractHarness {
  readonly adapter: SessionsAdapter;
  readonly raw: RawStorageReader;
  /** Called after each test. */
  readonly close?: () => Promise<void>;
}

/** The optional ports of `SessionsAdapter` the suite has cases for. */
export type OptionalAdapterPort = 'refunds' | 'meetings' | 'attendance' | 'payouts' | 'disputes' | 'chargebacks';

/**
 * The test functions of your runner. Vitest (`{ describe, it }`), `node:test` (`{ describe, it }`) and
 * Jest (`{ describe, it, skip: it.skip }`) all fit.
 *
 * The suite's test bodies declare no parameter (Jest would take one for a `done` callback) and read the
 * runner's test context from their first argument when the runner passes one. A case for an optional port
 * the adapter lacks is reported **skipped**, never passed: through the context's `skip()` (Vitest,
 * `node:test`), or, for ports listed in {@link AdapterContractOptions.absentPorts}, by registering the case
 * with `skip` (e.g. Jest's `it.skip`). A runner without either (Jest without `absentPorts`) fails such a
 * case with a message saying what to declare.
 */
export interface ContractTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: (context?: unknown) => Promise<void>, timeoutMs?: number): void;
  /** Optional: registers a skipped test (`it.skip`); used for the cases of {@link AdapterContractOptions.absentPorts}. */
  skip?(name: string, body: () => Promise<void>, timeoutMs?: number): void;
}

/** Options of {@link runAdapterContractSuite}. */
export interface AdapterContractOptions {
  /** Shown in test names, e.g. `postgres (pg Pool)`. */
  readonly name: string;
  /** Returns a fresh adapter over empty storage. */
  readonly setup: () => Promise<AdapterContractHarness>;
  readonly test: ContractTestApi;
  /** Per-test timeout. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /**
   * Optional ports your adapter does not have, declared up front: their cases are registered with
   * `test.skip` when you pass it (needed with Jest, which has no way to skip a test once it runs).
   * Without the declaration the suite finds out in each case and skips it through the runner's context.
   */
  readonly absentPorts?: readonly OptionalAdapterPort[];
}

/** Registers one case; what the case modules get. */
export type ContractCase = (
  name: string,
  body: (h: AdapterContractHarness, w: World) => Promise<void>,
  options?: { readonly port?: OptionalAdapterPort },
) => void;

/** What every case module gets from the runner. */
export interface ContractCaseKit {
  readonly t: ContractCase;
  /** A fixed instant the cases build their sessions around (2026-03-02T14:00Z). */
  readonly start: Date;
  /** A canonical UUID from a number. */
  readonly uuid: (n: number) => string;
}

const uuid = (n: number) => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The context's `skip` of Vitest (throws to stop the test) or `node:test` (marks it; the body returns). */
function contextSkip(context: unknown): ((note: string) => unknown) | null {
  const skip = (context as { skip?: unknown } | null | undefined)?.skip;
  return typeof skip === 'function' ? (note: string) => (skip as (note: string) => unknown).call(context, note) : null;
}

/** Inserts a session with its `session.created` event, checking only that it was inserted (for cases that track storage themselves). */
async function insertPlain(h: AdapterContractHarness, s: Session): Promise<Session> {
  const result = await h.adapter.sessions.insert(s, [created(s)]);
  check(result.inserted === true, `insert of ${s.id} (booking ${s.bookingId}) was not inserted`);
  return result.session;
}

/**
 * The adapter contract suite. Call it once per adapter from a test file:
 *
 * ```ts
 * import { describe, it } from 'vitest';
 * import { runAdapterContractSuite } from '@itutor/sessions-core/testing';
 * runAdapterContractSuite({ name: 'my-db', test: { describe, it }, setup: async () => ({ adapter, raw, close }) });
 * ```
 *
 * It writes through the adapter and reads everything back through the adapter's reads and through
 * `raw`, field by field, after every kind of write (insert, join, meeting end, no-show, settlement,
 * cancellation, charge attempts and answers, leases by claim and their release by a write, refunds,
 * attendance, connections and their tokens). It covers idempotent inserts (also racing), compare-and-set
 * conflicts (also racing), batches, idempotent writes by write id, frozen final sessions, the settlement
 * claim (groups, order, leases, limits, racing claims), the ledgers' storage rules, append-only events,
 * the token version on every token change, the "newest" of every lookup that picks one, and, when the
 * adapter has them, refunds, attendance and video meetings (reported skipped otherwise). See
 * docs/guide/writing-an-adapter.md.
 */
export function runAdapterContractSuite(options: AdapterContractOptions): void {
  const { describe, it } = options.test;
  const timeout = options.timeoutMs ?? 30_000;
  const absent = new Set(options.absentPorts ?? []);
  const start = new Date('2026-03-02T14:00:00.000Z');

  const t: ContractCase = (name, body, caseOptions = {}) => {
    const port = caseOptions.port;
    const run = async (context: unknown) => {
      const h = await options.setup();
      try {
        if (port !== undefined && h.adapter[port] === undefined) {
          const note = `the adapter has no \`${port}\` (an optional port): skipped`;
          const skip = contextSkip(context);
          if (skip) {
            skip(note);
            return;
          }
          throw new ContractViolation(
            `the adapter has no \`${port}\`: list it in \`absentPorts\` and pass your runner's \`it.skip\` as \`test.skip\` so its cases are reported as skipped`,
          );
        }
        if (port !== undefined && absent.has(port)) {
          throw new ContractViolation(`\`absentPorts\` lists \`${port}\`, but the adapter has it: remove it from \`absentPorts\``);
        }
        await body(h, new World(h));
      } finally {
        await h.close?.();
      }
    };
    if (port !== undefined && absent.has(port) && options.test.skip) {
      options.test.skip(name, () => run(undefined), timeout);
      return;
    }
    // A rest parameter keeps the function's length 0: Jest then does not wait for a `done` callback.
    it(name, (...args: unknown[]) => run(args[0]), timeout);
  };

  const kit: ContractCaseKit = { t, start, uuid };

  describe(`adapter contract: ${options.name}`, () => {
    describe('sessions', () => sessionContractCases(kit));
    describe('settlement claims', () => claimContractCases(kit));
    describe('charge and refund ledgers', () => ledgerContractCases(kit));
    describe('payouts and disputes', () => moneyAfterContractCases(kit));
    describe('chargebacks and payment recovery', () => chargebackContractCases(kit));
    describe('the record of money taken (ledger storage rules)', () =>
      ledgerStorageContractCases({ t: (name, body) => t(name, (h) => body(h)), check, insert: insertPlain, uuid, start }),
    );
    describe('provider connections', () => connectionContractCases(kit));
    describe('attendance (adapters with `attendance`)', () => attendanceContractCases(kit));
    describe('video meetings (adapters with `meetings`)', () => {
      t(
        'one meeting per (provider, key): the first insert wins, racing inserts agree, remove forgets',
        async (h) => {
          const meetings = h.adapter.meetings!;
          check((await meetings.find('zoom', 'itutor-booking-1')) === null, 'no meeting yet must be null');
          const first = { meetingId: '85000000001', joinUrl: 'https://zoom.us/j/85000000001' };
          const stored = await meetings.insertIfAbsent('zoom', 'itutor-booking-1', first);
          check(stored.meetingId === first.meetingId && stored.joinUrl === first.joinUrl, 'the first insert stores its meeting');
          const found = await meetings.find('zoom', 'itutor-booking-1');
          check(found?.meetingId === first.meetingId && found.joinUrl === first.joinUrl, 'find answers the stored meeting, every field');
          const again = await meetings.insertIfAbsent('zoom', 'itutor-booking-1', { meetingId: '85000000002', joinUrl: 'https://zoom.us/j/85000000002' });
          check(again.meetingId === first.meetingId && again.joinUrl === first.joinUrl, 'a second insert for the key answers the stored meeting');
          const other = await meetings.insertIfAbsent('google_meet', 'itutor-booking-1', { meetingId: 'spaces/abc', joinUrl: 'https://meet.google.com/abc-defg-hij' });
          check(other.meetingId === 'spaces/abc', 'keys are per provider');
          const raced = await Promise.all(
            Array.from({ length: 8 }, (_, i) => meetings.insertIfAbsent('zoom', 'itutor-booking-2', { meetingId: `8600000000${i}`, joinUrl: `https://zoom.us/j/8600000000${i}` })),
          );
          check(new Set(raced.map((m) => m.meetingId)).size === 1, 'racing inserts for one key must all answer the same stored meeting');
          await meetings.remove('zoom', first.meetingId);
          check((await meetings.find('zoom', 'itutor-booking-1')) === null, 'a removed meeting is forgotten');
          check((await meetings.find('google_meet', 'itutor-booking-1'))?.meetingId === 'spaces/abc', 'removing leaves other providers alone');
          check((await meetings.find('zoom', 'itutor-booking-2'))?.meetingId === raced[0]!.meetingId, 'removing leaves other keys alone');
        },
        { port: 'meetings' },
      );
    });
  });
}
