/**
 * Fuzzing the HTTP layer: 10,000 generated bodies per body-taking route, authenticated as the participant
 * a valid request needs (present where the presence rule asks for it) at a time where a valid request
 * would change state, so body validation is what is exercised.
 * Every one must be a 4xx problem+json and leave storage, the gateway and the video provider untouched.
 * The cron route is fuzzed on its Authorization header: always 401, and the due session stays unsettled.
 */
import fc from 'fast-check';
import { addDays } from 'date-fns';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '@itutor/sessions-core';
import {
  asCron,
  asUser,
  BOOKING_A1,
  createHttpFixture,
  CRON_SECRET,
  END,
  makeRequest,
  routes,
  START,
  STUDENT_B,
  TUTOR_A,
  type HttpFixture,
} from './support/http-fixture';

const RUNS = 10_000;
const TIMEOUT_MS = 120_000;

type RouteName = 'create' | 'join' | 'noShow' | 'reportTutorAbsent' | 'cancel' | 'reschedule' | 'payment';
const CONTENT_TYPES = ['application/json', 'text/plain', null] as const;

const encoder = new TextEncoder();
const JSON_WHITESPACE_ONLY = /^[ \t\r\n]*$/;

/**
 * True when the route would accept this body (those are excluded from the fuzz). Written independently
 * of the handlers' zod schemas, and on the generous side: excluding too much only loses a few cases.
 */
function acceptedBody(route: RouteName, bytes: Uint8Array, contentType: string | null): boolean {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  if (JSON_WHITESPACE_ONLY.test(text)) return route !== 'create'; // no body = {}
  if (contentType !== 'application/json') return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const body = value as Record<string, unknown>;
  if (route === 'create') return keys.length === 1 && keys[0] === 'bookingId' && typeof body.bookingId === 'string';
  const only = (allowed: readonly string[]) => keys.every((key) => allowed.includes(key));
  // Generous on the reason (any string) and on the fee's upper bound and the instant's form.
  const reasonOk = !('reason' in body) || typeof body.reason === 'string';
  if (route === 'cancel') {
    const fee = body.expectedChargeMinor;
    return only(['expectedChargeMinor', 'reason']) && reasonOk && (fee === undefined || (typeof fee === 'number' && Number.isInteger(fee) && fee >= 0));
  }
  if (route === 'reschedule') {
    return only(['startAt', 'reason']) && reasonOk && typeof body.startAt === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(body.startAt);
  }
  return keys.length === 0;
}

const wrongTypeValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const randomObject = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 });
const bookingIdish = fc.oneof(fc.constant(BOOKING_A1), fc.string({ maxLength: 20 }));

/** The fields each route reads (the others take none; `bookingId` is their near miss) and values near valid ones. */
const FIELDS: Record<RouteName, Record<string, fc.Arbitrary<unknown>>> = {
  create: { bookingId: bookingIdish },
  join: { bookingId: bookingIdish },
  noShow: { bookingId: bookingIdish },
  reportTutorAbsent: { bookingId: bookingIdish },
  payment: { bookingId: bookingIdish },
  cancel: {
    expectedChargeMinor: fc.oneof(fc.integer({ min: -10, max: 10 }), fc.double({ min: -1, max: 1 }), fc.constant(2 ** 53), fc.constant(-0)),
    reason: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(' '.repeat(3)), fc.constant('x'.repeat(501))),
  },
  reschedule: {
    startAt: fc.oneof(
      fc.string({ maxLength: 24 }),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19)), // no zone
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)), // a date alone
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace('T', ' ')),
    ),
    reason: fc.oneof(fc.string({ maxLength: 8 }), fc.constant('x'.repeat(501))),
  },
};

/** Near-valid JSON texts each route's broken-JSON bodies start from. */
const SEEDS: Record<RouteName, readonly string[]> = {
  create: ['{"bookingId":"booking-a1"}', '{}', '[]'],
  join: ['{"bookingId":"booking-a1"}', '{}', '[]'],
  noShow: ['{"bookingId":"booking-a1"}', '{}', '[]'],
  reportTutorAbsent: ['{"bookingId":"booking-a1"}', '{}', '[]'],
  payment: ['{"bookingId":"booking-a1"}', '{}', '[]'],
  cancel: ['{"expectedChargeMinor":0,"reason":"ill"}', '{}', '[]'],
  reschedule: ['{"startAt":"2026-03-19T15:00:00.000Z"}', '{}', '[]'],
};

