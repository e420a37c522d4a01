import 'server-only';
import { createHash } from 'node:crypto';
import type { PaymentGateway, VideoProvider } from '@itutor/sessions-core';
import { createRecordingPaymentGateway } from '@itutor/sessions-core/testing';

/*
 * FAKES — local development mode only. No Zoom, Google or payment processor is reached.
 */

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * A fake video provider whose meetings are pages of this app (`/dev/meetings/<provider>/<id>`), so Join
 * opens something real without reaching Zoom or Google. The meeting id comes from the core's per-booking
 * idempotency key, so a retried `create-for-booking` gets the same meeting. `appUrl` is where this app is
 * reached from a browser (`APP_URL`, default `http://localhost:3000`).
 */
export function createLocalVideoProvider(appUrl: string): VideoProvider {
  const base = appUrl.replace(/\/+$/, '');
  return {
    async createMeeting(input) {
      const hash = digest(`${input.provider}:${input.idempotencyKey}`);
      // Zoom meeting ids are 10–11 digits, as Zoom's webhooks (app/api/webhooks/zoom) name them.
      const meetingId = input.provider === 'zoom' ? String((parseInt(hash.slice(0, 12), 16) % 9_000_000_000) + 1_000_000_000) : hash.slice(0, 12);
      return { meetingId, joinUrl: `${base}/dev/meetings/${input.provider}/${meetingId}` };
    },
    async deleteMeeting({ provider, meetingId }) {
      console.info(`[itutor local] fake ${provider} meeting ${meetingId} deleted`);
    },
  };
}

/**
 * The core's recording gateway from `@itutor/sessions-core/testing`: each idempotency key is charged at
 * most once (in this process's memory), every call answers `succeeded`, nothing moves. Logged so a
 * developer sees what a real gateway would have been asked.
 */
export function createLocalPaymentGateway(): PaymentGateway {
  const gateway = createRecordingPaymentGateway();
  return {
    async charge(instruction) {
      const result = await gateway.charge(instruction);
      console.info(
        `[itutor local] fake charge ${instruction.amountMinor} ${instruction.currency} minor units for session ` +
          `${instruction.sessionId} (${instruction.outcome}): ${result.status}`,
      );
      return result;
    },
  };
}
