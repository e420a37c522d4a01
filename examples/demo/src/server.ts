/**
 * The demo host app: the SDK's routes under /api (one handler: the core's routes and the Stripe, Zoom and
 * connect route plug-ins), the demo's own controls under /demo, the page.
 * `start.mjs` bundles this file (see build.mjs), listens on a port before the database is up, and
 * hands requests to {@link createDemo}'s app once it is.
 */
import { Hono } from 'hono';
import { addMinutes, subMinutes } from 'date-fns';
import { isFinalStatus } from '@itutor/sessions-core/rules';
import { toSessionJson, type AttendanceEntry, type Session } from '@itutor/sessions-core';
import { createSessionsHandler, type Authenticator } from '@itutor/sessions-core/http';
import { coreMeetingEventSink, videoConnectRoutes, zoomWebhookRoutes, type VideoConnectOutcome } from '@itutor/sessions-video';
import { randomBytes } from 'node:crypto';
import { renderPage } from './page.mjs';
import { DEMO_CARDS } from './payments';
import { zoomAccountOf } from './video';
import { createWorld, nameOf, PEOPLE, type DemoBooking, type World, type WorldOptions } from './world';
import { ZOOM_ACTIONS, zoomActionsAt, type ZoomAction } from './zoom-actions';
import { createDemoZoomEvents, LATE_WEBHOOK_MINUTES, ZOOM_WEBHOOK_SECRET_TOKEN, type DemoZoomEvents } from './zoom-events';

export { getRequestListener } from '@hono/node-server';

/** The cron secret of the demo's settlement tick (a real host keeps it in its environment). */
const CRON_SECRET = 'demo-cron-secret-0123456789-abcdef';

/** The page's static files: the React app bundle and the two stylesheets. */
export interface DemoAssets {
  readonly clientJs: string;
  readonly sdkCss: string;
  readonly demoCss: string;
}

/** What `/demo/state` answers (and the page carries inline): everything the page shows. */
export type DemoState = Awaited<ReturnType<typeof snapshot>>;

/** The running demo: its current world and the app that serves it. */
export interface Demo {
  /** The current world (database, core, clock, bookings, fakes). **Restart** replaces it. */
  readonly world: World;
  /** Answers a request (requests that arrive during a Restart wait for the new world). */
  fetch(request: Request): Promise<Response>;
  /**
   * **Restart**: the initial data again, not just the clock. The current world is closed (its database,
   * and its use of the fake Zoom, which is made afresh when no other demo in this process uses it) and a
   * new one is built exactly as at start-up: the database from its migrated snapshot, the same bookings at
   * the same instants, Ada's Zoom connection, a fresh fake Stripe, and the simulated clock back at the
   * instant the demo started from. `POST /demo/restart` does this and answers the new state.
   */
  restart(): Promise<void>;
  /** Closes the current world. */
  close(): Promise<void>;
}

