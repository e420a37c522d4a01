'use client';
import {
  createActionStore,
  getDisputeView,
  postSessionAction,
  toSessionError,
  type ActionOutcome,
  type DisputeActionType,
  type DisputeReason,
  type DisputeViewJson,
  type SessionAction,
  type SessionError,
} from '@itutor/sessions-core/client';
// The main entry, not `./context`: this module is built into its own entry point (see `useSessionAttendance`).
import { useSessionContext } from '@itutor/sessions-react';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';

/**
 * Where the read of the view stands: `loading` (no answer yet), `ready` (the last read, or write, answered
 * with a view), `error` (the last read failed; `view` keeps the previous one, if any), `idle` (disabled
 * before any answer).
 */
export type DisputeReadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** What the student sends to open the dispute: `POST {basePath}/sessions/{id}/dispute`. */
export interface OpenDisputeBody {
  readonly reason: DisputeReason;
  /** What happened, 1–2000 characters (trimmed). */
  readonly message: string;
}

/**
 * The body of each step, `POST {basePath}/sessions/{id}/dispute/{step}`: amounts in whole minor units
 * (`parseMoneyInput` reads a typed amount exactly); a message is required to contest and to resolve.
 */
export interface DisputeStepBodies {
  readonly accept: { readonly message?: string };
  readonly offer: { readonly amountMinor: number; readonly message?: string };
  readonly contest: { readonly message: string };
  readonly accept_offer: { readonly message?: string };
  readonly decline_offer: { readonly message?: string };
  readonly resolve:
    | { readonly resolution: 'full_refund' | 'no_refund'; readonly message: string }
    | { readonly resolution: 'partial_refund'; readonly amountMinor: number; readonly message: string };
}

