import 'server-only';
import type { MatchParticipant } from '@itutor/sessions-core';

/**
 * The core's `matchParticipant`: who a participant reported by Zoom or Google Meet is, for the session —
 * its tutor, its student, or `'unknown'`. Matched on the e-mail the provider reports against the
 * e-mails of the session's two users (`emailOf`: Supabase Auth's users here). A participant without an
 * e-mail (a guest, someone not signed in to Zoom, and every Meet participant unless the Meet route's
 * `describeParticipant` looks them up) is `'unknown'`, and an unknown participant never counts as the
 * student. A host whose users sign in to Zoom with another address matches that address too (e.g. the
 * Zoom account of the tutor's connection, `externalAccountId`).
 */
export function matchParticipantByEmail(emailOf: (userId: string) => Promise<string | null>): MatchParticipant {
  return async ({ session, participant }) => {
    const email = participant.email?.trim().toLowerCase();
    if (!email) return 'unknown';
    const [tutor, student] = await Promise.all([emailOf(session.tutorId), emailOf(session.studentId)]);
    if (tutor && email === tutor.trim().toLowerCase()) return 'tutor';
    if (student && email === student.trim().toLowerCase()) return 'student';
    return 'unknown';
  };
}