/** Builds the world (database, core, clock, bookings) and the app that serves it. */
export async function createDemo(options: WorldOptions & { assets: DemoAssets }): Promise<Demo> {
  const open = async (anchor?: WorldOptions['anchor']) => {
    const world = await createWorld(anchor ? { ...options, anchor } : options);
    return { world, app: createDemoApp(world, options.origin, options.assets) };
  };
  const shut = async ({ world }: { world: World }) => {
    world.video.release();
    await world.database.close();
  };
  let current = await open();
  let restarting: Promise<void> | null = null;
  let broken: Error | null = null;
  const restart = () =>
    (restarting ??= (async () => {
      const { t0 } = current.world;
      try {
        await shut(current);
        current = await open({ simulated: t0, real: Date.now() });
        broken = null;
      } catch (error) {
        broken = error instanceof Error ? error : new Error(String(error));
        throw broken;
      } finally {
        restarting = null;
      }
    })());
  return {
    get world() {
      return current.world;
    },
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (request.method === 'POST' && path === '/demo/restart') {
        await restart().catch(() => undefined);
      } else if (restarting) {
        await restarting.catch(() => undefined);
      }
      if (broken) return new Response(`The demo could not restart: ${broken.message}\n`, { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' } });
      if (path === '/demo/restart') return current.app.fetch(new Request(new URL('/demo/state', request.url)));
      return current.app.fetch(request);
    },
    restart,
    close: () => shut(current),
  };
}

/** The cookie that says who the browser is signed in as for full-page navigations (the OAuth flow). */
const DEMO_USER_COOKIE = 'itutor_demo_user';
const isPerson = (userId: string | null | undefined): userId is string => !!userId && Object.values(PEOPLE).some((p) => p.id === userId);
const isTutor = (userId: string) => Object.values(PEOPLE).some((p) => p.id === userId && p.role === 'tutor');

function cookie(request: Request, name: string): string | null {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The fake Zoom's consent page ("Allow iTutor to use your Zoom account?"), as Zoom would show it. */
function consentPage(query: string, account: string | null): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" /><title>Zoom (local fake) — authorize iTutor Sessions demo</title>
<body style="font-family:system-ui;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<p style="color:#555">Zoom — a local fake run by the demo: no Zoom account, keys or internet involved.</p>
<h1 style="font-size:1.4rem">iTutor Sessions demo would like to access your Zoom account</h1>
<p>Signed in to Zoom as <strong data-testid="zoom-account">${escapeHtml(account ?? 'a demo user')}</strong>.</p>
<p>It will be able to create, delete and read your scheduled meetings.</p>
<form method="post" action="/demo/fake-zoom/decide" style="display:flex;gap:.75rem">
<input type="hidden" name="query" value="${escapeHtml(query)}" />
<button name="decision" value="allow" style="font:inherit;padding:.5rem 1.25rem;background:#0b5cff;color:#fff;border:0;border-radius:6px">Allow</button>
<button name="decision" value="deny" style="font:inherit;padding:.5rem 1.25rem;border:1px solid #888;background:#fff;border-radius:6px">Deny</button>
</form></body></html>`;
}

function createDemoApp(world: World, origin: () => string, assets: DemoAssets) {
  // Demo sign-in: the page says who it acts as (a header on its fetch calls; a cookie for full-page
  // navigations, which cannot carry a header). A real host verifies a session cookie or a JWT here.
  const authenticate: Authenticator = (request) => {
    const userId = request.headers.get('x-demo-user');
    return isPerson(userId) ? { userId } : null;
  };
  const browserUser = (request: Request): string | null => {
    const userId = request.headers.get('x-demo-user') ?? cookie(request, DEMO_USER_COOKIE);
    return isPerson(userId) ? userId : null;
  };
  const authenticateBrowser: Authenticator = (request) => {
    const userId = browserUser(request);
    return userId ? { userId } : null;
  };
  const callbackUrl = world.video.redirectUri();
  // The OAuth connect routes (`GET /api/providers/zoom/connect|callback`). A full-page navigation carries the
  // demo's cookie, not its header: these routes get their own authenticator, which reads either.
  const connect = videoConnectRoutes({
    core: world.core,
    authenticate: authenticateBrowser,
    // Per start: a restart forgets the attempts in flight, as the in-memory database forgets everything else.
    cookieSecret: randomBytes(32).toString('hex'),
    // Used states in the database (video_oauth_states), as a host with several instances needs them.
    stateStore: world.database.oauthStates,
    canConnect: isTutor,
    // Back to the page, to the tutor's card, which shows the outcome (`?video=` and `provider=` are added).
    returnTo: (_outcome: VideoConnectOutcome, request) => {
      const userId = browserUser(request);
      return `${origin()}/${userId ? `?tutor=${encodeURIComponent(userId)}#tutor-${userId}` : ''}`;
    },
    // The demo is plain http on 127.0.0.1.
    secureCookie: origin().startsWith('https:'),
    providers: {
      zoom: {
        oauth: world.video.oauthClient(),
        tokens: world.video.zoom.tokens,
        // Zoom's consent page is on the internet: the browser goes to the fake's page here instead. The
        // rest of the flow (code exchange, meetings) is the real client talking to the fake Zoom.
        authorizationUrl: (url) => new URL(`/demo/fake-zoom/authorize${url.search}`, origin()),
      },
    },
    onError: (error) => console.error('[demo] connect route:', error instanceof Error ? error.message : error),
  });

  // Stripe's webhook route, as a host mounts it (events deduplicated in the database's stripe_events table).
  const stripeWebhook = world.payments.webhookRoutes(world.core, world.database.stripeEvents);

  // Zoom's webhook route, as a host mounts it: deliveries verified with the app's Secret Token and handed
  // to the core (attendance stored once per event and matched by the core's matchParticipant; meeting
  // ends through the state machine). The demo's clock, so Zoom's timestamps are checked in simulated time.
  const zoomWebhook = zoomWebhookRoutes({
    secretToken: ZOOM_WEBHOOK_SECRET_TOKEN,
    onMeetingEvent: coreMeetingEventSink(world.core),
    clock: world.clock,
    onError: (error) => console.error('[demo] Zoom webhook:', error instanceof Error ? error.message : error),
  });

  // One handler for every SDK route: the core's, the Stripe webhook, the Zoom webhook, the connect routes.
  const handle = createSessionsHandler({
    core: world.core,
    authenticate,
    getBooking: async (bookingId) => world.bookings.get(bookingId) ?? null,
    cronSecret: CRON_SECRET,
    onUnexpectedError: (error) => console.error('[demo] unexpected error', error),
    // Who decides disputes for the platform: the host's own check of its people (here, Pat).
    isPlatformStaff: (auth) => auth.userId === PEOPLE.pat.id,
    routes: [stripeWebhook, zoomWebhook, connect],
  });

  /** Stripe delivering the fake's new events to the webhook route, signed with the endpoint's secret. */
  const deliverStripeEvents = () =>
    world.payments.deliverEvents(async (request) => app.fetch(new Request(new URL('/api/webhooks/stripe', origin()), request)));

  /** The demo playing Zoom: its webhooks go over HTTP to the route above, on this demo's own origin. */
  const zoom = createDemoZoomEvents(world, () => new URL('/api/webhooks/zoom', origin()).toString());

  /** The settlement tick: what Vercel Cron would call every minute, with the cron secret. */
  const settle = async () => {
    const response = await handle(
      new Request(new URL('/api/cron/process-charges', origin()), { method: 'POST', headers: { authorization: `Bearer ${CRON_SECRET}` } }),
    );
    const body = (await response.json()) as unknown;
    await deliverStripeEvents();
    return { status: response.status, body };
  };

  const app = new Hono();
  app.all('/api/*', (c) => handle(c.req.raw));

  // Signs the browser in as a demo user (a cookie) and follows `next`: how the page's Connect links
  // reach the connect route as that tutor.
  app.get('/demo/sign-in-as/:userId', (c) => {
    const userId = c.req.param('userId');
    const next = c.req.query('next') ?? '/';
    if (!isPerson(userId)) return c.text('unknown demo user', 404);
    if (!/^\/(api\/providers\/[a-z_]+\/connect)?$/.test(next)) return c.text('next must be a connect route', 400);
    c.header('set-cookie', `${DEMO_USER_COOKIE}=${encodeURIComponent(userId)}; Path=/; HttpOnly; SameSite=Lax`);
    return c.redirect(next, 302);
  });

  // The fake Zoom's consent page, and what its buttons do.
  app.get('/demo/fake-zoom/authorize', (c) => {
    const query = new URL(c.req.url).search.slice(1);
    const userId = browserUser(c.req.raw);
    return c.html(consentPage(query, userId ? zoomAccountOf(userId) : null), 200, { 'cache-control': 'no-store' });
  });
  app.post('/demo/fake-zoom/decide', async (c) => {
    const form = await c.req.parseBody();
    const params = new URLSearchParams(typeof form.query === 'string' ? form.query : '');
    // Only ever back to this demo's own callback: the consent page must not be an open redirect.
    if (params.get('redirect_uri') !== callbackUrl) return c.text('redirect_uri is not this demo\'s Zoom callback', 400);
    if (form.decision !== 'allow') {
      const back = new URL(callbackUrl);
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user denied the request');
      if (params.has('state')) back.searchParams.set('state', params.get('state')!);
      return c.redirect(back.toString(), 302);
    }
    const userId = browserUser(c.req.raw);
    if (userId) params.set('login_hint', zoomAccountOf(userId));
    // The fake Zoom's own authorize endpoint (intercepted in-process) checks the client and PKCE and
    // issues the code; its redirect is passed on to the browser.
    const answer = await fetch(`https://zoom.us/oauth/authorize?${params}`, { redirect: 'manual' });
    const location = answer.headers.get('location');
    if (answer.status !== 302 || !location?.startsWith(`${callbackUrl}?`)) {
      console.error(`[demo] the fake Zoom refused the consent: HTTP ${answer.status} ${await answer.text()}`);
      return c.text('The fake Zoom did not accept this sign-in (the page may be out of date). Go back to the demo and connect again.', 400);
    }
    return c.redirect(location, 302);
  });

  // "Ada removes the iTutor app in Zoom": the fake Zoom revokes her tokens. Her next booking finds out.
  app.post('/demo/tutors/:id/revoke-zoom', async (c) => {
    const revoked = await world.video.revokeAtZoom(c.req.param('id'));
    return revoked
      ? c.json(await snapshot(world, zoom))
      : c.json({ error: `${nameOf(c.req.param('id'))} has no Zoom connection to revoke.` }, 404);
  });

  app.get('/', async (c) => {
    const state = await snapshot(world, zoom);
    return c.html(renderPage({ now: state.now, offsetMs: state.offsetMs, state }), 200, { 'cache-control': 'no-store' });
  });
  app.get('/demo/app.js', (c) => c.body(assets.clientJs, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/demo/sdk.css', (c) => c.body(assets.sdkCss, 200, { 'content-type': 'text/css; charset=utf-8' }));
  app.get('/demo/demo.css', (c) => c.body(assets.demoCss, 200, { 'content-type': 'text/css; charset=utf-8' }));
  app.get('/demo/meeting/:id', (c) =>
    c.html(
      `<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1"><title>Meeting ${c.req.param('id')}</title><body style="font-family:system-ui;padding:2rem"><h1>Simulated ${c.req.query('provider') === 'google_meet' ? 'Google Meet' : 'Zoom'} meeting ${c.req.param('id')}</h1><p>In a real deployment this is the provider's meeting page.</p></body>`,
    ),
  );

  app.get('/demo/state', async (c) => {
    await deliverStripeEvents();
    return c.json(await snapshot(world, zoom));
  });

  app.post('/demo/clock', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { action?: string; sessionId?: string };
    const session = body.sessionId ? await world.core.sessions.get(body.sessionId) : null;
    switch (body.action) {
      case 'plus1':
        world.clock.advance(1);
        break;
      case 'plus5':
        world.clock.advance(5);
        break;
      case 'before-join-window':
        if (!session) return c.json({ error: 'sessionId required' }, 400);
        world.clock.travelTo(subMinutes(session.joinOpensAt, 1));
        break;
      case 'join-window':
        if (!session) return c.json({ error: 'sessionId required' }, 400);
        world.clock.travelTo(session.joinOpensAt);
        break;
      case 'no-show-point':
        if (!session) return c.json({ error: 'sessionId required' }, 400);
        world.clock.travelTo(session.noShowEligibleAt);
        break;
      case 'end':
        if (!session) return c.json({ error: 'sessionId required' }, 400);
        world.clock.travelTo(session.scheduledEndAt);
        break;
      case 'review-window-end':
        // When the tutor's payout becomes due: the review window after the outcome.
        if (!session?.finalizedAt) return c.json({ error: 'a settled sessionId required' }, 400);
        world.clock.travelTo(addMinutes(session.finalizedAt, world.core.policy.reviewWindowMinutes));
        break;
      default:
        return c.json({ error: 'unknown action' }, 400);
    }
    return c.json(await snapshot(world, zoom));
  });

  app.post('/demo/tick', async (c) => c.json(await settle()));

  // The fake Stripe's 3-D Secure page (what Stripe.js opens in a real host): the student completes or fails
  // the authentication; the fake then emits the PaymentIntent's events, delivered to the webhook at once.
  app.on(['GET', 'POST'], '/fake-3ds/:id', async (c) => {
    const url = new URL(c.req.url);
    const answer = await world.payments.fake.dispatch({
      method: c.req.method,
      path: url.pathname + url.search,
      headers: Object.fromEntries(c.req.raw.headers),
      body: c.req.method === 'POST' ? await c.req.text() : '',
    });
    if (answer.kind !== 'response') return c.text('The fake bank did not answer.', 502);
    if (c.req.method === 'POST') await deliverStripeEvents();
    return c.body(answer.body, answer.status as 200, { ...answer.headers, 'cache-control': 'no-store' });
  });

  // "The student disputes the payment at their bank": the fake Stripe opens a dispute on the session's charge
  // (created, then funds withdrawn), its charge.dispute.* events go to the webhook route, and the core records
  // the chargeback and stages the evidence it built from what it stored — for Pat to read and submit.
  app.post('/demo/sessions/:id/bank-dispute', async (c) => {
    const session = await world.core.sessions.get(c.req.param('id'));
    if (!session?.chargeReference || session.chargeStatus !== 'succeeded') return c.json({ error: 'Only a paid session can be disputed at the bank.' }, 409);
    if ((await world.core.chargebacks.list(session.id)).length > 0) return c.json({ error: 'The bank already has a dispute for this payment.' }, 409);
    world.payments.fake.openDispute(session.chargeReference, { reason: 'product_not_received', evidenceDueInDays: 21 });
    await deliverStripeEvents();
    return c.json(await snapshot(world, zoom));
  });

  // Confirming a booking = the booking's tutor calls create-for-booking (through the real route). A refusal
  // comes back with a sentence for people (`refusal`); the route's problem (`body`) keeps the code.
  app.post('/demo/bookings/:id/confirm', async (c) => {
    const booking = world.bookings.get(c.req.param('id'));
    if (!booking) return c.json({ error: 'That booking does not exist.' }, 404);
    const response = await handle(
      new Request(new URL('/api/sessions/create-for-booking', origin()), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-demo-user': booking.tutorId },
        body: JSON.stringify({ bookingId: booking.bookingId }),
      }),
    );
    const body = (await response.json()) as { code?: string };
    const refusal = response.status < 300 ? null : await confirmRefusal(world, booking, response.status, body.code);
    return c.json({ status: response.status, body, refusal });
  });

  // What happens in the session's Zoom call, reported by Zoom's signed webhooks to /api/webhooks/zoom:
  // - `student-joins`: the student joins the call now;
  // - `ends-early`: the meeting ends early on Zoom and Zoom's meeting.ended arrives at once;
  // - `ends-early-late-webhook`: the meeting ends early on Zoom, but its meeting.ended is held back
  //   LATE_WEBHOOK_MINUTES: the clock moves on, the settlement tick runs meanwhile, then it arrives.
  app.post('/demo/sessions/:id/zoom', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { action?: string };
    const session = await world.core.sessions.get(c.req.param('id'));
    if (!session) return c.json({ error: 'That session does not exist.' }, 404);
    const refusal = await zoomRefusal(world, session, zoom, body.action);
    if (refusal) return c.json({ error: refusal }, 409);
    switch (body.action) {
      case 'student-joins': {
        const { joinedAt, deliveries } = await zoom.studentJoins(session);
        return c.json({ action: body.action, at: joinedAt.toISOString(), deliveries, state: await snapshot(world, zoom) });
      }
      case 'ends-early': {
        const { endedAt, deliveries } = await zoom.endsEarly(session);
        return c.json({ action: body.action, at: endedAt.toISOString(), deliveries, state: await snapshot(world, zoom) });
      }
      default: {
        const { endedAt, deliveries, meanwhile } = await zoom.endsEarly(session, { lateBy: LATE_WEBHOOK_MINUTES, meanwhile: settle });
        return c.json({ action: body.action, at: endedAt.toISOString(), deliveries, tick: meanwhile, state: await snapshot(world, zoom) });
      }
    }
  });

  return app;
}

