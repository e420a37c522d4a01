import { serve } from '@hono/node-server';
import { build } from 'esbuild';
import { Hono } from 'hono';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { subMinutes } from 'date-fns';
import { toSessionJson, isSessionError } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createWorld, nameOf, PEOPLE, type World } from './world';

const CRON_SECRET = 'demo-cron-secret-0123456789';
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Bundles the page's React app once at start-up (esbuild, a few hundred ms). */
async function bundleClient(): Promise<string> {
  const result = await build({
    entryPoints: [here('./client/main.tsx')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    minify: true,
    jsx: 'automatic',
    tsconfig: here('../../../tsconfig.json'),
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>iTutor Sessions — demo</title>
<link rel="stylesheet" href="/demo/sdk.css" />
<link rel="stylesheet" href="/demo/demo.css" />
</head>
<body>
<div id="root"><p style="font-family:system-ui;padding:1rem">Loading the demo…</p></div>
<script type="module" src="/demo/app.js"></script>
</body>
</html>`;

/** Builds the demo app: the core's HTTP handlers under /api and the demo's own controls under /demo. */
export async function createDemoApp(options: { origin: () => string; startAt?: Date }) {
  const world = await createWorld(options);
  const [clientJs] = await Promise.all([bundleClient()]);
  const sdkCss = readFileSync(here('../../../packages/react/src/styles.css'), 'utf8');
  const demoCss = readFileSync(here('./client/demo.css'), 'utf8');

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

  app.get('/', (c) => c.html(PAGE));
  app.get('/demo/app.js', (c) => c.body(clientJs, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/demo/sdk.css', (c) => c.body(sdkCss, 200, { 'content-type': 'text/css; charset=utf-8' }));
  app.get('/demo/demo.css', (c) => c.body(demoCss, 200, { 'content-type': 'text/css; charset=utf-8' }));
  app.get('/demo/meeting/:id', (c) =>
    c.html(`<!doctype html><title>Meeting ${c.req.param('id')}</title><body style="font-family:system-ui;padding:2rem"><h1>Simulated ${c.req.query('provider') === 'google_meet' ? 'Google Meet' : 'Zoom'} meeting ${c.req.param('id')}</h1><p>In a real deployment this is the provider's meeting page.</p></body>`),
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
      new Request(new URL('/api/cron/process-charges', options.origin()), { method: 'POST', headers: { authorization: `Bearer ${CRON_SECRET}` } }),
    );
    return c.json({ status: response.status, body: await response.json() });
  });

  // Confirming a booking = the booking's tutor calls create-for-booking (through the real route).
  app.post('/demo/bookings/:id/confirm', async (c) => {
    const booking = world.bookings.get(c.req.param('id'));
    if (!booking) return c.json({ error: 'unknown booking' }, 404);
    const response = await handle(
      new Request(new URL('/api/sessions/create-for-booking', options.origin()), {
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

  return { app, world };
}

async function snapshot(world: World) {
  const sessions = await Promise.all(
    [...world.bookings.values()].map(async (booking) => {
      const session = await world.core.getSessionByBooking(booking.bookingId);
      const events = session ? await world.core.listEvents(session.id) : [];
      return {
        booking: { ...booking, scheduledStartAt: booking.scheduledStartAt.toISOString() },
        tutorName: nameOf(booking.tutorId),
        studentName: nameOf(booking.studentId),
        session: session ? toSessionJson(session) : null,
        events: events.map((e) => ({
          id: e.id,
          type: e.type,
          actor: e.actor === 'system' ? 'system' : nameOf(e.actor),
          occurredAt: e.occurredAt.toISOString(),
          payload: e.payload,
        })),
      };
    }),
  );
  const connections = await Promise.all(
    [PEOPLE.ada, PEOPLE.ben].map(async (t) => ({ tutor: t, connection: await world.core.getProviderConnection(t.id) })),
  );
  return {
    now: world.clock.now().toISOString(),
    database: world.database.kind,
    people: PEOPLE,
    tutors: connections.map(({ tutor, connection }) => ({
      id: tutor.id,
      name: tutor.name,
      provider: connection?.provider ?? null,
      status: connection?.status ?? 'not connected',
    })),
    sessions,
    charges: world.gateway.instructions.map((i) => ({ ...i })),
  };
}

/** Starts the demo on `host:port` (port 0 = any free port). */
export async function startDemoServer(options: { port?: number; host?: string; startAt?: Date } = {}) {
  const host = options.host ?? '127.0.0.1';
  // Listen first so the meeting links the seed creates carry the real port.
  let fetchApp: (request: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: (request) => fetchApp(request), hostname: host, port: options.port ?? 0 }, () => resolve(s));
  });
  const address = server.address();
  const origin = `http://${host}:${address && typeof address === 'object' ? address.port : options.port}`;
  const { app, world } = await createDemoApp({ origin: () => origin, ...(options.startAt ? { startAt: options.startAt } : {}) });
  fetchApp = app.fetch;
  return {
    url: origin,
    world,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await world.database.close();
    },
  };
}