/** Options of {@link useDispute}. */
export interface UseDisputeOptions {
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** `fetch` for the reads and the writes (your own client, a test's fake). Default the global one. */
  readonly fetch?: typeof fetch;
  /** `false`: no read on mount (`refresh()` still reads). Default `true`. */
  readonly enabled?: boolean;
  /** What to show before the first answer, e.g. read on the server for the first render. */
  readonly initialView?: DisputeViewJson | null;
  /** Called with every new view a write answered (opened, offered, resolved, …). */
  readonly onChange?: (view: DisputeViewJson) => void;
  /** Called with each failed read or write. */
  readonly onError?: (error: SessionError) => void;
}

/** What {@link useDispute} returns. */
export interface DisputeState {
  /** The last view for this session (kept while a later read fails), else `initialView` or `null`. */
  readonly view: DisputeViewJson | null;
  readonly status: DisputeReadStatus;
  /** The last read's failure (cleared by a successful read or write). */
  readonly error: SessionError | null;
  /** Reads the view again. Resolves when the read is over; never rejects. */
  readonly refresh: () => Promise<void>;
  /**
   * The student opens the dispute. Resolves the settled outcome (core `ActionOutcome`: `succeeded` with
   * the new view, which replaces `view`; or `failed` with a `SessionError`), or `null` when a write was
   * already pending. Never rejects.
   */
  readonly open: (body: OpenDisputeBody) => Promise<ActionOutcome<DisputeViewJson> | null>;
  /** Takes one of `view.allowedSteps` (see {@link DisputeStepBodies}); resolves like `open`. */
  readonly act: <S extends DisputeActionType>(step: S, body: DisputeStepBodies[S]) => Promise<ActionOutcome<DisputeViewJson> | null>;
  /** True while a write (`open` or `act`) runs. */
  readonly pending: boolean;
  /** The last write's failure, or `null` (cleared when the next write starts). */
  readonly actionError: SessionError | null;
}

/** The URL of each step (the machine's names use `_`, the routes `-`). */
const STEP_ACTIONS: Readonly<Record<DisputeActionType, SessionAction>> = {
  accept: 'dispute/accept',
  offer: 'dispute/offer',
  contest: 'dispute/contest',
  accept_offer: 'dispute/accept-offer',
  decline_offer: 'dispute/decline-offer',
  resolve: 'dispute/resolve',
};

/** Refusals saying the view on screen is out of date: it is read again, so the controls match the dispute. */
const STALE = ['DISPUTE_EXISTS', 'DISPUTE_WINDOW_CLOSED', 'DISPUTE_NOT_ALLOWED', 'DISPUTE_RESOLVED', 'NOTHING_TO_DISPUTE'];

interface ReadState {
  readonly sessionId: string;
  readonly view: DisputeViewJson | null;
  readonly status: DisputeReadStatus;
  readonly error: SessionError | null;
}

const initialState = (sessionId: string, view: DisputeViewJson | null | undefined, enabled: boolean): ReadState => ({
  sessionId,
  view: view ?? null,
  status: view ? 'ready' : enabled ? 'loading' : 'idle',
  error: null,
});

/** A message trimmed, left out when empty (the server refuses an empty one; optional ones may be absent). */
function cleanBody(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { message, ...rest } = body;
  const text = typeof message === 'string' ? message.trim() : message;
  return text === '' || text === undefined ? rest : { ...rest, message: text };
}

/**
 * A session's dispute for its student, its tutor or the platform's people: reads
 * `GET {basePath}/sessions/{id}/dispute` (the facts side by side, `canOpen`, `allowedSteps`) on mount, and
 * writes through `POST {basePath}/sessions/{id}/dispute` (`open`) and `…/dispute/{step}` (`act`), one
 * write at a time (core action store). Each write answers the new view, which replaces the old one (a read
 * in flight is dropped, as it may be older); a refusal saying the view is stale (`DISPUTE_NOT_ALLOWED`,
 * `DISPUTE_RESOLVED`, `DISPUTE_EXISTS`, `DISPUTE_WINDOW_CLOSED`, `NOTHING_TO_DISPUTE`) also reads it again.
 * Refusals come back as `SessionError`s with stable codes, never thrown. A new `sessionId` starts over.
 * Headless: renders nothing; `OpenDisputeButton` and `DisputePanel` take its result as `dispute` to share it.
 *
 * @example
 * const dispute = useDispute(session.id);
 * if (dispute.view?.allowedSteps.includes('contest')) await dispute.act('contest', { message: 'The lesson ran the full hour.' });
 */
export function useDispute(sessionId: string, options: UseDisputeOptions = {}): DisputeState {
  const config = useSessionContext();
  const basePath = options.basePath ?? config.basePath;
  const enabled = options.enabled ?? true;
  const latest = useRef(options);
  latest.current = options;
  const [state, setState] = useState<ReadState>(() => initialState(sessionId, options.initialView, enabled));
  // One write store per session: a new `sessionId` starts from `idle`.
  const store = useMemo(() => createActionStore<DisputeViewJson>(), [sessionId]); // eslint-disable-line react-hooks/exhaustive-deps
  const write = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const reading = useRef<AbortController | null>(null);
  const currentId = useRef(sessionId);
  currentId.current = sessionId;

  // Changes for `id` only: a state left from another session starts over, an answer for another is dropped.
  const update = useCallback(
    (id: string, change: Partial<ReadState>) =>
      setState((s) => ({ ...(s.sessionId === id ? s : initialState(id, latest.current.initialView, enabled)), ...change })),
    [enabled],
  );

  const read = useCallback(async (): Promise<void> => {
    reading.current?.abort();
    const own = (reading.current = new AbortController());
    try {
      const view = await getDisputeView(sessionId, { basePath, fetch: latest.current.fetch, signal: own.signal });
      if (!own.signal.aborted) update(sessionId, { view, status: 'ready', error: null });
    } catch (thrown) {
      if (own.signal.aborted) return;
      const error = toSessionError(thrown);
      update(sessionId, { status: 'error', error });
      latest.current.onError?.(error);
    }
  }, [sessionId, basePath, update]);

  useEffect(() => {
    if (enabled) void read();
    return () => reading.current?.abort();
  }, [read, enabled]);

  const send = async (action: SessionAction, body: Readonly<Record<string, unknown>>) => {
    const id = sessionId;
    const outcome = await store.run(async () => {
      const answer = await postSessionAction<{ readonly view?: DisputeViewJson }>(id, action, {
        basePath,
        fetch: latest.current.fetch,
        now: () => config.clock.getSnapshot(),
        body: cleanBody(body),
      });
      // An answer without a view is a failed request, never an empty dispute on screen.
      if (!answer?.view) throw toSessionError({ message: '' });
      return answer.view;
    });
    if (outcome?.status === 'succeeded' && id === currentId.current) {
      // A read in flight may have been answered before this write: the write's view is the newer.
      reading.current?.abort();
      update(id, { view: outcome.result, status: 'ready', error: null });
      latest.current.onChange?.(outcome.result);
    } else if (outcome?.status === 'failed') {
      latest.current.onError?.(outcome.error);
      if (STALE.includes(outcome.error.code) && id === currentId.current) void read();
    }
    return outcome;
  };

  const current = state.sessionId === sessionId ? state : initialState(sessionId, options.initialView, enabled);
  return {
    view: current.view,
    status: current.status,
    error: current.error,
    refresh: read,
    open: (body) => send('dispute', body as unknown as Record<string, unknown>),
    act: (step, body) => send(STEP_ACTIONS[step], body as Record<string, unknown>),
    pending: write.status === 'pending',
    actionError: write.status === 'failed' ? write.error : null,
  };
}
