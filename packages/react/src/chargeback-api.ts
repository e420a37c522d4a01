import type { Chargeback } from '@itutor/sessions-core/adapter';
import { sessionRequest, type RequestOptions } from './api-request';

/**
 * One chargeback as the routes answer it: the core's `Chargeback` with every `Date` as an ISO string
 * (`stagedEvidence` as is: Stripe's evidence text fields). For the platform's people only.
 */
export type ChargebackJson = {
  readonly [K in keyof Chargeback]: Chargeback[K] extends Date ? string : Chargeback[K] extends Date | null ? string | null : Chargeback[K];
};

/** `GET {basePath}/sessions/{id}/chargebacks` → the session's chargebacks, by number. Throws a `SessionError`. */
export function listChargebacks(sessionId: string, options: RequestOptions = {}): Promise<ChargebackJson[]> {
  return sessionRequest<ChargebackJson[]>(sessionId, 'chargebacks', 'chargebacks', 'GET', options);
}

/** `POST {basePath}/sessions/{id}/chargebacks/{n}/stage`: builds the evidence again and stages it (not submitted). */
export function stageChargebackEvidence(sessionId: string, chargeback: number, options: Omit<RequestOptions, 'signal'> = {}): Promise<ChargebackJson> {
  return sessionRequest<ChargebackJson>(sessionId, `chargebacks/${chargeback}/stage`, 'chargeback', 'POST', options);
}

/** `POST {basePath}/sessions/{id}/chargebacks/{n}/submit`: submits the staged evidence (final). Throws `EVIDENCE_NOT_ACCEPTED`, … */
export function submitChargebackEvidence(sessionId: string, chargeback: number, options: Omit<RequestOptions, 'signal'> = {}): Promise<ChargebackJson> {
  return sessionRequest<ChargebackJson>(sessionId, `chargebacks/${chargeback}/submit`, 'chargeback', 'POST', options);
}
