import type { PublicSession } from './session';
import { toPublicSession, type Session } from './session';

/**
 * The JSON form of a {@link PublicSession}, as the HTTP handlers send it: every instant an ISO 8601 UTC
 * string, everything else as is. Host apps pass either form to the React components.
 */
export type SessionJson = {
  readonly [K in keyof PublicSession]: PublicSession[K] extends Date
    ? string
    : PublicSession[K] extends Date | null
      ? string | null
      : PublicSession[K];
};

const INSTANT_FIELDS = [
  'scheduledStartAt',
  'scheduledEndAt',
  'joinOpensAt',
  'noShowEligibleAt',
  'chargeScheduledAt',
  'studentJoinedAt',
  'tutorJoinedAt',
  'meetingEndedAt',
  'finalizedAt',
  'createdAt',
  'updatedAt',
] as const;

/** A session (full or public) as JSON-ready data, without the secret fields. */
export function toSessionJson(session: Session | PublicSession): SessionJson {
  const pub: Record<string, unknown> = { ...('joinUrl' in session ? toPublicSession(session) : session) };
  for (const key of INSTANT_FIELDS) {
    const value = pub[key];
    pub[key] = value instanceof Date ? value.toISOString() : (value ?? null);
  }
  return pub as SessionJson;
}

/** The reverse of {@link toSessionJson}: ISO strings back to `Date`s. Accepts either form. */
export function fromSessionJson(json: SessionJson | PublicSession): PublicSession {
  const out: Record<string, unknown> = { ...json };
  for (const key of INSTANT_FIELDS) {
    const value = out[key];
    out[key] = value === null || value === undefined ? null : value instanceof Date ? value : new Date(value as string);
  }
  return out as PublicSession;
}