/** Bodies as bytes, so the runtime adds no content type of its own. */
function bodyArbFor(route: RouteName): fc.Arbitrary<Uint8Array> {
  const fields = Object.entries(FIELDS[route]);
  const key = fc.constantFrom(...fields.map(([name]) => name));
  const nearValue = fc.oneof(...fields.map(([name, arb]) => arb.map((v) => [name, v] as const)));
  return fc.oneof(
    fc.jsonValue().map((v) => encoder.encode(JSON.stringify(v))),
    fc.string().map((s) => encoder.encode(s)),
    fc.string({ unit: 'binary', maxLength: 40 }).map((s) => encoder.encode(s)),
    fc.uint8Array({ maxLength: 64 }),
    // A field the route reads with a wrong-type value, alone or among random keys.
    fc.tuple(key, wrongTypeValue).map(([k, v]) => encoder.encode(JSON.stringify({ [k]: v }))),
    fc.tuple(randomObject, key, fc.oneof(wrongTypeValue, FIELDS[route][fields[0]![0]]!)).map(([extra, k, v]) => encoder.encode(JSON.stringify({ ...extra, [k]: v }))),
    // Fields with values near valid ones (the valid ones are excluded), and with extra keys.
    fc.array(nearValue, { minLength: 1, maxLength: 3 }).map((pairs) => encoder.encode(JSON.stringify(Object.fromEntries(pairs)))),
    fc.tuple(nearValue, randomObject).map(([[k, v], extra]) => encoder.encode(JSON.stringify({ [k]: v, ...extra }))),
    randomObject.map((o) => encoder.encode(JSON.stringify(o))),
    // Broken JSON near valid JSON.
    fc.tuple(fc.constantFrom(...SEEDS[route]), fc.nat(), fc.string({ maxLength: 3 })).map(([text, at, junk]) => {
      const i = at % (text.length + 1);
      return encoder.encode(text.slice(0, i) + junk + text.slice(i + (junk.length > 0 ? 1 : 0)));
    }),
  );
}

interface Counts {
  readonly version: number;
  readonly status: string;
  readonly claimedUntil: string | null;
  readonly sessionEvents: number;
  readonly tutorEvents: number;
  readonly bookingRows: number;
  readonly instructions: number;
  readonly meetingCalls: number;
  readonly meetings: number;
}

async function counts(fx: HttpFixture, session: Session): Promise<Counts> {
  const stored = await fx.stored(session.id);
  return {
    version: stored.version,
    status: stored.status,
    claimedUntil: stored.claimedUntil?.toISOString() ?? null,
    sessionEvents: (await fx.adapter.raw.events(session.id)).length,
    tutorEvents: (await fx.adapter.raw.tutorEvents(TUTOR_A)).length,
    bookingRows: (await fx.adapter.raw.sessionsForBooking(BOOKING_A1)).length,
    instructions: fx.gateway.instructions.length,
    meetingCalls: fx.video.calls.length,
    meetings: fx.video.meetings.size,
  };
}

async function expect4xxProblem(response: Response, context: () => string): Promise<void> {
  const text = await response.text();
  if (response.status < 400 || response.status >= 500) {
    throw new Error(`expected a 4xx, got ${response.status} ${text} for ${context()}`);
  }
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const problem = JSON.parse(text) as { status: number; code: string; detail: string };
  expect(problem.status).toBe(response.status);
  expect(problem.code).toMatch(/^[A-Z_]+$/);
  expect(problem.detail.length).toBeGreaterThan(0);
}

