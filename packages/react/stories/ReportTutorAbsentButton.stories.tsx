import { SessionError } from '@itutor/sessions-core';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, screen, waitFor, within } from 'storybook/test';
import {
  ReportTutorAbsentButton,
  ReportTutorAbsentCancel,
  ReportTutorAbsentConfirm,
  ReportTutorAbsentDialog,
  ReportTutorAbsentTrigger,
} from '../src/index';
import { StoryClock, clockOf, fromStart, never, sessionJson } from './story-clock';

type Args = React.ComponentProps<typeof ReportTutorAbsentButton> & { minutesFromStart: number };

/** The student joined through our Join button at the start: the presence rule is met. */
const STUDENT_JOINED = { studentJoinedAt: fromStart(0, 30) };
const settled = sessionJson({ ...STUDENT_JOINED, status: 'NO_SHOW_TUTOR', version: 2 });
const NOT_PRESENT = 'Join the session first to report your tutor absent.';

const meta = {
  title: 'Sessions/ReportTutorAbsentButton',
  component: ReportTutorAbsentButton,
  args: {
    minutesFromStart: 25,
    role: 'student',
    session: sessionJson(STUDENT_JOINED),
    reportTutorAbsent: fn(async () => ({ session: settled })),
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
      <ReportTutorAbsentButton {...props} />
    </StoryClock>
  ),
} satisfies Meta<Args>;

export default meta;
type Story = StoryObj<typeof meta>;

const trigger = (canvasElement: HTMLElement) => within(canvasElement).getByRole('button', { name: 'Report tutor absent' });
const openDialog = async (canvasElement: HTMLElement, userEvent: { click: (el: Element) => Promise<void> }) => {
  await userEvent.click(trigger(canvasElement));
  return screen.findByRole('dialog', { name: 'Report your tutor absent?' });
};
const confirmButton = (dialog: HTMLElement) => within(dialog).getByRole('button', { name: 'Report tutor absent' });
const stateOf = (canvasElement: HTMLElement) => canvasElement.querySelector('[data-itutor="tutor-absent"]')?.getAttribute('data-state');

export const Tutor: Story = {
  name: 'Hidden for the tutor',
  args: { role: 'tutor' },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).queryByRole('button')).toBeNull();
  },
};

export const Waiting: Story = {
  args: { minutesFromStart: 5 },
  play: async ({ canvasElement }) => {
    await expect(trigger(canvasElement)).toBeDisabled();
    await expect(trigger(canvasElement)).toHaveAccessibleDescription('You can report your tutor absent in 14:00');
    await expect(stateOf(canvasElement)).toBe('waiting');
  },
};

/** The countdown runs on the shared clock; when the wait ends the button enables and the live region says so, once. */
export const BecomesAvailable: Story = {
  args: { minutesFromStart: 18 },
  play: async ({ canvasElement, id }) => {
    const canvas = within(canvasElement);
    const announcer = canvasElement.querySelector('[data-itutor-part="announcer"]')!;
    clockOf(id).advance({ seconds: 59 });
    await waitFor(() => expect(canvas.getByText('You can report your tutor absent in 0:01')).toBeVisible());
    await expect(announcer).toBeEmptyDOMElement();
    clockOf(id).advance({ seconds: 1 });
    await waitFor(() => expect(trigger(canvasElement)).toBeEnabled());
    await expect(announcer).toHaveTextContent('You can now report your tutor absent.');
  },
};

export const Available: Story = {
  play: async ({ canvasElement }) => {
    await expect(trigger(canvasElement)).toBeEnabled();
    await expect(stateOf(canvasElement)).toBe('open');
  },
};

/** The presence rule: the wait is over, but nothing records the student's own presence. */
export const StudentNotPresent: Story = {
  name: 'Not present: join first',
  args: { minutesFromStart: 18, session: sessionJson() },
  play: async ({ canvasElement, id }) => {
    clockOf(id).advance({ minutes: 1 });
    await waitFor(() => expect(trigger(canvasElement)).toHaveAccessibleDescription(NOT_PRESENT));
    await expect(trigger(canvasElement)).toBeDisabled();
    await expect(stateOf(canvasElement)).toBe('not-present');
    await expect(canvasElement.querySelector('[data-itutor-part="announcer"]')).toHaveTextContent(NOT_PRESENT);
  },
};

export const ConfirmDialog: Story = {
  name: 'Confirm dialog: nothing is charged',
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await expect(dialog).toHaveAccessibleDescription(
      'Your tutor did not join within the wait. The session ends now and nothing is charged: you pay nothing.',
    );
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus());
  },
};

