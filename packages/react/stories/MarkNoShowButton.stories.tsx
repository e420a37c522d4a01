import { definePolicy, SessionError } from '@itutor/sessions-core';
import { formatMoney } from '@itutor/sessions-core/rules';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, screen, waitFor, within } from 'storybook/test';
import { SessionAttendanceStatus, useSessionAttendance } from '../src/attendance';
import { MarkNoShowButton, MarkNoShowCancel, MarkNoShowConfirm, MarkNoShowDialog, MarkNoShowTrigger } from '../src/index';
import { at, attendanceJson } from '../test/fixtures';
import { StoryClock, clockOf, fromStart, never, sessionJson } from './story-clock';

type Args = React.ComponentProps<typeof MarkNoShowButton> & { minutesFromStart: number };

/** The tutor joined through our Join button two minutes before the start: the presence rule is met. */
const TUTOR_JOINED = { tutorJoinedAt: fromStart(-2) };
const settled = sessionJson({ ...TUTOR_JOINED, status: 'NO_SHOW_STUDENT', version: 2, chargeAmountMinor: 7500, payoutAmountMinor: 6750, platformFeeMinor: 750 });
const NOT_PRESENT = 'Join the session first to mark the student absent.';

const meta = {
  title: 'Sessions/MarkNoShowButton',
  component: MarkNoShowButton,
  args: {
    minutesFromStart: 25,
    role: 'tutor',
    session: sessionJson(TUTOR_JOINED),
    markNoShow: fn(async () => ({ session: settled })),
    onSuccess: fn(),
    onError: fn(),
  },
  argTypes: {
    minutesFromStart: { control: { type: 'range', min: -30, max: 90, step: 1 }, description: 'The story clock, in minutes from the scheduled start' },
    role: { control: 'inline-radio', options: ['student', 'tutor'] },
    session: { control: false },
  },
  render: ({ minutesFromStart, ...props }, { id }) => (
    <StoryClock id={id} minutesFromStart={minutesFromStart}>
      <MarkNoShowButton {...props} />
    </StoryClock>
  ),
} satisfies Meta<Args>;

export default meta;
type Story = StoryObj<typeof meta>;

const openDialog = async (canvasElement: HTMLElement, userEvent: { click: (el: Element) => Promise<void> }) => {
  await userEvent.click(within(canvasElement).getByRole('button', { name: 'Mark no-show' }));
  return screen.findByRole('dialog', { name: 'Mark the student as absent?' });
};
const confirmButton = (dialog: HTMLElement) => within(dialog).getByRole('button', { name: 'Mark no-show' });

export const Student: Story = {
  args: { role: 'student' },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).queryByRole('button')).toBeNull();
  },
};

export const Waiting: Story = {
  args: { minutesFromStart: 5 },
  play: async ({ canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Mark no-show' });
    await expect(button).toBeDisabled();
    await expect(button).toHaveAccessibleDescription('You can mark a no-show in 14:00');
  },
};

export const BecomesAvailable: Story = {
  args: { minutesFromStart: 18 },
  play: async ({ canvasElement, id }) => {
    const canvas = within(canvasElement);
    const button = canvas.getByRole('button', { name: 'Mark no-show' });
    await expect(button).toBeDisabled();
    clockOf(id).advance({ seconds: 59 });
    await waitFor(() => expect(canvas.getByText('You can mark a no-show in 0:01')).toBeVisible());
    await expect(button).toBeDisabled();
    clockOf(id).advance({ seconds: 1 });
    await waitFor(() => expect(canvas.getByRole('button', { name: 'Mark no-show' })).toBeEnabled());
  },
};

export const Available: Story = {
  args: { minutesFromStart: 19 },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('button', { name: 'Mark no-show' })).toBeEnabled();
  },
};

export const ConfirmDialog: Story = {
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await expect(dialog).toHaveAccessibleDescription(
      `The student will be charged ${formatMoney(7500, { currency: 'TTD', locale: 'en-TT' })} and you will receive ${formatMoney(6750, { currency: 'TTD', locale: 'en-TT' })}. This cannot be undone.`,
    );
  },
};

