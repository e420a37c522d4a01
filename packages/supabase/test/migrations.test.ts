import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { decideChargeAnswer, transition } from '@itutor/sessions-core/adapter';
import { DEFAULT_POLICY } from '@itutor/sessions-core';
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
        { relname: 'session_chargebacks', relrowsecurity: true },
        { relname: 'session_charges', relrowsecurity: true },
        { relname: 'session_disputes', relrowsecurity: true },
        { relname: 'session_events', relrowsecurity: true },
        { relname: 'session_payouts', relrowsecurity: true },
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

  // The chain this schema replaces carried three data fix-ups (pre-ledger charges into the ledger,
  // halted attempts and paid summaries, plaintext tokens); a first install has no rows to repair. What
  // those tests checked of the schema's rules from then on is checked here on the schema itself.

  /** A final COMPLETED_ASSUMED session (charge 150.00 = 135.00 + 15.00) with the given charge summary. */
  const finalSession = (db: PGlite, id: string, chargeStatus: string, openKey: string | null, attempts: number, reference: string | null) =>
    db.query(
      `insert into public.sessions (
         id, booking_id, tutor_id, student_id, status, version,
         scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
         no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
         price_ttd, currency, provider, meeting_id, join_url, finalized_at,
         charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, charge_status, charge_idempotency_key, charge_attempts, charge_reference,
         created_at, updated_at)
       values ($1::uuid, 'b-' || $1, 'tutor-a', 'student-a', 'COMPLETED_ASSUMED', 5,
         '2026-03-02 10:00Z', '2026-03-02 11:00Z', 60, '2026-03-02 09:55Z', 19, 39, '2026-03-02 10:19Z', '2026-03-02 11:00Z',
         150.00, 'TTD', 'zoom', 'm', 'https://zoom.us/j/1', '2026-03-02 11:00Z',
         150.00, 135.00, 15.00, $2, $3, $4, $5, '2026-03-01 09:00Z', '2026-03-02 11:07Z')`,
      [id, chargeStatus, openKey, attempts, reference],
    );
  const attemptRow = (db: PGlite, id: string, attempt: number, key: string, status: string, reference: string | null, failureCode: string | null) =>
    db.query(
      `insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
         status, gateway_reference, failure_code, calls, requested_at, answered_at)
       values ($1::uuid, $2, $3, 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', $4, $5, $6, 1, '2026-03-02 11:00Z', '2026-03-02 11:01Z')`,
      [id, attempt, key, status, reference, failureCode],
    );

  it('a ledger key in the SDK namespace is the one derived from its attempt, never the legacy pre-ledger form; a declined attempt is retried under a new key', async () => {
    const db = await PGlite.create();
    try {
      await applySupabaseBootstrap(db);
      await applyMigrations(db);
      const id = (n: number) => `70000000-0000-4000-8000-00000000000${n}`;
      await finalSession(db, id(1), 'pending', null, 0, null);
      // The pre-ledger form `itutor-session-<id>-<outcome>` (the chain accepted it for attempt 1), in any case.
      for (const legacy of [`itutor-session-${id(1)}-COMPLETED_ASSUMED`, `ITUTOR-SESSION-${id(1).toUpperCase()}-completed_assumed`]) {
        await expect(attemptRow(db, id(1), 1, legacy, 'pending', null, null)).rejects.toMatchObject({ code: '23514' });
      }
      // Another attempt's derived key, and another outcome's, are refused too.
      await expect(attemptRow(db, id(1), 1, `itutor-session-${id(1)}-COMPLETED_ASSUMED-2`, 'pending', null, null)).rejects.toMatchObject({ code: '23514' });
      await expect(attemptRow(db, id(1), 1, `itutor-session-${id(1)}-NO_SHOW_STUDENT-1`, 'pending', null, null)).rejects.toMatchObject({ code: '23514' });
      // A key of any other form stays unique across the ledger.
      await finalSession(db, id(2), 'pending', null, 0, null);
      await attemptRow(db, id(2), 1, 'host-key-1', 'failed', 'pi_declined', 'card_declined');
      await expect(attemptRow(db, id(1), 1, 'host-key-1', 'pending', null, null)).rejects.toMatchObject({ code: '23505' });

      // Attempt 1 declined: the charge is still to be collected, and the retry opens attempt 2 under its
      // own derived key, in the same write as its ledger row.
      await attemptRow(db, id(1), 1, `itutor-session-${id(1)}-COMPLETED_ASSUMED-1`, 'failed', 'pi_declined', 'card_declined');
      await db.query(`update public.sessions set charge_attempts = 1, version = 6 where id = $1::uuid`, [id(1)]);
      const adapter = createSqlAdapter(db);
      const now = new Date('2026-03-02T12:00:00.000Z');
      const claimed = await adapter.sessions.claimForSettlement({ now, limit: 10, claimUntil: new Date('2026-03-02T12:05:00.000Z') });
      const retry = claimed.find((s) => s.id === id(1))!;
      const reopened = transition(retry, { type: 'OPEN_CHARGE_ATTEMPT' }, now);
      if (!reopened.ok) throw reopened.error;
      const [stored] = await adapter.sessions.applyWrites([{ expectedVersion: retry.version, next: reopened.session, events: reopened.events, ledger: reopened.ledger }]);
      expect(stored?.chargeAttempts).toBe(2);
      const rows = await adapter.charges.listBySession(id(1));
      expect(rows.map((r) => [r.attempt, r.status, r.idempotencyKey])).toEqual([
        [1, 'failed', `itutor-session-${id(1)}-COMPLETED_ASSUMED-1`],
        [2, 'pending', `itutor-session-${id(1)}-COMPLETED_ASSUMED-2`],
      ]);
    } finally {
      await db.close();
    }
  });

  it('a paid session never asks again and its record is never rewritten; a halted attempt\'s late success is a row of its own', async () => {
    const db = await PGlite.create();
    try {
      await applySupabaseBootstrap(db);
      await applyMigrations(db);
      const id = (n: number) => `71000000-0000-4000-8000-00000000000${n}`;
      const key = (n: number, attempt = 1) => `itutor-session-${id(n)}-COMPLETED_ASSUMED-${attempt}`;
      // 1: halted by the gateway (failed for good, its attempt halted); 3: paid.
      await finalSession(db, id(1), 'failed', key(1), 1, null);
      await attemptRow(db, id(1), 1, key(1), 'halted', null, 'IDEMPOTENCY_CONFLICT');
      await finalSession(db, id(3), 'pending', key(3), 1, null);
      await attemptRow(db, id(3), 1, key(3), 'succeeded', 'pi_3', null);
      // A ledger that holds a success takes no charge_status but succeeded.
      await expect(db.query(`update public.sessions set charge_status = 'failed' where id = $1::uuid`, [id(3)])).rejects.toMatchObject({ code: '23514' });
      await db.query(`update public.sessions set charge_status = 'succeeded', charge_idempotency_key = null, charge_reference = 'pi_3', version = 6 where id = $1::uuid`, [id(3)]);

      const adapter = createSqlAdapter(db);
      const now = new Date('2026-03-03T12:00:00.000Z');
      expect(await adapter.sessions.claimForSettlement({ now, limit: 10, claimUntil: new Date('2026-03-03T12:05:00.000Z') })).toEqual([]);
      await expect(db.query(`update public.session_charges set status = 'failed' where session_id = $1::uuid`, [id(3)])).rejects.toMatchObject({ code: '23514' });
      await expect(db.query(`update public.sessions set charge_status = 'pending' where id = $1::uuid`, [id(3)])).rejects.toMatchObject({ code: '23514' });
      await expect(db.query(`update public.session_charges set status = 'succeeded' where session_id = $1::uuid`, [id(1)])).rejects.toMatchObject({ code: '23514' });
      const halted = (await adapter.sessions.findById(id(1)))!;
      const decision = decideChargeAnswer({ session: halted, ledger: await adapter.charges.listBySession(id(1)), attempt: 1, answer: { status: 'succeeded', reference: 'pi_1' }, now, policy: DEFAULT_POLICY, lateSuccessFlagged: false });
      const [paid] = await adapter.sessions.applyWrites([{ expectedVersion: halted.version, ...decision.write! }]);
      expect(paid).toMatchObject({ chargeStatus: 'succeeded', chargeAttempts: 2, chargeReference: 'pi_1' });
      const raw = createRawReader(db);
      expect((await raw.charges(id(1))).map((a) => [a.attempt, a.status, a.gatewayReference, a.idempotencyKey])).toEqual([
        [1, 'halted', null, key(1)],
        [2, 'succeeded', 'pi_1', key(1, 2)],
      ]);
    } finally {
      await db.close();
    }
  });

  it('provider connections hold no plaintext token column, and refuse a plaintext token in the encrypted ones', async () => {
    const db = await PGlite.create();
    try {
      await applySupabaseBootstrap(db);
      await applyMigrations(db);
      const { rows: columns } = await db.query<{ column_name: string }>(
        `select column_name from information_schema.columns where table_schema = 'public' and table_name = 'tutor_video_provider_connections' and column_name in ('access_token', 'refresh_token')`,
      );
      expect(columns).toEqual([]);
      await db.exec(`
        insert into public.tutor_video_provider_connections (tutor_id, provider, connection_status, version, connected_at, updated_at)
        values ('with-tokens', 'zoom', 'connected', 1, '2026-03-01 09:00Z', '2026-03-01 09:00Z');
      `);
      // The database refuses a plaintext token in the encrypted columns (a JWT has dots).
      await expect(
        db.query(`update public.tutor_video_provider_connections set access_token_key_id = 'k1', access_token_ciphertext = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ' where tutor_id = 'with-tokens'`),
      ).rejects.toThrow(/ciphertexts_are_base64url/);
      await db.query(`update public.tutor_video_provider_connections set access_token_key_id = 'k1', access_token_ciphertext = 'eyJhbGciOiJIUzI1NiJ9eyJzdWIiOiJ0In0c2lnbmF0dXJlLXNpZ25hdHVyZQ' where tutor_id = 'with-tokens'`);
    } finally {
      await db.close();
    }
  });
});
