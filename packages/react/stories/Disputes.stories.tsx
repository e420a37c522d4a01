import type { Meta, StoryObj } from '@storybook/react-vite';
import { useMemo } from 'react';
import { expect, screen, waitFor, within } from 'storybook/test';
import { SessionClockProvider } from '../src/index';
import { DisputePanel, OpenDisputeButton, useDispute, type DisputeLabelsInput } from '../src/disputes';
import {
  DISPUTE_SESSION_ID,
  PAID_AND_REVERSED,
  WINDOW_CLOSES_AT,
  disputeView,
  fakeDisputeFetch,
  type FakeDisputeFetch,
  type FakeRoute,
} from '../test/dispute-fixtures';
import { START } from '../test/fixtures';
import { StoryClock } from './story-clock';

/** The fake servers by story id, so play functions can read the requests their story made. */
const servers = new Map<string, FakeDisputeFetch>();
const requestsOf = (id: string) => servers.get(id)!.requests;
const posts = (id: string) => requestsOf(id).filter((r) => r.method === 'POST');

interface Args {
  /** The story clock, in minutes from the session's scheduled start (1317: 12:57 UTC the next day, 2 days 3 hours before the window closes). */
  readonly minutesFromStart: number;
  /** What the fake server answers, by `"{METHOD} {route}"`. */
  readonly routes: Readonly<Record<string, FakeRoute>>;
  readonly labels?: DisputeLabelsInput;
}

/** A session page as a host would write it: one `useDispute` shared by the student's button and the panel. */
function DisputePage({ routes, labels, id }: Args & { id: string }) {
  const fetch = useMemo(() => {
    const server = fakeDisputeFetch(routes);
    servers.set(id, server);
    return server;
  }, [id, routes]);
  const dispute = useDispute(DISPUTE_SESSION_ID, { fetch });
  return (
    <div style={{ display: 'grid', gap: 16, maxWidth: 960 }}>
      <OpenDisputeButton sessionId={DISPUTE_SESSION_ID} dispute={dispute} labels={labels} />
      <DisputePanel sessionId={DISPUTE_SESSION_ID} dispute={dispute} labels={labels} />
    </div>
  );
}

const meta = {
  title: 'Sessions/Disputes',
  component: DisputePage as unknown as React.ComponentType<Args>,
  args: {
    minutesFromStart: 21 * 60 + 57,
    routes: { 'GET dispute': disputeView('none', 'student'), 'POST dispute': disputeView('open', 'student') },
  },
  argTypes: {
    minutesFromStart: { control: { type: 'range', min: 60, max: 4500, step: 30 }, description: 'The story clock, in minutes from the scheduled start' },
    routes: { control: false },
  },
  render: (args, { id }) => (
    <StoryClock id={id} minutesFromStart={args.minutesFromStart}>
      <SessionClockProvider locale="en-US" timeZone="UTC">
        <DisputePage {...args} id={id} />
      </SessionClockProvider>
    </StoryClock>
  ),
} satisfies Meta<Args>;

export default meta;
type Story = StoryObj<typeof meta>;

type UserEvent = { click: (el: Element) => Promise<void>; type: (el: Element, text: string) => Promise<void> };

/** The panel, once the view is read (the fake server answers on the next tick). */
const region = async (canvasElement: HTMLElement) => {
  const panel = await within(canvasElement).findByRole('region', { name: 'Dispute' });
  await waitFor(() => expect(panel).not.toHaveAttribute('data-state', 'loading'));
  return panel;
};
const openStep = async (canvasElement: HTMLElement, userEvent: UserEvent, name: string) => {
  await userEvent.click(await within(canvasElement).findByRole('button', { name }));
  return screen.findByRole('dialog', { name });
};
const confirmIn = (dialog: HTMLElement) => dialog.querySelector<HTMLElement>('[data-itutor-part="confirm"]')!;
const payoutCard = async (canvasElement: HTMLElement) =>
  (await within(canvasElement).findByRole('region', { name: "Tutor's payout" })).querySelector('[data-itutor-part="payout-state"]')!;

