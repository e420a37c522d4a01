import type { SessionError } from '../errors';
import { toSessionError } from './api';

/**
 * The state of one participant action (a Join, a no-show) as a framework-free store, shaped for
 * `useSyncExternalStore` and for any other UI layer: `subscribe(listener) → unsubscribe` and
 * `getSnapshot()`, which returns the same object until the state changes.
 */

/** Where an action stands. */
export type ActionStatus = 'idle' | 'pending' | 'succeeded' | 'failed';

/**
 * A snapshot of an action store. `notBefore` is the server's `availableAt` (epoch ms) from the last
 * `TOO_EARLY` refusal, kept across later failures and cleared by a success: UIs count down to it.
 */
export type ActionState<T> =
  | { readonly status: 'idle'; readonly notBefore: number | null }
  | { readonly status: 'pending'; readonly notBefore: number | null }
  | { readonly status: 'succeeded'; readonly result: T; readonly notBefore: null }
  | { readonly status: 'failed'; readonly error: SessionError; readonly notBefore: number | null };

/** A settled run: what {@link ActionStore.run} resolves to. */
export type ActionOutcome<T> = Extract<ActionState<T>, { readonly status: 'succeeded' | 'failed' }>;

/** The store returned by {@link createActionStore}. */
export interface ActionStore<T> {
  /** Registers `listener`, called after every state change; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** The current state; the same object until it changes. */
  getSnapshot(): ActionState<T>;
  /**
   * Runs `perform` unless a run is already pending (then resolves `null` at once: no double
   * submission). Never rejects: a thrown error becomes a `failed` state with a `SessionError`.
   */
  run(perform: () => Promise<T>): Promise<ActionOutcome<T> | null>;
}

/**
 * Creates the state of one action: idle → pending → succeeded | failed, one run at a time.
 *
 * @example
 * const join = createActionStore<JoinResult>();
 * join.subscribe(() => render(join.getSnapshot()));
 * const outcome = await join.run(() => postSessionAction<JoinResult>(sessionId, 'join'));
 * if (outcome?.status === 'succeeded') window.open(outcome.result.joinUrl, '_blank', 'noopener');
 */
export function createActionStore<T>(): ActionStore<T> {
  const listeners = new Set<() => void>();
  let state: ActionState<T> = { status: 'idle', notBefore: null };
  const set = (next: ActionState<T>) => {
    state = next;
    listeners.forEach((listener) => listener());
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    getSnapshot: () => state,
    async run(perform) {
      if (state.status === 'pending') return null;
      const { notBefore } = state;
      set({ status: 'pending', notBefore });
      let outcome: ActionOutcome<T>;
      try {
        outcome = { status: 'succeeded', result: await perform(), notBefore: null };
      } catch (thrown) {
        const error = toSessionError(thrown);
        // `toSessionError` made `availableAt` a `Date` (or left it out), whatever the thrown value carried.
        outcome = { status: 'failed', error, notBefore: error.code === 'TOO_EARLY' ? (error.details.availableAt?.getTime() ?? null) : notBefore };
      }
      set(outcome);
      return outcome;
    },
  };
}