/**
 * Why confirming `booking` was refused, as a sentence for the people using the demo: names, not ids; the
 * reason, not the code (the problem's `code` stays in the answer for programs).
 */
async function confirmRefusal(world: World, booking: DemoBooking, status: number, code: string | undefined): Promise<string> {
  const tutor = nameOf(booking.tutorId);
  const student = nameOf(booking.studentId);
  switch (code) {
    case 'PROVIDER_NOT_CONNECTED': {
      const connection = await world.core.providers.get(booking.tutorId);
      if (!connection) {
        return `${tutor} has not connected Zoom yet, so there is no meeting link to give this session. Connect Zoom on ${tutor}’s card above, then confirm again.`;
      }
      return (
        `${tutor}’s Zoom connection has stopped working: Zoom refused its refresh token (the app was removed in Zoom, or the sign-in was revoked). ` +
        `${tutor} must reconnect Zoom on the card above before accepting bookings; then confirm again.`
      );
    }
    case 'NO_PAYMENT_METHOD':
      return `${student} has no usable saved card, so the booking cannot be confirmed until ${student} saves one.`;
    case 'BOOKING_CONFLICT':
      return 'This booking already has a session with different details, so nothing was changed.';
    case 'FORBIDDEN':
    case 'NOT_SESSION_TUTOR':
      return `Only ${tutor}, the booking’s tutor, can confirm it.`;
    case 'NOT_FOUND':
      return 'That booking does not exist (or is not confirmed), so no session was created.';
    default:
      return `The booking could not be confirmed (the server answered ${status}). Nothing was changed; try again.`;
  }
}

