import { isSessionError, type SessionError } from '@itutor/sessions-core';
import { withDeadline } from '@itutor/sessions-core/adapter';
import { resolveGoogleEndpoints, type GoogleEndpoints } from './endpoints';
import { providerError } from './errors';
import { callApi, discard, sleep, type ApiCallOptions } from './http';
import type { MeetEventReference } from './meet-events';
import { GOOGLE_MEET_EVENT_TYPES } from './meet-events';
import type { TokenManager } from './tokens';
import type { MeetSubscriptionRecord, MeetSubscriptionStore } from '@itutor/sessions-core/adapter';

/**
 * The event types every Meet space subscription asks for: the four the Meet events route maps
 * (conference started / ended, participant joined / left). Lifecycle events (expiration reminders,
 * suspensions) are always delivered too; the route acknowledges them as `unsupported_event`.
 */
export const MEET_SUBSCRIPTION_EVENT_TYPES: readonly string[] = Object.freeze(Object.keys(GOOGLE_MEET_EVENT_TYPES));

const SPACE = /^spaces\/[A-Za-z0-9_-]{1,200}$/;
const SUBSCRIPTION = /^subscriptions\/[A-Za-z0-9_-]{1,200}$/;
const OPERATION = /^operations\/[A-Za-z0-9_\-/.]{1,300}$/;
const TOPIC = /^projects\/[^/\s]+\/topics\/[^/\s]+$/;

/** The state Google reports for a subscription (`Subscription.state`); unknown values are kept as sent. */
export type MeetSubscriptionState = 'ACTIVE' | 'SUSPENDED' | 'DELETED' | (string & {});

/** A Workspace Events subscription on one Meet space, as Google answered it. */
export interface MeetEventSubscription {
  /** `subscriptions/{id}`. */
  readonly name: string;
  /** The Meet space it watches (`spaces/{id}`, the session's `meetingId`). */
  readonly space: string;
  /** When Google deletes it unless it is renewed. */
  readonly expireTime: Date;
  readonly state: MeetSubscriptionState;
  /** Why Google suspended it (`suspensionReason`, e.g. `USER_SCOPE_REVOKED`), when it did. */
  readonly suspensionReason: string | null;
}

/** Options of {@link createMeetSubscriptionClient} (and of `googleMeet({ eventSubscriptions })`). */
export interface MeetSubscriptionClientOptions {
  /**
   * The Pub/Sub topic the subscriptions publish to (`projects/{project}/topics/{topic}`): the topic
   * whose push subscription calls the Meet events route. Google's Workspace Events service account
   * (`meet-api-event-push@system.gserviceaccount.com`) needs `roles/pubsub.publisher` on it.
   */
  readonly pubsubTopic: string;
  /**
   * How long each subscription lives, in seconds, on creation and on every renewal (Google's `ttl`).
   * Default 0: the longest Google allows for the target (Google: "unspecified or 0 uses the maximum
   * possible duration"; for a Meet space without resource data that is 7 days).
   */
  readonly ttlSeconds?: number;
  /**
   * Ask Google to put the changed resource in each event (`payloadOptions.includeResource`). Default
   * `false`: the Meet events route needs only the resource names every event carries (the space comes
   * from the subscription, see {@link meetSpaceFromSubscriptions}), and Google documents
   * `payloadOptions` for Chat and Drive events only, so it is not sent unless this is `true`.
   */
  readonly includeResource?: boolean;
  /** How long a long-running operation that is not `done` is polled (`operations.get`). Default 5 000. */
  readonly operationTimeoutMs?: number;
  /** Time between two polls of an operation. Default 500. */
  readonly operationPollMs?: number;
}

/** Per-call limits, e.g. the renewal job's remaining time. */
export interface MeetSubscriptionCallOptions {
  /** Time limit of this call as a whole (API calls, `Retry-After` waits and operation polls). */
  readonly timeoutMs?: number;
}

