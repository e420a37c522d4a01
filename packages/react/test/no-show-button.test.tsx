import { DEFAULT_POLICY, definePolicy, toSessionJson } from '@itutor/sessions-core';
import { formatMoney } from '@itutor/sessions-core/rules';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import axe from 'axe-core';
import { describe, expect, it, vi } from 'vitest';
import { MarkNoShowButton, SessionClockProvider } from '../src/index';
import { createManualSessionClock } from '../src/testing';
import { at, jsonResponse, makeSession } from './fixtures';

// The tutor joined through our Join button before the start: the presence rule lets them mark a no-show.
const session = makeSession({ tutorJoinedAt: at(-2) });
const json = toSessionJson(session, { policy: DEFAULT_POLICY });
const settled = toSessionJson(
  makeSession({ status: 'NO_SHOW_STUDENT', version: 2, finalizedAt: at(19), chargeAmountMinor: 7500, payoutAmountMinor: 6750, platformFeeMinor: 750 }),
  { policy: DEFAULT_POLICY },
);

function renderAt(now: Date, ui: React.ReactElement) {
  const clock = createManualSessionClock(now);
  const utils = render(<SessionClockProvider clock={clock}>{ui}</SessionClockProvider>, { wrapper: 'main' as never });
  return { clock, ...utils };
}

