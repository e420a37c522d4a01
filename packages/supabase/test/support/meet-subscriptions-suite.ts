import { createClient } from '@supabase/supabase-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlMeetSubscriptionStore, createSupabaseMeetSubscriptionStore, type SupabaseMeetSubscriptionRecord } from '@itutor/sessions-supabase';
import { createKeyRing, googleMeet, meetSpaceFromSubscriptions, renewMeetSubscriptions } from '@itutor/sessions-video';
import {
  createGoogleFake,
  createMemoryMeetingStore,
  createMemoryMeetSubscriptionStore,
  createMemoryTokenStore,
  interceptProviders,
  type GoogleFake,
  type ProviderInterception,
} from '@itutor/sessions-video/testing';
import type { TestDatabase } from './db';
import { startTestGateway } from './gateway';
import { asRole } from './privileges-suite';

const JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

class NoRealtime {
  constructor() {
    throw new Error('realtime is not used');
  }
}

const record = (n: number | string, overrides: Partial<SupabaseMeetSubscriptionRecord> = {}): SupabaseMeetSubscriptionRecord => ({
  space: `spaces/space${n}`,
  tutorId: 'tutor-1',
  subscription: `subscriptions/sub${n}`,
  expireTime: new Date(Date.UTC(2030, 2, 1, 12, 0, 0, 123)),
  keepUntil: new Date(Date.UTC(2030, 2, 8)),
  ...overrides,
});

/** One step of a store's life, replayed on the in-memory store and the SQL one. */
type Op =
  | { op: 'save'; space: number; tutor: number; sub: number | null; expire: number; keep: number }
  | { op: 'findBySpace'; space: number }
  | { op: 'findBySubscription'; space: number; sub: number }
  | { op: 'listExpiring'; before: number; limit: number }
  | { op: 'remove'; space: number };

const BASE = Date.UTC(2030, 2, 1, 10);
const SPACES = 4;
const space = (i: number) => `spaces/contract_${i}`;
// A subscription belongs to one space (as at Google): names never move between spaces.
const sub = (spaceIndex: number, n: number) => `subscriptions/s${spaceIndex}_${n}`;
// Expiry instants never tie between two spaces (ties may be listed in any order, and a limit may cut one).
const expire = (spaceIndex: number, k: number) => new Date(BASE + k * MINUTE + spaceIndex * 7 + 1);

const OPS: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('save' as const),
    space: fc.nat(SPACES - 1),
    tutor: fc.nat(2),
    sub: fc.option(fc.nat(2), { nil: null }),
    expire: fc.nat(6),
    keep: fc.nat(3),
  }),
  fc.record({ op: fc.constant('findBySpace' as const), space: fc.nat(SPACES) }),
  fc.record({ op: fc.constant('findBySubscription' as const), space: fc.nat(SPACES), sub: fc.nat(2) }),
  fc.record({ op: fc.constant('listExpiring' as const), before: fc.nat(7), limit: fc.nat(5) }),
  fc.record({ op: fc.constant('remove' as const), space: fc.nat(SPACES) }),
);

type Store = ReturnType<typeof createMemoryMeetSubscriptionStore> | ReturnType<typeof createSqlMeetSubscriptionStore>;

async function apply(store: Store, o: Op): Promise<unknown> {
  switch (o.op) {
    case 'save':
      return store.save({
        space: space(o.space),
        tutorId: `tutor-${o.tutor}`,
        subscription: o.sub === null ? null : sub(o.space, o.sub),
        expireTime: expire(o.space, o.expire),
        keepUntil: new Date(BASE + (o.keep + 1) * DAY),
      });
    case 'findBySpace':
      return store.findBySpace(space(o.space));
    case 'findBySubscription':
      return store.findBySubscription(sub(o.space, o.sub));
    case 'listExpiring':
      // `before` on a minute boundary plus the tie-breaking offsets: some instants equal it exactly.
      return store.listExpiring(new Date(BASE + o.before * MINUTE + 8), o.limit);
    case 'remove':
      return store.remove(space(o.space));
  }
}

