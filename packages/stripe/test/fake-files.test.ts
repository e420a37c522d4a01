import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createStripeFake } from '../src/testing/index';
import { useStripeFake } from './support';

const world = useStripeFake();

const MB = 1024 * 1024;
const ascii = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};
/** A "PDF" whose body holds every byte value (CR, LF, NUL, and the boundary's dashes included): binary must arrive intact. */
const binaryPdf = () => concat(ascii('%PDF-1.4\n'), Uint8Array.from({ length: 256 }, (_, i) => i), ascii('\r\n--\r\n%%EOF\n'));
/** A PDF of `size` bytes (padding after the header). */
const pdfOfSize = (size: number) => {
  const data = new Uint8Array(size).fill(0x20);
  data.set(ascii('%PDF-1.4\n'));
  return data;
};
const pdfOfPages = (pages: number) => ascii(`%PDF-1.4\n${'1 0 obj << /Type /Page /Parent 2 0 R >> endobj\n'.repeat(pages)}2 0 obj << /Type /Pages /Count ${pages} >> endobj\n%%EOF\n`);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]);

const upload = (data: Uint8Array, purpose = 'dispute_evidence', name = 'evidence.pdf', options?: Stripe.RequestOptions) =>
  world.stripe.files.create({ purpose: purpose as Stripe.FileCreateParams.Purpose, file: { data, name, type: 'application/pdf' } }, options);
const refusal = (promise: Promise<unknown>) => promise.then(() => 'accepted', (e: unknown) => e);