/** The server's policy charges a quarter and pays out 80 %: the dialog states what the session JSON carries. */
export const ServerPolicy: Story = {
  args: { session: sessionJson(TUTOR_JOINED, definePolicy({ noShowChargeBps: 2500, tutorPayoutBps: 8000 })) },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await expect(dialog).toHaveAccessibleDescription(/charged TTD\s37\.50 and you will receive TTD\s30\.00\./);
  },
};

/** JSON built without the policy (`toSessionJson(session, { policy: null })`): the dialog states no amounts. */
export const NoQuote: Story = {
  args: { session: sessionJson(TUTOR_JOINED, null) },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await expect(dialog).toHaveAccessibleDescription('The student will be marked absent and charged the no-show rate. This cannot be undone.');
  },
};

export const CancelReturnsFocus: Story = {
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(within(canvasElement).getByRole('button', { name: 'Mark no-show' })).toHaveFocus());
  },
};

export const Pending: Story = {
  args: { markNoShow: fn(() => never()) },
  play: async ({ canvasElement, userEvent, args }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    const confirm = confirmButton(dialog);
    await userEvent.click(confirm);
    await userEvent.click(confirm);
    await waitFor(() => expect(confirm).toHaveAttribute('aria-disabled', 'true'));
    await expect(confirm).toHaveAttribute('aria-busy', 'true');
    await expect(args.markNoShow).toHaveBeenCalledTimes(1);
  },
};

export const ErrorState: Story = {
  name: 'Error',
  args: {
    markNoShow: fn(async () => {
      throw new SessionError('STUDENT_JOINED', 'The student joined within the no-show wait', { httpStatus: 409 });
    }),
  },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await userEvent.click(confirmButton(dialog));
    await waitFor(() => expect(within(dialog).getByRole('alert')).toHaveTextContent('The student joined within the no-show wait'));
  },
};

export const Success: Story = {
  play: async ({ canvasElement, userEvent, args }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await userEvent.click(confirmButton(dialog));
    await waitFor(() => expect(args.onSuccess).toHaveBeenCalledWith(expect.objectContaining({ status: 'NO_SHOW_STUDENT' })));
    await expect(within(canvasElement).getByRole('status')).toHaveTextContent('No-show recorded.');
    await expect(screen.queryByRole('dialog')).toBeNull();
  },
};

export const HiddenStudentJoined: Story = {
  args: { session: sessionJson({ studentJoinedAt: new Date('2026-01-15T15:02:00.000Z') }) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).queryByRole('button')).toBeNull();
  },
};

/** The video provider reported the student in the meeting within the wait (e.g. from `useSessionAttendance`). */
export const HiddenProviderReportsStudent: Story = {
  args: { providerStudentJoinedAt: '2026-01-15T15:03:00.000Z' },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).queryByRole('button')).toBeNull();
  },
};

export const HiddenFinal: Story = {
  args: { minutesFromStart: 70, session: sessionJson({ status: 'COMPLETED_ASSUMED' }) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).queryByRole('button')).toBeNull();
  },
};

export const PendingLabel: Story = {
  name: 'Pending (Marking…)',
  args: { markNoShow: fn(() => never()) },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await userEvent.click(confirmButton(dialog));
    const pending = within(dialog).getByRole('button', { name: 'Marking…' });
    await expect(pending).toHaveAttribute('aria-disabled', 'true');
    await expect(pending).toHaveFocus();
    await expect(within(dialog).getByRole('button', { name: 'Cancel' })).toBeDisabled();
  },
};

export const SuccessMovesFocusToResult: Story = {
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await userEvent.click(confirmButton(dialog));
    const result = await within(canvasElement).findByRole('status');
    await waitFor(() => expect(result).toHaveFocus());
    // Radix returns focus on close in a timeout: it must not pull focus to <body> afterwards.
    await new Promise((r) => setTimeout(r, 50));
    await expect(result).toHaveFocus();
  },
};

