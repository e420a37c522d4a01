/**
 * The attention list: the server-only detail (`core.charges.listNeedingAttention`: sessions as stored, with keys
 * and references) and the browser-safe summary (`core.charges.listAttentionSummaries` / `toChargeAttentionSummary`);
 * no HTTP route answers a secret field of such a session.
 */
import { addMinutes } from 'date-fns';
import { toChargeAttentionSummary } from '@itutor/sessions-core/adapter';
import { type Session, type SessionEvent } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { describe, expect, it } from 'vitest';
import { booking, makeCore, START } from './support/core-fixture';

/** Three sessions whose charge failed for good, each for another reason, oldest first. */
async function flagged() {
  const fx = await makeCore({ policy: { maxChargeAttempts: 1, chargeDeadlineMinutes: 10 }, settlement: { chargeRetryMinutes: 5 } });
  const { core, clock, gateway } = fx;
  const halted = (await core.sessions.create(booking({ scheduledStartAt: START }))).session;
  const declined = (await core.sessions.create(booking({ scheduledStartAt: addMinutes(START, 120) }))).session;
  const late = (await core.sessions.create(booking({ scheduledStartAt: addMinutes(START, 240) }))).session;
  clock.set(addMinutes(START, 60));
  gateway.script('halt');
  await core.settlement.run();
  clock.set(addMinutes(START, 180));
  gateway.script('decline');
  await core.settlement.run();
  clock.set(addMinutes(START, 300));
  gateway.script('processing');
  await core.settlement.run();
  clock.set(addMinutes(START, 311));
  gateway.script('processing');
  await core.settlement.run();
  const ids = [halted.id, declined.id, late.id];
  // Every secret these sessions have: join URLs, meeting ids, attempt keys and gateway references.
  const secrets = new Set<string>();
  for (const id of ids) {
    const stored = (await core.sessions.get(id))!;
    for (const value of [stored.joinUrl, stored.meetingId, stored.chargeIdempotencyKey, stored.chargeReference]) if (value) secrets.add(value);
    for (const attempt of await core.charges.list(id)) {
      secrets.add(attempt.idempotencyKey);
      if (attempt.gatewayReference) secrets.add(attempt.gatewayReference);
    }
  }
  return { ...fx, ids, secrets };
}

const leaks = (text: string, secrets: Set<string>) => [...secrets].filter((secret) => text.includes(secret));

