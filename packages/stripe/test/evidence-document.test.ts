import type { DisputeEvidenceFields } from '@itutor/sessions-core/adapter';
import { isSessionError } from '@itutor/sessions-core';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { STRIPE_EVIDENCE_DOCUMENT_NAME, stripeDisputeEvidence, stripeEvidenceDocument, stripeGateway, type StripeClientLike } from '../src/index';
import { createStripeFake, type StripeFake } from '../src/testing/index';
import { readPdf } from './pdf-reader';
import { gatewayFor, useStripeFake } from './support';

const world = useStripeFake();

const EVIDENCE: DisputeEvidenceFields = {
  service_date: '2031-03-04',
  product_description: 'A 60-minute online lesson, TTD 150.00, on Zoom.',
  access_activity_log: 'Session scheduled 2031-03-04T15:00:00Z to 2031-03-04T16:00:00Z (UTC).\n2031-03-04T14:58:00Z the student joined',
  cancellation_policy_disclosure: 'Cancellations: 24 hours or more before the start: free.',
  refund_policy_disclosure: 'Within 72 hours after a charged session the student may report a problem.',
  customer_communication: '2031-03-04T17:00:00Z the student: the tutor was late (10 minutes)',
  uncategorized_text: '2031-03-04T16:05:00Z session settled\n2031-03-04T16:05:00Z charge succeeded',
};

/** A dispute on a succeeded separate charge of the world's student (or of `other`'s). */
async function disputed(other?: { readonly fake: StripeFake; readonly stripe: Stripe }) {
  const { fake, stripe } = other ?? world;
  const customer = other ? fake.addCustomer() : world.customer;
  const paymentMethod = other ? fake.addPaymentMethod(customer) : world.paymentMethod;
  const pi = await stripe.paymentIntents.create({ amount: 15_000, currency: 'ttd', customer, payment_method: paymentMethod, confirm: true, off_session: true, transfer_group: 's1' });
  return fake.openDispute(pi.id);
}
const evidenceOf = (reference: string, evidence: DisputeEvidenceFields = EVIDENCE) => ({ sessionId: 's1', chargeback: 1, reference, evidence });
const uploads = (fake: StripeFake = world.fake) => fake.requests.filter((r) => r.path === '/v1/files');
const updates = (fake: StripeFake = world.fake) => fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/disputes/'));

describe('stripeEvidenceDocument: the evidence as a PDF', () => {
  it('one section a field, the messages included, titled with the session and chargeback; the dispute in the footer; a readable PDF', () => {
    const pdf = readPdf(stripeEvidenceDocument(evidenceOf('dp_123')));
    const shown = pdf.shown.map((s) => s.text);
    expect(shown[0]).toBe('Dispute evidence: session s1, chargeback 1');
    expect(shown).toEqual([
      'Dispute evidence: session s1, chargeback 1',
      'Service date',
      '2031-03-04',
      'What was sold',
      EVIDENCE.product_description,
      'Access and activity log',
      'Session scheduled 2031-03-04T15:00:00Z to 2031-03-04T16:00:00Z (UTC).',
      '2031-03-04T14:58:00Z the student joined',
      'Cancellation policy',
      EVIDENCE.cancellation_policy_disclosure,
      'Refund policy',
      EVIDENCE.refund_policy_disclosure,
      'Messages between the student and the tutor, oldest first',
      EVIDENCE.customer_communication,
      "The session's record, oldest first",
      '2031-03-04T16:05:00Z session settled',
      '2031-03-04T16:05:00Z charge succeeded',
      'Dispute dp_123 - page 1 of 1',
    ]);
    // Empty fields are left out.
    const without = readPdf(stripeEvidenceDocument(evidenceOf('dp_123', { ...EVIDENCE, customer_communication: null, refund_policy_disclosure: '' }))).shown.map((s) => s.text);
    expect(without).not.toContain('Refund policy');
    expect(without.some((t) => t.startsWith('Messages between'))).toBe(false);
  });

  it('deterministic bytes for the same evidence; within Stripe\'s 20,000 characters a field; long evidence paginates', () => {
    expect(stripeEvidenceDocument(evidenceOf('dp_1'))).toEqual(stripeEvidenceDocument(evidenceOf('dp_1')));
    const long = stripeEvidenceDocument(evidenceOf('dp_1', { ...EVIDENCE, uncategorized_text: Array.from({ length: 3_000 }, (_, i) => `event ${i}`).join('\n') }));
    const pdf = readPdf(long);
    expect(pdf.pages).toBeGreaterThan(1);
    expect(pdf.shown.some((s) => s.text === '[…truncated]'.replace('…', '\u0085'))).toBe(true);
    expect(pdf.shown.some((s) => s.text === 'event 2999')).toBe(false);
  });
});

