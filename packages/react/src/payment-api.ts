import type { ChargeStatus } from '@itutor/sessions-core/adapter';
import { sessionRequest, type RequestOptions } from './api-request';

/**
 * Where a session's charge stands for its student: `GET {basePath}/sessions/{id}/payment` → `{ payment }`.
 * `chargeStatus` `awaiting_customer`: the bank wants the student to confirm the payment on-session.
 */
export interface PaymentStatusJson {
  readonly chargeStatus: ChargeStatus;
  /** What the charge is for, in minor units (`null` when there is nothing to charge). */
  readonly amountMinor: number | null;
  readonly currency: string;
  /** The ledger attempt the status is about. */
  readonly attempt: number;
}

/**
 * The answer of `POST {basePath}/sessions/{id}/payment` (`{ payment }`): `requires_customer` with the
 * PaymentIntent's `clientSecret` for the host's confirm (Stripe.js `confirmCardPayment`); or the attempt's
 * state, already recorded by the server: `succeeded`, `processing` (the bank has not answered yet),
 * `failed` with the gateway's `failureCode` (a later start opens a new attempt).
 */
export type OnSessionPayment =
  | {
      readonly status: 'requires_customer';
      readonly clientSecret: string;
      readonly attempt: number;
      readonly amountMinor: number;
      readonly currency: string;
    }
  | { readonly status: 'succeeded' | 'processing'; readonly attempt: number; readonly amountMinor: number; readonly currency: string }
  | { readonly status: 'failed'; readonly failureCode: string; readonly attempt: number; readonly amountMinor: number; readonly currency: string };

/** Reads `GET {basePath}/sessions/{id}/payment` (the session's student only). Throws a `SessionError`. */
export function getPayment(sessionId: string, options: RequestOptions = {}): Promise<PaymentStatusJson> {
  return sessionRequest<PaymentStatusJson>(sessionId, 'payment', 'payment', 'GET', options);
}

/**
 * `POST {basePath}/sessions/{id}/payment` (body `{}`): opens (or reuses) the on-session attempt and answers
 * its state. Throws a `SessionError` (`NO_CHARGE_PENDING`, `NOT_SESSION_STUDENT`,
 * `PAYMENT_RECOVERY_NOT_SUPPORTED`, `GATEWAY_UNAVAILABLE`, …).
 */
export function startPayment(sessionId: string, options: Omit<RequestOptions, 'signal'> = {}): Promise<OnSessionPayment> {
  return sessionRequest<OnSessionPayment>(sessionId, 'payment', 'payment', 'POST', options);
}
