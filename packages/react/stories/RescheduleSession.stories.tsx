import { SessionError } from '@itutor/sessions-core';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, fn, waitFor, within } from 'storybook/test';
import { useRescheduleSession, type RescheduleSessionFunction } from '../src/index';
import { StoryClock, fromStart, never, sessionJson } from './story-clock';

/**
 * `useRescheduleSession` with a host's own time picker (here a plain `datetime-local` input): the hook
 * posts the instant, the host draws every state.
 */
function HostReschedule({ reschedule: host, onSuccess }: { reschedule: RescheduleSessionFunction; onSuccess: (session: unknown) => void }) {
  const [value, setValue] = useState('2026-01-20T15:00');
  const { reschedule, retry, pending, error, retryAt, session } = useRescheduleSession(sessionJson().id, { reschedule: host, onSuccess });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void reschedule(new Date(`${value}:00Z`), 'Exams');
      }}
    >
      <label>
        New start (UTC) <input type="datetime-local" value={value} onChange={(e) => setValue(e.target.value)} />
      </label>
      <button type="submit" aria-busy={pending} aria-disabled={pending || undefined}>
        {pending ? 'Moving…' : 'Move the session'}
      </button>
      {error && (
        <p role="alert">
          {error.code}: {error.message}
          {error.code === 'PROVIDER_UNAVAILABLE' && (
            <>
              {' '}
              {retryAt && <span>(try again after {retryAt.toISOString()})</span>}{' '}
              <button type="button" onClick={() => void retry()}>
                Try again
              </button>
            </>
          )}
        </p>
      )}
      {session && <p role="status">Moved to {session.scheduledStartAt.toISOString()}</p>}
    </form>
  );
}

const moved = { session: sessionJson({ scheduledStartAt: new Date('2026-01-20T15:00:00.000Z'), version: 2 }) };

const meta = {
  title: 'Sessions/useRescheduleSession',
  component: HostReschedule,
  args: { reschedule: fn(async () => moved), onSuccess: fn() },
  render: (props, { id }) => (
    <StoryClock id={id} minutesFromStart={-3 * 24 * 60}>
      <HostReschedule {...props} />
    </StoryClock>
  ),
} satisfies Meta<typeof HostReschedule>;

export default meta;
type Story = StoryObj<typeof meta>;

const submit = (canvasElement: HTMLElement) => within(canvasElement).getByRole('button', { name: /Move the session|Moving…/ });

export const Success: Story = {
  play: async ({ canvasElement, userEvent, args }) => {
    await userEvent.click(submit(canvasElement));
    await waitFor(() => expect(within(canvasElement).getByRole('status')).toHaveTextContent('Moved to 2026-01-20T15:00:00.000Z'));
    await expect(args.reschedule).toHaveBeenCalledWith(sessionJson().id, { startAt: '2026-01-20T15:00:00.000Z', reason: 'Exams' });
    await expect(args.onSuccess).toHaveBeenCalledWith(expect.objectContaining({ version: 2 }));
  },
};

export const Pending: Story = {
  args: { reschedule: fn(() => never()) },
  play: async ({ canvasElement, userEvent, args }) => {
    await userEvent.click(submit(canvasElement));
    await userEvent.click(submit(canvasElement));
    await waitFor(() => expect(submit(canvasElement)).toHaveAttribute('aria-busy', 'true'));
    await expect(args.reschedule).toHaveBeenCalledTimes(1);
  },
};

export const TooLate: Story = {
  name: 'Refused: inside the minimum notice (TOO_LATE)',
  args: {
    reschedule: fn(async () => {
      throw new SessionError('TOO_LATE', 'A session can only be rescheduled up to 1440 minutes before its start, before anyone joined', {
        httpStatus: 409,
        availableUntil: fromStart(-1440),
      });
    }),
  },
  play: async ({ canvasElement, userEvent }) => {
    await userEvent.click(submit(canvasElement));
    await waitFor(() => expect(within(canvasElement).getByRole('alert')).toHaveTextContent(/^TOO_LATE: A session can only be rescheduled up to 1440 minutes/));
  },
};

/** The provider times out on the first move (nothing changed on the server), and moves it on the retry. */
const unavailableOnce = fn<RescheduleSessionFunction>(async () => {
  if (unavailableOnce.mock.calls.length === 1) {
    throw new SessionError('PROVIDER_UNAVAILABLE', 'The video provider (zoom) timed out while moving the meeting; try again shortly', {
      httpStatus: 503,
      availableAt: fromStart(-3 * 24 * 60, 30),
    });
  }
  return moved;
});

export const ProviderUnavailable: Story = {
  name: 'The provider could not move the meeting: try again',
  args: {
    reschedule: unavailableOnce,
  },
  play: async ({ canvasElement, userEvent, args }) => {
    await userEvent.click(submit(canvasElement));
    const alert = await within(canvasElement).findByRole('alert');
    await expect(alert).toHaveTextContent('PROVIDER_UNAVAILABLE');
    await expect(alert).toHaveTextContent(`try again after ${fromStart(-3 * 24 * 60, 30).toISOString()}`);
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(within(canvasElement).getByRole('status')).toHaveTextContent('Moved to'));
    await expect(args.reschedule).toHaveBeenCalledTimes(2);
  },
};
