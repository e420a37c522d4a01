/**
 * Bad input on every route: malformed JSON, wrong types, unknown fields, oversized bodies, wrong content
 * types, wrong methods, unknown routes and bad credentials. Each is a 4xx problem+json whose message
 * says what is wrong, and nothing stored changes. The clock stands where a valid request would succeed
 * (join open and no-show eligible; a later session that can still be cancelled or moved), and each
 * route's sender is the one a valid request needs, present where the presence rule asks for it, so the
 * body check is what stops each request.
 */
import { addDays } from 'date-fns';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Session } from '@itutor/sessions-core';
import {
  asCron,
  asService,
  asUser,
  BOOKING_A1,
  createHttpFixture,
  CRON_SECRET,
  END,
  expectJson,
  expectRefusal,
  makeRequest,
  MAX_BODY_BYTES,
  NO_SHOW_ELIGIBLE_AT,
  routes,
  START,
  STUDENT_A,
  STUDENT_B,
  TUTOR_A,
  type Body,
  type HttpFixture,
} from './support/http-fixture';

/** A week after booking-a2's start: a session that can still be cancelled and moved (a day's notice). */
const LATER_BOOKING = 'booking-later';
const LATER_START = addDays(START, 7);
/** Where the reschedule route's valid body moves it. */
const MOVED_START = addDays(START, 8);

let fx: HttpFixture;
let session: Session; // for booking-a2 (tutor-a / student-b); booking-a1 stays uncreated for the create route
let later: Session; // for booking-later (tutor-a / student-b), a week ahead: for cancel and reschedule
beforeEach(async () => {
  fx = await createHttpFixture();
  session = await fx.createSession('booking-a2');
  fx.addBooking({ bookingId: LATER_BOOKING, studentId: STUDENT_B, scheduledStartAt: LATER_START });
  later = await fx.createSession(LATER_BOOKING);
  // Past booking-a1's eligibility and booking-a2's join opening: any valid request would change state.
  fx.clock.set(session.noShowEligibleAt);
  expect(fx.clock.now() >= NO_SHOW_ELIGIBLE_AT).toBe(true);
});

interface BodyRoute {
  readonly name: string;
  readonly path: () => string;
  /** A body the route accepts. */
  readonly valid: Record<string, unknown>;
  /** Who sends it: the one a valid request needs (default: the tutor). */
  readonly as?: Record<string, string>;
  /** What a valid request needs first besides the time: the sender's presence (the presence rule). */
  readonly prepare?: () => Promise<unknown>;
  /** The methods the path answers (default POST only): the dispute's path also reads with GET. */
  readonly methods?: readonly string[];
}
const tutor = asUser(TUTOR_A);
const bodyRoutes: BodyRoute[] = [
  { name: 'create-for-booking', path: () => routes.create, valid: { bookingId: BOOKING_A1 } },
  { name: 'join', path: () => routes.join(session.id), valid: {} },
  {
    name: 'mark-no-show',
    path: () => routes.noShow(session.id),
    valid: {},
    prepare: () => fx.core.sessions.join({ sessionId: session.id, userId: TUTOR_A }),
  },
  {
    name: 'report-tutor-absent',
    path: () => routes.reportTutorAbsent(session.id),
    valid: {},
    as: asUser(STUDENT_B),
    prepare: () => fx.core.sessions.join({ sessionId: session.id, userId: STUDENT_B }),
  },
  { name: 'cancel', path: () => routes.cancel(later.id), valid: { expectedChargeMinor: 0, reason: 'The tutor is ill' } },
  { name: 'reschedule', path: () => routes.reschedule(later.id), valid: { startAt: MOVED_START.toISOString(), reason: 'A clash' } },
  {
    // The student disputes a charged session (the tutor, present, marked them absent: charged at once).
    name: 'dispute',
    path: () => `/api/sessions/${session.id}/dispute`,
    valid: { reason: 'tutor_absent', message: 'I was there the whole time' },
    as: asUser(STUDENT_B),
    methods: ['GET', 'POST'],
    prepare: async () => {
      await fx.core.sessions.join({ sessionId: session.id, userId: TUTOR_A });
      await fx.core.sessions.markNoShow({ sessionId: session.id, userId: TUTOR_A });
    },
  },
  {
    name: 'dispute/offer',
    path: () => `/api/sessions/${session.id}/dispute/offer`,
    valid: { amountMinor: 1_000, message: 'Part of it back' },
    prepare: async () => {
      await fx.core.sessions.join({ sessionId: session.id, userId: TUTOR_A });
      await fx.core.sessions.markNoShow({ sessionId: session.id, userId: TUTOR_A });
      await fx.core.disputes.open({ sessionId: session.id, actorId: STUDENT_B, reason: 'tutor_absent', message: 'I was there' });
    },
  },
];

