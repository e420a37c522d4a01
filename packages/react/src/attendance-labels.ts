/**
 * Every piece of text `SessionAttendanceStatus` shows. Each sentence is about the other participant: the
 * tutor reads about the student, the student about the tutor. They state what the video provider
 * reported; a participant the host could not match to the tutor or the student is not counted.
 */
export interface SessionAttendanceLabels {
  /** Tutor's view: the provider reports the student in the meeting now. */
  readonly studentInMeeting: string;
  /** Tutor's view: the student joined and has left (every connection). */
  readonly studentLeft: string;
  /** Tutor's view: no join of the student reported yet. */
  readonly studentNotSeen: string;
  /** Student's view: the provider reports the tutor in the meeting now. */
  readonly tutorInMeeting: string;
  /** Student's view: the tutor joined and has left. */
  readonly tutorLeft: string;
  /** Student's view: no join of the tutor reported yet. */
  readonly tutorNotSeen: string;
}

/** Label overrides for `SessionAttendanceStatus`: any subset. */
export type SessionAttendanceLabelsInput = Partial<SessionAttendanceLabels>;

/** The English defaults of `SessionAttendanceStatus`. */
export const DEFAULT_ATTENDANCE_LABELS: SessionAttendanceLabels = {
  studentInMeeting: 'The student is in the meeting.',
  studentLeft: 'The student has left the meeting.',
  studentNotSeen: 'The video provider has not seen the student in the meeting yet.',
  tutorInMeeting: 'Your tutor is in the meeting.',
  tutorLeft: 'Your tutor has left the meeting.',
  tutorNotSeen: 'The video provider has not seen your tutor in the meeting yet.',
};
