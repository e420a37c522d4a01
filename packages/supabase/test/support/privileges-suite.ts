import { afterAll, describe, expect, it } from 'vitest';
import { createSessionsCore } from '@itutor/sessions-core';
import { createFakeVideoProvider, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter, type SqlClient } from '@itutor/sessions-supabase';
import type { TestDatabase } from './db';

const SDK_TABLES = ['sessions', 'session_events', 'session_charges', 'session_refunds', 'session_payouts', 'session_disputes', 'session_chargebacks', 'tutor_video_provider_connections', 'video_provider_meetings', 'stripe_events', 'session_attendance', 'session_work', 'video_oauth_states'] as const;
const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;

/** What the repository functions do to each table: exactly what the service role holds. */
const ADAPTER_USES: Record<(typeof SDK_TABLES)[number], string[]> = {
  sessions: ['INSERT', 'SELECT', 'UPDATE'],
  session_events: ['INSERT', 'SELECT'],
  session_charges: ['INSERT', 'SELECT', 'UPDATE'],
  // Refunds are opened and answered, never deleted.
  session_refunds: ['INSERT', 'SELECT', 'UPDATE'],
  // Payouts are opened, sent and answered; disputes opened and stepped; neither is ever deleted.
  session_payouts: ['INSERT', 'SELECT', 'UPDATE'],
  session_disputes: ['INSERT', 'SELECT', 'UPDATE'],
  // Chargebacks are opened and updated as the gateway reports them, never deleted.
  session_chargebacks: ['INSERT', 'SELECT', 'UPDATE'],
  tutor_video_provider_connections: ['INSERT', 'SELECT', 'UPDATE'],
  // A deleted meeting is forgotten so its key may make a new one.
  video_provider_meetings: ['DELETE', 'INSERT', 'SELECT'],
  // A Stripe event whose handling failed is forgotten so Stripe's next delivery is handled; old ones are pruned.
  stripe_events: ['DELETE', 'INSERT', 'SELECT'],
  // Provider-reported joins and leaves are appended, never changed.
  session_attendance: ['INSERT', 'SELECT'],
  // The settlement's work list: the claims read it; only the trigger on sessions writes it.
  session_work: ['SELECT'],
  // Used OAuth states are recorded once and purged after their expiry, never changed.
  video_oauth_states: ['DELETE', 'INSERT', 'SELECT'],
};

/** Runs every statement as `role` (one transaction each, `set local role`), the way PostgREST does. */
export function asRole(db: TestDatabase, role: string): SqlClient {
  return {
    query: (text, params) =>
      db.transaction(async (tx) => {
        await tx.query(`select set_config('role', $1, true)`, [role]);
        return tx.query(text, params);
      }),
  };
}

/**
 * The service role holds exactly the table privileges the adapter uses (never TRUNCATE, REFERENCES,
 * TRIGGER or DELETE; hosted Supabase grants ALL by default), and the whole life of a charge works
 * through the SQL adapter running as the service role.
 */