const studentJoinedOnZoom = (attendance: readonly AttendanceEntry[]) => attendance.some((a) => a.role === 'student' && a.kind === 'joined');

/** Why `action` makes no sense for the session now, or `null` when it does (the page shows only those). */
async function zoomRefusal(world: World, session: Session, zoom: DemoZoomEvents, action: unknown): Promise<string | null> {
  if (!ZOOM_ACTIONS.includes(action as ZoomAction)) return 'The demo’s Zoom does not know that action.';
  if (isFinalStatus(session.status)) return 'The session is already settled, so nothing more happens on Zoom.';
  const joined = studentJoinedOnZoom(await world.core.attendance.list(session.id));
  const available = zoomActionsAt(session, zoom.meetingState(session), joined, world.clock.now().getTime());
  return available.includes(action as ZoomAction) ? null : 'That cannot happen on Zoom at this point of the session.';
}

/**
 * Who a stored attendance entry is, for the page: the session's tutor or student by name; anyone else by
 * the display name Zoom reported — never their e-mail (a name that looks like one is not shown either).
 */
function attendee(entry: AttendanceEntry, tutorId: string, studentId: string): string {
  if (entry.role === 'tutor') return nameOf(tutorId);
  if (entry.role === 'student') return nameOf(studentId);
  const name = entry.participantName?.trim();
  return name && !name.includes('@') ? name : 'a participant Zoom did not identify';
}

