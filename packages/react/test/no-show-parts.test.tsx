import { DEFAULT_POLICY, SessionError, toSessionJson } from '@itutor/sessions-core';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import {
  MarkNoShowButton,
  MarkNoShowCancel,
  MarkNoShowConfirm,
  MarkNoShowDialog,
  MarkNoShowTrigger,
  SessionClockProvider,
} from '../src/index';
import { createManualSessionClock } from '../src/testing';
import { at, makeSession } from './fixtures';

// The tutor joined through our Join button before the start: the presence rule lets them mark a no-show.
const session = makeSession({ tutorJoinedAt: at(-2) });
const settled = toSessionJson(makeSession({ status: 'NO_SHOW_STUDENT', version: 2, finalizedAt: at(19) }), { policy: DEFAULT_POLICY });

function renderAt(now: Date, ui: React.ReactElement) {
  const clock = createManualSessionClock(now);
  return { clock, ...render(<SessionClockProvider clock={clock}>{ui}</SessionClockProvider>, { wrapper: 'main' as never }) };
}

const dialog = () => screen.queryByRole('dialog', { name: 'Mark the student as absent?' });

describe('MarkNoShowButton: controlled and uncontrolled confirmation', () => {
  it('opens at first with defaultOpen and then keeps its own state', async () => {
    renderAt(at(20), <MarkNoShowButton session={session} role="tutor" defaultOpen />);
    expect(dialog()).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(dialog()).not.toBeInTheDocument());
  });

  it('follows `open` and asks the host through onOpenChange (Cancel does not close it by itself)', async () => {
    const onOpenChange = vi.fn();
    const { rerender } = renderAt(at(20), <MarkNoShowButton session={session} role="tutor" open onOpenChange={onOpenChange} />);
    expect(dialog()).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onOpenChange).toHaveBeenCalledWith(false);
    expect(dialog()).toBeInTheDocument();
    rerender(
      <SessionClockProvider clock={createManualSessionClock(at(20))}>
        <MarkNoShowButton session={session} role="tutor" open={false} onOpenChange={onOpenChange} />
      </SessionClockProvider>,
    );
    await waitFor(() => expect(dialog()).not.toBeInTheDocument());
  });

  it('a host-controlled dialog opens from the trigger, refuses to close while pending, and is closed after success', async () => {
    let resolve!: (value: { session: typeof settled }) => void;
    const markNoShow = vi.fn(() => new Promise<{ session: typeof settled }>((r) => (resolve = r)));
    const changes: boolean[] = [];
    function Host() {
      const [open, setOpen] = useState(false);
      return (
        <MarkNoShowButton
          session={session}
          role="tutor"
          markNoShow={markNoShow}
          open={open}
          onOpenChange={(next) => {
            changes.push(next);
            setOpen(next);
          }}
        />
      );
    }
    renderAt(at(20), <Host />);
    fireEvent.click(screen.getByRole('button', { name: 'Mark no-show' }));
    expect(changes).toEqual([true]);
    fireEvent.click(screen.getAllByRole('button', { name: 'Mark no-show' }).at(-1)!);
    fireEvent.keyDown(dialog()!, { key: 'Escape' });
    expect(changes).toEqual([true]);
    expect(dialog()).toBeInTheDocument();
    await act(async () => resolve({ session: settled }));
    expect(changes).toEqual([true, false]);
    expect(dialog()).not.toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('No-show recorded.');
  });
});

describe('no-show parts', () => {
  it('compose with the host’s own elements and content through asChild, keeping the behaviour', async () => {
    const markNoShow = vi.fn(async () => ({ session: settled }));
    const onSuccess = vi.fn();
    renderAt(
      at(20),
      <MarkNoShowButton session={session} role="tutor" markNoShow={markNoShow} onSuccess={onSuccess} className="host-root">
        <MarkNoShowTrigger asChild>
          <button className="ds-button ds-danger">Mark absent</button>
        </MarkNoShowTrigger>
        <MarkNoShowDialog className="ds-dialog" overlayClassName="ds-overlay">
          <footer>
            <MarkNoShowConfirm asChild>
              <button className="ds-button">Yes, mark absent</button>
            </MarkNoShowConfirm>
            <MarkNoShowCancel className="ds-link">Keep waiting</MarkNoShowCancel>
          </footer>
        </MarkNoShowDialog>
      </MarkNoShowButton>,
    );
    const trigger = screen.getByRole('button', { name: 'Mark absent' });
    expect(trigger).toHaveClass('ds-button', 'ds-danger');
    expect(trigger).toHaveAttribute('data-itutor-part', 'button');
    expect(trigger.closest('[data-itutor="no-show"]')).toHaveClass('host-root');
    fireEvent.click(trigger);
    expect(dialog()).toHaveClass('ds-dialog');
    expect(document.querySelector('[data-itutor="no-show-overlay"]')).toHaveClass('ds-overlay');
    expect(screen.getByRole('button', { name: 'Keep waiting' })).toHaveAttribute('data-itutor-part', 'cancel');
    const confirm = screen.getByRole('button', { name: 'Yes, mark absent' });
    expect(confirm).toHaveAttribute('data-itutor-part', 'confirm');
    await act(async () => fireEvent.click(confirm));
    expect(markNoShow).toHaveBeenCalledTimes(1);
    expect(onSuccess).toHaveBeenCalledWith(expect.objectContaining({ status: 'NO_SHOW_STUDENT' }));
  });

  it('renders the countdown after the parts and describes the trigger with it while waiting', () => {
    const { clock, container } = renderAt(
      at(5),
      <MarkNoShowButton session={session} role="tutor">
        <MarkNoShowTrigger className="ds-button" />
      </MarkNoShowButton>,
    );
    const trigger = screen.getByRole('button', { name: 'Mark no-show' });
    expect(trigger).toBeDisabled();
    expect(trigger).toHaveAccessibleDescription('You can mark a no-show in 14:00');
    expect(container.querySelector('[data-itutor="no-show"]')!.lastElementChild).toHaveAttribute('data-itutor-part', 'status');
    act(() => clock.set(session.noShowEligibleAt));
    expect(trigger).toBeEnabled();
    expect(trigger).not.toHaveAttribute('aria-describedby');
    expect(container.querySelector('[data-itutor-part="status"]')).toBeNull();
  });

  it('moves focus to Cancel after a refusal that disables Confirm (TOO_EARLY by the server’s clock)', async () => {
    const markNoShow = vi.fn(async () => {
      throw new SessionError('TOO_EARLY', 'Not yet', { httpStatus: 409, availableAt: at(20, 30) });
    });
    renderAt(at(20), <MarkNoShowButton session={session} role="tutor" markNoShow={markNoShow} defaultOpen />);
    const confirm = screen.getAllByRole('button', { name: 'Mark no-show' }).at(-1)!;
    confirm.focus();
    await act(async () => fireEvent.click(confirm));
    expect(confirm).toBeDisabled();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus());
    expect(screen.getByRole('alert')).toHaveTextContent('Not yet');
  });

  it('throws a clear error when a part is used outside the root', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(<MarkNoShowTrigger />)).toThrow('No <MarkNoShowButton> above');
  });
});
