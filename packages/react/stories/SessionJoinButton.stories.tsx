import { definePolicy, SessionError } from '@itutor/sessions-core';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, waitFor, within } from 'storybook/test';
import { SessionJoinButton } from '../src/index';
import { StoryClock, clockOf, never, sessionJson } from './story-clock';

type Args = React.ComponentProps<typeof SessionJoinButton> & { minutesFromStart: number };

const meta = {
  title: 'Sessions/SessionJoinButton',
  component: SessionJoinButton,
  args: {
    minutesFromStart: -30,
    role: 'student',
    session: sessionJson(),
    join: fn(async () => ({ joinUrl: 'https://zoom.us/j/123456789' })),
    onJoined: fn(),
    onError: fn(),
  },
  argTypes: {
    minutesFromStart: { control: { type: 'range', min: -90, max: 90, step: 1 }, description: 'The story clock, in minutes from the scheduled start' },
    role: { control: 'inline-radio', options: ['student', 'tutor'] },
    session: { control: false },
  },
  // A stub, so stories never open real tabs: the button falls back to its "Open the meeting" link.
  beforeEach: () => {
    const original = window.open;
    window.open = () => null;
    return () => {
      window.open = original;
    };
  },
  render: ({ minutesFromStart, ...props }, { id }) => (
    <StoryClock id={id} minutesFromStart={minutesFromStart}>
      <SessionJoinButton {...props} />
    </StoryClock>
  ),
} satisfies Meta<Args>;

export default meta;
type Story = StoryObj<typeof meta>;

export const WaitingStudent: Story = {
  args: { minutesFromStart: -30 },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const button = canvas.getByRole('button', { name: 'Join session' });
    await expect(button).toBeDisabled();
    await expect(button).toHaveAccessibleDescription(/Join opens in 25:00/);
    await expect(canvas.getByText(/marked absent and charged 50%/)).toBeVisible();
  },
};

/** The server's policy charges a quarter for a no-show: the warning states the share the session JSON carries. */
export const ServerPolicyStudent: Story = {
  args: { minutesFromStart: -30, session: sessionJson({}, definePolicy({ noShowChargeBps: 2500 })) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('Join within 19 minutes of the start or you may be marked absent and charged 25%.')).toBeVisible();
  },
};

export const WaitingTutor: Story = {
  args: { minutesFromStart: -6, role: 'tutor' },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('You can mark a no-show 19 minutes after the start.')).toBeVisible();
  },
};

export const OpensWhileWatching: Story = {
  args: { minutesFromStart: -6 },
  play: async ({ canvasElement, id }) => {
    const canvas = within(canvasElement);
    const clock = clockOf(id);
    clock.advance({ seconds: 59 });
    await waitFor(() => expect(canvas.getByText('Join opens in 0:01')).toBeVisible());
    await expect(canvas.getByRole('button', { name: 'Join session' })).toBeDisabled();
    clock.advance({ seconds: 1 });
    await waitFor(() => expect(canvas.getByRole('button', { name: 'Join session' })).toBeEnabled());
    await expect(canvas.getByRole('status')).toHaveTextContent('Join is now open.');
  },
};

export const Open: Story = {
  args: { minutesFromStart: -3 },
  play: async ({ canvasElement, args, userEvent }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByText('Starts in 3:00')).toBeVisible();
    await userEvent.click(canvas.getByRole('button', { name: 'Join session' }));
    await waitFor(() => expect(args.onJoined).toHaveBeenCalledWith(expect.objectContaining({ joinUrl: 'https://zoom.us/j/123456789' })));
    await expect(args.join).toHaveBeenCalledWith(sessionJson().id);
    await expect(canvas.getByRole('link', { name: 'Open the meeting' })).toHaveAttribute('href', 'https://zoom.us/j/123456789');
  },
};

export const InProgress: Story = {
  args: { minutesFromStart: 10 },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByText('Session in progress')).toBeVisible();
    await expect(canvas.getByRole('button', { name: 'Join session' })).toBeEnabled();
  },
};

export const Ended: Story = {
  args: { minutesFromStart: 61 },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByText('Scheduled time is over')).toBeVisible();
    await expect(canvas.getByRole('button', { name: 'Join session' })).toBeEnabled();
  },
};

