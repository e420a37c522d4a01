import 'server-only';
import { createHash } from 'node:crypto';
import type { ChargeInstruction, ChargeResult } from '@itutor/sessions-core/adapter';
import type { PaymentGateway, VideoProvider } from '@itutor/sessions-core';

/*
 * PLACEHOLDERS — replace both before taking real bookings.
 *
 * The real ones are in the SDK: `zoom()` / `googleMeet()` with their connect routes from
 * `@itutor/sessions-video` (lib/video.ts uses them as soon as the environment configures them: README
 * "Zoom and Google Meet"), and `stripeGateway()` with its webhook route plug-in from
 * `@itutor/sessions-stripe` (examples/demo wires both, against local fakes). The core only sees the two
 * ports below, and the routes join the one handler, so swapping them in is a change to `lib/sessions.ts`.
 */

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * PLACEHOLDER video provider: makes no API call. The meeting id and join URL are derived from the
 * core's per-booking idempotency key, so a retried `create-for-booking` gets the very same meeting, as a
 * real provider that deduplicates would. URLs point at example.com (reserved, never a real meeting).
 *
 * Replace with `videoProviders({ zoom: zoom(...), google_meet: googleMeet(...) })` from
 * `@itutor/sessions-video`: meetings on the tutor's own account, its OAuth tokens sealed server-side.
 */
export const placeholderVideoProvider: VideoProvider = {
  async createMeeting(input) {
    const hash = digest(`${input.provider}:${input.idempotencyKey}`);
    if (input.provider === 'zoom') {
      // Zoom meeting ids are 10–11 digits.
      const meetingId = String(parseInt(hash.slice(0, 12), 16) % 9_000_000_000 + 1_000_000_000);
      return { meetingId, joinUrl: `https://example.com/placeholder-meetings/zoom/j/${meetingId}` };
    }
    // Meet codes look like abc-defg-hij.
    const letters = Array.from(hash.slice(0, 10), (c) => String.fromCharCode(97 + (parseInt(c, 16) % 26))).join('');
    const meetingId = `${letters.slice(0, 3)}-${letters.slice(3, 7)}-${letters.slice(7, 10)}`;
    return { meetingId, joinUrl: `https://example.com/placeholder-meetings/meet/${meetingId}` };
  },
  async deleteMeeting({ provider, meetingId }) {
    console.info(`[itutor placeholder] would delete ${provider} meeting ${meetingId}`);
  },
};

/**
 * PLACEHOLDER payment gateway: logs the charge instruction and reports success without moving money.
 * Replace with `stripeGateway(...)` from `@itutor/sessions-stripe`. A real gateway must pass `instruction.idempotencyKey` to the processor (e.g. Stripe's
 * `Idempotency-Key`) so the core's retries never charge twice; throwing means "result unknown" and the
 * core retries later under the same key.
 */
export const placeholderPaymentGateway: PaymentGateway = {
  async charge(instruction: ChargeInstruction): Promise<ChargeResult> {
    console.info('[itutor placeholder] charge (no money moved)', {
      idempotencyKey: instruction.idempotencyKey,
      sessionId: instruction.sessionId,
      bookingId: instruction.bookingId,
      outcome: instruction.outcome,
      amountMinor: instruction.amountMinor,
      payoutMinor: instruction.payoutMinor,
      feeMinor: instruction.feeMinor,
      currency: instruction.currency,
    });
    return { status: 'succeeded', reference: `placeholder_${digest(instruction.idempotencyKey).slice(0, 24)}` };
  },
};