describe('fake Stripe: POST /v1/files (multipart/form-data from the official client)', () => {
  it('answers a File object; the bytes arrive intact over the HTTP server; GET /v1/files/{id} reads it back', async () => {
    const data = binaryPdf();
    const file = await upload(data);
    expect(file).toMatchObject({ id: expect.stringMatching(/^file_/), object: 'file', purpose: 'dispute_evidence', size: data.length, type: 'pdf', filename: 'evidence.pdf', title: null, url: null });
    expect(file.expires_at).toBe(file.created + 270 * 86_400);
    expect(world.fake.fileContents(file.id)).toEqual(data);
    expect(world.fake.files).toEqual([file]);
    expect(await world.stripe.files.retrieve(file.id)).toEqual(file);
    // The request as logged: the text fields, and the file part described.
    const [request] = world.fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/files', params: { purpose: 'dispute_evidence', file: { filename: 'evidence.pdf', type: 'application/pdf', size: String(data.length) } } });
  });

  it("through the client's fetch transport too (the host files.stripe.com is ignored)", async () => {
    const fake = createStripeFake();
    const stripe = new Stripe(fake.apiKey, { httpClient: Stripe.createFetchHttpClient(fake.fetch), telemetry: false });
    const data = binaryPdf();
    const file = await stripe.files.create({ purpose: 'dispute_evidence', file: { data, name: 'a.pdf', type: 'application/pdf' } });
    expect(fake.fileContents(file.id)).toEqual(data);
    expect((await stripe.files.retrieve(file.id)).size).toBe(data.length);
  });

  it('the format is read from the bytes: JPEG and PNG are evidence too; a text file or a GIF is not (Stripe\'s words)', async () => {
    expect(await upload(JPEG, 'dispute_evidence', 'photo.jpeg')).toMatchObject({ type: 'jpg', size: JPEG.length });
    expect(await upload(PNG, 'dispute_evidence', 'screen.png')).toMatchObject({ type: 'png' });
    // A declared PDF whose bytes are text is refused: the declared content type does not count.
    for (const data of [ascii('plain text, not a PDF'), ascii('GIF89a......'), new Uint8Array(0)]) {
      expect(await refusal(upload(data))).toMatchObject({
        type: 'StripeInvalidRequestError',
        statusCode: 400,
        param: 'file',
        message: "We don't currently support that file type. Try uploading a file with one of the following mimetypes: application/pdf, image/jpeg, image/png.",
      });
    }
    // Another purpose takes other formats: a GIF business logo.
    expect(await upload(ascii('GIF89a......'), 'business_logo', 'logo.gif')).toMatchObject({ type: 'gif', purpose: 'business_logo' });
    expect(world.fake.files).toHaveLength(3);
  });

  it('dispute_evidence: at most 5 MB, and a PDF of at most 50 pages', async () => {
    expect(await upload(pdfOfSize(5 * MB))).toMatchObject({ size: 5 * MB });
    expect(await refusal(upload(pdfOfSize(5 * MB + 1)))).toMatchObject({ type: 'StripeInvalidRequestError', param: 'file', message: expect.stringMatching(/too large.*5 MB/) });
    expect(await upload(pdfOfPages(50))).toMatchObject({ type: 'pdf' });
    expect(await refusal(upload(pdfOfPages(51)))).toMatchObject({ param: 'file', message: 'The file you uploaded was too long. Please upload a file with fewer than 50 pages.' });
    // The page limit is dispute evidence's: an identity document of 51 pages is taken.
    expect(await upload(pdfOfPages(51), 'identity_document')).toMatchObject({ purpose: 'identity_document' });
    expect(world.fake.files.map((f) => f.size)).toEqual([5 * MB, pdfOfPages(50).length, pdfOfPages(51).length]);
  });

  it('no file → parameter_missing; no purpose → parameter_missing; a purpose Stripe does not take → 400 on purpose; an unknown parameter → parameter_unknown', async () => {
    // The official client cannot send an upload without a file: a multipart body from fetch's FormData can.
    const form = new FormData();
    form.set('purpose', 'dispute_evidence');
    const noFile = await fetch(`${world.server.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${world.fake.apiKey}` }, body: form });
    expect(noFile.status).toBe(400);
    expect(await noFile.json()).toEqual({ error: { type: 'invalid_request_error', code: 'parameter_missing', param: 'file', message: 'Missing required param: file.' } });
    // With one, FormData's encoding is read like the client's.
    form.set('file', new Blob([binaryPdf()], { type: 'application/pdf' }), 'form.pdf');
    const fromForm = await fetch(`${world.server.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${world.fake.apiKey}` }, body: form });
    expect(await fromForm.json()).toMatchObject({ object: 'file', filename: 'form.pdf', type: 'pdf', size: binaryPdf().length });
    expect(world.fake.fileContents(world.fake.files[0]!.id)).toEqual(binaryPdf());
    const noPurpose = await refusal(world.stripe.files.create({ file: { data: binaryPdf(), name: 'e.pdf' } } as Stripe.FileCreateParams));
    expect(noPurpose).toMatchObject({ code: 'parameter_missing', param: 'purpose' });
    const badPurpose = await refusal(upload(binaryPdf(), 'homework'));
    expect(badPurpose).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'purpose', message: expect.stringMatching(/^Invalid purpose: must be one of account_requirement, .*dispute_evidence, .*, or terminal_wifi_private_key$/) });
    // Purposes Stripe makes files with itself are not for uploads.
    expect(await refusal(upload(binaryPdf(), 'sigma_scheduled_query'))).toMatchObject({ param: 'purpose' });
    const unknown = await refusal(world.stripe.files.create({ purpose: 'dispute_evidence', file: { data: binaryPdf(), name: 'e.pdf' }, colour: 'red' } as Stripe.FileCreateParams));
    expect(unknown).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
    // A form-encoded request (no file part at all) is refused the same way.
    const encoded = await fetch(`${world.server.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${world.fake.apiKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'purpose=dispute_evidence&file=hello' });
    expect(encoded.status).toBe(400);
    expect(await encoded.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'file' } });
    expect(world.fake.files).toHaveLength(1);
  });

  it('a malformed multipart body → 400; an unknown file → 404 resource_missing', async () => {
    const broken = await fetch(`${world.server.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${world.fake.apiKey}`, 'content-type': 'multipart/form-data; boundary=xyz' }, body: '--xyz\r\nContent-Disposition: form-data; name="purpose"\r\n\r\ndispute_evidence' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringMatching(/multipart/) } });
    expect(await refusal(world.stripe.files.retrieve('file_missing'))).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 404, code: 'resource_missing' });
    expect(() => world.fake.fileContents('file_missing')).toThrow(/no file/);
  });

  it('Idempotency-Key: the same upload again replays the first File (a new boundary each time); another file under the key → idempotency_error; a refusal is not saved', async () => {
    const data = binaryPdf();
    const first = await upload(data, 'dispute_evidence', 'e.pdf', { idempotencyKey: 'upload-1' });
    const again = await upload(data, 'dispute_evidence', 'e.pdf', { idempotencyKey: 'upload-1' });
    expect(again).toEqual(first);
    expect(world.fake.files).toHaveLength(1);
    expect(world.fake.requests.map((r) => r.replayed)).toEqual([false, true]);
    // Same name and size, one byte different.
    const changed = data.slice();
    changed[20] = changed[20]! ^ 0xff;
    expect(await refusal(upload(changed, 'dispute_evidence', 'e.pdf', { idempotencyKey: 'upload-1' }))).toMatchObject({ type: 'StripeIdempotencyError' });
    // A refused upload is not saved under its key: the corrected one goes through under it.
    expect(await refusal(upload(ascii('not a pdf'), 'dispute_evidence', 'e.pdf', { idempotencyKey: 'upload-2' }))).toMatchObject({ param: 'file' });
    expect(await upload(data, 'dispute_evidence', 'e.pdf', { idempotencyKey: 'upload-2' })).toMatchObject({ id: expect.not.stringMatching(first.id) });
    expect(world.fake.files).toHaveLength(2);
  });

  it('GET /v1/files lists them, newest first, by purpose', async () => {
    const a = await upload(binaryPdf());
    const b = await upload(PNG, 'identity_document', 'id.png');
    const c = await upload(JPEG, 'dispute_evidence', 'c.jpg');
    expect((await world.stripe.files.list()).data.map((f) => f.id)).toEqual([c.id, b.id, a.id]);
    expect((await world.stripe.files.list({ purpose: 'dispute_evidence', limit: 1 })).data.map((f) => f.id)).toEqual([c.id]);
  });
});

describe('fake Stripe: uploaded files in dispute evidence', () => {
  async function dispute() {
    const pi = await world.stripe.paymentIntents.create({ amount: 10_000, currency: 'ttd', customer: world.customer, payment_method: world.paymentMethod, confirm: true, off_session: true, transfer_group: 'g' });
    return world.fake.openDispute(pi.id);
  }

  it('a file uploaded with files.create fills a file field; a file of another purpose does not', async () => {
    const { id } = await dispute();
    const file = await upload(binaryPdf());
    const updated = await world.stripe.disputes.update(id, { evidence: { uncategorized_file: file.id, receipt: world.fake.addFile() }, submit: false });
    expect(updated.evidence.uncategorized_file).toBe(file.id);
    const identity = await upload(binaryPdf(), 'identity_document');
    expect(await refusal(world.stripe.disputes.update(id, { evidence: { receipt: identity.id }, submit: false }))).toMatchObject({ code: 'resource_missing', param: 'evidence[receipt]' });
  });

  it("the evidence's files together at most 4.5 MB (each within 5 MB)", async () => {
    const { id } = await dispute();
    const big = await upload(pdfOfSize(2.5 * MB));
    const other = world.fake.addFile('dispute_evidence', { data: pdfOfSize(2.5 * MB), name: 'other.pdf' });
    await world.stripe.disputes.update(id, { evidence: { uncategorized_file: big.id }, submit: false });
    const tooMuch = await refusal(world.stripe.disputes.update(id, { evidence: { receipt: other }, submit: false }));
    expect(tooMuch).toMatchObject({ type: 'StripeInvalidRequestError', param: 'evidence', message: expect.stringMatching(/exceed the limit for a dispute's total size/) });
    expect(world.fake.disputes[0]!.evidence.receipt).toBeNull();
    // Replacing the big file with the other one fits.
    expect((await world.stripe.disputes.update(id, { evidence: { uncategorized_file: other }, submit: false })).evidence.uncategorized_file).toBe(other);
  });

  it('addFile checks formats like the endpoint (throws) and takes any purpose; its default is a placeholder PNG', () => {
    const id = world.fake.addFile();
    expect(world.fake.files.find((f) => f.id === id)).toMatchObject({ purpose: 'dispute_evidence', type: 'png', filename: 'evidence.png', size: 8 });
    expect(() => world.fake.addFile('dispute_evidence', { data: ascii('text') })).toThrow(/don't currently support that file type/);
    expect(world.fake.addFile('sigma_scheduled_query', { data: ascii('a,b\n1,2\n'), name: 'q.csv' })).toMatch(/^file_/);
    expect(world.fake.files.at(-1)).toMatchObject({ type: 'csv', purpose: 'sigma_scheduled_query', expires_at: null });
  });
});
