import { formatMoney } from '@itutor/sessions-core';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, screen, waitFor, within } from 'storybook/test';
import { SessionRequestError } from '@itutor/sessions-core/client';
import { MarkNoShowButton } from '../src/index';
import { StoryClock, clockOf, never, sessionJson } from './story-clock';

type Args = React.ComponentProps<typeof MarkNoShowButton> & { minutesFromStart: number };

const settled = sessionJson({ status: 'NO_SHOW_STUDENT', version: 2, chargeAmountMinor: 7500, payoutAmountMinor: 6750, platformFeeMinor: 750 });

const meta = {
  title: 'Sessions/MarkNoShowButton',
  component: MarkNoShowButton,
  args: {
    minutesFromStart: 25,
    role: 'tutor',
    session: sessionJson(),
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
    await userEvent.click(confirmButton(dialog));
    await userEvent.click(confirmButton(dialog));
    await waitFor(() => expect(confirmButton(dialog)).toBeDisabled());
    await expect(confirmButton(dialog)).toHaveAttribute('aria-busy', 'true');
    await expect(args.markNoShow).toHaveBeenCalledTimes(1);
  },
};

export const ErrorState: Story = {
  name: 'Error',
  args: {
    markNoShow: fn(async () => {
      throw new SessionRequestError('The student joined within the no-show wait', { status: 409, code: 'STUDENT_JOINED' });
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

export const HiddenFinal: Story = {
  args: { minutesFromStart: 70, session: sessionJson({ status: 'COMPLETED_ASSUMED' }) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).queryByRole('button')).toBeNull();
  },
};
