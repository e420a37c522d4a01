import type { SessionAttendanceJson } from '@itutor/sessions-core/client';
import { act, render, renderHook, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { StrictMode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_ATTENDANCE_REFRESH_MS,
  SessionAttendanceStatus,
  attendancePresence,
  useSessionAttendance,
  type FetchAttendanceFunction,
} from '../src/attendance';
import { SessionClockProvider } from '../src/index';
import { at, attendanceJson, jsonResponse } from './fixtures';

const SESSION = '00000000-0000-4000-8000-000000000001'; // the fixture session's id
const OTHER = '00000000-0000-4000-8000-000000000002';

const inMeeting = attendanceJson({ studentInMeeting: true, studentJoinedAt: at(3).toISOString(), tutorInMeeting: true, tutorJoinedAt: at(-2).toISOString() });
const problem = (status: number, code: string) => jsonResponse(status, { type: 'about:blank', title: 'Refused', status, detail: `${code} detail`, code });

const flush = () => act(async () => {});

afterEach(() => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
});

describe('useSessionAttendance', () => {
  it('GETs {basePath}/sessions/{id}/attendance with the page’s cookies on mount; base path from SessionClockProvider', async () => {
    const fetch = vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse(200, inMeeting));
    const wrapper = ({ children }: { children: ReactNode }) => <SessionClockProvider basePath="/v1">{children}</SessionClockProvider>;
    const { result } = renderHook(() => useSessionAttendance(SESSION), { wrapper });
    expect(result.current).toMatchObject({ attendance: null, status: 'loading', error: null });
    await waitFor(() => expect(result.current.status).toBe('success'));
    expect(result.current.attendance).toEqual(inMeeting);
    expect(result.current.pending).toBe(false);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe(`/v1/sessions/${SESSION}/attendance`);
    expect(init).toMatchObject({ credentials: 'same-origin' });
    expect(init?.method ?? 'GET').toBe('GET');
  });

  it('re-reads every refreshIntervalMs (from the end of the previous read), one read at a time', async () => {
    vi.useFakeTimers();
    const fetchAttendance = vi.fn<FetchAttendanceFunction>(async () => attendanceJson());
    const { result } = renderHook(() => useSessionAttendance(SESSION, { fetchAttendance, refreshIntervalMs: 5_000 }));
    await flush();
    expect(fetchAttendance).toHaveBeenCalledTimes(1);
    fetchAttendance.mockResolvedValueOnce(inMeeting);
    await act(async () => void (await vi.advanceTimersByTimeAsync(4_999)));
    expect(fetchAttendance).toHaveBeenCalledTimes(1);
    await act(async () => void (await vi.advanceTimersByTimeAsync(1)));
    expect(fetchAttendance).toHaveBeenCalledTimes(2);
    expect(result.current.attendance?.summary.studentInMeeting).toBe(true);
    expect(DEFAULT_ATTENDANCE_REFRESH_MS).toBe(30_000);
  });

  it('keeps the last answer when a read fails, reports the error, and tries again at the next interval', async () => {
    vi.useFakeTimers();
    const onError = vi.fn();
    const fetchAttendance = vi.fn<FetchAttendanceFunction>(async () => inMeeting);
    const { result } = renderHook(() => useSessionAttendance(SESSION, { fetchAttendance, refreshIntervalMs: 1_000, onError }));
    await flush();
    fetchAttendance.mockRejectedValueOnce(new TypeError('offline'));
    await act(async () => void (await vi.advanceTimersByTimeAsync(1_000)));
    expect(result.current).toMatchObject({ status: 'error', attendance: inMeeting });
    expect(result.current.error?.message).toBe('offline');
    expect(onError).toHaveBeenCalledTimes(1);
    await act(async () => void (await vi.advanceTimersByTimeAsync(1_000)));
    expect(result.current).toMatchObject({ status: 'success', error: null, attendance: inMeeting });
    expect(fetchAttendance).toHaveBeenCalledTimes(3);
  });

  it('ATTENDANCE_NOT_SUPPORTED (501): status unsupported, no attendance, and polling stops until refresh()', async () => {
    vi.useFakeTimers();
    const fetch = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => problem(501, 'ATTENDANCE_NOT_SUPPORTED'));
    const { result } = renderHook(() => useSessionAttendance(SESSION, { refreshIntervalMs: 1_000 }));
    await flush();
    expect(result.current).toMatchObject({ status: 'unsupported', attendance: null });
    expect(result.current.error).toMatchObject({ code: 'ATTENDANCE_NOT_SUPPORTED', details: { httpStatus: 501 } });
    await act(async () => void (await vi.advanceTimersByTimeAsync(10_000)));
    expect(fetch).toHaveBeenCalledTimes(1);
    fetch.mockImplementation(async () => jsonResponse(200, inMeeting));
    await act(() => result.current.refresh());
    expect(result.current).toMatchObject({ status: 'success', attendance: inMeeting });
    await act(async () => void (await vi.advanceTimersByTimeAsync(1_000)));
    expect(fetch).toHaveBeenCalledTimes(3); // polling resumed
  });

  it('a refusal polling cannot change (403 NOT_SESSION_PARTICIPANT) stops polling; a 503 does not', async () => {
    vi.useFakeTimers();
    const fetch = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => problem(403, 'NOT_SESSION_PARTICIPANT'));
    const { result, unmount } = renderHook(() => useSessionAttendance(SESSION, { refreshIntervalMs: 1_000 }));
    await flush();
    expect(result.current).toMatchObject({ status: 'error', error: { code: 'NOT_SESSION_PARTICIPANT', details: { httpStatus: 403 } } });
    await act(async () => void (await vi.advanceTimersByTimeAsync(5_000)));
    expect(fetch).toHaveBeenCalledTimes(1);
    unmount();
    fetch.mockClear();
    fetch.mockImplementation(async () => problem(503, 'INTERNAL'));
    renderHook(() => useSessionAttendance(SESSION, { refreshIntervalMs: 1_000 }));
    await flush();
    await act(async () => void (await vi.advanceTimersByTimeAsync(2_000)));
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('makes no read while the page is hidden; one that fell due is made when it shows again', async () => {
    vi.useFakeTimers();
    const fetchAttendance = vi.fn<FetchAttendanceFunction>(async () => attendanceJson());
    renderHook(() => useSessionAttendance(SESSION, { fetchAttendance, refreshIntervalMs: 1_000 }));
    await flush();
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    await act(async () => void (await vi.advanceTimersByTimeAsync(10_000)));
    expect(fetchAttendance).toHaveBeenCalledTimes(1);
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    await act(async () => void document.dispatchEvent(new Event('visibilitychange')));
    expect(fetchAttendance).toHaveBeenCalledTimes(2);
  });

  it('enabled: false reads nothing by itself; refresh() still reads', async () => {
    const fetchAttendance = vi.fn<FetchAttendanceFunction>(async () => inMeeting);
    const { result } = renderHook(() => useSessionAttendance(SESSION, { fetchAttendance, enabled: false }));
    await flush();
    expect(result.current.status).toBe('idle');
    expect(fetchAttendance).not.toHaveBeenCalled();
    await act(() => result.current.refresh());
    expect(result.current).toMatchObject({ status: 'success', attendance: inMeeting });
  });

  it('shows initialAttendance at once (also in the first render), then reads', async () => {
    const fresh = attendanceJson({ studentInMeeting: false, studentJoinedAt: at(3).toISOString() });
    const fetchAttendance = vi.fn<FetchAttendanceFunction>(async () => fresh);
    const renders: Array<SessionAttendanceJson | null> = [];
    renderHook(() => {
      const state = useSessionAttendance(SESSION, { fetchAttendance, initialAttendance: inMeeting });
      renders.push(state.attendance);
      return state;
    });
    expect(renders[0]).toEqual(inMeeting);
    await waitFor(() => expect(renders.at(-1)).toEqual(fresh));
  });

  it('a new sessionId starts over, and a late answer for the previous session is dropped', async () => {
    const answers = new Map<string, (value: SessionAttendanceJson) => void>();
    const fetchAttendance: FetchAttendanceFunction = (id) => new Promise((resolve) => answers.set(id, resolve));
    const { result, rerender } = renderHook(({ id }) => useSessionAttendance(id, { fetchAttendance }), { initialProps: { id: SESSION } });
    await flush();
    rerender({ id: OTHER });
    expect(result.current).toMatchObject({ status: 'loading', attendance: null });
    await act(async () => answers.get(SESSION)!(inMeeting));
    expect(result.current.attendance).toBeNull();
    const other = attendanceJson({}, OTHER);
    await act(async () => answers.get(OTHER)!(other));
    expect(result.current).toMatchObject({ status: 'success', attendance: other });
  });

  it('aborts the read in flight on unmount and never updates afterwards (StrictMode)', async () => {
    const signals: AbortSignal[] = [];
    const fetchAttendance: FetchAttendanceFunction = (_id, { signal }) => {
      signals.push(signal);
      return new Promise(() => {});
    };
    const errors = vi.spyOn(console, 'error');
    const { unmount } = renderHook(() => useSessionAttendance(SESSION, { fetchAttendance }), { wrapper: StrictMode });
    await flush();
    unmount();
    expect(signals.length).toBeGreaterThan(0);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(errors).not.toHaveBeenCalled();
  });
});