/**
 * The Workspace Events calls the Meet provider makes, with the tutor's OAuth token (the user who
 * created the space; scope `meetings.space.created`). 401 refreshes the token once through the token
 * manager; 429 waits `Retry-After` (bounded); 5xx, network failures and time-outs throw
 * `PROVIDER_UNAVAILABLE`; other refusals `PROVIDER_REQUEST_FAILED` with the HTTP status (`details.httpStatus`).
 */
export interface MeetSubscriptionClient {
  /**
   * Creates the subscription for `space` (`POST /v1/subscriptions`: the four Meet event types, the
   * Pub/Sub topic, the ttl) and waits for its operation. When Google answers 409 `ALREADY_EXISTS` (the
   * user already has a subscription on this space: an earlier attempt, perhaps one whose answer was
   * lost), the existing one is looked up and returned instead.
   */
  create(input: { readonly tutorId: string; readonly space: string }, options?: MeetSubscriptionCallOptions): Promise<MeetEventSubscription>;
  /** The user's live subscription on `space` for the Meet event types (`GET /v1/subscriptions?filter=…`), or `null`. */
  find(input: { readonly tutorId: string; readonly space: string }, options?: MeetSubscriptionCallOptions): Promise<MeetEventSubscription | null>;
  /**
   * Renews it for another ttl (`PATCH /v1/{name}?updateMask=ttl`). `null` when Google no longer has it
   * (404: it expired or was deleted): create a new one.
   */
  renew(input: { readonly tutorId: string; readonly subscription: string }, options?: MeetSubscriptionCallOptions): Promise<MeetEventSubscription | null>;
  /** Reactivates a `SUSPENDED` subscription (`POST /v1/{name}:reactivate`) once its cause is fixed. `null` on 404. */
  reactivate(input: { readonly tutorId: string; readonly subscription: string }, options?: MeetSubscriptionCallOptions): Promise<MeetEventSubscription | null>;
  /** Deletes it (`DELETE /v1/{name}`); `false` when Google had no such subscription. */
  delete(input: { readonly tutorId: string; readonly subscription: string }, options?: MeetSubscriptionCallOptions): Promise<boolean>;
}

interface GoogleStatus {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly status?: unknown;
}
interface Operation {
  readonly name?: unknown;
  readonly done?: unknown;
  readonly error?: GoogleStatus;
  readonly response?: Record<string, unknown>;
}

/** google.rpc.Code values the client tells apart. */
const RPC = { NOT_FOUND: 5, ALREADY_EXISTS: 6, DEADLINE_EXCEEDED: 4, INTERNAL: 13, UNAVAILABLE: 14, ABORTED: 10, RESOURCE_EXHAUSTED: 8 } as const;

function assertSpace(space: string): void {
  if (typeof space !== 'string' || !SPACE.test(space)) {
    throw providerError('PROVIDER_REQUEST_FAILED', 'google_meet', `"${String(space).slice(0, 80)}" is not a Meet space name (spaces/…)`);
  }
}
function assertSubscription(name: string): void {
  if (typeof name !== 'string' || !SUBSCRIPTION.test(name)) {
    throw providerError('PROVIDER_REQUEST_FAILED', 'google_meet', `"${String(name).slice(0, 80)}" is not a Workspace Events subscription name (subscriptions/…)`);
  }
}

/** A Google `Subscription` JSON → {@link MeetEventSubscription}, or `null` when it is not one for a Meet space. */
function toSubscription(value: unknown): MeetEventSubscription | null {
  if (!value || typeof value !== 'object') return null;
  const s = value as Record<string, unknown>;
  const name = typeof s.name === 'string' && SUBSCRIPTION.test(s.name) ? s.name : null;
  const target = typeof s.targetResource === 'string' ? /^\/\/meet\.googleapis\.com\/(spaces\/[A-Za-z0-9_-]{1,200})$/.exec(s.targetResource)?.[1] : undefined;
  const expire = typeof s.expireTime === 'string' ? Date.parse(s.expireTime) : Number.NaN;
  if (!name || !target || Number.isNaN(expire)) return null;
  return {
    name,
    space: target,
    expireTime: new Date(expire),
    state: typeof s.state === 'string' ? s.state : 'ACTIVE',
    suspensionReason: typeof s.suspensionReason === 'string' && s.suspensionReason !== 'ERROR_TYPE_UNSPECIFIED' ? s.suspensionReason : null,
  };
}