export const FailureReturnsFocusToConfirm: Story = {
  args: ErrorState.args,
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await userEvent.click(confirmButton(dialog));
    await within(dialog).findByRole('alert');
    await waitFor(() => expect(confirmButton(dialog)).toHaveFocus());
  },
};

export const ControlledOpen: Story = {
  name: 'Controlled dialog (open)',
  args: { open: true, onOpenChange: fn() },
  play: async ({ args, userEvent }) => {
    const dialog = await screen.findByRole('dialog', { name: 'Mark the student as absent?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await expect(args.onOpenChange).toHaveBeenCalledWith(false);
    // The host did not change `open`: the dialog stays.
    await expect(screen.getByRole('dialog')).toBeInTheDocument();
  },
};

export const AsChildParts: Story = {
  name: 'Parts with asChild (host elements)',
  render: ({ minutesFromStart, ...props }, { id }) => (
    <StoryClock id={id} minutesFromStart={minutesFromStart}>
      <MarkNoShowButton {...props}>
        <MarkNoShowTrigger asChild>
          <button type="button" className="host-link" style={{ background: 'none', color: '#b91c1c', textDecoration: 'underline' }}>
            Student did not come
          </button>
        </MarkNoShowTrigger>
        <MarkNoShowDialog>
          <p data-itutor-part="actions">
            <MarkNoShowCancel>Keep waiting</MarkNoShowCancel>
            <MarkNoShowConfirm asChild>
              <button type="button" className="host-danger">
                Yes, mark absent
              </button>
            </MarkNoShowConfirm>
          </p>
        </MarkNoShowDialog>
      </MarkNoShowButton>
    </StoryClock>
  ),
  play: async ({ canvasElement, userEvent, args }) => {
    const trigger = within(canvasElement).getByRole('button', { name: 'Student did not come' });
    await expect(trigger).toHaveClass('host-link');
    await expect(trigger).toHaveAttribute('data-itutor-part', 'button');
    await userEvent.click(trigger);
    const dialog = await screen.findByRole('dialog', { name: 'Mark the student as absent?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Yes, mark absent' }));
    await waitFor(() => expect(args.onSuccess).toHaveBeenCalledTimes(1));
  },
};

export const AboveStickyHeader: Story = {
  name: 'Dialog above a sticky host header',
  args: { defaultOpen: true },
  render: ({ minutesFromStart, ...props }, { id }) => (
    <StoryClock id={id} minutesFromStart={minutesFromStart}>
      <header data-testid="host-header" style={{ position: 'sticky', top: 0, zIndex: 50, height: 64, background: '#0f172a', color: 'white' }}>
        Host header (z-index 50)
      </header>
      <MarkNoShowButton {...props} />
    </StoryClock>
  ),
  play: async () => {
    await screen.findByRole('dialog');
    const header = screen.getByTestId('host-header').getBoundingClientRect();
    // What is painted on top of the header's middle is the dimmed overlay, not the header.
    const top = document.elementFromPoint(header.left + header.width / 2, header.top + header.height / 2);
    await expect(top).toHaveAttribute('data-itutor', 'no-show-overlay');
  },
};

/** The server's refusal when the video provider reports the student in the meeting within the wait. */
const providerRefusal = () =>
  fn(async () => {
    throw new SessionError('STUDENT_JOINED', 'The student joined the meeting within the no-show wait (reported by the video provider)', {
      httpStatus: 409,
      source: 'provider',
    });
  });

export const ProviderReportsStudent: Story = {
  name: 'Refused: the provider reports the student in the meeting',
  args: { markNoShow: providerRefusal() },
  play: async ({ canvasElement, userEvent, args }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await userEvent.click(confirmButton(dialog));
    await waitFor(() =>
      expect(within(dialog).getByRole('alert')).toHaveTextContent('The student joined the meeting within the no-show wait (reported by the video provider)'),
    );
    await expect(args.onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'STUDENT_JOINED', details: expect.objectContaining({ source: 'provider' }) }));
    await expect(canvasElement.querySelector('[data-itutor="no-show"]')).toHaveAttribute('data-state', 'error');
  },
};

