import type { Meeting } from '@itutor/sessions-core/adapter';
import type { VideoProviderName } from '@itutor/sessions-core';
import type { MeetingStore } from '../meetings';
import type { StoredTokens, TokenStore } from '../tokens';

/** An in-memory `TokenStore` (one process; for tests and demos). */
export interface MemoryTokenStore extends TokenStore {
  /** The records as stored (encrypted), by tutor. */
  readonly records: ReadonlyMap<string, StoredTokens>;
  /** How many compare-and-swaps succeeded. */
  readonly writes: number;
}

/** Makes a `MemoryTokenStore`. Each compare-and-swap is atomic (one synchronous step). */
export function createMemoryTokenStore(): MemoryTokenStore {
  const records = new Map<string, StoredTokens>();
  let writes = 0;
  return {
    records,
    get writes() {
      return writes;
    },
    async read(tutorId) {
      const record = records.get(tutorId);
      return record ? { ...record } : null;
    },
    async compareAndSwap(tutorId, expectedVersion, next) {
      const current = records.get(tutorId);
      if ((current?.version ?? null) !== expectedVersion) return false;
      records.set(tutorId, { ...next });
      writes++;
      return true;
    },
  };
}

/** An in-memory `MeetingStore` (one process; for tests and demos). */
export interface MemoryMeetingStore extends MeetingStore {
  /** Stored meetings by `provider:idempotencyKey`. */
  readonly meetings: ReadonlyMap<string, Meeting>;
}

/** Makes a `MemoryMeetingStore`. */
export function createMemoryMeetingStore(): MemoryMeetingStore {
  const meetings = new Map<string, Meeting>();
  const key = (provider: VideoProviderName, idempotencyKey: string) => `${provider}:${idempotencyKey}`;
  return {
    meetings,
    async find(provider, idempotencyKey) {
      return meetings.get(key(provider, idempotencyKey)) ?? null;
    },
    async insertIfAbsent(provider, idempotencyKey, meeting) {
      const existing = meetings.get(key(provider, idempotencyKey));
      if (existing) return existing;
      meetings.set(key(provider, idempotencyKey), meeting);
      return meeting;
    },
    async remove(provider, meetingId) {
      for (const [k, m] of meetings) if (k.startsWith(`${provider}:`) && m.meetingId === meetingId) meetings.delete(k);
    },
  };
}
