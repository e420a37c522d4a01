import type { ChargeResult } from '@itutor/sessions-core/adapter';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { classifyStripeCharge, type StripeChargeClassification } from '../src/index';

/** The error the official client makes from a raw Stripe error body and status (its own factory). */
const stripeError = (statusCode: number, raw: Record<string, unknown>) =>
  Stripe.errors.generateV1Error({ ...raw, statusCode, requestId: 'req_123' } as Parameters<typeof Stripe.errors.generateV1Error>[0]);

const answer = (result: ChargeResult, authenticationRequired = false): StripeChargeClassification => ({ kind: 'answer', result, authenticationRequired });
const pi = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'pi_1', status, ...extra });

/** Stripe's documented answers to an off-session confirmed PaymentIntent create → the core's answer. */
const TABLE: ReadonlyArray<readonly [string, Parameters<typeof classifyStripeCharge>[0], StripeChargeClassification]> = [
  ['PaymentIntent succeeded', { paymentIntent: pi('succeeded') }, answer({ status: 'succeeded', reference: 'pi_1' })],
  ['PaymentIntent processing', { paymentIntent: pi('processing') }, answer({ status: 'unknown', reason: 'processing', reference: 'pi_1' })],
  ['PaymentIntent requires_action', { paymentIntent: pi('requires_action') }, answer({ status: 'failed', failureCode: 'authentication_required', reference: 'pi_1' }, true)],
  [
    'PaymentIntent requires_payment_method after authentication_required',
    { paymentIntent: pi('requires_payment_method', { last_payment_error: { code: 'authentication_required', decline_code: 'authentication_required' } }) },
    answer({ status: 'failed', failureCode: 'authentication_required', reference: 'pi_1' }, true),
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
  ['402 card_error without decline_code', { error: stripeError(402, { type: 'card_error', code: 'expired_card' }) }, answer({ status: 'failed', failureCode: 'expired_card' })],
  [
    '402 authentication_required',
    { error: stripeError(402, { type: 'card_error', code: 'authentication_required', decline_code: 'authentication_required', payment_intent: { id: 'pi_3', status: 'requires_payment_method' } }) },
    answer({ status: 'failed', failureCode: 'authentication_required', reference: 'pi_3' }, true),
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