export function runPrivilegesSuite(name: string, open: () => Promise<TestDatabase>): void {
  const database = open();
  afterAll(async () => (await database).close());

  describe(`service-role privileges on ${name}`, () => {
    it('the service role holds exactly what the adapter uses on each SDK table, and nothing on the event sequence', async () => {
      const { client } = await database;
      const { rows } = await client.query(
        `select t.name as table_name, p.privilege
         from unnest($1::text[]) as t (name), unnest($2::text[]) as p (privilege)
         where has_table_privilege('service_role', ('public.' || t.name)::regclass, p.privilege)
         order by 1, 2`,
        [[...SDK_TABLES], [...TABLE_PRIVILEGES]],
      );
      const held: Record<string, string[]> = {};
      for (const r of rows as Array<{ table_name: string; privilege: string }>) (held[r.table_name] ??= []).push(r.privilege);
      expect(held).toEqual(ADAPTER_USES);

      // Straight from the ACLs too (has_table_privilege would also count privileges held through PUBLIC).
      const { rows: acl } = await client.query(
        `select c.relname, a.privilege_type
         from pg_class c cross join lateral aclexplode(c.relacl) as a
         where c.relnamespace = 'public'::regnamespace and c.relname = any ($1::text[])
           and a.grantee = 'service_role'::regrole and a.privilege_type in ('TRUNCATE', 'REFERENCES', 'TRIGGER', 'DELETE')
           and not (c.relname in ('video_provider_meetings', 'stripe_events', 'video_oauth_states') and a.privilege_type = 'DELETE')`,
        [[...SDK_TABLES]],
      );
      expect(acl).toEqual([]);

      const { rows: seq } = await client.query(
        `select has_sequence_privilege('service_role', 'public.session_events_id_seq', 'usage') as usage,
                has_sequence_privilege('service_role', 'public.session_events_id_seq', 'update') as update`,
      );
      expect(seq).toEqual([{ usage: false, update: false }]);
    });

    it('clients may read only the non-secret connection columns: never a token column, a lease, a meeting, a Stripe event or anyone\'s attendance details', async () => {
      const { client } = await database;
      const { rows } = await client.query(
        `select r.role, a.attname as column
         from pg_attribute as a cross join unnest(array['anon', 'authenticated']) as r (role)
         where a.attrelid = 'public.tutor_video_provider_connections'::regclass and a.attnum > 0 and not a.attisdropped
           and has_column_privilege(r.role, a.attrelid, a.attnum, 'SELECT')
         order by 1, 2`,
      );
      expect(rows).toEqual(
        ['connected_at', 'connection_status', 'external_account_id', 'provider', 'tutor_id', 'updated_at', 'version'].map((column) => ({ role: 'authenticated', column })),
      );
      const { rows: refundColumns } = await client.query(
        `select r.role, a.attname as column
         from pg_attribute as a cross join unnest(array['anon', 'authenticated']) as r (role)
         where a.attrelid = 'public.session_refunds'::regclass and a.attnum > 0 and not a.attisdropped
           and has_column_privilege(r.role, a.attrelid, a.attnum, 'SELECT')
         order by 1, 2`,
      );
      expect(refundColumns).toEqual(
        ['amount_ttd', 'answered_at', 'attempt', 'calls', 'currency', 'failure_code', 'fee_ttd', 'payout_ttd', 'reason', 'refund', 'requested_at', 'requested_by', 'session_id', 'status', 'updated_at'].map(
          (column) => ({ role: 'authenticated', column }),
        ),
      );
      const { rows: payoutColumns } = await client.query(
        `select r.role, a.attname as column
         from pg_attribute as a cross join unnest(array['anon', 'authenticated']) as r (role)
         where a.attrelid = 'public.session_payouts'::regclass and a.attnum > 0 and not a.attisdropped
           and has_column_privilege(r.role, a.attrelid, a.attnum, 'SELECT')
         order by 1, 2`,
      );
      // A payout without its key and the transfer's reference (the core's PublicPayout).
      expect(payoutColumns).toEqual(
        ['amount_ttd', 'answered_at', 'calls', 'currency', 'due_at', 'failure_code', 'payout', 'refunds_before', 'requested_at', 'sent_at', 'session_id', 'status', 'timing', 'updated_at'].map(
          (column) => ({ role: 'authenticated', column }),
        ),
      );
      const { rows: attendanceColumns } = await client.query(
        `select r.role, a.attname as column
         from pg_attribute as a cross join unnest(array['anon', 'authenticated']) as r (role)
         where a.attrelid = 'public.session_attendance'::regclass and a.attnum > 0 and not a.attisdropped
           and has_column_privilege(r.role, a.attrelid, a.attnum, 'SELECT')
         order by 1, 2`,
      );
      // What the attendance HTTP route shows, nothing more: no e-mail, display name (a dial-in guest's is
      // their phone number), provider user id, in-meeting id, meeting instance, event id or receipt time.
      expect(attendanceColumns).toEqual(['kind', 'occurred_at', 'provider', 'role', 'session_id'].map((column) => ({ role: 'authenticated', column })));
      const { rows: meetings } = await client.query(
        `select r.role from unnest(array['anon', 'authenticated']) as r (role)
         where has_any_column_privilege(r.role, 'public.video_provider_meetings', 'SELECT')
            or has_any_column_privilege(r.role, 'public.stripe_events', 'SELECT')
            or has_any_column_privilege(r.role, 'public.video_oauth_states', 'SELECT')`,
      );
      expect(meetings).toEqual([]);
    });

    it('anon and authenticated hold no table-level privilege on the SDK tables (clients read columns under RLS only)', async () => {
      const { client } = await database;
      const { rows } = await client.query(
        `select r.role || ' ' || p.privilege || ' ' || t.name as held
         from unnest($1::text[]) as t (name), unnest($2::text[]) as p (privilege), unnest(array['anon', 'authenticated']) as r (role)
         where has_table_privilege(r.role, ('public.' || t.name)::regclass, p.privilege)`,
        [[...SDK_TABLES], [...TABLE_PRIVILEGES]],
      );
      expect(rows).toEqual([]);
    });

    it('as the service role, the SDK connects a provider, settles, is declined, retries under a new key, and lists what needs a person', async () => {
      const db = await database;
      await db.reset();
      const service = asRole(db, 'service_role');
      const start = new Date('2026-07-01T10:00:00.000Z');
      const clock = createManualClock(start);
      const gateway = createRecordingPaymentGateway();
      const core = createSessionsCore({
        adapter: createSqlAdapter(service),
        videoProvider: createFakeVideoProvider(),
        paymentGateway: gateway,
        clock,
        policy: { maxChargeAttempts: 2 },
        matchParticipant: ({ session, participant }) => (participant.providerUserId === session.studentId ? 'student' : 'unknown'),
      });
      await core.providers.connect({
        tutorId: 'tutor-p',
        provider: 'zoom',
        tokens: {
          accessToken: { keyId: 'k1', ciphertext: 'AAAAAAAAAAAAAAAAcHJpdmlsZWdlcy1hY2Nlc3M_BBBBBBBBBBBBBBBB' },
          refreshToken: { keyId: 'k1', ciphertext: 'AAAAAAAAAAAAAAAAcHJpdmlsZWdlcy1yZWZyZXNo-BBBBBBBBBBBBBBBB' },
          expiresAt: null,
        },
      });
      await core.providers.connect({ tutorId: 'tutor-p', provider: 'google_meet', tokens: null });
      const booking = (n: number) => ({
        bookingId: `priv-${n}`,
        tutorId: 'tutor-p',
        studentId: `student-${n}`,
        scheduledStartAt: new Date(start.getTime() + 60 * 60_000),
        durationMinutes: 60,
        priceMinor: 15_000,
      });
      const { session: a } = await core.sessions.create(booking(1));
      const { session: b } = await core.sessions.create(booking(2));

      // Provider attendance: recorded once (a replay changes nothing), found by the meeting, listed.
      clock.set(new Date(start.getTime() + 62 * 60_000));
      const joined = {
        provider: a.provider,
        eventId: 'priv-join-1',
        kind: 'participant.joined' as const,
        meetingId: a.meetingId,
        instanceId: null,
        occurredAt: new Date(start.getTime() + 61 * 60_000),
        receivedAt: new Date(start.getTime() + 62 * 60_000),
        participant: { email: null, name: 'Student 1', providerUserId: 'student-1', participantId: 'p1' },
      };
      expect(await core.attendance.record(joined)).toMatchObject({ status: 'recorded', role: 'student' });
      expect(await core.attendance.record(joined)).toMatchObject({ status: 'duplicate' });
      expect(await core.attendance.list(a.id)).toHaveLength(1);

      clock.set(new Date(start.getTime() + 121 * 60_000));
      gateway.failNext(2); // a and b are declined once
      const first = await core.settlement.run();
      expect(first).toMatchObject({ completed: 2, chargesFailed: 2 });

      clock.set(new Date(start.getTime() + 130 * 60_000));
      gateway.script('succeed', 'decline'); // a's second attempt succeeds, b's is declined: b has used its two
      const second = await core.settlement.run();
      expect(second).toMatchObject({ chargesSucceeded: 1, chargesNeedingAttention: 1 });

      const paid = (await core.sessions.get(a.id))!.chargeStatus === 'succeeded' ? a : b;
      const failed = paid === a ? b : a;
      const ledger = await core.charges.list(paid.id);
      expect(ledger.map((c) => [c.attempt, c.status, c.calls])).toEqual([[1, 'failed', 1], [2, 'succeeded', 1]]);
      expect(ledger[0]!.idempotencyKey).not.toBe(ledger[1]!.idempotencyKey);
      expect((await core.charges.listNeedingAttention()).map((s) => s.id)).toEqual([failed.id]);
      expect((await core.sessions.listEvents(failed.id)).map((e) => e.type)).toContain('charge.needs_attention');
      expect(await core.providers.get('tutor-p')).toMatchObject({ provider: 'google_meet' });

      // And what it must not do, it cannot.
      for (const statement of [
        'truncate public.session_charges',
        'truncate public.sessions cascade',
        `delete from public.session_charges`,
        `delete from public.session_payouts`,
        `delete from public.session_disputes`,
        'truncate public.session_payouts',
        'truncate public.session_disputes',
        `delete from public.session_chargebacks`,
        'truncate public.session_chargebacks',
        `delete from public.sessions`,
        `delete from public.tutor_video_provider_connections`,
        `update public.session_events set actor = 'x'`,
        `delete from public.session_attendance`,
        `update public.session_attendance set role = 'student'`,
        'truncate public.session_attendance',
        `insert into public.session_work (kind, due_at, session_id) values ('settle', now(), '${failed.id}')`,
        `delete from public.session_work`,
      ]) {
        await expect(service.query(statement), statement).rejects.toMatchObject({ code: '42501' });
      }
    });
  });
}