const describeBytes = (bytes: Uint8Array) => {
  try {
    return JSON.stringify(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return `bytes [${[...bytes].join(',')}]`;
  }
};

/** A body each route accepts (the oracle's check that a valid request changes state). */
const VALID: Record<RouteName, Record<string, unknown>> = {
  create: { bookingId: BOOKING_A1 },
  join: {},
  noShow: {},
  reportTutorAbsent: {},
  payment: {},
  cancel: { expectedChargeMinor: 0, reason: 'The tutor is ill' },
  reschedule: { startAt: addDays(START, 8).toISOString() },
};

describe.each<{ route: RouteName }>([
  { route: 'create' },
  { route: 'join' },
  { route: 'noShow' },
  { route: 'reportTutorAbsent' },
  { route: 'cancel' },
  { route: 'reschedule' },
  { route: 'payment' },
])('fuzzing the $route body', ({ route }) => {
  let fx: HttpFixture;
  // booking-a2's session for join / no-show / tutor absent; a session a week ahead for cancel and
  // reschedule; for create a witness that must not change
  let session: Session;
  let path: string;
  let baseline: Counts;
  // The student reports the tutor absent; the tutor does everything else.
  const sender = asUser(route === 'reportTutorAbsent' || route === 'payment' ? STUDENT_B : TUTOR_A);

  beforeAll(async () => {
    fx = await createHttpFixture();
    if (route === 'cancel' || route === 'reschedule') {
      fx.addBooking({ bookingId: 'booking-later', studentId: STUDENT_B, scheduledStartAt: addDays(START, 7) });
      session = await fx.createSession('booking-later');
      fx.clock.set((await fx.createSession('booking-a2')).noShowEligibleAt);
    } else if (route === 'payment') {
      // Settled, and the bank wants the student (3-D Secure): a valid start opens the student's attempt.
      session = await fx.createSession('booking-a2');
      fx.gateway.script('needs-customer');
      fx.clock.set(session.scheduledEndAt);
      await fx.core.settlement.run();
      expect((await fx.stored(session.id)).chargeStatus).toBe('awaiting_customer');
    } else {
      session = await fx.createSession('booking-a2');
      // Join open and no-show eligible: a valid body on any of these routes would change state.
      fx.clock.set(session.noShowEligibleAt);
    }
    // The presence rule: the one reporting the other absent is in the session.
    if (route === 'noShow') await fx.core.sessions.join({ sessionId: session.id, userId: TUTOR_A });
    if (route === 'reportTutorAbsent') await fx.core.sessions.join({ sessionId: session.id, userId: STUDENT_B });
    path = {
      create: routes.create,
      join: routes.join(session.id),
      noShow: routes.noShow(session.id),
      reportTutorAbsent: routes.reportTutorAbsent(session.id),
      cancel: routes.cancel(session.id),
      reschedule: routes.reschedule(session.id),
      payment: `/api/sessions/${session.id}/payment`,
    }[route];
    baseline = await counts(fx, session);
    expect(baseline.bookingRows).toBe(0);
  });

  it(
    `${RUNS.toLocaleString('en')} generated bodies: 4xx problem+json, never 5xx, no state change`,
    async () => {
      let tried = 0;
      await fc.assert(
        fc.asyncProperty(
          bodyArbFor(route),
          fc.constantFrom(...CONTENT_TYPES),
          async (bytes, contentType) => {
            fc.pre(!acceptedBody(route, bytes, contentType));
            tried += 1;
            const response = await fx.handle(makeRequest('POST', path, { headers: sender, body: bytes, contentType }));
            const input = () => `${describeBytes(bytes)} as ${String(contentType)} (answered ${response.status})`;
            await expect4xxProblem(response, input);
            expect(await counts(fx, session), `state changed by ${input()}`).toEqual(baseline);
          },
        ),
        // One shared fixture: after a state change every later run fails too, so shrinking would only
        // mislead. Stop at the first failure and report that input.
        { numRuns: RUNS, maxSkipsPerRun: 1, endOnFailure: true },
      );
      expect(tried).toBe(RUNS);
      expect(fx.unexpectedErrors).toEqual([]);

      // The oracle is meaningful: a valid request at this moment does change state.
      const valid = await fx.handle(makeRequest('POST', path, { headers: sender, body: VALID[route] }));
      expect(valid.status).toBeLessThan(300);
      expect(await counts(fx, session)).not.toEqual(baseline);
    },
    TIMEOUT_MS,
  );
});

/** Characters a header value may hold (the Fetch API refuses NUL, CR, LF and anything past U+00FF). */
const headerChar = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09))
  .map((code) => String.fromCharCode(code));
