import type { Meta, StoryObj } from '@storybook/react-vite';
import { useMemo } from 'react';
import { expect, screen, waitFor, within } from 'storybook/test';
import { SessionClockProvider } from '../src/index';
import { ChargebackPanel, type ChargebackLabelsInput } from '../src/chargebacks';
import { CHARGEBACK_SESSION_ID, STAGED_EVIDENCE, SUBMITTED, WON, chargebackJson, listed } from '../test/chargeback-fixtures';
import { fakeSessionFetch, type FakeSessionFetch, type RouteAnswers } from '../test/fake-routes';

/** The fake servers by story id, so play functions can read the requests their story made. */
const servers = new Map<string, FakeSessionFetch>();
const posts = (id: string) => servers.get(id)!.requests.filter((r) => r.method === 'POST').map((r) => r.route);

interface Args {
  /** What the fake server answers, by `"{METHOD} {route}"`. */
  readonly routes: Readonly<Record<string, RouteAnswers<unknown>>>;
  /** The viewer's IANA time zone (the evidence deadline is shown in it). */
  readonly timeZone: string;
  readonly labels?: ChargebackLabelsInput;
}

/** The platform's page for one session, against a fake server. */
function OpsPage({ routes, timeZone, labels, id }: Args & { id: string }) {
  const fetch = useMemo(() => {
    const server = fakeSessionFetch(routes);
    servers.set(id, server);
    return server;
  }, [id, routes]);
  return (
    <SessionClockProvider locale="en-US" timeZone={timeZone}>
      <div style={{ maxWidth: 760 }}>
        <ChargebackPanel sessionId={CHARGEBACK_SESSION_ID} fetch={fetch} labels={labels} personName={(p) => (p === 'ops-1' ? 'Asha (support)' : p)} />
      </div>
    </SessionClockProvider>
  );
}

const meta = {
  title: 'Sessions/ChargebackPanel',
  component: OpsPage as unknown as React.ComponentType<Args>,
  args: {
    timeZone: 'UTC',
    routes: { 'GET chargebacks': [listed(chargebackJson())], 'POST chargebacks/1/submit': SUBMITTED(), 'POST chargebacks/1/stage': chargebackJson() },
  },
  argTypes: {
    timeZone: { control: 'select', options: ['UTC', 'America/Port_of_Spain', 'Europe/London'] },
    routes: { control: false },
  },
  render: (args, { id }) => <OpsPage {...args} id={id} />,
} satisfies Meta<Args>;

export default meta;
type Story = StoryObj<typeof meta>;

type UserEvent = { click: (el: Element) => Promise<void> };

/** The panel once the list is read. */
const region = async (canvasElement: HTMLElement) => {
  const panel = await within(canvasElement).findByRole('region', { name: 'Bank disputes' });
  await waitFor(() => expect(panel).not.toHaveAttribute('data-state', 'loading'));
  return panel;
};
const card = async (canvasElement: HTMLElement) => within(await region(canvasElement)).getByRole('region', { name: 'Bank dispute 1' });
const fact = (el: HTMLElement, term: string) =>
  [...el.querySelectorAll('dl > div')].find((d) => d.querySelector('dt')!.textContent === term)?.querySelector('dd')?.textContent?.replace(/[\u00a0\u202f]/g, ' ');
const openSubmit = async (canvasElement: HTMLElement, userEvent: UserEvent) => {
  await userEvent.click(within(await card(canvasElement)).getByRole('button', { name: 'Submit evidence' }));
  return screen.findByRole('alertdialog', { name: 'Submit the evidence to the bank?' });
};
const confirmIn = (dialog: HTMLElement) => dialog.querySelector<HTMLElement>('[data-itutor-part="confirm"]')!;

export const Staged: Story = {
  name: 'Evidence staged: in words, readable, submitted after the confirmation',
  play: async ({ canvasElement, userEvent, id }) => {
    const c = await card(canvasElement);
    await expect(fact(c, 'Status')).toBe('Evidence needed');
    await expect(fact(c, "The bank's reason")).toBe('Fraud: the card holder did not make the payment');
    await expect(fact(c, 'Evidence due')).toBe('Jan 30, 2026, 11:59 PM');
    await expect(fact(c, 'Who bears the loss')).toBe('The tutor: TTD 135.00 of it');
    const evidence = within(c).getByRole('region', { name: 'Staged evidence' });
    await expect(within(evidence).getAllByRole('heading', { level: 5 }).map((h) => h.textContent)).toEqual([
      'Service date',
      'Product description',
      'Access activity log',
      'Cancellation policy',
      'Refund policy',
      'Customer communication',
      'Other information',
    ]);
    // Line breaks kept: each line of the log on its own line on screen.
    const log = evidence.querySelector<HTMLElement>('[data-itutor-part="evidence-text"][data-field="access_activity_log"]')!;
    await expect(log.innerText.split('\n')).toEqual(STAGED_EVIDENCE.access_activity_log.split('\n'));
    const dialog = await openSubmit(canvasElement, userEvent);
    await expect(dialog).toHaveAccessibleDescription(/^Submitting is final:/);
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus());
    await userEvent.click(confirmIn(dialog));
    const status = await within(canvasElement).findByText('Evidence for bank dispute 1 submitted.');
    await waitFor(() => expect(status).toHaveFocus());
    await expect(fact(await card(canvasElement), 'Evidence')).toBe('Submitted by Asha (support) on Jan 21, 2026, 2:30 PM.');
    await expect(posts(id)).toEqual(['chargebacks/1/submit']);
  },
};

