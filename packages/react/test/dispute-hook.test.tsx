import { act, renderHook, waitFor } from '@testing-library/react';
import fc from 'fast-check';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { SessionClockProvider } from '../src/index';
import { parseMoneyInput, useDispute, type UseDisputeOptions } from '../src/disputes';
import { createManualSessionClock } from '../src/testing';
import { DISPUTE_SESSION_ID, OPENED_AT, disputeView, fakeDisputeFetch, type FakeAnswer } from './dispute-fixtures';

describe('parseMoneyInput: a typed amount in major units as whole minor units, without floats', () => {
  it.each([
    ['75', 7500],
    ['75.5', 7550],
    ['75.50', 7550],
    ['75,50', 7550],
    ['0.29', 29], // 0.29 * 100 is 28.999999999999996 as a float
    ['1.13', 113],
    ['4.35', 435],
    ['.5', 50],
    ['75.', 7500],
    ['  12 ', 1200],
    ['0', 0],
    ['007.10', 710],
    ['90071992547409.91', Number.MAX_SAFE_INTEGER],
  ])('%j → %d', (text, minor) => {
    expect(parseMoneyInput(text)).toBe(minor);
  });

  it.each(['', ' ', '.', ',', '-1', '+1', '1e3', '1.005', '1,500.00', '1 500', '1.2.3', 'TTD 5', '5$', 'NaN', 'Infinity', '0x10', '90071992547409.92', '99999999999999999999'])(
    '%j → null (asked again, never guessed)',
    (text) => {
      expect(parseMoneyInput(text)).toBeNull();
    },
  );

  it('reads back every amount written with two decimals, exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom('.', ','), (minor, separator) => {
        const text = `${Math.floor(minor / 100)}${separator}${String(minor % 100).padStart(2, '0')}`;
        expect(parseMoneyInput(text)).toBe(minor);
      }),
    );
  });
});

const wrapper = ({ children }: { children: ReactNode }) => (
  <SessionClockProvider clock={createManualSessionClock(OPENED_AT)} basePath="/platform/api">
    {children}
  </SessionClockProvider>
);

function renderDispute(routes: Parameters<typeof fakeDisputeFetch>[0], options: UseDisputeOptions = {}, sessionId = DISPUTE_SESSION_ID) {
  const fetch = fakeDisputeFetch(routes);
  const utils = renderHook(({ id }) => useDispute(id, { fetch, ...options }), { wrapper, initialProps: { id: sessionId } });
  return { fetch, ...utils };
}

/** A fake answer released by hand. */
function deferred() {
  let release!: (answer: FakeAnswer) => void;
  const promise = new Promise<FakeAnswer>((r) => (release = r));
  return { promise, release };
}

