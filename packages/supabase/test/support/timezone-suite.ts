import { afterAll, describe, expect, it } from 'vitest';
import { LATEST_INSTANT } from '@itutor/sessions-core/rules';
import { transition, type Chargeback, type SessionWrite } from '@itutor/sessions-core/adapter';
import { type Session } from '@itutor/sessions-core';
import { buildSession } from '@itutor/sessions-core/testing';
import { createSqlAdapter, createSqlMeetSubscriptionStore, type SqlClient } from '@itutor/sessions-supabase';
import { eventToRow, sessionToRow } from '../../src/rows';
import type { TestDatabase } from './db';

/** Sealed tokens as the video package makes them (opaque base64url text; never a plaintext token). */
const SEALED_ACCESS = { keyId: 'k1', ciphertext: 'AAAAAAAAAAAAAAAAdGltZXpvbmUtYWNjZXNzLXNlYWxlZA_BBBBBBBBBBBBBBBB' };
const SEALED_REFRESH = { keyId: 'k1', ciphertext: 'AAAAAAAAAAAAAAAAdGltZXpvbmUtcmVmcmVzaC1zZWFsZWQ-BBBBBBBBBBBBBBBB' };

/** Zones with whole-hour, negative half-hour, odd-quarter and DST offsets (and UTC itself). */
export const TIME_ZONES = [
  'UTC',
  'America/Port_of_Spain',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Pacific/Chatham',
  'Pacific/Kiritimati',
  'America/Los_Angeles',
];