/** A failed operation as the provider error it means. */
function operationFailure(error: GoogleStatus, what: string): SessionError {
  const code = typeof error.code === 'number' ? error.code : 2;
  const detail = [error.status, error.message].filter((p) => typeof p === 'string').join(' ').slice(0, 200);
  const transient = code === RPC.UNAVAILABLE || code === RPC.DEADLINE_EXCEEDED || code === RPC.INTERNAL || code === RPC.ABORTED;
  if (code === RPC.RESOURCE_EXHAUSTED) return providerError('PROVIDER_RATE_LIMITED', 'google_meet', `${what}: the operation failed (${detail || code})`, { httpStatus: 429 });
  return providerError(transient ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_REQUEST_FAILED', 'google_meet', `${what}: the operation failed (${detail || code})`);
}

/**
 * A Workspace Events client for Meet spaces on a provider's token manager and `fetch` (what
 * `googleMeet({ eventSubscriptions })` uses; also usable on its own, e.g. in a script that repairs
 * subscriptions). See {@link MeetSubscriptionClient}. `endpoints.workspaceEventsApi` moves the API
 * (default `https://workspaceevents.googleapis.com/v1`; checked at creation, `INVALID_INPUT`).
 */
export function createMeetSubscriptionClient(
  options: MeetSubscriptionClientOptions & ApiCallOptions & { readonly tokens: TokenManager; readonly endpoints?: GoogleEndpoints },
): MeetSubscriptionClient {
  const ctx = subscriptionContext(options);
  const deadlineOf = (call?: MeetSubscriptionCallOptions) => (call?.timeoutMs === undefined ? null : Date.now() + call.timeoutMs);
  const eventsApi = ctx.eventsApi;
  return {
    create: ({ tutorId, space }, call) => createOrFind(ctx, tutorId, space, deadlineOf(call)),
    find: ({ tutorId, space }, call) => find(ctx, tutorId, space, deadlineOf(call)),
    renew({ tutorId, subscription }, call) {
      assertSubscription(subscription);
      return change(ctx, { tutorId, method: 'PATCH', url: `${eventsApi}/${subscription}?updateMask=ttl`, what: `renewing ${subscription}`, deadline: deadlineOf(call) }, {
        ttl: `${ctx.ttlSeconds}s`,
      });
    },
    reactivate({ tutorId, subscription }, call) {
      assertSubscription(subscription);
      return change(ctx, { tutorId, method: 'POST', url: `${eventsApi}/${subscription}:reactivate`, what: `reactivating ${subscription}`, deadline: deadlineOf(call) }, {});
    },
    async delete({ tutorId, subscription }, call) {
      assertSubscription(subscription);
      const deadline = deadlineOf(call);
      const what = `deleting ${subscription}`;
      const answer = await request(ctx, { tutorId, method: 'DELETE', url: `${eventsApi}/${subscription}`, what, deadline });
      if (answer.status === 404) return false;
      const result = await settle(ctx, tutorId, answer.json, what, deadline);
      if ('failed' in result) {
        if (result.code === RPC.NOT_FOUND) return false;
        throw operationFailure(result, what);
      }
      return true;
    },
  };
}

/** The client's options, checked once, with their defaults filled in. */
interface SubscriptionContext {
  readonly options: ApiCallOptions;
  readonly tokens: TokenManager;
  readonly pubsubTopic: string;
  readonly includeResource: boolean;
  /** The Workspace Events API's base URL. */
  readonly eventsApi: string;
  readonly ttlSeconds: number;
  readonly pollMs: number;
  readonly operationTimeoutMs: number;
}

function subscriptionContext(
  options: MeetSubscriptionClientOptions & ApiCallOptions & { readonly tokens: TokenManager; readonly endpoints?: GoogleEndpoints },
): SubscriptionContext {
  const eventsApi = resolveGoogleEndpoints(options.endpoints).workspaceEventsApi;
  if (typeof options.pubsubTopic !== 'string' || !TOPIC.test(options.pubsubTopic)) {
    throw providerError('PROVIDER_REQUEST_FAILED', 'google_meet', 'eventSubscriptions.pubsubTopic must be a Pub/Sub topic name (projects/{project}/topics/{topic})');
  }
  const ttlSeconds = options.ttlSeconds ?? 0;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) {
    throw providerError('PROVIDER_REQUEST_FAILED', 'google_meet', 'eventSubscriptions.ttlSeconds must be a whole number of seconds (0: the longest Google allows)');
  }
  return {
    options,
    tokens: options.tokens,
    pubsubTopic: options.pubsubTopic,
    includeResource: Boolean(options.includeResource),
    eventsApi,
    ttlSeconds,
    pollMs: options.operationPollMs ?? 500,
    operationTimeoutMs: options.operationTimeoutMs ?? 5_000,
  };
}

