/**
 * The persistence ports of the integrations: what the Stripe webhook, the video connect routes and the
 * Google Meet event subscriptions store. Defined here, once, so an adapter (`@itutor/sessions-supabase`)
 * implements them without depending on the integration packages, and the integrations take them from the
 * same place. Every store is server-side only.
 */

/**
 * The handled-events store of the Stripe webhook: each event id is handled once, also when two deliveries
 * race, and forgotten again when its handling failed so Stripe's next delivery is handled. A table keyed by
 * the event id fits (`insert … on conflict do nothing`); rows older than Stripe's retry window (3 days) plus
 * a margin may be deleted.
 */
export interface StripeEventStore {
  /**
   * Records `eventId` as handled. Atomic: resolves `true` for exactly one caller per id (the first), `false`
   * for every other — also when two deliveries of one event race.
   */
  remember(eventId: string): Promise<boolean>;
  /** Removes `eventId` again (its handling failed), so Stripe's next delivery of it is handled. */
  forget(eventId: string): Promise<void>;
}

/**
 * Where the video connect routes remember which OAuth `state`s were used, so each connect attempt is
 * finished at most once across every process that serves the callback. It is given a hash of the state
 * (SHA-256, 64 lowercase hex digits), never the state itself, and the attempt's expiry. Must be shared by
 * every instance (a table keyed by the hash).
 */
export interface OAuthStateStore {
  /**
   * Records `stateHash` as used and says whether this call was the first: `true` for exactly one caller
   * per hash — also when callers race, in this process or any other sharing the store — and `false`
   * for every later one for as long as the record is kept (at least until `expiresAt`). A state whose
   * `expiresAt` is not after `now` is refused (`false`) and not recorded, so records past their expiry
   * may be purged at any time without ever accepting a state again.
   *
   * @param stateHash - the state's SHA-256, 64 lowercase hex digits
   * @param expiresAt - when the connect attempt expires (its cookie is refused from then on)
   * @param now - the handler's "now"
   */
  consume(stateHash: string, expiresAt: Date, now: Date): Promise<boolean>;
}

/** What the host stores per Google Meet space: its Workspace Events subscription, when that expires, and how long to keep it. */
export interface MeetSubscriptionRecord {
  /** The Meet space (`spaces/{id}`, the session's `meetingId`): the key. */
  readonly space: string;
  /** The tutor whose OAuth connection created the space (and makes the Workspace Events calls). */
  readonly tutorId: string;
  /**
   * `subscriptions/{id}`, or `null` while none exists (creating it failed; the renewal job creates it
   * at `expireTime`).
   */
  readonly subscription: string | null;
  /** When Google deletes the subscription unless renewed; for `subscription: null`, when to try again. */
  readonly expireTime: Date;
  /**
   * Renew until then: the meeting's scheduled end plus `keepAfterEndMinutes`. Past it the renewal job
   * drops the record (the subscription lapses on its own).
   */
  readonly keepUntil: Date;
}

/**
 * Where the host keeps each Meet space's Workspace Events subscription (a table keyed by `space` with a
 * unique `subscription` column and an index on `expire_time`).
 */
export interface MeetSubscriptionStore {
  /** The record of `space`, or `null`. */
  findBySpace(space: string): Promise<MeetSubscriptionRecord | null>;
  /** The record whose `subscription` is `subscription` (`subscriptions/{id}`), or `null`. */
  findBySubscription(subscription: string): Promise<MeetSubscriptionRecord | null>;
  /**
   * Inserts or replaces the record of `record.space` (the last save wins). A subscription watches one
   * space: saving a `subscription` that another space's record holds is refused by storage.
   */
  save(record: MeetSubscriptionRecord): Promise<void>;
  /** At most `limit` records whose `expireTime` is at or before `before`, soonest first (ties by space). */
  listExpiring(before: Date, limit: number): Promise<readonly MeetSubscriptionRecord[]>;
  /** Forgets the record of `space` (no-op when there is none). */
  remove(space: string): Promise<void>;
}
