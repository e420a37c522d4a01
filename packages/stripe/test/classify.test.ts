import type { ChargeResult } from '@itutor/sessions-core/adapter';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { classifyStripeCharge, STRIPE_CUSTOMER_DECLINE_CODES, type StripeChargeClassification } from '../src/index';

/** The error the official client makes from a raw Stripe error body and status (its own factory). */
const stripeError = (statusCode: number, raw: Record<string, unknown>) =>
  Stripe.errors.generateV1Error({ ...raw, statusCode, requestId: 'req_123' } as Parameters<typeof Stripe.errors.generateV1Error>[0]);

const answer = (result: ChargeResult, authenticationRequired = false): StripeChargeClassification => ({ kind: 'answer', result, authenticationRequired });
const pi = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'pi_1', status, ...extra });

/** Stripe's documented answers to an off-session confirmed PaymentIntent create → the core's answer. */
const TABLE: ReadonlyArray<readonly [string, Parameters<typeof classifyStripeCharge>[0], StripeChargeClassification]> = [
  ['PaymentIntent succeeded', { paymentIntent: pi('succeeded') }, answer({ status: 'succeeded', reference: 'pi_1' })],
  ['PaymentIntent processing', { paymentIntent: pi('processing') }, answer({ status: 'unknown', reason: 'processing', reference: 'pi_1' })],
  ['PaymentIntent requires_action', { paymentIntent: pi('requires_action') }, answer({ status: 'failed', failureCode: 'authentication_required', reference: 'pi_1', needsCustomer: true }, true)],
  [
    'PaymentIntent requires_payment_method after authentication_required',
    { paymentIntent: pi('requires_payment_method', { last_payment_error: { code: 'authentication_required', decline_code: 'authentication_required' } }) },
    answer({ status: 'failed', failureCode: 'authentication_required', reference: 'pi_1', needsCustomer: true }, true),
  ],
  [
    'PaymentIntent requires_payment_method after a decline',
    { paymentIntent: pi('requires_payment_method', { last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds' } }) },
    answer({ status: 'failed', failureCode: 'insufficient_funds', reference: 'pi_1' }),
  ],
  ['PaymentIntent requires_payment_method, no error', { paymentIntent: pi('requires_payment_method') }, answer({ status: 'failed', failureCode: 'payment_failed', reference: 'pi_1' })],
  ['PaymentIntent canceled', { paymentIntent: pi('canceled') }, answer({ status: 'failed', failureCode: 'canceled', reference: 'pi_1' })],
  ['PaymentIntent requires_capture', { paymentIntent: pi('requires_capture') }, answer({ status: 'unknown', reason: 'unexpected_status_requires_capture', reference: 'pi_1' })],
  [
    '402 card_error with decline_code',
    { error: stripeError(402, { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', payment_intent: { id: 'pi_2', status: 'requires_payment_method' } }) },
    answer({ status: 'failed', failureCode: 'insufficient_funds', reference: 'pi_2' }),
  ],
  ['402 card_error without decline_code', { error: stripeError(402, { type: 'card_error', code: 'expired_card' }) }, answer({ status: 'failed', failureCode: 'expired_card', needsCustomer: true })],
  [
    '402 authentication_required',
    { error: stripeError(402, { type: 'card_error', code: 'authentication_required', decline_code: 'authentication_required', payment_intent: { id: 'pi_3', status: 'requires_payment_method' } }) },
    answer({ status: 'failed', failureCode: 'authentication_required', reference: 'pi_3', needsCustomer: true }, true),
  ],
  ['400 invalid request', { error: stripeError(400, { type: 'invalid_request_error', code: 'amount_too_small' }) }, answer({ status: 'failed', failureCode: 'amount_too_small' })],
  ['404 resource_missing', { error: stripeError(404, { type: 'invalid_request_error', code: 'resource_missing' }) }, answer({ status: 'failed', failureCode: 'resource_missing' })],
  ['429 rate limit', { error: stripeError(429, { type: 'invalid_request_error', code: 'rate_limit' }) }, answer({ status: 'unknown', reason: 'rate_limited' })],
  ['400 rate_limit code', { error: stripeError(400, { type: 'invalid_request_error', code: 'rate_limit' }) }, answer({ status: 'unknown', reason: 'rate_limited' })],
  ['409 idempotency_key_in_use', { error: stripeError(409, { type: 'invalid_request_error', code: 'idempotency_key_in_use' }) }, answer({ status: 'unknown', reason: 'conflict' })],
  ['500 api_error', { error: stripeError(500, { type: 'api_error' }) }, answer({ status: 'unknown', reason: 'stripe_unavailable' })],
  ['503', { error: stripeError(503, { type: 'api_error' }) }, answer({ status: 'unknown', reason: 'stripe_unavailable' })],
  ['connection error', { error: new Stripe.errors.StripeConnectionError({ message: 'An error occurred with our connection to Stripe.' }) }, answer({ status: 'unknown', reason: 'network_error' })],
  [
    'time-out',
    { error: new Stripe.errors.StripeConnectionError({ message: 'Request aborted due to timeout being reached (4500ms)', detail: Object.assign(new Error('ETIMEDOUT'), { code: 'ETIMEDOUT' }) } as never) },
    answer({ status: 'unknown', reason: 'timeout' }),
  ],
  ['a non-Stripe error', { error: new TypeError('boom') }, answer({ status: 'unknown', reason: 'unexpected_error' })],
  ['a thrown string', { error: 'boom' }, answer({ status: 'unknown', reason: 'unexpected_error' })],
];

describe('classifyStripeCharge: Stripe\'s documented answers', () => {
  for (const [name, outcome, expected] of TABLE) {
    it(name, () => {
      expect(classifyStripeCharge(outcome)).toEqual(expected);
    });
  }

  it('400 idempotency_error → refused IDEMPOTENCY_CONFLICT (never a result)', () => {
    const classified = classifyStripeCharge({ error: stripeError(400, { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters' }) });
    expect(classified).toMatchObject({ kind: 'refused', code: 'IDEMPOTENCY_CONFLICT', requestId: 'req_123' });
  });

  it('401 / 403 → refused STRIPE_MISCONFIGURED', () => {
    for (const status of [401, 403]) {
      expect(classifyStripeCharge({ error: stripeError(status, { type: 'invalid_request_error' }) })).toMatchObject({ kind: 'refused', code: 'STRIPE_MISCONFIGURED' });
    }
  });

  it('every failure code fits the core\'s 200-character limit', () => {
    const long = 'x'.repeat(500);
    const classified = classifyStripeCharge({ error: stripeError(402, { type: 'card_error', code: 'card_declined', decline_code: long }) });
    expect(classified.kind === 'answer' && classified.result.status === 'failed' && classified.result.failureCode.length).toBe(200);
  });
});

describe('classifyStripeCharge: declines only the student can fix (needsCustomer)', () => {
  const fromError = (raw: Record<string, unknown>) => classifyStripeCharge({ error: stripeError(402, { type: 'card_error', code: 'card_declined', ...raw }) });
  const fromPaymentIntent = (last: Record<string, unknown>) => classifyStripeCharge({ paymentIntent: pi('requires_payment_method', { last_payment_error: last }) });
  const result = (classified: StripeChargeClassification) => (classified.kind === 'answer' ? classified.result : null);

  it('every listed decline code → failed with that code and needsCustomer, from a 402 and from a PaymentIntent alike', () => {
    for (const declineCode of STRIPE_CUSTOMER_DECLINE_CODES) {
      const expected = declineCode === 'authentication_required' ? 'authentication_required' : declineCode;
      expect(result(fromError({ decline_code: declineCode })), declineCode).toMatchObject({ status: 'failed', failureCode: expected, needsCustomer: true });
      expect(result(fromPaymentIntent({ code: 'card_declined', decline_code: declineCode })), declineCode).toMatchObject({ status: 'failed', failureCode: expected, needsCustomer: true });
    }
  });

  it('the documented list: the codes the brief and Stripe name, and none of the retry-first or hidden-reason ones', () => {
    for (const named of ['authentication_required', 'call_issuer', 'card_not_supported', 'card_velocity_exceeded', 'currency_not_supported', 'do_not_honor', 'expired_card', 'incorrect_cvc', 'incorrect_number', 'incorrect_zip', 'invalid_cvc', 'invalid_expiry_month', 'invalid_expiry_year', 'invalid_number', 'pin_try_exceeded', 'withdrawal_count_limit_exceeded', 'transaction_not_allowed']) {
      expect(STRIPE_CUSTOMER_DECLINE_CODES).toContain(named);
    }
    const kept = ['approve_with_id', 'insufficient_funds', 'generic_decline', 'fraudulent', 'lost_card', 'stolen_card', 'pickup_card', 'processing_error', 'try_again_later', 'reenter_transaction', 'issuer_not_available', 'duplicate_transaction', 'testmode_decline', 'merchant_blacklist'];
    for (const declineCode of kept) {
      expect(STRIPE_CUSTOMER_DECLINE_CODES).not.toContain(declineCode);
      const classified = result(fromError({ decline_code: declineCode }));
      expect(classified, declineCode).toEqual({ status: 'failed', failureCode: declineCode });
    }
  });

  it('card-data errors Stripe reports by code alone (no decline code) need the student too', () => {
    for (const errorCode of ['expired_card', 'incorrect_cvc', 'incorrect_number', 'invalid_expiry_year']) {
      expect(result(classifyStripeCharge({ error: stripeError(402, { type: 'card_error', code: errorCode }) }))).toEqual({ status: 'failed', failureCode: errorCode, needsCustomer: true });
    }
    // A plain decline without a reason is Stripe's catch-all: retried off-session.
    expect(result(classifyStripeCharge({ error: stripeError(402, { type: 'card_error', code: 'card_declined' }) }))).toEqual({ status: 'failed', failureCode: 'card_declined' });
  });

  it("the issuer's advice_code overrides the table: try_again_later keeps retrying, do_not_try_again and confirm_card_data need the student", () => {
    expect(result(fromError({ decline_code: 'do_not_honor', advice_code: 'try_again_later' }))).toEqual({ status: 'failed', failureCode: 'do_not_honor' });
    expect(result(fromError({ decline_code: 'generic_decline', advice_code: 'do_not_try_again' }))).toEqual({ status: 'failed', failureCode: 'generic_decline', needsCustomer: true });
    expect(result(fromPaymentIntent({ code: 'card_declined', decline_code: 'insufficient_funds', advice_code: 'confirm_card_data' }))).toMatchObject({ needsCustomer: true });
    expect(result(fromPaymentIntent({ code: 'card_declined', decline_code: 'insufficient_funds', advice_code: 'try_again_later' }))).toEqual({ status: 'failed', failureCode: 'insufficient_funds', reference: 'pi_1' });
    // Authentication is always the student's, whatever the advice.
    expect(result(fromError({ decline_code: 'authentication_required', advice_code: 'try_again_later' }))).toMatchObject({ failureCode: 'authentication_required', needsCustomer: true });
  });

  it('a failed 3-D Secure on-session (payment_intent_authentication_failure) needs the student; canceled and a bare requires_payment_method do not', () => {
    expect(result(fromPaymentIntent({ code: 'payment_intent_authentication_failure' }))).toEqual({ status: 'failed', failureCode: 'payment_intent_authentication_failure', reference: 'pi_1', needsCustomer: true });
    expect(result(classifyStripeCharge({ paymentIntent: pi('canceled') }))).toEqual({ status: 'failed', failureCode: 'canceled', reference: 'pi_1' });
    expect(result(classifyStripeCharge({ paymentIntent: pi('requires_payment_method') }))).toEqual({ status: 'failed', failureCode: 'payment_failed', reference: 'pi_1' });
  });

  it('needsCustomer never rides on other answers (invalid requests, unknown, succeeded)', () => {
    for (const classified of [
      classifyStripeCharge({ error: stripeError(400, { type: 'invalid_request_error', code: 'expired_card' }) }),
      classifyStripeCharge({ error: stripeError(500, { type: 'api_error' }) }),
      classifyStripeCharge({ paymentIntent: pi('succeeded') }),
      classifyStripeCharge({ paymentIntent: pi('processing') }),
    ]) {
      expect(result(classified)).not.toHaveProperty('needsCustomer');
    }
  });
});