describe('useDispute: the read', () => {
  it('reads GET {basePath}/sessions/{id}/dispute with cookies (base path from the provider): loading, then ready', async () => {
    const view = disputeView('open', 'tutor');
    const { result, fetch } = renderDispute({ 'GET dispute': view });
    expect(result.current).toMatchObject({ view: null, status: 'loading', error: null, pending: false, actionError: null });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    expect(result.current.view).toEqual(view);
    expect(fetch.requests).toEqual([
      expect.objectContaining({ method: 'GET', url: `/platform/api/sessions/${DISPUTE_SESSION_ID}/dispute`, credentials: 'same-origin' }),
    ]);
  });

  it('a failed read is an error with its code; refresh() reads again', async () => {
    const onError = vi.fn();
    const { result, fetch } = renderDispute(
      { 'GET dispute': [{ status: 403, code: 'NOT_SESSION_PARTICIPANT' }, disputeView('none', 'student')] },
      { onError },
    );
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error).toMatchObject({ code: 'NOT_SESSION_PARTICIPANT', details: { httpStatus: 403 } });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'NOT_SESSION_PARTICIPANT' }));
    await act(() => result.current.refresh());
    expect(result.current).toMatchObject({ status: 'ready', error: null, view: { canOpen: true } });
    expect(fetch.requests).toHaveLength(2);
  });

  it('a failed read keeps the view it had', async () => {
    const { result } = renderDispute({ 'GET dispute': [disputeView('open', 'tutor'), 'offline'] });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    await act(() => result.current.refresh());
    expect(result.current.status).toBe('error');
    expect(result.current.error?.code).toBe('REQUEST_FAILED');
    expect(result.current.view?.dispute?.status).toBe('open');
  });

  it('shows initialView at once; enabled: false reads nothing until refresh()', async () => {
    const initialView = disputeView('offered', 'student');
    const { result, fetch } = renderDispute({ 'GET dispute': disputeView('contested', 'student') }, { initialView, enabled: false });
    expect(result.current).toMatchObject({ view: initialView, status: 'ready' });
    await act(async () => {});
    expect(fetch.requests).toEqual([]);
    await act(() => result.current.refresh());
    expect(result.current.view?.dispute?.status).toBe('contested');
  });

  it('a new sessionId starts over and drops a late answer for the previous one', async () => {
    const late = deferred();
    const { result, rerender } = renderDispute({ 'GET dispute': [late.promise, disputeView('open', 'tutor', { sessionId: 'session-2' })] });
    rerender({ id: 'session-2' });
    await waitFor(() => expect(result.current.view?.sessionId).toBe('session-2'));
    await act(async () => late.release(disputeView('open', 'tutor')));
    expect(result.current.view?.sessionId).toBe('session-2');
  });
});