export const Pending: Story = {
  args: { minutesFromStart: -2, join: fn(() => never()) },
  play: async ({ canvasElement, userEvent }) => {
    const canvas = within(canvasElement);
    const button = canvas.getByRole('button', { name: 'Join session' });
    await userEvent.click(button);
    // "Joining…", and still focusable (aria-disabled), so keyboard focus stays on it.
    await waitFor(() => expect(button).toHaveAccessibleName('Joining…'));
    await expect(button).toHaveAttribute('aria-disabled', 'true');
    await expect(button).toHaveAttribute('aria-busy', 'true');
    await expect(button).toHaveFocus();
    await expect(canvasElement.querySelector('[data-itutor="join"]')).toHaveAttribute('data-state', 'pending');
  },
};

export const ErrorState: Story = {
  name: 'Error',
  args: {
    minutesFromStart: 2,
    join: fn(async () => {
      throw new SessionError('SESSION_FINAL', 'Session is already final (CANCELLED)', { httpStatus: 409 });
    }),
  },
  play: async ({ canvasElement, userEvent }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Join session' }));
    await waitFor(() => expect(canvas.getByRole('alert')).toHaveTextContent('Session is already final (CANCELLED)'));
    await expect(canvasElement.querySelector('[data-itutor="join"]')).toHaveAttribute('data-state', 'error');
  },
};

export const TooEarlyByServerClock: Story = {
  args: {
    minutesFromStart: -5,
    join: fn(async () => {
      // The server's clock is 30 s behind the browser's: it opens Join 30 s later by ours.
      throw new SessionError('TOO_EARLY', 'Join is not open yet', {
        httpStatus: 409,
        availableAt: new Date('2026-01-15T14:55:30.000Z'),
      });
    }),
  },
  play: async ({ canvasElement, userEvent, id }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Join session' }));
    await waitFor(() => expect(canvas.getByText('Join opens in 0:30')).toBeVisible());
    await expect(canvas.getByRole('button', { name: 'Join session' })).toBeDisabled();
    await expect(canvas.queryByRole('alert')).toBeNull();
    clockOf(id).advance({ seconds: 30 });
    await waitFor(() => expect(canvas.getByRole('button', { name: 'Join session' })).toBeEnabled());
  },
};

const finalStory = (status: 'COMPLETED_ASSUMED' | 'NO_SHOW_STUDENT' | 'EARLY_END_SHORT' | 'CANCELLED', label: string): Story => ({
  args: { minutesFromStart: 70, session: sessionJson({ status }) },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByText(label)).toBeVisible();
    await expect(canvas.queryByRole('button')).toBeNull();
  },
});

export const FinalCompleted = finalStory('COMPLETED_ASSUMED', 'Completed');
export const FinalNoShow = finalStory('NO_SHOW_STUDENT', 'Student no-show');
export const FinalEndedEarly = finalStory('EARLY_END_SHORT', 'Ended early');
export const FinalCancelled = finalStory('CANCELLED', 'Cancelled');

export const CustomLabelsAndLocale: Story = {
  args: {
    minutesFromStart: -12,
    locale: 'fr-FR',
    labels: {
      join: 'Rejoindre la séance',
      joinOpensIn: (c) => `Ouverture dans ${c}`,
      studentNoShowWarning: (m, p) => `Rejoignez dans les ${m} minutes suivant le début, sinon vous risquez d’être facturé${p ? ` ${p}` : ''}.`,
      startsAt: (d) => `Début : ${d}`,
    },
  },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('button', { name: 'Rejoindre la séance' })).toBeDisabled();
    await expect(canvas.getByText('Ouverture dans 7:00')).toBeVisible();
  },
};

export const AsChild: Story = {
  name: 'asChild (host element)',
  args: {
    minutesFromStart: -2,
    asChild: true,
    children: (
      <button type="button" className="host-button" style={{ borderRadius: 999 }}>
        Enter the classroom
      </button>
    ),
  },
  play: async ({ canvasElement, userEvent, args }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Enter the classroom' });
    await expect(button).toHaveClass('host-button');
    await expect(button).toHaveAttribute('data-itutor-part', 'button');
    await userEvent.click(button);
    await waitFor(() => expect(args.onJoined).toHaveBeenCalledTimes(1));
  },
};

export const FailureKeepsFocusOnButton: Story = {
  args: ErrorState.args,
  play: async ({ canvasElement, userEvent }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Join session' }));
    await canvas.findByRole('alert');
    await waitFor(() => expect(canvas.getByRole('button', { name: 'Join session' })).toHaveFocus());
  },
};
