import { SessionError } from './errors';

/** How many times a command re-reads and retries after losing a compare-and-set race. */
export const MAX_COMMAND_ATTEMPTS = 5;

/**
 * The one read → decide → compare-and-set loop of the services. `step` reads the current state, decides
 * (throwing a refusal if the command is refused), and writes with a compare-and-set; it resolves to
 * the result, or to `null` when the write lost a race. A lost race is retried against the winner's
 * state, so a command that loses to another is judged again (a no-show that loses to settlement then
 * fails with `SESSION_FINAL`). After `MAX_COMMAND_ATTEMPTS` lost races: `CONFLICT`.
 */
export async function retryCompareAndSet<T>(what: string, step: () => Promise<T | null>): Promise<T> {
  for (let attempt = 0; attempt < MAX_COMMAND_ATTEMPTS; attempt++) {
    const result = await step();
    if (result !== null) return result;
  }
  throw new SessionError('CONFLICT', `${what} kept changing; try again`);
}
