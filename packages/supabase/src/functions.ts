/**
 * The repository functions the migrations define, with their parameters in declaration order.
 * Both adapter paths call exactly these: the SQL path as `select public.<fn>(<param> => $n, ...)`,
 * the supabase-js path as `rpc('<fn>', { <param>: ... })` (PostgREST's `POST /rest/v1/rpc/<fn>`).
 */
export const REPOSITORY_FUNCTIONS = {
  itutor_insert_session: [
    ['p_session', 'jsonb'],
    ['p_events', 'jsonb'],
  ],
  itutor_find_session: [['p_id', 'text']],
  itutor_find_session_by_booking: [['p_booking_id', 'text']],
  itutor_apply_session_writes: [['p_writes', 'jsonb']],
  itutor_apply_charge_answers: [['p_writes', 'jsonb']],
  itutor_claim_sessions_for_settlement: [
    ['p_now', 'timestamptz'],
    ['p_limit', 'integer'],
    ['p_claim_until', 'timestamptz'],
    ['p_after_at', 'timestamptz'],
    ['p_after_id', 'uuid'],
    ['p_lease_due', 'boolean'],
  ],
  itutor_find_provider_connection: [['p_tutor_id', 'text']],
  itutor_find_provider_tokens: [['p_tutor_id', 'text']],
  itutor_save_provider_connection: [
    ['p_connection', 'jsonb'],
    ['p_tokens', 'jsonb'],
    ['p_event', 'jsonb'],
    ['p_expected_version', 'integer'],
  ],
  itutor_compare_and_set_provider_tokens: [
    ['p_tutor_id', 'text'],
    ['p_expected_version', 'integer'],
    ['p_tokens', 'jsonb'],
    ['p_mark', 'jsonb'],
  ],
  itutor_find_video_meeting: [
    ['p_provider', 'text'],
    ['p_idempotency_key', 'text'],
  ],
  itutor_insert_video_meeting: [
    ['p_provider', 'text'],
    ['p_idempotency_key', 'text'],
    ['p_meeting', 'jsonb'],
  ],
  itutor_remove_video_meeting: [
    ['p_provider', 'text'],
    ['p_meeting_id', 'text'],
  ],
  itutor_list_session_events: [['p_session_id', 'text']],
  itutor_list_tutor_events: [['p_tutor_id', 'text']],
  itutor_list_session_charges: [['p_session_id', 'text']],
  itutor_list_sessions_needing_attention: [['p_limit', 'integer']],
  itutor_list_session_refunds: [['p_session_id', 'text']],
  itutor_list_refunds_to_retry: [
    ['p_before', 'timestamptz'],
    ['p_limit', 'integer'],
  ],
  itutor_list_session_payouts: [['p_session_id', 'text']],
  itutor_list_due_payouts: [
    ['p_now', 'timestamptz'],
    ['p_resend_before', 'timestamptz'],
    ['p_limit', 'integer'],
  ],
  itutor_find_session_dispute: [['p_session_id', 'text']],
  itutor_list_unresolved_disputes: [['p_limit', 'integer']],
  itutor_list_session_chargebacks: [['p_session_id', 'text']],
  itutor_find_chargeback_by_reference: [['p_reference', 'text']],
  itutor_list_open_chargebacks: [['p_limit', 'integer']],
  itutor_remember_stripe_event: [['p_event_id', 'text']],
  itutor_forget_stripe_event: [['p_event_id', 'text']],
  itutor_forget_stripe_events_before: [['p_before', 'timestamptz']],
  itutor_find_session_by_meeting: [
    ['p_provider', 'text'],
    ['p_meeting_id', 'text'],
  ],
  itutor_record_attendance: [
    ['p_entry', 'jsonb'],
    ['p_event', 'jsonb'],
  ],
  itutor_list_session_attendance: [['p_session_id', 'text']],
  itutor_list_attendance_for_sessions: [['p_session_ids', 'jsonb']],
  itutor_find_session_with_attendance: [['p_id', 'text']],
  itutor_log_ignored_provider_report: [['p_event', 'jsonb']],
} as const satisfies Record<string, ReadonlyArray<readonly [string, 'jsonb' | 'text' | 'integer' | 'timestamptz' | 'uuid' | 'boolean']>>;

/** The name of a repository function. */
export type RepositoryFunctionName = keyof typeof REPOSITORY_FUNCTIONS;

/**
 * Calls one repository function with named arguments (JSON-compatible values; instants as ISO text)
 * and resolves to the jsonb it returned, parsed (`null` for SQL NULL).
 */
export type CallRepositoryFunction = (name: RepositoryFunctionName, args: Readonly<Record<string, unknown>>) => Promise<unknown>;