const send = (route: BodyRoute, body: Body, contentType: string | null = 'application/json', headers: Record<string, string> = route.as ?? tutor) =>
  makeRequest('POST', route.path(), { headers, body, contentType });

const encoder = new TextEncoder();
const padTo = (json: string, bytes: number) => json + ' '.repeat(bytes - encoder.encode(json).byteLength);

describe.each(bodyRoutes)('POST $name', (route) => {
  const sender = route.as ?? tutor;
  beforeEach(async () => {
    await route.prepare?.();
  });

  it('accepts its valid body (so the refusals below are about the body)', async () => {
    const before = await fx.snapshot();
    const response = await fx.handle(send(route, route.valid));
    expect(response.status).toBeLessThan(300);
    expect(await fx.snapshot()).not.toEqual(before); // a valid request does change state
  });

  it.each([
    ['truncated', '{"bookingId":'],
    ['open brace', '{'],
    ['bare word', 'not json'],
    ['unquoted key', '{bookingId: "booking-a1"}'],
    ['single quotes', "{'bookingId':'booking-a1'}"],
    ['trailing comma', '{"bookingId":"booking-a1",}'],
    ['two values', '{} {}'],
    ['NaN', 'NaN'],
    ['comment', '{} // nothing'],
  ])('400 MALFORMED_JSON: %s', async (_name, text) => {
    const { problem } = await expectRefusal(fx, send(route, text), 400, 'MALFORMED_JSON');
    expect(problem.detail).toMatch(/not valid JSON/);
  });

  it('400 MALFORMED_JSON: bytes that are not UTF-8', async () => {
    const { problem } = await expectRefusal(fx, send(route, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400, 'MALFORMED_JSON');
    expect(problem.detail).toMatch(/UTF-8/);
  });

  it('400 MALFORMED_JSON: a body of non-JSON whitespace (form feed, vertical tab, no-break space, …) is not an empty body', async () => {
    // JSON allows only space, tab, CR and LF as whitespace; a body of "\f" or U+00A0 is malformed, not absent.
    // (Found by http-fuzz.test.ts: such a body let join and mark-no-show through, changing state.)
    for (const text of ['\f', '\v', ' \f\r\n', '\u00a0', '\u2028', '\u00a0{}', '\ufeff\ufeff']) {
      await expectRefusal(fx, send(route, text), 400, 'MALFORMED_JSON');
    }
  });

  const wrongTopLevel: Array<[string, string]> = [
    ['null', 'null'],
    ['array', '[]'],
    ['array of the valid body', `[${JSON.stringify(route.valid)}]`],
    ['number', '123'],
    ['string', '"booking-a1"'],
    ['boolean', 'true'],
  ];
  it.each(wrongTopLevel)('400 INVALID_INPUT: a top-level %s', async (_name, text) => {
    const { problem } = await expectRefusal(fx, send(route, text), 400, 'INVALID_INPUT');
    expect(problem.detail).toMatch(/^Invalid request body: /);
    expect(problem.issues?.length).toBeGreaterThan(0);
  });

  it.each([123, null, [], {}, true, ['booking-a1'], { id: 'booking-a1' }])('400 INVALID_INPUT: bookingId = %j', async (value) => {
    const { problem } = await expectRefusal(fx, send(route, { bookingId: value }), 400, 'INVALID_INPUT');
    expect(problem.detail).toContain('bookingId');
    if (route.name !== 'create-for-booking') expect(problem.detail).toMatch(/unknown field\(s\): bookingId/);
  });

  it('400 INVALID_INPUT: unknown fields are named', async () => {
    const { problem } = await expectRefusal(fx, send(route, { ...route.valid, force: true, priceMinor: 1 }), 400, 'INVALID_INPUT');
    expect(problem.detail).toContain('unknown field(s): force, priceMinor');
    expect(problem.issues).toEqual([{ path: '(body)', message: 'unknown field(s): force, priceMinor' }]);
  });

  it('400 INVALID_INPUT: a "__proto__" key is an unknown field too', async () => {
    const text = `{${JSON.stringify(route.valid).slice(1, -1)}${Object.keys(route.valid).length > 0 ? ',' : ''}"__proto__":{"admin":true}}`;
    expect(Object.keys(JSON.parse(text) as object)).toContain('__proto__');
    await expectRefusal(fx, send(route, text), 400, 'INVALID_INPUT');
  });

  it('413 PAYLOAD_TOO_LARGE with a truthful Content-Length', async () => {
    const text = padTo(JSON.stringify(route.valid), MAX_BODY_BYTES + 1);
    const request = makeRequest('POST', route.path(), {
      headers: { ...sender, 'content-length': String(MAX_BODY_BYTES + 1) },
      body: text,
    });
    const { problem } = await expectRefusal(fx, request, 413, 'PAYLOAD_TOO_LARGE');
    expect(problem.detail).toContain(`${MAX_BODY_BYTES} bytes`);
  });

  it('413 PAYLOAD_TOO_LARGE with a Content-Length that understates the body', async () => {
    const text = padTo(JSON.stringify(route.valid), MAX_BODY_BYTES + 1);
    const request = makeRequest('POST', route.path(), { headers: { ...sender, 'content-length': '2' }, body: text });
    await expectRefusal(fx, request, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('413 PAYLOAD_TOO_LARGE for a streamed body without Content-Length (stops reading an endless stream)', async () => {
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        controller.enqueue(encoder.encode(pulls === 1 ? `{"bookingId":"${'x'.repeat(1000)}` : 'x'.repeat(1024)));
      },
    });
    const request = makeRequest('POST', route.path(), { headers: sender, body: endless });
    expect(request.headers.get('content-length')).toBeNull();
    const { problem } = await expectRefusal(fx, request, 413, 'PAYLOAD_TOO_LARGE');
    expect(problem.detail).toContain(`${MAX_BODY_BYTES} bytes`);
    expect(pulls).toBeLessThan(20);
  });

  it('413 PAYLOAD_TOO_LARGE for a finite streamed body one byte over the limit', async () => {
    const bytes = encoder.encode(padTo(JSON.stringify(route.valid), MAX_BODY_BYTES + 1));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
        controller.close();
      },
    });
    await expectRefusal(fx, makeRequest('POST', route.path(), { headers: sender, body: stream }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a body of exactly the limit is accepted (the limit is inclusive)', async () => {
    const text = padTo(JSON.stringify(route.valid), MAX_BODY_BYTES);
    const response = await fx.handle(makeRequest('POST', route.path(), { headers: sender, body: text }));
    expect(response.status).toBeLessThan(300);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['text/plain with charset', 'text/plain;charset=UTF-8'],
    ['form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['json-ish but not json', 'application/jsonp'],
    ['no content type', null],
  ])('415 UNSUPPORTED_MEDIA_TYPE: JSON text sent as %s', async (_name, contentType) => {
    const { problem } = await expectRefusal(fx, send(route, JSON.stringify(route.valid), contentType), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(problem.detail).toContain('application/json');
  });

  it('415 UNSUPPORTED_MEDIA_TYPE: a form-encoded body', async () => {
    await expectRefusal(fx, send(route, 'bookingId=booking-a1', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  const methods = route.methods ?? ['POST'];
  it.each(['PUT', 'DELETE', 'GET', 'PATCH', 'OPTIONS', 'HEAD'].filter((m) => !methods.includes(m)))(`405 METHOD_NOT_ALLOWED for %s, with Allow: ${methods.join(', ')}`, async (method) => {
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const request = makeRequest(method, route.path(), hasBody ? { headers: sender, body: route.valid } : { headers: sender });
    const { response, problem } = await expectRefusal(fx, request, 405, 'METHOD_NOT_ALLOWED');
    expect(response.headers.get('allow')).toBe(methods.join(', '));
    expect(problem.detail).toContain(methods.join(' or '));
  });

  it.each<[string, Record<string, string>]>([
    ['no credentials', {}],
    ['an unknown scheme', { authorization: 'Basic dHV0b3ItYTpwdw==' }],
    ['an empty user id', { authorization: 'Bearer user:' }],
    ['the cron secret', asCron()],
  ])('401 UNAUTHENTICATED: %s (even with a valid body)', async (_name, headers) => {
    const { response, problem } = await expectRefusal(fx, send(route, route.valid, 'application/json', headers), 401, 'UNAUTHENTICATED');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(problem.detail).toMatch(/sign in/i);
  });

  it('401 comes before body checks: no credentials and a malformed body', async () => {
    await expectRefusal(fx, send(route, '{', 'text/plain', {}), 401, 'UNAUTHENTICATED');
  });
});

describe('POST cancel: the fields (expectedChargeMinor: a whole number ≥ 0; reason: 1 to 500 characters)', () => {
  const cancel = (body: Body) => makeRequest('POST', routes.cancel(later.id), { headers: tutor, body });

  it.each<[string, Record<string, unknown>]>([
    ['a negative fee', { expectedChargeMinor: -1 }],
    ['a fractional fee', { expectedChargeMinor: 1.5 }],
    ['a fee as a string', { expectedChargeMinor: '0' }],
    ['a null fee', { expectedChargeMinor: null }],
    ['a fee past the safe integers', { expectedChargeMinor: 2 ** 53 }],
    ['a fee of 1e300', { expectedChargeMinor: 1e300 }],
    ['an empty reason', { expectedChargeMinor: 0, reason: '' }],
    ['a reason of spaces', { expectedChargeMinor: 0, reason: '   ' }],
    ['a reason of 501 characters', { expectedChargeMinor: 0, reason: 'x'.repeat(501) }],
    ['a reason that is a number', { expectedChargeMinor: 0, reason: 42 }],
    ['a null reason', { expectedChargeMinor: 0, reason: null }],
  ])('400 INVALID_INPUT: %s, naming the field', async (_name, body) => {
    const { problem } = await expectRefusal(fx, cancel(body), 400, 'INVALID_INPUT');
    const field = 'reason' in body ? 'reason' : 'expectedChargeMinor';
    expect(problem.issues?.length).toBeGreaterThan(0);
    expect(new Set(problem.issues?.map((issue) => issue.path))).toEqual(new Set([field]));
    expect(problem.detail).toContain(field);
  });

  it.each<[string, Record<string, unknown>]>([
    ['no fields', {}],
    ['a reason of exactly 500 characters', { reason: 'x'.repeat(500) }],
    ['the fee alone', { expectedChargeMinor: 0 }],
  ])('200: %s', async (_name, body) => {
    const answer = await expectJson<{ session: { status: string } }>(await fx.handle(cancel(body)), 200);
    expect(answer.session.status).toBe('CANCELLED');
    expect((await fx.stored(later.id)).status).toBe('CANCELLED');
  });
});

describe('POST reschedule: the fields (startAt: an ISO 8601 instant with a zone; reason: 1 to 500 characters)', () => {
  const reschedule = (body: Body) => makeRequest('POST', routes.reschedule(later.id), { headers: tutor, body });

  it.each<[string, Record<string, unknown>]>([
    ['no startAt', {}],
    ['startAt null', { startAt: null }],
    ['startAt a number', { startAt: MOVED_START.getTime() }],
    ['startAt empty', { startAt: '' }],
    ['startAt a word', { startAt: 'tomorrow' }],
    ['startAt without a zone', { startAt: '2026-03-19T15:00:00' }],
    ['startAt a date alone', { startAt: '2026-03-19' }],
    ['startAt a day that does not exist', { startAt: '2026-02-30T15:00:00Z' }],
    ['startAt an hour past 23', { startAt: '2026-03-19T25:00:00Z' }],
    ['an empty reason', { startAt: MOVED_START.toISOString(), reason: '' }],
    ['a reason of 501 characters', { startAt: MOVED_START.toISOString(), reason: 'x'.repeat(501) }],
  ])('400 INVALID_INPUT: %s, naming the field', async (_name, body) => {
    const { problem } = await expectRefusal(fx, reschedule(body), 400, 'INVALID_INPUT');
    const field = 'reason' in body ? 'reason' : 'startAt';
    expect(problem.issues?.length).toBeGreaterThan(0);
    expect(new Set(problem.issues?.map((issue) => issue.path))).toEqual(new Set([field]));
    expect(problem.detail).toContain(field);
  });

  it('200: an instant with an offset is the same instant (17:00+02:00 is 15:00Z)', async () => {
    const answer = await expectJson<{ session: { scheduledStartAt: string } }>(
      await fx.handle(reschedule({ startAt: '2026-03-19T17:00:00+02:00' })),
      200,
    );
    expect(answer.session.scheduledStartAt).toBe(MOVED_START.toISOString());
    expect((await fx.stored(later.id)).scheduledStartAt).toEqual(MOVED_START);
  });
});

describe('session id in the path', () => {
  const sessionRoutes = [routes.join, routes.noShow, routes.reportTutorAbsent, routes.cancel, routes.reschedule];
  it.each(['not-a-uuid', '%E0%A4%A', '%2F', ' ', `${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(11)}g`])(
    '404 NOT_FOUND for id %j on join, mark-no-show, report-tutor-absent, cancel, reschedule and the cancellation preview',
    async (id) => {
      for (const route of sessionRoutes) {
        await expectRefusal(fx, makeRequest('POST', route(id), { headers: asUser(TUTOR_A) }), 404, 'NOT_FOUND');
      }
      await expectRefusal(fx, makeRequest('GET', routes.cancellation(id), { headers: asUser(TUTOR_A) }), 404, 'NOT_FOUND');
    },
  );
});

describe('POST/GET /api/cron/process-charges', () => {
  beforeEach(() => {
    fx.clock.set(END); // booking-a2's session is not due yet; create booking-a1's, which is
  });

  it.each(['PUT', 'DELETE', 'PATCH', 'OPTIONS'])('405 METHOD_NOT_ALLOWED for %s even with the secret, with Allow: GET, POST', async (method) => {
    await fx.createSession(BOOKING_A1);
    const { response, problem } = await expectRefusal(fx, makeRequest(method, routes.cron, { headers: asCron() }), 405, 'METHOD_NOT_ALLOWED');
    expect(response.headers.get('allow')).toBe('GET, POST');
    expect(problem.detail).toContain('GET or POST');
  });

  it.each([
    ['malformed JSON', '{'],
    ['wrong types', '{"bookingId":123}'],
    ['unknown fields', '{"all":true}'],
    ['an oversized body', 'x'.repeat(MAX_BODY_BYTES * 2)],
  ])('401 without the secret, whatever the body (%s)', async (_name, body) => {
    await fx.createSession(BOOKING_A1);
    for (const headers of [{}, asCron('not-the-secret-0123456789'), asUser(TUTOR_A), asService()]) {
      await expectRefusal(fx, makeRequest('POST', routes.cron, { headers, body }), 401, 'UNAUTHENTICATED');
    }
  });

  it('with the secret, an empty POST settles (the cron route takes no input)', async () => {
    const created = await fx.createSession(BOOKING_A1);
    const body = await expectJson<{ report: { completed: number } }>(await fx.handle(makeRequest('POST', routes.cron, { headers: asCron() })), 200);
    expect(body.report.completed).toBe(1);
    expect((await fx.stored(created.id)).status).toBe('COMPLETED_ASSUMED');
  });

  it.each([
    ['shorter than 32 characters', CRON_SECRET.slice(0, 31), /31 characters long; use at least 32/],
    ['empty', '', /empty or whitespace/],
    ['whitespace', ' '.repeat(40), /empty or whitespace/],
    ['padded with whitespace', ` ${CRON_SECRET} `, /starts or ends with whitespace/],
    ['padded with a no-break space', `${CRON_SECRET}\u00a0`, /starts or ends with whitespace/],
    ['a space inside', `${CRON_SECRET.slice(0, 16)} ${CRON_SECRET.slice(16)}`, /contains whitespace at character 17/],
    ['a tab inside', `${CRON_SECRET}\t${CRON_SECRET}`, /contains whitespace at character 33/],
    ['a line break inside', `${CRON_SECRET}\r\n${CRON_SECRET}`, /contains whitespace at character 33/],
    ['a no-break space inside', `${CRON_SECRET}\u00a0${CRON_SECRET}`, /contains whitespace at character 33/],
    ['a NUL inside', `${CRON_SECRET}\u0000x`, /contains a control or non-ASCII character at character 33/],
    ['a DEL inside', `${CRON_SECRET}\u007fx`, /contains a control or non-ASCII character at character 33/],
    ['a non-ASCII letter', `${CRON_SECRET}é`, /contains a control or non-ASCII character at character 33/],
    ['an emoji', `${CRON_SECRET}🔑`, /contains a control or non-ASCII character at character 33/],
    ['missing', undefined, /missing/],
  ])('a cron secret that cannot work (%s) is refused when the handlers are created', async (_, cronSecret, message) => {
    const { createSessionsHandler, createSessionsRouteHandlers } = await import('@itutor/sessions-core/http');
    for (const create of [createSessionsHandler, createSessionsRouteHandlers]) {
      let caught: unknown;
      try {
        create({ core: fx.core, authenticate: () => null, getBooking: async () => null, cronSecret: cronSecret as string });
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'INVALID_INPUT', details: { issues: [{ path: 'cronSecret' }] } });
      expect((caught as Error).message).toMatch(message);
      // The message never repeats the secret.
      if (typeof cronSecret === 'string' && cronSecret.trim() !== '') expect((caught as Error).message).not.toContain(CRON_SECRET.slice(0, 16));
    }
  });

  it('every printable ASCII character is allowed, and such a secret works in Authorization: Bearer', async () => {
    const { createSessionsHandler } = await import('@itutor/sessions-core/http');
    const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
    for (const secret of [printable, 'aGVsbG8rd29ybGQvZm9vYmFyYmF6cXV4MTIzNA==', `${CRON_SECRET}"\\'`]) {
      const handle = createSessionsHandler({ core: fx.core, authenticate: () => null, getBooking: async () => null, cronSecret: secret });
      expect((await handle(makeRequest('POST', routes.cron, { headers: { authorization: `Bearer ${secret}` } }))).status).toBe(200);
      expect((await handle(makeRequest('POST', routes.cron, { headers: { authorization: `Bearer ${secret}x` } }))).status).toBe(401);
    }
  });

  it('a 32-character secret is accepted', async () => {
    const { createSessionsHandler } = await import('@itutor/sessions-core/http');
    expect(CRON_SECRET).toHaveLength(32);
    expect(() => createSessionsHandler({ core: fx.core, authenticate: () => null, getBooking: async () => null, cronSecret: CRON_SECRET })).not.toThrow();
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/api/sessions'],
    ['POST', '/api/sessions'],
    ['POST', '/api/sessions/create-for-bookings'],
    ['POST', '/api/sessions/create-for-booking/extra'],
    ['POST', '/api/sessions//join'],
    ['POST', '/api/sessions/00000000-0000-4000-8000-000000000001/cancelled'],
    ['POST', '/api/sessions/00000000-0000-4000-8000-000000000001/cancel/now'],
    ['POST', '/api/sessions/00000000-0000-4000-8000-000000000001/join/now'],
    ['GET', '/api/cron'],
    ['POST', '/api/cron/process-charge'],
    ['POST', '/sessions/create-for-booking'],
    ['POST', '/API/sessions/create-for-booking'],
    ['GET', '/'],
  ])('404 ROUTE_NOT_FOUND: %s %s', async (method, path) => {
    const headers = path.includes('cron') ? asCron() : asUser(TUTOR_A);
    const request = makeRequest(method, path, method === 'GET' ? { headers } : { headers, body: { bookingId: BOOKING_A1 } });
    const { problem } = await expectRefusal(fx, request, 404, 'ROUTE_NOT_FOUND');
    expect(problem.detail).toContain(new URL(request.url).pathname);
  });

  it('a trailing slash and a query string still reach the route', async () => {
    const response = await fx.handle(
      makeRequest('POST', `${routes.join(session.id)}/?utm=1`, { headers: asUser(STUDENT_A) }),
    );
    expect(response.status).toBe(403); // reached the join handler: student-a is not in booking-a2
  });
});
