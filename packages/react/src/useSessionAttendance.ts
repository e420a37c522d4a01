'use client';
import { getSessionAttendance, toSessionError, type SessionAttendanceJson, type SessionError } from '@itutor/sessions-core/client';
// The main entry, not `./context`: this module is built into its own entry point (see `ConnectVideoProvider`).
import { useSessionContext } from '@itutor/sessions-react';
import { useCallback, useEffect, useRef, useState } from 'react';

/** How often {@link useSessionAttendance} re-reads by default: every 30 seconds. */
export const DEFAULT_ATTENDANCE_REFRESH_MS = 30_000;

/**
 * Where the read stands: `loading` (no answer yet), `success` (the last read answered), `error` (the
 * last read failed; `attendance` keeps the previous answer, if any), `unsupported` (the server stores no
 * attendance: `ATTENDANCE_NOT_SUPPORTED`), `idle` (disabled before any answer).
 */
export type AttendanceReadStatus = 'idle' | 'loading' | 'success' | 'error' | 'unsupported';

/** A host's read of the attendance, in place of `GET {basePath}/sessions/{id}/attendance`. */
export type FetchAttendanceFunction = (sessionId: string, init: { readonly signal: AbortSignal }) => Promise<SessionAttendanceJson>;

/** Options of {@link useSessionAttendance}. */
export interface UseSessionAttendanceOptions {
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** Reads the attendance instead of `GET {basePath}/sessions/{id}/attendance` (your own API, a test). */
  readonly fetchAttendance?: FetchAttendanceFunction;
  /**
   * Milliseconds between reads while mounted (counted from the end of the previous read); `0` reads
   * once and then only on `refresh()`. Default {@link DEFAULT_ATTENDANCE_REFRESH_MS}. While the page is
   * hidden no read is made; a read that fell due meanwhile is made when it shows again.
   */
  readonly refreshIntervalMs?: number;
  /** `false`: no automatic reads (e.g. outside the session's time); `refresh()` still reads. Default `true`. */
  readonly enabled?: boolean;
  /** What to show before the first answer, e.g. read on the server for the first render. */
  readonly initialAttendance?: SessionAttendanceJson | null;
  /** Called with each failed read. */
  readonly onError?: (error: SessionError) => void;
}

/** What {@link useSessionAttendance} returns. */
export interface SessionAttendanceState {
  /** The last answer for this session (kept while a later read fails), else `initialAttendance` or `null`. */
  readonly attendance: SessionAttendanceJson | null;
  readonly status: AttendanceReadStatus;
  /** The last read's failure (cleared by a successful read). */
  readonly error: SessionError | null;
  /** True while a read is in flight. */
  readonly pending: boolean;
  /** Reads now (and resumes polling that a refusal stopped). Resolves when the read is over; never rejects. */
  readonly refresh: () => Promise<void>;
}

interface State {
  readonly sessionId: string;
  readonly attendance: SessionAttendanceJson | null;
  readonly status: AttendanceReadStatus;
  readonly error: SessionError | null;
  readonly pending: boolean;
}

const initialState = (sessionId: string, attendance: SessionAttendanceJson | null | undefined, enabled: boolean): State => ({
  sessionId,
  attendance: attendance ?? null,
  status: attendance ? 'success' : enabled ? 'loading' : 'idle',
  error: null,
  pending: false,
});

/**
 * Refusals polling cannot change: the caller is not signed in or not a participant, the session does
 * not exist, or the server stores no attendance. Polling stops after them; `refresh()` tries again.
 */
const isSettledRefusal = ({ code, details: { httpStatus: status = 0 } }: SessionError) =>
  code === 'ATTENDANCE_NOT_SUPPORTED' || (status >= 400 && status < 500 && status !== 408 && status !== 429);

const pageHidden = () => typeof document !== 'undefined' && document.visibilityState === 'hidden';

