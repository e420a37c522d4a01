import type { CreateMeetingInput, Meeting, MeetingRepository } from '@itutor/sessions-core/adapter';
import type { VideoProviderName } from '@itutor/sessions-core';
import { providerError } from './errors';

/**
 * Remembers the meeting made for each idempotency key (the core's key, one per booking), so a retry
 * returns it instead of making a second one: neither Zoom's nor Meet's create call has an idempotency
 * header. The core's `MeetingRepository` port (an adapter's `meetings`), under the name this package's
 * options use.
 */
export type MeetingStore = MeetingRepository;

/** The steps a provider supplies; {@link idempotentCreate} adds the remembering around them. */
interface Steps {
  readonly provider: VideoProviderName;
  readonly store: MeetingStore;
  readonly inflight: Map<string, Promise<Meeting>>;
  readonly create: (input: CreateMeetingInput) => Promise<Meeting>;
  readonly remove: (tutorId: string, meetingId: string) => Promise<void>;
}

export function assertProvider(expected: VideoProviderName, actual: VideoProviderName): void {
  if (actual !== expected) {
    throw providerError('PROVIDER_MISMATCH', expected, `asked to use ${actual} through the ${expected} provider (providers are never switched silently)`);
  }
}

/** Create once per key: the store first, one in-flight creation per key, and a losing duplicate deleted. */
export async function idempotentCreate(steps: Steps, input: CreateMeetingInput): Promise<Meeting> {
  assertProvider(steps.provider, input.provider);
  const existing = await steps.store.find(steps.provider, input.idempotencyKey);
  if (existing) return existing;
  const running = steps.inflight.get(input.idempotencyKey);
  if (running) return running;
  const promise = (async () => {
    const made = await steps.create(input);
    const stored = await steps.store.insertIfAbsent(steps.provider, input.idempotencyKey, made);
    if (stored.meetingId !== made.meetingId) {
      // Another process made one for the same key first: ours is a duplicate.
      await steps.remove(input.tutorId, made.meetingId).catch(() => undefined);
    }
    return stored;
  })().finally(() => steps.inflight.delete(input.idempotencyKey));
  steps.inflight.set(input.idempotencyKey, promise);
  return promise;
}
