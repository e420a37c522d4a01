/**
 * The presence rule on the tutor's side: a tutor may mark the student absent only once their own
 * presence is recorded (our Join button's `tutorJoinedAt`, or the provider's report). Without it the
 * button stays disabled after the wait and says why; the server's 409 `TUTOR_NOT_PRESENT` is shown the
 * same way.
 */
import { DEFAULT_POLICY, SessionError, toSessionJson } from '@itutor/sessions-core';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import axe from 'axe-core';
import { describe, expect, it, vi } from 'vitest';
import { MarkNoShowButton, SessionClockProvider } from '../src/index';
import { createManualSessionClock } from '../src/testing';
import { at, jsonResponse, makeSession } from './fixtures';

const EXPLANATION = 'Join the session first to mark the student absent.';
const absent = toSessionJson(makeSession(), { policy: DEFAULT_POLICY });
const present = toSessionJson(makeSession({ tutorJoinedAt: at(-2) }), { policy: DEFAULT_POLICY });
const settled = toSessionJson(makeSession({ status: 'NO_SHOW_STUDENT', version: 2, tutorJoinedAt: at(-2), finalizedAt: at(20) }), { policy: DEFAULT_POLICY });

function renderAt(now: Date, ui: React.ReactElement) {
  const clock = createManualSessionClock(now);
  const utils = render(<SessionClockProvider clock={clock}>{ui}</SessionClockProvider>, { wrapper: 'main' as never });
  return { clock, ...utils, root: () => utils.container.querySelector('[data-itutor="no-show"]') };
}

const trigger = () => screen.getByRole('button', { name: 'Mark no-show' });
const confirmButton = () => screen.getAllByRole('button', { name: 'Mark no-show' }).at(-1)!;

describe('MarkNoShowButton and the tutor’s own presence', () => {
  it('after the countdown, stays disabled and says why while the tutor’s presence is not recorded', async () => {
    const { clock, root } = renderAt(at(18, 59), <MarkNoShowButton session={absent} role="tutor" />);
    expect(trigger()).toHaveAccessibleDescription('You can mark a no-show in 0:01');
    act(() => clock.advance({ seconds: 1 }));
    expect(trigger()).toBeDisabled();
    expect(trigger()).toHaveAccessibleDescription(EXPLANATION);
    expect(root()).toHaveAttribute('data-state', 'not-present');
    expect(screen.getByText(EXPLANATION)).toHaveAttribute('data-itutor-part', 'status');
    expect((await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } })).violations).toEqual([]);
  });

  it('enables once the session records the tutor’s join (the host passes the session the Join answered)', () => {
    const { rerender } = renderAt(at(20), <MarkNoShowButton session={absent} role="tutor" />);
    expect(trigger()).toBeDisabled();
    rerender(
      <SessionClockProvider clock={createManualSessionClock(at(20))}>
        <MarkNoShowButton session={present} role="tutor" />
      </SessionClockProvider>,
    );
    expect(trigger()).toBeEnabled();
    expect(trigger()).not.toHaveAttribute('aria-describedby');
    expect(screen.queryByText(EXPLANATION)).toBeNull();
  });

  it('counts the provider’s report of the tutor’s join (providerTutorJoinedAt) as presence', () => {
    renderAt(at(20), <MarkNoShowButton session={absent} role="tutor" providerTutorJoinedAt={at(3).toISOString()} />);
    expect(trigger()).toBeEnabled();
  });

  it('says it in the host’s words (tutorNotPresent label)', () => {
    renderAt(at(20), <MarkNoShowButton session={absent} role="tutor" labels={{ tutorNotPresent: 'Rejoignez d’abord la séance.' }} />);
    expect(trigger()).toHaveAccessibleDescription('Rejoignez d’abord la séance.');
  });

  it('shows the server’s 409 TUTOR_NOT_PRESENT the same way: the label in the dialog, Confirm disabled, focus on Cancel, the trigger explained', async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockResolvedValueOnce(
      jsonResponse(409, { title: 'Conflict', status: 409, detail: 'Your own presence is not recorded', code: 'TUTOR_NOT_PRESENT' }),
    );
    const onError = vi.fn();
    // The page thinks the tutor is in (a provider report the server has not stored): the server decides.
    const { root } = renderAt(at(20), <MarkNoShowButton session={absent} role="tutor" providerTutorJoinedAt={at(3)} onError={onError} />);
    fireEvent.click(trigger());
    await act(async () => fireEvent.click(confirmButton()));
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'TUTOR_NOT_PRESENT' }));
    expect(screen.getByRole('alert')).toHaveTextContent(EXPLANATION);
    expect(confirmButton()).toBeDisabled();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus());
    expect(root()).toHaveAttribute('data-state', 'not-present');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(trigger()).toBeDisabled();
    expect(trigger()).toHaveAccessibleDescription(EXPLANATION);
  });

  it('lifts the server’s refusal when the host passes a newer session (not an equal copy), and then records the no-show', async () => {
    const markNoShow = vi
      .fn()
      .mockRejectedValueOnce(new SessionError('TUTOR_NOT_PRESENT', 'not present', { httpStatus: 409 }))
      .mockResolvedValueOnce({ session: settled });
    const onSuccess = vi.fn();
    const ui = (session: typeof present) => (
      <SessionClockProvider clock={createManualSessionClock(at(20))}>
        <MarkNoShowButton session={session} role="tutor" markNoShow={markNoShow} onSuccess={onSuccess} />
      </SessionClockProvider>
    );
    const { rerender } = render(ui(present));
    fireEvent.click(trigger());
    await act(async () => fireEvent.click(confirmButton()));
    expect(confirmButton()).toBeDisabled();
    // Clicking a disabled Confirm posts nothing more.
    fireEvent.click(confirmButton());
    expect(markNoShow).toHaveBeenCalledTimes(1);
    // The host rebuilt the same session (another object, same version): nothing changed, the refusal holds.
    rerender(ui({ ...present }));
    expect(confirmButton()).toBeDisabled();
    // The host re-read the session and it changed (a newer version): the button may try again.
    rerender(ui({ ...present, version: present.version + 1 }));
    expect(confirmButton()).toBeEnabled();
    await act(async () => fireEvent.click(confirmButton()));
    expect(markNoShow).toHaveBeenCalledTimes(2);
    expect(onSuccess).toHaveBeenCalledWith(expect.objectContaining({ status: 'NO_SHOW_STUDENT' }));
    expect(screen.getByRole('status')).toHaveTextContent('No-show recorded.');
  });
});
