import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { decideChargeAnswer, DEFAULT_POLICY, transition } from '@itutor/sessions-core';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { applyMigrations, applySupabaseBootstrap, migrations, supabaseBootstrapSql } from '@itutor/sessions-supabase/migrations';
import { createRawReader } from './support/raw';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

describe('migrations export', () => {
  it('embeds the files of supabase/migrations unmodified, in order', () => {
    const files = readdirSync(here('../supabase/migrations')).filter((f) => f.endsWith('.sql')).sort();
    expect(migrations.map((m) => m.name)).toEqual(files);
    for (const m of migrations) {
      expect(m.sql).toBe(readFileSync(here(`../supabase/migrations/${m.name}`), 'utf8'));
      expect(m.version).toMatch(/^\d{14}$/);
    }
    expect(supabaseBootstrapSql).toBe(readFileSync(here('./support/supabase-bootstrap.sql'), 'utf8'));
    execFileSync(process.execPath, [here('../scripts/embed-sql.mjs'), '--check']);
  });

  it('applyMigrations applies each once and records it where the Supabase CLI does', async () => {
    const db = await PGlite.create();
    try {
      await applySupabaseBootstrap(db);
      await applySupabaseBootstrap(db);
      expect(await applyMigrations(db)).toEqual(migrations.map((m) => m.name));
      expect(await applyMigrations(db)).toEqual([]);
      const { rows } = await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations order by version');
      expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
      const { rows: rls } = await db.query<{ relname: string; relrowsecurity: boolean }>(
        `select relname, relrowsecurity from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by relname`,
      );
      expect(rls).toEqual([
        { relname: 'meet_subscriptions', relrowsecurity: true },
        { relname: 'session_attendance', relrowsecurity: true },
        { relname: 'session_charges', relrowsecurity: true },
        { relname: 'session_events', relrowsecurity: true },
        { relname: 'session_refunds', relrowsecurity: true },
        { relname: 'session_work', relrowsecurity: true },
        { relname: 'sessions', relrowsecurity: true },
        { relname: 'stripe_events', relrowsecurity: true },
        { relname: 'tutor_video_provider_connections', relrowsecurity: true },
        { relname: 'video_oauth_states', relrowsecurity: true },
        { relname: 'video_provider_meetings', relrowsecurity: true },
      ]);
    } finally {
      await db.close();
    }
  });

  it('a failing migration leaves nothing behind', async () => {
    const db = await PGlite.create();
    try {
      // Without the bootstrap the roles are missing: the first migration fails as a whole.
      await expect(applyMigrations(db)).rejects.toThrow(/role .* does not exist|does not exist/);
      const { rows } = await db.query(`select 1 from pg_class where relname = 'sessions'`);
      expect(rows).toEqual([]);
      const { rows: recorded } = await db.query('select * from supabase_migrations.schema_migrations');
      expect(recorded).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('the ledger migration carries charges from before it over into the ledger', async () => {
    const db = await PGlite.create();
    try {
      await applySupabaseBootstrap(db);
      const ledger = migrations.findIndex((m) => m.name === '20261125000100_itutor_charge_ledger.sql');
      expect(ledger).toBeGreaterThan(0);
      for (const m of migrations.slice(0, ledger)) await db.exec(m.sql);

      // Sessions as the earlier release stored them: one key per session for every call,
      // charge_attempts counting calls, 'failed' meaning "declined, retry later under the same key".
      const id = (n: number) => `70000000-0000-4000-8000-00000000000${n}`;
      const old = (n: number, status: string, chargeStatus: string, key: boolean, calls: number, reference: string | null, charge = '150.00', payout = '135.00', fee = '15.00') =>
        db.query(
          `insert into public.sessions (
             id, booking_id, tutor_id, student_id, status, version,
             scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
             no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
             price_ttd, currency, provider, meeting_id, join_url, finalized_at, cancelled_by,
             charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, charge_status, charge_idempotency_key, charge_attempts, charge_reference,
             created_at, updated_at)
           values ($1::uuid, 'old-' || $2, 'tutor-a', 'student-a', $3, 3,
             '2026-03-02 10:00Z', '2026-03-02 11:00Z', 60, '2026-03-02 09:55Z', 19, 39, '2026-03-02 10:19Z', '2026-03-02 11:00Z',
             150.00, 'TTD', 'zoom', 'm', 'https://zoom.us/j/1',
             case when $3 in ('SCHEDULED', 'JOIN_OPEN') then null else '2026-03-02 11:00Z'::timestamptz end,
             case when $3 = 'CANCELLED' then 'tutor' end,
             case when $3 in ('SCHEDULED', 'JOIN_OPEN') then null else $8::numeric end,
             case when $3 in ('SCHEDULED', 'JOIN_OPEN') then null else $9::numeric end,
             case when $3 in ('SCHEDULED', 'JOIN_OPEN') then null else $10::numeric end,
             $4, case when $5 then 'itutor-session-' || $1 || '-' || $3 end, $6, $7,
             '2026-03-01 09:00Z', '2026-03-02 11:07Z')`,
          [id(n), n, status, chargeStatus, key, calls, reference, charge, payout, fee],
        );
      await old(1, 'COMPLETED_ASSUMED', 'succeeded', true, 2, 'ch_old');
      await old(2, 'NO_SHOW_STUDENT', 'pending', true, 0, null, '75.00', '67.50', '7.50');
      await old(3, 'COMPLETED_ASSUMED', 'failed', true, 3, 'pi_declined');
      await old(4, 'CANCELLED', 'none', false, 0, null, '0.00', '0.00', '0.00');
      await old(5, 'SCHEDULED', 'none', false, 0, null);

      await db.exec(migrations[ledger]!.sql);

      const raw = createRawReader(db);
      const [paid] = await raw.charges(id(1));
      expect(paid).toMatchObject({
        attempt: 1,
        idempotencyKey: `itutor-session-${id(1)}-COMPLETED_ASSUMED`,
        outcome: 'COMPLETED_ASSUMED',
        amountMinor: 15_000,
        payoutMinor: 13_500,
        feeMinor: 1_500,
        status: 'succeeded',
        gatewayReference: 'ch_old',
        calls: 2,
      });
      expect(paid!.requestedAt.toISOString()).toBe('2026-03-02T11:00:00.000Z');
      expect(paid!.answeredAt?.toISOString()).toBe('2026-03-02T11:07:00.000Z');
      expect(await raw.session(id(1))).toMatchObject({
        version: 4,
        chargeStatus: 'succeeded',
        chargeIdempotencyKey: paid!.idempotencyKey,
        chargeAttempts: 1,
        chargeReference: 'ch_old',
      });

      expect(await raw.charges(id(2))).toMatchObject([{ attempt: 1, status: 'pending', calls: 0, answeredAt: null, amountMinor: 7_500, outcome: 'NO_SHOW_STUDENT' }]);
      expect(await raw.session(id(2))).toMatchObject({ chargeStatus: 'pending', chargeIdempotencyKey: `itutor-session-${id(2)}-NO_SHOW_STUDENT`, chargeAttempts: 1 });

      // 'failed' was "retry later": the decline closes attempt 1; the charge is still to be collected.
      expect(await raw.charges(id(3))).toMatchObject([{ attempt: 1, status: 'failed', calls: 3, gatewayReference: 'pi_declined', failureCode: 'declined_before_ledger' }]);
      const declined = await raw.session(id(3));
      expect(declined).toMatchObject({ chargeStatus: 'pending', chargeIdempotencyKey: null, chargeAttempts: 1, chargeReference: null, version: 4 });

      expect(await raw.charges(id(4))).toEqual([]);
      expect(await raw.session(id(4))).toMatchObject({ chargeStatus: 'none', chargeAttempts: 0, version: 3 });
      expect(await raw.charges(id(5))).toEqual([]);

      // The new core carries on: the pending charge and the declined one are claimed after the due
      // ones; the declined one opens attempt 2 with a new key, in the same write as its ledger row.
      const adapter = createSqlAdapter(db);
      const now = new Date('2026-03-02T12:00:00.000Z');
      const claimed = await adapter.sessions.claimForSettlement({ now, limit: 10, claimUntil: new Date('2026-03-02T12:05:00.000Z') });
      expect(claimed.map((s) => s.id)).toEqual([id(5), id(2), id(3)]);
      const retry = claimed[2]!;
      const reopened = transition(retry, { type: 'OPEN_CHARGE_ATTEMPT' }, now);
      if (!reopened.ok) throw reopened.error;
      const [stored] = await adapter.sessions.applyWrites([{ expectedVersion: retry.version, next: reopened.session, events: reopened.events, ledger: reopened.ledger }]);
      expect(stored?.chargeAttempts).toBe(2);
      const rows = await adapter.charges.listBySession(id(3));
      expect(rows.map((r) => [r.attempt, r.status])).toEqual([[1, 'failed'], [2, 'pending']]);
      expect(rows[1]!.idempotencyKey).toBe(`itutor-session-${id(3)}-COMPLETED_ASSUMED-2`);
      expect(rows[1]!.idempotencyKey).not.toBe(rows[0]!.idempotencyKey);
    } finally {
      await db.close();
    }
  });

  it('the immutable-ledger migration marks halted attempts and sets paid the sessions whose ledger holds a success', async () => {
    const db = await PGlite.create();
    try {
      await applySupabaseBootstrap(db);
      const index = migrations.findIndex((m) => m.name === '20261207000100_itutor_ledger_immutable_attendance_columns.sql');
      expect(index).toBeGreaterThan(0);
      for (const m of migrations.slice(0, index)) await db.exec(m.sql);

      const id = (n: number) => `71000000-0000-4000-8000-00000000000${n}`;
      const key = (n: number, attempt = 1) => `itutor-session-${id(n)}-COMPLETED_ASSUMED-${attempt}`;
      // Final sessions as the previous release stored them (charge 150.00 = 135.00 + 15.00).
      const session = (n: number, chargeStatus: string, openKey: string | null, reference: string | null) =>
        db.query(
          `insert into public.sessions (
             id, booking_id, tutor_id, student_id, status, version,
             scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
             no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
             price_ttd, currency, provider, meeting_id, join_url, finalized_at,
             charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, charge_status, charge_idempotency_key, charge_attempts, charge_reference,
             created_at, updated_at)
           values ($1::uuid, 'imm-' || $1, 'tutor-a', 'student-a', 'COMPLETED_ASSUMED', 5,
             '2026-03-02 10:00Z', '2026-03-02 11:00Z', 60, '2026-03-02 09:55Z', 19, 39, '2026-03-02 10:19Z', '2026-03-02 11:00Z',
             150.00, 'TTD', 'zoom', 'm', 'https://zoom.us/j/1', '2026-03-02 11:00Z',
             150.00, 135.00, 15.00, $2, $3, 1, $4, '2026-03-01 09:00Z', '2026-03-02 11:07Z')`,
          [id(n), chargeStatus, openKey, reference],
        );
      const attempt = (n: number, status: string, reference: string | null, failureCode: string | null) =>
        db.query(
          `insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
             status, gateway_reference, failure_code, calls, requested_at, answered_at)
           values ($1::uuid, 1, $2, 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', $3, $4, $5, 1, '2026-03-02 11:00Z', '2026-03-02 11:01Z')`,
          [id(n), key(n), status, reference, failureCode],
        );
      const flag = (n: number, reason: string) =>
        db.query(
          `insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
           values ($1::uuid, 'tutor-a', 'charge.needs_attention', 'system', '2026-03-02 11:01Z', jsonb_build_object('attempt', 1, 'amountMinor', 15000, 'reason', $2::text))`,
          [id(n), reason],
        );
      // 1: halted by the gateway (recorded unknown, flagged gateway_halted); 2: failed for good at the
      // deadline with its answer unknown; 3: the attack's leftovers (the ledger says paid, the summary was
      // set back to pending with no open key); 4: paid, consistent.
      await session(1, 'failed', key(1), null);
      await attempt(1, 'unknown', null, 'IDEMPOTENCY_CONFLICT');
      await flag(1, 'gateway_halted');
      await session(2, 'failed', key(2), null);
      await attempt(2, 'unknown', 'pi_2', 'timeout');
      await flag(2, 'deadline_passed');
      await session(3, 'pending', null, null);
      await attempt(3, 'succeeded', 'pi_3', null);
      await session(4, 'succeeded', key(4), 'pi_4');
      await attempt(4, 'succeeded', 'pi_4', null);

      await db.exec(migrations[index]!.sql);

      const raw = createRawReader(db);
      expect((await raw.charges(id(1))).map((a) => [a.status, a.failureCode])).toEqual([['halted', 'IDEMPOTENCY_CONFLICT']]);
      expect((await raw.charges(id(2))).map((a) => [a.status, a.failureCode])).toEqual([['unknown', 'timeout']]);
      expect(await raw.session(id(1))).toMatchObject({ version: 5, chargeStatus: 'failed', chargeIdempotencyKey: key(1) });
      expect(await raw.session(id(2))).toMatchObject({ version: 5, chargeStatus: 'failed' });
      expect(await raw.session(id(3))).toMatchObject({ version: 6, chargeStatus: 'succeeded', chargeIdempotencyKey: null, chargeReference: 'pi_3' });
      expect(await raw.session(id(4))).toMatchObject({ version: 5, chargeStatus: 'succeeded', chargeReference: 'pi_4' });

      // From now on: the repaired session is never collected again, its record never rewritten, and the
      // halted attempt's late success becomes a row of its own.
      const adapter = createSqlAdapter(db);
      const now = new Date('2026-03-03T12:00:00.000Z');
      expect(await adapter.sessions.claimForSettlement({ now, limit: 10, claimUntil: new Date('2026-03-03T12:05:00.000Z') })).toEqual([]);
      await expect(db.query(`update public.session_charges set status = 'failed' where session_id = $1::uuid`, [id(3)])).rejects.toMatchObject({ code: '23514' });
      await expect(db.query(`update public.sessions set charge_status = 'pending' where id = $1::uuid`, [id(3)])).rejects.toMatchObject({ code: '23514' });
      const halted = (await adapter.sessions.findById(id(1)))!;
      const decision = decideChargeAnswer(halted, await adapter.charges.listBySession(id(1)), 1, { status: 'succeeded', reference: 'pi_1' }, now, DEFAULT_POLICY, false);
      const [paid] = await adapter.sessions.applyWrites([{ expectedVersion: halted.version, ...decision.write! }]);
      expect(paid).toMatchObject({ chargeStatus: 'succeeded', chargeAttempts: 2, chargeReference: 'pi_1' });
      expect((await raw.charges(id(1))).map((a) => [a.attempt, a.status, a.gatewayReference, a.idempotencyKey])).toEqual([
        [1, 'halted', null, key(1)],
        [2, 'succeeded', 'pi_1', key(1, 2)],
      ]);
    } finally {
      await db.close();
    }
  });

  it('the token migration removes plaintext tokens: their connections expire with an event, the others stay', async () => {
    const db = await PGlite.create();
    try {
      await applySupabaseBootstrap(db);
      const tokens = migrations.findIndex((m) => m.name === '20261125000200_itutor_provider_tokens.sql');
      expect(tokens).toBeGreaterThan(0);
      for (const m of migrations.slice(0, tokens)) await db.exec(m.sql);
      // Connections as the earlier release stored them: plaintext tokens in the row.
      await db.exec(`
        insert into public.tutor_video_provider_connections
          (tutor_id, provider, connection_status, external_account_id, access_token, refresh_token, token_expires_at, version, connected_at, updated_at)
        values
          ('with-tokens', 'zoom', 'connected', 'z', 'eyJhbGciOiJIUzI1NiJ9.plain-access.sig', 'eyJhbGciOiJIUzI1NiJ9.plain-refresh.sig', '2026-03-02 15:00Z', 3, '2026-03-01 09:00Z', '2026-03-01 09:00Z'),
          ('invalid-with-tokens', 'google_meet', 'invalid', null, 'ya29.plain-access', null, null, 2, '2026-03-01 09:00Z', '2026-03-01 09:00Z'),
          ('without-tokens', 'google_meet', 'connected', null, null, null, null, 1, '2026-03-01 09:00Z', '2026-03-01 09:00Z');
      `);
      await db.exec(migrations[tokens]!.sql);

      const { rows: columns } = await db.query<{ column_name: string }>(
        `select column_name from information_schema.columns where table_schema = 'public' and table_name = 'tutor_video_provider_connections' and column_name in ('access_token', 'refresh_token')`,
      );
      expect(columns).toEqual([]);
      const { rows: anywhere } = await db.query<{ n: number }>(
        `select count(*)::int as n from public.tutor_video_provider_connections as c where c::text like '%plain-%'`,
      );
      expect(anywhere[0]!.n).toBe(0);
      const adapter = createSqlAdapter(db);
      expect(await adapter.connections.findByTutor('with-tokens')).toMatchObject({ status: 'expired', version: 4 });
      expect(await adapter.connections.findTokens('with-tokens')).toBeNull();
      expect(await adapter.connections.findByTutor('invalid-with-tokens')).toMatchObject({ status: 'invalid', version: 2 });
      expect(await adapter.connections.findByTutor('without-tokens')).toMatchObject({ status: 'connected', version: 1 });
      const events = await adapter.events.listByTutor('with-tokens');
      expect(events.map((e) => [e.type, e.actor, e.payload])).toEqual([
        ['provider.status_changed', 'system', { provider: 'zoom', from: 'connected', to: 'expired', reason: 'plaintext_tokens_removed' }],
      ]);
      expect(await adapter.events.listByTutor('invalid-with-tokens')).toEqual([]);
      expect(await adapter.events.listByTutor('without-tokens')).toEqual([]);
      // The database refuses a plaintext token in the encrypted columns (a JWT has dots).
      await expect(
        db.query(`update public.tutor_video_provider_connections set access_token_key_id = 'k1', access_token_ciphertext = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ' where tutor_id = 'with-tokens'`),
      ).rejects.toThrow(/ciphertexts_are_base64url/);
    } finally {
      await db.close();
    }
  });
});
