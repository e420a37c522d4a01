import type { StripeEventStore } from '../events';

/** An in-memory `StripeEventStore`, with the ids it holds (for tests and the demo). */
export interface MemoryEventStore extends StripeEventStore {
  readonly seen: ReadonlySet<string>;
}

/** Creates an in-memory event store. Share one between handlers to test a "restart". */
export function createMemoryEventStore(): MemoryEventStore {
  const seen = new Set<string>();
  return {
    seen,
    async remember(eventId) {
      if (seen.has(eventId)) return false;
      seen.add(eventId);
      return true;
    },
    async forget(eventId) {
      seen.delete(eventId);
    },
  };
}
