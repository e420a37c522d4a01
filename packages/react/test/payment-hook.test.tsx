import { act, renderHook, waitFor } from '@testing-library/react';
import fc from 'fast-check';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { SessionClockProvider } from '../src/index';
import { useCompletePayment, type ConfirmPaymentResult, type OnSessionPayment, type UseCompletePaymentOptions } from '../src/payments';
import { createManualSessionClock } from '../src/testing';
import { deferred, fakeSessionFetch, type RouteAnswers } from './fake-routes';
import { at } from './fixtures';
import { ANSWERS, CLIENT_SECRET, PAYMENT_SESSION_ID, paymentStatus } from './payment-fixtures';

const wrapper = ({ children }: { children: ReactNode }) => (
  <SessionClockProvider clock={createManualSessionClock(at(120))} basePath="/platform/api">
    {children}
  </SessionClockProvider>
);

type Routes = Record<string, RouteAnswers<unknown>>;

function renderPayment(routes: Routes, confirmResults: ReadonlyArray<ConfirmPaymentResult | Error> = [{ status: 'succeeded' }], options: Partial<UseCompletePaymentOptions> = {}) {
  const fetch = fakeSessionFetch(routes);
  let n = 0;
  const confirm = vi.fn(async () => {
    const result = confirmResults[Math.min(n++, confirmResults.length - 1)]!;
    if (result instanceof Error) throw result;
    return result;
  });
  const utils = renderHook(({ id }) => useCompletePayment(id, { confirm, fetch, ...options }), { wrapper, initialProps: { id: PAYMENT_SESSION_ID } });
  return { fetch, confirm, ...utils };
}

const posts = (fetch: { requests: Array<{ method: string }> }) => fetch.requests.filter((r) => r.method === 'POST').length;
const flush = () => act(async () => {});

