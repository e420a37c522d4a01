'use client';
import {
  createActionStore,
  listChargebacks,
  stageChargebackEvidence,
  submitChargebackEvidence,
  toSessionError,
  type ActionOutcome,
  type ChargebackJson,
  type DisputeEvidenceFields,
  type SessionError,
} from '@itutor/sessions-core/client';
// The main entry, not `./context`: this module is built into its own entry point (see `useSessionAttendance`).
import { useSessionContext } from '@itutor/sessions-react';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';

/** Where the read of the list stands: `loading`, `ready`, `error` (the last read failed; the list kept), `idle` (disabled, nothing read). */
export type ChargebacksReadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** A write on one chargeback: `stage` (build and stage the evidence again) or `submit` (final). */
export type ChargebackStep = 'stage' | 'submit';

/** Options of {@link useChargebacks}. */
export interface UseChargebacksOptions {
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** `fetch` for the reads and the writes. Default the global one. */
  readonly fetch?: typeof fetch;
  /** `false`: no read on mount (`refresh()` still reads). Default `true`. */
  readonly enabled?: boolean;
  /** What to show before the first answer, e.g. read on the server (`evidence`: the route's, if you have it). */
  readonly initialChargebacks?: readonly ChargebackJson[] | null;
  readonly initialEvidence?: DisputeEvidenceFields | null;
  /** Called with the chargeback each write answered (staged again, submitted). */
  readonly onChange?: (chargeback: ChargebackJson) => void;
  /** Called with each failed read or write. */
  readonly onError?: (error: SessionError) => void;
}

/** What {@link useChargebacks} returns. */
export interface ChargebacksState {
  /** The session's chargebacks by number (kept while a later read fails), else `initialChargebacks` or `null`. */
  readonly chargebacks: readonly ChargebackJson[] | null;
  /**
   * The evidence the SDK would stage now, built from its records (the route's `evidence`), for a chargeback
   * with nothing staged yet; `null` before the first read.
   */
  readonly evidence: DisputeEvidenceFields | null;
  readonly status: ChargebacksReadStatus;
  /** The last read's failure (cleared by a successful read). */
  readonly error: SessionError | null;
  /** Reads the list again. Never rejects. */
  readonly refresh: () => Promise<void>;
  /**
   * Builds chargeback `n`'s evidence again and stages it (`POST …/chargebacks/{n}/stage`; not submitted).
   * Resolves the outcome (the answered chargeback replaces the listed one), or `null` when a write was
   * already pending. Never rejects.
   */
  readonly stage: (chargeback: number) => Promise<ActionOutcome<ChargebackJson> | null>;
  /** Submits chargeback `n`'s staged evidence (`POST …/chargebacks/{n}/submit`; final). Resolves like `stage`. */
  readonly submit: (chargeback: number) => Promise<ActionOutcome<ChargebackJson> | null>;
  /** The write running, or `null`. */
  readonly pending: { readonly chargeback: number; readonly step: ChargebackStep } | null;
  /** The last write's failure with what it was, or `null` (cleared when the next write starts). */
  readonly actionError: { readonly chargeback: number; readonly step: ChargebackStep; readonly error: SessionError } | null;
}

/** Refusals saying the list on screen is out of date: it is read again. */
const STALE = ['EVIDENCE_NOT_ACCEPTED', 'NOT_FOUND', 'CONFLICT'];

interface ReadState {
  readonly sessionId: string;
  readonly chargebacks: readonly ChargebackJson[] | null;
  readonly evidence: DisputeEvidenceFields | null;
  readonly status: ChargebacksReadStatus;
  readonly error: SessionError | null;
}

const initialState = (sessionId: string, options: UseChargebacksOptions, enabled: boolean): ReadState => initialOf(sessionId, options.initialChargebacks, options.initialEvidence, enabled);

const initialOf = (sessionId: string, list: readonly ChargebackJson[] | null | undefined, evidence: DisputeEvidenceFields | null | undefined, enabled: boolean): ReadState => ({
  sessionId,
  chargebacks: list ?? null,
  evidence: evidence ?? null,
  status: list ? 'ready' : enabled ? 'loading' : 'idle',
  error: null,
});

