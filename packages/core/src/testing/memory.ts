import { FINAL_SESSION_MUTABLE_FIELDS, isFinalStatus, systemClock, type ClaimOptions, type Clock, type InsertSessionResult, type ProviderConnection, type ProviderTokens, type Session, type SessionEvent, type SessionEventDraft, type SessionWrite, type SessionsAdapter } from '@itutor/sessions-core';
import { isAfter, isBefore } from 'date-fns';
import type { RawStorageReader } from './contract';

/** The in-memory adapter plus a raw view of its storage for tests. */
export interface InMemoryAdapter extends SessionsAdapter {
  /** Reads storage directly, bypassing the repositories (for the contract suite and assertions). */
  readonly raw: RawStorageReader;
}

const copy = <T>(value: T): T => structuredClone(value);

/** Returns true when `next` changes only fields a final session may still change. */
function changesOnlyBookkeeping(stored: Session, next: Session): boolean {
  const mutable = new Set<string>(FINAL_SESSION_MUTABLE_FIELDS);
  for (const key of Object.keys(stored) as Array<keyof Session>) {
    if (mutable.has(key)) continue;
    const a = stored[key];
    const b = next[key];
    const same = a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
    if (!same) return false;
  }
  return true;
}

/**
 * A complete adapter in process memory: for tests, demos and benchmarks. Each method is atomic (it
 * never awaits between its read and its write), so services racing through it behave like they would
 * against a database's row locks. `clock` stamps `recordedAt` on events (default: the system clock).
 */
export function createInMemoryAdapter(options: { clock?: Clock } = {}): InMemoryAdapter {
  const clock = options.clock ?? systemClock;
  const sessions = new Map<string, Session>();
  const byBooking = new Map<string, string>();
  const events: SessionEvent[] = [];
  const connections = new Map<string, ProviderConnection>();
  const tokens = new Map<string, ProviderTokens | null>();
  let eventSeq = 0;

  const append = (drafts: readonly SessionEventDraft[]) => {
    const recordedAt = clock.now();
    for (const draft of drafts) {
      eventSeq += 1;
      events.push(Object.freeze(copy({ ...draft, id: `evt_${String(eventSeq).padStart(8, '0')}`, recordedAt })));
    }
  };
  // Yield once so callers interleave the way they would over a network.
  const tick = () => Promise.resolve();

  const raw: RawStorageReader = {
    async session(id) {
      const s = sessions.get(id);
      return s ? copy(s) : null;
    },
    async sessionsForBooking(bookingId) {
      return [...sessions.values()].filter((s) => s.bookingId === bookingId).map(copy);
    },
    async events(sessionId) {
      return events.filter((e) => e.sessionId === sessionId).map(copy);
    },
    async tutorEvents(tutorId) {
      return events.filter((e) => e.tutorId === tutorId).map(copy);
    },
    async connections(tutorId) {
      const c = connections.get(tutorId);
      return c ? [copy(c)] : [];
    },
    async tokens(tutorId) {
      return copy(tokens.get(tutorId) ?? null);
    },
    async tryMutateEvent(eventId) {
      // Events are frozen objects and the array is never spliced: there is no way to change one.
      const event = events.find((e) => e.id === eventId);
      if (!event) return false;
      try {
        (event as { type: string }).type = 'tampered';
      } catch {
        return false;
      }
      return (event.type as string) === 'tampered';
    },
    async tryChangeFinalOutcome(sessionId) {
      const stored = sessions.get(sessionId);
      if (!stored || !isFinalStatus(stored.status)) return false;
      const next = { ...stored, chargeAmountMinor: (stored.chargeAmountMinor ?? 0) + 1 };
      if (!changesOnlyBookkeeping(stored, next)) return false;
      sessions.set(sessionId, next);
      return true;
    },
  };

  return {
    raw,
    sessions: {
      async insert(session, drafts): Promise<InsertSessionResult> {
        await tick();
        const existingId = byBooking.get(session.bookingId);
        if (existingId) return { inserted: false, session: copy(sessions.get(existingId)!) };
        sessions.set(session.id, copy(session));
        byBooking.set(session.bookingId, session.id);
        append(drafts);
        return { inserted: true, session: copy(session) };
      },
      async findById(id) {
        await tick();
        const s = sessions.get(id);
        return s ? copy(s) : null;
      },
      async findByBookingId(bookingId) {
        await tick();
        const id = byBooking.get(bookingId);
        return id ? copy(sessions.get(id)!) : null;
      },
      async applyWrites(writes: readonly SessionWrite[]) {
        await tick();
        return writes.map(({ expectedVersion, next, events: drafts }) => {
          const stored = sessions.get(next.id);
          if (!stored || stored.version !== expectedVersion) return null;
          if (next.version <= stored.version) return null;
          if (isFinalStatus(stored.status) && !changesOnlyBookkeeping(stored, next)) return null;
          sessions.set(next.id, copy(next));
          append(drafts);
          return copy(next);
        });
      },
      async claimForSettlement({ now, limit, claimUntil, maxChargeAttempts }: ClaimOptions) {
        await tick();
        const due = [...sessions.values()]
          .filter((s) => s.claimedUntil === null || !isAfter(s.claimedUntil, now))
          .filter((s) =>
            isFinalStatus(s.status)
              ? (s.chargeStatus === 'pending' || s.chargeStatus === 'failed') && s.chargeAttempts < maxChargeAttempts
              : !isBefore(now, s.chargeScheduledAt),
          )
          .sort((a, b) => a.chargeScheduledAt.getTime() - b.chargeScheduledAt.getTime() || a.id.localeCompare(b.id))
          .slice(0, Math.max(0, limit));
        return due.map((s) => {
          const leased = { ...s, claimedUntil: claimUntil };
          sessions.set(s.id, leased);
          return copy(leased);
        });
      },
    },
    connections: {
      async findByTutor(tutorId) {
        await tick();
        const c = connections.get(tutorId);
        return c ? copy(c) : null;
      },
      async save(connection, newTokens, draft, expectedVersion) {
        await tick();
        const stored = connections.get(connection.tutorId);
        if (expectedVersion === null ? stored !== undefined : stored?.version !== expectedVersion) return null;
        connections.set(connection.tutorId, copy(connection));
        tokens.set(connection.tutorId, copy(newTokens));
        append([draft]);
        return copy(connection);
      },
      async findTokens(tutorId) {
        await tick();
        return copy(tokens.get(tutorId) ?? null);
      },
    },
    events: {
      async listBySession(sessionId) {
        await tick();
        return events.filter((e) => e.sessionId === sessionId).map(copy);
      },
      async listByTutor(tutorId) {
        await tick();
        return events.filter((e) => e.tutorId === tutorId).map(copy);
      },
    },
  };
}