export const KeyboardCancelReturnsFocus: Story = {
  name: 'Keyboard: Escape closes and focus returns',
  play: async ({ canvasElement, userEvent }) => {
    trigger(canvasElement).focus();
    await userEvent.keyboard('{Enter}');
    await screen.findByRole('dialog');
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() => expect(trigger(canvasElement)).toHaveFocus());
  },
};

export const Pending: Story = {
  args: { reportTutorAbsent: fn(() => never()) },
  play: async ({ canvasElement, userEvent, args }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    const confirm = confirmButton(dialog);
    await userEvent.click(confirm);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reporting…' }));
    await expect(within(dialog).getByRole('button', { name: 'Reporting…' })).toHaveAttribute('aria-busy', 'true');
    await expect(within(dialog).getByRole('button', { name: 'Cancel' })).toBeDisabled();
    await expect(args.reportTutorAbsent).toHaveBeenCalledTimes(1);
    await expect(stateOf(canvasElement)).toBe('pending');
  },
};

export const Done: Story = {
  play: async ({ canvasElement, userEvent, args }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await userEvent.click(confirmButton(dialog));
    const result = await within(canvasElement).findByRole('status');
    await expect(result).toHaveTextContent('Tutor absence reported. You will not be charged.');
    await waitFor(() => expect(result).toHaveFocus());
    await expect(args.onSuccess).toHaveBeenCalledWith(expect.objectContaining({ status: 'NO_SHOW_TUTOR' }));
    await expect(screen.queryByRole('dialog')).toBeNull();
  },
};

export const ErrorState: Story = {
  name: 'Error: the server says the tutor joined',
  args: {
    reportTutorAbsent: fn(async () => {
      throw new SessionError('TUTOR_JOINED', 'The tutor joined within the no-show wait', { httpStatus: 409 });
    }),
  },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await userEvent.click(confirmButton(dialog));
    await waitFor(() => expect(within(dialog).getByRole('alert')).toHaveTextContent('The tutor joined within the no-show wait'));
    await waitFor(() => expect(confirmButton(dialog)).toHaveFocus());
    await expect(stateOf(canvasElement)).toBe('error');
  },
};

export const ServerSaysNotPresent: Story = {
  name: 'Refused: the server has no record of the student’s presence',
  args: {
    reportTutorAbsent: fn(async () => {
      throw new SessionError('STUDENT_NOT_PRESENT', 'Your presence is not recorded', { httpStatus: 409 });
    }),
  },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await userEvent.click(confirmButton(dialog));
    await waitFor(() => expect(within(dialog).getByRole('alert')).toHaveTextContent(NOT_PRESENT));
    await expect(confirmButton(dialog)).toBeDisabled();
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus());
  },
};

export const HiddenTutorJoined: Story = {
  name: 'Hidden: the tutor joined within the wait',
  args: { session: sessionJson({ ...STUDENT_JOINED, tutorJoinedAt: fromStart(3) }) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).queryByRole('button')).toBeNull();
  },
};

export const HiddenProviderReportsTutor: Story = {
  name: 'Hidden: the provider reports the tutor joined',
  args: { providerTutorJoinedAt: fromStart(4).toISOString() },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).queryByRole('button')).toBeNull();
  },
};

export const HiddenFinal: Story = {
  name: 'Hidden: final session',
  args: { minutesFromStart: 70, session: sessionJson({ ...STUDENT_JOINED, status: 'NO_SHOW_TUTOR' }) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).queryByRole('button')).toBeNull();
  },
};

export const AsChildParts: Story = {
  name: 'Parts with asChild (host elements)',
  render: ({ minutesFromStart, ...props }, { id }) => (
    <StoryClock id={id} minutesFromStart={minutesFromStart}>
      <ReportTutorAbsentButton {...props}>
        <ReportTutorAbsentTrigger asChild>
          <button type="button" style={{ background: 'none', color: '#b91c1c', textDecoration: 'underline' }}>
            My tutor did not come
          </button>
        </ReportTutorAbsentTrigger>
        <ReportTutorAbsentDialog>
          <p data-itutor-part="actions">
            <ReportTutorAbsentCancel>Keep waiting</ReportTutorAbsentCancel>
            <ReportTutorAbsentConfirm>Yes, report</ReportTutorAbsentConfirm>
          </p>
        </ReportTutorAbsentDialog>
      </ReportTutorAbsentButton>
    </StoryClock>
  ),
  play: async ({ canvasElement, userEvent, args }) => {
    await userEvent.click(within(canvasElement).getByRole('button', { name: 'My tutor did not come' }));
    const dialog = await screen.findByRole('dialog', { name: 'Report your tutor absent?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Yes, report' }));
    await waitFor(() => expect(args.onSuccess).toHaveBeenCalledTimes(1));
  },
};