describe('stageChargebackEvidence with evidenceDocument: true', () => {
  it('uploads the document once (purpose dispute_evidence, under the evidence key) and stages it in uncategorized_file with the text fields', async () => {
    const dispute = await disputed();
    const gateway = gatewayFor(world, { evidenceDocument: true });
    expect(await gateway.stageChargebackEvidence(evidenceOf(dispute.id))).toEqual({ status: 'succeeded' });
    const [file] = world.fake.files;
    expect(world.fake.files).toHaveLength(1);
    expect(file).toMatchObject({ purpose: 'dispute_evidence', type: 'pdf', filename: STRIPE_EVIDENCE_DOCUMENT_NAME });
    expect(world.fake.fileContents(file!.id)).toEqual(stripeEvidenceDocument(evidenceOf(dispute.id)));
    const [upload] = uploads();
    expect(upload!.idempotencyKey).toMatch(/^itutor-chargeback-s1-1-evidence-[0-9a-f]{16}-file$/);
    expect(upload!.params).toMatchObject({ purpose: 'dispute_evidence', file: { filename: 'session-evidence.pdf', type: 'application/pdf' } });
    expect(updates()[0]!.params).toEqual({ evidence: { ...stripeDisputeEvidence(EVIDENCE), uncategorized_file: file!.id }, submit: 'false' });
    expect(world.fake.disputes[0]).toMatchObject({ status: 'needs_response', evidence: { uncategorized_file: file!.id, service_date: '2031-03-04' } });
  });

  it('staging retried with the same evidence: the upload is replayed (one file); new evidence uploads a new document under a new key', async () => {
    const dispute = await disputed();
    const gateway = gatewayFor(world, { evidenceDocument: true });
    await gateway.stageChargebackEvidence(evidenceOf(dispute.id));
    await gateway.stageChargebackEvidence(evidenceOf(dispute.id));
    expect(world.fake.files).toHaveLength(1);
    expect(uploads().map((r) => r.replayed)).toEqual([false, true]);
    expect(uploads()[0]!.idempotencyKey).toBe(uploads()[1]!.idempotencyKey);
    const fileId = world.fake.files[0]!.id;
    expect(world.fake.disputes[0]!.evidence.uncategorized_file).toBe(fileId);
    // A lost answer: the upload ran but its answer did not arrive; the retry gets the same file.
    world.fake.failNext({ kind: 'drop' }, { path: '/v1/files', times: 2 });
    const corrected = evidenceOf(dispute.id, { ...EVIDENCE, product_description: 'Corrected.' });
    await expect(gateway.stageChargebackEvidence(corrected)).rejects.toBeDefined();
    expect(await gateway.stageChargebackEvidence(corrected)).toEqual({ status: 'succeeded' });
    expect(world.fake.files).toHaveLength(2);
    const second = world.fake.files[1]!;
    expect(uploads().at(-1)!.idempotencyKey).not.toBe(uploads()[0]!.idempotencyKey);
    expect(world.fake.disputes[0]!.evidence).toMatchObject({ uncategorized_file: second.id, product_description: 'Corrected.' });
  });

  it('a refused upload → failed with Stripe\'s code and message, nothing staged; a 500 is thrown; a wrong key → GATEWAY_MISCONFIGURED', async () => {
    // Stripe refusing the upload (the fake takes any PDF the gateway writes): the answer a real refusal has.
    const fake = createStripeFake();
    const refusing: typeof fetch = async (input, init) => {
      if (new URL(input instanceof Request ? input.url : String(input)).pathname === '/v1/files') {
        return new Response(JSON.stringify({ error: { type: 'invalid_request_error', code: 'file_upload_refused', message: 'This file cannot be used as evidence.', param: 'file' } }), { status: 400, headers: { 'content-type': 'application/json' } });
      }
      return fake.fetch(input, init);
    };
    const stripe = new Stripe(fake.apiKey, { httpClient: Stripe.createFetchHttpClient(refusing), telemetry: false });
    const dispute = await disputed({ fake, stripe });
    const gateway = stripeGateway({ stripe, customerFor: () => null, connectedAccountFor: () => null, evidenceDocument: true });
    expect(await gateway.stageChargebackEvidence(evidenceOf(dispute.id))).toEqual({ status: 'failed', failureCode: 'file_upload_refused', message: 'This file cannot be used as evidence.' });
    expect(updates(fake)).toHaveLength(0);
    expect(fake.disputes[0]!.evidence_details.has_evidence).toBe(false);

    const mine = await disputed();
    world.fake.failNext({ kind: 'server_error' }, { path: '/v1/files' });
    await expect(gatewayFor(world, { evidenceDocument: true }).stageChargebackEvidence(evidenceOf(mine.id))).rejects.toMatchObject({ type: 'StripeAPIError' });
    expect(updates()).toHaveLength(0);
    const wrongKey = stripeGateway({ stripe: new Stripe('sk_test_wrong', { ...world.server.clientOptions, telemetry: false }), customerFor: () => null, connectedAccountFor: () => null, evidenceDocument: true });
    expect(isSessionError(await wrongKey.stageChargebackEvidence(evidenceOf(mine.id)).catch((e: unknown) => e), 'GATEWAY_MISCONFIGURED')).toBe(true);
    const controller = new AbortController();
    controller.abort();
    await expect(gatewayFor(world, { evidenceDocument: true }).stageChargebackEvidence(evidenceOf(mine.id), { signal: controller.signal })).rejects.toThrow(/aborted/);
    expect(world.fake.files).toHaveLength(0);
  });

  it('submitting uploads nothing: the staged document stays', async () => {
    const dispute = await disputed();
    const gateway = gatewayFor(world, { evidenceDocument: true });
    await gateway.stageChargebackEvidence(evidenceOf(dispute.id));
    expect(await gateway.submitChargebackEvidence(evidenceOf(dispute.id))).toEqual({ status: 'succeeded' });
    expect(uploads()).toHaveLength(1);
    expect(world.fake.disputes[0]).toMatchObject({ status: 'under_review', evidence: { uncategorized_file: world.fake.files[0]!.id } });
  });
});

describe('without evidenceDocument', () => {
  it('nothing is uploaded: the text fields only, uncategorized_file stays empty', async () => {
    const dispute = await disputed();
    expect(await gatewayFor(world).stageChargebackEvidence(evidenceOf(dispute.id))).toEqual({ status: 'succeeded' });
    expect(uploads()).toHaveLength(0);
    expect(world.fake.files).toHaveLength(0);
    expect(updates()[0]!.params).toEqual({ evidence: stripeDisputeEvidence(EVIDENCE), submit: 'false' });
    expect(world.fake.disputes[0]!.evidence.uncategorized_file).toBeNull();
  });

  it('a client without files.create is enough; with the option it is refused when the gateway is made', async () => {
    const { files: _files, ...withoutFiles } = world.stripe as unknown as StripeClientLike;
    const options = { stripe: withoutFiles as StripeClientLike, customerFor: () => null, connectedAccountFor: () => null };
    expect(() => stripeGateway(options)).not.toThrow();
    expect(() => stripeGateway({ ...options, evidenceDocument: true })).toThrow(/files\.create/);
  });
});