/** One Workspace Events call. */
interface EventsCall {
  readonly tutorId: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: string;
  /** What the call does, for error messages. */
  readonly what: string;
  /** Epoch ms the caller's time runs out, or `null` for the API options' own limits. */
  readonly deadline: number | null;
}

/** The API options for one call, within the caller's remaining time. */
function limits(ctx: SubscriptionContext, deadline: number | null): ApiCallOptions {
  const { options } = ctx;
  if (deadline === null) return options;
  const left = Math.max(1, deadline - Date.now());
  return {
    ...options,
    timeoutMs: Math.min(options.timeoutMs ?? 10_000, left),
    maxRetryAfterMs: Math.min(options.maxRetryAfterMs ?? 10_000, left),
  };
}

async function request(ctx: SubscriptionContext, call: EventsCall, body?: unknown): Promise<{ status: number; json: unknown }> {
  const { tutorId, method, url, what, deadline } = call;
  const response = await callApi(
    { provider: 'google_meet', tokens: ctx.tokens, tutorId, method, url, what, ...(body === undefined ? {} : { body }) },
    limits(ctx, deadline),
  );
  if (response.status === 404) {
    await discard(response);
    return { status: 404, json: null };
  }
  const json = await response.json().catch(() => null);
  return { status: response.status, json };
}

/** Waits for a long-running operation; its `response`, or the operation's error marked `failed`. */
async function settle(
  ctx: SubscriptionContext,
  tutorId: string,
  first: unknown,
  what: string,
  deadline: number | null,
): Promise<Record<string, unknown> | (GoogleStatus & { failed: true })> {
  let operation = (first ?? {}) as Operation;
  const until = Math.min(Date.now() + ctx.operationTimeoutMs, deadline ?? Number.POSITIVE_INFINITY);
  for (;;) {
    if (operation.done === true) {
      if (operation.error) return { ...operation.error, failed: true };
      return operation.response ?? {};
    }
    const name = typeof operation.name === 'string' && OPERATION.test(operation.name) ? operation.name : null;
    if (!name) throw providerError('PROVIDER_UNAVAILABLE', 'google_meet', `${what}: the answer is not a long-running operation`);
    if (Date.now() + ctx.pollMs > until) {
      throw providerError('PROVIDER_UNAVAILABLE', 'google_meet', `${what}: operation ${name} was not done within ${ctx.operationTimeoutMs} ms`);
    }
    await sleep(ctx.pollMs);
    const polled = await request(ctx, { tutorId, method: 'GET', url: `${ctx.eventsApi}/${name}`, what: `${what} (reading ${name})`, deadline });
    if (polled.status === 404) throw providerError('PROVIDER_UNAVAILABLE', 'google_meet', `${what}: operation ${name} is unknown to Google`);
    operation = (polled.json ?? {}) as Operation;
  }
}