const at = (iso: string) => new Date(iso);
const uuid = (n: number) => `90000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * Every function that returns JSON with timestamps answers the same bytes whatever the session's
 * TimeZone, and the adapter reads the extreme instants back exactly under every zone.
 */
export function runTimeZoneSuite(
  name: string,
  open: () => Promise<TestDatabase>,
  /** A client whose session runs in `zone` (for the adapter round trip), closed by `close`. */
  clientInZone: (db: TestDatabase, zone: string) => Promise<{ client: SqlClient; close: () => Promise<void> }>,
): void {
  const database = open();
  afterAll(async () => (await database).close());

  /** Seeds: a session at the far end of the accepted range, a settled one with an unknown answer, one failed for good, a connection. */
  async function seed(db: TestDatabase) {
    await db.reset();
    const adapter = createSqlAdapter(db.client);
    const far = buildSession({ id: uuid(1), bookingId: 'tz-far', scheduledStartAt: new Date(LATEST_INSTANT.getTime() - 1), durationMinutes: 1440 });
    const due = buildSession({ id: uuid(2), bookingId: 'tz-due', scheduledStartAt: at('2026-03-29T00:30:00.000Z'), durationMinutes: 45 });
    const paid = buildSession({ id: uuid(3), bookingId: 'tz-paid', scheduledStartAt: at('2026-11-01T08:15:00.000Z'), durationMinutes: 90 });
    const lost = buildSession({ id: uuid(4), bookingId: 'tz-lost', scheduledStartAt: at('2026-04-05T13:45:00.000Z'), durationMinutes: 60 });
    for (const s of [far, due, paid, lost]) {
      const r = await adapter.sessions.insert(s, [{ type: 'session.created', sessionId: s.id, tutorId: s.tutorId, actor: 'system', occurredAt: s.createdAt, payload: {} }]);
      expect(r.inserted).toBe(true);
    }
    const write = (from: Session, result: ReturnType<typeof transition>): SessionWrite => {
      if (!result.ok) throw result.error;
      return { expectedVersion: from.version, next: result.session, events: result.events, ledger: result.ledger };
    };
    const settle = async (s: Session) => {
      const [stored] = await adapter.sessions.applyWrites([write(s, transition(s, { type: 'SETTLE' }, s.scheduledEndAt))]);
      return stored!;
    };
    const p = await settle(paid);
    const [pu] = await adapter.sessions.applyWrites([
      write(p, transition(p, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'unknown', reason: 'timeout', reference: 'pi_tz' } }, at('2026-11-01T09:46:30.250Z'))),
    ]);
    // Then paid, and refunded in part with an unknown answer (a refund row with both instants set).
    const [ps] = await adapter.sessions.applyWrites([
      write(pu!, transition(pu!, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'succeeded', reference: 'pi_tz' } }, at('2026-11-01T09:47:00.000Z'))),
    ]);
    const [pr] = await adapter.sessions.applyWrites([
      write(
        ps!,
        transition(
          ps!,
          { type: 'REQUEST_REFUND', amountMinor: 1_000, reason: 'tz', actorId: 'admin', charges: await adapter.charges.listBySession(paid.id), refunds: [] },
          at('2026-11-01T10:05:00.125Z'),
        ),
      ),
    ]);
    await adapter.sessions.applyWrites([
      write(
        pr!,
        transition(
          pr!,
          { type: 'RECORD_REFUND_RESULT', refund: 1, result: { status: 'unknown', reason: 'timeout', reference: null }, refunds: await adapter.refunds.listBySession(paid.id) },
          at('2026-11-01T10:05:05.500Z'),
        ),
      ),
    ]);
    const l = await settle(lost);
    const [gone] = await adapter.sessions.applyWrites([
      write(
        l,
        transition(l, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'failed', failureCode: 'card_declined', reference: null } }, at('2026-04-05T14:46:00.000Z'), {
          ...(await import('@itutor/sessions-core')).DEFAULT_POLICY,
          maxChargeAttempts: 1,
        }),
      ),
    ]);
    expect(gone?.chargeStatus).toBe('failed');
    await adapter.connections.save(
      { tutorId: 'tutor-a', provider: 'zoom', status: 'connected', externalAccountId: 'z', version: 1, connectedAt: at('2026-03-08T10:30:00.000Z'), updatedAt: at('2026-03-08T10:30:00.000Z') },
      { accessToken: SEALED_ACCESS, refreshToken: SEALED_REFRESH, expiresAt: at('2026-10-04T02:00:00.000Z') },
      { type: 'provider.connected', sessionId: null, tutorId: 'tutor-a', actor: 'tutor-a', occurredAt: at('2026-03-08T10:30:00.000Z'), payload: {} },
      null,
    );
    await adapter.meetings.insertIfAbsent('zoom', 'itutor-booking-tz', { meetingId: '85000000001', joinUrl: 'https://zoom.us/j/85000000001' });
    await adapter.attendance.record(
      {
        provider: 'zoom',
        eventId: 'tz-join-1',
        sessionId: paid.id,
        role: 'student',
        kind: 'joined',
        participantEmail: 'student@example.com',
        participantName: null,
        participantProviderUserId: null,
        participantId: 'p-1',
        instanceId: null,
        occurredAt: at('2026-11-01T08:16:30.250Z'),
        receivedAt: at('2026-11-01T08:16:31.000Z'),
      },
      { type: 'attendance.recorded', sessionId: paid.id, tutorId: paid.tutorId, actor: 'system', occurredAt: at('2026-11-01T08:16:31.000Z'), payload: {} },
    );
    await createSqlMeetSubscriptionStore(db.client).save({
      space: 'spaces/tz', tutorId: 'tutor-a', subscription: 'subscriptions/tz', expireTime: at('2026-03-29T00:59:59.500Z'), keepUntil: at('2026-11-01T09:30:00.000Z'),
    });
    const { review, disputed, chargebacks } = await seedPayouts(adapter, write);
    return { far, due, paid, lost, review, disputed, chargebacks };
  }

  /**
   * Two after_review sessions paid the night Europe moves its clocks back: one whose payout was sent and
   * answered unknown (a row with every instant set, on the payout run's list), one held by its open dispute.
   */
  async function seedPayouts(adapter: ReturnType<typeof createSqlAdapter>, write: (from: Session, result: ReturnType<typeof transition>) => SessionWrite) {
    const step = async (s: Session, command: Parameters<typeof transition>[1], now: Date) => (await adapter.sessions.applyWrites([write(s, transition(s, command, now))]))[0]!;
    const ledger = async (id: string) => ({
      charges: await adapter.charges.listBySession(id),
      refunds: await adapter.refunds.listBySession(id),
      payouts: await adapter.payouts.listBySession(id),
      dispute: await adapter.disputes.findBySession(id),
    });
    const paidAfterReview = async (n: number) => {
      const s = buildSession({ id: uuid(n), bookingId: `tz-review-${n}`, scheduledStartAt: at('2026-10-25T00:15:00.000Z'), durationMinutes: 45, payoutTiming: 'after_review' });
      await adapter.sessions.insert(s, []);
      const settled = await step(s, { type: 'SETTLE' }, s.scheduledEndAt);
      return step(settled, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'succeeded', reference: `pi_tz_${n}` } }, at('2026-10-25T01:00:30.250Z'));
    };
    const review = await paidAfterReview(6);
    const sent = await step(review, { type: 'SEND_PAYOUT', payout: 1, ledger: await ledger(review.id) }, at('2026-10-28T01:30:00.125Z'));
    await step(sent, { type: 'RECORD_PAYOUT_RESULT', payout: 1, result: { status: 'unknown', reason: 'timeout', reference: null }, payouts: await adapter.payouts.listBySession(review.id) }, at('2026-10-28T01:30:05.500Z'));
    const disputed = await paidAfterReview(7);
    const opened = await step(disputed, { type: 'OPEN_DISPUTE', actorId: disputed.studentId, reason: 'ended_early', message: 'It ended early', ledger: await ledger(disputed.id) }, at('2026-10-25T02:30:00.750Z'));
    // Two chargebacks of the disputed session (issue #24), every instant set the night Europe moves its
    // clocks back: one lost after its evidence was submitted, one open (on the platform's work list).
    const lost: Chargeback = {
      sessionId: disputed.id, chargeback: 1, attempt: 1, reference: 'dp_tz_1', status: 'lost', reason: 'fraudulent', amountMinor: 5_000,
      currency: 'TTD', feeMinor: 1_500, fundsWithdrawnMinor: 5_000, fundsReinstatedMinor: 0, evidenceDueBy: at('2026-10-25T01:59:59.999Z'),
      gatewayUpdatedAt: at('2026-10-25T01:45:00.500Z'), lossBearer: 'tutor', tutorShareMinor: 4_500, tutorShare: 'withheld', evidence: 'submitted',
      stagedEvidence: { service_date: '2026-10-25', product_description: 'x', access_activity_log: 'x', cancellation_policy_disclosure: 'x', refund_policy_disclosure: 'x', customer_communication: null, uncategorized_text: 'x' },
      evidenceStagedAt: at('2026-10-25T01:10:00.125Z'), submittedBy: 'admin-tz', submittedAt: at('2026-10-25T01:20:00.250Z'),
      openedAt: at('2026-10-25T01:05:00.001Z'), closedAt: at('2026-10-25T01:45:00.500Z'), updatedAt: at('2026-10-25T01:45:00.500Z'),
    };
    const open: Chargeback = {
      ...lost, chargeback: 2, reference: 'dp_tz_2', status: 'needs_response', fundsWithdrawnMinor: 0, feeMinor: 0, lossBearer: 'platform', tutorShareMinor: 0, tutorShare: 'none',
      evidence: 'none', stagedEvidence: null, evidenceStagedAt: null, submittedBy: null, submittedAt: null, closedAt: null, evidenceDueBy: at('2026-10-25T02:00:00.000Z'),
    };
    await adapter.sessions.applyWrites([
      { expectedVersion: opened.version, next: { ...opened, version: opened.version + 1 }, events: [], ledger: [{ type: 'chargeback_open', chargeback: lost }, { type: 'chargeback_open', chargeback: open }] },
    ]);
    return { review, disputed, chargebacks: [lost, open] };
  }

  /** One call per function returning jsonb: [function, SQL, params]. Mutating ones run in a rolled-back transaction. */
  function calls(seeded: Awaited<ReturnType<typeof seed>>): Array<[string, string, unknown[]]> {
    const fresh = buildSession({ id: uuid(5), bookingId: 'tz-new', scheduledStartAt: at('2026-10-25T01:30:00.000Z') });
    const join = transition(seeded.due, { type: 'JOIN', actorId: seeded.due.studentId }, seeded.due.scheduledStartAt);
    if (!join.ok) throw join.error;
    const j = JSON.stringify;
    return [
      ['itutor_session_json', `select public.itutor_session_json(s) as r from public.sessions as s where s.id = $1`, [seeded.far.id]],
      ['itutor_event_json', `select public.itutor_event_json(e) as r from public.session_events as e where e.session_id = $1 order by e.id limit 1`, [seeded.paid.id]],
      ['itutor_connection_json', `select public.itutor_connection_json(c) as r from public.tutor_video_provider_connections as c`, []],
      ['itutor_charge_json', `select public.itutor_charge_json(c) as r from public.session_charges as c where c.session_id = $1`, [seeded.paid.id]],
      ['itutor_insert_session', `select public.itutor_insert_session($1::text::jsonb, $2::text::jsonb) as r`, [j(sessionToRow(fresh)), j([])]],
      ['itutor_find_session', `select public.itutor_find_session($1) as r`, [seeded.far.id]],
      ['itutor_find_session_by_booking', `select public.itutor_find_session_by_booking($1) as r`, ['tz-paid']],
      [
        'itutor_apply_session_writes',
        `select public.itutor_apply_session_writes($1::text::jsonb) as r`,
        [j([{ expected_version: 1, session: sessionToRow(join.session), events: join.events.map(eventToRow), ledger: [] }])],
      ],
      [
        // An answer to an attempt the session does not have, at a version it does not have: refused by
        // the compare-and-set, answered [false].
        'itutor_apply_charge_answers',
        `select public.itutor_apply_charge_answers($1::text::jsonb) as r`,
        [
          j([
            {
              expected_version: 99,
              session: sessionToRow(join.session),
              events: [],
              ledger: [{ type: 'answer', session_id: join.session.id, attempt: 1, status: 'succeeded', gateway_reference: 'ch_tz', failure_code: null, answered_at: '2026-03-29T01:00:00.000Z' }],
            },
          ]),
        ],
      ],
      [
        'itutor_apply_charge_writes_in_batch',
        `select public.itutor_apply_charge_writes_in_batch($1::text::jsonb) as r`,
        [j([{ expected_version: 1, session: sessionToRow(join.session), events: join.events.map(eventToRow), ledger: [] }])],
      ],
      [
        'itutor_apply_session_writes_in_batch',
        `select public.itutor_apply_session_writes_in_batch($1::text::jsonb) as r`,
        [j([{ expected_version: 1, session: sessionToRow(join.session), events: join.events.map(eventToRow), ledger: [] }])],
      ],
      ['itutor_claim_sessions_for_settlement', `select public.itutor_claim_sessions_for_settlement($1::timestamptz, 10, $2::timestamptz) as r`, ['2030-01-01T00:00:00Z', '2030-01-01T00:05:00Z']],
      ['itutor_find_provider_connection', `select public.itutor_find_provider_connection('tutor-a') as r`, []],
      ['itutor_find_provider_tokens', `select public.itutor_find_provider_tokens('tutor-a') as r`, []],
      [
        'itutor_save_provider_connection',
        `select public.itutor_save_provider_connection($1::text::jsonb, $2::text::jsonb, $3::text::jsonb, 1) as r`,
        [
          j({ tutor_id: 'tutor-a', provider: 'google_meet', connection_status: 'connected', external_account_id: null, version: 2, connected_at: '2026-03-29T01:00:00.000Z', updated_at: '2026-03-29T01:00:00.000Z' }),
          j({ access_token_key_id: 'k1', access_token_ciphertext: SEALED_ACCESS.ciphertext, refresh_token_key_id: null, refresh_token_ciphertext: null, token_expires_at: '2026-03-29T02:00:00.000Z' }),
          j({ session_id: null, tutor_id: 'tutor-a', type: 'provider.switched', actor: 'tutor-a', occurred_at: '2026-03-29T01:00:00.000Z', payload: {} }),
        ],
      ],
      ['itutor_find_video_meeting', `select public.itutor_find_video_meeting('zoom', 'itutor-booking-tz') as r`, []],
      [
        'itutor_insert_video_meeting',
        `select public.itutor_insert_video_meeting('zoom', 'itutor-booking-tz', $1::text::jsonb) as r`,
        [j({ meeting_id: 'spaces/abc', join_url: 'https://meet.google.com/abc-defg-hij' })],
      ],
      ['itutor_list_session_events', `select public.itutor_list_session_events($1) as r`, [seeded.paid.id]],
      ['itutor_list_tutor_events', `select public.itutor_list_tutor_events('tutor-a') as r`, []],
      ['itutor_list_session_charges', `select public.itutor_list_session_charges($1) as r`, [seeded.paid.id]],
      ['itutor_list_sessions_needing_attention', `select public.itutor_list_sessions_needing_attention(10) as r`, []],
      ['itutor_refund_json', `select public.itutor_refund_json(r) as r from public.session_refunds as r where r.session_id = $1`, [seeded.paid.id]],
      ['itutor_list_session_refunds', `select public.itutor_list_session_refunds($1) as r`, [seeded.paid.id]],
      ['itutor_list_refunds_to_retry', `select public.itutor_list_refunds_to_retry('2030-01-01T00:00:00Z', 10) as r`, []],
      ['itutor_payout_json', `select public.itutor_payout_json(p) as r from public.session_payouts as p where p.session_id = $1`, [seeded.review.id]],
      ['itutor_list_session_payouts', `select public.itutor_list_session_payouts($1) as r`, [seeded.review.id]],
      ['itutor_list_due_payouts', `select public.itutor_list_due_payouts('2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 10) as r`, []],
      ['itutor_dispute_json', `select public.itutor_dispute_json(d) as r from public.session_disputes as d where d.session_id = $1`, [seeded.disputed.id]],
      ['itutor_find_session_dispute', `select public.itutor_find_session_dispute($1) as r`, [seeded.disputed.id]],
      ['itutor_list_unresolved_disputes', `select public.itutor_list_unresolved_disputes(10) as r`, []],
      ['itutor_chargeback_json', `select public.itutor_chargeback_json(c) as r from public.session_chargebacks as c where c.session_id = $1 and c.chargeback = 1`, [seeded.disputed.id]],
      ['itutor_list_session_chargebacks', `select public.itutor_list_session_chargebacks($1) as r`, [seeded.disputed.id]],
      ['itutor_find_chargeback_by_reference', `select public.itutor_find_chargeback_by_reference('dp_tz_1') as r`, []],
      ['itutor_list_open_chargebacks', `select public.itutor_list_open_chargebacks(10) as r`, []],
      ['itutor_attendance_json', `select public.itutor_attendance_json(a) as r from public.session_attendance as a where a.session_id = $1`, [seeded.paid.id]],
      ['itutor_find_session_by_meeting', `select public.itutor_find_session_by_meeting('zoom', $1) as r`, [seeded.paid.meetingId]],
      ['itutor_list_session_attendance', `select public.itutor_list_session_attendance($1) as r`, [seeded.paid.id]],
      ['itutor_list_attendance_for_sessions', `select public.itutor_list_attendance_for_sessions(jsonb_build_array($1::text)) as r`, [seeded.paid.id]],
      ['itutor_find_session_with_attendance', `select public.itutor_find_session_with_attendance($1) as r`, [seeded.paid.id]],
      ['itutor_find_meet_subscription', `select public.itutor_find_meet_subscription('spaces/tz') as r`, []],
      ['itutor_find_meet_subscription_by_name', `select public.itutor_find_meet_subscription_by_name('subscriptions/tz') as r`, []],
      ['itutor_list_expiring_meet_subscriptions', `select public.itutor_list_expiring_meet_subscriptions('2030-01-01T00:00:00Z', 10) as r`, []],
      // A pure rule, but its answer carries an instant (validUntil): the night Europe moves its clocks.
      [
        'itutor_cancellation_quote',
        `select public.itutor_cancellation_quote('2026-03-29T02:30:00Z', 15000, 'student', '2026-03-29T01:00:00.500Z', '[{"minutesBefore": 60, "chargePercent": 50}]') as r`,
        [],
      ],
    ];
  }

  describe(`JSON timestamps whatever the TimeZone, on ${name}`, () => {
    it('every function returning JSON answers the same bytes under every zone', async () => {
      const db = await database;
      const seeded = await seed(db);
      const list = calls(seeded);

      const { rows: functions } = await db.client.query(
        `select p.proname from pg_proc as p
         where p.pronamespace = 'public'::regnamespace and p.proname like 'itutor\\_%'
           and p.prorettype in ('jsonb'::regtype, 'json'::regtype)
           -- The claim's per-row builder has no SET clause on purpose (so it inlines): it prints in its
           -- caller's zone, and its only caller, the claim, is covered below with TimeZone fixed.
           and p.proname <> 'itutor_session_row_json'
         order by 1`,
      );
      expect((functions as Array<{ proname: string }>).map((f) => f.proname)).toEqual(list.map(([fn]) => fn).sort());

      /** Each call's answer as text, in a transaction that runs in `zone` and is rolled back. */
      const answers = async (zone: string) => {
        const out: Record<string, string> = {};
        for (const [fn, sql, params] of list) {
          out[fn] = await db
            .transaction(async (tx) => {
              await tx.query(`select set_config('TimeZone', $1, true)`, [zone]);
              const { rows } = await tx.query(`select q.r::text as r from (${sql}) as q`, params);
              const text = (rows[0] as { r: string | null }).r;
              throw Object.assign(new Error('rollback'), { answer: text });
            })
            .catch((e: { answer?: string | null; message?: string }) => {
              if (!('answer' in e)) throw e;
              return e.answer ?? 'null';
            });
        }
        return out;
      };

      const utc = await answers('UTC');
      for (const [fn, text] of Object.entries(utc)) {
        // Each answer carries at least one instant, printed in UTC (apply-writes answers booleans only).
        if (fn === 'itutor_apply_session_writes' || fn === 'itutor_apply_session_writes_in_batch' || fn === 'itutor_apply_charge_writes_in_batch') expect(text).toBe('[true]');
        else if (fn === 'itutor_apply_charge_answers') expect(text).toBe('[false]');
        else expect.soft(text, fn).toMatch(/T\d\d:\d\d:\d\d(\.\d+)?\+00:00/);
      }
      expect(utc.itutor_find_session).toContain('"scheduled_end_at": "9999-12-31T23:59:59.999+00:00"');
      for (const zone of TIME_ZONES.slice(1)) {
        const there = await answers(zone);
        for (const [fn, text] of Object.entries(utc)) expect.soft(there[fn], `${fn} under ${zone}`).toBe(text);
      }
    });

    it('the adapter reads every field back exactly under every zone, the last accepted instants included', async () => {
      const db = await database;
      const seeded = await seed(db);
      const expected = await createSqlAdapter(db.client).sessions.findById(seeded.far.id);
      expect(expected?.scheduledEndAt.toISOString()).toBe('9999-12-31T23:59:59.999Z');
      for (const zone of TIME_ZONES) {
        const { client, close } = await clientInZone(db, zone);
        try {
          const { rows } = await client.query('show timezone');
          expect(Object.values(rows[0] as object)[0]).toBe(zone);
          const adapter = createSqlAdapter(client);
          expect(await adapter.sessions.findById(seeded.far.id), zone).toEqual(expected);
          const charges = await adapter.charges.listBySession(seeded.paid.id);
          expect(charges.map((c) => [c.requestedAt.toISOString(), c.answeredAt?.toISOString()]), zone).toEqual([
            ['2026-11-01T09:45:00.000Z', '2026-11-01T09:47:00.000Z'],
          ]);
          const refunds = await adapter.refunds.listBySession(seeded.paid.id);
          expect(refunds.map((r) => [r.requestedAt.toISOString(), r.answeredAt?.toISOString()]), zone).toEqual([
            ['2026-11-01T10:05:00.125Z', '2026-11-01T10:05:05.500Z'],
          ]);
          expect((await adapter.charges.listNeedingAttention({ limit: 5 })).map((s) => s.id), zone).toEqual([seeded.lost.id]);
          expect((await adapter.attendance.listBySession(seeded.paid.id)).map((a) => [a.occurredAt.toISOString(), a.receivedAt.toISOString()]), zone).toEqual([
            ['2026-11-01T08:16:30.250Z', '2026-11-01T08:16:31.000Z'],
          ]);
          expect((await adapter.connections.findTokens('tutor-a'))?.expiresAt?.toISOString(), zone).toBe('2026-10-04T02:00:00.000Z');
          const payouts = await adapter.payouts.listBySession(seeded.review.id);
          expect(payouts.map((p) => [p.requestedAt, p.dueAt, p.sentAt, p.answeredAt].map((d) => d?.toISOString())), zone).toEqual([
            ['2026-10-25T01:00:30.250Z', '2026-10-28T01:00:00.000Z', '2026-10-28T01:30:00.125Z', '2026-10-28T01:30:05.500Z'],
          ]);
          const due = { now: new Date('2030-01-01T00:00:00.000Z'), resendBefore: new Date('2026-10-28T01:30:05.500Z'), limit: 10 };
          expect((await adapter.payouts.listDue(due)).map((p) => p.sessionId), zone).toEqual([seeded.review.id]);
          expect(await adapter.payouts.listDue({ ...due, resendBefore: new Date('2026-10-28T01:30:05.499Z') }), zone).toEqual([]);
          const dispute = await adapter.disputes.findBySession(seeded.disputed.id);
          expect([dispute?.openedAt.toISOString(), dispute?.updatedAt.toISOString()], zone).toEqual(['2026-10-25T02:30:00.750Z', '2026-10-25T02:30:00.750Z']);
          expect((await adapter.disputes.listUnresolved({ limit: 10 })).map((d) => d.sessionId), zone).toEqual([seeded.disputed.id]);
          expect(await adapter.chargebacks.listBySession(seeded.disputed.id), zone).toEqual(seeded.chargebacks);
          expect(await adapter.chargebacks.findByReference('dp_tz_1'), zone).toEqual(seeded.chargebacks[0]);
          expect(await adapter.chargebacks.listOpen({ limit: 10 }), zone).toEqual([seeded.chargebacks[1]]);
        } finally {
          await close();
        }
      }
    });
  });
}
