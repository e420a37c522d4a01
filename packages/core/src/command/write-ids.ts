import type { SessionRepository, SessionWrite } from '../ports';

/**
 * The one place the core stamps write ids (`SessionWrite.writeId`): the services write sessions only
 * through the repository this returns, whose `applyWrites` gives every write without an id a new random
 * UUID before handing the batch to the adapter. An adapter that sends a write again after its commit's
 * reply was lost sends the same id, and so is answered as the win it was. The other methods are the
 * adapter's own, called on it (an adapter may be a class instance).
 */
export function withWriteIds(sessions: SessionRepository, newWriteId: () => string = () => globalThis.crypto.randomUUID()): SessionRepository {
  const stamp = (w: SessionWrite): SessionWrite => (w.writeId === undefined ? { ...w, writeId: newWriteId() } : w);
  return {
    insert: (session, events) => sessions.insert(session, events),
    findById: (id) => sessions.findById(id),
    findByBookingId: (bookingId) => sessions.findByBookingId(bookingId),
    applyWrites: (writes) => sessions.applyWrites(writes.map(stamp)),
    claimForSettlement: (options) => sessions.claimForSettlement(options),
  };
}