function subscriptionFrom(value: unknown, what: string): MeetEventSubscription {
  const subscription = toSubscription(value);
  if (!subscription) throw providerError('PROVIDER_UNAVAILABLE', 'google_meet', `${what}: the answer is not a Meet space subscription`);
  return subscription;
}

async function find(ctx: SubscriptionContext, tutorId: string, space: string, deadline: number | null): Promise<MeetEventSubscription | null> {
  assertSpace(space);
  const types = MEET_SUBSCRIPTION_EVENT_TYPES.map((t) => `event_types:"${t}"`).join(' OR ');
  const filter = encodeURIComponent(`(${types}) AND target_resource="//meet.googleapis.com/${space}"`);
  const answer = await request(ctx, { tutorId, method: 'GET', url: `${ctx.eventsApi}/subscriptions?filter=${filter}`, what: `listing the subscriptions of ${space}`, deadline });
  if (answer.status === 404) return null;
  const list = (answer.json as { subscriptions?: unknown } | null)?.subscriptions;
  const found = (Array.isArray(list) ? list : []).map(toSubscription).filter((s): s is MeetEventSubscription => s !== null && s.space === space);
  // Google deletes expired subscriptions; one that is still listed but past its expiry is as good as gone.
  const live = found.filter((s) => s.state !== 'DELETED' && s.expireTime.getTime() > Date.now());
  return live.sort((a, b) => b.expireTime.getTime() - a.expireTime.getTime())[0] ?? null;
}

async function createOrFind(ctx: SubscriptionContext, tutorId: string, space: string, deadline: number | null): Promise<MeetEventSubscription> {
  assertSpace(space);
  const what = `subscribing to the events of ${space}`;
  const body = {
    targetResource: `//meet.googleapis.com/${space}`,
    eventTypes: [...MEET_SUBSCRIPTION_EVENT_TYPES],
    notificationEndpoint: { pubsubTopic: ctx.pubsubTopic },
    ttl: `${ctx.ttlSeconds}s`,
    ...(ctx.includeResource ? { payloadOptions: { includeResource: true } } : {}),
  };
  const lookUp = async (cause: unknown) => {
    const existing = await find(ctx, tutorId, space, deadline);
    if (existing) return existing;
    throw cause;
  };
  let answer: { status: number; json: unknown };
  try {
    answer = await request(ctx, { tutorId, method: 'POST', url: `${ctx.eventsApi}/subscriptions`, what, deadline }, body);
  } catch (error) {
    // 409 ALREADY_EXISTS: this user already subscribed to this space (an earlier attempt): use it.
    if (isSessionError(error, 'PROVIDER_REQUEST_FAILED') && error.details.httpStatus === 409) return lookUp(error);
    throw error;
  }
  if (answer.status === 404) throw providerError('PROVIDER_REQUEST_FAILED', 'google_meet', `${what}: Google answered 404 (no such space for this user?)`, { httpStatus: 404 });
  const result = await settle(ctx, tutorId, answer.json, what, deadline);
  if ('failed' in result) {
    const failure = operationFailure(result, what);
    if (result.code === RPC.ALREADY_EXISTS) return lookUp(failure);
    throw failure;
  }
  return subscriptionFrom(result, what);
}

/** A renewal or reactivation: the changed subscription, or `null` when Google no longer has it. */
async function change(ctx: SubscriptionContext, call: EventsCall, body: unknown): Promise<MeetEventSubscription | null> {
  const answer = await request(ctx, call, body);
  if (answer.status === 404) return null;
  const result = await settle(ctx, call.tutorId, answer.json, call.what, call.deadline);
  if ('failed' in result) {
    if (result.code === RPC.NOT_FOUND) return null;
    throw operationFailure(result, call.what);
  }
  return subscriptionFrom(result, call.what);
}

