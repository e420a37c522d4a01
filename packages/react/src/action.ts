'use client';
import { postSessionAction, toSessionRequestError, type SessionRequestError } from './api';
import { useSessionContext, type SessionContextValue } from './context';
import { useMemo, useRef, useState, type PublicSession } from './deps';
import { useResolvedLabels } from './hooks';
import type { SessionLabels, SessionLabelsInput } from './labels';
import { toPublicSessionInput, type SessionInput } from './state';

/** The last failure: the server's message and code (internal). */
export interface SessionActionError {
  readonly message: string;
  readonly code: string | null;
}

/** The props both buttons share (internal). */
interface ActionProps {
  readonly session: SessionInput;
  readonly basePath?: string;
  readonly labels?: SessionLabelsInput;
  readonly locale?: string;
  readonly onError?: (error: SessionRequestError) => void;
}

/**
 * What both buttons need (internal): settings, labels, the session with `Date`s, and a `run` that
 * calls the host function or the endpoint, once at a time (no double submission), keeping pending,
 * error and `TOO_EARLY` (`notBefore`: the server's `availableAt`) state.
 */
export function useSessionAction<T>(props: ActionProps, endpoint: 'join' | 'mark-no-show', host?: (sessionId: string) => Promise<T>) {
  const config = useSessionContext();
  const labels: SessionLabels = useResolvedLabels(props.labels);
  const session: PublicSession = useMemo(() => toPublicSessionInput(props.session), [props.session]);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<SessionActionError | null>(null);
  const [notBefore, setNotBefore] = useState<number | null>(null);
  const inFlight = useRef(false);

  const run = async (): Promise<T | undefined> => {
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    try {
      const result = await (host
        ? host(session.id)
        : postSessionAction<T>(session.id, endpoint, {
            basePath: props.basePath ?? config.basePath,
            now: () => config.clock.getSnapshot(),
          }));
      setNotBefore(null);
      return result;
    } catch (thrown) {
      const failure = toSessionRequestError(thrown);
      if (failure.code === 'TOO_EARLY') setNotBefore(failure.availableAt);
      setError({ message: failure.message || labels.genericError, code: failure.code });
      props.onError?.(failure);
    } finally {
      inFlight.current = false;
      setPending(false);
    }
  };
  return { config, labels, locale: props.locale ?? config.locale, session, pending, error, notBefore, run };
}