const headerString = fc.string({ unit: headerChar, maxLength: 60 });

/** Near misses of the real secret: the interesting part of the header space. */
const secretMutation = fc
  .tuple(
    fc.constantFrom('flip', 'drop', 'insert', 'truncate', 'extend', 'case', 'space', 'double'),
    fc.nat({ max: CRON_SECRET.length - 1 }),
    fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
  )
  .map(([op, i, ch]) => {
    const s = CRON_SECRET;
    switch (op) {
      case 'flip':
        return s.slice(0, i) + (s[i] === ch ? String.fromCharCode(ch.charCodeAt(0) === 0x7e ? 0x21 : ch.charCodeAt(0) + 1) : ch) + s.slice(i + 1);
      case 'drop':
        return s.slice(0, i) + s.slice(i + 1);
      case 'insert':
        return s.slice(0, i) + ch + s.slice(i);
      case 'truncate':
        return s.slice(0, i);
      case 'extend':
        return s + ch;
      case 'case':
        return s.slice(0, i) + (s[i]!.toUpperCase() === s[i] ? s[i]!.toLowerCase() : s[i]!.toUpperCase()) + s.slice(i + 1);
      case 'space':
        return `${s.slice(0, i + 1)} ${s.slice(i + 1)}`;
      default:
        return s + s;
    }
  });

const authorizationArb: fc.Arbitrary<string | null> = fc.oneof(
  fc.constant(null),
  headerString,
  headerString.map((s) => `Bearer ${s}`),
  fc.tuple(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Token', 'Digest', ''), fc.constantFrom(' ', '  ', '\t', ''), secretMutation).map(
    ([scheme, gap, token]) => `${scheme}${gap}${token}`,
  ),
  fc.tuple(fc.constantFrom('Basic ', 'Token ', '', 'Bearer: ', 'Bearer=', 'Bearer,'), fc.constant(CRON_SECRET)).map(([scheme, secret]) => scheme + secret),
);

/** Conservative: anything that might carry the exact secret in the Bearer scheme is excluded. */
function mightBeTheSecret(value: string | null): boolean {
  if (value === null) return false;
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(value.trim());
  return match !== null && match[1] === CRON_SECRET;
}

describe('fuzzing the cron Authorization header', () => {
  let fx: HttpFixture;
  let session: Session;
  let baseline: Counts;

  beforeAll(async () => {
    fx = await createHttpFixture();
    session = await fx.createSession(BOOKING_A1);
    fx.clock.set(END); // due
    baseline = await counts(fx, session);
    expect(baseline.status).toBe('SCHEDULED');
  });

  it(
    `${RUNS.toLocaleString('en')} generated headers: always 401, and the due session stays unsettled`,
    async () => {
      let tried = 0;
      await fc.assert(
        fc.asyncProperty(authorizationArb, fc.constantFrom('GET', 'POST'), async (authorization, method) => {
          fc.pre(!mightBeTheSecret(authorization));
          tried += 1;
          const headers: Record<string, string> = authorization === null ? {} : { authorization };
          const response = await fx.handle(makeRequest(method, routes.cron, { headers }));
          const text = await response.text();
          if (response.status !== 401) throw new Error(`expected 401, got ${response.status} ${text} for ${JSON.stringify(authorization)}`);
          expect(response.headers.get('content-type')).toBe('application/problem+json');
          expect((JSON.parse(text) as { code: string }).code).toBe('UNAUTHENTICATED');
          expect(await counts(fx, session), `state changed by ${JSON.stringify(authorization)}`).toEqual(baseline);
        }),
        { numRuns: RUNS, maxSkipsPerRun: 1, endOnFailure: true },
      );
      expect(tried).toBe(RUNS);

      // The session really was due: the right secret settles it.
      const settled = await fx.handle(makeRequest('GET', routes.cron, { headers: asCron() }));
      expect(settled.status).toBe(200);
      expect((await fx.stored(session.id)).status).toBe('COMPLETED_ASSUMED');
    },
    TIMEOUT_MS,
  );
});