export const NoDisputeCanOpen: Story = {
  name: 'Student: no dispute, can report a problem',
  play: async ({ canvasElement, userEvent, id }) => {
    await expect(await region(canvasElement)).toHaveTextContent('No problem has been reported for this session.');
    await userEvent.click(await within(canvasElement).findByRole('button', { name: 'Report a problem' }));
    const dialog = await screen.findByRole('dialog', { name: 'Report a problem with this session' });
    await expect(dialog).toHaveAccessibleDescription(/^You can report a problem until Jan 18, 2026, 4:00\sPM \(2 days 3 hours left\)\.$/);
    await userEvent.selectOptions(within(dialog).getByRole('combobox', { name: 'What went wrong?' }), 'The session ended early');
    const message = within(dialog).getByRole('textbox', { name: 'Describe what happened' });
    await userEvent.type(message, 'The tutor left after 20 minutes.');
    await expect(message).toHaveAccessibleDescription('32 of 2000 characters');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Send report' }));
    const done = await within(canvasElement).findByRole('status');
    await expect(done).toHaveTextContent('Problem reported. Your tutor will answer it here.');
    await waitFor(() => expect(done).toHaveFocus());
    await expect(await region(canvasElement)).toHaveAttribute('data-state', 'open');
    await expect(posts(id).map((r) => r.body)).toEqual([{ reason: 'ended_early', message: 'The tutor left after 20 minutes.' }]);
  },
};

