import { transition, type ChargeAnswer, type ChargeResult, type Clock, type SessionPolicy, type SessionsAdapter } from '@itutor/sessions-core';
import type { StripeWebhookRecorder } from '../src/index';

/**
 * A host-side `recordChargeAnswer` over the core's public pieces (the state machine's
 * `RECORD_CHARGE_RESULT` and the adapter's compare-and-set), standing in for the core service method
 * this package needs (see the README, "What the core still needs"). An answer that no longer applies
 * (the attempt is already answered or superseded) resolves without a change, as the port requires.
 */
export function coreRecorder(deps: { adapter: SessionsAdapter; clock: Clock; policy: SessionPolicy }): StripeWebhookRecorder & { refused: string[] } {
  const refused: string[] = [];
  const toAnswer = (result: ChargeResult): ChargeAnswer =>
    result.status === 'succeeded'
      ? { status: 'succeeded', reference: result.reference ?? null }
      : result.status === 'failed'
        ? { status: 'failed', failureCode: result.failureCode, reference: result.reference ?? null }
        : { status: 'unknown', reason: result.reason ?? 'webhook', reference: result.reference ?? null };
  return {
    refused,
    async recordChargeAnswer({ sessionId, attempt, result }) {
      for (let tries = 0; tries < 5; tries++) {
        const session = await deps.adapter.sessions.findById(sessionId);
        if (!session) return;
        const next = transition(session, { type: 'RECORD_CHARGE_RESULT', attempt, result: toAnswer(result) }, deps.clock.now(), deps.policy);
        if (!next.ok) {
          refused.push(`${sessionId}#${attempt} ${result.status}: ${next.error.code}`);
          return;
        }
        if (!next.changed) return;
        const claimedUntil = next.session.chargeStatus === 'pending' ? session.claimedUntil : null;
        const [stored] = await deps.adapter.sessions.applyWrites([
          { expectedVersion: session.version, next: { ...next.session, claimedUntil }, events: next.events, ledger: next.ledger },
        ]);
        if (stored) return;
      }
      throw new Error(`could not record the answer for ${sessionId} (kept losing the compare-and-set)`);
    },
  };
}
