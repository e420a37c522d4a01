import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { SessionClockProvider } from '../src/index';
import { CompletePaymentButton, DEFAULT_PAYMENT_LABELS, type CompletePaymentButtonProps, type ConfirmPaymentResult } from '../src/payments';
import { createManualSessionClock } from '../src/testing';
import { deferred, fakeSessionFetch, type RouteAnswers } from './fake-routes';
import { at } from './fixtures';
import { ANSWERS, PAYMENT_SESSION_ID, paymentStatus } from './payment-fixtures';

async function axeViolations() {
  const result = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

const flush = () => act(async () => {});

function renderButton(routes: Record<string, RouteAnswers<unknown>>, confirm: CompletePaymentButtonProps['confirm'] = vi.fn(async () => ({ status: 'succeeded' }) as const), props: Partial<CompletePaymentButtonProps> = {}) {
  const fetch = fakeSessionFetch(routes);
  const utils = render(
    <SessionClockProvider clock={createManualSessionClock(at(120))}>
      <CompletePaymentButton sessionId={PAYMENT_SESSION_ID} confirm={confirm} fetch={fetch} {...props} />
    </SessionClockProvider>,
    { wrapper: 'main' as never },
  );
  return { fetch, confirm, ...utils };
}

const wrapperOf = (container: HTMLElement) => container.querySelector('[data-itutor="payment"]');
const posts = (fetch: { requests: Array<{ method: string }> }) => fetch.requests.filter((r) => r.method === 'POST').length;

describe('CompletePaymentButton', () => {
  it('renders nothing while loading and whenever no payment is needed (any other status, or not the student)', async () => {
    for (const answer of [paymentStatus('none'), paymentStatus('pending'), paymentStatus('succeeded'), paymentStatus('failed'), { status: 403, code: 'NOT_SESSION_STUDENT' }]) {
      const { container, unmount } = renderButton({ 'GET payment': answer });
      expect(container.innerHTML).toBe('<main></main>');
      await flush();
      expect(container.innerHTML).toBe('<main></main>');
      unmount();
    }
  });

  it('idle: "Complete payment of TTD 75.00", described by why the bank asks; no axe violations', async () => {
    const { container } = renderButton({ 'GET payment': paymentStatus('awaiting_customer') });
    await flush();
    const button = screen.getByRole('button', { name: 'Complete payment of TTD\u00a075.00' });
    expect(button).toHaveAccessibleDescription('Your bank asks you to confirm the payment of TTD\u00a075.00 for this session.');
    expect(wrapperOf(container)).toHaveAttribute('data-state', 'idle');
    expect(await axeViolations()).toEqual([]);
  });

  it('a press: confirming ("Completing payment…", aria-busy, still focusable), then "Payment complete." focused; onSucceeded once', async () => {
    const confirmed = deferred<ConfirmPaymentResult>();
    const confirm = vi.fn(() => confirmed.promise);
    const onSucceeded = vi.fn();
    const { container, fetch } = renderButton({ 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': [ANSWERS.requiresCustomer, ANSWERS.succeeded] }, confirm, { onSucceeded });
    await flush();
    const button = screen.getByRole('button', { name: /^Complete payment of/ });
    button.focus();
    fireEvent.click(button);
    await flush();
    expect(button).toHaveAccessibleName('Completing payment…');
    expect(button).toHaveAttribute('aria-busy', 'true');
    expect(button).toHaveAttribute('aria-disabled', 'true');
    expect(button).not.toBeDisabled();
    expect(button).toHaveFocus();
    expect(wrapperOf(container)).toHaveAttribute('data-state', 'confirming');
    expect(await axeViolations()).toEqual([]);
    // More presses while it runs do nothing: no second payment, no second confirm.
    fireEvent.click(button);
    fireEvent.click(button);
    expect(confirm).toHaveBeenCalledTimes(1);
    confirmed.resolve({ status: 'succeeded' });
    await flush();
    const done = screen.getByRole('status');
    expect(done).toHaveTextContent('Payment complete.');
    expect(done).toHaveFocus();
    expect(wrapperOf(container)).toHaveAttribute('data-state', 'succeeded');
    expect(onSucceeded).toHaveBeenCalledTimes(1);
    expect(posts(fetch)).toBe(2);
    expect(await axeViolations()).toEqual([]);
  });

  it('confirm is called exactly once per click (a double click while it runs starts nothing more), and never when the server says succeeded', async () => {
    const answers: Array<(result: ConfirmPaymentResult) => void> = [];
    const confirm = vi.fn(() => new Promise<ConfirmPaymentResult>((resolve) => answers.push(resolve)));
    const { fetch } = renderButton(
      { 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': [ANSWERS.requiresCustomer, ANSWERS.requiresCustomer, ANSWERS.succeeded] },
      confirm,
    );
    await flush();
    const user = userEvent.setup();
    await user.dblClick(screen.getByRole('button', { name: /^Complete payment of/ }));
    await waitFor(() => expect(confirm).toHaveBeenCalledTimes(1));
    await user.click(screen.getByRole('button', { name: 'Completing payment…' }));
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(posts(fetch)).toBe(1);
    await act(async () => answers[0]!({ status: 'failed', message: 'Authentication failed.' }));
    await user.dblClick(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(confirm).toHaveBeenCalledTimes(2));
    expect(posts(fetch)).toBe(2);
    await act(async () => answers[1]!({ status: 'failed', message: 'Authentication failed.' }));
    // The server now answers that the payment went through (the bank told it): no confirm.
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Payment complete.');
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(posts(fetch)).toBe(3);
  });

  it('failed: the message as an alert describing Try again, focus kept on it; Try again pays', async () => {
    const confirm = vi.fn<() => Promise<ConfirmPaymentResult>>().mockResolvedValueOnce({ status: 'failed', message: 'Your card was declined.' }).mockResolvedValueOnce({ status: 'succeeded' });
    const { container } = renderButton({ 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': [ANSWERS.requiresCustomer, ANSWERS.requiresCustomer, ANSWERS.succeeded] }, confirm);
    await flush();
    const button = screen.getByRole('button', { name: /^Complete payment of/ });
    button.focus();
    fireEvent.click(button);
    await flush();
    expect(screen.getByRole('alert')).toHaveTextContent('The payment did not go through: Your card was declined.');
    expect(button).toHaveAccessibleName('Try again');
    expect(button).toHaveAccessibleDescription(/for this session\. The payment did not go through: Your card was declined\.$/);
    expect(button).toHaveFocus();
    expect(wrapperOf(container)).toHaveAttribute('data-state', 'failed');
    expect(await axeViolations()).toEqual([]);
    fireEvent.click(button);
    await flush();
    expect(screen.getByRole('status')).toHaveTextContent('Payment complete.');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('failed by the server: the decline code in words (data-code)', async () => {
    renderButton({ 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': ANSWERS.failed('expired_card') });
    await flush();
    fireEvent.click(screen.getByRole('button', { name: /^Complete payment of/ }));
    await flush();
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('The payment did not go through: your card has expired.');
    expect(alert).toHaveAttribute('data-code', 'expired_card');
  });

  it('pending: "Payment processing…" focused', async () => {
    const { container } = renderButton({ 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': ANSWERS.processing });
    await flush();
    fireEvent.click(screen.getByRole('button', { name: /^Complete payment of/ }));
    await flush();
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent(/^Payment processing\./);
    expect(status).toHaveFocus();
    expect(wrapperOf(container)).toHaveAttribute('data-state', 'pending');
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('error: the refusal’s words for its code, the code on the alert; a code without words shows the server’s', async () => {
    const { container } = renderButton({
      'GET payment': paymentStatus('awaiting_customer'),
      'POST payment': [{ status: 501, code: 'PAYMENT_RECOVERY_NOT_SUPPORTED' }, { status: 409, code: 'CONFLICT', detail: 'Another payment is being recorded.' }],
    });
    await flush();
    fireEvent.click(screen.getByRole('button', { name: /^Complete payment of/ }));
    await flush();
    expect(wrapperOf(container)).toHaveAttribute('data-state', 'error');
    expect(screen.getByRole('alert')).toHaveTextContent('Payments cannot be completed here. Contact the platform.');
    expect(screen.getByRole('alert')).toHaveAttribute('data-code', 'PAYMENT_RECOVERY_NOT_SUPPORTED');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await flush();
    expect(screen.getByRole('alert')).toHaveTextContent('Another payment is being recorded.');
    expect(await axeViolations()).toEqual([]);
  });

  it('a failed first read: an alert with the words and Try again, which reads again', async () => {
    const { container } = renderButton({ 'GET payment': ['offline', paymentStatus('awaiting_customer')] });
    await flush();
    expect(wrapperOf(container)).toHaveAttribute('data-state', 'error');
    expect(screen.getByRole('alert')).toHaveTextContent(/^Your payment could not be checked\. Failed to fetch$/);
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await flush();
    expect(screen.getByRole('button', { name: /^Complete payment of/ })).toBeInTheDocument();
  });

  it('works from the keyboard: Tab to the button, Enter pays, focus lands on the outcome', async () => {
    const user = userEvent.setup();
    const confirm = vi.fn(async () => ({ status: 'succeeded' }) as const);
    renderButton({ 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': [ANSWERS.requiresCustomer, ANSWERS.succeeded] }, confirm);
    await flush();
    await user.tab();
    expect(screen.getByRole('button', { name: /^Complete payment of/ })).toHaveFocus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.getByRole('status')).toHaveFocus());
    expect(confirm).toHaveBeenCalledTimes(1);
  });

  it('takes label overrides (errors and declines merged per key) and the locale', async () => {
    renderButton({ 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': ANSWERS.failed('card_declined') }, undefined, {
      locale: 'fr-FR',
      labels: { completePayment: (amount) => `Payer ${amount}`, declines: { card_declined: 'carte refusée.' }, tryAgain: 'Réessayer' },
    });
    await flush();
    fireEvent.click(screen.getByRole('button', { name: /^Payer 75,00\sTTD$/ }));
    await flush();
    expect(screen.getByRole('alert')).toHaveTextContent('The payment did not go through: carte refusée.');
    expect(screen.getByRole('button', { name: 'Réessayer' })).toBeInTheDocument();
    expect(DEFAULT_PAYMENT_LABELS.declines.card_declined).toBe('your card was declined.');
  });

  it('renders on a server with initialPayment (the button in the markup)', () => {
    const html = renderToString(
      <CompletePaymentButton sessionId={PAYMENT_SESSION_ID} confirm={vi.fn()} fetch={fakeSessionFetch({})} initialPayment={paymentStatus('awaiting_customer')} />,
    );
    expect(html).toContain('Complete payment of TTD\u00a075.00');
    expect(html).toContain('data-state="idle"');
  });
});
