import { SessionError } from '@itutor/sessions-core';

/**
 * Why the gateway answers `{ status: 'halted', code }` instead of a result: the core never sends the attempt
 * (or refund) again, fails it for good at once, keeps the code as the attempt's `failureCode` and flags the
 * session for a person (`charge.needs_attention`, reason `gateway_halted`). Answer codes, not errors:
 * nothing is thrown.
 * - `IDEMPOTENCY_CONFLICT`: Stripe answered `idempotency_error`: the charge's idempotency key was already
 *   used with different parameters (for example the student's saved card changed between two calls of one
 *   ledger attempt).
 * - `INVALID_INSTRUCTION`: the core's instruction is not a valid charge (amounts not whole minor units,
 *   `amountMinor ≠ payoutMinor + feeMinor`, no currency). Nothing was sent to Stripe; the same instruction
 *   would be refused again.
 *
 * What this package throws is the core's `SessionError` (recognise it with `isSessionError`):
 * - `GATEWAY_MISCONFIGURED`: Stripe refused the API key (401) or the account's permissions (403);
 *   `details.requestId` is Stripe's request id. Not a halt, on purpose: it concerns every charge, not this
 *   attempt, and retrying under the same key with the same parameters is safe — the core records the throw
 *   as `unknown` and charges resume once the key is fixed (halting would fail every charge of a run for
 *   good, with no way to resume them). Watch for it in your logs: until the charge deadline, nothing flags it.
 * - `NO_GATEWAY_CUSTOMER`: `customerFor` knows no Stripe customer for the student (card setup needs one).
 */
export type StripeHaltCode = 'IDEMPOTENCY_CONFLICT' | 'INVALID_INSTRUCTION';

/** The codes the gateway answers as `{ status: 'halted', code }` (see {@link StripeHaltCode}). */
export const STRIPE_HALTING_CODES: readonly StripeHaltCode[] = ['IDEMPOTENCY_CONFLICT', 'INVALID_INSTRUCTION'];

/** True for a halting code (see {@link StripeHaltCode}). */
export const isHaltCode = (code: string): code is StripeHaltCode => (STRIPE_HALTING_CODES as readonly string[]).includes(code);

/** `GATEWAY_MISCONFIGURED`: Stripe refused the key or the account's permissions. The message never holds a key. */
export function misconfigured(message: string, requestId: string | undefined, cause: unknown): SessionError {
  return new SessionError('GATEWAY_MISCONFIGURED', message, { gateway: 'stripe', ...(requestId === undefined ? {} : { requestId }) }, { cause });
}
