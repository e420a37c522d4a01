import type { ParticipantRole } from '@itutor/sessions-core';
import type { AttendanceSummaryJson } from '@itutor/sessions-core/client';
import { DEFAULT_ATTENDANCE_LABELS, type SessionAttendanceLabels, type SessionAttendanceLabelsInput } from './attendance-labels';

/** Where the other participant stands, by the provider's reports: `data-state` of {@link SessionAttendanceStatus}. */
export type AttendancePresence = 'in-meeting' | 'left' | 'not-seen';

/** Props of {@link SessionAttendanceStatus}. */
export interface SessionAttendanceStatusProps {
  /**
   * The session's attendance: `useSessionAttendance(sessionId).attendance`, or the body of
   * `GET {basePath}/sessions/{id}/attendance` (only its `summary` is read). Nothing renders while it is
   * `null` or absent (not loaded yet, or the server stores no attendance).
   */
  readonly attendance: { readonly summary: AttendanceSummaryJson } | null | undefined;
  /** Who is looking: the tutor reads about the student, the student about the tutor. */
  readonly role: ParticipantRole;
  /** Label overrides. */
  readonly labels?: SessionAttendanceLabelsInput;
  /** Class of the element (which carries `data-state` and `data-subject`). */
  readonly className?: string;
}

/**
 * Where the other participant of `role`'s view stands by the video provider's reports, from an
 * attendance summary: `in-meeting` (joined and not left since), `left` (joined, every connection left
 * again) or `not-seen` (no reported join).
 */
export function attendancePresence(summary: AttendanceSummaryJson, role: ParticipantRole): AttendancePresence {
  const [inMeeting, joinedAt] =
    role === 'tutor' ? [summary.studentInMeeting, summary.studentJoinedAt] : [summary.tutorInMeeting, summary.tutorJoinedAt];
  return inMeeting ? 'in-meeting' : joinedAt ? 'left' : 'not-seen';
}

/**
 * One line that says whether the other participant is in the meeting, by the video provider's reports:
 * for the tutor, "The student is in the meeting."; for the student, "Your tutor is in the meeting." (and
 * "has left", "has not been seen yet"). A `<p role="status">` (`data-itutor="attendance"`,
 * `data-state` an {@link AttendancePresence}, `data-subject` `student` or `tutor`), so a change is
 * announced politely. Put it next to `MarkNoShowButton`, which a provider's report of the student's
 * join within the no-show wait makes the server refuse. Renders nothing without attendance. No hooks:
 * renders on a server too.
 */
export function SessionAttendanceStatus({ attendance, role, labels, className }: SessionAttendanceStatusProps) {
  if (!attendance) return null;
  const presence = attendancePresence(attendance.summary, role);
  const subject = role === 'tutor' ? 'student' : 'tutor';
  const text = { ...DEFAULT_ATTENDANCE_LABELS, ...labels }[
    `${subject}${presence === 'in-meeting' ? 'InMeeting' : presence === 'left' ? 'Left' : 'NotSeen'}` as keyof SessionAttendanceLabels
  ];
  return (
    <p role="status" className={className} data-itutor="attendance" data-state={presence} data-subject={subject}>
      {text}
    </p>
  );
}
