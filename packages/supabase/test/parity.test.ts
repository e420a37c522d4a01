import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CHARGEBACK_STATUSES,
  DISPUTE_REASONS,
  FINAL_CHARGEBACK_STATUSES,
  FINAL_SESSION_MUTABLE_FIELDS,
  PAYOUT_TIMINGS,
  transition,
  type CancelledBy,
  type ChargeStatus,
  type Chargeback,
  type ChargebackEvidenceState,
  type ChargebackLossBearer,
  type ChargebackTutorShare,
  type ChargedOutcome,
  type Dispute,
  type DisputeResolution,
  type DisputeRole,
  type DisputeStatus,
  type Payout,
  type PayoutStatus,
} from '@itutor/sessions-core/adapter';
import {
  MAX_PRICE_MINOR,
  SESSION_STATUSES,
  cancellationQuote,
  isFinalStatus,
  minPayableMinutes,
  toCancellationQuoteJson,
  toPublicChargeAttempt,
  noShowWaitMinutes,
  type CancellationTier,
} from '@itutor/sessions-core/rules';
import { definePolicy, isSessionError, type ChargeAttempt, type Session } from '@itutor/sessions-core';
import { buildSession } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { centsToDecimal, decimalToCents } from '../src/money';
import {
  chargeAttemptToRow,
  chargebackToRow,
  disputeToRow,
  payoutToRow,
  rowToChargeAttempt,
  rowToChargeback,
  rowToDispute,
  rowToPayout,
  sessionToRow,
} from '../src/rows';
import { createPgliteDatabase } from './support/db';

const database = createPgliteDatabase();
afterAll(async () => (await database).close());