describe('useDispute: the writes', () => {
  it('open posts { reason, message } (trimmed) to …/dispute; the 201 view replaces the old one', async () => {
    const onChange = vi.fn();
    const { result, fetch } = renderDispute({ 'GET dispute': disputeView('none', 'student'), 'POST dispute': disputeView('open', 'student') }, { onChange });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    let outcome: Awaited<ReturnType<typeof result.current.open>> = null;
    await act(async () => {
      outcome = await result.current.open({ reason: 'ended_early', message: '  The tutor left after 20 minutes.\n' });
    });
    expect(outcome).toMatchObject({ status: 'succeeded', result: { dispute: { status: 'open' } } });
    expect(fetch.requests[1]).toMatchObject({ method: 'POST', url: `/platform/api/sessions/${DISPUTE_SESSION_ID}/dispute` });
    expect(fetch.requests[1]!.body).toEqual({ reason: 'ended_early', message: 'The tutor left after 20 minutes.' });
    expect(result.current.view).toMatchObject({ canOpen: false, dispute: { status: 'open' } });
    expect(onChange).toHaveBeenCalledWith(result.current.view);
  });

  it.each([
    ['accept', {}, 'dispute/accept', {}],
    ['offer', { amountMinor: 7_550, message: ' Half back? ' }, 'dispute/offer', { amountMinor: 7_550, message: 'Half back?' }],
    ['contest', { message: 'It ran the full hour.' }, 'dispute/contest', { message: 'It ran the full hour.' }],
    ['accept_offer', {}, 'dispute/accept-offer', {}],
    ['decline_offer', { message: '   ' }, 'dispute/decline-offer', {}],
    ['resolve', { resolution: 'partial_refund', amountMinor: 5_000, message: 'A third.' }, 'dispute/resolve', { resolution: 'partial_refund', amountMinor: 5_000, message: 'A third.' }],
  ] as const)('act(%j, %j) posts to …/%s, sending %j (an empty optional message left out)', async (step, body, route, sent) => {
    const after = disputeView('resolved', 'platform');
    const { result, fetch } = renderDispute({ 'GET dispute': disputeView('offered', 'platform'), [`POST ${route}`]: after });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    await act(() => result.current.act(step, body as never));
    expect(fetch.requests[1]).toMatchObject({ method: 'POST', route });
    expect(fetch.requests[1]!.body).toEqual(sent);
    expect(result.current.view).toEqual(after);
  });

  it('one write at a time: pending while it runs, a second call resolves null without a request', async () => {
    const answer = deferred();
    const { result, fetch } = renderDispute({ 'GET dispute': disputeView('open', 'tutor'), 'POST dispute/accept': () => answer.promise });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    let first!: ReturnType<typeof result.current.act>;
    act(() => void (first = result.current.act('accept', {})));
    expect(result.current.pending).toBe(true);
    let second: unknown;
    await act(async () => void (second = await result.current.act('contest', { message: 'No.' })));
    expect(second).toBeNull();
    await act(async () => answer.release(disputeView('resolved', 'tutor')));
    await act(async () => void (await first));
    expect(result.current.pending).toBe(false);
    expect(fetch.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a stale refusal (DISPUTE_RESOLVED) is the action error, and the view is read again so the steps match', async () => {
    const onError = vi.fn();
    const { result, fetch } = renderDispute(
      { 'GET dispute': [disputeView('offered', 'tutor'), disputeView('resolved', 'tutor')], 'POST dispute/offer': { status: 409, code: 'DISPUTE_RESOLVED' } },
      { onError },
    );
    await waitFor(() => expect(result.current.status).toBe('ready'));
    let outcome: unknown;
    await act(async () => void (outcome = await result.current.act('offer', { amountMinor: 5_000 })));
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'DISPUTE_RESOLVED' } });
    expect(result.current.actionError?.code).toBe('DISPUTE_RESOLVED');
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'DISPUTE_RESOLVED' }));
    await waitFor(() => expect(result.current.view?.dispute?.status).toBe('resolved'));
    expect(result.current.view?.allowedSteps).toEqual([]);
    expect(fetch.requests.map((r) => `${r.method} ${r.route}`)).toEqual(['GET dispute', 'POST dispute/offer', 'GET dispute']);
  });

  it('a refusal that says nothing about the view (PAYOUT_IN_FLIGHT, INVALID_INPUT) is not followed by a read', async () => {
    const { result, fetch } = renderDispute({
      'GET dispute': disputeView('open', 'tutor'),
      'POST dispute/accept': { status: 409, code: 'PAYOUT_IN_FLIGHT' },
      'POST dispute/offer': { status: 400, code: 'INVALID_INPUT', issues: [{ path: 'amountMinor', message: 'must be at least 1' }] },
    });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    await act(() => result.current.act('accept', {}));
    expect(result.current.actionError?.code).toBe('PAYOUT_IN_FLIGHT');
    await act(() => result.current.act('offer', { amountMinor: 0 }));
    expect(result.current.actionError).toMatchObject({ code: 'INVALID_INPUT', details: { issues: [{ path: 'amountMinor', message: 'must be at least 1' }] } });
    await act(async () => {});
    expect(fetch.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
    expect(result.current.view?.dispute?.status).toBe('open');
  });

  it('a write answered while an older read is in flight wins: the read’s late answer is dropped', async () => {
    const slowRead = deferred();
    const { result } = renderDispute({
      'GET dispute': [disputeView('open', 'tutor'), slowRead.promise ],
      'POST dispute/contest': disputeView('contested', 'tutor'),
    });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    let reading!: Promise<void>;
    act(() => void (reading = result.current.refresh()));
    await act(() => result.current.act('contest', { message: 'It ran the full hour.' }));
    expect(result.current.view?.dispute?.status).toBe('contested');
    await act(async () => {
      slowRead.release(disputeView('open', 'tutor'));
      await reading;
    });
    expect(result.current.view?.dispute?.status).toBe('contested');
  });

  it('an answer without a view is a failed request, never an empty dispute', async () => {
    const fetch = Object.assign(
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) =>
        init?.method === 'POST' ? new Response('{}', { status: 200 }) : new Response(JSON.stringify({ view: disputeView('open', 'tutor') }), { status: 200 }),
      ),
      { requests: [] },
    );
    const { result } = renderHook(() => useDispute(DISPUTE_SESSION_ID, { fetch: fetch as never }), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    await act(() => result.current.act('accept', {}));
    expect(result.current.actionError?.code).toBe('REQUEST_FAILED');
    expect(result.current.view?.dispute?.status).toBe('open');
  });
});
