import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionsCore, type Booking } from '@itutor/sessions-core';
import { createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createKeyRing, decryptToken, tokenStoreFromConnections, videoProviders, zoom, type ConnectionInvalidEvent } from '@itutor/sessions-video';
import { createZoomFake, interceptProviders, type ProviderInterception, type ZoomFake } from '@itutor/sessions-video/testing';
import { createServerDatabase } from '../support/db';

/**
 * The video package's token lifecycle on the PostgreSQL server: tokens encrypted in the connection
 * row, the refresh lock as the adapter's one-statement compare-and-set, seen from many "servers" (one
 * zoom() per caller, so nothing is shared in process) over a pool of real connections.
 */
const database = createServerDatabase('video_tokens', { max: 20 });
afterAll(async () => (await database).close());

let fake: ZoomFake = createZoomFake();
let msw: ProviderInterception;
beforeAll(() => void (msw = interceptProviders(fake)));
afterAll(() => msw.close());

const keyRing = createKeyRing({ currentKeyId: 'k1', keys: { k1: Buffer.alloc(32, 5).toString('base64') } });
const credentials = { clientId: 'test-client-id', clientSecret: 'test-client-secret', redirectUri: 'https://app.example/api/providers/zoom/callback' };

async function world(invalid: ConnectionInvalidEvent[] = []) {
  const db = await database;
  await db.reset();
  fake = createZoomFake();
  msw.use(fake);
  const adapter = createSqlAdapter(db.pool);
  const store = tokenStoreFromConnections(adapter.connections);
  /** One provider per caller: every process-local shortcut is out of play, only the database locks. */
  const server = () =>
    zoom({ ...credentials, store, keyRing, meetings: adapter.meetings, pollIntervalMs: 10, onConnectionInvalid: (e) => void invalid.push(e) });
  const core = (provider = server()) =>
    createSessionsCore({ adapter, videoProvider: videoProviders({ zoom: provider }), paymentGateway: createRecordingPaymentGateway() });
  return { db, adapter, server, core };
}

const booking = (n: number): Booking => ({
  bookingId: `vt-${n}`,
  tutorId: 'tutor-z',
  studentId: `student-${n}`,
  scheduledStartAt: new Date('2031-01-10T15:00:00.000Z'),
  durationMinutes: 60,
  priceMinor: 15_000,
});

describe('video tokens on the PostgreSQL server', () => {
  it('20 concurrent meeting creations with an expired access token: one refresh, 20 meetings, the newest refresh token stored, no plaintext anywhere', async () => {
    const { db, adapter, server, core } = await world();
    const first = server();
    const issued = fake.issueTokens('zoom-user-z', { expiresInSeconds: -30 });
    await core(first).providers.connect({ tutorId: 'tutor-z', provider: 'zoom', tokens: await first.tokens.sealTokens('tutor-z', { ...issued, expiresAt: new Date(Date.now() - 30_000) }) });

    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => core().sessions.create(booking(i))));
    expect(results.filter((r) => r.created)).toHaveLength(20);
    expect(fake.count('token')).toBe(1);
    expect(fake.meetings.size).toBe(20);
    expect(new Set(results.map((r) => r.session.meetingId)).size).toBe(20);

    const stored = (await adapter.connections.findTokens('tutor-z'))!;
    const refresh = await decryptToken(keyRing, stored.refreshToken!, 'tutor-z:zoom:refresh');
    expect(fake.isRefreshTokenValid(refresh)).toBe(true);
    expect(refresh).not.toBe(issued.refreshToken);
    expect(stored).toMatchObject({ status: 'connected', refreshLeaseUntil: null });
    expect(stored.version).toBeGreaterThanOrEqual(3); // connect (1), lease (2), refreshed (3)
    expect(stored.expiresAt!.getTime()).toBeGreaterThan(Date.now());

    // Checked in SQL: no plaintext token (the first ones, the refreshed ones) in any column of any row
    // of the connections, the events or the meetings.
    const accessNow = await decryptToken(keyRing, stored.accessToken, 'tutor-z:zoom:access');
    for (const plaintext of [issued.accessToken, issued.refreshToken, accessNow, refresh]) {
      const { rows } = await db.pool.query(
        `select (select count(*) from public.tutor_video_provider_connections as c where strpos(c::text, $1) > 0)
              + (select count(*) from public.session_events as e where strpos(e::text, $1) > 0)
              + (select count(*) from public.video_provider_meetings as m where strpos(m::text, $1) > 0)
              + (select count(*) from public.sessions as s where strpos(s::text, $1) > 0) as n`,
        [plaintext],
      );
      expect(Number((rows[0] as { n: string }).n)).toBe(0);
    }
    const { rows: shape } = await db.pool.query(
      `select access_token_key_id, access_token_ciphertext ~ '^[A-Za-z0-9_-]{39,}$' as access_is_base64url,
              refresh_token_ciphertext ~ '^[A-Za-z0-9_-]{39,}$' as refresh_is_base64url
       from public.tutor_video_provider_connections where tutor_id = 'tutor-z'`,
    );
    expect(shape).toEqual([{ access_token_key_id: 'k1', access_is_base64url: true, refresh_is_base64url: true }]);
    // One meeting row per booking, for the retry path.
    const { rows: meetings } = await db.pool.query(`select count(*)::int as n from public.video_provider_meetings where provider = 'zoom'`);
    expect(meetings).toEqual([{ n: 20 }]);
  });

  it('a revoked refresh token seen by 10 servers at once: one refresh call, the connection invalid with one event, the host told once', async () => {
    const invalid: ConnectionInvalidEvent[] = [];
    const { adapter, server, core } = await world(invalid);
    const first = server();
    const issued = fake.issueTokens('zoom-user-z', { expiresInSeconds: -30 });
    await core(first).providers.connect({ tutorId: 'tutor-z', provider: 'zoom', tokens: await first.tokens.sealTokens('tutor-z', { ...issued, expiresAt: new Date(Date.now() - 30_000) }) });
    fake.revokeRefreshToken(issued.refreshToken);

    const settled = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => core().sessions.create(booking(i))));
    expect(settled.map((s) => s.status === 'rejected' && (s.reason as { code?: string }).code)).toEqual(Array(10).fill('PROVIDER_NOT_CONNECTED'));
    expect(fake.count('token')).toBe(1);
    expect(fake.meetings.size).toBe(0);
    expect(await adapter.connections.findByTutor('tutor-z')).toMatchObject({ status: 'invalid', version: 2 });
    const changes = (await adapter.events.listByTutor('tutor-z')).filter((e) => e.type === 'provider.status_changed');
    expect(changes.map((e) => e.payload)).toEqual([{ provider: 'zoom', from: 'connected', to: 'invalid', reason: 'invalid_request' }]);
    expect(invalid).toEqual([{ tutorId: 'tutor-z', provider: 'zoom', status: 'invalid', reason: 'invalid_request' }]);
    await expect(core().sessions.create(booking(99))).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED' });
    expect(fake.count('token')).toBe(1);
  });
});
