import { SessionError } from '@itutor/sessions-core';
import { z } from 'zod';
import { problem } from './problem';

/** Default body limit: the SDK's requests are tiny; anything larger is refused before parsing. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024;

/** Input of `POST /sessions/create-for-booking`. Price and times come from the host's booking source. */
export const createForBookingBody = z.strictObject({
  bookingId: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
});

/** Input of the join and no-show routes: an empty object (or no body). */
export const emptyBody = z.strictObject({});

const reason = z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters');

/**
 * Input of `POST /sessions/{id}/cancel`: the fee the canceller was shown (`expectedChargeMinor`, from the
 * preview; refused with `CANCELLATION_FEE_CHANGED` when it is no longer the fee) and an optional reason.
 */
export const cancelBody = z.strictObject({
  expectedChargeMinor: z.number().int('must be a whole number of minor units').min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER).optional(),
  reason: reason.optional(),
});

/** Input of `POST /sessions/{id}/reschedule`: the new start as an ISO 8601 instant with a zone, and an optional reason. */
const disputeMessage = z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters');

/** `POST /sessions/{id}/dispute`: the student opens the session's dispute. */
export const openDisputeBody = z.strictObject({
  reason: z.enum(['tutor_absent', 'ended_early', 'technical_problem', 'quality', 'other'], { message: 'must be tutor_absent, ended_early, technical_problem, quality or other' }),
  message: disputeMessage,
});

/** `POST /sessions/{id}/dispute/{step}`: a step's message and, for an offer or a partial resolution, its amount. */
export const disputeStepBody = z.strictObject({
  message: disputeMessage.optional(),
  amountMinor: z.number().int('must be a whole number of minor units').min(1, 'must be at least 1').max(Number.MAX_SAFE_INTEGER).optional(),
  resolution: z.enum(['full_refund', 'partial_refund', 'no_refund'], { message: 'must be full_refund, partial_refund or no_refund' }).optional(),
});

export const rescheduleBody = z.strictObject({
  startAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with a time zone' }),
  reason: reason.optional(),
});

/**
 * Reads a request body, uninterpreted, up to `maxBytes` (checked on `content-length` and while
 * streaming, so an oversized body is not buffered): its bytes, or `null` when it is larger. An absent
 * body is empty. Webhook routes verify signatures over exactly these bytes.
 */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array | null> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) return null;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads and validates a JSON body: 413 past `maxBytes` (checked on the header and while streaming),
 * 415 for a non-JSON content type, 400 for malformed JSON or a schema mismatch. An absent body counts
 * as `{}`. Returns the parsed value or the problem response to send.
 */
export async function readJsonBody<T>(
  request: Request,
  schema: z.ZodType<T>,
  maxBytes: number,
): Promise<{ ok: true; value: T } | { ok: false; response: Response }> {
  let text: string;
  try {
    const bytes = await readBodyBytes(request, maxBytes);
    if (bytes === null) return { ok: false, response: problem('PAYLOAD_TOO_LARGE', `Request body must be at most ${maxBytes} bytes`) };
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, response: problem('MALFORMED_JSON', 'Request body is not valid UTF-8') };
  }
  // Only JSON's own whitespace counts as "no body": String#trim also strips \f, \v, U+00A0, U+2028…,
  // which would let a non-JSON body through as `{}`.
  if (/^[ \t\r\n]*$/.test(text)) {
    text = '{}';
  } else {
    const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json' && !type.endsWith('+json')) {
      return { ok: false, response: problem('UNSUPPORTED_MEDIA_TYPE', 'Request body must be JSON (content-type: application/json)') };
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, response: problem('MALFORMED_JSON', `Request body is not valid JSON: ${(error as Error).message}`) };
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.length > 0 ? issue.path.join('.') : '(body)',
      message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
    }));
    const error = new SessionError(
      'INVALID_INPUT',
      `Invalid request body: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      { issues },
    );
    return { ok: false, response: problem(error.code, error.message, { issues }) };
  }
  return { ok: true, value: parsed.data };
}