export const ProviderReportsStudentLabel: Story = {
  name: 'Refused on the provider’s report, in the host’s words (studentInMeeting label)',
  args: { markNoShow: providerRefusal(), labels: { studentInMeeting: 'Zoom says the student is in the meeting: no no-show.' } },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await userEvent.click(confirmButton(dialog));
    await waitFor(() => expect(within(dialog).getByRole('alert')).toHaveTextContent('Zoom says the student is in the meeting: no no-show.'));
    await waitFor(() => expect(confirmButton(dialog)).toHaveFocus());
  },
};

/** The tutor's panel as a host builds it: the button, and beside it what the provider reports (hook + status line). */
function TutorPanel(props: React.ComponentProps<typeof MarkNoShowButton>) {
  const { attendance } = useSessionAttendance(sessionJson().id, {
    fetchAttendance: async () => attendanceJson({ studentInMeeting: true, studentJoinedAt: at(21).toISOString() }),
    refreshIntervalMs: 0,
  });
  return (
    <>
      <MarkNoShowButton {...props} />
      <SessionAttendanceStatus attendance={attendance} role="tutor" />
    </>
  );
}

export const WithAttendance: Story = {
  name: 'With attendance: the student is in the meeting (joined late)',
  args: { minutesFromStart: 25 },
  render: ({ minutesFromStart, ...props }, { id }) => (
    <StoryClock id={id} minutesFromStart={minutesFromStart}>
      <TutorPanel {...props} />
    </StoryClock>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByRole('status')).toHaveTextContent('The student is in the meeting.');
    // Joined after the wait: the rules still allow the no-show, so the button stays; the line tells the tutor.
    await expect(canvas.getByRole('button', { name: 'Mark no-show' })).toBeEnabled();
  },
};

/** The presence rule: the wait is over, but nothing records the tutor's own presence (no Join, no provider report). */
export const TutorNotPresent: Story = {
  name: 'Not present: the tutor has not joined',
  args: { minutesFromStart: 18, session: sessionJson() },
  play: async ({ canvasElement, id }) => {
    const canvas = within(canvasElement);
    const button = canvas.getByRole('button', { name: 'Mark no-show' });
    await expect(button).toHaveAccessibleDescription('You can mark a no-show in 1:00');
    clockOf(id).advance({ minutes: 1 });
    await waitFor(() => expect(button).toHaveAccessibleDescription(NOT_PRESENT));
    await expect(button).toBeDisabled();
    await expect(canvasElement.querySelector('[data-itutor="no-show"]')).toHaveAttribute('data-state', 'not-present');
  },
};

/** The video provider reports the tutor in the meeting (`providerTutorJoinedAt`): that records the presence too. */
export const TutorPresentByProvider: Story = {
  name: 'Present by the provider’s report',
  args: { session: sessionJson(), providerTutorJoinedAt: fromStart(1).toISOString() },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('button', { name: 'Mark no-show' })).toBeEnabled();
  },
};

/** The server's record decides: its 409 `TUTOR_NOT_PRESENT` is shown like the guard's own answer. */
export const ServerSaysNotPresent: Story = {
  name: 'Refused: the server has no record of the tutor’s presence',
  args: {
    markNoShow: fn(async () => {
      throw new SessionError('TUTOR_NOT_PRESENT', 'Your own presence is not recorded', { httpStatus: 409 });
    }),
  },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await userEvent.click(confirmButton(dialog));
    await waitFor(() => expect(within(dialog).getByRole('alert')).toHaveTextContent(NOT_PRESENT));
    await expect(confirmButton(dialog)).toBeDisabled();
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus());
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await expect(within(canvasElement).getByRole('button', { name: 'Mark no-show' })).toHaveAccessibleDescription(NOT_PRESENT);
  },
};
