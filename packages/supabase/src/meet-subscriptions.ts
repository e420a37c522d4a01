import type { SqlClient } from './sql';
import { rpcCaller, sqlCaller, type FunctionCall } from './function-calls';
import type { SupabaseRpcClient } from './supabase';
import type { MeetSubscriptionRecord, MeetSubscriptionStore } from '@itutor/sessions-core/adapter';

/** One Meet space's Workspace Events subscription: the core's `MeetSubscriptionRecord`. */
export type SupabaseMeetSubscriptionRecord = MeetSubscriptionRecord;

/**
 * The core's `MeetSubscriptionStore` port (what `googleMeet({ eventSubscriptions: { store } })`,
 * `renewMeetSubscriptions({ store })` and `meetSpaceFromSubscriptions(store)` take) on the table
 * `meet_subscriptions` (schema file `20261201000400_itutor_attendance.sql`): server-side only, RLS on,
 * no client access. Every method is one statement (one `rpc` call through supabase-js).
 *
 * Malformed input is refused with a `TypeError` before the database is called: a space that is not
 * `spaces/{id}`, a subscription that is not `subscriptions/{id}` (or `null` in a record), a tutor id
 * that is not 1–255 characters, an invalid `Date`, a limit that is not a whole number ≥ 0.
 */
export type SupabaseMeetSubscriptionStore = MeetSubscriptionStore;

/** The most records one `listExpiring` call returns (the SQL function's bound too). */
const MAX_LIST = 1000;
const SPACE = /^spaces\/[A-Za-z0-9_-]{1,200}$/;
const SUBSCRIPTION = /^subscriptions\/[A-Za-z0-9_-]{1,200}$/;

/** The SQL functions of the migration, with their parameters in declaration order. */
const FUNCTIONS = {
  itutor_find_meet_subscription: [['p_space', 'text']],
  itutor_find_meet_subscription_by_name: [['p_subscription', 'text']],
  itutor_save_meet_subscription: [
    ['p_space', 'text'],
    ['p_tutor_id', 'text'],
    ['p_subscription', 'text'],
    ['p_expire_time', 'timestamptz'],
    ['p_keep_until', 'timestamptz'],
  ],
  itutor_list_expiring_meet_subscriptions: [
    ['p_before', 'timestamptz'],
    ['p_limit', 'integer'],
  ],
  itutor_remove_meet_subscription: [['p_space', 'text']],
} as const satisfies Record<string, ReadonlyArray<readonly [string, 'text' | 'integer' | 'timestamptz']>>;

type Call = FunctionCall<typeof FUNCTIONS>;


const shown = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value));

function checkedSpace(space: unknown): string {
  if (typeof space !== 'string' || !SPACE.test(space)) throw new TypeError(`${shown(space)} is not a Meet space name (spaces/{id})`);
  return space;
}

function checkedSubscription(subscription: unknown): string {
  if (typeof subscription !== 'string' || !SUBSCRIPTION.test(subscription)) {
    throw new TypeError(`${shown(subscription)} is not a Workspace Events subscription name (subscriptions/{id})`);
  }
  return subscription;
}

function checkedDate(value: unknown, what: string): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`${what} must be a valid Date`);
  return value.toISOString();
}

function checkedRecord(record: unknown) {
  if (typeof record !== 'object' || record === null) throw new TypeError('A Meet subscription record must be an object');
  const r = record as Partial<Record<keyof SupabaseMeetSubscriptionRecord, unknown>>;
  if (typeof r.tutorId !== 'string' || r.tutorId.length === 0 || r.tutorId.length > 255) {
    throw new TypeError('tutorId must be a string of 1 to 255 characters');
  }
  return {
    p_space: checkedSpace(r.space),
    p_tutor_id: r.tutorId,
    p_subscription: r.subscription === null ? null : checkedSubscription(r.subscription),
    p_expire_time: checkedDate(r.expireTime, 'expireTime'),
    p_keep_until: checkedDate(r.keepUntil, 'keepUntil'),
  };
}

/** A row as the functions answer it (`jsonb`, timestamps in UTC) → a record. */
function toRecord(value: unknown): SupabaseMeetSubscriptionRecord {
  const row = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown> | null;
  const expireTime = new Date(String(row?.expire_time));
  const keepUntil = new Date(String(row?.keep_until));
  if (
    !row ||
    typeof row.space !== 'string' ||
    typeof row.tutor_id !== 'string' ||
    (row.subscription !== null && typeof row.subscription !== 'string') ||
    Number.isNaN(expireTime.getTime()) ||
    Number.isNaN(keepUntil.getTime())
  ) {
    throw new Error('meet_subscriptions: the database answered a row that is not a Meet subscription record');
  }
  return { space: row.space, tutorId: row.tutor_id, subscription: row.subscription as string | null, expireTime, keepUntil };
}

function createMeetSubscriptionStore(call: Call): SupabaseMeetSubscriptionStore {
  const one = (value: unknown) => (value === null ? null : toRecord(value));
  return {
    async findBySpace(space) {
      return one(await call('itutor_find_meet_subscription', { p_space: checkedSpace(space) }));
    },
    async findBySubscription(subscription) {
      return one(await call('itutor_find_meet_subscription_by_name', { p_subscription: checkedSubscription(subscription) }));
    },
    async save(record) {
      await call('itutor_save_meet_subscription', checkedRecord(record));
    },
    async listExpiring(before, limit) {
      const p_before = checkedDate(before, 'before');
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) throw new TypeError('limit must be a whole number ≥ 0');
      if (limit === 0) return [];
      const rows = await call('itutor_list_expiring_meet_subscriptions', { p_before, p_limit: Math.min(limit, MAX_LIST) });
      const list = typeof rows === 'string' ? JSON.parse(rows) : rows;
      if (!Array.isArray(list)) throw new Error('meet_subscriptions: the database answered no list');
      return list.map(toRecord);
    },
    async remove(space) {
      await call('itutor_remove_meet_subscription', { p_space: checkedSpace(space) });
    },
  };
}

/**
 * The video package's `MeetSubscriptionStore` over a direct SQL connection (node-postgres `Pool`,
 * PGlite), like `createSqlAdapter`. Connect as the table owner or a role with the service role's
 * privileges; the database needs this package's migrations (`meet_subscriptions`).
 *
 * ```ts
 * import { googleMeet, renewMeetSubscriptions } from '@itutor/sessions-video';
 * const meetSubscriptions = createSqlMeetSubscriptionStore(pool);
 * const meet = googleMeet({ ...options, eventSubscriptions: { pubsubTopic, store: meetSubscriptions } });
 * await renewMeetSubscriptions({ client: meet.eventSubscriptions!, store: meetSubscriptions });
 * ```
 */
export function createSqlMeetSubscriptionStore(client: SqlClient): SupabaseMeetSubscriptionStore {
  return createMeetSubscriptionStore(sqlCaller(FUNCTIONS, client));
}

/**
 * The video package's `MeetSubscriptionStore` over a supabase-js client with the **service role** key,
 * like `createSupabaseAdapter` (one `rpc` call per method; failures throw the core's `SessionError` `STORAGE_FAILED`).
 */
export function createSupabaseMeetSubscriptionStore(client: SupabaseRpcClient): SupabaseMeetSubscriptionStore {
  return createMeetSubscriptionStore(rpcCaller<typeof FUNCTIONS>(client));
}