/**
 * The Meet subscription store on `meet_subscriptions` (as the service role, through SQL and through
 * supabase-js): the same answers as the video package's in-memory store for every method, racing saves,
 * listExpiring's order and bounds, what clients cannot do, and `googleMeet` / `renewMeetSubscriptions`
 * running over it against the Google fake.
 */
export function runMeetSubscriptionsSuite(name: string, open: () => Promise<TestDatabase>, options: { contractRuns?: number } = {}): void {
  const database = open();
  afterAll(async () => (await database).close());

  /** The shared reset does not know this table: empty it here. */
  async function fresh() {
    const db = await database;
    await db.client.query('delete from public.meet_subscriptions');
    return db;
  }

  describe(`Meet subscriptions on ${name}: the same contract as the in-memory store`, () => {
    it('every method answers as createMemoryMeetSubscriptionStore does, over random sequences of calls', async () => {
      const db = await database;
      const sql = createSqlMeetSubscriptionStore(asRole(db, 'service_role'));
      await fc.assert(
        fc.asyncProperty(fc.array(OPS, { minLength: 1, maxLength: 25 }), async (ops) => {
          await db.client.query('delete from public.meet_subscriptions');
          const memory = createMemoryMeetSubscriptionStore();
          for (const [i, o] of ops.entries()) {
            const expected = await apply(memory, o);
            const actual = await apply(sql, o);
            expect(actual, `step ${i}: ${JSON.stringify(o)}`).toEqual(expected);
          }
          // And the whole contents at the end.
          const far = new Date(BASE + 365 * DAY);
          expect(await sql.listExpiring(far, 100)).toEqual(await memory.listExpiring(far, 100));
        }),
        { numRuns: options.contractRuns ?? 40 },
      );
    });

    it('findBySpace / findBySubscription / save / remove, one by one', async () => {
      const db = await fresh();
      const store = createSqlMeetSubscriptionStore(asRole(db, 'service_role'));
      expect(await store.findBySpace('spaces/space1')).toBeNull();
      expect(await store.findBySubscription('subscriptions/sub1')).toBeNull();

      await store.save(record(1));
      expect(await store.findBySpace('spaces/space1')).toEqual(record(1));
      expect(await store.findBySubscription('subscriptions/sub1')).toEqual(record(1));

      // Replaced as a whole (upsert by space): the old subscription name no longer finds it.
      const renewed = record(1, { subscription: 'subscriptions/sub1b', expireTime: new Date(Date.UTC(2030, 2, 8, 11, 59, 59, 999)), tutorId: 'tutor-2' });
      await store.save(renewed);
      expect(await store.findBySpace('spaces/space1')).toEqual(renewed);
      expect(await store.findBySubscription('subscriptions/sub1')).toBeNull();
      expect(await store.findBySubscription('subscriptions/sub1b')).toEqual(renewed);

      // Spaces still without a subscription: any number of them (NULLs are not duplicates).
      await store.save(record(2, { subscription: null }));
      await store.save(record(3, { subscription: null }));
      expect(await store.findBySpace('spaces/space2')).toEqual(record(2, { subscription: null }));

      await store.remove('spaces/space1');
      await store.remove('spaces/space1'); // nothing left: a no-op
      await store.remove('spaces/neverSaved');
      expect(await store.findBySpace('spaces/space1')).toBeNull();
      expect(await store.findBySubscription('subscriptions/sub1b')).toBeNull();
      const { rows } = await db.client.query('select space from public.meet_subscriptions order by 1');
      expect(rows).toEqual([{ space: 'spaces/space2' }, { space: 'spaces/space3' }]);
    });

    it('a subscription watches one space: saving it for a second space is refused (23505), the first record stays', async () => {
      const db = await fresh();
      const store = createSqlMeetSubscriptionStore(asRole(db, 'service_role'));
      await store.save(record(1));
      await expect(store.save(record(2, { subscription: 'subscriptions/sub1' }))).rejects.toMatchObject({ code: '23505' });
      expect(await store.findBySubscription('subscriptions/sub1')).toEqual(record(1));
      expect(await store.findBySpace('spaces/space2')).toBeNull();
    });

    it('timestamps keep their milliseconds and instant whatever the session TimeZone', async () => {
      const db = await fresh();
      const store = createSqlMeetSubscriptionStore(asRole(db, 'service_role'));
      const r = record(1, { expireTime: new Date('2030-03-01T23:59:59.001Z'), keepUntil: new Date('2030-12-31T23:30:00.999Z') });
      await store.save(r);
      const inZone = createSqlMeetSubscriptionStore({
        query: (text, params) =>
          db.transaction(async (tx) => {
            await tx.query(`select set_config('role', 'service_role', true), set_config('TimeZone', 'Pacific/Chatham', true)`);
            return tx.query(text, params);
          }),
      });
      expect(await inZone.findBySpace(r.space)).toEqual(r);
      expect(await inZone.listExpiring(new Date('2031-01-01T00:00:00Z'), 5)).toEqual([r]);
    });
  });

  describe(`Meet subscriptions on ${name}: racing saves`, () => {
    it('saves of one new space racing: none fails, one whole record wins (never a mix of two)', async () => {
      const db = await fresh();
      const store = createSqlMeetSubscriptionStore(db.client);
      const versions = Array.from({ length: 12 }, (_, i) =>
        record('Race', { tutorId: `tutor-${i}`, subscription: i % 3 === 0 ? null : `subscriptions/race${i}`, expireTime: new Date(BASE + i * MINUTE) }),
      );
      await Promise.all(versions.map((v) => store.save(v)));
      const stored = await store.findBySpace('spaces/spaceRace');
      expect(versions).toContainEqual(stored);
      const { rows } = await db.client.query('select count(*)::int as n from public.meet_subscriptions');
      expect(rows).toEqual([{ n: 1 }]);
    });

    it('saves, reads and removes of many spaces racing: each space ends as its last save', async () => {
      const db = await fresh();
      const store = createSqlMeetSubscriptionStore(db.client);
      const spaces = Array.from({ length: 15 }, (_, i) => i);
      await Promise.all(
        spaces.map(async (i) => {
          await store.save(record(`M${i}`, { subscription: null }));
          await Promise.all([store.findBySpace(`spaces/spaceM${i}`), store.listExpiring(new Date(BASE + DAY), 3)]);
          await store.save(record(`M${i}`, { expireTime: new Date(BASE + i * MINUTE) }));
          if (i % 5 === 0) await store.remove(`spaces/spaceM${i}`);
        }),
      );
      const left = await store.listExpiring(new Date(BASE + DAY), 100);
      expect(left).toEqual(spaces.filter((i) => i % 5 !== 0).map((i) => record(`M${i}`, { expireTime: new Date(BASE + i * MINUTE) })));
    });
  });

  describe(`Meet subscriptions on ${name}: listExpiring`, () => {
    it('at most `limit`, soonest first, `before` inclusive, ties by space; 0 → none', async () => {
      const db = await fresh();
      const store = createSqlMeetSubscriptionStore(db.client);
      // 30 records saved in a shuffled order; two pairs share an instant.
      const order = [17, 3, 25, 9, 0, 28, 12, 6, 21, 14, 1, 29, 8, 19, 4, 23, 11, 26, 2, 15, 7, 20, 13, 27, 5, 18, 10, 24, 16, 22];
      const at = (i: number) => new Date(BASE + (i === 11 ? 10 : i === 21 ? 20 : i) * MINUTE);
      for (const i of order) await store.save(record(String(i).padStart(2, '0'), { expireTime: at(i), subscription: i % 4 === 0 ? null : `subscriptions/l${i}` }));
      const spacesOf = (list: readonly SupabaseMeetSubscriptionRecord[]) => list.map((r) => r.space.slice('spaces/space'.length));

      expect(spacesOf(await store.listExpiring(new Date(BASE + 100 * MINUTE), 5))).toEqual(['00', '01', '02', '03', '04']);
      // Inclusive: expireTime == before is listed.
      expect(spacesOf(await store.listExpiring(at(3), 10))).toEqual(['00', '01', '02', '03']);
      expect(spacesOf(await store.listExpiring(new Date(at(3).getTime() - 1), 10))).toEqual(['00', '01', '02']);
      // Ties (10 and 11 at minute 10; 20 and 21 at minute 20) by space.
      expect(spacesOf(await store.listExpiring(new Date(BASE + 20 * MINUTE), 100))).toEqual(
        ['00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20', '21'],
      );
      expect(await store.listExpiring(new Date(BASE - 1), 10)).toEqual([]);
      expect(await store.listExpiring(new Date(BASE + 100 * MINUTE), 0)).toEqual([]);
      const all = await store.listExpiring(new Date(BASE + 100 * MINUTE), 1000);
      expect(all).toHaveLength(30);
      expect(all.map((r) => r.expireTime.getTime())).toEqual([...all.map((r) => r.expireTime.getTime())].sort((a, b) => a - b));
      expect(all[4]).toEqual(record('04', { expireTime: at(4), subscription: null }));
    });

    it('never more than 1 000 per call, whatever the limit (the SQL function is bounded too)', async () => {
      const db = await fresh();
      await db.client.query(
        `insert into public.meet_subscriptions (space, tutor_id, subscription, expire_time, keep_until)
         select 'spaces/bulk' || i, 'tutor-1', 'subscriptions/bulk' || i, $1::timestamptz + i * interval '1 second', $1::timestamptz + interval '7 days'
         from generate_series(1, 1005) as i`,
        [new Date(BASE).toISOString()],
      );
      const store = createSqlMeetSubscriptionStore(db.client);
      const list = await store.listExpiring(new Date(BASE + DAY), 5000);
      expect(list).toHaveLength(1000);
      expect(list[0]!.space).toBe('spaces/bulk1');
      expect(list[999]!.space).toBe('spaces/bulk1000');
      const { rows } = await db.client.query(
        `select jsonb_array_length(public.itutor_list_expiring_meet_subscriptions($1::timestamptz, 2000000000)) as n,
                jsonb_array_length(public.itutor_list_expiring_meet_subscriptions($1::timestamptz, -5)) as negative,
                jsonb_array_length(public.itutor_list_expiring_meet_subscriptions($1::timestamptz, null)) as absent`,
        [new Date(BASE + DAY).toISOString()],
      );
      expect(rows).toEqual([{ n: 1000, negative: 0, absent: 0 }]);
    });
  });

  describe(`Meet subscriptions on ${name}: input and access`, () => {
    it('refuses malformed input with a TypeError, without calling the database; the table refuses it too', async () => {
      const db = await database;
      const store = createSqlMeetSubscriptionStore({ query: () => Promise.reject(new Error('must not be called')) });
      const bad = (value: unknown) => value as never;
      for (const space of ['', 'space1', 'spaces/', 'spaces/a b', `spaces/${'x'.repeat(201)}`, 42, null, undefined]) {
        await expect(store.findBySpace(bad(space)), String(space)).rejects.toBeInstanceOf(TypeError);
        await expect(store.remove(bad(space)), String(space)).rejects.toBeInstanceOf(TypeError);
        await expect(store.save(record(1, { space: bad(space) })), String(space)).rejects.toBeInstanceOf(TypeError);
      }
      for (const subscription of ['', 'subs/x', 'subscriptions/', 'subscriptions/a/b', 7, undefined]) {
        await expect(store.findBySubscription(bad(subscription)), String(subscription)).rejects.toBeInstanceOf(TypeError);
        await expect(store.save(record(1, { subscription: bad(subscription) })), String(subscription)).rejects.toBeInstanceOf(TypeError);
      }
      await expect(store.findBySubscription(bad(null))).rejects.toBeInstanceOf(TypeError);
      for (const tutorId of ['', 'x'.repeat(256), 5, null]) await expect(store.save(record(1, { tutorId: bad(tutorId) }))).rejects.toBeInstanceOf(TypeError);
      for (const date of [new Date(Number.NaN), '2030-01-01T00:00:00Z', Date.now(), null]) {
        await expect(store.save(record(1, { expireTime: bad(date) }))).rejects.toBeInstanceOf(TypeError);
        await expect(store.save(record(1, { keepUntil: bad(date) }))).rejects.toBeInstanceOf(TypeError);
        await expect(store.listExpiring(bad(date), 5)).rejects.toBeInstanceOf(TypeError);
      }
      await expect(store.save(bad(null))).rejects.toBeInstanceOf(TypeError);
      for (const limit of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5', null]) {
        await expect(store.listExpiring(new Date(), bad(limit)), String(limit)).rejects.toBeInstanceOf(TypeError);
      }

      for (const statement of [
        `insert into public.meet_subscriptions (space, tutor_id, subscription, expire_time, keep_until) values ('space1', 't', null, now(), now())`,
        `insert into public.meet_subscriptions (space, tutor_id, subscription, expire_time, keep_until) values ('spaces/${'x'.repeat(201)}', 't', null, now(), now())`,
        `insert into public.meet_subscriptions (space, tutor_id, subscription, expire_time, keep_until) values ('spaces/ok', '', null, now(), now())`,
        `insert into public.meet_subscriptions (space, tutor_id, subscription, expire_time, keep_until) values ('spaces/ok', 't', 'sub1', now(), now())`,
      ]) {
        await expect(db.client.query(statement), statement).rejects.toMatchObject({ code: '23514' });
      }
    });

    it('clients can neither call the functions nor touch the table; the service role cannot truncate it', async () => {
      const db = await fresh();
      await createSqlMeetSubscriptionStore(asRole(db, 'service_role')).save(record('Secret'));
      for (const role of ['anon', 'authenticated']) {
        const client = asRole(db, role);
        for (const statement of [
          `select public.itutor_find_meet_subscription('spaces/spaceSecret')`,
          `select public.itutor_find_meet_subscription_by_name('subscriptions/subSecret')`,
          `select public.itutor_save_meet_subscription('spaces/x', 't', null, now(), now())`,
          `select public.itutor_list_expiring_meet_subscriptions(now() + interval '1 year', 10)`,
          `select public.itutor_remove_meet_subscription('spaces/spaceSecret')`,
          'select space from public.meet_subscriptions',
          `insert into public.meet_subscriptions (space, tutor_id, expire_time, keep_until) values ('spaces/y', 't', now(), now())`,
          `update public.meet_subscriptions set tutor_id = 'x'`,
          'delete from public.meet_subscriptions',
          'truncate public.meet_subscriptions',
        ]) {
          await expect(client.query(statement), `${role}: ${statement}`).rejects.toMatchObject({ code: '42501' });
        }
      }
      await expect(asRole(db, 'service_role').query('truncate public.meet_subscriptions')).rejects.toMatchObject({ code: '42501' });
      expect(await createSqlMeetSubscriptionStore(db.client).findBySpace('spaces/spaceSecret')).toEqual(record('Secret'));
    });

    it('through supabase-js (the PostgREST test gateway): the service role uses every method; anon is refused', async () => {
      const db = await fresh();
      const gateway = await startTestGateway(db, { jwtSecret: JWT_SECRET });
      try {
        const client = (key: string) =>
          createClient(gateway.url, key, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: NoRealtime as never } });
        const store = createSupabaseMeetSubscriptionStore(client(gateway.serviceRoleKey));
        expect(await store.findBySpace('spaces/space1')).toBeNull();
        await store.save(record(1));
        await store.save(record(2, { subscription: null, expireTime: new Date(BASE) }));
        await store.save(record(2, { subscription: null, expireTime: new Date(BASE - MINUTE) }));
        expect(await store.findBySpace('spaces/space1')).toEqual(record(1));
        expect(await store.findBySubscription('subscriptions/sub1')).toEqual(record(1));
        expect(await store.findBySubscription('subscriptions/unknown')).toBeNull();
        expect(await store.listExpiring(new Date(BASE + 10 * DAY), 10)).toEqual([record(2, { subscription: null, expireTime: new Date(BASE - MINUTE) }), record(1)]);
        expect(await store.listExpiring(new Date(BASE + 10 * DAY), 1)).toEqual([record(2, { subscription: null, expireTime: new Date(BASE - MINUTE) })]);
        await store.remove('spaces/space2');
        expect(await store.findBySpace('spaces/space2')).toBeNull();
        await expect(store.save(record(3, { subscription: 'subscriptions/sub1' }))).rejects.toMatchObject({ name: 'SessionError', code: 'STORAGE_FAILED', details: { providerCode: '23505' } });

        const anon = createSupabaseMeetSubscriptionStore(client(gateway.anonKey));
        await expect(anon.findBySpace('spaces/space1')).rejects.toMatchObject({ name: 'SessionError', code: 'STORAGE_FAILED', details: { providerCode: '42501' } });
        await expect(anon.save(record(9))).rejects.toMatchObject({ name: 'SessionError', code: 'STORAGE_FAILED', details: { providerCode: '42501' } });
        const user = createSupabaseMeetSubscriptionStore(createClient(gateway.url, gateway.anonKey, {
          auth: { persistSession: false, autoRefreshToken: false },
          realtime: { transport: NoRealtime as never },
          global: { headers: { Authorization: `Bearer ${await gateway.userToken('11111111-1111-4111-8111-111111111111')}` } },
        }));
        await expect(user.listExpiring(new Date(BASE + 10 * DAY), 10)).rejects.toMatchObject({ name: 'SessionError', code: 'STORAGE_FAILED', details: { providerCode: '42501' } });
        expect(await store.findBySpace('spaces/space1')).toEqual(record(1));
      } finally {
        await gateway.close();
      }
    });
  });

  describe(`googleMeet({ eventSubscriptions }) and renewMeetSubscriptions over the SQL store on ${name}`, () => {
    const TOPIC = 'projects/itutor-test/topics/meet-events';
    const ENDS_AT = new Date('2030-03-01T16:00:00.000Z');
    let google: GoogleFake = createGoogleFake();
    let interception: ProviderInterception;
    beforeAll(() => void (interception = interceptProviders(google)));
    afterAll(() => interception.close());

    const booking = (n: number) => ({
      idempotencyKey: `booking-${n}`,
      provider: 'google_meet' as const,
      tutorId: 'tutor-1',
      topic: `Algebra lesson ${n}`,
      startAt: new Date('2030-03-01T15:00:00.000Z'),
      durationMinutes: 60,
    });
    /** A "now" at which the subscriptions the fake just made expire within the job's window. */
    const nearExpiry = () => new Date(Date.now() + 7 * DAY - 3600_000);

    async function world(meetings: number) {
      const db = await fresh();
      google = createGoogleFake();
      interception.use(google);
      const store = createSqlMeetSubscriptionStore(asRole(db, 'service_role'));
      const provider = googleMeet({
        clientId: 'test-client-id',
        clientSecret: 'test-client-secret',
        redirectUri: 'https://app.example/oauth/callback',
        store: createMemoryTokenStore(),
        meetings: createMemoryMeetingStore(),
        keyRing: createKeyRing({ currentKeyId: 'k1', keys: { k1: Buffer.alloc(32, 7).toString('base64') } }),
        eventSubscriptions: { pubsubTopic: TOPIC, store, operationPollMs: 5 },
      });
      await provider.tokens.saveTokens('tutor-1', google.issueTokens('google-user-1'));
      const created = [];
      for (let i = 0; i < meetings; i++) created.push(await provider.createMeeting(booking(i)));
      return { db, store, provider, client: provider.eventSubscriptions!, meetings: created };
    }

    it('each created space is subscribed and stored; the route resolves its events; the job renews, recreates and drops through the store', async () => {
      const { store, provider, client, meetings } = await world(3);
      expect(google.subscriptions.size).toBe(3);
      const stored = await store.findBySpace(meetings[0]!.meetingId);
      const subscription = [...google.subscriptions.values()].find((s) => s.targetResource.endsWith(meetings[0]!.meetingId))!;
      expect(stored).toEqual({
        space: meetings[0]!.meetingId,
        tutorId: 'tutor-1',
        subscription: subscription.name,
        expireTime: new Date(subscription.expireTime),
        keepUntil: new Date(ENDS_AT.getTime() + DAY),
      });
      const resolve = meetSpaceFromSubscriptions(store);
      const ref = { type: 'google.workspace.meet.conference.v2.started', conferenceRecord: 'conferenceRecords/c1', subject: null };
      await expect(resolve({ ...ref, subscription: subscription.name })).resolves.toBe(meetings[0]!.meetingId);
      await expect(resolve({ ...ref, subscription: 'subscriptions/unknown' })).resolves.toBeNull();

      expect(await renewMeetSubscriptions({ client, store, now: new Date() })).toMatchObject({ examined: 0 });

      // Due: at most `limit` per call, soonest first; renewed expiries are saved.
      const before = await store.listExpiring(new Date(Date.now() + 8 * DAY), 10);
      await new Promise((r) => setTimeout(r, 5));
      const first = await renewMeetSubscriptions({ client, store, now: nearExpiry(), limit: 2 });
      expect(first).toMatchObject({ examined: 2, renewed: 2, failed: 0 });
      const renewedSpaces = new Set(before.slice(0, 2).map((r) => r.space));
      for (const r of before) {
        const now = (await store.findBySpace(r.space))!;
        if (renewedSpaces.has(r.space)) expect(now.expireTime.getTime()).toBeGreaterThan(r.expireTime.getTime());
        else expect(now).toEqual(r);
      }

      // Gone at Google (404) → created anew, and the new name is what the store knows.
      const old = (await store.findBySpace(meetings[2]!.meetingId))!.subscription!;
      google.expireSubscription(old);
      const second = await renewMeetSubscriptions({ client, store, now: nearExpiry(), renewBeforeMinutes: 24 * 60 });
      expect(second).toMatchObject({ recreated: 1, failed: 0 });
      const fresh = (await store.findBySpace(meetings[2]!.meetingId))!.subscription!;
      expect(fresh).not.toBe(old);
      expect(await store.findBySubscription(old)).toBeNull();
      expect((await store.findBySubscription(fresh))!.space).toBe(meetings[2]!.meetingId);

      // deleteMeeting forgets its space.
      await provider.deleteMeeting({ provider: 'google_meet', tutorId: 'tutor-1', meetingId: meetings[1]!.meetingId });
      expect(await store.findBySpace(meetings[1]!.meetingId)).toBeNull();

      // Long after the meeting: dropped without calling Google.
      const calls = google.requests.length;
      const last = await renewMeetSubscriptions({ client, store, now: new Date(ENDS_AT.getTime() + 2 * DAY), renewBeforeMinutes: 20 * 365 * 24 * 60 });
      expect(last).toMatchObject({ examined: 2, dropped: 2 });
      expect(await store.listExpiring(new Date(Date.now() + 365 * DAY), 10)).toEqual([]);
      expect(google.requests.length).toBe(calls);
    });

    it('a space whose subscription could not be created is stored without one, and the job creates it', async () => {
      const db = await fresh();
      google = createGoogleFake();
      interception.use(google);
      const store = createSqlMeetSubscriptionStore(asRole(db, 'service_role'));
      const errors: unknown[] = [];
      const provider = googleMeet({
        clientId: 'test-client-id',
        clientSecret: 'test-client-secret',
        redirectUri: 'https://app.example/oauth/callback',
        store: createMemoryTokenStore(),
        meetings: createMemoryMeetingStore(),
        keyRing: createKeyRing({ currentKeyId: 'k1', keys: { k1: Buffer.alloc(32, 7).toString('base64') } }),
        eventSubscriptions: { pubsubTopic: TOPIC, store, operationPollMs: 5, onError: (e) => void errors.push(e) },
      });
      await provider.tokens.saveTokens('tutor-1', google.issueTokens('google-user-1'));
      google.failNext('events.createSubscription', { status: 503 });
      const meeting = await provider.createMeeting(booking(1));
      expect(errors).toHaveLength(1);
      expect(await store.findBySpace(meeting.meetingId)).toMatchObject({ subscription: null });

      const report = await renewMeetSubscriptions({ client: provider.eventSubscriptions!, store });
      expect(report).toMatchObject({ examined: 1, recreated: 1, failed: 0 });
      expect((await store.findBySpace(meeting.meetingId))!.subscription).toBe([...google.subscriptions.keys()][0]);
    });
  });
}