export const MissingFields: Story = {
  name: 'Student: a missing reason and message are said and focused',
  play: async ({ canvasElement, userEvent, id }) => {
    await userEvent.click(await within(canvasElement).findByRole('button', { name: 'Report a problem' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Send report' }));
    const reason = within(dialog).getByRole('combobox', { name: 'What went wrong?' });
    await expect(reason).toHaveAccessibleDescription('Choose what went wrong.');
    await expect(reason).toHaveFocus();
    await userEvent.selectOptions(reason, 'A technical problem');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Send report' }));
    await expect(within(dialog).getByRole('textbox', { name: 'Describe what happened' })).toHaveFocus();
    await expect(posts(id)).toEqual([]);
  },
};

export const KeyboardReport: Story = {
  name: 'Keyboard: Enter opens on the reason, Escape closes and focus returns',
  play: async ({ canvasElement, userEvent }) => {
    const trigger = await within(canvasElement).findByRole('button', { name: 'Report a problem' });
    trigger.focus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(screen.getByRole('combobox', { name: 'What went wrong?' })).toHaveFocus());
    await userEvent.tab();
    await expect(screen.getByRole('textbox', { name: 'Describe what happened' })).toHaveFocus();
    await userEvent.tab();
    await userEvent.tab();
    await expect(screen.getByRole('button', { name: 'Send report' })).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() => expect(trigger).toHaveFocus());
  },
};

export const WindowClosed: Story = {
  name: 'Student: the window has closed',
  args: {
    minutesFromStart: (WINDOW_CLOSES_AT.getTime() - START.getTime()) / 60_000 + 5,
    routes: { 'GET dispute': disputeView('none', 'student', { canOpen: false }) },
  },
  play: async ({ canvasElement }) => {
    await expect(await region(canvasElement)).toHaveAttribute('data-state', 'none');
    await expect(within(canvasElement).queryByRole('button', { name: 'Report a problem' })).toBeNull();
  },
};

export const OpenRefused: Story = {
  name: 'Student: refused, the window closed meanwhile (DISPUTE_WINDOW_CLOSED)',
  args: {
    routes: { 'GET dispute': disputeView('none', 'student'), 'POST dispute': { status: 409, code: 'DISPUTE_WINDOW_CLOSED' } },
  },
  play: async ({ canvasElement, userEvent }) => {
    await userEvent.click(await within(canvasElement).findByRole('button', { name: 'Report a problem' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.selectOptions(within(dialog).getByRole('combobox'), 'Something else');
    await userEvent.type(within(dialog).getByRole('textbox'), 'Late report');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Send report' }));
    await waitFor(() => expect(dialog).toHaveAccessibleDescription('The time to report a problem with this session has passed.'));
    await expect(within(dialog).getByRole('button', { name: 'Send report' })).toHaveAttribute('aria-disabled', 'true');
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus());
  },
};

export const OpenTutorView: Story = {
  name: 'Tutor: open, offers 75.50',
  args: { routes: { 'GET dispute': disputeView('open', 'tutor'), 'POST dispute/offer': disputeView('offered', 'tutor') } },
  play: async ({ canvasElement, userEvent, id }) => {
    await expect(await within(canvasElement).findByText(/Refund in full, offer a partial refund, or contest it\.$/)).toBeInTheDocument();
    await expect(within(canvasElement).queryByRole('button', { name: 'Report a problem' })).toBeNull();
    const dialog = await openStep(canvasElement, userEvent, 'Offer a partial refund');
    const amount = within(dialog).getByRole('textbox', { name: 'Refund amount (TTD)' });
    await userEvent.type(amount, '75.555');
    await userEvent.click(confirmIn(dialog));
    await expect(amount).toHaveAccessibleDescription(/^Enter an amount from TTD\s0\.01 to TTD\s150\.00, with at most two decimals\./);
    await expect(amount).toHaveFocus();
    await userEvent.clear(amount);
    await userEvent.type(amount, '75.5');
    await userEvent.click(confirmIn(dialog));
    const done = await within(canvasElement).findByRole('status');
    await expect(done).toHaveTextContent('Done. The dispute is updated.');
    await waitFor(() => expect(done).toHaveFocus());
    await expect(posts(id).map((r) => r.body)).toEqual([{ amountMinor: 7_550 }]);
    await expect(await region(canvasElement)).toHaveAttribute('data-state', 'offered');
  },
};

export const OfferedStudentView: Story = {
  name: 'Student: offered, accepts the offer',
  args: { routes: { 'GET dispute': disputeView('offered', 'student'), 'POST dispute/accept-offer': disputeView('resolved', 'student') } },
  play: async ({ canvasElement, userEvent, id }) => {
    await expect(await within(canvasElement).findByText(/^The tutor offered a refund of TTD\s75\.00\. Accept or decline it\.$/)).toBeInTheDocument();
    const dialog = await openStep(canvasElement, userEvent, 'Accept the offer');
    await expect(dialog).toHaveAccessibleDescription(/^You get TTD\s75\.00 back and the dispute is resolved\./);
    await userEvent.click(confirmIn(dialog));
    await waitFor(() => expect(within(canvasElement).getByRole('region', { name: 'Dispute' })).toHaveAttribute('data-state', 'resolved'));
    await expect(posts(id).map((r) => r.route)).toEqual(['dispute/accept-offer']);
  },
};

export const ContestedPlatformView: Story = {
  name: 'Platform: contested, decides a partial refund',
  args: { routes: { 'GET dispute': disputeView('contested', 'platform'), 'POST dispute/resolve': disputeView('resolved', 'platform') } },
  play: async ({ canvasElement, userEvent, id }) => {
    await expect(await within(canvasElement).findByText('Contested: your decision is needed.')).toBeInTheDocument();
    await expect(within(canvasElement).getByRole('region', { name: 'Timeline' })).toHaveTextContent(/Student: Declined the offerI only had 20 minutes\./);
    const dialog = await openStep(canvasElement, userEvent, 'Decide');
    await userEvent.click(within(dialog).getByRole('radio', { name: 'Partial refund' }));
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Refund amount (TTD)' }), '50');
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Describe what happened' }), 'We refund a third.');
    await userEvent.click(confirmIn(dialog));
    await expect(await within(canvasElement).findByText(/^Resolved: partial refund of TTD\s50\.00 \(by the platform\)\.$/)).toBeInTheDocument();
    await expect(posts(id).map((r) => r.body)).toEqual([{ resolution: 'partial_refund', amountMinor: 5_000, message: 'We refund a third.' }]);
  },
};

export const ResolvedPartial: Story = {
  name: 'Resolved: partial refund',
  args: { routes: { 'GET dispute': disputeView('resolved', 'student') } },
  play: async ({ canvasElement }) => {
    const panel = await region(canvasElement);
    await expect(await within(panel).findByText(/^Resolved: partial refund of TTD\s50\.00 \(by the platform\)\.$/)).toBeInTheDocument();
    await expect(within(panel).getByRole('region', { name: 'Payments' })).toHaveTextContent(/RefundsTTD\s50\.00 \(from the tutor's share: TTD\s45\.00\), succeeded/);
    await expect(within(panel).queryAllByRole('button')).toEqual([]);
  },
};

export const PayoutHeld: Story = {
  name: 'Payout: held by the open dispute',
  args: { routes: { 'GET dispute': disputeView('open', 'tutor') } },
  play: async ({ canvasElement }) => {
    await waitFor(async () => expect(await payoutCard(canvasElement)).toHaveTextContent(/^Held while the dispute is open: TTD\s135\.00\.$/));
  },
};

export const PayoutReduced: Story = {
  name: 'Payout: scheduled, reduced by the refund',
  args: { routes: { 'GET dispute': disputeView('resolved', 'tutor') } },
  play: async ({ canvasElement }) => {
    const card = await payoutCard(canvasElement);
    await expect(card).toHaveTextContent(/^Scheduled: TTD\s90\.00 \(reduced from TTD\s135\.00 by refunds\), to be paid Jan 18, 2026, 4:00\sPM\.$/);
    await expect(card).toHaveAttribute('data-state', 'scheduled');
  },
};

export const PayoutPaid: Story = {
  name: 'Payout: paid, then part taken back',
  args: { routes: { 'GET dispute': disputeView('resolved', 'tutor', { payout: PAID_AND_REVERSED }) } },
  play: async ({ canvasElement }) => {
    const card = await payoutCard(canvasElement);
    await expect(card).toHaveTextContent(/^Paid: TTD\s135\.00 on Jan 18, 2026, 4:00\sPM\. TTD\s45\.00 taken back after refunds\.$/);
    await expect(card).toHaveAttribute('data-state', 'paid');
  },
};

export const Loading: Story = {
  args: { routes: { 'GET dispute': 'never' } },
  play: async ({ canvasElement }) => {
    const panel = await within(canvasElement).findByRole('region', { name: 'Dispute' });
    await expect(panel).toHaveAttribute('aria-busy', 'true');
    await expect(panel).toHaveTextContent('Loading the dispute…');
  },
};

export const LoadError: Story = {
  name: 'Error: the read failed, then Try again',
  args: { routes: { 'GET dispute': [{ status: 503, code: 'REQUEST_FAILED', detail: 'Service unavailable' }, disputeView('open', 'tutor')] } },
  play: async ({ canvasElement, userEvent }) => {
    const alert = await within(canvasElement).findByRole('alert');
    await expect(alert).toHaveTextContent('The dispute could not be loaded. Service unavailable');
    await userEvent.click(within(canvasElement).getByRole('button', { name: 'Try again' }));
    await expect(await within(canvasElement).findByRole('button', { name: 'Contest' })).toBeInTheDocument();
    await expect(within(canvasElement).queryByRole('alert')).toBeNull();
  },
};

export const StepRefused: Story = {
  name: 'Error: a step refused, the dispute moved on (DISPUTE_RESOLVED)',
  args: {
    routes: {
      'GET dispute': [disputeView('offered', 'tutor'), disputeView('resolved', 'tutor')],
      'POST dispute/accept': { status: 409, code: 'DISPUTE_RESOLVED' },
    },
  },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openStep(canvasElement, userEvent, 'Refund in full');
    await userEvent.click(confirmIn(dialog));
    await expect(await within(dialog).findByRole('alert')).toHaveTextContent('This dispute has already been resolved.');
    await waitFor(() => expect(confirmIn(dialog)).toHaveAttribute('aria-disabled', 'true'));
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus());
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await expect(within(canvasElement).getByRole('region', { name: 'Dispute' })).toHaveAttribute('data-state', 'resolved');
  },
};

export const StepPending: Story = {
  name: 'Pending: contesting',
  args: { routes: { 'GET dispute': disputeView('open', 'tutor'), 'POST dispute/contest': 'never' } },
  play: async ({ canvasElement, userEvent, id }) => {
    const dialog = await openStep(canvasElement, userEvent, 'Contest');
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Describe what happened' }), 'The lesson ran the full hour.');
    await userEvent.click(confirmIn(dialog));
    await waitFor(() => expect(confirmIn(dialog)).toHaveAccessibleName('Sending…'));
    await expect(confirmIn(dialog)).toHaveAttribute('aria-busy', 'true');
    await expect(within(dialog).getByRole('button', { name: 'Cancel' })).toBeDisabled();
    await userEvent.click(confirmIn(dialog));
    await expect(posts(id)).toHaveLength(1);
  },
};
