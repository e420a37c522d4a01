import type { ChargebackJson, DisputeEvidenceFields } from '../src/chargebacks';

/**
 * Chargebacks of the fixture session (60 minutes from 15:00 UTC on 15 January 2026, charged TTD 150.00,
 * the tutor's share 135.00), in the shape `GET /api/sessions/{id}/chargebacks` answers.
 */
export const CHARGEBACK_SESSION_ID = '00000000-0000-4000-8000-000000000001';

/** The evidence as `buildDisputeEvidence` writes it for the fixture session (its line breaks matter). */
export const STAGED_EVIDENCE: DisputeEvidenceFields = {
  service_date: '2026-01-15',
  product_description: 'A 60-minute online tutoring session on iTutor, held over Zoom, scheduled 2026-01-15T15:00:00Z (UTC), price TTD 150.00.',
  access_activity_log: [
    'Session scheduled 2026-01-15T15:00:00Z to 2026-01-15T16:00:00Z (UTC).',
    "2026-01-15T14:57:00Z the tutor joined with the platform's Join button",
    "2026-01-15T15:01:00Z the student joined with the platform's Join button",
    '2026-01-15T15:01:30Z Zoom reported that the student joined the meeting',
  ].join('\n'),
  cancellation_policy_disclosure: [
    'Price TTD 150.00 for 60 minutes.',
    'Cancellations: cancelled by the student 24 hours or more before the start: free; cancelled by the student later: 50% of the price.',
  ].join('\n'),
  refund_policy_disclosure: 'Within 72 hours after a charged session the student may report a problem on the platform.',
  customer_communication: null,
  uncategorized_text: [
    'Outcome: held as scheduled (charged in full), decided 2026-01-15T16:00:00Z.',
    'Charged: TTD 150.00; refunded: nothing.',
    'Audit trail (UTC):',
    '2026-01-15T16:00:00Z charge succeeded (TTD 150.00) — the platform (automatic)',
  ].join('\n'),
};

/** When the bank opened it: 09:00 UTC on 20 January; evidence due 23:59 UTC on 30 January. */
export const OPENED_AT = '2026-01-20T09:00:00.000Z';
export const DUE_BY = '2026-01-30T23:59:59.000Z';

/** Chargeback 1, evidence staged and waiting for a person; override anything. */
export function chargebackJson(overrides: Partial<ChargebackJson> = {}): ChargebackJson {
  return {
    sessionId: CHARGEBACK_SESSION_ID,
    chargeback: 1,
    attempt: 1,
    reference: 'dp_fixture_1',
    status: 'needs_response',
    reason: 'fraudulent',
    amountMinor: 15_000,
    currency: 'TTD',
    feeMinor: 1_500,
    fundsWithdrawnMinor: 15_000,
    fundsReinstatedMinor: 0,
    evidenceDueBy: DUE_BY,
    gatewayUpdatedAt: OPENED_AT,
    lossBearer: 'tutor',
    tutorShareMinor: 13_500,
    tutorShare: 'reversed',
    evidence: 'staged',
    stagedEvidence: STAGED_EVIDENCE,
    evidenceStagedAt: '2026-01-20T09:00:05.000Z',
    submittedBy: null,
    submittedAt: null,
    openedAt: OPENED_AT,
    closedAt: null,
    updatedAt: '2026-01-20T09:00:05.000Z',
    ...overrides,
  };
}

/** Chargeback 1 after a person submitted its evidence at 14:30 UTC on 21 January. */
export const SUBMITTED = (overrides: Partial<ChargebackJson> = {}) =>
  chargebackJson({ evidence: 'submitted', status: 'under_review', submittedBy: 'ops-1', submittedAt: '2026-01-21T14:30:00.000Z', ...overrides });

/** Chargeback 1 won: the funds reinstated, the tutor's share given back. */
export const WON = (overrides: Partial<ChargebackJson> = {}) =>
  SUBMITTED({ status: 'won', fundsReinstatedMinor: 15_000, tutorShare: 'reinstated', closedAt: '2026-03-01T10:00:00.000Z', ...overrides });

/** The evidence the SDK would build now (the route's `evidence`): what staging would send. */
export const PREVIEW_EVIDENCE: DisputeEvidenceFields = {
  ...STAGED_EVIDENCE,
  customer_communication: '2026-01-16T10:00:00Z the student: The tutor left after 20 minutes.',
};

/** The body of `GET /api/sessions/{id}/chargebacks`: the session's chargebacks and the evidence built now. */
export const listed = (...chargebacks: ChargebackJson[]) => ({ chargebacks, evidence: PREVIEW_EVIDENCE });
