/**
 * A terminal walk-through of one session's life on the in-memory adapter with a manual clock:
 * connect a provider, create the session for a booking, watch the join window open, join, mark a
 * no-show, settle another session at its end, and print the money and the audit trail.
 *
 *   pnpm walkthrough
 */
import { addMinutes, addSeconds } from 'date-fns';
import { createSessionsCore, isSessionError, type Session } from '@itutor/sessions-core';
import { effectiveStatus, formatMoney } from '@itutor/sessions-core/rules';
import {
  createFakeVideoProvider,
  createInMemoryAdapter,
  createManualClock,
  createRecordingPaymentGateway,
} from '@itutor/sessions-core/testing';

const start = new Date('2026-12-01T15:00:00.000Z');
const clock = createManualClock(addMinutes(start, -60));
const adapter = createInMemoryAdapter({ clock });
const gateway = createRecordingPaymentGateway();
const core = createSessionsCore({ adapter, videoProvider: createFakeVideoProvider(), paymentGateway: gateway, clock });

const money = (minor: number | null) => (minor === null ? '—' : formatMoney(minor, { locale: 'en-US' }));
const time = (d: Date) => d.toISOString().slice(11, 16) + ' UTC';
let stepNo = 0;
const step = (text: string) => console.log(`\n${++stepNo}. [${time(clock.now())}] ${text}`);
const show = (s: Session) =>
  console.log(`   status ${s.status} (effective ${effectiveStatus(s, clock.now())}), charged ${money(s.chargeAmountMinor)}, tutor ${money(s.payoutAmountMinor)}, platform ${money(s.platformFeeMinor)}`);
const attempt = async (label: string, run: () => Promise<unknown>) => {
  try {
    await run();
    console.log(`   ${label}: accepted`);
  } catch (error) {
    if (!isSessionError(error)) throw error;
    const when = error.details.availableAt instanceof Date ? ` (possible from ${time(error.details.availableAt)})` : '';
    console.log(`   ${label}: refused ${error.code}${when}: ${error.message}`);
  }
};

console.log('iTutor Sessions SDK — one session, start to finish (in-memory adapter, manual clock)');

step('Tutor Ada has no video provider yet; a booking for her is refused.');
await attempt('create session', () =>
  core.sessions.create({ bookingId: 'bk-1', tutorId: 'ada', studentId: 'sam', scheduledStartAt: start, durationMinutes: 60, priceMinor: 15_000 }),
);

step('Ada connects Zoom; the booking is confirmed again.');
// The fake provider needs no tokens; a real host passes the tokens sealed by @itutor/sessions-video
// (its connect routes do all of this).
await core.providers.connect({ tutorId: 'ada', provider: 'zoom', tokens: null });
const { session } = await core.sessions.create({
  bookingId: 'bk-1', tutorId: 'ada', studentId: 'sam', scheduledStartAt: start, durationMinutes: 60, priceMinor: 15_000,
});
console.log(`   session ${session.id.slice(0, 8)}…: ${session.durationMinutes} min at ${time(start)}, price ${money(session.priceMinor)}`);
console.log(`   join opens ${time(session.joinOpensAt)}, no-show wait ${session.noShowWaitMinutes} min (from ${time(session.noShowEligibleAt)}), min payable ${session.minPayableMinutes} min, charge at ${time(session.chargeScheduledAt)}`);

clock.set(addSeconds(session.joinOpensAt, -1));
step('One second before the join window, the student tries to join.');
await attempt('student joins', () => core.sessions.join({ sessionId: session.id, userId: 'sam' }));

clock.set(session.joinOpensAt);
step('At T−5 the tutor joins and gets the meeting link.');
const joined = await core.sessions.join({ sessionId: session.id, userId: 'ada' });
console.log(`   join URL handed out after recording the join: ${joined.joinUrl}`);
show(joined.session);

clock.set(addMinutes(start, 10));
step('The student has not come. Ten minutes in, the tutor tries to mark a no-show.');
await attempt('mark no-show', () => core.sessions.markNoShow({ sessionId: session.id, userId: 'ada' }));

clock.set(session.noShowEligibleAt);
step(`After the ${session.noShowWaitMinutes}-minute wait the tutor, who is in the session (only a present tutor may), marks the no-show: 50 % charged, tutor gets 90 % of that.`);
show(await core.sessions.markNoShow({ sessionId: session.id, userId: 'ada' }));

clock.set(addMinutes(start, 60));
step('A second session (bk-2) runs to its scheduled end; the cron settles it in full.');
const second = await core.sessions.create({
  bookingId: 'bk-2', tutorId: 'ada', studentId: 'kim', scheduledStartAt: addMinutes(start, 60), durationMinutes: 90, priceMinor: 20_000,
});
const third = await core.sessions.create({
  bookingId: 'bk-3', tutorId: 'ada', studentId: 'lee', scheduledStartAt: addMinutes(start, 60), durationMinutes: 90, priceMinor: 20_000,
});
clock.set(addMinutes(start, 150));
await core.sessions.recordMeetingEnded({ sessionId: third.session.id, endedAt: addMinutes(start, 120) });
console.log('   bk-3\'s meeting ended 30 minutes early (provider webhook)');
const report = await core.settlement.run();
console.log(`   cron report: ${JSON.stringify(report)}`);
show((await core.sessions.get(second.session.id))!);
show((await core.sessions.get(third.session.id))!);

step('Charges sent to the payment gateway (idempotency key per session and outcome):');
for (const c of gateway.instructions) {
  console.log(`   ${c.idempotencyKey.slice(0, 40)}…  ${c.outcome.padEnd(17)} charge ${money(c.amountMinor)}  tutor ${money(c.payoutMinor)}  fee ${money(c.feeMinor)}`);
}

step('Audit trail of the first session (append-only):');
for (const e of await core.sessions.listEvents(session.id)) {
  console.log(`   ${time(e.occurredAt)}  ${e.type.padEnd(22)} by ${e.actor.padEnd(6)} ${JSON.stringify(e.payload)}`);
}
console.log('\nDone.');
