import type { Meta, StoryObj } from '@storybook/react-vite';
import { useMemo } from 'react';
import { expect, fn, waitFor, within } from 'storybook/test';
import { SessionClockProvider } from '../src/index';
import { CompletePaymentButton, type ConfirmPaymentFunction, type ConfirmPaymentResult, type PaymentLabelsInput } from '../src/payments';
import { fakeSessionFetch, type FakeSessionFetch, type RouteAnswers } from '../test/fake-routes';
import { ANSWERS, CLIENT_SECRET, PAYMENT_SESSION_ID, paymentStatus } from '../test/payment-fixtures';
import { never } from './story-clock';

/** The fake servers by story id, so play functions can read the requests their story made. */
const servers = new Map<string, FakeSessionFetch>();
const posts = (id: string) => servers.get(id)!.requests.filter((r) => r.method === 'POST');

interface Args {
  /** What the fake server answers, by `"{METHOD} {route}"`. */
  readonly routes: Readonly<Record<string, RouteAnswers<unknown>>>;
  /** The host's confirm (Stripe.js `confirmCardPayment` in a real host); a spy here. */
  readonly confirm: ConfirmPaymentFunction;
  readonly onSucceeded?: () => void;
  readonly labels?: PaymentLabelsInput;
}

/** A student's session page with the payment button, against a fake server. */
function PaymentPage({ routes, confirm, onSucceeded, labels, id }: Args & { id: string }) {
  const fetch = useMemo(() => {
    const server = fakeSessionFetch(routes);
    servers.set(id, server);
    return server;
  }, [id, routes]);
  return <CompletePaymentButton sessionId={PAYMENT_SESSION_ID} confirm={confirm} fetch={fetch} onSucceeded={onSucceeded} labels={labels} />;
}

/** A confirm that answers `result` after a moment, as a bank's 3-D Secure page would. */
const bank = (result: ConfirmPaymentResult) => fn(async () => (await new Promise((r) => setTimeout(r, 50)), result));

/** A confirm whose first call is declined by the bank and the later ones go through. */
function declinedOnce() {
  let calls = 0;
  return fn(async (): Promise<ConfirmPaymentResult> => (calls++ === 0 ? { status: 'failed', message: 'Your card was declined.' } : { status: 'succeeded' }));
}

