/**
 * `@itutor/sessions-core/adapter`: for the authors of adapters (storage) and integrations (payment
 * gateways, video providers) — every port, the records a port stores, the shared time-limit helper, and
 * the machines an adapter's tests drive. Check an adapter with the contract suite of
 * `@itutor/sessions-core/testing` (see docs/guide/writing-an-adapter.md).
 */
// Ports: storage.
export type {
  ChargeLedgerReader,
  ClaimOptions,
  EventLogReader,
  InsertSessionResult,
  MeetingRepository,
  ProviderConnectionRepository,
  SessionRepository,
  SessionWrite,
  SessionsAdapter,
  TokensToSave,
} from './ports';
export type { RefundLedgerReader } from './ledger/refunds';
export type { PayoutLedgerReader } from './ledger/payouts';
export type { DisputeReader } from './ledger/disputes';
export type { ChargebackReader } from './ledger/chargebacks';
export type { AttendanceRepository } from './session/attendance';
// Ports: the outside services.
export type {
  Booking,
  ChargeCallOptions,
  ChargeInstruction,
  ChargeResult,
  Clock,
  CreateMeetingInput,
  IdGenerator,
  Meeting,
  MeetingLookup,
  MoveMeetingInput,
  MeetingTimes,
  OnSessionChargeResult,
  PaymentGateway,
  VideoProvider,
} from './ports';
export type { RefundInstruction, RefundResult } from './ledger/refunds';
export type { PayoutInstruction, PayoutResult } from './ledger/payouts';
export type {
  ChargebackEvidenceInstruction,
  ChargebackEvidenceResult,
  ChargebackShareInstruction,
  ChargebackShareResult,
} from './ledger/chargebacks';
export { randomId, systemClock, timeOrderedId } from './ports';
export { withDeadline } from './deadline';
export type { DeadlineOptions } from './deadline';
// The records ports store.
export { FINAL_SESSION_MUTABLE_FIELDS } from './session/model';
export type {
  CancelledBy,
  ChargeAttempt,
  ChargeAttemptStatus,
  ChargeStatus,
  ChargedOutcome,
  ConnectionMark,
  EventActor,
  LedgerWrite,
  ProviderConnection,
  ProviderTokens,
  ProviderTokensWrite,
  SealedProviderTokens,
  SealedToken,
  Session,
  SessionEvent,
  SessionEventDraft,
  SessionEventType,
  StoredProviderTokens,
  VideoProviderName,
} from './session/model';
export { MAX_REFUND_REASON_LENGTH, refundIdempotencyKey, refundedSoFar, refundSplit } from './ledger/refunds';
export type { Refund, RefundAmounts, RefundRequest, RefundStatus } from './ledger/refunds';
export { payoutIdempotencyKey, payoutLeft, payoutsFromLedger, PAYOUT_TIMINGS } from './ledger/payouts';
export type { Payout, PayoutEffect, PayoutLedger, PayoutStatus, PayoutTiming } from './ledger/payouts';
export type { PayoutAnswer } from './ledger/answers';
export { decideDispute, DISPUTE_REASONS, MAX_DISPUTE_MESSAGE_LENGTH } from './ledger/disputes';
export { buildDisputeEvidence, EVIDENCE_TEXT_LIMIT } from './ledger/evidence';
export {
  CHARGEBACK_STATUSES,
  FINAL_CHARGEBACK_STATUSES,
  awaitsEvidence,
  chargebackShareInstruction,
  chargebackShareKey,
  chargebackTutorShare,
  chargebackWork,
  decideChargebackReport,
  recordShareMove,
  shareStillToMove,
} from './ledger/chargebacks';
export type { ChargebacksResource, ChargebackRecordReport, ChargebackRetryReport } from './ledger/chargeback-resource';
export { AUTHENTICATION_REQUIRED } from './ledger/answers';
export { classifyOnSessionResult, openOnSessionAttempt, paymentStatusOf } from './ledger/recovery';
export type { OnSessionPayment, PaymentStatusJson } from './ledger/recovery';
export type {
  ChargebackRecordOutcome,
  ChargebackWork,
  Chargeback,
  ChargebackEvidenceState,
  ChargebackLossBearer,
  ChargebackReport,
  ChargebackStatus,
  ChargebackTutorShare,
} from './ledger/chargebacks';
export type { DisputeEvidenceFields, DisputeEvidenceInput } from './ledger/evidence';
export type { Dispute, DisputeAction, DisputeActionType, DisputeDecision, DisputeReason, DisputeResolution, DisputeRole, DisputeStatus } from './ledger/disputes';
export {
  MEETING_END_CLOCK_SKEW_MINUTES,
  assertValidMeetingEvent,
  autoNoShowEvidence,
  autoTutorNoShowEvidence,
  earliestJoin,
  earliestStudentJoin,
  nobodyJoinedEvidence,
  providerJoins,
} from './session/attendance';
export type {
  AttendanceEntry,
  AttendanceRole,
  AutoNoShowEvidence,
  MatchParticipant,
  MeetingEventInput,
  MeetingEventKind,
  MeetingEventOutcome,
  MeetingParticipant,
  NobodyJoinedEvidence,
} from './session/attendance';
export { toChargeAttentionSummary } from './ledger/attention';
// The machines, for tests that drive storage through real transitions.
export { openSession, transition } from './session/machine';
export type { MeetingEndSource, SessionCommand, SessionOpening } from './session/machine';
export { SYSTEM_ACTOR } from './session/transition';
export type { SessionEffect, TransitionContext, TransitionOk, TransitionRefused, TransitionResult } from './session/transition';
export { transitionContext } from './session/transition';
export { chargeIdempotencyKey } from './ledger/charges';
export type { ChargeEffect } from './ledger/charges';
export type { RefundEffect } from './ledger/refunds';
export { LATE_SUCCESS_REASON, classifyRefundResult, decideChargeAnswer } from './ledger/answers';
export type { ChargeAnswer, ChargeAnswerDecision, ChargeAnswerOutcome, RefundAnswer } from './ledger/answers';
export { refundInstructionFor } from './ledger/refunds';
// The integrations' stores (Stripe webhook events, OAuth states, Meet subscriptions).
export type { MeetSubscriptionRecord, MeetSubscriptionStore, OAuthStateStore, StripeEventStore } from './ports/stores';
