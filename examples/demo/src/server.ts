/**
 * The demo host app: the core's HTTP handlers under /api, the demo's own controls under /demo, the page.
 * `start.mjs` bundles this file (see build.mjs), listens on a port before the database is up, and
 * hands requests to {@link createDemo}'s app once it is.
 */
import { Hono } from 'hono';
import { subMinutes } from 'date-fns';
import { toSessionJson, isSessionError } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { renderPage } from './page.mjs';
import { createWorld, nameOf, PEOPLE, type World, type WorldOptions } from './world';

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

/** Builds the world (database, core, clock, bookings) and the app that serves it. */
export async function createDemo(options: WorldOptions & { assets: DemoAssets }) {
  const world = await createWorld(options);
  return { world, app: createDemoApp(world, options.origin, options.assets) };
}

function createDemoApp(world: World, origin: () => string, assets: DemoAssets) {
  const handle = createSessionsHandler({
    core: world.core,
    // Demo sign-in: the page says who it acts as. A real host verifies a session cookie or a JWT here.
    authenticate: (request) => {
      const userId = request.headers.get('x-demo-user');
      return userId && Object.values(PEOPLE).some((p) => p.id === userId) ? { userId } : null;
    },
    getBooking: async (bookingId) => world.bookings.get(bookingId) ?? null,
    cronSecret: CRON_SECRET,
    onUnexpectedError: (error) => console.error('[demo] unexpected error', error),
  });

  const app = new Hono();
  app.all('/api/*', (c) => handle(c.req.raw));

  app.get('/', async (c) => {
    const state = await snapshot(world);
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

  app.get('/demo/state', async (c) => c.json(await snapshot(world)));

  app.post('/demo/clock', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { action?: string; sessionId?: string };
    const session = body.sessionId ? await world.core.getSession(body.sessionId) : null;
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
      case 'reset':
        world.clock.travelTo(world.t0);
        break;
      default:
        return c.json({ error: 'unknown action' }, 400);
    }
    return c.json(await snapshot(world));
  });

  // The settlement tick: what Vercel Cron would call every minute, with the cron secret.
  app.post('/demo/tick', async (c) => {
    const response = await handle(
      new Request(new URL('/api/cron/process-charges', origin()), { method: 'POST', headers: { authorization: `Bearer ${CRON_SECRET}` } }),
    );
    return c.json({ status: response.status, body: await response.json() });
  });

  // Confirming a booking = the booking's tutor calls create-for-booking (through the real route).
  app.post('/demo/bookings/:id/confirm', async (c) => {
    const booking = world.bookings.get(c.req.param('id'));
    if (!booking) return c.json({ error: 'unknown booking' }, 404);
    const response = await handle(
      new Request(new URL('/api/sessions/create-for-booking', origin()), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-demo-user': booking.tutorId },
        body: JSON.stringify({ bookingId: booking.bookingId }),
      }),
    );
    return c.json({ status: response.status, body: await response.json() });
  });

  // What a provider webhook reports: the meeting ended `minutesEarly` minutes before the scheduled end.
  app.post('/demo/sessions/:id/meeting-ended', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { minutesEarly?: number };
    const session = await world.core.getSession(c.req.param('id'));
    if (!session) return c.json({ error: 'unknown session' }, 404);
    const endedAt = subMinutes(session.scheduledEndAt, Math.max(0, Number(body.minutesEarly ?? 15)));
    const now = world.clock.now();
    try {
      await world.core.recordMeetingEnded({ sessionId: session.id, endedAt: endedAt > now ? now : endedAt });
      return c.json(await snapshot(world));
    } catch (error) {
      if (isSessionError(error)) return c.json({ error: error.message, code: error.code }, 409);
      throw error;
    }
  });

  return app;
}

/** Everything the page shows, sessions in time order. Nothing secret: no meeting URLs, keys or tokens. */
export async function snapshot(world: World) {
  const bookings = [...world.bookings.values()].sort(
    (a, b) => a.scheduledStartAt.getTime() - b.scheduledStartAt.getTime() || a.bookingId.localeCompare(b.bookingId),
  );
  const sessions = await Promise.all(
    bookings.map(async (booking) => {
      const session = await world.core.getSessionByBooking(booking.bookingId);
      const events = session ? await world.core.listEvents(session.id) : [];
      return {
        booking: {
          bookingId: booking.bookingId,
          subject: booking.subject,
          tutorId: booking.tutorId,
          studentId: booking.studentId,
          scheduledStartAt: booking.scheduledStartAt.toISOString(),
          durationMinutes: booking.durationMinutes,
          priceMinor: booking.priceMinor,
        },
        tutorName: nameOf(booking.tutorId),
        studentName: nameOf(booking.studentId),
        session: session ? toSessionJson(session) : null,
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
      const connection = await world.core.getProviderConnection(tutor.id);
      return { id: tutor.id, name: tutor.name, provider: connection?.provider ?? null, status: connection?.status ?? null };
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
