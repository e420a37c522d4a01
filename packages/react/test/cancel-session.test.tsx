import { DEFAULT_POLICY, SessionError, toSessionJson } from '@itutor/sessions-core';
import { cancellationQuote, toCancellationQuoteJson, type CancellationQuoteJson } from '@itutor/sessions-core/rules';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { CancelSessionButton, SessionClockProvider, type CancelSessionFunction, type FetchCancellationPreviewFunction } from '../src/index';
import { createManualSessionClock, type ManualSessionClock } from '../src/testing';
import { at, jsonResponse, makeSession } from './fixtures';

const publicSession = makeSession();
const session = toSessionJson(publicSession, { policy: DEFAULT_POLICY });
/** The student's cancellation at `now` under the default tiers (free from 24 h before, then 50 %), as the route answers it. */
const quoteAt = (now: Date): CancellationQuoteJson => toCancellationQuoteJson(cancellationQuote(publicSession, 'student', now));
const FREE = quoteAt(at(-1500)); // 25 h before: free until 24 h before
const LATE = quoteAt(at(-60)); // 1 h before: 50 %, TTD 75.00
const cancelledLate = toSessionJson(makeSession({ status: 'CANCELLED_LATE', version: 2, chargeAmountMinor: 7500, payoutAmountMinor: 6750, platformFeeMinor: 750 }), { policy: DEFAULT_POLICY });
const cancelledFree = toSessionJson(makeSession({ status: 'CANCELLED', version: 2 }), { policy: DEFAULT_POLICY });

const FREE_TEXT = 'Cancelling now is free: nothing is charged.';
const LATE_TEXT = /^You will be charged TTD\s75\.00 \(50%\)\.$/;
const CHANGED = 'The cancellation fee has changed. Check it and confirm again.';

function renderAt(now: Date | ManualSessionClock, ui: React.ReactElement) {
  const clock = now instanceof Date ? createManualSessionClock(now) : now;
  const utils = render(<SessionClockProvider clock={clock}>{ui}</SessionClockProvider>, { wrapper: 'main' as never });
  return { clock, ...utils, root: () => utils.container.querySelector('[data-itutor="cancel"]') };
}

async function axeViolations() {
  const result = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

const problem = (status: number, code: string, extra: Record<string, unknown> = {}) =>
  jsonResponse(status, { type: 'about:blank', title: 'Refused', status, detail: `${code} detail`, code, ...extra });
const trigger = () => screen.getByRole('button', { name: 'Cancel session', hidden: true });
const dialog = () => screen.queryByRole('dialog', { name: 'Cancel this session?' });
const description = () => dialog()!.querySelector('[data-itutor-part="description"]')!;
const confirmButton = () => dialog()!.querySelector<HTMLButtonElement>('[data-itutor-part="confirm"]')!;
const keep = () => screen.getByRole('button', { name: 'Keep the session' });
const flush = () => act(async () => {});

/** Routes `fetch` by URL: the preview answers come from `previews`, the cancellations from `cancels`, in order. */
function routeFetch(previews: Array<() => Response | Promise<Response>>, cancels: Array<() => Response | Promise<Response>> = []) {
  return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
    const next = String(input).endsWith('/cancellation') ? previews.shift() : cancels.shift();
    if (!next) throw new Error(`unexpected request ${String(input)}`);
    return next();
  });
}
const cancelBodies = (fetchMock: ReturnType<typeof routeFetch>) =>
  fetchMock.mock.calls.filter(([url]) => String(url).endsWith('/cancel')).map(([, init]) => JSON.parse(String(init!.body)));