/**
 * The session's attendance as the video provider reports it, for its tutor or student: reads
 * `GET {basePath}/sessions/{id}/attendance` on mount and then every `refreshIntervalMs` (30 s) while the
 * page is visible, one read at a time. `attendance.summary` says whether the student (`studentInMeeting`)
 * and the tutor are in the meeting; feed it to `SessionAttendanceStatus`. A failed read keeps the last
 * answer and is retried at the next interval; a refusal that polling cannot change (401, 403, 404, and
 * 501 `ATTENDANCE_NOT_SUPPORTED`, status `unsupported`) stops polling until `refresh()`. A new
 * `sessionId` starts over (an answer for the previous one is dropped). Headless: renders nothing.
 *
 * @example
 * const { attendance } = useSessionAttendance(session.id);
 * return <SessionAttendanceStatus attendance={attendance} role="tutor" />;
 */
export function useSessionAttendance(sessionId: string, options: UseSessionAttendanceOptions = {}): SessionAttendanceState {
  const config = useSessionContext();
  const basePath = options.basePath ?? config.basePath;
  const { enabled = true, refreshIntervalMs = DEFAULT_ATTENDANCE_REFRESH_MS } = options;
  // The host's functions are read at call time, so a new function on each render restarts nothing.
  const latest = useRef(options);
  latest.current = options;
  const [state, setState] = useState<State>(() => initialState(sessionId, options.initialAttendance, enabled));
  const refreshRef = useRef<() => Promise<void>>(async () => {});

  useEffect(() => {
    let controller: AbortController | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let polling = true;
    let due = false;
    let inFlight = false;
    // Updates made for this session only (a state left from another session starts over).
    const update = (change: (s: State) => Partial<State>) =>
      setState((s) => {
        const base = s.sessionId === sessionId ? s : initialState(sessionId, latest.current.initialAttendance, enabled);
        return { ...base, ...change(base) };
      });

    const schedule = () => {
      clearTimeout(timer);
      if (enabled && polling && refreshIntervalMs > 0) {
        timer = setTimeout(() => {
          if (pageHidden()) due = true;
          else void read();
        }, refreshIntervalMs);
      }
    };

    const read = async (): Promise<void> => {
      controller?.abort();
      clearTimeout(timer);
      due = false;
      const own = (controller = new AbortController());
      inFlight = true;
      update(() => ({ pending: true }));
      try {
        const host = latest.current.fetchAttendance;
        const attendance = await (host
          ? host(sessionId, { signal: own.signal })
          : getSessionAttendance(sessionId, { basePath, signal: own.signal }));
        if (own.signal.aborted) return;
        inFlight = false;
        update(() => ({ attendance, status: 'success', error: null, pending: false }));
      } catch (thrown) {
        if (own.signal.aborted) return;
        inFlight = false;
        const error = toSessionError(thrown);
        if (isSettledRefusal(error)) polling = false;
        const unsupported = error.code === 'ATTENDANCE_NOT_SUPPORTED';
        update(() => ({ status: unsupported ? 'unsupported' : 'error', error, pending: false, ...(unsupported ? { attendance: null } : {}) }));
        latest.current.onError?.(error);
      }
      schedule();
    };

    const onVisibility = () => {
      if (due && !pageHidden()) void read();
    };
    refreshRef.current = () => {
      polling = true;
      return read();
    };
    if (enabled) void read();
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisibility);
    return () => {
      controller?.abort();
      // A read cut short is not pending any more (a next read, if any, says so itself).
      if (inFlight) update(() => ({ pending: false }));
      clearTimeout(timer);
      refreshRef.current = async () => {};
      if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [sessionId, basePath, enabled, refreshIntervalMs]);

  const refresh = useCallback(() => refreshRef.current(), []);
  const current = state.sessionId === sessionId ? state : initialState(sessionId, options.initialAttendance, enabled);
  return { attendance: current.attendance, status: current.status, error: current.error, pending: current.pending, refresh };
}
