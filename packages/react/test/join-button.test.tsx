import { DEFAULT_POLICY, definePolicy, toSessionJson, type SessionStatus } from '@itutor/sessions-core';
import { STATUS_LABELS } from '@itutor/sessions-core/rules';
import { act, fireEvent, render, screen } from '@testing-library/react';
import axe from 'axe-core';
import { Profiler } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { SessionClockProvider, SessionJoinButton } from '../src/index';
import { createManualSessionClock } from '../src/testing';
import { at, jsonResponse, makeSession, START } from './fixtures';

const session = makeSession();
const json = toSessionJson(session, { policy: DEFAULT_POLICY });

function fakeTab() {
  return { opener: {} as unknown, closed: false, location: { href: '' }, close: vi.fn() };
}

async function axeViolations() {
  const result = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

function renderAt(now: Date, ui: React.ReactElement) {
  const clock = createManualSessionClock(now);
  // Hosts mount the buttons inside their page's landmarks; axe's `region` rule checks for that.
  const utils = render(<SessionClockProvider clock={clock}>{ui}</SessionClockProvider>, { wrapper: 'main' as never });
  return { clock, ...utils };
}

describe('SessionJoinButton timing', () => {
  it('enables exactly at T−5:00 with the real ticking clock and fake timers, not a second earlier', () => {
    vi.useFakeTimers();
    vi.setSystemTime(at(-5, -3));
    render(<SessionJoinButton session={json} role="student" />);
    const button = screen.getByRole('button', { name: 'Join session' });
    expect(button).toBeDisabled();
    expect(screen.getByText('Join opens in 0:03')).toBeInTheDocument();
    act(() => void vi.advanceTimersByTime(2000));
    expect(screen.getByText('Join opens in 0:01')).toBeInTheDocument();
    expect(button).toBeDisabled();
    act(() => void vi.advanceTimersByTime(999));
    expect(button).toBeDisabled();
    act(() => void vi.advanceTimersByTime(1));
    expect(new Date()).toEqual(session.joinOpensAt);
    expect(button).toBeEnabled();
    expect(screen.getByText('Starts in 5:00')).toBeInTheDocument();
  });

  it('is disabled one millisecond before joinOpensAt and enabled at it (manual clock)', () => {
    const { clock } = renderAt(new Date(session.joinOpensAt.getTime() - 1), <SessionJoinButton session={session} role="tutor" />);
    expect(screen.getByRole('button', { name: 'Join session' })).toBeDisabled();
    act(() => clock.set(session.joinOpensAt));
    expect(screen.getByRole('button', { name: 'Join session' })).toBeEnabled();
  });

  it('explains the disabled button with aria-describedby (countdown and warning)', () => {
    renderAt(at(-60), <SessionJoinButton session={json} role="student" />);
    const button = screen.getByRole('button', { name: 'Join session' });
    expect(button).toHaveAccessibleDescription(
      'Join opens in 55:00 Join within 19 minutes of the start or you may be marked absent and charged 50%.',
    );
  });

  it('words the no-show wait for each role, using the session’s stored wait', () => {
    const { unmount } = renderAt(at(-1), <SessionJoinButton session={json} role="student" />);
    expect(screen.getByText(/Join within 19 minutes of the start or you may be marked absent and charged 50%/)).toBeInTheDocument();
    unmount();
    renderAt(at(-1), <SessionJoinButton session={makeSession({ durationMinutes: 90, noShowWaitMinutes: 29 })} role="tutor" />);
    expect(screen.getByText('You can mark a no-show 29 minutes after the start.')).toBeInTheDocument();
  });

  it("states the share the server put in the session JSON (noShowQuote.chargeBps), not a policy of the browser's", () => {
    const quarter = toSessionJson(session, { policy: definePolicy({ noShowChargeBps: 2500 }) });
    const { unmount } = renderAt(at(-1), <SessionJoinButton session={quarter} role="student" />);
    expect(screen.getByText('Join within 19 minutes of the start or you may be marked absent and charged 25%.')).toBeInTheDocument();
    unmount();
    // Without a quote (a PublicSession, or JSON from a server that did not know its policy): no share stated.
    for (const input of [session, toSessionJson(session, { policy: null })]) {
      const { unmount: done } = renderAt(at(-1), <SessionJoinButton session={input} role="student" />);
      expect(screen.getByText('Join within 19 minutes of the start or you may be marked absent.')).toBeInTheDocument();
      done();
    }
    // A host label receives the formatted share, or null.
    const studentNoShowWarning = vi.fn((m: number, p: string | null) => `${m} ${p}`);
    renderAt(at(-1), <SessionJoinButton session={quarter} role="student" labels={{ studentNoShowWarning }} />);
    expect(screen.getByText('19 25%')).toBeInTheDocument();
  });

  it('shows in progress (warning until the wait is over), then ended', () => {
    const { clock, container } = renderAt(at(1), <SessionJoinButton session={session} role="student" />);
    const root = container.querySelector('[data-itutor="join"]')!;
    expect(root).toHaveAttribute('data-state', 'in-progress');
    expect(screen.getByText('Session in progress')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Join session' })).toBeEnabled();
    expect(screen.queryByText(/Join within/)).toBeInTheDocument();
    act(() => clock.set(at(19)));
    expect(screen.queryByText(/Join within/)).not.toBeInTheDocument();
    act(() => clock.set(at(60)));
    expect(root).toHaveAttribute('data-state', 'ended');
    expect(screen.getByText('Scheduled time is over')).toBeInTheDocument();
    // Joining stays possible until the session is final (settlement), as the server allows.
    expect(screen.getByRole('button', { name: 'Join session' })).toBeEnabled();
  });

  it.each(['COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'EARLY_END_SHORT', 'CANCELLED', 'NO_SHOW_TUTOR', 'NOBODY_JOINED', 'CANCELLED_LATE'] as SessionStatus[])(
    'shows the label of the final status %s and no button',
    (status) => {
      const { container } = renderAt(at(-30), <SessionJoinButton session={makeSession({ status })} role="student" />);
      expect(container.querySelector('[data-itutor="join"]')).toHaveAttribute('data-state', 'final');
      expect(screen.getByText(STATUS_LABELS[status])).toBeInTheDocument();
      expect(screen.queryByRole('button')).not.toBeInTheDocument();
    },
  );

  it('names the third release’s final statuses, each label overridable like the others', () => {
    const { container } = renderAt(
      at(-30),
      <SessionClockProvider labels={{ status: { NO_SHOW_TUTOR: 'Tuteur absent' } }}>
        <SessionJoinButton session={makeSession({ status: 'NO_SHOW_TUTOR' })} role="student" />
        <SessionJoinButton session={makeSession({ status: 'NOBODY_JOINED' })} role="student" />
        <SessionJoinButton session={makeSession({ status: 'CANCELLED_LATE' })} role="student" labels={{ status: { CANCELLED_LATE: 'Annulée tard' } }} />
      </SessionClockProvider>,
    );
    expect([...container.querySelectorAll('[data-itutor-part="status"]')].map((p) => p.textContent)).toEqual(['Tuteur absent', 'Nobody joined', 'Annulée tard']);
  });

  it('lets the host override labels and locale', () => {
    renderAt(
      at(-10),
      <SessionClockProvider labels={{ join: 'Rejoindre', status: { CANCELLED: 'Annulée' } }} locale="fr-FR">
        <SessionJoinButton session={json} role="student" labels={{ joinOpensIn: (c) => `Ouvre dans ${c}` }} />
        <SessionJoinButton session={makeSession({ status: 'CANCELLED' })} role="student" />
      </SessionClockProvider>,
    );
    expect(screen.getByRole('button', { name: 'Rejoindre' })).toBeDisabled();
    expect(screen.getByText('Ouvre dans 5:00')).toBeInTheDocument();
    expect(screen.getByText('Annulée')).toBeInTheDocument();
    // fr-FR formats the percentage with a (narrow) no-break space: "50 %".
    expect(screen.getByText(/charged 50\s%/)).toBeInTheDocument();
  });

  it('announces politely once when Join opens, not on every second', () => {
    const { clock } = renderAt(at(-5, -3), <SessionJoinButton session={session} role="student" />);
    const live = screen.getByRole('status');
    expect(live).toHaveTextContent('');
    act(() => clock.advance({ seconds: 1 }));
    act(() => clock.advance({ seconds: 1 }));
    expect(live).toHaveTextContent('');
    act(() => clock.advance({ seconds: 1 }));
    expect(live).toHaveTextContent('Join is now open.');
    expect(screen.getByText('Starts in 5:00')).not.toBe(live);
  });

  it('has no axe violations while waiting and while open', async () => {
    const { clock } = renderAt(at(-10), <SessionJoinButton session={session} role="student" />);
    expect(await axeViolations()).toEqual([]);
    act(() => clock.set(at(-1)));
    expect(await axeViolations()).toEqual([]);
  });
});

describe('SessionJoinButton joining', () => {
  it('records the join with POST, then points the tab opened on click at the meeting', async () => {
    const tab = fakeTab();
    const open = vi.spyOn(window, 'open').mockImplementation(() => tab as unknown as Window);
    let resolve!: (r: Response) => void;
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockImplementation(() => new Promise((r) => (resolve = r)));
    const onJoined = vi.fn();
    const { container } = renderAt(at(-2), <SessionJoinButton session={json} role="student" basePath="/v1" onJoined={onJoined} />);
    const button = screen.getByRole('button', { name: 'Join session' });
    fireEvent.click(button);
    // The tab opens synchronously, inside the click, before the server answered.
    expect(open).toHaveBeenCalledWith('', '_blank');
    expect(tab.opener).toBeNull();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(`/v1/sessions/${session.id}/join`);
    expect(init).toMatchObject({ method: 'POST', credentials: 'same-origin', body: '{}' });
    expect(new Headers(init!.headers).get('content-type')).toBe('application/json');
    expect(container.querySelector('[data-itutor]')).toHaveAttribute('data-state', 'pending');
    // Pending: says so, and stays focusable (aria-disabled, not disabled) so focus is not lost to <body>.
    expect(button).toHaveAccessibleName('Joining…');
    expect(button).toHaveAttribute('aria-disabled', 'true');
    expect(button).not.toBeDisabled();
    expect(button).toHaveAttribute('aria-busy', 'true');
    fireEvent.click(button);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(open).toHaveBeenCalledTimes(1);
    await act(async () => resolve(jsonResponse(200, { joinUrl: 'https://zoom.us/j/123', session: json })));
    expect(tab.location.href).toBe('https://zoom.us/j/123');
    expect(onJoined).toHaveBeenCalledWith(expect.objectContaining({ joinUrl: 'https://zoom.us/j/123', opened: true }));
    expect(screen.getByRole('link', { name: 'Open the meeting' })).toHaveAttribute('rel', 'noopener noreferrer');
    expect(container.querySelector('[data-itutor]')).toHaveAttribute('data-state', 'open');
    expect(button).toHaveAccessibleName('Join session');
    expect(button).not.toHaveAttribute('aria-disabled');
  });

  it('falls back to window.open with noopener when the tab was blocked', async () => {
    const open = vi.spyOn(window, 'open').mockImplementation(() => null);
    const join = vi.fn(async () => ({ joinUrl: 'https://meet.google.com/abc' }));
    renderAt(at(0), <SessionJoinButton session={session} role="tutor" join={join} />);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Join session' })));
    expect(join).toHaveBeenCalledWith(session.id);
    expect(open).toHaveBeenLastCalledWith('https://meet.google.com/abc', '_blank', 'noopener,noreferrer');
    expect(screen.getByRole('link', { name: 'Open the meeting' })).toHaveAttribute('href', 'https://meet.google.com/abc');
  });

  it('handles TOO_EARLY from a server whose clock is behind: counts down to availableAt, then allows a retry', async () => {
    const tab = fakeTab();
    vi.spyOn(window, 'open').mockImplementation(() => tab as unknown as Window);
    const availableAt = new Date(session.joinOpensAt.getTime() + 20_000);
    const fetchMock = vi
      .spyOn(globalThis, 'fetch')
      .mockResolvedValueOnce(
        jsonResponse(
          409,
          { type: 'about:blank', title: 'Too early', status: 409, detail: 'Join is not open yet', code: 'TOO_EARLY', availableAt: availableAt.toISOString() },
          { 'retry-after': '20' },
        ),
      )
      .mockResolvedValueOnce(jsonResponse(200, { joinUrl: 'https://zoom.us/j/1', session: json }));
    const onError = vi.fn();
    const { clock, container } = renderAt(session.joinOpensAt, <SessionJoinButton session={json} role="student" onError={onError} />);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Join session' })));
    expect(tab.close).toHaveBeenCalled();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'TOO_EARLY', details: expect.objectContaining({ availableAt }) }));
    expect(screen.getByRole('button', { name: 'Join session' })).toBeDisabled();
    expect(screen.getByText('Join opens in 0:20')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(container.querySelector('[data-itutor]')).toHaveAttribute('data-state', 'waiting');
    act(() => clock.advance({ seconds: 19 }));
    expect(screen.getByRole('button', { name: 'Join session' })).toBeDisabled();
    act(() => clock.advance({ seconds: 1 }));
    expect(screen.getByRole('button', { name: 'Join session' })).toBeEnabled();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Join session' })));
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(tab.location.href).toBe('https://zoom.us/j/1');
  });

  it('uses Retry-After when the problem has no availableAt', async () => {
    vi.spyOn(window, 'open').mockImplementation(() => null);
    vi.spyOn(globalThis, 'fetch').mockResolvedValueOnce(
      jsonResponse(409, { title: 'Too early', status: 409, code: 'TOO_EARLY' }, { 'retry-after': '7' }),
    );
    renderAt(session.joinOpensAt, <SessionJoinButton session={session} role="student" />);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Join session' })));
    expect(screen.getByText('Join opens in 0:07')).toBeInTheDocument();
  });

  it('shows the server’s problem detail on a refusal, in an alert linked to the button', async () => {
    const tab = fakeTab();
    vi.spyOn(window, 'open').mockImplementation(() => tab as unknown as Window);
    vi.spyOn(globalThis, 'fetch').mockResolvedValueOnce(
      jsonResponse(409, { title: 'Conflict', status: 409, detail: 'Session is already final (CANCELLED)', code: 'SESSION_FINAL' }),
    );
    const { container } = renderAt(at(0), <SessionJoinButton session={session} role="student" />);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Join session' })));
    expect(screen.getByRole('alert')).toHaveTextContent('Session is already final (CANCELLED)');
    expect(container.querySelector('[data-itutor]')).toHaveAttribute('data-state', 'error');
    expect(tab.close).toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Join session' })).toHaveAccessibleDescription(/Session is already final/);
    expect(await axeViolations()).toEqual([]);
  });

  it('after TOO_EARLY disabled the button, moves focus to the countdown; after a refusal, keeps it on the button', async () => {
    vi.spyOn(window, 'open').mockImplementation(() => null);
    vi.spyOn(globalThis, 'fetch')
      .mockResolvedValueOnce(jsonResponse(409, { title: 'Too early', status: 409, code: 'TOO_EARLY' }, { 'retry-after': '9' }))
      .mockResolvedValueOnce(jsonResponse(409, { title: 'Conflict', status: 409, detail: 'Final', code: 'SESSION_FINAL' }));
    const { clock } = renderAt(session.joinOpensAt, <SessionJoinButton session={session} role="student" />);
    const button = screen.getByRole('button', { name: 'Join session' });
    button.focus();
    await act(async () => fireEvent.click(button));
    expect(button).toBeDisabled();
    expect(screen.getByText('Join opens in 0:09')).toHaveFocus();
    act(() => clock.advance({ seconds: 9 }));
    button.focus();
    await act(async () => fireEvent.click(button));
    expect(screen.getByRole('alert')).toHaveTextContent('Final');
    expect(button).toHaveFocus();
  });

  it('renders the host’s own element as the button with asChild (its content, the button’s props and behaviour)', async () => {
    vi.spyOn(window, 'open').mockImplementation(() => null);
    const join = vi.fn(async () => ({ joinUrl: 'https://zoom.us/j/9' }));
    const { unmount } = renderAt(
      at(-1),
      <SessionJoinButton session={session} role="student" join={join} asChild>
        <a href="#join" className="ds-button">
          Enter the classroom
        </a>
      </SessionJoinButton>,
    );
    const link = screen.getByRole('link', { name: 'Enter the classroom' });
    expect(link).toHaveClass('ds-button');
    expect(link).toHaveAttribute('data-itutor-part', 'button');
    expect(link).toHaveAccessibleDescription(/Starts in 1:00/);
    await act(async () => fireEvent.click(link));
    expect(join).toHaveBeenCalledWith(session.id);
    unmount();
    renderAt(
      at(-10),
      <SessionJoinButton session={session} role="student" asChild>
        <button className="ds-button">Enter the classroom</button>
      </SessionJoinButton>,
    );
    expect(screen.getByRole('button', { name: 'Enter the classroom' })).toBeDisabled();
  });

  it('shows a generic message when the network fails', async () => {
    vi.spyOn(window, 'open').mockImplementation(() => null);
    vi.spyOn(globalThis, 'fetch').mockRejectedValueOnce(new TypeError(''));
    renderAt(at(0), <SessionJoinButton session={session} role="student" />);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Join session' })));
    expect(screen.getByRole('alert')).toHaveTextContent('Something went wrong.');
  });
});

describe('one shared clock', () => {
  it('runs one interval for any number of mounted buttons and stops it when they unmount', () => {
    vi.useFakeTimers();
    vi.setSystemTime(at(-10));
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const clearIntervalSpy = vi.spyOn(globalThis, 'clearInterval');
    const sessions = Array.from({ length: 25 }, (_, i) => makeSession({ id: `s-${i}` }));
    const { unmount } = render(
      <SessionClockProvider now={() => Date.now()}>
        {sessions.map((s) => (
          <SessionJoinButton key={s.id} session={s} role="student" />
        ))}
      </SessionClockProvider>,
    );
    act(() => void vi.advanceTimersByTime(5000));
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    expect(screen.getAllByText('Join opens in 4:55')).toHaveLength(25);
    unmount();
    expect(clearIntervalSpy).toHaveBeenCalledTimes(1);
  });

  it('re-renders a button only when its text changes', () => {
    const renders = { count: 0 };
    const { clock } = renderAt(
      at(2),
      <Profiler id="join" onRender={() => void renders.count++}>
        <SessionJoinButton session={session} role="student" />
      </Profiler>,
    );
    const initial = renders.count;
    // In progress: nothing visible changes second to second.
    for (let i = 0; i < 30; i++) act(() => clock.advance({ seconds: 1 }));
    expect(renders.count).toBe(initial);
    // While waiting, the countdown text changes every second: one render per change.
    act(() => clock.set(at(-10)));
    const before = renders.count;
    for (let i = 0; i < 10; i++) act(() => clock.advance({ seconds: 1 }));
    expect(renders.count - before).toBe(10);
    // Sub-second ticks change nothing visible.
    const mid = renders.count;
    act(() => clock.advance({ seconds: 0.1 }));
    expect(renders.count).toBe(mid);
  });
});
