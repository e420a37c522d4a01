import { SessionError } from '../errors';

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

/** A lost compare-and-set: the version the losing write expected (the one its step had read). */
export interface LostRace {
  readonly lostAt: number;
}

const LOST = Symbol('lost');
type Lost = LostRace & { readonly [LOST]: true };

/** What a step of {@link retryUntilDecided} answers when its write lost: the version it had read. */
export const lostRace = (expectedVersion: number): Lost => ({ lostAt: expectedVersion, [LOST]: true });
const isLost = (value: unknown): value is Lost => typeof value === 'object' && value !== null && (value as Lost)[LOST] === true;

/**
 * Lost rounds in a row after which {@link retryUntilDecided} gives up although the version it reads has not
 * moved: storage refused the write while nothing visible changed (a read replica that lags behind the
 * primary, or an adapter that refuses writes it should take). Waiting does not fix an adapter defect.
 */
export const MAX_STALLED_ROUNDS = 3;
/**
 * The safety net of {@link retryUntilDecided}: lost rounds in all, however much the others progress. Only
 * an endless stream of other writers on one session reaches it (a refund's other writers are finite: the
 * other refunds' openings and answers, and late charge answers).
 */
export const MAX_DECISION_ROUNDS = 1000;
/** The longest pause between two rounds, in ms (jittered: uniformly 0 … min(2^round, this)). */
const MAX_BACKOFF_MS = 25;

/**
 * The compare-and-set loop for commands that must not give up on a race they can still win (refunds): a
 * step that loses is judged again against the winner's state, until it succeeds or the state machine
 * refuses it (for a refund: nothing left, or not that much left), however many racers there are.
 *
 * Why this cannot spin forever without progress. A compare-and-set only fails because another write
 * committed in between, and that write raised the session's version. So each lost round is checked: the
 * next round's read must show a higher version than the one the lost write expected (`lostAt`). While it
 * does, every lost round is some other command's completed write — the system as a whole progresses and
 * the racers finish one by one (with N racers the last one loses at most about 2N rounds: each other
 * refund's opening and its answer). A round that lost while the version did not move is *stalled*: after
 * {@link MAX_STALLED_ROUNDS} of those in a row there is nobody to wait for, and the loop answers `CONFLICT`
 * (nothing of this step was written). {@link MAX_DECISION_ROUNDS} bounds the loop however the others
 * progress. Between rounds a small jittered pause (0 … 2^round ms, at most 25 ms; none after the first
 * loss) spreads racers that read the same version at once, so they do not collide again round after
 * round. A fixed small count of retries (as {@link retryCompareAndSet}) would instead turn an ordinary
 * race of a few concurrent callers into an error the caller cannot act on.
 */
export async function retryUntilDecided<T>(what: string, step: () => Promise<T | Lost>): Promise<T> {
  let lastLostAt: number | null = null;
  let stalled = 0;
  for (let round = 1; ; round++) {
    const result = await step();
    if (!isLost(result)) return result;
    stalled = lastLostAt !== null && result.lostAt <= lastLostAt ? stalled + 1 : 0;
    lastLostAt = result.lostAt;
    if (stalled >= MAX_STALLED_ROUNDS || round >= MAX_DECISION_ROUNDS) {
      throw new SessionError(
        'CONFLICT',
        stalled >= MAX_STALLED_ROUNDS
          ? `${what} could not be written although it did not change (storage refused the write ${stalled + 1} times); nothing was changed, try again`
          : `${what} kept changing (${round} writes by others won first); nothing was changed, try again`,
      );
    }
    if (round > 1) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** round, MAX_BACKOFF_MS)));
  }
}
