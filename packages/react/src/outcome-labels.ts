/**
 * The texts of `ReportTutorAbsentButton` and `CancelSessionButton`, apart from `DEFAULT_LABELS` so a page
 * that shows neither does not ship them (the Join and No-show buttons' bundles stay as they were).
 * Override them like every other label: the `labels` prop of the component or of `SessionClockProvider`
 * (`SessionLabelsInput` takes them). Functions receive values already formatted for the locale.
 */
export interface SessionOutcomeLabels {
  /** Text of the tutor-absence trigger and confirm buttons. */
  readonly reportTutorAbsent: string;
  /** Text of the confirm button while the report is being recorded. */
  readonly reportingTutorAbsent: string;
  /** Shown (and linked to the disabled button) until the tutor can be reported absent. */
  readonly tutorAbsentAvailableIn: (countdown: string) => string;
  /** Announced once, politely, when the report becomes possible while the button is on screen. */
  readonly tutorAbsentAvailableAnnouncement: string;
  /**
   * Shown (and linked to the disabled button) once the wait is over while the student's own presence is
   * not recorded (the presence rule: core `STUDENT_NOT_PRESENT`), and in the dialog when the server refuses so.
   */
  readonly studentNotPresent: string;
  /** Title of the tutor-absence confirmation. */
  readonly confirmTutorAbsentTitle: string;
  /** Description of the tutor-absence confirmation: what happens, and that nothing is charged. */
  readonly confirmTutorAbsentDescription: string;
  /** Shown after the absence was recorded from this component. */
  readonly tutorAbsentReported: string;

  /** Text of the cancellation trigger and confirm buttons. */
  readonly cancelSession: string;
  /** Text of the confirm button while the cancellation is being recorded. */
  readonly cancellingSession: string;
  /** Title of the cancellation dialog. */
  readonly confirmCancelTitle: string;
  /** The dialog's description while the fee is being asked for. */
  readonly cancelPreviewLoading: string;
  /** Shown when the fee could not be asked for (the server's words follow when it gave some). */
  readonly cancelPreviewError: string;
  /** Button that asks for the fee again after {@link SessionOutcomeLabels.cancelPreviewError}. */
  readonly retry: string;
  /** The dialog's description when cancelling now is free. */
  readonly cancelFree: string;
  /**
   * The dialog's description when cancelling now costs a fee: `fee` formatted by core `formatMoney`,
   * `percent` the share of the price (e.g. "TTD 75.00", "50%").
   */
  readonly cancelFee: (fee: string, percent: string) => string;
  /** Announced when the fee changed since it was shown (a new tier, or the server's 409): confirm again. */
  readonly cancelFeeChanged: string;
  /** Closes the cancellation dialog without cancelling. */
  readonly keepSession: string;
  /** Shown after the session was cancelled from this component. */
  readonly sessionCancelled: string;
  /** The refusal once the session has started (`TOO_LATE`). */
  readonly cancelTooLate: string;
  /** The refusal once the session is final (`SESSION_FINAL`). */
  readonly cancelSessionFinal: string;
}

/** The English defaults of {@link SessionOutcomeLabels}. */
export const DEFAULT_OUTCOME_LABELS: SessionOutcomeLabels = {
  reportTutorAbsent: 'Report tutor absent',
  reportingTutorAbsent: 'Reporting…',
  tutorAbsentAvailableIn: (c) => `You can report your tutor absent in ${c}`,
  tutorAbsentAvailableAnnouncement: 'You can now report your tutor absent.',
  studentNotPresent: 'Join the session first to report your tutor absent.',
  confirmTutorAbsentTitle: 'Report your tutor absent?',
  confirmTutorAbsentDescription: 'Your tutor did not join within the wait. The session ends now and nothing is charged: you pay nothing.',
  tutorAbsentReported: 'Tutor absence reported. You will not be charged.',
  cancelSession: 'Cancel session',
  cancellingSession: 'Cancelling…',
  confirmCancelTitle: 'Cancel this session?',
  cancelPreviewLoading: 'Checking the cancellation fee…',
  cancelPreviewError: 'The cancellation fee could not be checked.',
  retry: 'Try again',
  cancelFree: 'Cancelling now is free: nothing is charged.',
  cancelFee: (fee, percent) => `You will be charged ${fee} (${percent}).`,
  cancelFeeChanged: 'The cancellation fee has changed. Check it and confirm again.',
  keepSession: 'Keep the session',
  sessionCancelled: 'Session cancelled.',
  cancelTooLate: 'This session has started: it can no longer be cancelled.',
  cancelSessionFinal: 'This session has already ended or been cancelled.',
};
