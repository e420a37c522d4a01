import { createHash } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionsCore } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter, createSqlOAuthStateStore, createSupabaseOAuthStateStore, type SqlClient } from '@itutor/sessions-supabase';
import { createKeyRing, tokenStoreFromConnections, videoConnectRoutes, videoProviders, zoom } from '@itutor/sessions-video';
import { createZoomFake, interceptProviders, oauthStateStoreContract, type ProviderInterception, type ZoomFake } from '@itutor/sessions-video/testing';
import type { TestDatabase } from './db';
import { startTestGateway } from './gateway';
import { asRole } from './privileges-suite';

const JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
const ORIGIN = 'https://tutor.example';
const COOKIE_SECRET = 'a-cookie-secret-of-at-least-32-characters!';
const CALLBACK = `${ORIGIN}/api/providers/zoom/callback`;
const KEY = Buffer.alloc(32, 7).toString('base64');
const hash = (n: number | string) => createHash('sha256').update(String(n)).digest('hex');

class NoRealtime {
  constructor() {
    throw new Error('realtime is not used');
  }
}

/**
 * A database for the suite, and optionally a way to open a second, independent set of connections to
 * it (the PostgreSQL server: another pool, as another server instance would have).
 */
export interface OAuthStatesDatabase {
  readonly db: TestDatabase;
  /** Another client on the same database (another instance's pool); default the same client. */
  readonly second?: () => SqlClient & { end?(): Promise<void> };
}

/**
 * The video connect routes' used-OAuth-states store on `video_oauth_states` (as the service role,
 * through SQL and through supabase-js): the video package's store contract, two handler instances over
 * one database refusing a replayed callback without a second code exchange, racing callbacks with
 * exactly one exchange, expired states, the purge, and what clients cannot do.
 */