describe('SQL ↔ TypeScript parity', () => {
  it('timing functions agree with the core for every duration 1–1440 (default and other percentages)', async () => {
    const { client } = await database;
    const percents = [33, 66, 0, 1, 17, 50, 99, 100];
    const { rows } = await client.query(
      `select d, p,
              public.itutor_no_show_wait_minutes(d) as wait_default,
              public.itutor_min_payable_minutes(d) as payable_default,
              public.itutor_no_show_wait_minutes(d, p) as wait,
              public.itutor_min_payable_minutes(d, p) as payable
       from generate_series(1, 1440) as d, unnest($1::integer[]) as p
       order by d, p`,
      [percents],
    );
    expect(rows).toHaveLength(1440 * percents.length);
    const mismatches: string[] = [];
    for (const row of rows as Array<Record<string, number>>) {
      const d = row.d!;
      const p = row.p!;
      const policy = definePolicy({ noShowWaitPercent: Math.min(p, 33), minPayablePercent: Math.max(p, 33) });
      const expectWait = Math.floor((d * p) / 100);
      if (row.wait_default !== noShowWaitMinutes(d)) mismatches.push(`wait(${d})`);
      if (row.payable_default !== minPayableMinutes(d)) mismatches.push(`payable(${d})`);
      if (row.wait !== expectWait || row.payable !== expectWait) mismatches.push(`(${d}, ${p})`);
      // The same numbers through the core with a policy using that percentage.
      if (p <= 33 && row.wait !== noShowWaitMinutes(d, policy)) mismatches.push(`core wait(${d}, ${p})`);
      if (p >= 33 && row.payable !== minPayableMinutes(d, policy)) mismatches.push(`core payable(${d}, ${p})`);
    }
    expect(mismatches).toEqual([]);
    // The DESIGN.md table.
    expect([60, 90, 100].map((d) => [noShowWaitMinutes(d), minPayableMinutes(d)])).toEqual([[19, 39], [29, 59], [33, 66]]);
  });

  const roundTrip = async (cents: number) => {
    const { client } = await database;
    const text = centsToDecimal(cents);
    const { rows } = await client.query(
      `select $1::numeric(12,2)::text as stored, ($1::numeric(12,2) * 100)::bigint::text as cents_in_sql`,
      [text],
    );
    const row = rows[0] as { stored: string; cents_in_sql: string };
    return { text, stored: row.stored, centsInSql: row.cents_in_sql, back: decimalToCents(row.stored) };
  };

  it('money: cents → numeric(12,2) → cents is exact at the edges', async () => {
    for (const cents of [0, 1, 99, 100, 10_000_000_000 - 1, MAX_PRICE_MINOR]) {
      const r = await roundTrip(cents);
      expect(r.stored).toBe(r.text);
      expect(r.centsInSql).toBe(String(cents));
      expect(r.back).toBe(cents);
    }
    expect(centsToDecimal(MAX_PRICE_MINOR)).toBe('9999999999.99');
    expect(centsToDecimal(15_000)).toBe('150.00');
    expect(decimalToCents('0.07')).toBe(7);
  });

  it('money: both sides refuse what numeric(12,2) cannot hold', async () => {
    const { client } = await database;
    expect(() => centsToDecimal(MAX_PRICE_MINOR + 1)).toThrow(RangeError);
    expect(() => centsToDecimal(-1)).toThrow(RangeError);
    expect(() => centsToDecimal(1.5)).toThrow(RangeError);
    await expect(client.query(`select '10000000000.00'::numeric(12,2)`)).rejects.toThrow(/overflow/);
    expect(() => decimalToCents('150.0')).toThrow(RangeError);
    expect(() => decimalToCents('1e3')).toThrow(RangeError);
  });

  it('money: round trips are exact for any amount (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: MAX_PRICE_MINOR }), async (cents) => {
        const r = await roundTrip(cents);
        return r.stored === r.text && r.centsInSql === String(cents) && r.back === cents;
      }),
      { numRuns: 300 },
    );
  });

  it('the frozen columns of a final session are exactly those outside FINAL_SESSION_MUTABLE_FIELDS', async () => {
    const { client, reset } = await database;
    await reset();
    const adapter = createSqlAdapter(client);
    const start = new Date('2026-05-01T10:00:00.000Z');
    const s = buildSession({ id: '40000000-0000-4000-8000-000000000001', scheduledStartAt: start });
    await adapter.sessions.insert(s, []);
    const settled = transition(s, { type: 'SETTLE' }, new Date('2026-05-01T11:00:00.000Z'));
    if (!settled.ok) throw settled.error;
    const [final] = await adapter.sessions.applyWrites([{ expectedVersion: 1, next: settled.session, events: [] }]);
    expect(final?.status).toBe('COMPLETED_ASSUMED');

    // A session that differs from `final` in every field.
    const other: Session = {
      ...buildSession({
        id: '40000000-0000-4000-8000-000000000002',
        bookingId: 'other-booking',
        tutorId: 'tutor-z',
        studentId: 'student-z',
        scheduledStartAt: new Date('2027-01-01T00:00:00.000Z'),
        durationMinutes: 90,
        priceMinor: 1,
        currency: 'USD',
        provider: 'google_meet',
        meetingId: 'm-other',
        joinUrl: 'https://meet.google.com/other',
        createdAt: new Date('2020-01-01T00:00:00.000Z'),
      }),
      status: 'CANCELLED',
      version: 99,
      studentJoinedAt: new Date('2027-01-01T00:01:00.000Z'),
      tutorJoinedAt: new Date('2027-01-01T00:02:00.000Z'),
      meetingEndedAt: new Date('2027-01-01T00:03:00.000Z'),
      finalizedAt: new Date('2027-01-01T00:04:00.000Z'),
      cancelledBy: 'platform',
      chargeAmountMinor: 3,
      payoutAmountMinor: 2,
      platformFeeMinor: 1,
      chargeStatus: 'failed',
      chargeIdempotencyKey: 'other-key',
      chargeAttempts: 4,
      chargeReference: 'ch_other',
      claimedUntil: new Date('2027-01-01T00:05:00.000Z'),
      updatedAt: new Date('2027-01-01T00:06:00.000Z'),
      payoutTiming: 'after_review',
    };
    const a = sessionToRow(final!);
    const b = sessionToRow(other);
    for (const key of Object.keys(a)) expect.soft(JSON.stringify(a[key]), key).not.toBe(JSON.stringify(b[key]));

    const { rows: columns } = await client.query(
      `select column_name from information_schema.columns where table_schema = 'public' and table_name = 'sessions' order by ordinal_position`,
    );
    // Every column is a Session field, but for the adapter's own bookkeeping: the last applied write id.
    expect((columns as Array<{ column_name: string }>).map((c) => c.column_name).sort()).toEqual([...Object.keys(a), 'last_write_id'].sort());

    const { rows } = await client.query(
      `select key, public.itutor_session_keeps_outcome(s, jsonb_populate_record(s, jsonb_build_object(key, $2::text::jsonb -> key))) as kept
       from public.sessions as s, jsonb_object_keys($2::text::jsonb) as key
       where s.id = $1::uuid order by key`,
      [s.id, JSON.stringify(b)],
    );
    const mutable = (rows as Array<{ key: string; kept: boolean }>).filter((r) => r.kept).map((r) => r.key).sort();
    const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    expect(mutable.map(camel).sort()).toEqual([...FINAL_SESSION_MUTABLE_FIELDS].sort());
    // The last applied write id is bookkeeping too: a final session takes it.
    const { rows: writeId } = await client.query(
      `select public.itutor_session_keeps_outcome(s, jsonb_populate_record(s, '{"last_write_id": "40000000-0000-4000-8000-0000000000ff"}'::jsonb)) as kept
       from public.sessions as s where s.id = $1::uuid`,
      [s.id],
    );
    expect(writeId).toEqual([{ kept: true }]);

    // And the trigger applies it to every writer, the table owner included.
    await expect(client.query(`update public.sessions set join_url = 'https://evil.example' where id = $1`, [s.id])).rejects.toThrow(/is final/);
    await expect(client.query(`update public.sessions set charge_reference = 'ch_ok' where id = $1 returning id`, [s.id])).resolves.toMatchObject({ rows: [{ id: s.id }] });
  });

  it('ledger rows: every ChargeAttempt field is a session_charges column (plus the database\'s updated_at) and round-trips', async () => {
    const { client } = await database;
    const attempt: ChargeAttempt = {
      sessionId: '40000000-0000-4000-8000-000000000009',
      attempt: 3,
      idempotencyKey: 'k-3',
      outcome: 'NO_SHOW_STUDENT',
      amountMinor: 999_999_999_999,
      payoutMinor: 899_999_999_999,
      feeMinor: 100_000_000_000,
      currency: 'TTD',
      status: 'unknown',
      gatewayReference: 'pi_3',
      failureCode: 'timeout',
      calls: 2,
      requestedAt: new Date('2026-05-01T11:00:00.000Z'),
      answeredAt: new Date('2026-05-01T11:05:00.123Z'),
    };
    const row = chargeAttemptToRow(attempt);
    const { rows: columns } = await client.query(
      `select column_name from information_schema.columns where table_schema = 'public' and table_name = 'session_charges' order by ordinal_position`,
    );
    expect((columns as Array<{ column_name: string }>).map((c) => c.column_name).sort()).toEqual([...Object.keys(row), 'updated_at'].sort());
    expect(rowToChargeAttempt(row)).toEqual(attempt);
  });

  it('participants may select exactly the ledger columns of a PublicChargeAttempt (plus updated_at)', async () => {
    const { client } = await database;
    const { rows } = await client.query(
      `select a.attname as column_name from pg_attribute a
       where a.attrelid = 'public.session_charges'::regclass and a.attnum > 0 and not a.attisdropped
         and has_column_privilege('authenticated', a.attrelid, a.attnum, 'select')
       order by a.attname`,
    );
    const sample = chargeAttemptToRow({
      sessionId: '40000000-0000-4000-8000-000000000009', attempt: 1, idempotencyKey: 'k', outcome: 'COMPLETED_ASSUMED',
      amountMinor: 1, payoutMinor: 0, feeMinor: 1, currency: 'TTD', status: 'pending', gatewayReference: 'r', failureCode: null,
      calls: 0, requestedAt: new Date(0), answeredAt: null,
    });
    const publicFields = Object.keys(toPublicChargeAttempt(rowToChargeAttempt(sample)));
    const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const fieldOf: Record<string, string> = { charge_amount_ttd: 'amountMinor', payout_amount_ttd: 'payoutMinor', platform_fee_ttd: 'feeMinor' };
    const selectable = (rows as Array<{ column_name: string }>).map((r) => r.column_name).filter((c) => c !== 'updated_at');
    expect(selectable.map((c) => fieldOf[c] ?? camel(c)).sort()).toEqual(publicFields.sort());
    expect(selectable).not.toContain('idempotency_key');
    expect(selectable).not.toContain('gateway_reference');
  });

  // ---------------------------------------------------------------------------------------------------
  // The third release's outcomes (issue #22).
  // ---------------------------------------------------------------------------------------------------

  /** The values a check constraint's `col = ANY (ARRAY[...])` lists, as PostgreSQL prints it. */
  const listedIn = async (table: string, constraint: string) => {
    const { client } = await database;
    const { rows } = await client.query(
      `select pg_get_constraintdef(c.oid) as def from pg_constraint c where c.conrelid = $1::regclass and c.conname = $2`,
      [table, constraint],
    );
    const def = (rows as Array<{ def: string }>)[0]!.def;
    return [...def.matchAll(/'([A-Z_]+)'::text/g)].map((m) => m[1]!);
  };

  it('statuses: the status check takes exactly the core\'s SESSION_STATUSES, itutor_is_final_status is isFinalStatus, the ledger takes exactly the charged outcomes', async () => {
    const { client } = await database;
    expect((await listedIn('public.sessions', 'sessions_status_is_known')).sort()).toEqual([...SESSION_STATUSES].sort());
    const { rows } = await client.query(`select s, public.itutor_is_final_status(s) as final from unnest($1::text[]) as s`, [[...SESSION_STATUSES, 'DONE']]);
    expect(Object.fromEntries((rows as Array<{ s: string; final: boolean }>).map((r) => [r.s, r.final]))).toEqual({
      ...Object.fromEntries(SESSION_STATUSES.map((status) => [status, isFinalStatus(status)])),
      DONE: false,
    });
    // Every ChargedOutcome, and nothing else (a new charged outcome in the core fails to compile here).
    const charged: Record<ChargedOutcome, true> = { COMPLETED_ASSUMED: true, NO_SHOW_STUDENT: true, NOBODY_JOINED: true, CANCELLED_LATE: true };
    expect((await listedIn('public.session_charges', 'session_charges_outcome_is_charged')).sort()).toEqual(Object.keys(charged).sort());
  });

  /** The SQL quote, or the SQLSTATE it raised. */
  const sqlQuote = async (startAt: Date, priceMinor: number, by: string, now: Date, tiers: unknown, payoutBps: number) => {
    const { client } = await database;
    try {
      const { rows } = await client.query(
        `select public.itutor_cancellation_quote($1::timestamptz, $2::bigint, $3::text, $4::timestamptz, $5::jsonb, $6::integer) as q`,
        [startAt.toISOString(), String(priceMinor), by, now.toISOString(), JSON.stringify(tiers), payoutBps],
      );
      return { ok: true as const, quote: (rows as Array<{ q: Record<string, unknown> }>)[0]!.q };
    } catch (error) {
      return { ok: false as const, code: (error as { code?: string }).code };
    }
  };

  const MINUTE = 60_000;
  const validTiers = fc.uniqueArray(
    fc.record({
      minutesBefore: fc.oneof(fc.integer({ min: 0, max: 525_600 }), fc.constantFrom(0, 1, 59, 60, 1440, 2880, 525_600)),
      chargePercent: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(0, 1, 50, 99, 100)),
    }),
    { selector: (t) => t.minutesBefore, maxLength: 10 },
  );
  // How long before the start the cancellation is asked, in ms: at or after the start (too late), a tier's
  // boundary exactly or a millisecond either side, within a minute of one, or anywhere (sub-minute too).
  const leadFor = (tiers: readonly CancellationTier[]) =>
    fc.oneof(
      fc.integer({ min: -2 * 60 * MINUTE, max: 0 }),
      fc.integer({ min: 1, max: MINUTE }),
      ...(tiers.length > 0
        ? [
            fc.tuple(fc.constantFrom(...tiers), fc.constantFrom(-1, 0, 1)).map(([t, d]) => t.minutesBefore * MINUTE + d),
            fc.tuple(fc.constantFrom(...tiers), fc.integer({ min: -MINUTE, max: MINUTE })).map(([t, d]) => t.minutesBefore * MINUTE + d),
          ]
        : []),
      fc.integer({ min: 1, max: 600_000 * MINUTE }),
    );
  const quoteCase = validTiers.chain((tiers) =>
    fc.record({
      tiers: fc.constant(tiers),
      lead: leadFor(tiers),
      priceMinor: fc.oneof(fc.integer({ min: 0, max: MAX_PRICE_MINOR }), fc.integer({ min: 0, max: 20_000 }), fc.constantFrom(0, 1, 99, 100, MAX_PRICE_MINOR)),
      payoutBps: fc.oneof(fc.constant(9000), fc.integer({ min: 0, max: 10_000 })),
      by: fc.constantFrom<CancelledBy>('student', 'student', 'tutor', 'platform'),
      startAt: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
    }),
  );

  it('cancellation: itutor_cancellation_quote is the core\'s cancellationQuote for any price, tiers (in any order), canceller and moment (property)', async () => {
    let tooLate = 0;
    let charged = 0;
    await fc.assert(
      fc.asyncProperty(quoteCase, async ({ tiers, lead, priceMinor, payoutBps, by, startAt }) => {
        // definePolicy sorts the tiers (greatest notice first); the SQL gets them as generated.
        const policy = definePolicy({ cancellationTiers: tiers, tutorPayoutBps: payoutBps });
        const start = new Date(startAt);
        const now = new Date(startAt - lead);
        const sql = await sqlQuote(start, priceMinor, by, now, tiers, payoutBps);
        let core;
        try {
          core = toCancellationQuoteJson(cancellationQuote({ scheduledStartAt: start, priceMinor }, by, now, policy));
        } catch (error) {
          if (!isSessionError(error, 'TOO_LATE')) throw error;
          tooLate++;
          expect(sql).toEqual({ ok: false, code: '55000' });
          return;
        }
        if (!sql.ok) throw new Error(`SQL refused (${sql.code}) what the core quoted: ${JSON.stringify(core)}`);
        const { validUntil, ...rest } = sql.quote;
        const { validUntil: coreValidUntil, ...coreRest } = core;
        expect(rest).toEqual(coreRest);
        expect(new Date(validUntil as string).getTime()).toBe(new Date(coreValidUntil).getTime());
        if (core.chargeMinor > 0) charged++;
      }),
      {
        numRuns: 1000,
        examples: [
          // The default tiers: exactly 24 h before (free), a millisecond later (50 %), the last millisecond, the start.
          ...[1440 * MINUTE, 1440 * MINUTE - 1, 1, 0].map((lead) => [
            { tiers: [{ minutesBefore: 1440, chargePercent: 0 }, { minutesBefore: 0, chargePercent: 50 }], lead, priceMinor: 15_000, payoutBps: 9000, by: 'student' as const, startAt: Date.UTC(2026, 4, 1, 10) },
          ] as [{ tiers: CancellationTier[]; lead: number; priceMinor: number; payoutBps: number; by: CancelledBy; startAt: number }]),
        ],
      },
    );
    // The cases reached both refusals and fees (not only free cancellations).
    expect(tooLate).toBeGreaterThan(0);
    expect(charged).toBeGreaterThan(0);
  });

  it('cancellation: the SQL refuses exactly the tier lists definePolicy refuses (property)', async () => {
    const loose = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -2, max: 525_602 }), fc.constantFrom(0.5, 1.5, -1, 101, 525_601, Number.NaN));
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ minutesBefore: loose, chargePercent: fc.oneof(loose, fc.integer({ min: 0, max: 100 })) }), { maxLength: 12 }),
        async (tiers) => {
          let valid = true;
          try {
            definePolicy({ cancellationTiers: tiers });
          } catch (error) {
            if (!isSessionError(error, 'INVALID_POLICY')) throw error;
            valid = false;
          }
          const sql = await sqlQuote(new Date('2026-05-01T10:00:00.000Z'), 15_000, 'student', new Date('2026-05-01T09:00:00.000Z'), tiers, 9000);
          if (valid) expect(sql.ok).toBe(true);
          else {
            refused++;
            expect(sql).toEqual({ ok: false, code: '22023' });
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(refused).toBeGreaterThan(0);
  });

  // ---------------------------------------------------------------------------------------------------
  // Money after the session (issue #23): payouts and disputes.
  // ---------------------------------------------------------------------------------------------------

  /** The columns of `table` a role may select, by name. */
  const selectableBy = async (role: string, table: string) => {
    const { client } = await database;
    const { rows } = await client.query(
      `select a.attname as column_name from pg_attribute a
       where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
         and has_column_privilege($2, a.attrelid, a.attnum, 'select')
       order by a.attname`,
      [table, role],
    );
    return (rows as Array<{ column_name: string }>).map((r) => r.column_name);
  };
  const columnsOf = async (table: string) => {
    const { client } = await database;
    const { rows } = await client.query(
      `select column_name from information_schema.columns where table_schema = 'public' and table_name = $1 order by ordinal_position`,
      [table],
    );
    return (rows as Array<{ column_name: string }>).map((r) => r.column_name);
  };
  /** The lower-case values a check constraint's `col = ANY (ARRAY[...])` (or `col = '...'`) lists. */
  const valuesIn = async (table: string, constraint: string) => {
    const { client } = await database;
    const { rows } = await client.query(`select pg_get_constraintdef(c.oid) as def from pg_constraint c where c.conrelid = $1::regclass and c.conname = $2`, [table, constraint]);
    return [...(rows as Array<{ def: string }>)[0]!.def.matchAll(/'([a-z_]+)'::text/g)].map((m) => m[1]!).sort();
  };
  const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

  const payout: Payout = {
    sessionId: '40000000-0000-4000-8000-000000000009',
    payout: 2,
    idempotencyKey: 'itutor-payout-40000000-0000-4000-8000-000000000009-2',
    timing: 'after_review',
    amountMinor: 899_999_999_999,
    currency: 'TTD',
    status: 'unknown',
    dueAt: new Date('2026-05-04T11:00:00.000Z'),
    gatewayReference: 'tr_2',
    failureCode: 'timeout',
    calls: 3,
    requestedAt: new Date('2026-05-04T11:00:00.000Z'),
    sentAt: new Date('2026-05-04T11:00:00.001Z'),
    refundsBefore: 3,
    answeredAt: new Date('2026-05-04T11:05:00.123Z'),
  };

  it('payout rows: every Payout field is a session_payouts column (plus the database\'s updated_at) and round-trips; participants select exactly a PublicPayout', async () => {
    const row = payoutToRow(payout);
    expect((await columnsOf('session_payouts')).sort()).toEqual([...Object.keys(row), 'updated_at'].sort());
    expect(rowToPayout(row)).toEqual(payout);
    // The core's PublicPayout: a Payout without its key and the gateway's reference.
    const fieldOf: Record<string, string> = { amount_ttd: 'amountMinor' };
    const selectable = (await selectableBy('authenticated', 'public.session_payouts')).filter((c) => c !== 'updated_at');
    const { idempotencyKey: _k, gatewayReference: _r, ...publicPayout } = payout;
    expect(selectable.map((c) => fieldOf[c] ?? camel(c)).sort()).toEqual(Object.keys(publicPayout).sort());
    expect(await selectableBy('anon', 'public.session_payouts')).toEqual([]);
  });

  it('dispute rows: every Dispute field is a session_disputes column and round-trips (unresolved and resolved); participants select every column', async () => {
    const open: Dispute = {
      sessionId: '40000000-0000-4000-8000-000000000009',
      status: 'offered',
      reason: 'ended_early',
      openedBy: 'student-a',
      openedAt: new Date('2026-05-02T09:00:00.000Z'),
      offerMinor: 2_050,
      resolution: null,
      refundMinor: null,
      resolvedBy: null,
      resolvedByRole: null,
      resolvedAt: null,
      updatedAt: new Date('2026-05-02T10:00:00.500Z'),
    };
    const resolved: Dispute = { ...open, status: 'resolved', resolution: 'no_refund', refundMinor: 0, resolvedBy: 'admin-1', resolvedByRole: 'platform', resolvedAt: new Date('2026-05-03T09:00:00.000Z') };
    const row = disputeToRow(open);
    expect((await columnsOf('session_disputes')).sort()).toEqual(Object.keys(row).sort());
    expect(rowToDispute(row)).toEqual(open);
    expect(rowToDispute(disputeToRow(resolved))).toEqual(resolved);
    expect((await selectableBy('authenticated', 'public.session_disputes')).sort()).toEqual(Object.keys(row).sort());
    expect(await selectableBy('anon', 'public.session_disputes')).toEqual([]);
  });

  it("the payout and dispute checks take exactly the core's timings, statuses, reasons, resolutions and roles", async () => {
    // Records over the core's unions: a value added to one fails to compile here until the SQL lists it.
    const payoutStatuses: Record<PayoutStatus, true> = { scheduled: true, pending: true, unknown: true, succeeded: true, failed: true, halted: true, cancelled: true };
    const disputeStatuses: Record<DisputeStatus, true> = { open: true, offered: true, contested: true, resolved: true };
    const resolutions: Record<DisputeResolution, true> = { full_refund: true, partial_refund: true, no_refund: true };
    const roles: Record<DisputeRole, true> = { student: true, tutor: true, platform: true };
    expect(await valuesIn('public.sessions', 'sessions_payout_timing_is_known')).toEqual([...PAYOUT_TIMINGS].sort());
    expect(await valuesIn('public.session_payouts', 'session_payouts_status_is_known')).toEqual(Object.keys(payoutStatuses).sort());
    expect(await valuesIn('public.session_disputes', 'session_disputes_status_is_known')).toEqual(Object.keys(disputeStatuses).sort());
    expect(await valuesIn('public.session_disputes', 'session_disputes_reason_is_known')).toEqual([...DISPUTE_REASONS].sort());
    expect(await valuesIn('public.session_disputes', 'session_disputes_resolution_is_known')).toEqual(Object.keys(resolutions).sort());
    expect(await valuesIn('public.session_disputes', 'session_disputes_resolved_by_role_is_known')).toEqual(Object.keys(roles).sort());
  });
  // ---------------------------------------------------------------------------------------------------
  // Payment recovery and chargebacks (issue #24).
  // ---------------------------------------------------------------------------------------------------

  const chargeback: Chargeback = {
    sessionId: '40000000-0000-4000-8000-000000000009',
    chargeback: 3,
    attempt: 2,
    reference: 'dp_1Qx',
    status: 'lost',
    reason: 'product_not_received',
    amountMinor: 999_999_999_999,
    currency: 'TTD',
    feeMinor: 1_500,
    fundsWithdrawnMinor: 999_999_999_999,
    fundsReinstatedMinor: 1,
    evidenceDueBy: new Date('2026-05-20T23:59:59.000Z'),
    gatewayUpdatedAt: new Date('2026-05-21T10:00:00.123Z'),
    lossBearer: 'tutor',
    tutorShareMinor: 899_999_999_999,
    tutorShare: 'withheld',
    evidence: 'submitted',
    stagedEvidence: {
      service_date: '2026-05-01',
      product_description: 'A 60-minute session — “quoted”, with a backslash \\ and a newline\n.',
      access_activity_log: 'Student joined at 2026-05-01T10:01:00Z.',
      cancellation_policy_disclosure: 'Free up to 24 h before.',
      refund_policy_disclosure: 'Disputes within 72 h.',
      customer_communication: null,
      uncategorized_text: 'COMPLETED_ASSUMED; charged TTD 9999999999.99.',
    },
    evidenceStagedAt: new Date('2026-05-10T09:00:00.000Z'),
    submittedBy: 'admin-1',
    submittedAt: new Date('2026-05-11T09:00:00.000Z'),
    openedAt: new Date('2026-05-06T09:00:00.000Z'),
    closedAt: new Date('2026-05-21T10:00:00.123Z'),
    updatedAt: new Date('2026-05-21T10:00:00.123Z'),
  };

  it('chargeback rows: every Chargeback field is a session_chargebacks column and round-trips, through the row JSON the functions answer too; clients select no column', async () => {
    const { client } = await database;
    const row = chargebackToRow(chargeback);
    expect((await columnsOf('session_chargebacks')).sort()).toEqual(Object.keys(row).sort());
    expect(rowToChargeback(row)).toEqual(chargeback);
    const open: Chargeback = { ...chargeback, status: 'needs_response', evidenceDueBy: null, tutorShare: 'none', evidence: 'none', stagedEvidence: null, evidenceStagedAt: null, submittedBy: null, submittedAt: null, closedAt: null };
    for (const c of [chargeback, open]) {
      // The row as a table row, then as itutor_chargeback_json answers it (money as exact text, instants in UTC).
      const { rows } = await client.query(
        `select public.itutor_chargeback_json(jsonb_populate_record(null::public.session_chargebacks, $1::jsonb)) as json`,
        [JSON.stringify(chargebackToRow(c))],
      );
      expect(rowToChargeback((rows[0] as { json: Record<string, unknown> }).json)).toEqual(c);
    }
    expect(await selectableBy('authenticated', 'public.session_chargebacks')).toEqual([]);
    expect(await selectableBy('anon', 'public.session_chargebacks')).toEqual([]);
  });

  it("the chargeback checks take exactly the core's statuses, shares, evidence states and loss bearers; every SQL list of final statuses is FINAL_CHARGEBACK_STATUSES; charge statuses are the core's", async () => {
    const { client } = await database;
    const shares: Record<ChargebackTutorShare, true> = { none: true, reversed: true, withheld: true, reinstated: true, failed: true };
    const evidence: Record<ChargebackEvidenceState, true> = { none: true, staged: true, submitted: true };
    const bearers: Record<ChargebackLossBearer, true> = { platform: true, tutor: true };
    const chargeStatuses: Record<ChargeStatus, true> = { none: true, pending: true, succeeded: true, failed: true, awaiting_customer: true };
    expect(await valuesIn('public.session_chargebacks', 'session_chargebacks_status_is_known')).toEqual([...CHARGEBACK_STATUSES].sort());
    expect(await valuesIn('public.session_chargebacks', 'session_chargebacks_tutor_share_is_known')).toEqual(Object.keys(shares).sort());
    expect(await valuesIn('public.session_chargebacks', 'session_chargebacks_evidence_is_known')).toEqual(Object.keys(evidence).sort());
    expect(await valuesIn('public.session_chargebacks', 'session_chargebacks_loss_bearer_is_known')).toEqual(Object.keys(bearers).sort());
    expect(await valuesIn('public.sessions', 'sessions_charge_status_is_known')).toEqual(Object.keys(chargeStatuses).sort());
    const final = [...FINAL_CHARGEBACK_STATUSES].sort();
    expect(await valuesIn('public.session_chargebacks', 'session_chargebacks_final_statuses_are_closed')).toEqual(final);
    const { rows: index } = await client.query(`select pg_get_indexdef('public.session_chargebacks_open_idx'::regclass) as def`);
    const listed = (def: string) => [...def.matchAll(/'([a-z_]+)'(?:::text)?/g)].map((m) => m[1]!).sort();
    // The index holds the chargebacks not in a final status (its first list, `status <> ALL (ARRAY[…])`), and the
    // closed ones whose tutor share is still to move (the core's shareStillToMove; listOpen's contract case reads them).
    const indexDef = (index as Array<{ def: string }>)[0]!.def;
    expect(listed(/ARRAY\[([^\]]*)\]/.exec(indexDef)?.[1] ?? '')).toEqual(final);
    expect(indexDef).toMatch(/tutor_share = 'reversed'/);
    expect(indexDef).toMatch(/loss_bearer = 'tutor'/);
    // Every function that reads chargebacks by status names the final ones, all of them, and nothing else.
    const { rows: functions } = await client.query(
      `select p.proname, pg_get_functiondef(p.oid) as def from pg_proc p
       where p.pronamespace = 'public'::regnamespace and pg_get_functiondef(p.oid) like '%session_chargebacks%status not in%'
       order by p.proname`,
    );
    expect((functions as Array<{ proname: string }>).map((f) => f.proname)).toEqual(['itutor_check_session_payout', 'itutor_list_due_payouts', 'itutor_list_open_chargebacks']);
    for (const f of functions as Array<{ proname: string; def: string }>) {
      // A chargeback's status (an alias of the table, not the trigger's NEW / OLD payout row).
      const lists = [...f.def.matchAll(/\b(\w+)\.status not in \(([^)]*)\)/g)].filter((m) => m[1] !== 'new' && m[1] !== 'old');
      expect(lists.length, f.proname).toBeGreaterThan(0);
      for (const m of lists) expect(listed(m[2]!), f.proname).toEqual(final);
    }
  });
});