// ---------------------------------------------------------------------------------------------------
// The store and the renewal job
// ---------------------------------------------------------------------------------------------------


/**
 * What the host stores per Meet space, and where (used by `googleMeet({ eventSubscriptions })`,
 * {@link renewMeetSubscriptions} and {@link meetSpaceFromSubscriptions}): the core's ports
 * (`@itutor/sessions-core/adapter`), defined once so adapters implement them without this package.
 */
export type { MeetSubscriptionRecord, MeetSubscriptionStore };

/** Options of {@link renewMeetSubscriptions}. */
export interface RenewMeetSubscriptionsOptions {
  /** The Workspace Events client: `googleMeet(...).eventSubscriptions` (or {@link createMeetSubscriptionClient}). */
  readonly client: MeetSubscriptionClient;
  readonly store: MeetSubscriptionStore;
  /** "Now" for what is due and what is kept. Default the system clock. */
  readonly now?: Date;
  /** Renew subscriptions expiring within this many minutes. Default 720 (12 hours). */
  readonly renewBeforeMinutes?: number;
  /** At most this many records per call. Default 50. */
  readonly limit?: number;
  /** Time budget of the call in ms; records not reached are left for the next call (`deferred`). Default 20 000. */
  readonly timeoutMs?: number;
  /** Called for each record that failed (its error is also in the report). */
  readonly onError?: (error: unknown, record: MeetSubscriptionRecord) => void;
}

/** What one record came to in {@link renewMeetSubscriptions}. */
export type MeetSubscriptionOutcome = 'renewed' | 'reactivated' | 'recreated' | 'dropped' | 'failed' | 'deferred';

/** The report of one {@link renewMeetSubscriptions} call (plain JSON-able data, for the cron route's answer). */
export interface MeetSubscriptionRenewalReport {
  /** Records read from the store (at most `limit`). */
  readonly examined: number;
  /** Renewed in place (`PATCH …?updateMask=ttl`). */
  readonly renewed: number;
  /** Suspended subscriptions renewed and reactivated. */
  readonly reactivated: number;
  /** Gone at Google (404, expired) or never created, and created anew because the meeting is still ahead or running. */
  readonly recreated: number;
  /** Past `keepUntil`: forgotten, not renewed. */
  readonly dropped: number;
  /** Failed this time (kept: the next call tries again). */
  readonly failed: number;
  /** Not reached within `timeoutMs` (left for the next call). */
  readonly deferred: number;
  /** Whether the time budget ran out. */
  readonly timedOut: boolean;
  /** One entry per failed record: never a token. */
  readonly failures: ReadonlyArray<{ readonly space: string; readonly subscription: string | null; readonly code: string; readonly message: string }>;
}

/** How long a record whose subscription could not be created waits before the job tries again. */
const PENDING_RETRY_MS = 5 * 60_000;

/**
 * The renewal job: renews the Meet spaces' Workspace Events subscriptions that expire within
 * `renewBeforeMinutes`, at most `limit` per call and within `timeoutMs`, one record after another; one
 * failure does not stop the others. Per record:
 * - past `keepUntil` (the meeting ended long enough ago): dropped from the store;
 * - no subscription yet (creation failed earlier): created;
 * - otherwise renewed for another ttl; a suspended one is reactivated too; one Google no longer has
 *   (404: it expired before it was renewed, or was deleted) is created anew.
 *
 * Meant for the host's cron tick, beside the core's `core.settlement.run()` (see the README): it is
 * idempotent, so overlapping or repeated runs are harmless (a second creation finds the first through
 * Google's `ALREADY_EXISTS`).
 */