/**
 * A session's chargebacks (card disputes at the student's bank), for the platform's people: reads
 * `GET {basePath}/sessions/{id}/chargebacks` on mount and writes `…/chargebacks/{n}/stage` (`stage`) and
 * * `…/chargebacks/{n}/submit` (`submit`), one write at a time (core action store). Each write answers the
 * chargeback, which replaces the listed one; a refusal saying the list is stale (`EVIDENCE_NOT_ACCEPTED`,
 * `NOT_FOUND`, `CONFLICT`) also reads it again. The routes are for the people the host's `isPlatformStaff`
 * recognises (others get `FORBIDDEN`). Headless: `ChargebackPanel` is its UI.
 *
 * @example
 * const { chargebacks, submit } = useChargebacks(session.id);
 * const open = chargebacks?.find((c) => c.evidence === 'staged' && c.status === 'needs_response');
 * if (open) await submit(open.chargeback);
 */
export function useChargebacks(sessionId: string, options: UseChargebacksOptions = {}): ChargebacksState {
  const config = useSessionContext();
  const basePath = options.basePath ?? config.basePath;
  const enabled = options.enabled ?? true;
  const latest = useRef(options);
  latest.current = options;
  const [state, setState] = useState<ReadState>(() => initialState(sessionId, options, enabled));
  const store = useMemo(() => createActionStore<ChargebackJson>(), [sessionId]); // eslint-disable-line react-hooks/exhaustive-deps
  const write = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const [last, setLast] = useState<{ readonly sessionId: string; readonly chargeback: number; readonly step: ChargebackStep } | null>(null);
  const reading = useRef<AbortController | null>(null);
  const currentId = useRef(sessionId);
  currentId.current = sessionId;

  const update = useCallback(
    (id: string, change: (s: ReadState) => Partial<ReadState>) =>
      setState((s) => {
        const base = s.sessionId === id ? s : initialState(id, latest.current, enabled);
        return { ...base, ...change(base) };
      }),
    [enabled],
  );

  const read = useCallback(async (): Promise<void> => {
    reading.current?.abort();
    const own = (reading.current = new AbortController());
    try {
      const { chargebacks, evidence } = await listChargebacks(sessionId, { basePath, fetch: latest.current.fetch, signal: own.signal });
      if (!own.signal.aborted) update(sessionId, () => ({ chargebacks, evidence: evidence ?? null, status: 'ready', error: null }));
    } catch (thrown) {
      if (own.signal.aborted) return;
      const error = toSessionError(thrown);
      update(sessionId, () => ({ status: 'error', error }));
      latest.current.onError?.(error);
    }
  }, [sessionId, basePath, update]);

  useEffect(() => {
    if (enabled) void read();
    return () => reading.current?.abort();
  }, [read, enabled]);

  const send = async (chargeback: number, step: ChargebackStep) => {
    const id = sessionId;
    if (store.getSnapshot().status === 'pending') return null;
    setLast({ sessionId: id, chargeback, step });
    const call = step === 'stage' ? stageChargebackEvidence : submitChargebackEvidence;
    const outcome = await store.run(() => call(id, chargeback, { basePath, fetch: latest.current.fetch }));
    if (outcome?.status === 'succeeded' && id === currentId.current) {
      // A read in flight may have been answered before this write: the write's answer is the newer.
      reading.current?.abort();
      const answered = outcome.result;
      update(id, (s) => ({
        chargebacks: (s.chargebacks ?? []).some((c) => c.chargeback === answered.chargeback)
          ? s.chargebacks!.map((c) => (c.chargeback === answered.chargeback ? answered : c))
          : [...(s.chargebacks ?? []), answered],
        status: 'ready',
        error: null,
      }));
      latest.current.onChange?.(answered);
    } else if (outcome?.status === 'failed') {
      latest.current.onError?.(outcome.error);
      if (STALE.includes(outcome.error.code) && id === currentId.current) void read();
    }
    return outcome;
  };

  const current = state.sessionId === sessionId ? state : initialState(sessionId, options, enabled);
  const mine = last?.sessionId === sessionId ? last : null;
  return {
    chargebacks: current.chargebacks,
    evidence: current.evidence,
    status: current.status,
    error: current.error,
    refresh: read,
    stage: (n) => send(n, 'stage'),
    submit: (n) => send(n, 'submit'),
    pending: write.status === 'pending' && mine ? { chargeback: mine.chargeback, step: mine.step } : null,
    actionError: write.status === 'failed' && mine ? { chargeback: mine.chargeback, step: mine.step, error: write.error } : null,
  };
}
