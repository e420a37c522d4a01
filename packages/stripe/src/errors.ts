/**
 * Why a call of this package was refused or could not be made. Stable codes: a host switches on
 * `error.code`; codes are never renamed, only added.
 * - `IDEMPOTENCY_CONFLICT`: Stripe answered `idempotency_error`: the charge's idempotency key was already
 *   used with different parameters (for example the student's saved card changed between two calls of one
 *   ledger attempt). Never retried with the new parameters: a person must look. The core records the throw
 *   as an `unknown` answer (retried under the same key, which keeps failing the same way) until the charge
 *   deadline flags it.
 * - `STRIPE_MISCONFIGURED`: Stripe refused the API key (401) or the account's permissions (403). The core
 *   records the throw as `unknown` and retries under the same key, so charges resume once it is fixed.
 * - `INVALID_INSTRUCTION`: the core's instruction is not a valid charge (amounts not whole minor units,
 *   `amountMinor ≠ payoutMinor + feeMinor`, no currency). Nothing was sent to Stripe.
 * - `NO_CUSTOMER`: `customerFor` knows no Stripe customer for the student (card setup needs one).
 */
export type StripeGatewayErrorCode = 'IDEMPOTENCY_CONFLICT' | 'STRIPE_MISCONFIGURED' | 'INVALID_INSTRUCTION' | 'NO_CUSTOMER';

/** An error thrown by this package. Messages never contain keys, secrets or card details. */
export class StripeGatewayError extends Error {
  override readonly name = 'StripeGatewayError';
  readonly code: StripeGatewayErrorCode;
  /** Stripe's request id, when Stripe answered (for Stripe support). */
  readonly requestId: string | undefined;

  constructor(code: StripeGatewayErrorCode, message: string, details: { readonly requestId?: string; readonly cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.requestId = details.requestId;
  }
}

/** True for a {@link StripeGatewayError} (also across bundle copies), optionally with the given code. */
export function isStripeGatewayError(error: unknown, code?: StripeGatewayErrorCode): error is StripeGatewayError {
  const matches =
    error instanceof StripeGatewayError || (error instanceof Error && error.name === 'StripeGatewayError' && 'code' in error);
  return matches && (code === undefined || (error as StripeGatewayError).code === code);
}
