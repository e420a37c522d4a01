import { DEFAULT_POLICY, SessionError, isSessionError, toSessionJson } from '@itutor/sessions-core';
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { SessionClockProvider, useRescheduleSession, type RescheduleSessionFunction } from '../src/index';
import { createManualSessionClock } from '../src/testing';
import { at, jsonResponse, makeSession } from './fixtures';

const ID = '00000000-0000-4000-8000-000000000001'; // the fixture session's id
const NEW_START = new Date('2026-01-20T15:00:00.000Z');
const moved = toSessionJson(makeSession({ scheduledStartAt: NEW_START, version: 2 }), { policy: DEFAULT_POLICY });
const problem = (status: number, code: string, detail: string, headers: Record<string, string> = {}) =>
  jsonResponse(status, { type: 'about:blank', title: 'Refused', status, detail, code }, headers);

const clock = createManualSessionClock(at(-3 * 24 * 60)); // three days before the start
const wrapper = ({ children }: { children: ReactNode }) => (
  <SessionClockProvider clock={clock} basePath="/v1">
    {children}
  </SessionClockProvider>
);

describe('useRescheduleSession', () => {
  it('posts { startAt: ISO, reason } to {basePath}/sessions/{id}/reschedule and returns the moved session', async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse(200, { session: moved }));
    const onSuccess = vi.fn();
    const { result } = renderHook(() => useRescheduleSession(ID, { onSuccess }), { wrapper });
    expect(result.current).toMatchObject({ status: 'idle', pending: false, error: null, session: null, retryAt: null });
    let returned: unknown;
    await act(async () => {
      returned = await result.current.reschedule(NEW_START, '  Exams  ');
    });
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(`/v1/sessions/${ID}/reschedule`);
    expect(init).toMatchObject({ method: 'POST', credentials: 'same-origin' });
    expect(JSON.parse(String(init!.body))).toEqual({ startAt: '2026-01-20T15:00:00.000Z', reason: 'Exams' });
    expect(result.current.status).toBe('succeeded');
    expect(result.current.session).toMatchObject({ id: ID, version: 2 });
    expect(result.current.session!.scheduledStartAt).toEqual(NEW_START);
    expect(returned).toEqual(result.current.session);
    expect(onSuccess).toHaveBeenCalledWith(result.current.session);
  });

  it('is pending while the request runs, and a second call then does nothing', async () => {
    let resolve!: (r: Response) => void;
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockImplementation(() => new Promise((r) => (resolve = r)));
    const { result } = renderHook(() => useRescheduleSession(ID), { wrapper });
    let first!: Promise<unknown>;
    act(() => {
      first = result.current.reschedule(NEW_START);
    });
    expect(result.current).toMatchObject({ status: 'pending', pending: true });
    let second: unknown = 'not settled';
    await act(async () => {
      second = await result.current.reschedule(new Date('2026-01-21T15:00:00.000Z'));
    });
    expect(second).toBeUndefined();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await act(async () => {
      resolve(jsonResponse(200, { session: moved }));
      await first;
    });
    expect(result.current.status).toBe('succeeded');
  });

  it('surfaces TOO_LATE as a SessionError (not thrown), with the server’s words and status', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(
      problem(409, 'TOO_LATE', 'A session can only be rescheduled up to 1440 minutes before its start, before anyone joined'),
    );
    const onError = vi.fn();
    const { result } = renderHook(() => useRescheduleSession(ID, { onError }), { wrapper });
    await act(async () => {
      expect(await result.current.reschedule(NEW_START)).toBeUndefined();
    });
    const error = result.current.error!;
    expect(isSessionError(error, 'TOO_LATE')).toBe(true);
    expect(error.message).toMatch(/up to 1440 minutes before its start/);
    expect(error.details.httpStatus).toBe(409);
    expect(result.current).toMatchObject({ status: 'failed', session: null, retryAt: null });
    expect(onError).toHaveBeenCalledWith(error);
  });

  it('keeps the details a host function’s SessionError carries (TOO_LATE with availableUntil)', async () => {
    const reschedule = vi.fn<RescheduleSessionFunction>(async () => {
      throw new SessionError('TOO_LATE', 'Too late to move', { availableUntil: at(-1440) });
    });
    const { result } = renderHook(() => useRescheduleSession(ID, { reschedule }), { wrapper });
    await act(async () => void (await result.current.reschedule(NEW_START)));
    expect(reschedule).toHaveBeenCalledWith(ID, { startAt: NEW_START.toISOString() });
    expect(result.current.error).toMatchObject({ code: 'TOO_LATE', details: { availableUntil: at(-1440) } });
  });

  it('surfaces the server’s INVALID_INPUT (a new start too soon)', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(problem(400, 'INVALID_INPUT', 'The new start must be at least 1440 minutes ahead'));
    const { result } = renderHook(() => useRescheduleSession(ID), { wrapper });
    await act(async () => void (await result.current.reschedule(at(-3 * 24 * 60 + 60))));
    expect(result.current.error).toMatchObject({ code: 'INVALID_INPUT', message: 'The new start must be at least 1440 minutes ahead', details: { httpStatus: 400 } });
  });

  it('refuses an invalid Date with INVALID_INPUT without a request', async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch');
    const onError = vi.fn();
    const { result } = renderHook(() => useRescheduleSession(ID, { onError }), { wrapper });
    await act(async () => void (await result.current.reschedule(new Date('not a date'))));
    expect(fetchMock).not.toHaveBeenCalled();
    expect(isSessionError(result.current.error, 'INVALID_INPUT')).toBe(true);
    expect(onError).toHaveBeenCalledTimes(1);
    // Nothing to retry: no request was made.
    await act(async () => expect(await result.current.retry()).toBeUndefined());
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('PROVIDER_UNAVAILABLE: retryAt from Retry-After on the shared clock, and retry() repeats the same request', async () => {
    const fetchMock = vi
      .spyOn(globalThis, 'fetch')
      .mockResolvedValueOnce(problem(503, 'PROVIDER_UNAVAILABLE', 'The video provider (zoom) failed while moving the meeting; try again shortly', { 'retry-after': '30' }))
      .mockResolvedValueOnce(jsonResponse(200, { session: moved }));
    const { result } = renderHook(() => useRescheduleSession(ID), { wrapper });
    await act(async () => void (await result.current.reschedule(NEW_START, 'Exams')));
    expect(result.current.error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: { httpStatus: 503 } });
    expect(result.current.retryAt).toEqual(new Date(clock.now().getTime() + 30_000));
    await act(async () => void (await result.current.retry()));
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(fetchMock.mock.calls[1]![1]!.body).toBe(fetchMock.mock.calls[0]![1]!.body);
    expect(result.current).toMatchObject({ status: 'succeeded', error: null, retryAt: null });
  });

  it('a failed request (no answer) is REQUEST_FAILED', async () => {
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('Failed to fetch'));
    const { result } = renderHook(() => useRescheduleSession(ID), { wrapper });
    await act(async () => void (await result.current.reschedule(NEW_START)));
    expect(result.current.error).toMatchObject({ code: 'REQUEST_FAILED', message: 'Failed to fetch' });
  });

  it('starts over for another session id', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse(200, { session: moved }));
    const { result, rerender } = renderHook(({ id }) => useRescheduleSession(id), { wrapper, initialProps: { id: ID } });
    await act(async () => void (await result.current.reschedule(NEW_START)));
    expect(result.current.status).toBe('succeeded');
    rerender({ id: '00000000-0000-4000-8000-000000000002' });
    expect(result.current).toMatchObject({ status: 'idle', session: null });
  });
});