export function runOAuthStatesSuite(name: string, open: () => Promise<OAuthStatesDatabase>): void {
  const opened = open();
  const extra: Array<{ end?(): Promise<void> }> = [];
  afterAll(async () => {
    for (const client of extra) await client.end?.();
    await (await opened).db.close();
  });

  /** The shared reset does not know this table: empty it here. */
  async function fresh() {
    const { db } = await opened;
    await db.client.query('delete from public.video_oauth_states');
    return db;
  }

  describe(`OAuth states on ${name}: the OAuthStateStore contract`, () => {
    describe('createSqlOAuthStateStore as the service role', () => {
      for (const c of oauthStateStoreContract(async () => createSqlOAuthStateStore(asRole((await opened).db, 'service_role')))) it(c.name, () => c.run());
    });
    describe('createSqlOAuthStateStore on the owner connection (racing statements share nothing but the table)', () => {
      for (const c of oauthStateStoreContract(async () => createSqlOAuthStateStore((await opened).db.client))) it(c.name, () => c.run());
    });
  });

  describe(`OAuth states on ${name}: two connect-route instances over one database`, () => {
    let fake: ZoomFake = createZoomFake();
    let interception: ProviderInterception;
    beforeAll(() => void (interception = interceptProviders(fake)));
    afterAll(() => interception.close());

    /** One server instance: its own core, Zoom provider, store objects and handler, over `client`. */
    function instance(client: SqlClient, clock: ReturnType<typeof createManualClock>) {
      const adapter = createSqlAdapter(client);
      const provider = zoom({
        clientId: 'test-client-id',
        clientSecret: 'test-client-secret',
        redirectUri: CALLBACK,
        store: tokenStoreFromConnections(adapter.connections),
        meetings: adapter.meetings,
        keyRing: createKeyRing({ currentKeyId: 'k1', keys: { k1: KEY } }),
      });
      const core = createSessionsCore({ adapter, videoProvider: videoProviders({ zoom: provider }), paymentGateway: createRecordingPaymentGateway(), clock });
      const errors: unknown[] = [];
      // The connect routes as a host mounts them: plugged into the core's one handler.
      const handle = createSessionsHandler({
        core,
        authenticate: (request) => {
          const user = request.headers.get('x-user');
          return user ? { userId: user } : null;
        },
        getBooking: async () => null,
        cronSecret: 'oauth-states-cron-secret-0123456789abcdef',
        routes: [
          videoConnectRoutes({
            core,
            cookieSecret: COOKIE_SECRET,
            returnTo: `${ORIGIN}/settings`,
            stateStore: createSqlOAuthStateStore(client),
            clock,
            onError: (e) => errors.push(e),
            providers: { zoom: { oauth: provider.oauth, tokens: provider.tokens } },
          }),
        ],
      });
      return { handle, core, errors };
    }

    async function world() {
      const db = await fresh();
      await db.reset();
      fake = createZoomFake();
      interception.use(fake);
      const clock = createManualClock(new Date());
      const { second } = await opened;
      let other: SqlClient = db.client;
      if (second) {
        const pool = second();
        extra.push(pool);
        other = pool;
      }
      return { db, clock, a: instance(db.client, clock), b: instance(other, clock) };
    }

    async function start(h: ReturnType<typeof instance>, user = 'tutor-1') {
      const response = await h.handle(new Request(`${ORIGIN}/api/providers/zoom/connect`, { headers: { 'x-user': user } }));
      const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
      const consent = await fetch(new URL(response.headers.get('location')!), { redirect: 'manual' });
      return { cookie, callbackUrl: new URL(consent.headers.get('location')!) };
    }
    async function finish(h: ReturnType<typeof instance>, callbackUrl: URL, cookie: string, user = 'tutor-1') {
      const response = await h.handle(new Request(callbackUrl, { headers: { cookie, 'x-user': user } }));
      expect(response.status).toBe(302);
      return new URL(response.headers.get('location')!).searchParams.get('video');
    }

    it('the callback replayed on the second instance (same state, same cookie) is refused; the code is exchanged once', async () => {
      const { db, a, b } = await world();
      const { cookie, callbackUrl } = await start(a);
      expect(await finish(a, callbackUrl, cookie)).toBe('connected');
      expect(fake.count('token')).toBe(1);
      const connection = await a.core.providers.get('tutor-1');
      expect(await finish(b, callbackUrl, cookie)).toBe('expired_state');
      expect(await finish(a, callbackUrl, cookie)).toBe('expired_state');
      expect(fake.count('token')).toBe(1);
      expect(await b.core.providers.get('tutor-1')).toEqual(connection);
      expect([...a.errors, ...b.errors]).toEqual([]);
      // The table holds the state's hash, never the state.
      const state = callbackUrl.searchParams.get('state')!;
      const { rows } = await db.client.query('select state_hash from public.video_oauth_states');
      expect(rows).toHaveLength(1);
      expect((rows[0] as { state_hash: string }).state_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(rows)).not.toContain(state);
    });

    it('racing callbacks of one attempt on both instances: exactly one exchange and one connection', async () => {
      const { a, b } = await world();
      const { cookie, callbackUrl } = await start(a);
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => finish(i % 2 ? b : a, callbackUrl, cookie)));
      expect(outcomes.filter((o) => o === 'connected')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'expired_state')).toHaveLength(9);
      expect(fake.count('token')).toBe(1);
      expect(await a.core.providers.get('tutor-1')).toMatchObject({ provider: 'zoom', status: 'connected', version: 1 });
      expect([...a.errors, ...b.errors]).toEqual([]);
    });

    it('an expired attempt is refused on both instances without a row or an exchange; the purge forgets expired states, and a purged one stays refused', async () => {
      const { db, clock, a, b } = await world();
      const used = await start(a);
      expect(await finish(a, used.callbackUrl, used.cookie)).toBe('connected');
      const late = await start(b);
      clock.set(new Date(clock.now().getTime() + 10 * 60_000 + 1));
      expect(await finish(b, late.callbackUrl, late.cookie)).toBe('expired_state');
      expect(await finish(a, late.callbackUrl, late.cookie)).toBe('expired_state');
      expect(fake.count('token')).toBe(1);
      const count = async () => ((await db.client.query('select count(*)::int as n from public.video_oauth_states')).rows[0] as { n: number }).n;
      expect(await count()).toBe(1);

      const store = createSqlOAuthStateStore(asRole(db, 'service_role'));
      expect(await store.purgeExpired(new Date(clock.now().getTime() - 60 * 60_000))).toBe(0);
      expect(await store.purgeExpired(clock.now())).toBe(1);
      expect(await count()).toBe(0);
      expect(await finish(b, used.callbackUrl, used.cookie)).toBe('expired_state');
      expect(fake.count('token')).toBe(1);
    });

    it('a database that refuses the state store (its role lacks the privilege) fails closed: video=failed, no exchange', async () => {
      const { db, clock } = await world();
      const h = instance(asRole(db, 'authenticated'), clock);
      const { cookie, callbackUrl } = await start(h);
      expect(await finish(h, callbackUrl, cookie)).toBe('failed');
      expect(h.errors).toEqual([expect.objectContaining({ code: '42501' })]);
      expect(fake.count('token')).toBe(0);
    });
  });

  describe(`OAuth states on ${name}: input and access`, () => {
    it('refuses malformed input with a TypeError, without calling the database; the table refuses a malformed hash too', async () => {
      const { db } = await opened;
      const store = createSqlOAuthStateStore({ query: () => Promise.reject(new Error('must not be called')) });
      const bad = (value: unknown) => value as never;
      const at = new Date('2030-01-01T00:00:00Z');
      for (const h of ['', 'abc', hash(1).toUpperCase(), `${hash(1)}0`, 42, null]) {
        await expect(store.consume(bad(h), at, at), String(h)).rejects.toBeInstanceOf(TypeError);
      }
      for (const date of [new Date(Number.NaN), '2030-01-01T00:00:00Z', Date.now(), null]) {
        await expect(store.consume(hash(1), bad(date), at)).rejects.toBeInstanceOf(TypeError);
        await expect(store.consume(hash(1), at, bad(date))).rejects.toBeInstanceOf(TypeError);
        await expect(store.purgeExpired(bad(date))).rejects.toBeInstanceOf(TypeError);
      }
      for (const value of ['not-hex', hash(2).toUpperCase(), hash(3).slice(1)]) {
        await expect(db.client.query(`insert into public.video_oauth_states (state_hash, expires_at) values ($1, now())`, [value]), value).rejects.toMatchObject({ code: '23514' });
      }
    });

    it('a null or non-live expiry is refused by the function itself and not recorded', async () => {
      const db = await fresh();
      const { rows } = await db.client.query(
        `select public.itutor_consume_oauth_state($1, now() - interval '1 second', now()) as past,
                public.itutor_consume_oauth_state($2, '2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z') as equal,
                public.itutor_consume_oauth_state($3, null, now()) as absent,
                public.itutor_consume_oauth_state($4, now() + interval '1 hour', null) as no_now`,
        [hash('p'), hash('e'), hash('a'), hash('n')],
      );
      expect(rows).toEqual([{ past: false, equal: false, absent: false, no_now: false }]);
      expect((await db.client.query('select * from public.video_oauth_states')).rows).toEqual([]);
    });

    it('clients can neither call the functions nor touch the table; the service role cannot update or truncate it', async () => {
      const db = await fresh();
      const future = new Date(Date.now() + 3600_000);
      expect(await createSqlOAuthStateStore(asRole(db, 'service_role')).consume(hash('secret'), future, new Date())).toBe(true);
      for (const role of ['anon', 'authenticated']) {
        const client = asRole(db, role);
        for (const statement of [
          `select public.itutor_consume_oauth_state('${hash('x')}', now() + interval '1 hour', now())`,
          `select public.itutor_purge_oauth_states(now() + interval '1 year')`,
          'select state_hash from public.video_oauth_states',
          `insert into public.video_oauth_states (state_hash, expires_at) values ('${hash('y')}', now())`,
          `update public.video_oauth_states set expires_at = now()`,
          'delete from public.video_oauth_states',
          'truncate public.video_oauth_states',
        ]) {
          await expect(client.query(statement), `${role}: ${statement}`).rejects.toMatchObject({ code: '42501' });
        }
      }
      const service = asRole(db, 'service_role');
      for (const statement of [`update public.video_oauth_states set expires_at = now()`, 'truncate public.video_oauth_states']) {
        await expect(service.query(statement), statement).rejects.toMatchObject({ code: '42501' });
      }
      const { rows } = await db.client.query('select state_hash from public.video_oauth_states');
      expect(rows).toEqual([{ state_hash: hash('secret') }]);
    });

    it('through supabase-js (the PostgREST test gateway): the service role consumes and purges; anon and a user are refused', async () => {
      const db = await fresh();
      const gateway = await startTestGateway(db, { jwtSecret: JWT_SECRET });
      try {
        const client = (key: string, token?: string) =>
          createClient(gateway.url, key, {
            auth: { persistSession: false, autoRefreshToken: false },
            realtime: { transport: NoRealtime as never },
            ...(token ? { global: { headers: { Authorization: `Bearer ${token}` } } } : {}),
          });
        const store = createSupabaseOAuthStateStore(client(gateway.serviceRoleKey));
        const now = new Date('2030-03-01T12:00:00.000Z');
        const expires = new Date('2030-03-01T12:10:00.000Z');
        expect(await store.consume(hash('js'), expires, now)).toBe(true);
        expect(await store.consume(hash('js'), expires, now)).toBe(false);
        expect(await store.consume(hash('late'), now, now)).toBe(false);
        expect(await store.purgeExpired(now)).toBe(0);
        expect(await store.purgeExpired(expires)).toBe(1);
        expect(await store.consume(hash('js'), expires, new Date(expires.getTime() + 1))).toBe(false);
        for (const refused of [
          createSupabaseOAuthStateStore(client(gateway.anonKey)),
          createSupabaseOAuthStateStore(client(gateway.anonKey, await gateway.userToken('11111111-1111-4111-8111-111111111111'))),
        ]) {
          await expect(refused.consume(hash('anon'), expires, now)).rejects.toMatchObject({ name: 'SessionError', code: 'STORAGE_FAILED', details: { providerCode: '42501' } });
          await expect(refused.purgeExpired(expires)).rejects.toMatchObject({ name: 'SessionError', code: 'STORAGE_FAILED', details: { providerCode: '42501' } });
        }
      } finally {
        await gateway.close();
      }
    });

    it('purgeExpired forgets only what expired at or before `before`', async () => {
      const db = await fresh();
      const base = Date.UTC(2030, 2, 1, 12);
      await db.client.query(
        `insert into public.video_oauth_states (state_hash, expires_at)
         select encode(sha256(i::text::bytea), 'hex'), $1::timestamptz + i * interval '1 second' from generate_series(1, 300) as i`,
        [new Date(base).toISOString()],
      );
      const store = createSqlOAuthStateStore(asRole(db, 'service_role'));
      expect(await store.purgeExpired(new Date(base + 100_000))).toBe(100);
      expect(await store.purgeExpired(new Date(base + 100_000))).toBe(0);
      const { rows } = await db.client.query('select count(*)::int as n, min(expires_at) as first from public.video_oauth_states');
      const left = rows[0] as { n: number; first: Date | string };
      expect(left.n).toBe(200);
      expect(new Date(left.first).getTime()).toBe(base + 101_000);
    });
  });
}
