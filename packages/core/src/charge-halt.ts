/**
 * The terminal signal of the `PaymentGateway` port: how a gateway tells the core "do not retry this
 * attempt, a person must look". Most gateway trouble is retried (an unknown answer under the same key, a
 * decline under a new attempt's key); a few errors say that retrying would be wrong — for example Stripe's
 * `idempotency_error` (the attempt's key was already used with different parameters: retrying would
 * either fail forever or, with a new key, risk charging twice).
 *
 * A gateway signals it by throwing an error that carries the {@link CHARGE_HALT} marker and a string
 * `code` (at most 200 characters). The core then records the attempt as `halted` with that code as its
 * `failureCode` (the first call may have taken money: the attempt is not called failed; storage never
 * changes a halted attempt again), fails the charge for good at once (`chargeStatus: 'failed'`, listed by
 * `listChargesNeedingAttention`) with a `charge.needs_attention` event whose reason is `gateway_halted` and
 * whose `code` is the error's, and never calls the gateway for that session again — neither under the same
 * key nor under a new one. The session keeps the attempt's key, so a later webhook saying it succeeded is
 * still matched: recorded as a late success on a ledger row of its own (see `decideChargeAnswer`).
 *
 * The marker is a registered symbol (`Symbol.for`), so an error from another copy of the package is
 * recognised too. Use {@link markChargeHalt} or set the property yourself.
 */
export const CHARGE_HALT: unique symbol = Symbol.for('@itutor/sessions-core/charge-halt');

/** An error a gateway throws to halt a charge attempt (see {@link CHARGE_HALT}). */
export interface ChargeHaltError extends Error {
  readonly [CHARGE_HALT]: true;
  /** Why, kept in the ledger as the attempt's `failureCode` (e.g. `IDEMPOTENCY_CONFLICT`). */
  readonly code: string;
}

/** Marks `error` as halting the charge attempt with `code`, and returns it (for `throw markChargeHalt(...)`). */
export function markChargeHalt<E extends Error>(error: E, code: string): E & ChargeHaltError {
  Object.defineProperty(error, CHARGE_HALT, { value: true, enumerable: false });
  if ((error as { code?: unknown }).code !== code) Object.defineProperty(error, 'code', { value: code, enumerable: true, configurable: true });
  return error as E & ChargeHaltError;
}

/** True when `value` is an error that halts a charge attempt: it has the marker and a non-empty `code` of at most 200 characters. */
export function isChargeHaltError(value: unknown): value is ChargeHaltError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { [CHARGE_HALT]?: unknown; code?: unknown };
  return candidate[CHARGE_HALT] === true && typeof candidate.code === 'string' && candidate.code.length > 0 && candidate.code.length <= 200;
}
