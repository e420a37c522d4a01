import { DEFAULT_POLICY, SessionError, toSessionJson } from '@itutor/sessions-core';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { describe, expect, it, vi } from 'vitest';
import {
  ReportTutorAbsentButton,
  ReportTutorAbsentCancel,
  ReportTutorAbsentConfirm,
  ReportTutorAbsentDialog,
  ReportTutorAbsentTrigger,
  SessionClockProvider,
} from '../src/index';
import { createManualSessionClock } from '../src/testing';
import { at, jsonResponse, makeSession } from './fixtures';

// The student joined through our Join button at the start: the presence rule lets them report the tutor.
const session = toSessionJson(makeSession({ studentJoinedAt: at(0, 30) }), { policy: DEFAULT_POLICY });
const settled = toSessionJson(makeSession({ status: 'NO_SHOW_TUTOR', version: 2, studentJoinedAt: at(0, 30), finalizedAt: at(20) }), { policy: DEFAULT_POLICY });
const NOT_PRESENT = 'Join the session first to report your tutor absent.';

function renderAt(now: Date, ui: React.ReactElement) {
  const clock = createManualSessionClock(now);
  const utils = render(<SessionClockProvider clock={clock}>{ui}</SessionClockProvider>, { wrapper: 'main' as never });
  return { clock, ...utils, root: () => utils.container.querySelector('[data-itutor="tutor-absent"]') };
}