export async function renewMeetSubscriptions(options: RenewMeetSubscriptionsOptions): Promise<MeetSubscriptionRenewalReport> {
  const { client, store } = options;
  const now = options.now ?? new Date();
  const renewBefore = (options.renewBeforeMinutes ?? 720) * 60_000;
  const limit = Math.max(0, Math.floor(options.limit ?? 50));
  const budget = options.timeoutMs ?? 20_000;
  const started = Date.now();
  const left = () => budget - (Date.now() - started);
  const counts = { renewed: 0, reactivated: 0, recreated: 0, dropped: 0, failed: 0, deferred: 0 };
  const failures: Array<{ space: string; subscription: string | null; code: string; message: string }> = [];
  const due = limit === 0 ? [] : await store.listExpiring(new Date(now.getTime() + renewBefore), limit);
  let timedOut = false;

  async function handle(record: MeetSubscriptionRecord, timeoutMs: number): Promise<MeetSubscriptionOutcome> {
    if (record.keepUntil.getTime() <= now.getTime()) {
      await store.remove(record.space);
      return 'dropped';
    }
    const call = { timeoutMs };
    const save = (s: { name: string; expireTime: Date }) => store.save({ ...record, subscription: s.name, expireTime: s.expireTime });
    if (record.subscription !== null) {
      const renewed = await client.renew({ tutorId: record.tutorId, subscription: record.subscription }, call);
      if (renewed) {
        if (renewed.state === 'SUSPENDED') {
          const reactivated = await client.reactivate({ tutorId: record.tutorId, subscription: renewed.name }, call);
          if (reactivated) {
            await save(reactivated);
            return 'reactivated';
          }
        } else {
          await save(renewed);
          return 'renewed';
        }
      }
    }
    const created = await client.create({ tutorId: record.tutorId, space: record.space }, call);
    await save(created);
    return 'recreated';
  }

  for (const record of due) {
    const remaining = left();
    // A call that used up the rest of the budget has spent it, whatever the clock says now: a timer may
    // fire a millisecond before Date.now() has moved that far, which would otherwise start one more call.
    if (timedOut || remaining <= 0) {
      timedOut = true;
      counts.deferred++;
      continue;
    }
    try {
      const outcome = await withDeadline(() => handle(record, remaining), {
        timeoutMs: remaining,
        what: `renewing the subscription of ${record.space}`,
        onTimeout: () => {
          timedOut = true;
          throw providerError('PROVIDER_UNAVAILABLE', 'google_meet', `renewing the subscription of ${record.space}: no answer within the job's time budget`);
        },
      });
      counts[outcome as Exclude<MeetSubscriptionOutcome, 'failed' | 'deferred'>]++;
    } catch (error) {
      counts.failed++;
      failures.push({
        space: record.space,
        subscription: record.subscription,
        code: isSessionError(error) ? error.code : 'UNEXPECTED',
        message: error instanceof Error ? error.message.slice(0, 300) : 'failed',
      });
      if (record.subscription === null) {
        // Not created yet: try again a little later rather than first in every run.
        await store.save({ ...record, expireTime: new Date(now.getTime() + PENDING_RETRY_MS) }).catch(() => undefined);
      }
      try {
        options.onError?.(error, record);
      } catch {
        // A reporting hook must not stop the others.
      }
    }
  }
  if (left() <= 0 && counts.deferred > 0) timedOut = true;
  return { examined: due.length, ...counts, timedOut, failures };
}

/**
 * A `resolveSpace` for `meetEventRoutes` backed by the subscription store: the space of
 * the subscription that delivered the event (the CloudEvent `ce-source`,
 * `//workspaceevents.googleapis.com/subscriptions/{id}`), or `null` when the event names none or the
 * store does not know it (the route then acknowledges it as `unknown_space`).
 *
 * ```ts
 * meetEventRoutes({ ..., resolveSpace: meetSpaceFromSubscriptions(subscriptionStore) });
 * ```
 */
export function meetSpaceFromSubscriptions(store: MeetSubscriptionStore): (reference: MeetEventReference) => Promise<string | null> {
  return async (reference) => {
    if (reference.subscription === null || !SUBSCRIPTION.test(reference.subscription)) return null;
    const record = await store.findBySubscription(reference.subscription);
    return record?.space ?? null;
  };
}

