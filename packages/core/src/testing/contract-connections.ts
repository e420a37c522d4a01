import type {
  ConnectionMark,
  ProviderTokensWrite,
  SessionEventDraft,
  StoredProviderTokens,
  TokensToSave,
} from '@itutor/sessions-core/adapter';
import type { ProviderConnection, SealedProviderTokens } from '@itutor/sessions-core';
import { addMinutes } from 'date-fns';
import type { AdapterContractHarness, ContractCaseKit } from './contract';
import { CONNECTION_KEYS, TOKEN_KEYS, check, checkEvents, checkRecord, show, type World } from './contract-kit';

/**
 * The contract's provider-connection cases: one connection per tutor, every field of the connection and
 * of its sealed tokens after every save, switch, status change and token write; the token version on
 * every token change; the token compare-and-set (also racing) and the mark of a refused refresh; no
 * ciphertext in any event or connection read.
 */
export function connectionContractCases({ t, start }: ContractCaseKit): void {
  const tutorId = 'tutor-c';
  const conn = (over: Partial<ProviderConnection> = {}): ProviderConnection => ({
    tutorId,
    provider: 'zoom',
    status: 'connected',
    externalAccountId: 'zoom-user-1',
    version: 1,
    connectedAt: start,
    updatedAt: start,
    ...over,
  });
  const event = (type: SessionEventDraft['type'], payload: Record<string, unknown> = {}, minutes = 0): SessionEventDraft => ({
    type,
    sessionId: null,
    tutorId,
    actor: tutorId,
    occurredAt: addMinutes(start, minutes),
    payload,
  });
  // Sealed tokens as a host's encryption makes them: opaque base64url text beside a key id.
  const sealed = (n: number): SealedProviderTokens => ({
    accessToken: { keyId: 'k-2026', ciphertext: `c2VhbGVkLWFjY2Vzcy0${n}_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA` },
    refreshToken: { keyId: 'k-2025', ciphertext: `c2VhbGVkLXJlZnJlc2gt${n}-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB` },
    expiresAt: addMinutes(start, 60 * n),
  });
  /** A token write as a token manager makes it: the next version, new ciphertexts, a lease or none. */
  const tokenWrite = (version: number, n: number, over: Partial<ProviderTokensWrite> = {}): ProviderTokensWrite => ({
    provider: 'zoom',
    version,
    ...sealed(n),
    refreshLeaseUntil: null,
    updatedAt: addMinutes(start, n),
    ...over,
  });
  const mark = (status: 'expired' | 'invalid', minutes = 7): ConnectionMark => ({
    status,
    event: { ...event('provider.status_changed', { provider: 'zoom', from: 'connected', to: status, reason: 'invalid_grant' }), actor: 'system', occurredAt: addMinutes(start, minutes) },
  });

  /** What must be stored: the connection, its tokens (or none) and the tutor's events. */
  interface Expected {
    connection: ProviderConnection | null;
    tokens: StoredProviderTokens | null;
  }

  /** Reads the connection, its tokens and the tutor's events through the adapter and the raw reader. */
  const verify = async (h: AdapterContractHarness, w: World, e: Expected, where: string) => {
    const found = await h.adapter.connections.findByTutor(tutorId);
    const rows = await h.raw.connections(tutorId);
    if (e.connection === null) {
      check(found === null && rows.length === 0, `${where}: no connection expected`);
    } else {
      checkRecord(found, e.connection, CONNECTION_KEYS, `${where}: findByTutor`);
      check(!('accessToken' in found) && !('tokens' in found) && !('refreshToken' in found), `${where}: findByTutor must not carry tokens`);
      check(rows.length === 1, `${where}: ${rows.length} stored connections for the tutor, expected one`);
      checkRecord(rows[0], e.connection, CONNECTION_KEYS, `${where}: raw connection`);
    }
    const tokens = await h.adapter.connections.findTokens(tutorId);
    const raw = await h.raw.tokens(tutorId);
    if (e.tokens === null) {
      check(tokens === null, `${where}: findTokens must be null (no tokens stored), got ${show(tokens)}`);
      check(raw === null, `${where}: raw tokens must be null, got ${show(raw)}`);
    } else {
      checkRecord(tokens, e.tokens, TOKEN_KEYS, `${where}: findTokens`);
      checkRecord(raw, e.tokens, TOKEN_KEYS, `${where}: raw tokens`);
    }
    const events = w.tutorEvents.get(tutorId) ?? [];
    const rawEvents = await h.raw.tutorEvents(tutorId);
    checkEvents(rawEvents, events, `${where}: raw tutor events`);
    const listed = await h.adapter.events.listByTutor(tutorId);
    checkEvents(listed, events, `${where}: events.listByTutor`);
    // No ciphertext in any event or connection read.
    const visible = JSON.stringify([rawEvents, listed, found, rows]);
    for (let n = 0; n < 10; n++) {
      for (const secret of [sealed(n).accessToken.ciphertext, sealed(n).refreshToken!.ciphertext]) {
        check(!visible.includes(secret), `${where}: a token ciphertext appears in an event or a connection read`);
      }
    }
  };

  /** Saves through the adapter; the answer must be the connection (or null when `wins` is false). */
  const save = async (h: AdapterContractHarness, w: World, connection: ProviderConnection, tokens: TokensToSave, draft: SessionEventDraft, expectedVersion: number | null, wins = true) => {
    const answer = await h.adapter.connections.save(connection, tokens, draft, expectedVersion);
    if (!wins) {
      check(answer === null, `a save with expected version ${expectedVersion} must lose and answer null, got ${show(answer)}`);
      return;
    }
    checkRecord(answer, connection, CONNECTION_KEYS, `save (expected version ${expectedVersion}): its answer`);
    w.appended([draft]);
  };
  const stored = (connection: ProviderConnection, t: SealedProviderTokens, version: number, over: Partial<StoredProviderTokens> = {}): StoredProviderTokens => ({
    provider: connection.provider,
    status: connection.status,
    version,
    ...t,
    refreshLeaseUntil: null,
    updatedAt: connection.updatedAt,
    ...over,
  });

  t('stores one connection per tutor with its event, every field; sealed tokens apart, every field, at token version 1', async (h, w) => {
    await verify(h, w, { connection: null, tokens: null }, 'before any connection');
    const c = conn();
    await save(h, w, c, sealed(1), event('provider.connected', { provider: 'zoom', nested: { b: 1, a: 2 } }), null);
    await verify(h, w, { connection: c, tokens: stored(c, sealed(1), 1) }, 'after the first save');
  });

  t('the token version on every token change: saves with new tokens, with null, with \'keep\', compare-and-set and mark', async (h, w) => {
    // A new connection without tokens: version 0 (nothing to find).
    let c = conn();
    await save(h, w, c, null, event('provider.connected'), null);
    await verify(h, w, { connection: c, tokens: null }, 'a new connection without tokens');
    // New tokens: 0 → 1, no lease.
    c = conn({ version: 2, updatedAt: addMinutes(start, 1) });
    await save(h, w, c, sealed(1), event('provider.connected', {}, 1), 1);
    let tokens = stored(c, sealed(1), 1);
    await verify(h, w, { connection: c, tokens }, 'after saving new tokens');
    // Compare-and-set: 1 → 2, with a lease.
    check(await h.adapter.connections.compareAndSetTokens(tutorId, 1, tokenWrite(2, 2, { refreshLeaseUntil: addMinutes(start, 3) }), null), 'a token write at the current version wins');
    tokens = { ...tokenWrite(2, 2, { refreshLeaseUntil: addMinutes(start, 3) }), status: c.status };
    await verify(h, w, { connection: c, tokens }, 'after a token compare-and-set');
    // 'keep' (a status change): tokens, version and lease exactly as they were.
    c = conn({ version: 3, status: 'invalid', updatedAt: addMinutes(start, 4) });
    await save(h, w, c, 'keep', event('provider.status_changed', { to: 'invalid' }, 4), 2);
    tokens = { ...tokens, status: 'invalid' };
    await verify(h, w, { connection: c, tokens }, "after a save with 'keep'");
    // New tokens again (a reconnection): 2 → 3, the lease cleared.
    c = conn({ version: 4, updatedAt: addMinutes(start, 5) });
    await save(h, w, c, sealed(3), event('provider.connected', {}, 5), 3);
    tokens = stored(c, sealed(3), 3);
    await verify(h, w, { connection: c, tokens }, 'after saving new tokens again');
    check(!(await h.adapter.connections.compareAndSetTokens(tutorId, 2, tokenWrite(3, 9), null)), 'a token write from before the reconnection must lose');
    // Clearing (null): 3 → 4, nothing to find; 'keep' leaves it so.
    c = conn({ version: 5, updatedAt: addMinutes(start, 6) });
    await save(h, w, c, null, event('provider.status_changed', { to: 'connected' }, 6), 4);
    await verify(h, w, { connection: c, tokens: null }, 'after clearing the tokens');
    c = conn({ version: 6, updatedAt: addMinutes(start, 7) });
    await save(h, w, c, 'keep', event('provider.status_changed', {}, 7), 5);
    await verify(h, w, { connection: c, tokens: null }, "after 'keep' on a connection without tokens");
    // New tokens after the clear: 4 → 5 (the clear raised the version too).
    c = conn({ version: 7, updatedAt: addMinutes(start, 8) });
    await save(h, w, c, sealed(5), event('provider.connected', {}, 8), 6);
    tokens = stored(c, sealed(5), 5);
    await verify(h, w, { connection: c, tokens }, 'after new tokens following a clear (version 3, +1 for the clear, +1 now)');
    check(!(await h.adapter.connections.compareAndSetTokens(tutorId, 4, tokenWrite(5, 9), null)), 'a token write at the cleared tokens\' version must lose');
    // A refused refresh with a mark: 5 → 6, the connection marked (version +1, status, updatedAt) with its event.
    check(await h.adapter.connections.compareAndSetTokens(tutorId, 5, tokenWrite(6, 6), mark('expired', 9)), 'the marking write must win');
    c = { ...c, status: 'expired', version: 8, updatedAt: addMinutes(start, 9) };
    w.appended([mark('expired', 9).event]);
    tokens = { ...tokenWrite(6, 6), status: 'expired' };
    await verify(h, w, { connection: c, tokens }, 'after a marking token write');
    // A mark on a connection that is no longer connected: the tokens move on (6 → 7), the connection does not.
    check(await h.adapter.connections.compareAndSetTokens(tutorId, 6, tokenWrite(7, 7), mark('invalid', 10)), 'a token write on a marked connection still wins');
    tokens = { ...tokenWrite(7, 7), status: 'expired' };
    await verify(h, w, { connection: c, tokens }, 'after a mark on an expired connection');
  });

  t('a second "new" connection for a tutor is refused; switching needs the current version and replaces the tokens', async (h, w) => {
    const c = conn();
    await save(h, w, c, sealed(1), event('provider.connected'), null);
    await save(h, w, conn({ provider: 'google_meet' }), sealed(2), event('provider.connected'), null, false);
    await save(h, w, conn({ provider: 'google_meet', version: 3 }), sealed(2), event('provider.switched'), 2, false);
    await verify(h, w, { connection: c, tokens: stored(c, sealed(1), 1) }, 'after the refused saves');
    const switched = conn({ provider: 'google_meet', version: 2, externalAccountId: null, connectedAt: addMinutes(start, 1), updatedAt: addMinutes(start, 1) });
    await save(h, w, switched, null, event('provider.switched', { from: 'zoom', to: 'google_meet' }, 1), 1);
    await verify(h, w, { connection: switched, tokens: null }, 'after a switch without tokens');
    const again = conn({ version: 3, connectedAt: addMinutes(start, 2), updatedAt: addMinutes(start, 2) });
    await save(h, w, again, sealed(3), event('provider.switched', { from: 'google_meet', to: 'zoom' }, 2), 2);
    await verify(h, w, { connection: again, tokens: stored(again, sealed(3), 3) }, 'after a switch with tokens (version 1, +1 for the switch without tokens, +1 now)');
  });

  t('racing switches: exactly one wins, its tokens stored', async (h, w) => {
    await save(h, w, conn(), sealed(1), event('provider.connected'), null);
    const racers = Array.from({ length: 6 }, (_, i) => conn({ provider: i % 2 ? 'zoom' : 'google_meet', version: 2, updatedAt: addMinutes(start, i + 2) }));
    const results = await Promise.all(racers.map((c, i) => h.adapter.connections.save(c, sealed(i + 2), event('provider.switched', { racer: i }), 1)));
    check(results.filter((r) => r !== null).length === 1, 'exactly one switch must win');
    const winner = results.findIndex((r) => r !== null);
    w.appended([event('provider.switched', { racer: winner })]);
    await verify(h, w, { connection: racers[winner]!, tokens: stored(racers[winner]!, sealed(winner + 2), 2) }, 'after the race');
  });

  t('token compare-and-set: the current version wins once; stale, skipped, foreign and tokenless writes lose and change nothing', async (h, w) => {
    check(!(await h.adapter.connections.compareAndSetTokens(tutorId, 0, tokenWrite(1, 2), null)), 'no connection: the write must lose');
    let c = conn();
    await save(h, w, c, null, event('provider.connected'), null);
    check(!(await h.adapter.connections.compareAndSetTokens(tutorId, 0, tokenWrite(1, 2), null)), 'a connection without tokens: the write must lose');
    c = conn({ version: 2 });
    await save(h, w, c, sealed(1), event('provider.connected'), 1);
    const v = 1;
    check(!(await h.adapter.connections.compareAndSetTokens(tutorId, v, tokenWrite(v + 2, 2), null)), 'a write that skips a version must lose');
    check(!(await h.adapter.connections.compareAndSetTokens(tutorId, v, tokenWrite(v + 1, 2, { provider: 'google_meet' }), null)), 'a write for another provider must lose');
    check(!(await h.adapter.connections.compareAndSetTokens(tutorId, v - 1, tokenWrite(v, 2), null)), 'a stale version must lose');
    await verify(h, w, { connection: c, tokens: stored(c, sealed(1), 1) }, 'after the losing writes');
    const lease = addMinutes(start, 2);
    check(await h.adapter.connections.compareAndSetTokens(tutorId, v, tokenWrite(v + 1, 2, { refreshLeaseUntil: lease }), null), 'the current version must win');
    const tokens = { ...tokenWrite(v + 1, 2, { refreshLeaseUntil: lease }), status: c.status };
    check(!(await h.adapter.connections.compareAndSetTokens(tutorId, v, tokenWrite(v + 1, 3), null)), 'the same expected version cannot win twice');
    await verify(h, w, { connection: c, tokens }, 'after the winning write (no mark: the connection and the events stay)');
  });

  t('racing token compare-and-sets with one expected version: exactly one wins', async (h, w) => {
    const c = conn();
    await save(h, w, c, sealed(1), event('provider.connected'), null);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => h.adapter.connections.compareAndSetTokens(tutorId, 1, tokenWrite(2, i + 2), null)));
    check(results.filter(Boolean).length === 1, `exactly one token write must win, ${results.filter(Boolean).length} did`);
    await verify(h, w, { connection: c, tokens: { ...tokenWrite(2, results.indexOf(true) + 2), status: 'connected' } }, 'after the race');
  });

  t('a refused refresh marks the connection with its event in the same write, once; a stale marking write loses', async (h, w) => {
    const c = conn();
    await save(h, w, c, sealed(1), event('provider.connected'), null);
    check(await h.adapter.connections.compareAndSetTokens(tutorId, 1, tokenWrite(2, 1), mark('invalid')), 'the marking write must win');
    const marked = { ...c, status: 'invalid' as const, version: 2, updatedAt: mark('invalid').event.occurredAt };
    w.appended([mark('invalid').event]);
    await verify(h, w, { connection: marked, tokens: { ...tokenWrite(2, 1), status: 'invalid' } }, 'after the mark');
    check(!(await h.adapter.connections.compareAndSetTokens(tutorId, 1, tokenWrite(2, 1), mark('expired'))), 'a stale marking write loses');
    await verify(h, w, { connection: marked, tokens: { ...tokenWrite(2, 1), status: 'invalid' } }, 'after the stale mark');
  });

  t('racing marks: one wins, one event; a losing mark changes nothing', async (h, w) => {
    const c = conn();
    await save(h, w, c, sealed(1), event('provider.connected'), null);
    const statuses = Array.from({ length: 6 }, (_, i) => (i % 2 ? 'invalid' : 'expired') as 'invalid' | 'expired');
    const results = await Promise.all(statuses.map((s) => h.adapter.connections.compareAndSetTokens(tutorId, 1, tokenWrite(2, 1), mark(s))));
    check(results.filter(Boolean).length === 1, 'exactly one marking write must win');
    const status = statuses[results.indexOf(true)]!;
    w.appended([mark(status).event]);
    await verify(h, w, { connection: { ...c, status, version: 2, updatedAt: mark(status).event.occurredAt }, tokens: { ...tokenWrite(2, 1), status } }, 'after the race');
  });
}