async function axeViolations() {
  const result = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

const trigger = () => screen.getByRole('button', { name: 'Report tutor absent' });
const dialog = () => screen.queryByRole('dialog', { name: 'Report your tutor absent?' });
const confirmButton = () => screen.getAllByRole('button', { name: 'Report tutor absent' }).at(-1)!;
const announcer = (container: HTMLElement) => container.querySelector('[data-itutor-part="announcer"]')!;

describe('ReportTutorAbsentButton: states', () => {
  it('renders nothing for a tutor', () => {
    const { container } = renderAt(at(30), <ReportTutorAbsentButton session={session} role="tutor" />);
    expect(container.querySelector('main')).toBeEmptyDOMElement();
  });

  it('counts down on the shared clock until noShowEligibleAt, enables exactly then and announces it once', () => {
    const { clock, root, container } = renderAt(at(18, 58), <ReportTutorAbsentButton session={session} role="student" />);
    expect(trigger()).toBeDisabled();
    expect(trigger()).toHaveAccessibleDescription('You can report your tutor absent in 0:02');
    expect(root()).toHaveAttribute('data-state', 'waiting');
    expect(announcer(container)).toHaveAttribute('role', 'status');
    expect(announcer(container)).toBeEmptyDOMElement();
    act(() => clock.advance({ seconds: 1 }));
    expect(screen.getByText('You can report your tutor absent in 0:01')).toBeInTheDocument();
    // The countdown is not a live region: only the announcer speaks, and it has said nothing yet.
    expect(screen.getByText('You can report your tutor absent in 0:01')).not.toHaveAttribute('aria-live');
    expect(announcer(container)).toBeEmptyDOMElement();
    act(() => clock.set(new Date(makeSession().noShowEligibleAt.getTime() - 1)));
    expect(trigger()).toBeDisabled();
    act(() => clock.advance({ seconds: 1 }));
    expect(trigger()).toBeEnabled();
    expect(trigger()).not.toHaveAttribute('aria-describedby');
    expect(root()).toHaveAttribute('data-state', 'open');
    expect(announcer(container)).toHaveTextContent('You can now report your tutor absent.');
    act(() => clock.advance({ minutes: 5 }));
    expect(announcer(container)).toHaveTextContent('You can now report your tutor absent.');
  });

  it('does not announce when it is already open on mount (nothing changed on screen)', () => {
    const { container } = renderAt(at(25), <ReportTutorAbsentButton session={session} role="student" />);
    expect(trigger()).toBeEnabled();
    expect(announcer(container)).toBeEmptyDOMElement();
  });

  it('explains "join first" (and announces it) when the wait ends without the student’s presence', async () => {
    const absent = makeSession();
    const { clock, root, container } = renderAt(at(18), <ReportTutorAbsentButton session={absent} role="student" />);
    act(() => clock.set(at(19)));
    expect(trigger()).toBeDisabled();
    expect(trigger()).toHaveAccessibleDescription(NOT_PRESENT);
    expect(root()).toHaveAttribute('data-state', 'not-present');
    expect(announcer(container)).toHaveTextContent(NOT_PRESENT);
    expect(await axeViolations()).toEqual([]);
  });

  it('counts the provider’s report of the student’s join as presence (providerStudentJoinedAt)', () => {
    renderAt(at(20), <ReportTutorAbsentButton session={makeSession()} role="student" providerStudentJoinedAt={at(2).toISOString()} />);
    expect(trigger()).toBeEnabled();
  });

  it('hides once the tutor joined within the wait (Join button or provider report), but not for a late tutor', () => {
    const joined = renderAt(at(25), <ReportTutorAbsentButton session={makeSession({ studentJoinedAt: at(1), tutorJoinedAt: at(19) })} role="student" />);
    expect(joined.container.querySelector('main')).toBeEmptyDOMElement();
    joined.unmount();
    const reported = renderAt(at(25), <ReportTutorAbsentButton session={session} role="student" providerTutorJoinedAt={at(4)} />);
    expect(reported.container.querySelector('main')).toBeEmptyDOMElement();
    reported.unmount();
    renderAt(at(25), <ReportTutorAbsentButton session={makeSession({ studentJoinedAt: at(1), tutorJoinedAt: at(19, 1) })} role="student" />);
    expect(trigger()).toBeEnabled();
  });

  it('hides for a final session', () => {
    for (const status of ['NO_SHOW_TUTOR', 'CANCELLED', 'COMPLETED_ASSUMED'] as const) {
      const { container, unmount } = renderAt(at(25), <ReportTutorAbsentButton session={makeSession({ status, studentJoinedAt: at(1) })} role="student" />);
      expect(container.querySelector('main')).toBeEmptyDOMElement();
      unmount();
    }
  });

  it('has no axe violations while waiting and with the dialog open', async () => {
    renderAt(at(5), <ReportTutorAbsentButton session={session} role="student" />);
    expect(await axeViolations()).toEqual([]);
  });
});

describe('ReportTutorAbsentButton: the confirmation', () => {
  it('is a labelled dialog that says nothing is charged; Cancel closes it and returns focus to the trigger', async () => {
    renderAt(at(20), <ReportTutorAbsentButton session={session} role="student" />);
    trigger().focus();
    fireEvent.click(trigger());
    expect(dialog()).toHaveAccessibleDescription(
      'Your tutor did not join within the wait. The session ends now and nothing is charged: you pay nothing.',
    );
    expect(await axeViolations()).toEqual([]);
    await waitFor(() => expect(dialog()).toContainElement(document.activeElement as HTMLElement));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(dialog()).toBeNull();
    await waitFor(() => expect(trigger()).toHaveFocus());
  });

  it('works from the keyboard: Tab to the trigger, Enter opens with focus inside, Escape closes and focus returns', async () => {
    const user = userEvent.setup();
    renderAt(at(20), <ReportTutorAbsentButton session={session} role="student" />);
    await user.tab();
    expect(trigger()).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(dialog()).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus());
    // Focus is trapped: Tab cycles Cancel → Confirm → Cancel.
    await user.tab();
    expect(confirmButton()).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(dialog()).toBeNull();
    await waitFor(() => expect(trigger()).toHaveFocus());
  });

  it('posts once to report-tutor-absent, shows pending, then "reported" with focus and onSuccess', async () => {
    let resolve!: (r: Response) => void;
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockImplementation(() => new Promise((r) => (resolve = r)));
    const onSuccess = vi.fn();
    const onOpenChange = vi.fn();
    const { root } = renderAt(at(20), <ReportTutorAbsentButton session={session} role="student" onSuccess={onSuccess} onOpenChange={onOpenChange} />);
    fireEvent.click(trigger());
    const confirm = confirmButton();
    fireEvent.click(confirm);
    fireEvent.click(confirm);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(`/api/sessions/${session.id}/report-tutor-absent`);
    expect(init).toMatchObject({ method: 'POST', credentials: 'same-origin', body: '{}' });
    expect(confirm).toHaveAccessibleName('Reporting…');
    expect(confirm).toHaveAttribute('aria-disabled', 'true');
    expect(confirm).toHaveAttribute('aria-busy', 'true');
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeDisabled();
    expect(root()).toHaveAttribute('data-state', 'pending');
    fireEvent.keyDown(dialog()!, { key: 'Escape' });
    expect(dialog()).toBeInTheDocument();
    await act(async () => resolve(jsonResponse(200, { session: settled })));
    expect(onSuccess).toHaveBeenCalledTimes(1);
    expect(onSuccess.mock.calls[0]![0]).toMatchObject({ status: 'NO_SHOW_TUTOR' });
    expect(onSuccess.mock.calls[0]![0].finalizedAt).toBeInstanceOf(Date);
    expect(onOpenChange).toHaveBeenLastCalledWith(false);
    expect(dialog()).toBeNull();
    const done = screen.getByRole('status');
    expect(done).toHaveTextContent('Tutor absence reported. You will not be charged.');
    expect(done).toHaveAttribute('data-state', 'done');
    await waitFor(() => expect(done).toHaveFocus());
    await new Promise((r) => setTimeout(r, 20)); // Radix's close-focus runs in a timeout: it must not undo this.
    expect(done).toHaveFocus();
  });

  it('uses a host function instead of fetch', async () => {
    const reportTutorAbsent = vi.fn(async () => ({ session: settled }));
    const fetchMock = vi.spyOn(globalThis, 'fetch');
    renderAt(at(20), <ReportTutorAbsentButton session={session} role="student" reportTutorAbsent={reportTutorAbsent} />);
    fireEvent.click(trigger());
    await act(async () => fireEvent.click(confirmButton()));
    expect(reportTutorAbsent).toHaveBeenCalledWith(session.id);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('a refusal (TUTOR_JOINED by the server’s record) keeps the dialog open with the server’s words; focus back on Confirm', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValueOnce(
      jsonResponse(409, { title: 'Conflict', status: 409, detail: 'The tutor joined within the no-show wait', code: 'TUTOR_JOINED' }),
    );
    const onError = vi.fn();
    const { root } = renderAt(at(20), <ReportTutorAbsentButton session={session} role="student" onError={onError} />);
    fireEvent.click(trigger());
    await act(async () => fireEvent.click(confirmButton()));
    expect(screen.getByRole('alert')).toHaveTextContent('The tutor joined within the no-show wait');
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'TUTOR_JOINED', details: expect.objectContaining({ httpStatus: 409 }) }));
    expect(root()).toHaveAttribute('data-state', 'error');
    await waitFor(() => expect(confirmButton()).toHaveFocus());
    expect(await axeViolations()).toEqual([]);
  });

  it('shows the server’s 409 STUDENT_NOT_PRESENT as "join first": Confirm disabled, focus on Cancel, the trigger explained', async () => {
    const reportTutorAbsent = vi.fn(async () => {
      throw new SessionError('STUDENT_NOT_PRESENT', 'Your presence is not recorded', { httpStatus: 409 });
    });
    const { root } = renderAt(at(20), <ReportTutorAbsentButton session={session} role="student" reportTutorAbsent={reportTutorAbsent} />);
    fireEvent.click(trigger());
    await act(async () => fireEvent.click(confirmButton()));
    expect(screen.getByRole('alert')).toHaveTextContent(NOT_PRESENT);
    expect(confirmButton()).toBeDisabled();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus());
    expect(root()).toHaveAttribute('data-state', 'not-present');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(trigger()).toHaveAccessibleDescription(NOT_PRESENT);
  });

  it('lifts the server’s STUDENT_NOT_PRESENT when the provider’s report changes, not when it is rebuilt equal', async () => {
    const reportTutorAbsent = vi.fn(async () => {
      throw new SessionError('STUDENT_NOT_PRESENT', 'not present', { httpStatus: 409 });
    });
    const clock = createManualSessionClock(at(20));
    const ui = (joined: Date) => (
      <SessionClockProvider clock={clock}>
        <ReportTutorAbsentButton session={session} role="student" reportTutorAbsent={reportTutorAbsent} providerStudentJoinedAt={joined} />
      </SessionClockProvider>
    );
    const { rerender } = render(ui(at(2)));
    fireEvent.click(trigger());
    await act(async () => fireEvent.click(confirmButton()));
    expect(confirmButton()).toBeDisabled();
    rerender(ui(new Date(at(2).getTime()))); // another Date, the same instant
    expect(confirmButton()).toBeDisabled();
    rerender(ui(at(1)));
    expect(confirmButton()).toBeEnabled();
  });

  it('a TOO_EARLY by the server’s clock counts down to the server’s instant', async () => {
    const reportTutorAbsent = vi.fn(async () => {
      throw new SessionError('TOO_EARLY', 'Not yet', { httpStatus: 409, availableAt: at(19, 30) });
    });
    renderAt(at(19), <ReportTutorAbsentButton session={session} role="student" reportTutorAbsent={reportTutorAbsent} defaultOpen />);
    await act(async () => fireEvent.click(confirmButton()));
    expect(confirmButton()).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(trigger()).toHaveAccessibleDescription('You can report your tutor absent in 0:30');
  });

  it('takes its labels from the prop and the provider, like the other components', () => {
    render(
      <SessionClockProvider clock={createManualSessionClock(at(20))} labels={{ reportTutorAbsent: 'Signaler le tuteur absent' }}>
        <ReportTutorAbsentButton session={session} role="student" labels={{ confirmTutorAbsentTitle: 'Signaler ?' }} defaultOpen />
      </SessionClockProvider>,
    );
    expect(screen.getByRole('dialog', { name: 'Signaler ?' })).toBeInTheDocument();
    // The trigger (hidden from assistive technology while the modal is open) and Confirm.
    expect(screen.getAllByRole('button', { name: 'Signaler le tuteur absent', hidden: true })).toHaveLength(2);
  });
});

