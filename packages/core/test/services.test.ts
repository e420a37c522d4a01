import { addMinutes } from 'date-fns';
import { describe, expect, it } from 'vitest';
import type { SessionsAdapter } from '@itutor/sessions-core';
import { booking, makeCore, START } from './support/core-fixture';

describe('createForBooking', () => {
  it('is idempotent per booking: same session, one meeting, one created event', async () => {
    const { core, video, adapter } = await makeCore();
    const b = booking();
    const first = await core.sessions.create(b);
    const again = await core.sessions.create(b);
    expect(first.created).toBe(true);
    expect(again).toEqual({ session: first.session, created: false });
    expect(video.meetings.size).toBe(1);
    expect((await adapter.raw.events(first.session.id)).map((e) => e.type)).toEqual(['session.created']);
  });

  it('racing creates for one booking make one session and leave no orphan meeting', async () => {
    const { core, video, adapter } = await makeCore();
    const b = booking();
    const results = await Promise.all(Array.from({ length: 10 }, () => core.sessions.create(b)));
    expect(new Set(results.map((r) => r.session.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await adapter.raw.sessionsForBooking(b.bookingId)).toHaveLength(1);
    expect([...video.meetings.keys()]).toEqual([results[0]!.session.meetingId]);
  });

  it('a failing provider leaves no row; a retry finishes the job', async () => {
    const { core, video, adapter } = await makeCore();
    const b = booking();
    video.failNextCreate();
    await expect(core.sessions.create(b)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: { provider: 'zoom', reason: 'error', retryAfterSeconds: 5 } });
    expect(await adapter.raw.sessionsForBooking(b.bookingId)).toHaveLength(0);
    const { created } = await core.sessions.create(b);
    expect(created).toBe(true);
    expect(video.meetings.size).toBe(1);
  });

  it('a failing insert deletes the meeting it made', async () => {
    const { core, video, adapter } = await makeCore();
    const broken: SessionsAdapter = {
      ...adapter,
      sessions: { ...adapter.sessions, insert: async () => Promise.reject(new Error('database down')) },
    };
    const { createSessionsCore } = await import('@itutor/sessions-core');
    const failing = createSessionsCore({ adapter: broken, videoProvider: video, paymentGateway: { charge: async () => ({ status: 'succeeded' }) } });
    await expect(failing.sessions.create(booking())).rejects.toThrow('database down');
    expect(video.meetings.size).toBe(0);
    expect(video.deleted).toHaveLength(1);
    void core;
  });

  it('refuses a retry with different booking details, and invalid input', async () => {
    const { core } = await makeCore();
    const b = booking();
    await core.sessions.create(b);
    await expect(core.sessions.create({ ...b, priceMinor: 1 })).rejects.toMatchObject({ code: 'BOOKING_CONFLICT' });
    await expect(core.sessions.create(booking({ durationMinutes: 0 }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(core.sessions.create(booking({ priceMinor: -5 }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(core.sessions.create(booking({ studentId: 'tutor-a' }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(core.sessions.create(booking({ bookingId: ' ' }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(core.sessions.create(booking({ currency: 'usd' }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('stores the policy in force at creation; a later policy change does not rewrite it', async () => {
    const first = await makeCore();
    const { session } = await first.core.sessions.create(booking());
    const { createSessionsCore } = await import('@itutor/sessions-core');
    const lenient = createSessionsCore({
      adapter: first.adapter,
      videoProvider: first.video,
      paymentGateway: first.gateway,
      clock: first.clock,
      policy: { noShowWaitPercent: 10 },
    });
    expect((await lenient.sessions.get(session.id))?.noShowWaitMinutes).toBe(19);
    first.clock.set(addMinutes(START, 10));
    await expect(lenient.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' })).rejects.toMatchObject({ code: 'TOO_EARLY' });
  });
});

describe('provider connections', () => {
  it('switching replaces the connection in one step; disconnecting is refused', async () => {
    const { core, adapter } = await makeCore();
    const switched = await core.providers.connect({ tutorId: 'tutor-a', provider: 'google_meet', tokens: null });
    expect(switched).toMatchObject({ provider: 'google_meet', status: 'connected', version: 2 });
    expect(await adapter.raw.connections('tutor-a')).toHaveLength(1);
    await expect(core.providers.disconnect({ tutorId: 'tutor-a' })).rejects.toMatchObject({ code: 'DISCONNECT_REQUIRES_REPLACEMENT' });
    expect(await core.providers.canAcceptBookings('tutor-a')).toBe(true);
    const types = (await adapter.raw.tutorEvents('tutor-a')).map((e) => e.type);
    expect(types).toEqual(['provider.connected', 'provider.switched']);
  });

  it('an invalid connection means the tutor cannot accept bookings until reconnected', async () => {
    const { core } = await makeCore();
    await core.providers.setStatus({ tutorId: 'tutor-a', status: 'invalid' });
    expect(await core.providers.canAcceptBookings('tutor-a')).toBe(false);
    await expect(core.sessions.create(booking())).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED' });
    await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
    expect((await core.sessions.create(booking())).created).toBe(true);
    await expect(core.providers.connect({ tutorId: 'tutor-a', provider: 'skype' as never, tokens: null })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses plaintext tokens without storing anything or repeating them', async () => {
    const { core, adapter } = await makeCore();
    const before = await adapter.raw.tokens('tutor-a');
    const attempts: unknown[] = [
      { accessToken: 'plain-access-token', refreshToken: null, expiresAt: null },
      { accessToken: { keyId: 'k1', ciphertext: 'sealed' }, refreshToken: 'plain-refresh-token', expiresAt: null },
      { accessToken: { keyId: '', ciphertext: 'sealed' }, refreshToken: null, expiresAt: null },
      { accessToken: { keyId: 'k1', ciphertext: 'sealed' }, refreshToken: null, expiresAt: 'tomorrow' },
      'plain-access-token',
    ];
    for (const tokens of attempts) {
      const error = await core.providers.connect({ tutorId: 'tutor-a', provider: 'google_meet', tokens: tokens as never }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_INPUT' });
      expect(String((error as Error).message)).not.toMatch(/plain-(access|refresh)-token/);
    }
    expect(await adapter.raw.tokens('tutor-a')).toEqual(before);
    expect((await adapter.raw.connections('tutor-a'))[0]).toMatchObject({ provider: 'zoom', version: 1 });
  });

  it('a status change keeps the sealed tokens and their version (a refresh in flight still lands)', async () => {
    const { core, adapter } = await makeCore();
    const before = (await adapter.raw.tokens('tutor-a'))!;
    await core.providers.setStatus({ tutorId: 'tutor-a', status: 'expired' });
    const after = (await adapter.raw.tokens('tutor-a'))!;
    expect(after).toMatchObject({ status: 'expired', version: before.version, accessToken: before.accessToken, refreshToken: before.refreshToken });
    const write = { ...after, version: before.version + 1, refreshLeaseUntil: null, updatedAt: new Date(START) };
    expect(await adapter.connections.compareAndSetTokens('tutor-a', before.version, write, null)).toBe(true);
    expect((await adapter.connections.findByTutor('tutor-a'))?.status).toBe('expired');
  });
});

describe('join, no-show, cancel', () => {
  it('records joins per role with one event each and refuses once final', async () => {
    const { core, clock, adapter } = await makeCore();
    const { session } = await core.sessions.create(booking());
    clock.set(addMinutes(START, -2));
    await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' });
    clock.set(addMinutes(START, 1));
    const { session: both } = await core.sessions.join({ sessionId: session.id, userId: 'student-a' });
    expect(both).toMatchObject({ status: 'JOIN_OPEN', tutorJoinedAt: addMinutes(START, -2), studentJoinedAt: addMinutes(START, 1) });
    await expect(core.sessions.join({ sessionId: session.id, userId: 'student-b' })).rejects.toMatchObject({ code: 'NOT_SESSION_PARTICIPANT' });
    // The student joined within the wait: a no-show is ruled out, before the wait ends too.
    await expect(core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' })).rejects.toMatchObject({ code: 'STUDENT_JOINED' });
    clock.set(addMinutes(START, 19));
    await expect(core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' })).rejects.toMatchObject({ code: 'STUDENT_JOINED' });
    clock.set(addMinutes(START, 60));
    await core.settlement.run();
    await expect(core.sessions.join({ sessionId: session.id, userId: 'student-a' })).rejects.toMatchObject({ code: 'SESSION_FINAL' });
    const types = (await adapter.raw.events(session.id)).map((e) => e.type);
    expect(types).toEqual(['session.created', 'session.joined', 'session.joined', 'session.settled', 'charge.requested', 'charge.succeeded']);
  });

  it('unknown sessions are NOT_FOUND', async () => {
    const { core } = await makeCore();
    await expect(core.sessions.join({ sessionId: 'nope', userId: 'tutor-a' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a free cancel before the start (the student 24 h or more before, the tutor at any time): CANCELLED, no charge, not settled later', async () => {
    const { core, clock, gateway } = await makeCore();
    const early = (await core.sessions.create(booking())).session;
    const byTutor = (await core.sessions.create(booking())).session;
    clock.set(addMinutes(START, -24 * 60)); // exactly 24 h before: the free tier still applies
    const cancelled = await core.sessions.cancel({ sessionId: early.id, userId: 'student-a', by: 'student', reason: 'sick' });
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancelledBy: 'student', chargeAmountMinor: 0 });
    clock.set(addMinutes(START, -30));
    const tutorCancelled = await core.sessions.cancel({ sessionId: byTutor.id, userId: 'tutor-a', by: 'tutor', reason: 'sick' });
    expect(tutorCancelled).toMatchObject({ status: 'CANCELLED', cancelledBy: 'tutor', chargeAmountMinor: 0, chargeStatus: 'none' });
    clock.set(addMinutes(START, 120));
    expect(await core.settlement.run()).toMatchObject({ completed: 0, earlyEnded: 0 });
    expect(gateway.instructions).toHaveLength(0);
    for (const id of [early.id, byTutor.id]) expect((await core.sessions.get(id))!.status).toBe('CANCELLED');
  });

  it('a student cancelling less than 24 h before: CANCELLED_LATE, 50 % charged at once, not settled later', async () => {
    const { core, clock, gateway } = await makeCore();
    const { session } = await core.sessions.create(booking());
    clock.set(addMinutes(START, -30));
    const cancelled = await core.sessions.cancel({ sessionId: session.id, userId: 'student-a', by: 'student', reason: 'sick' });
    expect(cancelled).toMatchObject({
      status: 'CANCELLED_LATE',
      cancelledBy: 'student',
      chargeAmountMinor: 7500,
      payoutAmountMinor: 6750,
      platformFeeMinor: 750,
      chargeStatus: 'succeeded',
    });
    expect(gateway.instructions).toHaveLength(1);
    expect(gateway.instructions[0]).toMatchObject({ outcome: 'CANCELLED_LATE', amountMinor: 7500, payoutMinor: 6750, feeMinor: 750 });
    clock.set(addMinutes(START, 120));
    expect(await core.settlement.run()).toMatchObject({ completed: 0, earlyEnded: 0, chargesSucceeded: 0 });
    expect(gateway.instructions).toHaveLength(1);
    expect((await core.sessions.get(session.id))!.status).toBe('CANCELLED_LATE');
  });
});

describe('charges', () => {
  it('a declined charge opens a new attempt with a new key after the backoff, and fails for good at the cap', async () => {
    const { core, clock, gateway, adapter } = await makeCore({ policy: { maxChargeAttempts: 3 }, settlement: { chargeRetryMinutes: 5 } });
    const { session } = await core.sessions.create(booking());
    clock.set(addMinutes(START, 60));
    gateway.failNext(5);
    expect(await core.settlement.run()).toMatchObject({ completed: 1, chargesFailed: 1 });
    expect(await core.sessions.get(session.id)).toMatchObject({ chargeStatus: 'pending', chargeAttempts: 1, chargeIdempotencyKey: null });
    expect(await core.settlement.run()).toMatchObject({ chargesFailed: 0 }); // backoff not over
    clock.advance({ minutes: 5 });
    expect(await core.settlement.run()).toMatchObject({ chargesFailed: 1, chargesNeedingAttention: 0 });
    clock.advance({ minutes: 5 });
    expect(await core.settlement.run()).toMatchObject({ chargesFailed: 1, chargesNeedingAttention: 1 });
    clock.advance({ minutes: 5 });
    expect(await core.settlement.run()).toMatchObject({ chargesFailed: 0 }); // failed for good: not retried
    expect(await core.sessions.get(session.id)).toMatchObject({ chargeStatus: 'failed', chargeAttempts: 3 });
    expect(gateway.instructions.map((i) => i.attempt)).toEqual([1, 2, 3]);
    expect(new Set(gateway.instructions.map((i) => i.idempotencyKey)).size).toBe(3);
    expect(gateway.charges.size).toBe(0);
    const ledger = await core.charges.list(session.id);
    expect(ledger.map((a) => [a.attempt, a.status, a.failureCode, a.calls])).toEqual([
      [1, 'failed', 'card_declined', 1],
      [2, 'failed', 'card_declined', 1],
      [3, 'failed', 'card_declined', 1],
    ]);
    expect((await core.charges.listNeedingAttention()).map((s) => s.id)).toEqual([session.id]);
    const attention = (await adapter.raw.events(session.id)).filter((e) => e.type === 'charge.needs_attention');
    expect(attention).toHaveLength(1);
    expect(attention[0]!.payload).toMatchObject({ reason: 'attempts_exhausted', attempt: 3 });
  });

  it('a lost gateway response stays pending and the retry does not charge twice', async () => {
    const { core, clock, gateway } = await makeCore();
    const { session } = await core.sessions.create(booking());
    clock.set(START);
    await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' }); // the presence rule
    clock.set(addMinutes(START, 19));
    gateway.loseNextResponse();
    const marked = await core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' });
    expect(marked.chargeStatus).toBe('pending');
    expect(await core.settlement.run()).toMatchObject({ chargesSucceeded: 0 }); // still under its lease
    clock.advance({ minutes: 6 });
    expect(await core.settlement.run()).toMatchObject({ chargesSucceeded: 1 });
    expect(gateway.instructions).toHaveLength(2);
    expect(gateway.instructions[0]!.idempotencyKey).toBe(gateway.instructions[1]!.idempotencyKey);
    expect(gateway.charges.size).toBe(1);
    expect(await core.sessions.get(session.id)).toMatchObject({ chargeStatus: 'succeeded', chargeAttempts: 1 });
    expect((await core.charges.list(session.id)).map((a) => [a.attempt, a.status, a.calls])).toEqual([[1, 'succeeded', 2]]);
  });
});
