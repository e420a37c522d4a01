import { EVIDENCE_TEXT_LIMIT, type ChargebackEvidenceInstruction } from '@itutor/sessions-core/adapter';
import type { StripeFileLike } from './client';
import { untilAborted, type GatewayContext } from './gateway-support';
import { textPdf } from './pdf';

/** The filename of the evidence document `stageChargebackEvidence` uploads (`evidenceDocument: true`). */
export const STRIPE_EVIDENCE_DOCUMENT_NAME = 'session-evidence.pdf';

/** `text` within Stripe's 20,000 characters a field: cut, and marked so. */
export const clip = (text: string) => (text.length <= EVIDENCE_TEXT_LIMIT ? text : `${text.slice(0, EVIDENCE_TEXT_LIMIT - 14)}\n[…truncated]`);

/**
 * The evidence document of a chargeback: the core's evidence fields as a PDF (A4, Helvetica, one section a
 * field — the service date, what was sold, the access and activity log, the cancellation and refund policies,
 * the participants' messages, the session's record — each within Stripe's 20,000 characters a field; empty
 * fields left out), titled with the session and the chargeback, the dispute in each page's footer. The same
 * instruction gives the same bytes (no dates in the file). `stageChargebackEvidence` uploads it when the
 * gateway's `evidenceDocument` option is on; a host can also store or show it.
 */
export function stripeEvidenceDocument(instruction: Pick<ChargebackEvidenceInstruction, 'sessionId' | 'chargeback' | 'reference' | 'evidence'>): Uint8Array {
  const { evidence } = instruction;
  const fields: ReadonlyArray<readonly [string, string | null | undefined]> = [
    ['Service date', evidence.service_date],
    ['What was sold', evidence.product_description],
    ['Access and activity log', evidence.access_activity_log],
    ['Cancellation policy', evidence.cancellation_policy_disclosure],
    ['Refund policy', evidence.refund_policy_disclosure],
    ['Messages between the student and the tutor, oldest first', evidence.customer_communication],
    ["The session's record, oldest first", evidence.uncategorized_text],
  ];
  return textPdf({
    title: `Dispute evidence: session ${instruction.sessionId}, chargeback ${instruction.chargeback}`,
    sections: fields.flatMap(([heading, text]) => (typeof text === 'string' && text !== '' ? [{ heading, text: clip(text) }] : [])),
    footer: `Dispute ${instruction.reference}`,
  });
}

/**
 * The idempotency key of the upload of an evidence document: `itutor-chargeback-<session>-<chargeback>-evidence-
 * <digest>-file`, the digest the first 16 hex digits of the document's SHA-256. A retry of the same staging
 * uploads the same bytes under the same key and gets Stripe's first File back; staging new evidence uploads a
 * new document under a new key (one key used with other bytes would be refused as an idempotency error).
 */
export async function evidenceFileKey(instruction: Pick<ChargebackEvidenceInstruction, 'sessionId' | 'chargeback'>, document: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new Uint8Array(document)));
  const hex = [...digest.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `itutor-chargeback-${instruction.sessionId}-${instruction.chargeback}-evidence-${hex}-file`;
}

/**
 * Uploads the evidence document (`files.create`, purpose `dispute_evidence`, under {@link evidenceFileKey}):
 * the File, what the client threw, or `aborted`.
 */
export async function uploadEvidenceDocument(ctx: GatewayContext, instruction: ChargebackEvidenceInstruction, signal: AbortSignal | undefined) {
  const data = stripeEvidenceDocument(instruction);
  const idempotencyKey = await evidenceFileKey(instruction, data);
  const files = ctx.stripe.files!;
  return untilAborted(
    () =>
      files.create({ purpose: 'dispute_evidence', file: { data, name: STRIPE_EVIDENCE_DOCUMENT_NAME, type: 'application/pdf' } }, { ...ctx.request, idempotencyKey }).then(
        (file): { readonly file: StripeFileLike } | { readonly error: unknown } => ({ file }),
        (error: unknown) => ({ error }),
      ),
    signal,
  );
}
