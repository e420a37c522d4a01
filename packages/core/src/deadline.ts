/** The longest delay a timer can wait (2^31 − 1 ms, about 24.8 days); a longer limit waits this long. */
const MAX_TIMER_MS = 2_147_483_647;

/** Options of {@link withDeadline}. */
export interface DeadlineOptions<T> {
  /**
   * The time limit in ms (a number ≥ 0), counted from the call; `Infinity` for none (then only
   * `signal` ends the wait). A limit beyond a timer's range (2^31 − 1 ms) waits that long.
   */
  readonly timeoutMs: number;
  /**
   * What is waited for, in words, naming it in the timeout's reason:
   * `` `${what} did not answer within ${timeoutMs} ms` `` (e.g. `'the refund call'`).
   */
  readonly what: string;
  /**
   * The outcome once the limit passes: what it returns resolves the wait, what it throws rejects it.
   * It gets the reason the call's signal was aborted with (on a timeout an `Error` named `TimeoutError`
   * whose message names `what`). Default: reject with that reason.
   */
  readonly onTimeout?: (reason: unknown) => T;
  /** An outer signal (e.g. a caller's own time limit): its abort ends the wait too, see `onAbort`. */
  readonly signal?: AbortSignal;
  /**
   * The outcome when `signal` aborts first, given its reason: a return resolves, a throw rejects.
   * Default: `onTimeout` (so without either the wait rejects with the outer signal's reason).
   */
  readonly onAbort?: (reason: unknown) => T;
}

/**
 * Runs `call(signal)` under a time limit: the call's own answer (value or rejection) if it comes first,
 * else the caller's timeout outcome — at once, without waiting for the call. The answer's type is the
 * call's (the outcomes must fit it; name `T` to widen it, e.g. `withDeadline<Answer | 'timeout'>(…)`).
 *
 * - On expiry the signal given to `call` is aborted (reason: an `Error` named `TimeoutError`,
 *   `` `${what} did not answer within ${timeoutMs} ms` ``), and the wait settles with
 *   `onTimeout(reason)`: its return value resolves, its throw rejects (default: reject with the reason).
 * - An outer `signal` that aborts first aborts the call's signal with the outer reason and settles with
 *   `onAbort(reason)` (default `onTimeout`). One already aborted settles so at once and `call` is never made.
 * - A late answer is ignored, and a late rejection is handled (never an unhandled rejection).
 * - A synchronous throw of `call` is a rejection like any other.
 * - The timer and the listener on `signal` are cleared in every path: nothing is left behind.
 *
 * @example
 * ```ts
 * const answer = await withDeadline((signal) => gateway.refund(instruction, { signal }), {
 *   timeoutMs: 5_000,
 *   what: 'the refund call',
 *   onTimeout: () => ({ status: 'unknown', reason: 'timeout', reference: null }),
 * });
 * ```
 */
export function withDeadline<T>(call: (signal: AbortSignal) => T | PromiseLike<T>, options: DeadlineOptions<NoInfer<T>>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { timeoutMs, what, signal: outer } = options;
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new TypeError(`withDeadline: timeoutMs must be a number ≥ 0 or Infinity, got ${String(timeoutMs)}`);
    }
    const onTimeout =
      options.onTimeout ??
      ((reason: unknown): T => {
        throw reason;
      });
    const onAbort = options.onAbort ?? onTimeout;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;

    const finish = (outcome: () => T | PromiseLike<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
      try {
        resolve(outcome());
      } catch (error) {
        reject(error);
      }
    };
    const expire = (reason: unknown, outcome: (reason: unknown) => T) =>
      finish(() => {
        controller.abort(reason);
        return outcome(reason);
      });
    function onOuterAbort() {
      expire(outer!.reason, onAbort);
    }

    if (outer?.aborted) {
      expire(outer.reason, onAbort);
      return;
    }
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    if (timeoutMs !== Infinity) {
      timer = setTimeout(() => {
        const reason = new Error(`${what} did not answer within ${timeoutMs} ms`);
        reason.name = 'TimeoutError';
        expire(reason, onTimeout);
      }, Math.min(timeoutMs, MAX_TIMER_MS));
    }

    let answer: PromiseLike<T>;
    try {
      answer = Promise.resolve(call(controller.signal));
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (value) => finish(() => value),
      (error: unknown) =>
        finish(() => {
          throw error;
        }),
    );
  });
}