export const OtherTimeZone: Story = {
  name: 'The deadline in the viewer’s time zone (Port of Spain)',
  args: { timeZone: 'America/Port_of_Spain' },
  play: async ({ canvasElement }) => {
    await expect(fact(await card(canvasElement), 'Evidence due')).toBe('Jan 30, 2026, 7:59 PM');
  },
};

export const CancelSubmit: Story = {
  name: 'Submit: Cancel sends nothing, focus back on the trigger',
  play: async ({ canvasElement, userEvent, id }) => {
    const dialog = await openSubmit(canvasElement, userEvent);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    await waitFor(() => expect(within(canvasElement).getByRole('button', { name: 'Submit evidence' })).toHaveFocus());
    await expect(posts(id)).toEqual([]);
  },
};

export const Submitting: Story = {
  name: 'Pending: submitting (nothing closes the dialog)',
  args: { routes: { 'GET chargebacks': [listed(chargebackJson())], 'POST chargebacks/1/submit': 'never' } },
  play: async ({ canvasElement, userEvent, id }) => {
    const dialog = await openSubmit(canvasElement, userEvent);
    await userEvent.click(confirmIn(dialog));
    await waitFor(() => expect(confirmIn(dialog)).toHaveAccessibleName('Submitting…'));
    await expect(within(dialog).getByRole('button', { name: 'Cancel' })).toBeDisabled();
    await userEvent.click(confirmIn(dialog));
    await expect(screen.getByRole('alertdialog')).toBeInTheDocument();
    await expect(posts(id)).toEqual(['chargebacks/1/submit']);
  },
};

export const SubmitRefused: Story = {
  name: 'Error: the gateway refused the evidence (EVIDENCE_NOT_ACCEPTED)',
  args: {
    routes: {
      'GET chargebacks': [listed(chargebackJson())],
      'POST chargebacks/1/submit': { status: 409, code: 'EVIDENCE_NOT_ACCEPTED', detail: 'Stripe refused the evidence: the dispute is past its due date.' },
    },
  },
  play: async ({ canvasElement, userEvent }) => {
    const dialog = await openSubmit(canvasElement, userEvent);
    await userEvent.click(confirmIn(dialog));
    await expect(await within(dialog).findByRole('alert')).toHaveTextContent('Stripe refused the evidence: the dispute is past its due date.');
    await waitFor(() => expect(confirmIn(dialog)).toHaveFocus());
  },
};

export const StageAgain: Story = {
  name: 'Stage evidence again: the new text shown, announced',
  args: {
    routes: {
      'GET chargebacks': [listed(chargebackJson())],
      'POST chargebacks/1/stage': chargebackJson({ evidenceStagedAt: '2026-01-21T11:00:00.000Z', stagedEvidence: { ...STAGED_EVIDENCE, customer_communication: '2026-01-16T10:00:00Z the student: The tutor left after 20 minutes.' } }),
    },
  },
  play: async ({ canvasElement, userEvent, id }) => {
    await userEvent.click(within(await card(canvasElement)).getByRole('button', { name: 'Stage evidence again' }));
    await expect(await within(canvasElement).findByText('Evidence for bank dispute 1 staged again.')).toBeInTheDocument();
    await expect(await card(canvasElement)).toHaveTextContent('the student: The tutor left after 20 minutes.');
    await expect(posts(id)).toEqual(['chargebacks/1/stage']);
  },
};

export const Submitted: Story = {
  name: 'Submitted: under review, who and when, no steps',
  args: { routes: { 'GET chargebacks': [listed(SUBMITTED())] } },
  play: async ({ canvasElement }) => {
    const c = await card(canvasElement);
    await expect(fact(c, 'Status')).toBe('Under review by the bank');
    await expect(fact(c, 'Evidence')).toBe('Submitted by Asha (support) on Jan 21, 2026, 2:30 PM.');
    await expect(within(c).getByRole('region', { name: 'Submitted evidence' })).toBeInTheDocument();
    await expect(within(c).queryAllByRole('button')).toEqual([]);
  },
};

