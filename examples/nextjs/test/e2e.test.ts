import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../../../scripts/chromium';

/**
 * End to end: the Next.js example as a developer runs it locally — `next build`, then `next start` in the
 * local development mode (DATABASE_URL → a fresh PostgreSQL database created here and dropped after),
 * driven in Debian's Chromium through its real pages and route handlers: sign in (development cookie),
 * record bookings, confirm them through `POST /api/sessions/create-for-booking`, join, mark a no-show,
 * and settle through `GET /api/cron/process-charges`. Nothing fakes the clock: the bookings start in the
 * past (20 and 61 minutes ago), which the example's development booking form allows.
 */

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const NEXT_BIN = join(EXAMPLE, 'node_modules', 'next', 'dist', 'bin', 'next');
const CRON_SECRET = `e2e-cron-${randomBytes(12).toString('hex')}`;
const ZOOM_WEBHOOK_SECRET_TOKEN = `e2e-zoom-${randomBytes(12).toString('hex')}`;
const MEET_PUSH = { audience: 'https://tutor.example/api/webhooks/google-meet', serviceAccount: 'meet-push@itutor-e2e.iam.gserviceaccount.com' };
const PEOPLE = {
  ada: '11111111-1111-4111-8111-111111111111',
  ben: '22222222-2222-4222-8222-222222222222',
  sam: '33333333-3333-4333-8333-333333333333',
  kim: '44444444-4444-4444-8444-444444444444',
};

let databaseName = '';
let admin: pg.Client | undefined;
let db: pg.Pool | undefined;
let server: NextServer | undefined;
let databaseUrl = '';
let baseUrl = '';
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;

/** Environment for child processes: vitest's NODE_ENV=test must not reach Next.js. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NODE_ENV: _vitestNodeEnv, ...env } = process.env;
  return { ...env, NEXT_TELEMETRY_DISABLED: '1', ...extra } as unknown as NodeJS.ProcessEnv; // (Next's types make NODE_ENV required)
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${output.slice(-4000)}`)),
    );
  });
}

const newestMtime = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }, 0);

/**
 * The example imports the packages' built `dist/` (as a host app would). CI builds them first; when run
 * locally with a missing or stale build, build them here rather than test old code.
 */
