import {
  type ChargeAttempt,
  type ProviderConnection,
  type Refund,
  type Session,
  type SessionEvent,
} from '@itutor/sessions-core';
import { type StoredProviderTokens } from '@itutor/sessions-core/adapter';
import type { RawStorageReader } from '@itutor/sessions-core/testing';
import type { SqlClient } from '@itutor/sessions-supabase';

/**
 * Reads the tables with its own plain SQL and its own row mapping, bypassing the adapter and its
 * functions, so the adapter cannot grade itself. Runs as the superuser: triggers still apply.
 */
export function createRawReader(client: SqlClient): RawStorageReader {
  // numeric(12,2) text → cents, by removing the decimal point (independent of the adapter's parser).
  const cents = (text: string | null): number | null => {
    if (text === null) return null;
    if (!/^\d+\.\d\d$/.test(text)) throw new Error(`raw reader: unexpected money text ${text}`);
    return Number(text.replace('.', ''));
  };
  const date = (value: unknown): Date | null => (value === null ? null : new Date(value as Date | string));
  const must = (value: unknown): Date => date(value)!;

  const SESSION_COLUMNS = `*, price_ttd::text as price_text, charge_amount_ttd::text as charge_text,
    payout_amount_ttd::text as payout_text, platform_fee_ttd::text as fee_text`;

  const toSession = (r: Record<string, any>): Session => ({
    id: String(r.id),
    bookingId: r.booking_id,
    tutorId: r.tutor_id,
    studentId: r.student_id,
    status: r.status,
    version: Number(r.version),
    scheduledStartAt: must(r.scheduled_start_at),
    scheduledEndAt: must(r.scheduled_end_at),
    durationMinutes: Number(r.duration_minutes),
    joinOpensAt: must(r.join_opens_at),
    noShowWaitMinutes: Number(r.no_show_wait_minutes),
    minPayableMinutes: Number(r.min_payable_minutes),
    noShowEligibleAt: must(r.no_show_eligible_at),
    chargeScheduledAt: must(r.charge_scheduled_at),
    priceMinor: cents(r.price_text)!,
    currency: r.currency,
    provider: r.provider,
    meetingId: r.meeting_id,
    joinUrl: r.join_url,
    studentJoinedAt: date(r.student_joined_at),
    tutorJoinedAt: date(r.tutor_joined_at),
    meetingEndedAt: date(r.meeting_ended_at),
    finalizedAt: date(r.finalized_at),
    cancelledBy: r.cancelled_by,
    chargeAmountMinor: cents(r.charge_text),
    payoutAmountMinor: cents(r.payout_text),
    platformFeeMinor: cents(r.fee_text),
    chargeStatus: r.charge_status,
    chargeIdempotencyKey: r.charge_idempotency_key,
    chargeAttempts: Number(r.charge_attempts),
    chargeReference: r.charge_reference,
    claimedUntil: date(r.claimed_until),
    createdAt: must(r.created_at),
    updatedAt: must(r.updated_at),
    payoutTiming: r.payout_timing,
  });

  const toEvent = (r: Record<string, any>): SessionEvent => ({
    id: String(r.id),
    sessionId: r.session_id === null ? null : String(r.session_id),
    tutorId: r.tutor_id,
    type: r.type,
    actor: r.actor,
    occurredAt: must(r.occurred_at),
    recordedAt: must(r.recorded_at),
    payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
  });

  const toCharge = (r: Record<string, any>): ChargeAttempt => ({
    sessionId: String(r.session_id),
    attempt: Number(r.attempt),
    idempotencyKey: r.idempotency_key,
    outcome: r.outcome,
    amountMinor: cents(r.charge_text)!,
    payoutMinor: cents(r.payout_text)!,
    feeMinor: cents(r.fee_text)!,
    currency: r.currency,
    status: r.status,
    gatewayReference: r.gateway_reference,
    failureCode: r.failure_code,
    calls: Number(r.calls),
    requestedAt: must(r.requested_at),
    answeredAt: date(r.answered_at),
  });

  const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
  const select = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows as Array<Record<string, any>>;

  /** True when the statement changed at least one row; false when storage refused it. */
  const attempt = async (sql: string, params: unknown[]) => {
    try {
      return (await select(sql, params)).length > 0;
    } catch {
      return false;
    }
  };

  return {
    async session(id) {
      if (!isUuid(id)) return null;
      const [row] = await select(`select ${SESSION_COLUMNS} from public.sessions where id = $1::uuid`, [id]);
      return row ? toSession(row) : null;
    },
    async sessionsForBooking(bookingId) {
      return (await select(`select ${SESSION_COLUMNS} from public.sessions where booking_id = $1`, [bookingId])).map(toSession);
    },
    async events(sessionId) {
      if (!isUuid(sessionId)) return [];
      return (await select('select * from public.session_events where session_id = $1::uuid order by id', [sessionId])).map(toEvent);
    },
    async tutorEvents(tutorId) {
      return (await select('select * from public.session_events where tutor_id = $1 order by id', [tutorId])).map(toEvent);
    },
    async connections(tutorId): Promise<ProviderConnection[]> {
      const rows = await select('select * from public.tutor_video_provider_connections where tutor_id = $1', [tutorId]);
      return rows.map((r) => ({
        tutorId: r.tutor_id,
        provider: r.provider,
        status: r.connection_status,
        externalAccountId: r.external_account_id,
        version: Number(r.version),
        connectedAt: must(r.connected_at),
        updatedAt: must(r.updated_at),
      }));
    },
    async tokens(tutorId): Promise<StoredProviderTokens | null> {
      const [r] = await select(
        `select provider, connection_status, token_version, access_token_key_id, access_token_ciphertext, refresh_token_key_id,
           refresh_token_ciphertext, token_expires_at, refresh_lease_until, tokens_updated_at
         from public.tutor_video_provider_connections where tutor_id = $1`,
        [tutorId],
      );
      if (!r || r.access_token_ciphertext === null) return null;
      return {
        provider: r.provider,
        status: r.connection_status,
        version: Number(r.token_version),
        accessToken: { keyId: r.access_token_key_id, ciphertext: r.access_token_ciphertext },
        refreshToken: r.refresh_token_ciphertext === null ? null : { keyId: r.refresh_token_key_id, ciphertext: r.refresh_token_ciphertext },
        expiresAt: date(r.token_expires_at),
        refreshLeaseUntil: date(r.refresh_lease_until),
        updatedAt: must(r.tokens_updated_at),
      };
    },
    async charges(sessionId) {
      if (!isUuid(sessionId)) return [];
      const rows = await select(
        `select *, charge_amount_ttd::text as charge_text, payout_amount_ttd::text as payout_text, platform_fee_ttd::text as fee_text
         from public.session_charges where session_id = $1::uuid order by attempt`,
        [sessionId],
      );
      return rows.map(toCharge);
    },
    async tryWriteCharge(a) {
      // Money goes in as integer cents and is divided in SQL (exact numeric arithmetic), independently of
      // the adapter's decimal text. One statement: the row with the same (session, attempt) is updated
      // when there is one, otherwise a row is inserted (not an upsert: an insert's triggers would run for
      // the existing attempt too, and judge an update by the rules of an insert).
      return attempt(
        `with v as (
           select $1::uuid as session_id, $2::integer as attempt, $3::text as idempotency_key, $4::text as outcome,
             $5::bigint / 100.0 as charge_amount_ttd, $6::bigint / 100.0 as payout_amount_ttd, $7::bigint / 100.0 as platform_fee_ttd,
             $8::text as currency, $9::text as status, $10::text as gateway_reference, $11::text as failure_code,
             $12::integer as calls, $13::timestamptz as requested_at, $14::timestamptz as answered_at
         ), updated as (
           update public.session_charges as c set
             idempotency_key = v.idempotency_key, outcome = v.outcome,
             charge_amount_ttd = v.charge_amount_ttd, payout_amount_ttd = v.payout_amount_ttd,
             platform_fee_ttd = v.platform_fee_ttd, currency = v.currency, status = v.status,
             gateway_reference = v.gateway_reference, failure_code = v.failure_code, calls = v.calls,
             requested_at = v.requested_at, answered_at = v.answered_at, updated_at = now()
           from v
           where c.session_id = v.session_id and c.attempt = v.attempt
           returning c.session_id
         ), inserted as (
           insert into public.session_charges (
             session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
             status, gateway_reference, failure_code, calls, requested_at, answered_at)
           select v.session_id, v.attempt, v.idempotency_key, v.outcome, v.charge_amount_ttd, v.payout_amount_ttd, v.platform_fee_ttd,
             v.currency, v.status, v.gateway_reference, v.failure_code, v.calls, v.requested_at, v.answered_at
           from v
           where not exists (select 1 from public.session_charges as c where c.session_id = v.session_id and c.attempt = v.attempt)
           returning session_id
         )
         select session_id from updated union all select session_id from inserted`,
        [
          a.sessionId,
          a.attempt,
          a.idempotencyKey,
          a.outcome,
          String(a.amountMinor),
          String(a.payoutMinor),
          String(a.feeMinor),
          a.currency,
          a.status,
          a.gatewayReference,
          a.failureCode,
          a.calls,
          a.requestedAt.toISOString(),
          a.answeredAt === null ? null : a.answeredAt.toISOString(),
        ],
      );
    },
    async tryWriteChargeSummary(sessionId, summary) {
      if (!isUuid(sessionId)) return false;
      const columns: Record<string, string> = {
        chargeStatus: 'charge_status',
        chargeIdempotencyKey: 'charge_idempotency_key',
        chargeAttempts: 'charge_attempts',
        chargeReference: 'charge_reference',
      };
      const keys = Object.keys(columns).filter((k) => k in summary);
      if (keys.length === 0) return false;
      const sets = keys.map((k, i) => `${columns[k]} = $${i + 2}`).join(', ');
      return attempt(`update public.sessions set ${sets} where id = $1::uuid returning id`, [
        sessionId,
        ...keys.map((k) => (summary as Record<string, unknown>)[k]),
      ]);
    },
    async refunds(sessionId): Promise<Refund[]> {
      if (!isUuid(sessionId)) return [];
      const rows = await select(
        `select *, amount_ttd::text as amount_text, payout_ttd::text as payout_text, fee_ttd::text as fee_text
         from public.session_refunds where session_id = $1::uuid order by refund`,
        [sessionId],
      );
      return rows.map((r) => ({
        sessionId: String(r.session_id),
        refund: Number(r.refund),
        attempt: Number(r.attempt),
        idempotencyKey: r.idempotency_key,
        amountMinor: cents(r.amount_text)!,
        payoutMinor: cents(r.payout_text)!,
        feeMinor: cents(r.fee_text)!,
        currency: r.currency,
        status: r.status,
        reason: r.reason,
        requestedBy: r.requested_by,
        gatewayReference: r.gateway_reference,
        failureCode: r.failure_code,
        calls: Number(r.calls),
        requestedAt: must(r.requested_at),
        answeredAt: date(r.answered_at),
      }));
    },
    async tryWriteRefund(r) {
      return attempt(
        `insert into public.session_refunds (
           session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency,
           status, reason, requested_by, gateway_reference, failure_code, calls, requested_at, answered_at)
         values ($1::uuid, $2, $3, $4, $5::bigint / 100.0, $6::bigint / 100.0, $7::bigint / 100.0, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         on conflict (session_id, refund) do update set
           status = excluded.status, gateway_reference = excluded.gateway_reference, failure_code = excluded.failure_code,
           calls = excluded.calls, answered_at = excluded.answered_at, updated_at = now()
         returning session_id`,
        [
          r.sessionId,
          r.refund,
          r.attempt,
          r.idempotencyKey,
          String(r.amountMinor),
          String(r.payoutMinor),
          String(r.feeMinor),
          r.currency,
          r.status,
          r.reason,
          r.requestedBy,
          r.gatewayReference,
          r.failureCode,
          r.calls,
          r.requestedAt.toISOString(),
          r.answeredAt === null ? null : r.answeredAt.toISOString(),
        ],
      );
    },
    async attendance(sessionId) {
      if (!isUuid(sessionId)) return [];
      const rows = await select('select * from public.session_attendance where session_id = $1::uuid', [sessionId]);
      return rows.map((r) => ({
        provider: r.provider,
        eventId: r.event_id,
        sessionId: r.session_id,
        role: r.role,
        kind: r.kind,
        participantEmail: r.participant_email,
        participantName: r.participant_name,
        participantProviderUserId: r.participant_provider_user_id,
        participantId: r.participant_id,
        instanceId: r.instance_id,
        occurredAt: must(r.occurred_at),
        receivedAt: must(r.received_at),
      }));
    },
    async tryChangeEvent(change) {
      if (change.kind === 'append') {
        const e = change.event;
        return attempt(
          `insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
           values ($1::uuid, $2, $3, $4, $5::timestamptz, $6::text::jsonb) returning id`,
          [e.sessionId, e.tutorId, e.type, e.actor, e.occurredAt.toISOString(), JSON.stringify(e.payload)],
        );
      }
      if (change.kind === 'replace') {
        const e = change.event;
        return attempt(
          `update public.session_events set session_id = $2::uuid, tutor_id = $3, type = $4, actor = $5, occurred_at = $6::timestamptz,
             payload = $7::text::jsonb where id = $1::bigint returning id`,
          [e.id, e.sessionId, e.tutorId, e.type, e.actor, e.occurredAt.toISOString(), JSON.stringify(e.payload)],
        );
      }
      return attempt('delete from public.session_events where id = $1::bigint returning id', [change.eventId]);
    },
    async tryWriteSession(s) {
      // Every column from the session, money as integer cents divided in SQL (independent of the adapter).
      const at = (d: Date | null) => (d === null ? null : d.toISOString());
      const money = (c: number | null) => (c === null ? null : String(c));
      return attempt(
        `update public.sessions set
           booking_id = $2, tutor_id = $3, student_id = $4, status = $5, version = $6,
           scheduled_start_at = $7::timestamptz, scheduled_end_at = $8::timestamptz, duration_minutes = $9,
           join_opens_at = $10::timestamptz, no_show_wait_minutes = $11, min_payable_minutes = $12,
           no_show_eligible_at = $13::timestamptz, charge_scheduled_at = $14::timestamptz,
           price_ttd = $15::bigint / 100.0, currency = $16, provider = $17, meeting_id = $18, join_url = $19,
           student_joined_at = $20::timestamptz, tutor_joined_at = $21::timestamptz, meeting_ended_at = $22::timestamptz,
           finalized_at = $23::timestamptz, cancelled_by = $24,
           charge_amount_ttd = $25::bigint / 100.0, payout_amount_ttd = $26::bigint / 100.0, platform_fee_ttd = $27::bigint / 100.0,
           charge_status = $28, charge_idempotency_key = $29, charge_attempts = $30, charge_reference = $31,
           claimed_until = $32::timestamptz, created_at = $33::timestamptz, updated_at = $34::timestamptz,
           payout_timing = $35
         where id = $1::uuid returning id`,
        [
          s.id, s.bookingId, s.tutorId, s.studentId, s.status, s.version,
          at(s.scheduledStartAt), at(s.scheduledEndAt), s.durationMinutes,
          at(s.joinOpensAt), s.noShowWaitMinutes, s.minPayableMinutes,
          at(s.noShowEligibleAt), at(s.chargeScheduledAt),
          money(s.priceMinor), s.currency, s.provider, s.meetingId, s.joinUrl,
          at(s.studentJoinedAt), at(s.tutorJoinedAt), at(s.meetingEndedAt),
          at(s.finalizedAt), s.cancelledBy,
          money(s.chargeAmountMinor), money(s.payoutAmountMinor), money(s.platformFeeMinor),
          s.chargeStatus, s.chargeIdempotencyKey, s.chargeAttempts, s.chargeReference,
          at(s.claimedUntil), at(s.createdAt), at(s.updatedAt),
          s.payoutTiming,
        ],
      );
    },
  };
}