describe('CancelSessionButton: the fee preview', () => {
  it('asks for the fee when the dialog opens (GET …/cancellation with cookies) and states it: free', async () => {
    const fetchMock = routeFetch([() => jsonResponse(200, { quote: FREE })]);
    const { root } = renderAt(at(-1500), <CancelSessionButton session={session} />);
    expect(root()).toHaveAttribute('data-state', 'available');
    expect(fetchMock).not.toHaveBeenCalled(); // nothing is asked before the dialog opens
    fireEvent.click(trigger());
    expect(root()).toHaveAttribute('data-state', 'loading');
    expect(description()).toHaveTextContent('Checking the cancellation fee…');
    expect(dialog()).toHaveAttribute('aria-busy', 'true');
    await flush();
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(`/api/sessions/${session.id}/cancellation`);
    expect(init).toMatchObject({ credentials: 'same-origin' });
    expect(init?.method ?? 'GET').toBe('GET');
    expect(dialog()).toHaveAccessibleDescription(FREE_TEXT);
    expect(root()).toHaveAttribute('data-state', 'ready');
    expect(confirmButton()).not.toHaveAttribute('aria-disabled');
    expect(await axeViolations()).toEqual([]);
  });

  it('states a fee with formatMoney and its share, in a polite live region', async () => {
    routeFetch([() => jsonResponse(200, { quote: LATE })]);
    renderAt(at(-60), <CancelSessionButton session={session} defaultOpen />);
    await flush();
    expect(description()).toHaveTextContent(LATE_TEXT);
    expect(description()).toHaveAttribute('aria-live', 'polite');
  });

  it('formats for the host’s locale and takes its labels', async () => {
    routeFetch([() => jsonResponse(200, { quote: LATE })]);
    renderAt(at(-60), <CancelSessionButton session={session} defaultOpen locale="fr-FR" labels={{ cancelFee: (fee, percent) => `Frais : ${fee} (${percent})` }} />);
    await flush();
    expect(description()).toHaveTextContent(/^Frais : 75,00\sTTD \(50\s%\)$/);
  });

  it('while loading, Confirm is focusable but does nothing (no fee the user has not seen)', async () => {
    let answer!: (r: Response) => void;
    const fetchMock = routeFetch([() => new Promise((r) => (answer = r))]);
    renderAt(at(-60), <CancelSessionButton session={session} defaultOpen />);
    expect(confirmButton()).toHaveAttribute('aria-disabled', 'true');
    expect(confirmButton()).not.toBeDisabled();
    fireEvent.click(confirmButton());
    await flush();
    expect(fetchMock).toHaveBeenCalledTimes(1); // the preview only
    await act(async () => answer(jsonResponse(200, { quote: LATE })));
    expect(description()).toHaveTextContent(LATE_TEXT);
  });

  it('a failed preview says so with the server’s words, offers Try again (focused), and Confirm stays inert', async () => {
    const fetchMock = routeFetch([() => problem(500, 'INTERNAL'), () => jsonResponse(200, { quote: LATE })]);
    const { root } = renderAt(at(-60), <CancelSessionButton session={session} defaultOpen />);
    await flush();
    expect(root()).toHaveAttribute('data-state', 'preview-error');
    expect(screen.getByRole('alert')).toHaveTextContent('The cancellation fee could not be checked. INTERNAL detail');
    const retry = screen.getByRole('button', { name: 'Try again' });
    await waitFor(() => expect(retry).toHaveFocus());
    fireEvent.click(confirmButton());
    expect(cancelBodies(fetchMock)).toEqual([]);
    expect(await axeViolations()).toEqual([]);
    fireEvent.click(retry);
    await flush();
    expect(description()).toHaveTextContent(LATE_TEXT);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull();
  });

  it('a malformed preview (no whole fee) is a failed preview, never a fee to confirm', async () => {
    for (const body of [{ quote: { ...LATE, chargeMinor: '7500' } }, { quote: null }, {}]) {
      const fetchMock = routeFetch([() => jsonResponse(200, body)]);
      const { unmount, root } = renderAt(at(-60), <CancelSessionButton session={session} defaultOpen />);
      await flush();
      expect(root()).toHaveAttribute('data-state', 'preview-error');
      fireEvent.click(confirmButton());
      expect(cancelBodies(fetchMock)).toEqual([]);
      unmount();
      fetchMock.mockRestore();
    }
  });

  it('refuses with TOO_LATE from the preview (the session started by the server’s clock): Confirm disabled, focus on Keep', async () => {
    routeFetch([() => problem(409, 'TOO_LATE')]);
    const { root } = renderAt(at(-1), <CancelSessionButton session={session} defaultOpen />);
    await flush();
    expect(root()).toHaveAttribute('data-state', 'refused');
    expect(screen.getByRole('alert')).toHaveTextContent('This session has started: it can no longer be cancelled.');
    expect(confirmButton()).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull();
    await waitFor(() => expect(keep()).toHaveFocus());
  });

  it('closing drops the preview in flight (its request is aborted and a late answer is ignored); reopening asks again', async () => {
    const signals: AbortSignal[] = [];
    const answers: Array<(q: CancellationQuoteJson) => void> = [];
    const fetchCancellationPreview: FetchCancellationPreviewFunction = (_id, { signal }) => {
      signals.push(signal);
      return new Promise((r) => answers.push(r));
    };
    renderAt(at(-60), <CancelSessionButton session={session} fetchCancellationPreview={fetchCancellationPreview} />);
    fireEvent.click(trigger());
    fireEvent.click(keep());
    expect(signals[0]!.aborted).toBe(true);
    fireEvent.click(trigger());
    expect(signals).toHaveLength(2);
    await act(async () => answers[0]!(FREE)); // the first, late: not shown
    expect(description()).toHaveTextContent('Checking the cancellation fee…');
    await act(async () => answers[1]!(LATE));
    expect(description()).toHaveTextContent(LATE_TEXT);
  });
});

