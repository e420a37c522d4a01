'use client';
/**
 * `@itutor/sessions-react/chargebacks`: a session's chargebacks (card disputes at the student's bank) for
 * the platform's people. The headless `useChargebacks` hook (reads `GET {basePath}/sessions/{id}/chargebacks`,
 * stages and submits evidence through `POST …/chargebacks/{n}/stage` and `…/submit`) and `ChargebackPanel`
 * (each chargeback in words, the staged evidence readable, the submit step behind an alert dialog). Its own
 * entry point, so pages without it pay nothing. A client module; it reads the main entry's
 * `SessionClockProvider` (base path, locale, time zone).
 */
export { useChargebacks } from './useChargebacks';
export type { ChargebackStep, ChargebacksReadStatus, ChargebacksState, UseChargebacksOptions } from './useChargebacks';
export { ChargebackPanel } from './ChargebackPanel';
export type { ChargebackPanelProps } from './ChargebackPanel';
export { DEFAULT_CHARGEBACK_LABELS } from './chargeback-labels';
export type { ChargebackLabels, ChargebackLabelsInput } from './chargeback-labels';
// The wire types of the chargeback routes (the core client's `listChargebacks`, … answer them).
export type {
  ChargebackEvidenceState,
  ChargebackJson,
  ChargebackLossBearer,
  ChargebackStatus,
  ChargebackTutorShare,
  DisputeEvidenceFields,
} from '@itutor/sessions-core/client';
