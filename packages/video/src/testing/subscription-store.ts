import type { MeetSubscriptionRecord, MeetSubscriptionStore } from '../meet-subscriptions';

/** An in-memory `MeetSubscriptionStore` (one process; for tests and demos). */
export interface MemoryMeetSubscriptionStore extends MeetSubscriptionStore {
  /** The records, by space. */
  readonly records: ReadonlyMap<string, MeetSubscriptionRecord>;
}

/** Makes a {@link MemoryMeetSubscriptionStore}. */
export function createMemoryMeetSubscriptionStore(): MemoryMeetSubscriptionStore {
  const records = new Map<string, MeetSubscriptionRecord>();
  return {
    records,
    async findBySpace(space) {
      const record = records.get(space);
      return record ? { ...record } : null;
    },
    async findBySubscription(subscription) {
      for (const record of records.values()) if (record.subscription === subscription) return { ...record };
      return null;
    },
    async save(record) {
      records.set(record.space, { ...record });
    },
    async listExpiring(before, limit) {
      return [...records.values()]
        .filter((r) => r.expireTime.getTime() <= before.getTime())
        .sort((a, b) => a.expireTime.getTime() - b.expireTime.getTime())
        .slice(0, limit)
        .map((r) => ({ ...r }));
    },
    async remove(space) {
      records.delete(space);
    },
  };
}
