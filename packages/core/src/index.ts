/**
 * `@itutor/sessions-core`: the entry for host apps — create the services, call them, handle their errors.
 *
 * Other audiences have their own entries:
 * - `@itutor/sessions-core/rules`: the pure rules (timing, money, status, guards, session JSON) for the
 *   browser and for display;
 * - `@itutor/sessions-core/adapter`: every port an adapter or integration implements, the model it
 *   stores, and the machines its tests drive;
 * - `@itutor/sessions-core/http`, `/client`, `/testing`: the HTTP layer, the browser client, the
 *   in-memory adapter and contract suite.
 */
export { createSessionsCore } from './core';
export type { SessionsCore, SessionsCoreConfig } from './core';
export type { SessionsResource } from './session/sessions';
export type { AttendanceResource } from './session/attendance-resource';
export type { ChargesResource } from './ledger/charge-resource';
export type { RefundsResource, RefundChargeInput, RefundReport, RefundRetryReport } from './ledger/refund-resource';
export type { PayoutsResource } from './ledger/payout-resource';
export type { DisputesResource } from './ledger/dispute-resource';
export type { ProvidersResource } from './providers/connections';
export type { SettlementResource } from './ledger/settlement';
export type { SettlementOptions, SettlementReport } from './ledger/settlement-options';
export type { ChargeAnswerInput, ChargeAnswerReport } from './ledger/answers';
export type { ChargeAttentionSummary } from './ledger/attention';
export { ERROR_CODES, SessionError, isSessionError } from './errors';
export type { SessionErrorCode, SessionErrorDetails } from './errors';
export { DEFAULT_POLICY, definePolicy } from './rules/policy';
export type { SessionPolicy } from './rules/policy';
export type { SessionStatus } from './rules/status';
export { toPublicSession } from './session/model';
export type { Session, PublicSession, SessionEvent, ChargeAttempt, ProviderConnection, SealedProviderTokens, VideoProviderName, ParticipantRole } from './session/model';
export type { Refund } from './ledger/refunds';
export type { AttendanceEntry, MatchParticipant, MeetingEventInput, MeetingEventOutcome } from './session/attendance';
export { toSessionJson } from './session/wire';
export type { SessionJson } from './session/wire';
export { randomId } from './ports';
export type { Booking, Clock, PaymentGateway, SessionsAdapter, VideoProvider } from './ports';
