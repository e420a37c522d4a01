import type { ContractTestApi } from '@itutor/sessions-core/testing';

/**
 * A minimal in-process test runner with the `ContractTestApi` shape: collects the cases a suite
 * registers and runs them one after another, with a Vitest-like context whose `skip()` throws. For
 * checking the contract suite itself (what it reports for a given adapter) and for the mutation script,
 * which runs the suite against dozens of broken adapters without starting a test runner for each.
 */

export interface CollectedCase {
  readonly name: string;
  readonly body: (context?: unknown) => Promise<void>;
  readonly timeoutMs: number | undefined;
  /** Registered through `skip` (`it.skip`). */
  readonly registeredSkipped: boolean;
}

export interface CaseResult {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly error?: unknown;
  readonly ms: number;
}

class Skipped extends Error {
  override readonly name = 'Skipped';
}

/** Collects the cases `register` defines (`describe` names joined with ` > `). */
export function collectCases(register: (api: ContractTestApi) => void, options: { withSkip?: boolean } = {}): CollectedCase[] {
  const cases: CollectedCase[] = [];
  const path: string[] = [];
  const api: ContractTestApi = {
    describe(name, body) {
      path.push(name);
      try {
        body();
      } finally {
        path.pop();
      }
    },
    it(name, body, timeoutMs) {
      cases.push({ name: [...path, name].join(' > '), body, timeoutMs, registeredSkipped: false });
    },
    ...(options.withSkip
      ? {
          skip(name: string, body: () => Promise<void>, timeoutMs?: number) {
            cases.push({ name: [...path, name].join(' > '), body, timeoutMs, registeredSkipped: true });
          },
        }
      : {}),
  };
  register(api);
  return cases;
}

/**
 * Runs the cases one after another. `context: 'vitest'` passes a context whose `skip()` throws (as
 * Vitest's does); `'none'` passes nothing (as Jest does).
 */
export async function runCases(cases: readonly CollectedCase[], options: { context?: 'vitest' | 'none'; defaultTimeoutMs?: number } = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    const started = performance.now();
    if (c.registeredSkipped) {
      results.push({ name: c.name, status: 'skipped', ms: 0 });
      continue;
    }
    const context =
      options.context === 'none'
        ? undefined
        : {
            skip(note?: string): never {
              throw new Skipped(note ?? 'skipped');
            },
          };
    const timeoutMs = c.timeoutMs ?? options.defaultTimeoutMs ?? 30_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        c.body(context),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      results.push({ name: c.name, status: 'passed', ms: performance.now() - started });
    } catch (error) {
      results.push({ name: c.name, status: error instanceof Skipped ? 'skipped' : 'failed', error, ms: performance.now() - started });
    } finally {
      clearTimeout(timer);
    }
  }
  return results;
}
