'use client';
import { useSessionContext, type SessionContextValue } from './context';
import {
  createActionStore,
  postSessionAction,
  useMemo,
  useState,
  useSyncExternalStore,
  type ActionOutcome,
  type ActionState,
  type NoShowQuote,
  type PublicSession,
  type SessionAction,
  type SessionError,
} from './deps';
import { useResolvedLabels } from './hooks';
import type { SessionLabels, SessionLabelsInput } from './labels';
import { noShowQuoteOf, toPublicSessionInput, type SessionInput } from './state';

/** The props every action component shares (internal). */
interface ActionProps {
  readonly session: SessionInput;
  readonly basePath?: string;
  readonly labels?: SessionLabelsInput;
  readonly locale?: string;
  readonly onError?: (error: SessionError) => void;
}

/** What {@link useSessionAction} returns (internal). */
export interface SessionActionApi<T, B extends Readonly<Record<string, unknown>> = Readonly<Record<string, unknown>>> {
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
  /**
   * Calls the host function (with the session id and `body`) or posts `body` to the endpoint, once at a
   * time; the settled outcome, or `null` when a run was already pending.
   */
  readonly run: (body?: B) => Promise<ActionOutcome<T> | null>;
}

/**
 * What every action component needs (internal): settings, labels, the session with `Date`s, and the
 * action's state in a core action store (`createActionStore`, one per component) read with
 * `useSyncExternalStore`.
 */
export function useSessionAction<T, B extends Readonly<Record<string, unknown>> = Readonly<Record<string, unknown>>>(
  props: ActionProps,
  action: SessionAction,
  host?: (sessionId: string, body: B) => Promise<T>,
): SessionActionApi<T, B> {
  const config = useSessionContext();
  const labels = useResolvedLabels(props.labels);
  const session = useMemo(() => toPublicSessionInput(props.session), [props.session]);
  const [store] = useState(createActionStore<T>);
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);

  const run = async (body?: B) => {
    const outcome = await store.run(() =>
      host
        ? // The session id alone when there is no body: the buttons' host functions take only that.
          body ? host(session.id, body) : (host as (sessionId: string) => Promise<T>)(session.id)
        : postSessionAction<T>(session.id, action, { basePath: props.basePath ?? config.basePath, now: () => config.clock.getSnapshot(), body }),
    );
    if (outcome?.status === 'failed') props.onError?.(outcome.error);
    return outcome;
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