describe('SessionAttendanceStatus', () => {
  it('tells the tutor where the student stands, by the provider’s reports', () => {
    const { rerender } = render(<SessionAttendanceStatus attendance={inMeeting} role="tutor" />);
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent('The student is in the meeting.');
    expect(status).toHaveAttribute('data-itutor', 'attendance');
    expect(status).toHaveAttribute('data-state', 'in-meeting');
    expect(status).toHaveAttribute('data-subject', 'student');
    rerender(<SessionAttendanceStatus attendance={attendanceJson({ studentJoinedAt: at(3).toISOString() })} role="tutor" />);
    expect(screen.getByRole('status')).toHaveTextContent('The student has left the meeting.');
    rerender(<SessionAttendanceStatus attendance={attendanceJson()} role="tutor" />);
    expect(screen.getByRole('status')).toHaveTextContent('The video provider has not seen the student in the meeting yet.');
    expect(screen.getByRole('status')).toHaveAttribute('data-state', 'not-seen');
  });

  it('tells the student where the tutor stands; labels override the text', () => {
    render(<SessionAttendanceStatus attendance={inMeeting} role="student" labels={{ tutorInMeeting: 'Tu tutor está en la reunión.' }} className="host" />);
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent('Tu tutor está en la reunión.');
    expect(status).toHaveAttribute('data-subject', 'tutor');
    expect(status).toHaveClass('host');
  });

  it('renders nothing without attendance', () => {
    const { container } = render(<SessionAttendanceStatus attendance={null} role="tutor" />);
    expect(container).toBeEmptyDOMElement();
  });

  it('attendancePresence reads the summary of the other participant', () => {
    expect(attendancePresence(inMeeting.summary, 'tutor')).toBe('in-meeting');
    expect(attendancePresence(attendanceJson({ tutorJoinedAt: at(0).toISOString() }).summary, 'student')).toBe('left');
    expect(attendancePresence(attendanceJson({ studentInMeeting: true }).summary, 'student')).toBe('not-seen');
  });
});