/**
 * Everything the page shows, sessions in time order (a rescheduled session at its new start). Nothing
 * secret: no keys, tokens or idempotency keys. The meeting's id and join link are shown on the tutor's
 * screen (the demo's links are its own meeting pages; a real host shows a join link only to the session's
 * participants, as the Join route does).
 */
export async function snapshot(world: World, zoom: DemoZoomEvents) {
  const rows = await Promise.all(
    [...world.bookings.values()].map(async (booking) => ({ booking, session: await world.core.sessions.getByBooking(booking.bookingId) })),
  );
  // A reschedule moves the session, not the demo's booking record: the session's start is the lesson's start.
  const startOf = ({ booking, session }: (typeof rows)[number]) => (session ?? booking).scheduledStartAt.getTime();
  rows.sort((a, b) => startOf(a) - startOf(b) || a.booking.bookingId.localeCompare(b.booking.bookingId));
  const sessions = await Promise.all(
    rows.map(async ({ booking, session }) => {
      const events = session ? await world.core.sessions.listEvents(session.id) : [];
      // The charge ledger is server-side data: the page gets each attempt's PaymentIntent id and status,
      // never its idempotency key.
      const ledger = session ? await world.core.charges.list(session.id) : [];
      // Provider-reported joins and leaves (Zoom's webhooks), oldest first. E-mails stay on the server.
      const attendance = session ? await world.core.attendance.list(session.id) : [];
      return {
        booking: {
          bookingId: booking.bookingId,
          subject: booking.subject,
          tutorId: booking.tutorId,
          studentId: booking.studentId,
          scheduledStartAt: (session ?? booking).scheduledStartAt.toISOString(),
          durationMinutes: booking.durationMinutes,
          priceMinor: booking.priceMinor,
        },
        tutorName: nameOf(booking.tutorId),
        studentName: nameOf(booking.studentId),
        session: session ? toSessionJson(session, { policy: world.core.policy }) : null,
        card: DEMO_CARDS[booking.studentId]?.label ?? null,
        ledger: ledger.map((a) => ({
          attempt: a.attempt,
          status: a.status,
          paymentIntentId: a.gatewayReference,
          failureCode: a.failureCode,
          amountMinor: a.amountMinor,
        })),
        notice: session ? (world.payments.notices.get(session.id) ?? null) : null,
        zoom: session ? zoom.meetingState(session) : null,
        meeting: session ? { id: session.meetingId, joinUrl: session.joinUrl } : null,
        studentJoinedOnZoom: studentJoinedOnZoom(attendance),
        attendance: [...attendance]
          .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.receivedAt.getTime() - b.receivedAt.getTime())
          .map((a) => ({
            id: `${a.provider}:${a.eventId}`,
            occurredAt: a.occurredAt.toISOString(),
            receivedAt: a.receivedAt.toISOString(),
            role: a.role,
            who: attendee(a, booking.tutorId, booking.studentId),
            kind: a.kind,
            provider: a.provider,
          })),
        events: events.map((e) => ({
          id: e.id,
          type: e.type as string,
          actor: e.actor === 'system' ? 'system' : nameOf(e.actor),
          occurredAt: e.occurredAt.toISOString(),
          payload: e.payload as Record<string, unknown>,
        })),
      };
    }),
  );
  const tutors = await Promise.all(
    [PEOPLE.ada, PEOPLE.ben].map(async (tutor) => {
      const c = await world.core.providers.get(tutor.id);
      // The connection as ConnectVideoProvider takes it (ProviderConnectionJson): no token is in it.
      const connection = c && {
        tutorId: c.tutorId,
        provider: c.provider,
        status: c.status,
        externalAccountId: c.externalAccountId,
        version: c.version,
        connectedAt: c.connectedAt.toISOString(),
        updatedAt: c.updatedAt.toISOString(),
      };
      return { id: tutor.id, name: tutor.name, connection };
    }),
  );
  const now = world.clock.now();
  return {
    now: now.toISOString(),
    offsetMs: world.clock.offsetMs(),
    database: world.database.kind,
    tutors,
    sessions,
  };
}
