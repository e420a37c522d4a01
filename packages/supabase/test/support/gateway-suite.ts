import { createClient } from '@supabase/supabase-js';
import { afterAll, describe, expect, it } from 'vitest';
import { isSessionError } from '@itutor/sessions-core';
import { transition } from '@itutor/sessions-core/adapter';
import { buildSession, runAdapterContractSuite } from '@itutor/sessions-core/testing';
import { createSupabaseAdapter } from '@itutor/sessions-supabase';
import type { TestDatabase } from './db';
import { startTestGateway, type TestGateway } from './gateway';
import { createRawReader } from './raw';

/** The gateway's JWT secret in these tests. */
export const JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

/**
 * supabase-js builds a realtime client eagerly and, on Node 20 (no global WebSocket), needs a
 * transport. Nothing here uses realtime: a constructor that refuses to connect is enough.
 */
class NoRealtime {
  constructor() {
    throw new Error('realtime is not used by the sessions adapter');
  }
}

/** A supabase-js client of the test gateway with `key` (and a user's access token). */
export const client = (gateway: TestGateway, key: string, accessToken?: string) =>
  createClient(gateway.url, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: NoRealtime as never },
    ...(accessToken ? { global: { headers: { Authorization: `Bearer ${accessToken}` } } } : {}),
  });

/**
 * The supabase-js adapter through the PostgREST test gateway over `open()`'s database: the contract
 * suite, unmodified, plus what clients with the anon key or a user's token can and cannot do.
 */