async function axeViolations() {
  const result = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

const trigger = () => screen.getByRole('button', { name: 'Mark no-show' });

describe('MarkNoShowButton', () => {
  it('renders nothing for a student', () => {
    const { container } = renderAt(at(30), <MarkNoShowButton session={session} role="student" />);
    expect(container.querySelector('main')).toBeEmptyDOMElement();
  });

  it('is disabled with an explained countdown until start + wait, and enables exactly then (fake timers)', () => {
    vi.useFakeTimers();
    vi.setSystemTime(at(18, 58));
    render(<MarkNoShowButton session={json} role="tutor" />);
    expect(trigger()).toBeDisabled();
    expect(trigger()).toHaveAccessibleDescription('You can mark a no-show in 0:02');
    act(() => void vi.advanceTimersByTime(1000));
    expect(trigger()).toBeDisabled();
    expect(screen.getByText('You can mark a no-show in 0:01')).toBeInTheDocument();
    act(() => void vi.advanceTimersByTime(999));
    expect(trigger()).toBeDisabled();
    act(() => void vi.advanceTimersByTime(1));
    expect(new Date()).toEqual(session.noShowEligibleAt);
    expect(trigger()).toBeEnabled();
    expect(screen.queryByText(/You can mark a no-show in/)).not.toBeInTheDocument();
  });

  it('is disabled one millisecond before noShowEligibleAt (manual clock)', () => {
    const { clock } = renderAt(new Date(session.noShowEligibleAt.getTime() - 1), <MarkNoShowButton session={session} role="tutor" />);
    expect(trigger()).toBeDisabled();
    act(() => clock.set(session.noShowEligibleAt));
    expect(trigger()).toBeEnabled();
  });

  it('confirms in a labelled, described dialog stating 50 % charged and 45 % paid of a 15000-cent session', async () => {
    renderAt(at(20), <MarkNoShowButton session={json} role="tutor" />);
    fireEvent.click(trigger());
    const dialog = screen.getByRole('dialog', { name: 'Mark the student as absent?' });
    const charge = formatMoney(7500, { currency: 'TTD', locale: 'en-TT' });
    const payout = formatMoney(6750, { currency: 'TTD', locale: 'en-TT' });
    expect(charge).toContain('75.00');
    expect(payout).toContain('67.50');
    expect(dialog).toHaveAccessibleDescription(
      `The student will be charged ${charge} and you will receive ${payout}. This cannot be undone.`,
    );
    expect(await axeViolations()).toEqual([]);
  });

  it('formats the amounts for the host’s locale', () => {
    renderAt(at(20), <MarkNoShowButton session={json} role="tutor" locale="de-DE" />);
    fireEvent.click(trigger());
    expect(screen.getByRole('dialog')).toHaveAccessibleDescription(/75,00.*67,50/);
  });

  it('states the amounts the server put in the session JSON (noShowQuote), computing none itself', () => {
    // The host's policy on the server: a quarter charged, 80 % of it paid out.
    const quoted = toSessionJson(session, { policy: definePolicy({ noShowChargeBps: 2500, tutorPayoutBps: 8000 }) });
    const { unmount } = renderAt(at(20), <MarkNoShowButton session={quoted} role="tutor" />);
    fireEvent.click(trigger());
    expect(screen.getByRole('dialog')).toHaveAccessibleDescription(/charged TTD\s37\.50 and you will receive TTD\s30\.00\./);
    unmount();
    // Whatever the server says is what is stated (no second computation in the browser); the fee goes to the label too.
    const told = { ...json, noShowQuote: { chargeBps: 5000, chargeMinor: 1234, payoutMinor: 1000, feeMinor: 234 } };
    renderAt(at(20), <MarkNoShowButton session={told} role="tutor" labels={{ confirmNoShowDescription: (c, p, f) => `${c} | ${p} | ${f}` }} />);
    fireEvent.click(trigger());
    expect(screen.getByRole('dialog')).toHaveAccessibleDescription(/^TTD\s12\.34 \| TTD\s10\.00 \| TTD\s2\.34$/);
  });

  it('states no amounts without a quote (a PublicSession, or JSON from a server that did not know its policy)', () => {
    for (const input of [session, toSessionJson(session, { policy: null })]) {
      const { unmount } = renderAt(at(20), <MarkNoShowButton session={input} role="tutor" />);
      fireEvent.click(trigger());
      expect(screen.getByRole('dialog')).toHaveAccessibleDescription(
        'The student will be marked absent and charged the no-show rate. This cannot be undone.',
      );
      unmount();
    }
  });

  it('returns focus to the trigger when the dialog closes', async () => {
    renderAt(at(20), <MarkNoShowButton session={session} role="tutor" />);
    trigger().focus();
    fireEvent.click(trigger());
    await waitFor(() => expect(screen.getByRole('dialog')).toContainElement(document.activeElement as HTMLElement));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    await waitFor(() => expect(trigger()).toHaveFocus());
  });

  it('posts once (no double submission), shows pending, calls onSuccess with the settled session and hides', async () => {
    let resolve!: (r: Response) => void;
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockImplementation(() => new Promise((r) => (resolve = r)));
    const onSuccess = vi.fn();
    const { container } = renderAt(at(20), <MarkNoShowButton session={json} role="tutor" onSuccess={onSuccess} />);
    fireEvent.click(trigger());
    const confirm = screen.getAllByRole('button', { name: 'Mark no-show' }).at(-1)!;
    fireEvent.click(confirm);
    fireEvent.click(confirm);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(`/api/sessions/${session.id}/mark-no-show`);
    expect(init).toMatchObject({ method: 'POST', credentials: 'same-origin', body: '{}' });
    expect(confirm).toHaveAccessibleName('Marking…');
    expect(confirm).toHaveAttribute('aria-disabled', 'true');
    expect(confirm).toHaveAttribute('aria-busy', 'true');
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeDisabled();
    expect(container.querySelector('[data-itutor="no-show"]')).toHaveAttribute('data-state', 'pending');
    // Escape does not close the dialog while the request runs.
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    await act(async () => resolve(jsonResponse(200, { session: settled })));
    expect(onSuccess).toHaveBeenCalledTimes(1);
    expect(onSuccess.mock.calls[0]![0]).toMatchObject({ status: 'NO_SHOW_STUDENT', chargeAmountMinor: 7500 });
    expect(onSuccess.mock.calls[0]![0].finalizedAt).toBeInstanceOf(Date);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Mark no-show' })).not.toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('No-show recorded.');
    // The trigger is gone with the dialog: focus lands on the result, not on <body>.
    await waitFor(() => expect(screen.getByRole('status')).toHaveFocus());
    await new Promise((r) => setTimeout(r, 20)); // Radix's close-focus runs in a timeout: it must not undo this.
    expect(screen.getByRole('status')).toHaveFocus();
  });

  it('uses a host function instead of fetch', async () => {
    const markNoShow = vi.fn(async () => ({ session: settled }));
    const fetchMock = vi.spyOn(globalThis, 'fetch');
    renderAt(at(20), <MarkNoShowButton session={session} role="tutor" markNoShow={markNoShow} />);
    fireEvent.click(trigger());
    await act(async () => fireEvent.click(screen.getAllByRole('button', { name: 'Mark no-show' }).at(-1)!));
    expect(markNoShow).toHaveBeenCalledWith(session.id);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('shows the server’s problem detail on failure and keeps the dialog open', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValueOnce(
      jsonResponse(409, { type: 'about:blank', title: 'Conflict', status: 409, detail: 'The student joined within the no-show wait', code: 'STUDENT_JOINED' }),
    );
    const onError = vi.fn();
    renderAt(at(20), <MarkNoShowButton session={session} role="tutor" onError={onError} />);
    fireEvent.click(trigger());
    await act(async () => fireEvent.click(screen.getAllByRole('button', { name: 'Mark no-show' }).at(-1)!));
    expect(screen.getByRole('alert')).toHaveTextContent('The student joined within the no-show wait');
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'STUDENT_JOINED', details: expect.objectContaining({ httpStatus: 409 }) }));
    // Focus is back on Confirm (the action's trigger).
    const confirm = screen.getAllByRole('button', { name: 'Mark no-show' }).at(-1)!;
    await waitFor(() => expect(confirm).toHaveFocus());
    expect(await axeViolations()).toEqual([]);
  });

  it('hides once the student joined within the wait, but not for a join after it', () => {
    const { unmount, container } = renderAt(at(25), <MarkNoShowButton session={makeSession({ tutorJoinedAt: at(-2), studentJoinedAt: at(19) })} role="tutor" />);
    expect(container.querySelector('main')).toBeEmptyDOMElement();
    unmount();
    renderAt(at(25), <MarkNoShowButton session={makeSession({ tutorJoinedAt: at(-2), studentJoinedAt: at(19, 1) })} role="tutor" />);
    expect(trigger()).toBeEnabled();
  });

  it('hides for a final session', () => {
    const { container } = renderAt(at(25), <MarkNoShowButton session={makeSession({ status: 'CANCELLED' })} role="tutor" />);
    expect(container.querySelector('main')).toBeEmptyDOMElement();
  });

  it('has no axe violations while waiting', async () => {
    renderAt(at(5), <MarkNoShowButton session={session} role="tutor" />);
    expect(await axeViolations()).toEqual([]);
  });
});
