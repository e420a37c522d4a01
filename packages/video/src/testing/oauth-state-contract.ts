import type { OAuthStateStore } from '../oauth-states';

/** One case of {@link oauthStateStoreContract}: run it from any test framework; it throws on a violation. */
export interface OAuthStateStoreContractCase {
  readonly name: string;
  run(): Promise<void>;
}

/** A store under test: an `OAuthStateStore`, with the optional purge the bundled stores have. */
export type OAuthStateStoreUnderTest = OAuthStateStore & { purgeExpired?(before: Date): Promise<number> };

const MINUTE = 60_000;
const T0 = Date.UTC(2030, 2, 1, 12);
const at = (ms: number) => new Date(T0 + ms);

function randomHash(): string {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`OAuthStateStore contract: ${message}`);
}

/**
 * The `OAuthStateStore` contract as framework-free cases (each throws an `Error` on a violation), for
 * the bundled stores and a host's own:
 *
 * ```ts
 * for (const c of oauthStateStoreContract(() => createSqlOAuthStateStore(pool))) it(c.name, () => c.run());
 * ```
 *
 * `open` is called once per case; it may return the same store every time (the cases use fresh random
 * hashes). Instants are fixed dates in 2030 passed as `now`, so a store must compare with the `now` it
 * is given, not its own clock. Covers: first consume wins; states are independent; racing consumes of one
 * state (and of many) have exactly one winner each; an expired state is never accepted; a used state
 * stays refused whatever expiry a replay claims, and after its expiry; `purgeExpired` (when the store
 * has it) forgets expired records only and never makes a state acceptable again; malformed arguments are
 * never accepted.
 */
export function oauthStateStoreContract(open: () => OAuthStateStoreUnderTest | Promise<OAuthStateStoreUnderTest>): readonly OAuthStateStoreContractCase[] {
  const cases: OAuthStateStoreContractCase[] = [
    {
      name: 'the first consume of a state is true, every later one false',
      async run() {
        const store = await open();
        const hash = randomHash();
        const expires = at(10 * MINUTE);
        check((await store.consume(hash, expires, at(0))) === true, 'the first consume of a new state must answer true');
        check((await store.consume(hash, expires, at(0))) === false, 'a second consume must answer false');
        check((await store.consume(hash, expires, at(MINUTE))) === false, 'a third consume, later, must answer false');
      },
    },
    {
      name: 'states are independent of each other',
      async run() {
        const store = await open();
        const [a, b] = [randomHash(), randomHash()];
        check((await store.consume(a, at(10 * MINUTE), at(0))) === true, 'state A must be accepted once');
        check((await store.consume(b, at(10 * MINUTE), at(0))) === true, 'using state A must not use state B');
        check((await store.consume(a, at(10 * MINUTE), at(0))) === false, 'state A must stay used');
      },
    },
    {
      name: 'racing consumes of one state: exactly one is true',
      async run() {
        const store = await open();
        const hash = randomHash();
        const answers = await Promise.all(Array.from({ length: 32 }, () => store.consume(hash, at(10 * MINUTE), at(0))));
        check(answers.filter((a) => a === true).length === 1, `exactly one of 32 racing consumes must win (got ${answers.filter((a) => a === true).length})`);
        check(answers.every((a) => a === true || a === false), 'every answer must be a boolean');
      },
    },
    {
      name: 'racing consumes of many states: exactly one winner per state',
      async run() {
        const store = await open();
        const hashes = Array.from({ length: 12 }, randomHash);
        const answers = await Promise.all(
          hashes.flatMap((hash) => Array.from({ length: 4 }, async () => [hash, await store.consume(hash, at(10 * MINUTE), at(0))] as const)),
        );
        for (const hash of hashes) {
          const wins = answers.filter(([h, won]) => h === hash && won === true).length;
          check(wins === 1, `each state must have exactly one winner (one had ${wins})`);
        }
      },
    },
    {
      name: 'a state is refused at and after its expiry',
      async run() {
        const store = await open();
        check((await store.consume(randomHash(), at(0), at(0))) === false, 'a state expiring exactly now must be refused');
        check((await store.consume(randomHash(), at(-1), at(0))) === false, 'a state that expired a millisecond ago must be refused');
        check((await store.consume(randomHash(), at(1), at(0))) === true, 'a state expiring a millisecond from now must be accepted');
      },
    },
    {
      name: 'a used state stays refused until its expiry, whatever expiry a replay claims, and after it',
      async run() {
        const store = await open();
        const hash = randomHash();
        check((await store.consume(hash, at(10 * MINUTE), at(0))) === true, 'the first consume must win');
        check((await store.consume(hash, at(10 * MINUTE), at(9 * MINUTE))) === false, 'a replay before the expiry must be refused');
        check((await store.consume(hash, at(24 * 60 * MINUTE), at(MINUTE))) === false, 'a replay claiming a later expiry must be refused (the key is the hash alone)');
        check((await store.consume(hash, at(10 * MINUTE), at(10 * MINUTE + 1))) === false, 'a replay after the expiry must be refused');
      },
    },
    {
      name: 'purgeExpired forgets expired records only, and a purged state is never accepted again (skipped without purgeExpired)',
      async run() {
        const store = await open();
        if (typeof store.purgeExpired !== 'function') return;
        const [early, late] = [randomHash(), randomHash()];
        check((await store.consume(early, at(5 * MINUTE), at(0))) === true, 'the early state must be accepted once');
        check((await store.consume(late, at(60 * MINUTE), at(0))) === true, 'the late state must be accepted once');
        const purged = await store.purgeExpired(at(5 * MINUTE));
        check(typeof purged === 'number' && purged >= 1, `purgeExpired must count what it forgot (answered ${String(purged)})`);
        check((await store.consume(late, at(60 * MINUTE), at(6 * MINUTE))) === false, 'a state not yet expired must survive the purge');
        check((await store.consume(early, at(5 * MINUTE), at(6 * MINUTE))) === false, 'a purged (expired) state must still be refused');
      },
    },
    {
      name: 'malformed arguments are never accepted',
      async run() {
        const store = await open();
        const refusedOrThrew = async (call: () => Promise<boolean>) => {
          try {
            return (await call()) !== true;
          } catch {
            return true;
          }
        };
        const bad = (value: unknown) => value as never;
        for (const hash of ['', 'not-a-hash', randomHash().toUpperCase(), `${randomHash()}0`, bad(null), bad(42)]) {
          check(await refusedOrThrew(() => store.consume(hash, at(10 * MINUTE), at(0))), `the hash ${JSON.stringify(hash)} must not be accepted`);
        }
        check(await refusedOrThrew(() => store.consume(randomHash(), new Date(Number.NaN), at(0))), 'an invalid expiry must not be accepted');
        check(await refusedOrThrew(() => store.consume(randomHash(), at(10 * MINUTE), new Date(Number.NaN))), 'an invalid now must not be accepted');
      },
    },
  ];
  return cases;
}