describe('CancelSessionButton: the fee changes while the dialog is open', () => {
  it('asks again when the shared clock passes validUntil, and announces the new fee', async () => {
    const clock = createManualSessionClock(at(-1440, -10)); // 10 s before the free tier ends
    const fetchCancellationPreview = vi.fn(async () => quoteAt(clock.now()));
    const { root } = renderAt(clock, <CancelSessionButton session={session} fetchCancellationPreview={fetchCancellationPreview} defaultOpen />);
    await flush();
    expect(description()).toHaveTextContent(FREE_TEXT);
    act(() => clock.advance({ seconds: 10 })); // at validUntil: the quote still holds
    await flush();
    expect(fetchCancellationPreview).toHaveBeenCalledTimes(1);
    act(() => clock.advance({ seconds: 1 }));
    await flush();
    expect(fetchCancellationPreview).toHaveBeenCalledTimes(2);
    expect(description()).toHaveTextContent(LATE_TEXT);
    expect(screen.getByRole('alert')).toHaveTextContent(CHANGED);
    expect(root()).toHaveAttribute('data-state', 'ready');
  });

  it('asks once per quote: a server whose clock is behind answers the same quote, and is not asked again and again', async () => {
    const clock = createManualSessionClock(at(-1440, -5));
    const fetchCancellationPreview = vi.fn(async () => FREE);
    renderAt(clock, <CancelSessionButton session={session} fetchCancellationPreview={fetchCancellationPreview} defaultOpen />);
    await flush();
    act(() => clock.advance({ seconds: 6 }));
    await flush();
    act(() => clock.advance({ seconds: 30 }));
    await flush();
    expect(fetchCancellationPreview).toHaveBeenCalledTimes(2);
    expect(description()).toHaveTextContent(FREE_TEXT);
    // Same fee: nothing to announce.
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('CancelSessionButton: confirming', () => {
  it('posts cancel with expectedChargeMinor = the fee shown (and the reason), then "Session cancelled." with focus and onCancelled', async () => {
    let resolve!: (r: Response) => void;
    const fetchMock = routeFetch([() => jsonResponse(200, { quote: LATE })], [() => new Promise((r) => (resolve = r))]);
    const onCancelled = vi.fn();
    const onOpenChange = vi.fn();
    const { root } = renderAt(at(-60), <CancelSessionButton session={session} reason="  Sick  " onCancelled={onCancelled} onOpenChange={onOpenChange} />);
    fireEvent.click(trigger());
    await flush();
    const confirm = confirmButton();
    fireEvent.click(confirm);
    fireEvent.click(confirm);
    expect(cancelBodies(fetchMock)).toEqual([{ expectedChargeMinor: 7500, reason: 'Sick' }]);
    const [url, init] = fetchMock.mock.calls.at(-1)!;
    expect(url).toBe(`/api/sessions/${session.id}/cancel`);
    expect(init).toMatchObject({ method: 'POST', credentials: 'same-origin' });
    expect(confirm).toHaveAccessibleName('Cancelling…');
    expect(confirm).toHaveAttribute('aria-busy', 'true');
    expect(keep()).toBeDisabled();
    expect(root()).toHaveAttribute('data-state', 'pending');
    fireEvent.keyDown(dialog()!, { key: 'Escape' });
    expect(dialog()).toBeInTheDocument();
    await act(async () => resolve(jsonResponse(200, { session: cancelledLate })));
    expect(onCancelled).toHaveBeenCalledTimes(1);
    expect(onCancelled.mock.calls[0]![0]).toMatchObject({ status: 'CANCELLED_LATE', chargeAmountMinor: 7500 });
    expect(onCancelled.mock.calls[0]![0].scheduledStartAt).toBeInstanceOf(Date);
    expect(onOpenChange).toHaveBeenLastCalledWith(false);
    expect(dialog()).toBeNull();
    const done = screen.getByRole('status');
    expect(done).toHaveTextContent('Session cancelled.');
    expect(done).toHaveAttribute('data-state', 'done');
    await waitFor(() => expect(done).toHaveFocus());
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toHaveFocus();
  });

  it('a free cancellation posts expectedChargeMinor 0', async () => {
    const fetchMock = routeFetch([() => jsonResponse(200, { quote: FREE })], [() => jsonResponse(200, { session: cancelledFree })]);
    renderAt(at(-1500), <CancelSessionButton session={session} defaultOpen />);
    await flush();
    await act(async () => fireEvent.click(confirmButton()));
    expect(cancelBodies(fetchMock)).toEqual([{ expectedChargeMinor: 0 }]);
    expect(screen.getByRole('status')).toHaveTextContent('Session cancelled.');
  });

  it('on 409 CANCELLATION_FEE_CHANGED shows the new fee from details.quote and asks to confirm again; only the second confirm charges it', async () => {
    const fetchMock = routeFetch(
      [() => jsonResponse(200, { quote: FREE })],
      [() => problem(409, 'CANCELLATION_FEE_CHANGED', { quote: LATE }), () => jsonResponse(200, { session: cancelledLate })],
    );
    const onError = vi.fn();
    const onCancelled = vi.fn();
    const { root } = renderAt(at(-1500), <CancelSessionButton session={session} defaultOpen onError={onError} onCancelled={onCancelled} />);
    await flush();
    expect(description()).toHaveTextContent(FREE_TEXT);
    await act(async () => fireEvent.click(confirmButton()));
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'CANCELLATION_FEE_CHANGED' }));
    expect(onCancelled).not.toHaveBeenCalled();
    expect(description()).toHaveTextContent(LATE_TEXT);
    expect(screen.getByRole('alert')).toHaveTextContent(CHANGED);
    expect(root()).toHaveAttribute('data-state', 'ready');
    await waitFor(() => expect(confirmButton()).toHaveFocus());
    // Nothing more was posted on its own: the new fee waits for the user.
    expect(cancelBodies(fetchMock)).toEqual([{ expectedChargeMinor: 0 }]);
    expect(await axeViolations()).toEqual([]);
    await act(async () => fireEvent.click(confirmButton()));
    expect(cancelBodies(fetchMock)).toEqual([{ expectedChargeMinor: 0 }, { expectedChargeMinor: 7500 }]);
    expect(onCancelled).toHaveBeenCalledWith(expect.objectContaining({ status: 'CANCELLED_LATE' }));
  });

  it('on CANCELLATION_FEE_CHANGED without a quote (a host function’s error), asks for the fee again', async () => {
    const fetchCancellationPreview = vi.fn<FetchCancellationPreviewFunction>().mockResolvedValueOnce(FREE).mockResolvedValueOnce(LATE);
    const cancelSession = vi.fn<CancelSessionFunction>().mockRejectedValueOnce(new SessionError('CANCELLATION_FEE_CHANGED', 'changed'));
    renderAt(at(-1500), <CancelSessionButton session={session} defaultOpen fetchCancellationPreview={fetchCancellationPreview} cancelSession={cancelSession} />);
    await flush();
    await act(async () => fireEvent.click(confirmButton()));
    await flush();
    expect(cancelSession).toHaveBeenCalledWith(session.id, { expectedChargeMinor: 0 });
    expect(fetchCancellationPreview).toHaveBeenCalledTimes(2);
    expect(description()).toHaveTextContent(LATE_TEXT);
    expect(screen.getByRole('alert')).toHaveTextContent(CHANGED);
    expect(cancelSession).toHaveBeenCalledTimes(1);
  });

  it('a core SessionError carrying the quote with a Date validUntil (a host function) works the same', async () => {
    const live = cancellationQuote(publicSession, 'student', at(-60));
    const cancelSession = vi.fn<CancelSessionFunction>().mockRejectedValueOnce(new SessionError('CANCELLATION_FEE_CHANGED', 'changed', { quote: live }));
    renderAt(at(-60), <CancelSessionButton session={session} defaultOpen fetchCancellationPreview={async () => FREE} cancelSession={cancelSession} />);
    await flush();
    await act(async () => fireEvent.click(confirmButton()));
    expect(description()).toHaveTextContent(LATE_TEXT);
  });

  it('refuses with SESSION_FINAL from the cancel: says so, Confirm disabled, focus on Keep', async () => {
    routeFetch([() => jsonResponse(200, { quote: LATE })], [() => problem(409, 'SESSION_FINAL')]);
    const { root } = renderAt(at(-60), <CancelSessionButton session={session} defaultOpen />);
    await flush();
    await act(async () => fireEvent.click(confirmButton()));
    expect(root()).toHaveAttribute('data-state', 'refused');
    expect(screen.getByRole('alert')).toHaveTextContent('This session has already ended or been cancelled.');
    expect(confirmButton()).toBeDisabled();
    await waitFor(() => expect(keep()).toHaveFocus());
  });

  it('another failure shows the server’s words and lets the user confirm again (focus on Confirm)', async () => {
    const fetchMock = routeFetch([() => jsonResponse(200, { quote: LATE })], [() => Promise.reject(new TypeError('Failed to fetch')), () => jsonResponse(200, { session: cancelledLate })]);
    const { root } = renderAt(at(-60), <CancelSessionButton session={session} defaultOpen />);
    await flush();
    await act(async () => fireEvent.click(confirmButton()));
    expect(root()).toHaveAttribute('data-state', 'error');
    expect(screen.getByRole('alert')).toHaveTextContent('Failed to fetch');
    await waitFor(() => expect(confirmButton()).toHaveFocus());
    await act(async () => fireEvent.click(confirmButton()));
    expect(cancelBodies(fetchMock)).toEqual([{ expectedChargeMinor: 7500 }, { expectedChargeMinor: 7500 }]);
    expect(screen.getByRole('status')).toHaveTextContent('Session cancelled.');
  });

  it('a closed dialog forgets its fee and its failure: reopening shows neither before the new answer', async () => {
    let answer!: (r: Response) => void;
    routeFetch([() => jsonResponse(200, { quote: FREE }), () => new Promise((r) => (answer = r))], [() => problem(500, 'INTERNAL')]);
    renderAt(at(-1500), <CancelSessionButton session={session} />);
    fireEvent.click(trigger());
    await flush();
    await act(async () => fireEvent.click(confirmButton()));
    expect(screen.getByRole('alert')).toHaveTextContent('INTERNAL detail');
    fireEvent.click(keep());
    fireEvent.click(trigger());
    expect(description()).toHaveTextContent('Checking the cancellation fee…');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(confirmButton()).toHaveAttribute('aria-disabled', 'true');
    await act(async () => answer(jsonResponse(200, { quote: FREE })));
    expect(description()).toHaveTextContent(FREE_TEXT);
  });

  it('works from the keyboard: Enter opens (focus on Keep), Tab to Confirm, Enter cancels', async () => {
    const user = userEvent.setup();
    const fetchMock = routeFetch([() => jsonResponse(200, { quote: LATE })], [() => jsonResponse(200, { session: cancelledLate })]);
    renderAt(at(-60), <CancelSessionButton session={session} />);
    await user.tab();
    expect(trigger()).toHaveFocus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(keep()).toHaveFocus());
    await waitFor(() => expect(description()).toHaveTextContent(LATE_TEXT));
    await user.tab();
    expect(confirmButton()).toHaveFocus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('Session cancelled.'));
    expect(cancelBodies(fetchMock)).toEqual([{ expectedChargeMinor: 7500 }]);
  });
});

describe('CancelSessionButton: when there is nothing to cancel', () => {
  it('renders nothing for a final session, and nothing once the session has started', () => {
    for (const status of ['CANCELLED', 'CANCELLED_LATE', 'NO_SHOW_TUTOR'] as const) {
      const { container, unmount } = renderAt(at(-60), <CancelSessionButton session={makeSession({ status })} />);
      expect(container.querySelector('main')).toBeEmptyDOMElement();
      unmount();
    }
    const { clock, container } = renderAt(at(0, -1), <CancelSessionButton session={session} />);
    expect(trigger()).toBeEnabled();
    act(() => clock.advance({ seconds: 1 }));
    expect(container.querySelector('main')).toBeEmptyDOMElement();
  });

  it('is disabled (data-state unknown) in a server render without initialNow', () => {
    const html = renderToString(
      <SessionClockProvider clock={createManualSessionClock(at(-60))}>
        <CancelSessionButton session={session} />
      </SessionClockProvider>,
    );
    expect(html).toContain('data-state="unknown"');
    expect(html).toMatch(/<button[^>]*data-itutor-part="button"[^>]*disabled=""/);
  });
});
