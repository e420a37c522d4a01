'use client';
import { useSessionContext } from './context';
import {
  createActionStore,
  postSessionAction,
  useMemo,
  useRef,
  useSyncExternalStore,
  type ActionStatus,
  type PublicSession,
  type SessionError,
  type SessionJson,
} from './deps';
import { toPublicSessionInput } from './state';

/** What a reschedule posts: the new start as an ISO 8601 instant, and an optional reason. */
export type RescheduleSessionBody = {
  readonly startAt: string;
  readonly reason?: string;
};

/** A host-supplied reschedule, instead of `POST {basePath}/sessions/{id}/reschedule`: returns the moved session. */
export type RescheduleSessionFunction = (sessionId: string, body: RescheduleSessionBody) => Promise<{ readonly session: SessionJson | PublicSession }>;

/** Options of {@link useRescheduleSession}. */
export interface UseRescheduleSessionOptions {
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** Moves the session, instead of `POST {basePath}/sessions/{id}/reschedule`. */
  readonly reschedule?: RescheduleSessionFunction;
  /** Called with the moved session (same id, booking and meeting link; new times). */
  readonly onSuccess?: (session: PublicSession) => void;
  /** Called when the reschedule was refused or failed. */
  readonly onError?: (error: SessionError) => void;
}

/** What {@link useRescheduleSession} returns. */
export interface RescheduleSessionState {
  /**
   * Moves the session to `startAt` (from your own time picker), with an optional reason: posts
   * `{ startAt: startAt.toISOString(), reason? }`. One request at a time (a call while one is pending
   * does nothing and resolves `undefined`). Resolves the moved session, or `undefined` when refused or
   * failed (then `error`). An invalid `Date` is refused here with `INVALID_INPUT`, without a request.
   */
  readonly reschedule: (startAt: Date, reason?: string) => Promise<PublicSession | undefined>;
  /** Repeats the last `reschedule` (e.g. after `PROVIDER_UNAVAILABLE`, at `retryAt`); `undefined` when there was none. */
  readonly retry: () => Promise<PublicSession | undefined>;
  /** `idle | pending | succeeded | failed` (core `ActionStatus`). */
  readonly status: ActionStatus;
  /** True while the request runs. */
  readonly pending: boolean;
  /**
   * The last refusal or failure, a `SessionError` with a stable code: `TOO_LATE` (inside the policy's
   * minimum notice, or someone already joined), `INVALID_INPUT` (the new start is too soon or not an
   * instant), `PROVIDER_UNAVAILABLE` (the video provider could not move the meeting: nothing changed; try
   * again, see `retryAt`), `SESSION_FINAL`, `NOT_SESSION_PARTICIPANT`, `REQUEST_FAILED`, … `null` otherwise.
   */
  readonly error: SessionError | null;
  /**
   * For `PROVIDER_UNAVAILABLE` (or any refusal that said when): when to try again, from the server's
   * `Retry-After` (`error.details.availableAt`); else `null`.
   */
  readonly retryAt: Date | null;
  /** The moved session after a success (instants as `Date`s); `null` before. */
  readonly session: PublicSession | null;
}

type Moved = { readonly session: SessionJson | PublicSession };

/**
 * Reschedule for hosts that bring their own time picker: the state of one reschedule of `sessionId` in a
 * core action store (`createActionStore`, as the buttons keep theirs), read with `useSyncExternalStore`.
 * The server decides (the policy's `rescheduleMinNoticeMinutes`, nobody joined yet) and moves the
 * provider's meeting first; a refusal comes back as `error`, never thrown.
 *
 * @example
 * const { reschedule, pending, error } = useRescheduleSession(session.id, { onSuccess: () => router.refresh() });
 * <MyTimePicker onPick={(startAt) => reschedule(startAt)} disabled={pending} />
 */
export function useRescheduleSession(sessionId: string, options: UseRescheduleSessionOptions = {}): RescheduleSessionState {
  const config = useSessionContext();
  // One store per session: a new `sessionId` starts from `idle`.
  const store = useMemo(() => createActionStore<Moved>(), [sessionId]); // eslint-disable-line react-hooks/exhaustive-deps
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const last = useRef<RescheduleSessionBody | null>(null);
  const latest = useRef(options);
  latest.current = options;

  const send = async (body: RescheduleSessionBody | null): Promise<PublicSession | undefined> => {
    const { reschedule: host, basePath, onSuccess, onError } = latest.current;
    const outcome = await store.run(() => {
      // Refused like the server would, without a request (`toSessionError` keeps the known code).
      if (!body) throw { code: 'INVALID_INPUT', message: 'startAt must be a valid instant' };
      return host
        ? host(sessionId, body)
        : postSessionAction<Moved>(sessionId, 'reschedule', { basePath: basePath ?? config.basePath, now: () => config.clock.getSnapshot(), body });
    });
    if (outcome?.status === 'failed') onError?.(outcome.error);
    if (outcome?.status !== 'succeeded') return undefined;
    const moved = toPublicSessionInput(outcome.result.session);
    onSuccess?.(moved);
    return moved;
  };
  const error = state.status === 'failed' ? state.error : null;
  const session = useMemo(() => (state.status === 'succeeded' ? toPublicSessionInput(state.result.session) : null), [state]);

  return {
    reschedule: (startAt, reason) => {
      const valid = startAt instanceof Date && !Number.isNaN(startAt.getTime());
      const body = valid ? { startAt: startAt.toISOString(), ...(reason?.trim() ? { reason: reason.trim() } : {}) } : null;
      if (store.getSnapshot().status !== 'pending') last.current = body;
      return send(body);
    },
    retry: () => (last.current ? send(last.current) : Promise.resolve(undefined)),
    status: state.status,
    pending: state.status === 'pending',
    error,
    retryAt: error?.details.availableAt ?? null,
    session,
  };
}
