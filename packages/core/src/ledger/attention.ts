import { toPublicSession, type PublicSession, type Session, type SessionEvent } from '../session/model';

/**
 * One charge that failed for good, as a person's work list may show it — in a browser too: the session
 * without its secret fields (`PublicSession`: no join URL or meeting id, no idempotency key, no gateway
 * reference) and why it was flagged. Built by `toChargeAttentionSummary`; listed by
 * `core.charges.listAttentionSummaries()`. For the server-only detail (keys and references, to reconcile with
 * the gateway) use `core.charges.listNeedingAttention()` and `core.charges.list(sessionId)` on the server.
 */
export interface ChargeAttentionSummary {
  readonly session: PublicSession;
  /**
   * Why it needs a person: the reason of the session's latest `charge.needs_attention` event —
   * `attempts_exhausted`, `deadline_passed`, `gateway_halted`, `late_success` — or `null` when it has none.
   */
  readonly reason: string | null;
  /** For `gateway_halted`: the gateway's error code (e.g. `IDEMPOTENCY_CONFLICT`); otherwise `null`. */
  readonly code: string | null;
  /** When it was flagged (that event's business time), or `null`. */
  readonly flaggedAt: Date | null;
}

/**
 * The browser-safe summary of a session whose charge needs a person: `toPublicSession` of it, and the
 * reason, code and time of the latest `charge.needs_attention` among `events` (the session's audit events;
 * other sessions' events and other types are ignored). Never copies anything else from the events.
 */
export function toChargeAttentionSummary(session: Session, events: readonly SessionEvent[]): ChargeAttentionSummary {
  let flag: SessionEvent | undefined;
  for (const event of events) {
    if (event.type !== 'charge.needs_attention' || event.sessionId !== session.id) continue;
    if (flag === undefined || event.occurredAt.getTime() >= flag.occurredAt.getTime()) flag = event;
  }
  const text = (value: unknown) => (typeof value === 'string' && value !== '' && value.length <= 200 ? value : null);
  return {
    session: toPublicSession(session),
    reason: text(flag?.payload.reason),
    code: text(flag?.payload.code),
    flaggedAt: flag ? flag.occurredAt : null,
  };
}
