import type { FormObject, FormValue } from './form';

/** An error answer of the fake (Stripe's `{ error }` body with its HTTP status). Internal to the fake. */
export class StripeHttpError {
  constructor(
    readonly status: number,
    readonly error: Record<string, unknown>,
    /** Whether the answer is saved under the idempotency key (Stripe saves what ran, not what failed validation). */
    readonly saved: boolean,
  ) {}
}

export const invalid = (message: string, param?: string, code?: string, status = 400) =>
  new StripeHttpError(status, { type: 'invalid_request_error', message, ...(param ? { param } : {}), ...(code ? { code } : {}) }, false);

export const str = (value: FormValue | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
export const obj = (value: FormValue | undefined): FormObject | undefined => (typeof value === 'object' ? value : undefined);
export const flat = (value: FormValue | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(value) ?? {})) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
};
export const integer = (value: FormValue | undefined, param: string, min: number): number => {
  const text = str(value);
  if (text === undefined || !/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw invalid(`Invalid integer: ${String(text)}`, param, 'parameter_invalid_integer');
  }
  const n = Number(text);
  if (n < min) throw invalid(`This value must be greater than or equal to ${min}.`, param, 'parameter_invalid_integer');
  return n;
};
export const bool = (value: FormValue | undefined): boolean => value === 'true';