describe('useCompletePayment: the read', () => {
  it('reads GET {basePath}/sessions/{id}/payment with the page cookies: loading, then idle while the charge waits for the student', async () => {
    const { result, fetch } = renderPayment({ 'GET payment': paymentStatus('awaiting_customer') });
    expect(result.current.status).toBe('loading');
    await waitFor(() => expect(result.current.status).toBe('idle'));
    expect(result.current.payment).toEqual(paymentStatus('awaiting_customer'));
    expect(fetch.requests).toEqual([
      { method: 'GET', route: 'payment', url: `/platform/api/sessions/${PAYMENT_SESSION_ID}/payment`, body: undefined, credentials: 'same-origin' },
    ]);
  });

  it.each(['none', 'pending', 'succeeded', 'failed'] as const)('chargeStatus %s: not needed (nothing to pay on-session)', async (chargeStatus) => {
    const { result } = renderPayment({ 'GET payment': paymentStatus(chargeStatus) });
    await waitFor(() => expect(result.current.status).toBe('not_needed'));
    expect(await result.current.pay()).toBeNull();
  });

  it('not the session’s student (NOT_SESSION_STUDENT): not needed, no error', async () => {
    const onError = vi.fn();
    const { result } = renderPayment({ 'GET payment': { status: 403, code: 'NOT_SESSION_STUDENT' } }, [], { onError });
    await waitFor(() => expect(result.current.status).toBe('not_needed'));
    expect(result.current.error).toBeNull();
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('a failed first read: error with its code; refresh reads again', async () => {
    const { result } = renderPayment({ 'GET payment': [{ status: 503, code: 'GATEWAY_UNAVAILABLE' }, paymentStatus('awaiting_customer')] });
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error?.code).toBe('GATEWAY_UNAVAILABLE');
    expect(result.current.error?.details.httpStatus).toBe(503);
    await act(() => result.current.refresh());
    expect(result.current.status).toBe('idle');
    expect(result.current.error).toBeNull();
  });

  it('initialPayment shows at once, without waiting for the read', () => {
    const { result } = renderPayment({ 'GET payment': 'never' }, [], { initialPayment: paymentStatus('awaiting_customer') });
    expect(result.current.status).toBe('idle');
  });
});

describe('useCompletePayment: pay()', () => {
  it('requires_customer: confirm once with the client secret and the amount, then POST again; succeeded; onSucceeded once', async () => {
    const onSucceeded = vi.fn();
    const { result, fetch, confirm } = renderPayment(
      { 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': [ANSWERS.requiresCustomer, ANSWERS.succeeded] },
      [{ status: 'succeeded' }],
      { onSucceeded },
    );
    await waitFor(() => expect(result.current.status).toBe('idle'));
    let outcome: unknown;
    await act(async () => void (outcome = await result.current.pay()));
    expect(outcome).toBe('succeeded');
    expect(result.current.status).toBe('succeeded');
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(confirm).toHaveBeenCalledWith({ clientSecret: CLIENT_SECRET, amountMinor: 7_500, currency: 'TTD' });
    expect(fetch.requests.map((r) => `${r.method} ${r.route} ${JSON.stringify(r.body)}`)).toEqual(['GET payment undefined', 'POST payment {}', 'POST payment {}']);
    expect(onSucceeded).toHaveBeenCalledTimes(1);
    expect(onSucceeded).toHaveBeenCalledWith({ chargeStatus: 'succeeded', amountMinor: 7_500, currency: 'TTD', attempt: 3 });
  });

  it('the server says it already went through: confirm is never called', async () => {
    const { result, fetch, confirm } = renderPayment({ 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': ANSWERS.succeeded });
    await waitFor(() => expect(result.current.status).toBe('idle'));
    await act(() => result.current.pay());
    expect(result.current.status).toBe('succeeded');
    expect(confirm).not.toHaveBeenCalled();
    expect(posts(fetch)).toBe(1);
  });

  it('processing (from the server, or after the confirm): pending; a later read that says succeeded settles it', async () => {
    const onSucceeded = vi.fn();
    const { result, confirm } = renderPayment(
      {
        'GET payment': [paymentStatus('awaiting_customer'), paymentStatus('awaiting_customer'), paymentStatus('succeeded')],
        'POST payment': [ANSWERS.requiresCustomer, ANSWERS.processing],
      },
      [{ status: 'processing' }],
      { onSucceeded },
    );
    await waitFor(() => expect(result.current.status).toBe('idle'));
    await act(() => result.current.pay());
    expect(result.current.status).toBe('pending');
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(await result.current.pay()).toBeNull();
    await act(() => result.current.refresh());
    expect(result.current.status).toBe('pending');
    expect(onSucceeded).not.toHaveBeenCalled();
    await act(() => result.current.refresh());
    expect(result.current.status).toBe('succeeded');
    expect(onSucceeded).toHaveBeenCalledTimes(1);
  });

  it('the confirm fails: failed with its message, no second POST; Try again confirms again (once more)', async () => {
    const { result, fetch, confirm } = renderPayment(
      { 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': [ANSWERS.requiresCustomer, ANSWERS.requiresCustomer, ANSWERS.succeeded] },
      [{ status: 'failed', message: 'Your card was declined.' }, { status: 'succeeded' }],
    );
    await waitFor(() => expect(result.current.status).toBe('idle'));
    await act(() => result.current.pay());
    expect(result.current.status).toBe('failed');
    expect(result.current.failure).toEqual({ message: 'Your card was declined.', failureCode: null });
    expect(posts(fetch)).toBe(1);
    await act(() => result.current.pay());
    expect(result.current.status).toBe('succeeded');
    expect(result.current.failure).toBeNull();
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(posts(fetch)).toBe(3);
  });

  it('a confirm that throws counts as failed with its message', async () => {
    const { result } = renderPayment({ 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': ANSWERS.requiresCustomer }, [new Error('Stripe.js did not load')]);
    await waitFor(() => expect(result.current.status).toBe('idle'));
    await act(() => result.current.pay());
    expect(result.current.status).toBe('failed');
    expect(result.current.failure?.message).toBe('Stripe.js did not load');
  });

  it('the server answers failed (the bank refused): failed with the failure code, confirm never called', async () => {
    const { result, confirm } = renderPayment({ 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': ANSWERS.failed('insufficient_funds') });
    await waitFor(() => expect(result.current.status).toBe('idle'));
    await act(() => result.current.pay());
    expect(result.current.status).toBe('failed');
    expect(result.current.failure).toEqual({ message: null, failureCode: 'insufficient_funds' });
    expect(confirm).not.toHaveBeenCalled();
  });

  it('a refusal: error with the SessionError code; the payment read is kept so it can be tried again', async () => {
    const onError = vi.fn();
    const { result, confirm } = renderPayment(
      { 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': [{ status: 503, code: 'GATEWAY_UNAVAILABLE', detail: 'Stripe timed out' }, ANSWERS.succeeded] },
      [],
      { onError },
    );
    await waitFor(() => expect(result.current.status).toBe('idle'));
    await act(() => result.current.pay());
    expect(result.current.status).toBe('error');
    expect(result.current.error).toMatchObject({ code: 'GATEWAY_UNAVAILABLE', message: 'Stripe timed out' });
    expect(onError).toHaveBeenCalledWith(result.current.error);
    expect(confirm).not.toHaveBeenCalled();
    await act(() => result.current.pay());
    expect(result.current.status).toBe('succeeded');
  });

  it('NO_CHARGE_PENDING (paid meanwhile, e.g. in another tab): reads again and says it went through', async () => {
    const { result, fetch } = renderPayment({
      'GET payment': [paymentStatus('awaiting_customer'), paymentStatus('succeeded')],
      'POST payment': { status: 409, code: 'NO_CHARGE_PENDING', extra: { chargeStatus: 'succeeded' } },
    });
    await waitFor(() => expect(result.current.status).toBe('idle'));
    await act(() => result.current.pay());
    await waitFor(() => expect(result.current.status).toBe('succeeded'));
    expect(fetch.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it('the webhook recorded the bank\'s yes before the page asked again (NO_CHARGE_PENDING after the confirm): reads again and says it went through', async () => {
    const { result, fetch, confirm } = renderPayment({
      'GET payment': [paymentStatus('awaiting_customer'), paymentStatus('succeeded')],
      'POST payment': [ANSWERS.requiresCustomer, { status: 409, code: 'NO_CHARGE_PENDING', extra: { chargeStatus: 'succeeded' } }],
    });
    await waitFor(() => expect(result.current.status).toBe('idle'));
    await act(() => result.current.pay());
    await waitFor(() => expect(result.current.status).toBe('succeeded'));
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(fetch.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'POST', 'GET']);
  });

  it('after the bank said yes, a failed recording is pending, not an error (the webhook records it)', async () => {
    const { result } = renderPayment({
      'GET payment': paymentStatus('awaiting_customer'),
      'POST payment': [ANSWERS.requiresCustomer, 'offline'],
    });
    await waitFor(() => expect(result.current.status).toBe('idle'));
    await act(() => result.current.pay());
    expect(result.current.status).toBe('pending');
  });

  it('two presses in the same tick start one payment: one POST, one confirm; the second resolves null', async () => {
    const answer = deferred<unknown>();
    const { result, fetch, confirm } = renderPayment({ 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': [answer.promise, ANSWERS.succeeded] });
    await waitFor(() => expect(result.current.status).toBe('idle'));
    const pay = result.current.pay;
    let first!: Promise<unknown>;
    let second!: Promise<unknown>;
    act(() => {
      first = pay();
      second = pay();
    });
    expect(await second).toBeNull();
    expect(result.current.status).toBe('confirming');
    expect(result.current.busy).toBe(true);
    expect(await result.current.pay()).toBeNull();
    answer.resolve(ANSWERS.requiresCustomer);
    await act(async () => void (await first));
    expect(result.current.status).toBe('succeeded');
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(posts(fetch)).toBe(2);
  });

  it('a new sessionId starts over (an answer for the old one is dropped)', async () => {
    const answer = deferred<unknown>();
    const fetch = fakeSessionFetch({ 'GET payment': [answer.promise, paymentStatus('none')] });
    const { result, rerender } = renderHook(({ id }) => useCompletePayment(id, { confirm: vi.fn(), fetch }), {
      wrapper,
      initialProps: { id: PAYMENT_SESSION_ID },
    });
    rerender({ id: '00000000-0000-4000-8000-000000000002' });
    await waitFor(() => expect(result.current.status).toBe('not_needed'));
    answer.resolve(paymentStatus('awaiting_customer'));
    await flush();
    expect(result.current.status).toBe('not_needed');
  });
});

describe('useCompletePayment: one press, whatever the server and the bank answer (property)', () => {
  const serverAnswer = fc.constantFrom<OnSessionPayment | 'refused'>(ANSWERS.requiresCustomer, ANSWERS.succeeded, ANSWERS.processing, ANSWERS.failed(), 'refused');
  const confirmAnswer = fc.constantFrom<ConfirmPaymentResult>({ status: 'succeeded' }, { status: 'processing' }, { status: 'failed', message: 'no' });

  it('confirm runs at most once, only after requires_customer; at most two POSTs; the status follows the last answer', async () => {
    await fc.assert(
      fc.asyncProperty(serverAnswer, serverAnswer, confirmAnswer, async (first, second, confirmed) => {
        const refusal = { status: 503, code: 'GATEWAY_UNAVAILABLE' };
        const { result, fetch, confirm, unmount } = renderPayment(
          { 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': [first === 'refused' ? refusal : first, second === 'refused' ? refusal : second] },
          [confirmed],
        );
        await waitFor(() => expect(result.current.status).toBe('idle'));
        await act(() => result.current.pay());
        const asked = first !== 'refused' && first.status === 'requires_customer';
        expect(confirm).toHaveBeenCalledTimes(asked ? 1 : 0);
        expect(posts(fetch)).toBe(asked && confirmed.status !== 'failed' ? 2 : 1);
        const last = asked ? (confirmed.status === 'failed' ? null : second) : first;
        const expected =
          last === null
            ? 'failed'
            : last === 'refused'
              ? asked
                ? 'pending'
                : 'error'
              : { succeeded: 'succeeded', failed: 'failed', processing: 'pending', requires_customer: 'pending' }[last.status];
        expect(result.current.status).toBe(expected);
        unmount();
      }),
      { numRuns: 60 },
    );
  });
});

describe('useCompletePayment: a host confirm that misbehaves', () => {
  it.each([
    ['throws synchronously', () => { throw new Error('stripe is not defined'); }, 'stripe is not defined'],
    ['answers nothing', () => undefined, null],
    ['answers something else', async () => ({ status: 'requires_action' }), null],
  ])('%s: failed, no second POST', async (_, impl, message) => {
    const fetch = fakeSessionFetch({ 'GET payment': paymentStatus('awaiting_customer'), 'POST payment': ANSWERS.requiresCustomer });
    const confirm = vi.fn(impl as never);
    const { result } = renderHook(() => useCompletePayment(PAYMENT_SESSION_ID, { confirm, fetch }), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('idle'));
    await act(() => result.current.pay());
    expect(result.current.status).toBe('failed');
    expect(result.current.failure).toEqual({ message, failureCode: null });
    expect(posts(fetch)).toBe(1);
  });
});
