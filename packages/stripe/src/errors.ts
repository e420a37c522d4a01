/**
 * Why a call of this package was refused or could not be made. Stable codes: a host switches on
 * `error.code`; codes are never renamed, only added.
 * - `IDEMPOTENCY_CONFLICT`: Stripe answered `idempotency_error`: the charge's idempotency key was already
 *   used with different parameters (for example the student's saved card changed between two calls of one
 *   ledger attempt). Never retried: the gateway answers `{ status: 'halted', code: 'IDEMPOTENCY_CONFLICT' }`
 *   (no error is thrown), so the core fails the charge for good at once, keeps `IDEMPOTENCY_CONFLICT` as the
 *   attempt's `failureCode` and flags the session for a person (`charge.needs_attention`, reason
 *   `gateway_halted`).
 * - `STRIPE_MISCONFIGURED`: Stripe refused the API key (401) or the account's permissions (403). Not a
 *   halt, on purpose: it concerns every charge, not this attempt, and retrying under the same key with the
 *   same parameters is safe — the core records the throw as `unknown` and charges resume once the key is
 *   fixed (halting would fail every charge of a run for good, with no way to resume them). Watch for it in
 *   your logs: until the charge deadline, nothing flags it.
 * - `INVALID_INSTRUCTION`: the core's instruction is not a valid charge (amounts not whole minor units,
 *   `amountMinor ≠ payoutMinor + feeMinor`, no currency). Nothing was sent to Stripe. The gateway answers
 *   `{ status: 'halted', code: 'INVALID_INSTRUCTION' }` (the same instruction would be refused again):
 *   flagged for a person at once.
 * - `NO_CUSTOMER`: `customerFor` knows no Stripe customer for the student (card setup needs one).
 */
export type StripeGatewayErrorCode = 'IDEMPOTENCY_CONFLICT' | 'STRIPE_MISCONFIGURED' | 'INVALID_INSTRUCTION' | 'NO_CUSTOMER';

/**
 * The codes the gateway answers as `{ status: 'halted', code }` instead of throwing: the core never sends
 * the attempt (or refund) again and flags it for a person (see `StripeGatewayErrorCode`).
 */
export const STRIPE_HALTING_CODES: readonly StripeGatewayErrorCode[] = ['IDEMPOTENCY_CONFLICT', 'INVALID_INSTRUCTION'];

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
