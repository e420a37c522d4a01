'use client';
import { useSessionContext, type SessionContextValue } from './context';
import {
  createActionStore,
  postSessionAction,
  useMemo,
  useState,
  useSyncExternalStore,
  type ActionState,
  type NoShowQuote,
  type PublicSession,
  type SessionAction,
  type SessionError,
} from './deps';
import { useResolvedLabels } from './hooks';
import type { SessionLabels, SessionLabelsInput } from './labels';
import { noShowQuoteOf, toPublicSessionInput, type SessionInput } from './state';

/** The props both buttons share (internal). */
interface ActionProps {
  readonly session: SessionInput;
  readonly basePath?: string;
  readonly labels?: SessionLabelsInput;
  readonly locale?: string;
  readonly onError?: (error: SessionError) => void;
}

/** What {@link useSessionAction} returns (internal). */
export interface SessionActionApi<T> {
  readonly config: SessionContextValue;
  readonly labels: SessionLabels;
  readonly locale: string;
  readonly session: PublicSession;
  /** What a no-show would cost, as the server put it in the session JSON (`noShowQuote`); else `null`. */
  readonly quote: NoShowQuote | null;
  /** The action store's snapshot (core `@itutor/sessions-core/client`). */
  readonly state: ActionState<T>;
  readonly pending: boolean;
  /** The last failure (its `message` may be empty: show `labels.genericError` then). */
  readonly error: SessionError | null;
  /** The server's `availableAt` after a `TOO_EARLY`. */
  readonly notBefore: number | null;
  /** Calls the host function or the endpoint, once at a time; the result, or `undefined` on failure. */
  readonly run: () => Promise<T | undefined>;
}

/**
 * What both buttons need (internal): settings, labels, the session with `Date`s, and the action's state
 * in a core action store (`createActionStore`, one per component) read with `useSyncExternalStore`.
 */
export function useSessionAction<T>(props: ActionProps, action: SessionAction, host?: (sessionId: string) => Promise<T>): SessionActionApi<T> {
  const config = useSessionContext();
  const labels = useResolvedLabels(props.labels);
  const session = useMemo(() => toPublicSessionInput(props.session), [props.session]);
  const [store] = useState(createActionStore<T>);
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);

  const run = async (): Promise<T | undefined> => {
    const outcome = await store.run(() =>
      host
        ? host(session.id)
        : postSessionAction<T>(session.id, action, { basePath: props.basePath ?? config.basePath, now: () => config.clock.getSnapshot() }),
    );
    if (outcome?.status === 'failed') props.onError?.(outcome.error);
    return outcome?.status === 'succeeded' ? outcome.result : undefined;
  };
  return {
    config,
    labels,
    locale: props.locale ?? config.locale,
    session,
    quote: noShowQuoteOf(props.session),
    state,
    pending: state.status === 'pending',
    error: state.status === 'failed' ? state.error : null,
    notBefore: state.notBefore,
    run,
  };
}