async function ensurePackagesBuilt(): Promise<void> {
  for (const name of ['core', 'supabase', 'react', 'video']) {
    const dir = join(REPO, 'packages', name);
    const dist = join(dir, 'dist');
    if (existsSync(dist) && newestMtime(dist) >= newestMtime(join(dir, 'src'))) continue;
    console.info(`[nextjs-e2e] packages/${name}/dist is missing or older than src: building it`);
    await run('npm', ['run', '--silent', 'build'], dir, childEnv({}));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface NextServer {
  readonly url: string;
  readonly process: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

/** `next start` of the e2e build on a free port with `env(url)`, once it answers `GET /` (any status). */
async function startNext(env: (url: string) => Record<string, string>): Promise<NextServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: EXAMPLE,
    env: childEnv({ ITUTOR_E2E_BUILD: '1', ...env(url) }), // ITUTOR_E2E_BUILD: the build folder of `next build` above
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (log += chunk));
  child.stderr!.on('data', (chunk) => (log += chunk));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${log.slice(-4000)}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`next start did not answer ${url} in time:\n${log.slice(-4000)}`);
    }
    try {
      await fetch(`${url}/`);
      return { url, process: child, log: () => log, stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

beforeAll(async () => {
  const base = process.env.DATABASE_URL!;
  databaseName = `itutor_nextjs_e2e_${process.pid}_${Date.now()}`;
  admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${databaseName}`);
  const url = new URL(base);
  url.pathname = `/${databaseName}`;
  db = new pg.Pool({ connectionString: url.toString(), max: 2 });
  // `drop database … with (force)` at the end terminates whatever is still connected: expected then.
  db.on('error', () => undefined);

  await ensurePackagesBuilt();
  await run(process.execPath, [NEXT_BIN, 'build'], EXAMPLE, childEnv({ ITUTOR_E2E_BUILD: '1' }));

  databaseUrl = url.toString();
  server = await startNext((url) => ({
    DATABASE_URL: databaseUrl, // → the local development mode, on the fresh database
    ITUTOR_DEV_MODE: '1', // a production build refuses the development mode without it
    CRON_SECRET,
    APP_URL: url, // where the fake video provider's meeting pages are
    ZOOM_WEBHOOK_SECRET_TOKEN, // the Zoom app's webhook Secret Token (app/api/webhooks/zoom)
    GOOGLE_MEET_PUSH_AUDIENCE: MEET_PUSH.audience, // the Pub/Sub push subscription (app/api/webhooks/google-meet)
    GOOGLE_MEET_PUSH_SERVICE_ACCOUNT: MEET_PUSH.serviceAccount,
    // Zoom's OAuth app: mounts the connect routes (app/api/[...path] → videoConnectRoutes). Meetings still
    // come from the local fake; the test only follows the connect route to Zoom's consent page address.
    ZOOM_CLIENT_ID: 'e2e-zoom-client',
    ZOOM_CLIENT_SECRET: 'e2e-zoom-client-secret',
    VIDEO_TOKEN_KEY: randomBytes(32).toString('base64'),
    VIDEO_COOKIE_SECRET: randomBytes(32).toString('hex'),
  }));
  baseUrl = server.url;

  browser = await chromium.launch(chromiumLaunchOptions);
  context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await db?.end();
  if (admin) {
    if (databaseName) await admin.query(`drop database if exists ${databaseName} with (force)`);
    await admin.end();
  }
});

async function signInAs(name: 'Ada' | 'Ben' | 'Sam') {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('button', { name: new RegExp(`^Sign in as ${name} `) }).click();
  await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toContain(`Signed in as ${name}`);
}

/** Records a confirmed booking through the development form; returns its id (from the page it lands on). */
async function recordBooking(input: { tutor: string; student: string; startsInMinutes: number; durationMinutes: number; price: string }) {
  await page.goto(`${baseUrl}/`);
  const form = page.getByTestId('new-booking');
  await form.locator('select[name=tutorId]').selectOption(input.tutor);
  await form.locator('select[name=studentId]').selectOption(input.student);
  await form.locator('input[name=startsInMinutes]').fill(String(input.startsInMinutes));
  await form.locator('input[name=durationMinutes]').fill(String(input.durationMinutes));
  await form.locator('input[name=priceTtd]').fill(input.price);
  await form.getByRole('button', { name: 'Record the booking' }).click();
  await page.waitForURL(/\/bookings\/[0-9a-f-]{36}$/);
  return page.url().split('/').pop()!;
}

const sessionRow = async (bookingId: string) =>
  (
    await db!.query(
      `select id::text, status, no_show_wait_minutes, price_ttd::text, charge_amount_ttd::text, payout_amount_ttd::text,
              platform_fee_ttd::text, charge_status, student_joined_at, tutor_joined_at
         from public.sessions where booking_id = $1`,
      [bookingId],
    )
  ).rows[0];

const status = () => page.getByTestId('status').getAttribute('data-status');
const cron = (authorization?: string) =>
  fetch(`${baseUrl}/api/cron/process-charges`, authorization ? { headers: { authorization } } : {});

async function joinFromPage() {
  const popup = page.waitForEvent('popup');
  await page.getByRole('button', { name: /join session/i }).click();
  const meeting = await popup;
  await expect.poll(() => meeting.url()).toContain(`${baseUrl}/dev/meetings/zoom/`);
  await expect.poll(() => meeting.getByRole('heading').first().textContent()).toContain('Fake Zoom meeting');
  await meeting.close();
}

describe('examples/nextjs end to end (local development mode)', () => {
  let noShowBooking = '';
  let completedBooking = '';

  it('the local mode set up the fresh database: the SDK migrations, the bookings table, the seeded people', async () => {
    const migrations = await db!.query('select version from supabase_migrations.schema_migrations order by version');
    expect(migrations.rows.length).toBeGreaterThan(0);
    const users = await db!.query('select id::text from auth.users order by id');
    expect(users.rows.map((r) => r.id)).toEqual(expect.arrayContaining(Object.values(PEOPLE)));
    expect((await db!.query('select count(*)::int as n from public.bookings')).rows[0].n).toBe(0);
  });

  it('the tutor books a session that started 20 minutes ago and confirms it through create-for-booking', async () => {
    await signInAs('Ada');
    noShowBooking = await recordBooking({ tutor: PEOPLE.ada, student: PEOPLE.sam, startsInMinutes: -20, durationMinutes: 60, price: '150.00' });
    expect(await page.getByTestId('viewer-role').textContent()).toMatch(/Ada.*tutor/);
    expect(await page.textContent('main')).toContain('This booking has no session yet');

    await page.getByRole('button', { name: /create the session/i }).click();
    await expect.poll(status).toBe('JOIN_OPEN');
    expect(await page.getByTestId('price').textContent()).toMatch(/^TTD\s150\.00$/);

    const row = await sessionRow(noShowBooking);
    expect(row).toMatchObject({ price_ttd: '150.00', no_show_wait_minutes: 19, charge_status: 'none' });
    expect(['SCHEDULED', 'JOIN_OPEN']).toContain(row.status);
  });

  it('the tutor joins, then marks the no-show (the student never joined): NO_SHOW_STUDENT, 75.00 / 67.50 / 7.50', async () => {
    // The presence rule: only a tutor who is in the session may mark the student absent.
    await joinFromPage();
    expect((await sessionRow(noShowBooking)).tutor_joined_at).toBeInstanceOf(Date);
    const trigger = page.getByRole('button', { name: /mark no-show/i });
    await expect.poll(() => trigger.isEnabled()).toBe(true);
    await trigger.click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toMatch(/TTD\s75\.00[\s\S]*TTD\s67\.50/);
    await dialog.getByRole('button', { name: /mark no-show/i }).click();

    await expect.poll(status).toBe('NO_SHOW_STUDENT');
    await expect.poll(() => page.getByTestId('charged').textContent()).toMatch(/TTD\s75\.00 \(your payout TTD\s67\.50\)/);
    expect(await sessionRow(noShowBooking)).toMatchObject({
      status: 'NO_SHOW_STUDENT',
      charge_amount_ttd: '75.00',
      payout_amount_ttd: '67.50',
      platform_fee_ttd: '7.50',
      charge_status: 'succeeded',
      student_joined_at: null,
    });
  });

  it('both join a session whose end has passed; the student has no no-show button', async () => {
    completedBooking = await recordBooking({ tutor: PEOPLE.ada, student: PEOPLE.sam, startsInMinutes: -61, durationMinutes: 60, price: '150.00' });
    await page.getByRole('button', { name: /create the session/i }).click();
    await expect.poll(status).toBe('JOIN_OPEN');
    await joinFromPage();

    await signInAs('Sam');
    await page.goto(`${baseUrl}/bookings/${completedBooking}`);
    expect(await page.getByTestId('viewer-role').textContent()).toMatch(/Sam.*student/);
    expect(await page.getByRole('button', { name: /mark no-show/i }).count()).toBe(0);
    await joinFromPage();

    const row = await sessionRow(completedBooking);
    expect(row.student_joined_at).toBeInstanceOf(Date);
    expect(row.tutor_joined_at).toBeInstanceOf(Date);
    expect(row.status).toBe('JOIN_OPEN');
  });

  it('the cron route refuses callers without the secret and settles with it: COMPLETED_ASSUMED, 150.00 / 135.00 / 15.00', async () => {
    expect((await cron()).status).toBe(401);
    expect((await cron(`Bearer ${CRON_SECRET}x`)).status).toBe(401);
    expect((await sessionRow(completedBooking)).status).toBe('JOIN_OPEN');

    const response = await cron(`Bearer ${CRON_SECRET}`);
    expect(response.status).toBe(200);
    const { report } = (await response.json()) as { report: { completed: number } };
    expect(report.completed).toBe(1);

    expect(await sessionRow(completedBooking)).toMatchObject({
      status: 'COMPLETED_ASSUMED',
      charge_amount_ttd: '150.00',
      payout_amount_ttd: '135.00',
      platform_fee_ttd: '15.00',
      charge_status: 'succeeded',
    });
    // The no-show session was final already: the cron did not touch it.
    expect((await sessionRow(noShowBooking)).status).toBe('NO_SHOW_STUDENT');

    // A second run has nothing left to settle.
    const again = (await (await cron(`Bearer ${CRON_SECRET}`)).json()) as { report: { completed: number } };
    expect(again.report.completed).toBe(0);

    await page.reload();
    await expect.poll(status).toBe('COMPLETED_ASSUMED');
    expect(await page.getByTestId('charged').textContent()).toMatch(/^TTD\s150\.00$/);
  });

  it('the routes refuse a forged sign-in cookie, and a real one sent from another site', async () => {
    const { id } = await sessionRow(completedBooking);
    const joinUrl = `${baseUrl}/api/sessions/${id}/join`;
    const forged = await fetch(joinUrl, {
      method: 'POST',
      headers: { cookie: `itutor_dev_user=${PEOPLE.sam}.9999999999.forged`, origin: baseUrl },
    });
    expect(forged.status).toBe(401);

    const cookie = (await context.cookies(baseUrl)).find((c) => c.name === 'itutor_dev_user');
    expect(cookie?.httpOnly).toBe(true);
    const crossSite = await fetch(joinUrl, {
      method: 'POST',
      headers: { cookie: `itutor_dev_user=${cookie!.value}`, 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(401);
    const sameSite = await fetch(joinUrl, {
      method: 'POST',
      headers: { cookie: `itutor_dev_user=${cookie!.value}`, 'sec-fetch-site': 'same-origin' },
    });
    // Signed in for real: the route answers as for Sam (this session is final now).
    expect(sameSite.status).toBe(409);
    expect(((await sameSite.json()) as { code: string }).code).toBe('SESSION_FINAL');
  });

  it('a tutor without a video provider cannot confirm a booking: PROVIDER_NOT_CONNECTED, no session', async () => {
    await signInAs('Ben');
    const booking = await recordBooking({ tutor: PEOPLE.ben, student: PEOPLE.sam, startsInMinutes: 30, durationMinutes: 45, price: '120.00' });
    await page.getByRole('button', { name: /create the session/i }).click();
    await expect.poll(() => page.getByTestId('create-session-error').textContent()).toContain('PROVIDER_NOT_CONNECTED');
    expect(await sessionRow(booking)).toBeUndefined();
  });

  it("Zoom's signed webhook reports Kim in the meeting: stored as the student's join, and Ada's no-show is refused with Zoom as the source", async () => {
    await signInAs('Ada');
    const booking = await recordBooking({ tutor: PEOPLE.ada, student: PEOPLE.kim, startsInMinutes: -25, durationMinutes: 60, price: '150.00' });
    await page.getByRole('button', { name: /create the session/i }).click();
    await expect.poll(status).toBe('JOIN_OPEN');
    const { rows } = await db!.query('select id::text, meeting_id, scheduled_start_at from public.sessions where booking_id = $1', [booking]);
    const session = rows[0] as { id: string; meeting_id: string; scheduled_start_at: Date };

    // Zoom's delivery, signed as Zoom signs it: v0= HMAC-SHA256 of `v0:{timestamp}:{body}` under the Secret Token.
    const zoom = (payload: unknown, secret = ZOOM_WEBHOOK_SECRET_TOKEN) => {
      const body = JSON.stringify(payload);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
      return fetch(`${baseUrl}/api/webhooks/zoom`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': timestamp, 'x-zm-signature': signature },
        body,
      });
    };
    // Zoom's URL validation, when the endpoint is saved in the Zoom app.
    const validation = await zoom({ event: 'endpoint.url_validation', payload: { plainToken: 'e2e-plain-token' } });
    expect(validation.status).toBe(200);
    expect(await validation.json()).toEqual({
      plainToken: 'e2e-plain-token',
      encryptedToken: createHmac('sha256', ZOOM_WEBHOOK_SECRET_TOKEN).update('e2e-plain-token').digest('hex'),
    });

    const joinedAt = new Date(session.scheduled_start_at.getTime() + 2 * 60_000); // within the no-show wait
    const joined = {
      event: 'meeting.participant_joined',
      event_ts: Date.now(),
      payload: {
        account_id: 'e2e',
        object: {
          id: session.meeting_id,
          uuid: `e2e-${session.meeting_id}`,
          participant: { user_id: '16778240', user_name: 'Kim', participant_uuid: 'e2e-kim', join_time: joinedAt.toISOString(), email: 'kim@dev.example' },
        },
      },
    };
    expect((await zoom(joined, 'not-the-secret-token')).status).toBe(401); // a wrong signature stores nothing
    expect((await zoom(joined)).status).toBe(200);
    expect((await zoom(joined)).status).toBe(200); // Zoom's retry of the same event: stored once
    const attendance = await db!.query('select role, kind, occurred_at from public.session_attendance where session_id = $1', [session.id]);
    expect(attendance.rows).toEqual([{ role: 'student', kind: 'joined', occurred_at: joinedAt }]);

    // Ada is in the session (the presence rule), so the refusal is Kim's join alone.
    await page.reload();
    await joinFromPage();
    await page.reload();
    const trigger = page.getByRole('button', { name: /mark no-show/i });
    await expect.poll(() => trigger.isEnabled()).toBe(true); // the page knows only the Join button's record
    await trigger.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: /mark no-show/i }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toBe(
      'The student joined the meeting within the no-show wait (reported by the video provider)',
    );
    const row = await sessionRow(booking);
    expect(['SCHEDULED', 'JOIN_OPEN']).toContain(row.status); // not final: no no-show, nothing charged
    expect(row.charge_status).toBe('none');
    expect(row.student_joined_at).toBeNull(); // Zoom's report was the only evidence
  });

  it('the Google Meet events route refuses a push without Google\'s OIDC token', async () => {
    const response = await fetch(`${baseUrl}/api/webhooks/google-meet`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: { data: '', messageId: '1', attributes: {} }, subscription: 'projects/p/subscriptions/s' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${baseUrl}/api/webhooks/google-meet`)).status).toBe(405);
  });

  it('one mount: the connect routes send a signed-in tutor to Zoom (PKCE, state cookie); the attendance route answers', async () => {
    // Ada signs in (the development sign-in route), as the page's form would.
    const signIn = await fetch(`${baseUrl}/api/dev/sign-in`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
      body: `userId=${PEOPLE.ada}`,
      redirect: 'manual',
    });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toMatch(/^itutor_dev_user=/);
    const connect = await fetch(`${baseUrl}/api/providers/zoom/connect`, { headers: { cookie }, redirect: 'manual' });
    expect(connect.status).toBe(302);
    const consent = new URL(connect.headers.get('location')!);
    expect(consent.origin + consent.pathname).toBe('https://zoom.us/oauth/authorize');
    expect(consent.searchParams.get('client_id')).toBe('e2e-zoom-client');
    expect(consent.searchParams.get('code_challenge_method')).toBe('S256');
    expect(consent.searchParams.get('redirect_uri')).toBe(`${baseUrl}/api/providers/zoom/callback`);
    expect(connect.headers.get('set-cookie')).toMatch(/^itutor_video_oauth=[^;]+; Path=\/api\/providers;.*HttpOnly/);
    // Signed out: back to the app with the outcome, no cookie, no trip to Zoom.
    const signedOut = await fetch(`${baseUrl}/api/providers/zoom/connect`, { redirect: 'manual' });
    expect(new URL(signedOut.headers.get('location')!).searchParams.get('video')).toBe('unauthenticated');
    // Google Meet is not configured here: its routes are not on the mount.
    expect((await fetch(`${baseUrl}/api/providers/google_meet/connect`, { headers: { cookie }, redirect: 'manual' })).status).toBe(404);
    // The core's attendance route comes with the same catch-all (it had no route file before).
    const attendance = await fetch(`${baseUrl}/api/sessions/00000000-0000-4000-8000-000000000001/attendance`);
    expect(attendance.status).toBe(401);
    expect(attendance.headers.get('content-type')).toBe('application/problem+json');
    expect((await fetch(`${baseUrl}/api/nothing-here`)).status).toBe(404);
  });

  it('the development mode refuses to start under next start without ITUTOR_DEV_MODE=1, and on Vercel', async () => {
    const refusals: Record<string, string>[] = [
      { DATABASE_URL: databaseUrl, CRON_SECRET },
      { DATABASE_URL: databaseUrl, CRON_SECRET, ITUTOR_DEV_MODE: '1', VERCEL_ENV: 'production' },
    ];
    for (const env of refusals) {
      const refusing = await startNext(() => env);
      try {
        const signIn = await fetch(`${refusing.url}/api/dev/sign-in`, {
          method: 'POST',
          headers: { 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
          body: `userId=${PEOPLE.ada}`,
        });
        expect(signIn.status).toBe(500);
        expect(signIn.headers.get('set-cookie')).toBeNull();
        const create = await fetch(`${refusing.url}/api/sessions/create-for-booking`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: (await context.cookies(baseUrl)).map((c) => `${c.name}=${c.value}`).join('; ') },
          body: JSON.stringify({ bookingId: completedBooking }),
        });
        expect(create.status).toBe(500);
        expect(refusing.log()).toMatch(env.VERCEL_ENV ? /never runs on a Vercel production deployment/ : /refuses it unless ITUTOR_DEV_MODE=1/);
      } finally {
        await refusing.stop();
      }
    }
  });
});