export function runGatewaySuite(name: string, open: () => Promise<TestDatabase>): void {
  const ready = (async () => {
    const db = await open();
    const gateway = await startTestGateway(db, { jwtSecret: JWT_SECRET });
    return { db, gateway };
  })();
  afterAll(async () => {
    const { db, gateway } = await ready;
    await gateway.close();
    await db.close();
  });

  runAdapterContractSuite({
    name: `supabase-js repositories via the PostgREST test gateway on ${name}`,
    test: { describe, it },
    setup: async () => {
      const { db, gateway } = await ready;
      await db.reset();
      return { adapter: createSupabaseAdapter(client(gateway, gateway.serviceRoleKey)), raw: createRawReader(db.client) };
    },
  });

  describe(`supabase-js clients on ${name}`, () => {
    it('the adapter uses only POST /rest/v1/rpc/<fn>', async () => {
      const { gateway } = await ready;
      const used = new Set(gateway.requests.filter((r) => r.startsWith('POST')).map((r) => r.replace(/\/rpc\/.*/, '/rpc/<fn>')));
      expect([...used]).toEqual(['POST /rest/v1/rpc/<fn>']);
    });

    it('anon and signed-in users cannot call the repository functions', async () => {
      const { db, gateway } = await ready;
      await db.reset();
      const s = buildSession({ id: '20000000-0000-4000-8000-000000000001', bookingId: 'gw-1' });
      await createSupabaseAdapter(client(gateway, gateway.serviceRoleKey)).sessions.insert(s, []);

      const anon = createSupabaseAdapter(client(gateway, gateway.anonKey));
      await expect(anon.sessions.findById(s.id)).rejects.toMatchObject({ name: 'SessionError', code: 'STORAGE_FAILED', details: { providerCode: '42501' } });

      const studentToken = await gateway.userToken('30000000-0000-4000-8000-000000000001');
      const student = createSupabaseAdapter(client(gateway, gateway.anonKey, studentToken));
      const error = await student.sessions.findById(s.id).catch((e: unknown) => e);
      expect(isSessionError(error, 'STORAGE_FAILED')).toBe(true);
      expect(error).toMatchObject({ details: { functionName: expect.any(String), providerCode: '42501' } });
      await expect(student.sessions.applyWrites([{ expectedVersion: 1, next: { ...s, version: 2, status: 'CANCELLED' }, events: [] }])).rejects.toMatchObject({
        code: 'STORAGE_FAILED',
        details: { providerCode: '42501' },
      });
      expect((await createRawReader(db.client).session(s.id))?.status).toBe('SCHEDULED');
    });

    it('a participant reads their own session without its join URL; others read nothing', async () => {
      const { db, gateway } = await ready;
      await db.reset();
      const tutorId = '30000000-0000-4000-8000-00000000000a';
      const studentId = '30000000-0000-4000-8000-00000000000b';
      const s = buildSession({ id: '20000000-0000-4000-8000-000000000002', bookingId: 'gw-2', tutorId, studentId });
      await createSupabaseAdapter(client(gateway, gateway.serviceRoleKey)).sessions.insert(s, []);

      const student = client(gateway, gateway.anonKey, await gateway.userToken(studentId));
      const own = await student.from('sessions').select('id,status,price_ttd').eq('id', s.id);
      expect(own.error).toBeNull();
      expect(own.data).toEqual([{ id: s.id, status: 'SCHEDULED', price_ttd: 150 }]);

      const secret = await student.from('sessions').select('id,join_url').eq('id', s.id);
      expect(secret.data).toBeNull();
      expect(secret.error?.code).toBe('42501');

      const stranger = client(gateway, gateway.anonKey, await gateway.userToken('30000000-0000-4000-8000-00000000000c'));
      const none = await stranger.from('sessions').select('id').eq('id', s.id);
      expect(none).toMatchObject({ data: [], error: null });

      const anon = await client(gateway, gateway.anonKey).from('sessions').select('id');
      expect(anon.error?.code).toBe('42501');
    });

    it('a participant reads their session\'s charge attempts without key or reference; others read nothing', async () => {
      const { db, gateway } = await ready;
      await db.reset();
      const tutorId = '30000000-0000-4000-8000-00000000001a';
      const studentId = '30000000-0000-4000-8000-00000000001b';
      const s = buildSession({ id: '20000000-0000-4000-8000-000000000003', bookingId: 'gw-3', tutorId, studentId });
      const service = createSupabaseAdapter(client(gateway, gateway.serviceRoleKey));
      await service.sessions.insert(s, []);
      const settled = transition(s, { type: 'SETTLE' }, s.scheduledEndAt);
      if (!settled.ok) throw settled.error;
      const [stored] = await service.sessions.applyWrites([{ expectedVersion: 1, next: settled.session, events: settled.events, ledger: settled.ledger }]);
      const answered = transition(stored!, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'failed', failureCode: 'card_declined', reference: 'pi_secret' } }, s.scheduledEndAt);
      if (!answered.ok) throw answered.error;
      await service.sessions.applyWrites([{ expectedVersion: 2, next: answered.session, events: answered.events, ledger: answered.ledger }]);
      expect((await service.charges.listBySession(s.id)).map((c) => [c.attempt, c.status, c.gatewayReference])).toEqual([[1, 'failed', 'pi_secret']]);

      const student = client(gateway, gateway.anonKey, await gateway.userToken(studentId));
      const own = await student.from('session_charges').select('attempt,status,failure_code,charge_amount_ttd,calls').eq('session_id', s.id);
      expect(own.error).toBeNull();
      expect(own.data).toEqual([{ attempt: 1, status: 'failed', failure_code: 'card_declined', charge_amount_ttd: 150, calls: 1 }]);
      for (const secret of ['idempotency_key', 'gateway_reference']) {
        const refused = await student.from('session_charges').select(`attempt,${secret}`).eq('session_id', s.id);
        expect(refused.data, secret).toBeNull();
        expect(refused.error?.code, secret).toBe('42501');
      }
      const stranger = client(gateway, gateway.anonKey, await gateway.userToken('30000000-0000-4000-8000-00000000001c'));
      expect(await stranger.from('session_charges').select('attempt').eq('session_id', s.id)).toMatchObject({ data: [], error: null });
      expect((await client(gateway, gateway.anonKey).from('session_charges').select('attempt')).error?.code).toBe('42501');
      // Clients reach no repository function, the ledger's included.
      await expect(createSupabaseAdapter(student).charges.listBySession(s.id)).rejects.toMatchObject({ code: 'STORAGE_FAILED', details: { providerCode: '42501' } });
    });

    it("a participant reads their session's attendance as the HTTP route shows it, nobody's e-mail, name or ids; the adapter keeps every field", async () => {
      const { db, gateway } = await ready;
      await db.reset();
      const tutorId = '30000000-0000-4000-8000-00000000002a';
      const studentId = '30000000-0000-4000-8000-00000000002b';
      const s = buildSession({ id: '20000000-0000-4000-8000-000000000004', bookingId: 'gw-4', tutorId, studentId });
      const service = createSupabaseAdapter(client(gateway, gateway.serviceRoleKey));
      await service.sessions.insert(s, []);
      const joinedAt = new Date(s.scheduledStartAt.getTime() + 2 * 60_000);
      const dialIn = {
        provider: 'zoom' as const,
        eventId: 'gw-4-dial-in',
        sessionId: s.id,
        role: 'unknown' as const,
        kind: 'joined' as const,
        participantEmail: 'guest@example.com',
        participantName: '+1 868 555 0100',
        participantProviderUserId: 'zoom-user-guest',
        participantId: '16778240',
        instanceId: 'instance-gw-4',
        occurredAt: joinedAt,
        receivedAt: new Date(joinedAt.getTime() + 1_000),
      };
      const audit = { type: 'attendance.recorded' as const, sessionId: s.id, tutorId, actor: 'system', occurredAt: dialIn.receivedAt, payload: { eventId: dialIn.eventId } };
      // The adapter's path (service role, repository functions): every field stored and read back.
      expect(await service.attendance.record(dialIn, audit)).toBe(true);
      expect(await service.attendance.listBySession(s.id)).toEqual([dialIn]);

      const student = client(gateway, gateway.anonKey, await gateway.userToken(studentId));
      const own = await student.from('session_attendance').select('session_id,provider,role,kind,occurred_at').eq('session_id', s.id);
      expect(own.error).toBeNull();
      expect(own.data).toEqual([{ session_id: s.id, provider: 'zoom', role: 'unknown', kind: 'joined', occurred_at: expect.any(String) }]);
      expect(new Date((own.data![0] as { occurred_at: string }).occurred_at).getTime()).toBe(joinedAt.getTime());
      for (const secret of ['participant_email', 'participant_name', 'participant_provider_user_id', 'participant_id', 'instance_id', 'event_id', 'received_at', '*']) {
        const refused = await student.from('session_attendance').select(secret === '*' ? '*' : `kind,${secret}`).eq('session_id', s.id);
        expect(refused.data, secret).toBeNull();
        expect(refused.error?.code, secret).toBe('42501');
      }
      const stranger = client(gateway, gateway.anonKey, await gateway.userToken('30000000-0000-4000-8000-00000000002c'));
      expect(await stranger.from('session_attendance').select('kind').eq('session_id', s.id)).toMatchObject({ data: [], error: null });
      expect((await client(gateway, gateway.anonKey).from('session_attendance').select('kind')).error?.code).toBe('42501');
      await expect(createSupabaseAdapter(student).attendance.listBySession(s.id)).rejects.toMatchObject({ code: 'STORAGE_FAILED', details: { providerCode: '42501' } });
    });
  });
}
