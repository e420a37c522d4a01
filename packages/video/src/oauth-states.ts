/** The port the connect routes take: the core's (`@itutor/sessions-core/adapter`), defined once. */
export type { OAuthStateStore };
import type { OAuthStateStore } from '@itutor/sessions-core/adapter';

/** What {@link createInMemoryOAuthStateStore} returns: an `OAuthStateStore` of one process. */
export interface InMemoryOAuthStateStore extends OAuthStateStore {
  /** How many used states are remembered right now (expired ones are dropped on each `consume`). */
  readonly size: number;
  /** Forgets the states that expired at or before `before`; resolves to how many. */
  purgeExpired(before: Date): Promise<number>;
}

const HASH = /^[0-9a-f]{64}$/;

/** Throws a `TypeError` unless the arguments are a state hash and two valid dates. */
export function assertConsumeArguments(stateHash: unknown, expiresAt: unknown, now: unknown): void {
  if (typeof stateHash !== 'string' || !HASH.test(stateHash)) throw new TypeError('stateHash must be a SHA-256 as 64 lowercase hex digits');
  if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) throw new TypeError('expiresAt must be a valid Date');
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('now must be a valid Date');
}

/**
 * An `OAuthStateStore` in this process's memory. **One process only**: a second server
 * instance (another replica, a serverless instance, a restart) has its own memory and would accept a
 * state this one already used, and exchange its code again. Use it in tests, and only for a host that
 * runs exactly one long-lived server process; every other host needs a shared store (e.g.
 * `createSqlOAuthStateStore` from `@itutor/sessions-supabase`).
 */
export function createInMemoryOAuthStateStore(): InMemoryOAuthStateStore {
  const used = new Map<string, number>();
  const purge = (before: number) => {
    let removed = 0;
    for (const [hash, until] of used) {
      if (until <= before) {
        used.delete(hash);
        removed++;
      }
    }
    return removed;
  };
  return {
    get size() {
      return used.size;
    },
    async consume(stateHash, expiresAt, now) {
      assertConsumeArguments(stateHash, expiresAt, now);
      purge(now.getTime());
      if (expiresAt.getTime() <= now.getTime() || used.has(stateHash)) return false;
      used.set(stateHash, expiresAt.getTime());
      return true;
    },
    async purgeExpired(before) {
      if (!(before instanceof Date) || Number.isNaN(before.getTime())) throw new TypeError('before must be a valid Date');
      return purge(before.getTime());
    },
  };
}
