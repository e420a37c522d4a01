import { SessionError } from '@itutor/sessions-core';
import { cancellationQuote, toCancellationQuoteJson } from '@itutor/sessions-core/rules';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, screen, waitFor, within } from 'storybook/test';
import { CancelSessionButton, type CancelSessionBody, type CancellationQuoteJson, type FetchCancellationPreviewFunction } from '../src/index';
import { makeSession } from '../test/fixtures';
import { StoryClock, clockOf, fromStart, never, sessionJson } from './story-clock';

type Args = React.ComponentProps<typeof CancelSessionButton> & { minutesFromStart: number };

/** The student's cancellation at `now` under the default tiers (free from 24 h before, then 50 %), as the server computes it. */
const quoteAt = (now: Date) => toCancellationQuoteJson(cancellationQuote(makeSession(), 'student', now));
const cancelledLate = sessionJson({ status: 'CANCELLED_LATE', version: 2, chargeAmountMinor: 7500, payoutAmountMinor: 6750, platformFeeMinor: 750 });
const FREE_TEXT = 'Cancelling now is free: nothing is charged.';
const LATE_TEXT = /^You will be charged TTD\s75\.00 \(50%\)\.$/;
const CHANGED = 'The cancellation fee has changed. Check it and confirm again.';

/** A preview whose first ask fails (the network), and whose next answers. */
const failingOnce = fn<FetchCancellationPreviewFunction>(async () => {
  if (failingOnce.mock.calls.length === 1) throw new SessionError('REQUEST_FAILED', 'Network down');
  return quoteAt(fromStart(-60));
});

const meta = {
  title: 'Sessions/CancelSessionButton',
  component: CancelSessionButton,
  args: {
    minutesFromStart: -60,
    session: sessionJson(),
    cancelSession: fn(async () => ({ session: cancelledLate })),
    onCancelled: fn(),
    onError: fn(),
  },
  argTypes: {
    minutesFromStart: { control: { type: 'range', min: -3000, max: 10, step: 10 }, description: 'The story clock, in minutes from the scheduled start' },
    session: { control: false },
  },
  // The fee preview answers as the server would at the story clock's instant, unless a story brings its own.
  render: ({ minutesFromStart, fetchCancellationPreview, ...props }, { id }) => (
    <StoryClock id={id} minutesFromStart={minutesFromStart}>
      <CancelSessionButton {...props} fetchCancellationPreview={fetchCancellationPreview ?? (async () => quoteAt(clockOf(id).now()))} />
    </StoryClock>
  ),
} satisfies Meta<Args>;

export default meta;
type Story = StoryObj<typeof meta>;

const trigger = (canvasElement: HTMLElement) => within(canvasElement).getByRole('button', { name: 'Cancel session' });
const openDialog = async (canvasElement: HTMLElement, userEvent: { click: (el: Element) => Promise<void> }) => {
  await userEvent.click(trigger(canvasElement));
  return screen.findByRole('dialog', { name: 'Cancel this session?' });
};
const description = (dialog: HTMLElement) => dialog.querySelector('[data-itutor-part="description"]')!;
const confirmButton = (dialog: HTMLElement) => dialog.querySelector<HTMLElement>('[data-itutor-part="confirm"]')!;
const stateOf = (canvasElement: HTMLElement) => canvasElement.querySelector('[data-itutor="cancel"]')?.getAttribute('data-state');

export const Available: Story = {
  play: async ({ canvasElement }) => {
    await expect(trigger(canvasElement)).toBeEnabled();
    await expect(stateOf(canvasElement)).toBe('available');
  },
};

export const LoadingPreview: Story = {
  name: 'Loading the fee',
  args: { fetchCancellationPreview: fn(() => never<CancellationQuoteJson>()) },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await expect(description(dialog)).toHaveTextContent('Checking the cancellation fee…');
    await expect(confirmButton(dialog)).toHaveAttribute('aria-disabled', 'true');
    await expect(stateOf(canvasElement)).toBe('loading');
  },
};

export const Free: Story = {
  name: 'Free (more than 24 h before)',
  args: { minutesFromStart: -1500 },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await waitFor(() => expect(dialog).toHaveAccessibleDescription(FREE_TEXT));
    await expect(stateOf(canvasElement)).toBe('ready');
  },
};

export const LateFee: Story = {
  name: 'Late: a fee is stated',
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await waitFor(() => expect(description(dialog)).toHaveTextContent(LATE_TEXT));
    await expect(description(dialog)).toHaveAttribute('aria-live', 'polite');
  },
};

/** The dialog is open when the free tier ends: the fee is asked for again and the change announced. */
export const TierChangesWhileOpen: Story = {
  name: 'The tier changes while the dialog is open',
  args: { minutesFromStart: -1441 },
  play: async ({ canvasElement, userEvent, id }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await waitFor(() => expect(description(dialog)).toHaveTextContent(FREE_TEXT));
    clockOf(id).advance({ seconds: 61 });
    await waitFor(() => expect(description(dialog)).toHaveTextContent(LATE_TEXT));
    await expect(within(dialog).getByRole('alert')).toHaveTextContent(CHANGED);
  },
};