const meta = {
  title: 'Sessions/CompletePaymentButton',
  component: PaymentPage as unknown as React.ComponentType<Args>,
  args: {
    routes: { 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': [ANSWERS.requiresCustomer, ANSWERS.succeeded] },
    confirm: bank({ status: 'succeeded' }),
    onSucceeded: fn(),
  },
  argTypes: { routes: { control: false }, confirm: { control: false } },
  render: (args, { id }) => (
    <SessionClockProvider locale="en-US">
      <PaymentPage {...args} id={id} />
    </SessionClockProvider>
  ),
} satisfies Meta<Args>;

export default meta;
type Story = StoryObj<typeof meta>;

const payButton = (canvasElement: HTMLElement) => within(canvasElement).findByRole('button', { name: /^Complete payment of TTD\s75\.00$/ });
const wrapper = (canvasElement: HTMLElement) => canvasElement.querySelector('[data-itutor="payment"]');

export const Idle: Story = {
  name: 'Idle: the bank wants the student',
  play: async ({ canvasElement }) => {
    const button = await payButton(canvasElement);
    await expect(button).toHaveAccessibleDescription(/^Your bank asks you to confirm the payment of TTD\s75\.00 for this session\.$/);
    await expect(wrapper(canvasElement)).toHaveAttribute('data-state', 'idle');
  },
};

export const Succeeded: Story = {
  name: 'Succeeded: confirmed once, recorded, "Payment complete."',
  play: async ({ canvasElement, userEvent, args, id }) => {
    await userEvent.click(await payButton(canvasElement));
    const done = await within(canvasElement).findByRole('status');
    await expect(done).toHaveTextContent('Payment complete.');
    await waitFor(() => expect(done).toHaveFocus());
    await expect(args.confirm).toHaveBeenCalledTimes(1);
    await expect(args.confirm).toHaveBeenCalledWith({ clientSecret: CLIENT_SECRET, amountMinor: 7_500, currency: 'TTD' });
    await expect(args.onSucceeded).toHaveBeenCalledTimes(1);
    await expect(posts(id)).toHaveLength(2);
  },
};

export const AlreadyPaid: Story = {
  name: 'Succeeded: the server says it already went through (no confirm)',
  args: { routes: { 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': ANSWERS.succeeded } },
  play: async ({ canvasElement, userEvent, args, id }) => {
    await userEvent.click(await payButton(canvasElement));
    await expect(await within(canvasElement).findByRole('status')).toHaveTextContent('Payment complete.');
    await expect(args.confirm).not.toHaveBeenCalled();
    await expect(posts(id)).toHaveLength(1);
  },
};

export const Confirming: Story = {
  name: 'Confirming: the bank’s page is open; more clicks start nothing',
  args: { confirm: fn(() => never<ConfirmPaymentResult>()) },
  play: async ({ canvasElement, userEvent, args, id }) => {
    const button = await payButton(canvasElement);
    await userEvent.dblClick(button);
    await waitFor(() => expect(button).toHaveAccessibleName('Completing payment…'));
    await expect(button).toHaveAttribute('aria-busy', 'true');
    await expect(button).toHaveAttribute('aria-disabled', 'true');
    await userEvent.click(button);
    await expect(args.confirm).toHaveBeenCalledTimes(1);
    await expect(posts(id)).toHaveLength(1);
    await expect(wrapper(canvasElement)).toHaveAttribute('data-state', 'confirming');
  },
};

export const Pending: Story = {
  name: 'Pending: the bank has not answered yet',
  args: { routes: { 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': [ANSWERS.requiresCustomer, ANSWERS.processing] }, confirm: bank({ status: 'processing' }) },
  play: async ({ canvasElement, userEvent }) => {
    await userEvent.click(await payButton(canvasElement));
    const status = await within(canvasElement).findByRole('status');
    await expect(status).toHaveTextContent(/^Payment processing\./);
    await expect(wrapper(canvasElement)).toHaveAttribute('data-state', 'pending');
  },
};

export const Failed: Story = {
  name: 'Failed: the card was declined, then Try again succeeds',
  args: {
    routes: { 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': [ANSWERS.requiresCustomer, ANSWERS.requiresCustomer, ANSWERS.succeeded] },
    confirm: declinedOnce(),
  },
  play: async ({ canvasElement, userEvent, args }) => {
    await userEvent.click(await payButton(canvasElement));
    const alert = await within(canvasElement).findByRole('alert');
    await expect(alert).toHaveTextContent('The payment did not go through: Your card was declined.');
    const retry = within(canvasElement).getByRole('button', { name: 'Try again' });
    await expect(retry).toHaveFocus();
    await expect(wrapper(canvasElement)).toHaveAttribute('data-state', 'failed');
    await userEvent.click(retry);
    await expect(await within(canvasElement).findByRole('status')).toHaveTextContent('Payment complete.');
    await expect(args.confirm).toHaveBeenCalledTimes(2);
  },
};

export const Error: Story = {
  name: 'Error: the payment service did not answer (GATEWAY_UNAVAILABLE)',
  args: { routes: { 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': { status: 503, code: 'GATEWAY_UNAVAILABLE' } } },
  play: async ({ canvasElement, userEvent, args }) => {
    await userEvent.click(await payButton(canvasElement));
    const alert = await within(canvasElement).findByRole('alert');
    await expect(alert).toHaveTextContent('The payment service did not answer. Try again in a minute.');
    await expect(alert).toHaveAttribute('data-code', 'GATEWAY_UNAVAILABLE');
    await expect(wrapper(canvasElement)).toHaveAttribute('data-state', 'error');
    await expect(args.confirm).not.toHaveBeenCalled();
  },
};

export const LoadError: Story = {
  name: 'Error: the status could not be read, then Try again',
  args: { routes: { 'GET payment': ['offline', paymentStatus('awaiting_customer')] } },
  play: async ({ canvasElement, userEvent }) => {
    await expect(await within(canvasElement).findByRole('alert')).toHaveTextContent(/^Your payment could not be checked\./);
    await userEvent.click(within(canvasElement).getByRole('button', { name: 'Try again' }));
    await expect(await payButton(canvasElement)).toBeInTheDocument();
  },
};

export const Loading: Story = {
  name: 'Loading: renders nothing yet',
  args: { routes: { 'GET payment': 'never' } },
  play: async ({ canvasElement, id }) => {
    await waitFor(() => expect(servers.get(id)!.requests).toHaveLength(1));
    await expect(wrapper(canvasElement)).toBeNull();
  },
};

export const NotNeeded: Story = {
  name: 'Not needed: the charge went through off-session (renders nothing)',
  args: { routes: { 'GET payment': paymentStatus('succeeded') } },
  play: async ({ canvasElement, id }) => {
    await waitFor(() => expect(servers.get(id)!.requests).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 20));
    await expect(wrapper(canvasElement)).toBeNull();
    await expect(within(canvasElement).queryByRole('button')).toBeNull();
  },
};

export const Keyboard: Story = {
  name: 'Keyboard: Tab to the button, Enter pays, focus on the outcome',
  play: async ({ canvasElement, userEvent, args }) => {
    const button = await payButton(canvasElement);
    await userEvent.tab();
    await expect(button).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(within(canvasElement).getByRole('status')).toHaveFocus());
    await expect(args.confirm).toHaveBeenCalledTimes(1);
  },
};