describe('ReportTutorAbsentButton: parts', () => {
  it('compose with the host’s own elements through asChild, keeping the behaviour', async () => {
    const reportTutorAbsent = vi.fn(async () => ({ session: settled }));
    renderAt(
      at(20),
      <ReportTutorAbsentButton session={session} role="student" reportTutorAbsent={reportTutorAbsent} className="host-root">
        <ReportTutorAbsentTrigger asChild>
          <button className="ds-link">My tutor did not come</button>
        </ReportTutorAbsentTrigger>
        <ReportTutorAbsentDialog className="ds-dialog" overlayClassName="ds-overlay">
          <ReportTutorAbsentCancel>Keep waiting</ReportTutorAbsentCancel>
          <ReportTutorAbsentConfirm asChild>
            <button className="ds-danger">Yes, report</button>
          </ReportTutorAbsentConfirm>
        </ReportTutorAbsentDialog>
      </ReportTutorAbsentButton>,
    );
    const custom = screen.getByRole('button', { name: 'My tutor did not come' });
    expect(custom).toHaveAttribute('data-itutor-part', 'button');
    expect(custom.closest('[data-itutor="tutor-absent"]')).toHaveClass('host-root');
    fireEvent.click(custom);
    expect(dialog()).toHaveClass('ds-dialog');
    expect(document.querySelector('[data-itutor="tutor-absent-overlay"]')).toHaveClass('ds-overlay');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Yes, report' })));
    expect(reportTutorAbsent).toHaveBeenCalledTimes(1);
  });

  it('throws a clear error when a part is used outside the root', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(<ReportTutorAbsentTrigger />)).toThrow('No <ReportTutorAbsentButton> above');
  });
});
