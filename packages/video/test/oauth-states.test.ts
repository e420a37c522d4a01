import { describe, expect, it } from 'vitest';
import { createInMemoryOAuthStateStore, type OAuthStateStore } from '../src/index';
import { oauthStateStoreContract, type OAuthStateStoreUnderTest } from '../src/testing/index';

describe('OAuthStateStore contract: createInMemoryOAuthStateStore', () => {
  describe('a fresh store per case', () => {
    for (const c of oauthStateStoreContract(() => createInMemoryOAuthStateStore())) it(c.name, () => c.run());
  });
  describe('one store for every case', () => {
    const store = createInMemoryOAuthStateStore();
    for (const c of oauthStateStoreContract(() => store)) it(c.name, () => c.run());
  });

  it('forgets used states once they expired, on the next consume or purge (bounded memory)', async () => {
    const store = createInMemoryOAuthStateStore();
    const hash = (n: number) => n.toString(16).padStart(64, '0');
    const t0 = Date.UTC(2030, 0, 1);
    for (let i = 0; i < 100; i++) expect(await store.consume(hash(i), new Date(t0 + 600_000 + i), new Date(t0))).toBe(true);
    expect(store.size).toBe(100);
    expect(await store.purgeExpired(new Date(t0 + 600_049))).toBe(50);
    expect(store.size).toBe(50);
    expect(await store.consume(hash(1000), new Date(t0 + 2 * 600_000), new Date(t0 + 600_100))).toBe(true);
    expect(store.size).toBe(1);
    await expect(store.purgeExpired(new Date(Number.NaN))).rejects.toBeInstanceOf(TypeError);
  });
});

/** Wrong stores: each must fail at least one contract case (the suite's positive controls). */
describe('the contract catches wrong stores', () => {
  const sleep = () => new Promise((resolve) => setTimeout(resolve, 1));
  const mutants: Record<string, () => OAuthStateStoreUnderTest> = {
    'always accepts': () => ({ consume: async () => true }),
    'never accepts': () => ({ consume: async () => false }),
    'check-then-set with a round trip between (not atomic)': () => {
      const used = new Set<string>();
      return {
        async consume(hash, expiresAt, now) {
          if (expiresAt <= now) return false;
          const seen = used.has(hash);
          await sleep();
          if (seen) return false;
          used.add(hash);
          return true;
        },
      };
    },
    'accepts an expired state': () => {
      const used = new Set<string>();
      return { consume: async (hash) => (used.has(hash) ? false : (used.add(hash), true)) };
    },
    'keys by hash and expiry (a replay claiming another expiry passes)': () => {
      const used = new Set<string>();
      return {
        async consume(hash, expiresAt, now) {
          const key = `${hash}@${expiresAt.getTime()}`;
          if (expiresAt <= now || used.has(key)) return false;
          used.add(key);
          return true;
        },
      };
    },
    'accepts a state expiring exactly now (off by one)': () => {
      const used = new Map<string, number>();
      return {
        async consume(hash, expiresAt, now) {
          if (expiresAt.getTime() <= now.getTime() - 1) return false;
          const until = used.get(hash);
          if (until !== undefined && until > now.getTime()) return false;
          used.set(hash, expiresAt.getTime());
          return true;
        },
      };
    },
    'compares with its own clock instead of `now`': () => {
      const memory = createInMemoryOAuthStateStore();
      return { consume: (hash, expiresAt) => memory.consume(hash, expiresAt, new Date()) };
    },
    'purges live records too': () => {
      const used = new Map<string, number>();
      return {
        async consume(hash, expiresAt, now) {
          if (expiresAt <= now || used.has(hash)) return false;
          used.set(hash, expiresAt.getTime());
          return true;
        },
        async purgeExpired() {
          const n = used.size;
          used.clear();
          return n;
        },
      };
    },
    'accepts malformed hashes': () => {
      const used = new Set<string>();
      return { consume: async (hash, expiresAt, now) => (expiresAt <= now || used.has(hash) ? false : (used.add(hash), true)) };
    },
  };

  for (const [name, make] of Object.entries(mutants)) {
    it(name, async () => {
      const failures: string[] = [];
      for (const c of oauthStateStoreContract(make)) {
        try {
          await c.run();
        } catch (error) {
          failures.push(`${c.name}: ${(error as Error).message}`);
        }
      }
      expect(failures.length, `no case caught the store that ${name}`).toBeGreaterThan(0);
    });
  }

  it('the real store passes every case (the mutants fail for their bug, not for the harness)', async () => {
    for (const c of oauthStateStoreContract(() => createInMemoryOAuthStateStore() as OAuthStateStore)) await c.run();
  });
});