/** The server judged a different fee than the one shown: the new one is shown and confirmed again. */
export const FeeChangedOnConfirm: Story = {
  name: 'Fee changed on confirm (409): confirm again',
  args: {
    minutesFromStart: -1500,
    // The server's clock is past the free tier: it charges 50 % and refuses any other fee, with the fee now.
    cancelSession: fn(async (_id: string, body: CancelSessionBody) => {
      if (body.expectedChargeMinor !== 7500) {
        throw new SessionError('CANCELLATION_FEE_CHANGED', 'The fee changed', { httpStatus: 409, quote: quoteAt(fromStart(-60)) });
      }
      return { session: cancelledLate };
    }),
  },
  play: async ({ canvasElement, userEvent, args }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await waitFor(() => expect(description(dialog)).toHaveTextContent(FREE_TEXT));
    await userEvent.click(confirmButton(dialog));
    await waitFor(() => expect(description(dialog)).toHaveTextContent(LATE_TEXT));
    await expect(within(dialog).getByRole('alert')).toHaveTextContent(CHANGED);
    await waitFor(() => expect(confirmButton(dialog)).toHaveFocus());
    await expect(args.cancelSession).toHaveBeenCalledTimes(1);
    await expect(args.cancelSession).toHaveBeenLastCalledWith(sessionJson().id, { expectedChargeMinor: 0 });
    await userEvent.click(confirmButton(dialog));
    await waitFor(() => expect(args.onCancelled).toHaveBeenCalledTimes(1));
    await expect(args.cancelSession).toHaveBeenLastCalledWith(sessionJson().id, { expectedChargeMinor: 7500 });
  },
};

export const PreviewError: Story = {
  name: 'Preview error, then Try again',
  args: {
    fetchCancellationPreview: failingOnce,
  },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await waitFor(() => expect(within(dialog).getByRole('alert')).toHaveTextContent('The cancellation fee could not be checked. Network down'));
    await expect(stateOf(canvasElement)).toBe('preview-error');
    const retry = within(dialog).getByRole('button', { name: 'Try again' });
    await waitFor(() => expect(retry).toHaveFocus());
    await userEvent.click(retry);
    await waitFor(() => expect(description(dialog)).toHaveTextContent(LATE_TEXT));
  },
};

export const Pending: Story = {
  args: { cancelSession: fn(() => never()) },
  play: async ({ canvasElement, userEvent, args }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await waitFor(() => expect(description(dialog)).toHaveTextContent(LATE_TEXT));
    await userEvent.click(confirmButton(dialog));
    await userEvent.click(confirmButton(dialog));
    await expect(confirmButton(dialog)).toHaveAccessibleName('Cancelling…');
    await expect(confirmButton(dialog)).toHaveAttribute('aria-busy', 'true');
    await expect(within(dialog).getByRole('button', { name: 'Keep the session' })).toBeDisabled();
    await expect(args.cancelSession).toHaveBeenCalledTimes(1);
    await expect(stateOf(canvasElement)).toBe('pending');
  },
};

export const Done: Story = {
  play: async ({ canvasElement, userEvent, args }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await waitFor(() => expect(description(dialog)).toHaveTextContent(LATE_TEXT));
    await userEvent.click(confirmButton(dialog));
    const result = await within(canvasElement).findByRole('status');
    await expect(result).toHaveTextContent('Session cancelled.');
    await waitFor(() => expect(result).toHaveFocus());
    await expect(args.onCancelled).toHaveBeenCalledWith(expect.objectContaining({ status: 'CANCELLED_LATE' }));
  },
};

export const RefusedTooLate: Story = {
  name: 'Refused: the session started (TOO_LATE)',
  args: {
    fetchCancellationPreview: fn(async () => {
      throw new SessionError('TOO_LATE', 'A session can only be cancelled before its scheduled start', { httpStatus: 409 });
    }),
  },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await waitFor(() => expect(within(dialog).getByRole('alert')).toHaveTextContent('This session has started: it can no longer be cancelled.'));
    await expect(confirmButton(dialog)).toBeDisabled();
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Keep the session' })).toHaveFocus());
    await expect(stateOf(canvasElement)).toBe('refused');
  },
};

export const RefusedFinal: Story = {
  name: 'Refused: the session is final (SESSION_FINAL)',
  args: {
    cancelSession: fn(async () => {
      throw new SessionError('SESSION_FINAL', 'Session is already final (CANCELLED)', { httpStatus: 409 });
    }),
  },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openDialog(canvasElement, userEvent);
    await waitFor(() => expect(description(dialog)).toHaveTextContent(LATE_TEXT));
    await userEvent.click(confirmButton(dialog));
    await waitFor(() => expect(within(dialog).getByRole('alert')).toHaveTextContent('This session has already ended or been cancelled.'));
    await expect(confirmButton(dialog)).toBeDisabled();
  },
};

export const HiddenFinal: Story = {
  name: 'Hidden: final session',
  args: { session: sessionJson({ status: 'CANCELLED' }) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).queryByRole('button')).toBeNull();
  },
};

export const HiddenStarted: Story = {
  name: 'Hidden: the session started',
  args: { minutesFromStart: 1 },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).queryByRole('button')).toBeNull();
  },
};