export const Won: Story = {
  name: 'Won: funds reinstated, the tutor’s share given back',
  args: { routes: { 'GET chargebacks': [listed(WON())] } },
  play: async ({ canvasElement }) => {
    const c = await card(canvasElement);
    await expect(fact(c, 'Status')).toBe('Won');
    await expect(fact(c, 'Funds')).toBe('TTD 150.00 withdrawn, TTD 150.00 reinstated');
    await expect(fact(c, "The tutor's share")).toBe('Given back to the tutor');
    await expect(c).toHaveAttribute('data-state', 'won');
  },
};

export const LostPlatformBears: Story = {
  name: 'Lost: the platform bore the loss',
  args: { routes: { 'GET chargebacks': [listed(SUBMITTED({ status: 'lost', lossBearer: 'platform', tutorShareMinor: 0, tutorShare: 'none', closedAt: '2026-03-01T10:00:00.000Z' }))] } },
  play: async ({ canvasElement }) => {
    const c = await card(canvasElement);
    await expect(fact(c, 'Status')).toBe('Lost');
    await expect(fact(c, 'Who bears the loss')).toBe('The platform');
    await expect(fact(c, "The tutor's share")).toBeUndefined();
  },
};

export const InquiryNotStaged: Story = {
  name: 'Inquiry: nothing staged yet (Stage evidence, nothing to submit)',
  args: {
    routes: {
      'GET chargebacks': [listed(chargebackJson({ status: 'warning_needs_response', evidence: 'none', stagedEvidence: null, evidenceStagedAt: null, fundsWithdrawnMinor: 0, tutorShare: 'none' }))],
    },
  },
  play: async ({ canvasElement }) => {
    const c = await card(canvasElement);
    await expect(fact(c, 'Status')).toBe('Inquiry: evidence needed');
    await expect(fact(c, 'Funds')).toBe('Nothing withdrawn yet');
    await expect(within(c).getAllByRole('button').map((b) => b.textContent)).toEqual(['Stage evidence']);
    // What staging would send, built now from the records, readable before pressing Stage evidence.
    const preview = within(c).getByRole('region', { name: 'Evidence to stage (built now from the records)' });
    await expect(preview).toHaveTextContent('the student: The tutor left after 20 minutes.');
  },
};

export const NoChargeback: Story = {
  name: 'None: no bank dispute for this session',
  args: { routes: { 'GET chargebacks': [listed()] } },
  play: async ({ canvasElement }) => {
    const panel = await region(canvasElement);
    await expect(panel).toHaveAttribute('data-state', 'none');
    await expect(panel).toHaveTextContent('No bank dispute for this session.');
  },
};

export const Loading: Story = {
  args: { routes: { 'GET chargebacks': 'never' } },
  play: async ({ canvasElement }) => {
    const panel = await within(canvasElement).findByRole('region', { name: 'Bank disputes' });
    await expect(panel).toHaveAttribute('aria-busy', 'true');
    await expect(panel).toHaveTextContent('Loading the bank disputes…');
  },
};

export const LoadError: Story = {
  name: 'Error: not for this person (FORBIDDEN), then Try again',
  args: { routes: { 'GET chargebacks': [{ status: 403, code: 'FORBIDDEN' }, listed(chargebackJson())] } },
  play: async ({ canvasElement, userEvent }) => {
    const alert = await within(canvasElement).findByRole('alert');
    await expect(alert).toHaveTextContent("The bank disputes could not be loaded. Only the platform's people can see bank disputes.");
    await userEvent.click(within(canvasElement).getByRole('button', { name: 'Try again' }));
    await expect(await within(canvasElement).findByRole('region', { name: 'Bank dispute 1' })).toBeInTheDocument();
  },
};

export const Keyboard: Story = {
  name: 'Keyboard: Tab to Submit evidence, Enter opens on Cancel, Tab, Enter submits',
  play: async ({ canvasElement, userEvent, id }) => {
    const c = await card(canvasElement);
    within(c).getByRole('button', { name: 'Stage evidence again' }).focus();
    await userEvent.tab();
    await expect(within(c).getByRole('button', { name: 'Submit evidence' })).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus());
    await userEvent.tab();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(within(canvasElement).getByText('Evidence for bank dispute 1 submitted.')).toHaveFocus());
    await expect(posts(id)).toEqual(['chargebacks/1/submit']);
  },
};