describe('the attention list: a server-only detail and a browser-safe summary', () => {
  it('listChargesNeedingAttention is the server-only detail: sessions as stored, keys included', async () => {
    const { core, ids } = await flagged();
    const detail = await core.charges.listNeedingAttention();
    expect(detail.map((s) => s.id)).toEqual(ids);
    expect(detail.every((s) => s.chargeStatus === 'failed')).toBe(true);
    // The halted attempt keeps its key (a late success may still arrive under it): that is why this list is server-only.
    expect(detail[0]!.chargeIdempotencyKey).toEqual(expect.any(String));
    expect(detail[0]!.joinUrl).toEqual(expect.any(String));
  });

  it('listChargeAttentionSummaries: same sessions and order, no secret field anywhere (even as JSON), and why each was flagged', async () => {
    const { core, ids, secrets } = await flagged();
    expect(secrets.size).toBeGreaterThanOrEqual(9);
    const summaries = await core.charges.listAttentionSummaries();
    expect(summaries.map((s) => s.session.id)).toEqual(ids);
    for (const summary of summaries) {
      for (const field of ['joinUrl', 'meetingId', 'chargeIdempotencyKey', 'chargeReference', 'claimedUntil']) expect(summary.session).not.toHaveProperty(field);
      expect(Object.keys(summary).sort()).toEqual(['code', 'flaggedAt', 'reason', 'session']);
    }
    expect(leaks(JSON.stringify(summaries), secrets)).toEqual([]);
    expect(summaries.map((s) => [s.reason, s.code])).toEqual([
      ['gateway_halted', 'IDEMPOTENCY_CONFLICT'],
      ['attempts_exhausted', null],
      ['deadline_passed', null],
    ]);
    expect(summaries.map((s) => s.flaggedAt?.toISOString())).toEqual([addMinutes(START, 60), addMinutes(START, 180), addMinutes(START, 311)].map((d) => d.toISOString()));
    expect(summaries[1]!.session).toMatchObject({ chargeStatus: 'failed', chargeAmountMinor: 15_000, chargeAttempts: 1 });
    // The same limit rules as the detail.
    expect((await core.charges.listAttentionSummaries({ limit: 2 })).map((s) => s.session.id)).toEqual(ids.slice(0, 2));
    for (const limit of [0, 1001, 1.5]) {
      expect(() => core.charges.listNeedingAttention({ limit })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
      await expect(core.charges.listAttentionSummaries({ limit })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
  });

  it('toChargeAttentionSummary: the latest flag of this session only; copies nothing else from events', () => {
    const session = {
      id: 's1',
      tutorId: 't',
      joinUrl: 'https://zoom.us/j/secret',
      meetingId: 'm-secret',
      chargeIdempotencyKey: 'key-secret',
      chargeReference: 'pi_secret',
      claimedUntil: null,
    } as unknown as Session;
    const event = (sessionId: string, minute: number, payload: Record<string, unknown>, type: SessionEvent['type'] = 'charge.needs_attention'): SessionEvent => ({
      id: `${sessionId}-${minute}`,
      type,
      sessionId,
      tutorId: 't',
      actor: 'system',
      occurredAt: addMinutes(START, minute),
      recordedAt: addMinutes(START, minute),
      payload,
    });
    const summary = toChargeAttentionSummary(session, [
      event('s1', 1, { reason: 'attempts_exhausted', key: 'key-secret' }),
      event('s1', 3, { reason: 'late_success', reference: 'pi_secret' }),
      event('s2', 9, { reason: 'deadline_passed' }),
      event('s1', 9, { reason: 'x' }, 'charge.failed'),
    ]);
    expect(summary).toEqual({ session: expect.any(Object), reason: 'late_success', code: null, flaggedAt: addMinutes(START, 3) });
    expect(JSON.stringify(summary)).not.toMatch(/secret/);
    expect(toChargeAttentionSummary(session, [])).toMatchObject({ reason: null, code: null, flaggedAt: null });
    expect(toChargeAttentionSummary(session, [event('s1', 1, { reason: 42, code: 'x'.repeat(201) })])).toMatchObject({ reason: null, code: null });
  });

  it('no HTTP route answers a secret field of these sessions', async () => {
    const { core, ids, secrets } = await flagged();
    const stored = await Promise.all(ids.map((id) => core.sessions.get(id)));
    const bookings = new Map(stored.map((s) => [s!.bookingId, s!]));
    const handle = createSessionsHandler({
      core,
      authenticate: (request) => {
        const match = /^Bearer (user|service):(.+)$/.exec(request.headers.get('authorization') ?? '');
        return match ? { userId: match[2]!, ...(match[1] === 'service' ? { isService: true } : {}) } : null;
      },
      getBooking: async (bookingId) => {
        const s = bookings.get(bookingId);
        return s ? { bookingId, tutorId: s.tutorId, studentId: s.studentId, scheduledStartAt: s.scheduledStartAt, durationMinutes: s.durationMinutes, priceMinor: s.priceMinor } : null;
      },
      cronSecret: 'cron-secret-0123456789-abcdefXYZ',
    });
    const send = (method: string, path: string, authorization: string, body?: unknown) =>
      handle(
        new Request(`http://localhost/api${path}`, {
          method,
          headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
    const answers: Response[] = [];
    for (const s of stored) {
      for (const who of [`user:${s!.tutorId}`, `user:${s!.studentId}`, 'service:host']) {
        answers.push(await send('POST', '/sessions/create-for-booking', `Bearer ${who}`, { bookingId: s!.bookingId }));
        answers.push(await send('POST', `/sessions/${s!.id}/join`, `Bearer ${who}`));
        answers.push(await send('POST', `/sessions/${s!.id}/mark-no-show`, `Bearer ${who}`));
        answers.push(await send('GET', `/sessions/${s!.id}/attendance`, `Bearer ${who}`));
      }
    }
    answers.push(await send('POST', '/cron/process-charges', 'Bearer cron-secret-0123456789-abcdefXYZ'));
    expect(answers.filter((r) => r.status === 200).length).toBeGreaterThan(0);
    for (const response of answers) {
      const text = await response.text();
      expect(leaks(text, secrets)).toEqual([]);
      expect(text).not.toMatch(/chargeIdempotencyKey|chargeReference|gatewayReference|idempotencyKey/);
    }
  });
});