/** What `googleMeet({ eventSubscriptions })` takes: the client's options plus the store and policy. */
export interface MeetEventSubscriptionsOptions extends MeetSubscriptionClientOptions {
  readonly store: MeetSubscriptionStore;
  /** Keep renewing this long after the meeting's scheduled end (late joins, overruns). Default 1 440 (a day). */
  readonly keepAfterEndMinutes?: number;
  /**
   * Called when subscribing a new space failed. The booking still succeeds (the meeting exists); the
   * space is stored without a subscription and the renewal job creates it on its next run.
   */
  readonly onError?: (error: unknown, context: { readonly space: string; readonly tutorId: string }) => void;
}

/**
 * Subscribes a space once: the store first, one in-flight creation per space, then Google (whose
 * `ALREADY_EXISTS` the client turns into the existing subscription). Internal to `googleMeet()`.
 *
 * `ensure` also records how long the subscription is kept (`keepUntil`, from the meeting's end): a
 * stored subscription whose `keepUntil` differs (the meeting moved) is saved with the new one, so the
 * renewal job keeps it alive for the moved session. It resolves to whether the store now holds the
 * space's record with that `keepUntil` (`false` only when the store itself failed); it never rejects.
 */
export function createSpaceSubscriber(client: MeetSubscriptionClient, options: MeetEventSubscriptionsOptions) {
  const inflight = new Map<string, { readonly keepUntil: number; readonly promise: Promise<boolean> }>();
  const keepAfterEnd = (options.keepAfterEndMinutes ?? 1440) * 60_000;
  const report = (error: unknown, input: { readonly space: string; readonly tutorId: string }) => {
    try {
      options.onError?.(error, { space: input.space, tutorId: input.tutorId });
    } catch {
      // ignore
    }
  };

  async function once(input: { readonly space: string; readonly tutorId: string }, keepUntil: Date): Promise<boolean> {
    let existing: MeetSubscriptionRecord | null = null;
    try {
      existing = await options.store.findBySpace(input.space);
      if (existing && existing.subscription !== null) {
        if (existing.keepUntil.getTime() !== keepUntil.getTime()) await options.store.save({ ...existing, keepUntil });
        return true;
      }
      const subscription = await client.create({ tutorId: input.tutorId, space: input.space });
      await options.store.save({ space: input.space, tutorId: input.tutorId, subscription: subscription.name, expireTime: subscription.expireTime, keepUntil });
      return true;
    } catch (error) {
      report(error, input);
      // The job creates it later: stored as due now, without a subscription (a known one is kept).
      const record: MeetSubscriptionRecord =
        existing && existing.subscription !== null
          ? { ...existing, keepUntil }
          : { space: input.space, tutorId: input.tutorId, subscription: null, expireTime: new Date(), keepUntil };
      return options.store.save(record).then(
        () => true,
        () => false,
      );
    }
  }

  return {
    ensure(input: { readonly space: string; readonly tutorId: string; readonly endsAt: Date }): Promise<boolean> {
      const keepUntil = new Date(input.endsAt.getTime() + keepAfterEnd);
      const running = inflight.get(input.space);
      // The same request already running: share it. Another end (a move racing a creation): run after it.
      if (running && running.keepUntil === keepUntil.getTime()) return running.promise;
      const entry = {
        keepUntil: keepUntil.getTime(),
        promise: (async () => {
          if (running) await running.promise;
          return once(input, keepUntil);
        })().finally(() => {
          if (inflight.get(input.space) === entry) inflight.delete(input.space);
        }),
      };
      inflight.set(input.space, entry);
      return entry.promise;
    },
    async forget(input: { readonly space: string; readonly tutorId: string }): Promise<void> {
      const record = await options.store.findBySpace(input.space);
      if (!record) return;
      if (record.subscription !== null) await client.delete({ tutorId: record.tutorId, subscription: record.subscription }).catch(() => undefined);
      await options.store.remove(input.space);
    },
  };
}
