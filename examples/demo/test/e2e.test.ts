import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { addDays, subMinutes } from 'date-fns';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../../../scripts/chromium';
import { formatInstant } from '../src/format.mjs';
import { PortInUseError, startDemo, type RunningDemo } from '../start.mjs';

/**
 * End-to-end: the demo host app in Debian's Chromium, started the way `pnpm demo` starts it. The
 * scenarios share one demo and its simulated clock, so they run in order. Screenshots of both
 * viewports go to test/__screenshots__/ (look at them after a change to the page).
 */
const SHOTS = fileURLToPath(new URL('./__screenshots__/', import.meta.url));
/** The README's picture: taken from the current demo by this test, so it never shows an old one. */
const README_PICTURE = fileURLToPath(new URL('../../../docs/demo.png', import.meta.url));
const START = fileURLToPath(new URL('../start.mjs', import.meta.url));
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const PEOPLE_IDS = { ada: 'tutor-ada', ben: 'tutor-ben' } as const;
/** The bookings whose sessions (and Zoom meetings) exist when the demo starts; the three others await their tutor. */
const CONFIRMED_AT_START = [
  'bk-ada-sam-1',
  'bk-ada-kim-1',
  'bk-ada-sam-2',
  'bk-ada-lee-1',
  'bk-ada-max-1',
  'bk-ada-lee-2',
  'bk-ada-kim-3',
  'bk-ada-sam-4',
  'bk-ada-sam-5',
  'bk-ada-kim-4',
  'bk-ada-sam-6',
] as const;

let demo: RunningDemo;
let browser: Browser;
let laptop: BrowserContext;
let page: Page;

const card = (bookingId: string, on: Page = page) => on.getByTestId(`booking-${bookingId}`);
const shot = (name: string, on: Page = page, fullPage = true) => on.screenshot({ path: `${SHOTS}${name}.png`, fullPage });
/** A screenshot of one card, without the sticky bar over its top. */
const cardShot = async (element: Locator, name: string) => {
  const bar = page.locator('header.bar');
  await bar.evaluate((el) => ((el as HTMLElement).style.visibility = 'hidden'));
  await element.screenshot({ path: `${SHOTS}${name}.png` });
  await bar.evaluate((el) => ((el as HTMLElement).style.visibility = ''));
};
const travel = async (bookingId: string, label: string) => {
  await card(bookingId).getByRole('button', { name: label, exact: true }).click();
  await page.waitForLoadState('networkidle');
};
const joinButton = (view: Locator) => view.getByRole('button', { name: /join session/i });
/** A participant clicks Join session (the meeting opens in a new tab, closed again) and the audit trail says so. */
const joinThroughTheButton = async (bookingId: string, view: 'tutor-view' | 'student-view', recorded: string) => {
  const button = joinButton(card(bookingId).getByTestId(view));
  await expect.poll(() => button.isEnabled()).toBe(true);
  const popup = page.waitForEvent('popup');
  await button.click();
  await (await popup).close();
  await expect.poll(() => events(bookingId).textContent()).toContain(recorded);
};
/** One of a session's "On Zoom" buttons (the demo's Zoom sends its signed webhook to /api/webhooks/zoom). */
const onZoom = (bookingId: string, label: 'Student joins on Zoom' | 'Meeting ends early on Zoom' | 'Webhook arrives 20 min late') =>
  card(bookingId).getByTestId('zoom-actions').getByRole('button', { name: label, exact: true });
const sessionOf = async (bookingId: string) => (await demo.world.core.sessions.getByBooking(bookingId))!;
const events = (bookingId: string) => card(bookingId).getByTestId('events');
const simulatedNow = () => demo.world.clock.now().getTime();
/** The instant the page's clock shows ("25 Nov 2026, 13:35:07 UTC"). */
const parseClock = (text: string) => Date.parse(text.replace(',', '').replace(' UTC', 'Z').replace(/^(\d+) (\w+) (\d+) /, '$2 $1 $3 '));
const tutorCard = (tutorId: string) => page.getByTestId(`tutor-${tutorId}`);
const videoState = (tutorId: string) => tutorCard(tutorId).locator('[data-itutor="video-provider"]').getAttribute('data-state');
const outcomeOf = (tutorId: string) => tutorCard(tutorId).locator('[data-itutor-part="outcome"]');
/** Where a refusal is shown to people: names and reasons, never ids ("tutor-ada") or codes ("PROVIDER_NOT_CONNECTED", "expired_state"). */
const expectPeopleWords = (text: string | null) => {
  expect(text).toBeTruthy();
  expect(text).not.toMatch(/\b(tutor|student)-[a-z]+\b|\b[A-Z]{2,}(_[A-Z]+)+\b|\b[a-z]+_[a-z_]+\b|Refused:/);
};
/** Follows the tutor's "Connect Zoom" / "Reconnect Zoom" link to the fake Zoom's consent page. */
const toZoomConsent = async (tutorId: string, link: string) => {
  await tutorCard(tutorId).getByRole('link', { name: link }).click();
  await page.waitForURL(/\/demo\/fake-zoom\/authorize\?/);
};
/** Answers the consent page and waits for the callback's redirect back to the tutor's card. */
const decide = async (button: 'Allow' | 'Deny', tutorId: string) => {
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/' && url.hash === `#tutor-${tutorId}`);
  await tutorCard(tutorId).waitFor();
};
const noHorizontalScroll = (on: Page) => on.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  demo = await startDemo({ port: 0 });
  browser = await chromium.launch(chromiumLaunchOptions);
  laptop = await browser.newContext({ viewport: LAPTOP });
  page = await laptop.newPage();
  await page.goto(demo.url);
  await card('bk-ada-sam-1').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

describe('demo end to end', () => {
  it('lists the bookings in time order, every instant in one format with its zone', async () => {
    const ids = await page.locator('article[data-testid^="booking-"]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-testid')));
    const byStart = [...demo.world.bookings.values()]
      .sort((a, b) => a.scheduledStartAt.getTime() - b.scheduledStartAt.getTime())
      .map((b) => `booking-${b.bookingId}`);
    expect(ids).toEqual(byStart);
    expect(ids).toEqual([
      'booking-bk-ada-sam-1',
      'booking-bk-ada-kim-1',
      'booking-bk-ben-kim-1',
      'booking-bk-ada-sam-2',
      'booking-bk-ada-kim-2',
      'booking-bk-ada-sam-3',
      'booking-bk-ada-lee-1',
      'booking-bk-ada-max-1',
      'booking-bk-ada-lee-2',
      'booking-bk-ada-kim-3',
      'booking-bk-ada-sam-4',
      'booking-bk-ada-sam-5',
      'booking-bk-ada-kim-4',
      'booking-bk-ada-sam-6',
    ]);

    // Visible text (the raw payloads folded away): no 12-hour times, and every hh:mm is followed by the zone.
    const text = await page.locator('main').evaluate((main) => {
      const copy = main.cloneNode(true) as HTMLElement;
      copy.querySelectorAll('.raw').forEach((raw) => raw.remove());
      return copy.textContent ?? '';
    });
    expect(text).not.toMatch(/\d:\d\d\s?(AM|PM)/i);
    // Countdowns ("Join opens in 11:54:56", lessons hours or days ahead) are durations, not instants: each
    // in the SDK's format (m:ss, then h:mm:ss), and taken out before the instants are checked.
    const countdowns = [...text.matchAll(/ in (\d+:)?\d{1,2}:\d{2}(?!\d)/g)].map((m) => m[0]);
    expect(countdowns.some((c) => /^ in \d{2,}:\d{2}:\d{2}$/.test(c))).toBe(true); // one over ten hours ahead, at least
    const instants = text.replace(/ in (\d+:)?\d{1,2}:\d{2}(?!\d)/g, ' in <countdown>');
    const times = [...instants.matchAll(/\b\d{2}:\d{2}(:\d{2})?\b( UTC)?/g)];
    expect(times.length).toBeGreaterThan(10);
    expect(times.filter((m) => !m[2]).map((m) => m[0])).toEqual([]);
    expect(await page.getByTestId('simulated-time').textContent()).toMatch(/^\d{1,2} \w{3} \d{4}, \d{2}:\d{2}:\d{2} UTC$/);
    expect(await card('bk-ada-sam-1').textContent()).toContain('Audit trail (1 event)');
  });

  it('the student sees the countdown; at T−5 Join enables and clicking records the join', async () => {
    await travel('bk-ada-sam-1', '1 min before Join');
    const student = card('bk-ada-sam-1').getByTestId('student-view');
    await expect.poll(() => student.textContent()).toMatch(/Join opens in 1:0\d|Join opens in 0:5\d/);
    expect(await joinButton(student).isDisabled()).toBe(true);
    await shot('01-countdown-before-join-window');

    await travel('bk-ada-sam-1', 'Join opens');
    await expect.poll(() => joinButton(student).isEnabled()).toBe(true);
    await expect.poll(() => card('bk-ada-sam-1').getByTestId('status').textContent()).toBe('Join open');
    // The README's picture (docs/demo.png): the join window just opened, on a laptop.
    const takenFrom = Date.now();
    await page.screenshot({ path: README_PICTURE });
    expect(statSync(README_PICTURE).mtimeMs).toBeGreaterThanOrEqual(takenFrom - 1000);
    const png = readFileSync(README_PICTURE);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([LAPTOP.width, LAPTOP.height]); // IHDR: width, height
    const popup = page.waitForEvent('popup');
    await joinButton(student).click();
    const meeting = await popup;
    await expect.poll(() => meeting.url()).toContain('/demo/meeting/');
    await meeting.close();
    await expect.poll(() => events('bk-ada-sam-1').textContent()).toContain('Sam joined as the student');
    expect(await card('bk-ada-sam-1').textContent()).toContain('Audit trail (2 events)');
    expect(await card('bk-ada-sam-1').getByTestId('attendance').textContent()).toMatch(/Sam \(student\): joined \d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC/);
    expect(await card('bk-ada-sam-1').getByTestId('status').getAttribute('data-status')).toBe('JOIN_OPEN');
    const stored = await demo.world.core.sessions.getByBooking('bk-ada-sam-1');
    expect(stored?.studentJoinedAt).not.toBeNull();
    await shot('02-student-joined');
  });

  it('shows simulated time from the first paint after a reload, never real time', async () => {
    await travel('bk-ada-sam-2', 'End'); // hours ahead of real time
    const fresh = await laptop.newPage();
    // Record every value the clock shows, from the first paint on; hold the state request back.
    await fresh.addInitScript(() => {
      const seen: string[] = ((window as unknown as { __clockSeen: string[] }).__clockSeen = []);
      const record = () => {
        const text = document.querySelector('[data-testid="simulated-time"]')?.textContent;
        if (text && seen[seen.length - 1] !== text) seen.push(text);
      };
      new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true });
      document.addEventListener('DOMContentLoaded', record);
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await fresh.route('**/demo/state', async (route) => {
      await held;
      await route.continue();
    });
    await fresh.goto(demo.url);
    await card('bk-ada-sam-2', fresh).waitFor();
    await fresh.waitForTimeout(1500); // the clock ticks a few times
    const seen = await fresh.evaluate(() => (window as unknown as { __clockSeen: string[] }).__clockSeen);
    release();
    expect(seen.length).toBeGreaterThan(1);
    for (const text of seen) {
      const shown = parseClock(text);
      expect(Number.isNaN(shown)).toBe(false);
      expect(Math.abs(shown - simulatedNow())).toBeLessThan(10_000);
      expect(Math.abs(shown - Date.now())).toBeGreaterThan(60_000);
    }
    await fresh.close();
  });

  it('the tutor joins, waits, marks a no-show after the wait and sees NO_SHOW_STUDENT with 50 / 45 / 5', async () => {
    // The presence rule: only a tutor who showed up may mark the student absent, so Ada joins first.
    await travel('bk-ada-kim-1', 'Join opens');
    const tutor = card('bk-ada-kim-1').getByTestId('tutor-view');
    await expect.poll(() => joinButton(tutor).isEnabled()).toBe(true);
    const popup = page.waitForEvent('popup');
    await joinButton(tutor).click();
    await (await popup).close();
    await expect.poll(() => events('bk-ada-kim-1').textContent()).toContain('Ada joined as the tutor');
    expect((await sessionOf('bk-ada-kim-1')).tutorJoinedAt).not.toBeNull();

    await travel('bk-ada-kim-1', 'No-show point');
    const trigger = tutor.getByRole('button', { name: /mark no-show/i });
    await expect.poll(() => trigger.isEnabled()).toBe(true);
    expect(await tutor.textContent()).not.toContain('Join the session first');
    await trigger.click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toMatch(/TTD\s75\.00[\s\S]*TTD\s67\.50/);
    await shot('03-no-show-confirmation');
    await dialog.getByRole('button', { name: /mark no-show/i }).click();
    await expect.poll(() => card('bk-ada-kim-1').getAttribute('data-status')).toBe('NO_SHOW_STUDENT');
    const money = card('bk-ada-kim-1').getByTestId('money');
    expect(await money.getByTestId('charged').textContent()).toMatch(/TTD\s75\.00/);
    expect(await money.getByTestId('payout').textContent()).toMatch(/TTD\s67\.50/);
    expect(await money.getByTestId('fee').textContent()).toMatch(/TTD\s7\.50/);
    expect(await events('bk-ada-kim-1').textContent()).toMatch(/Ada marked Kim absent: TTD\s75\.00 to charge/);
    await shot('04-no-show-settled');
  });

  it('settlement at the scheduled end gives COMPLETED_ASSUMED with 100 / 90 / 10', async () => {
    await travel('bk-ada-sam-1', 'End');
    await page.getByTestId('settlement-tick').click();
    await expect.poll(() => page.getByTestId('tick-result').textContent()).toContain('1 session completed');
    await expect.poll(() => card('bk-ada-sam-1').getAttribute('data-status')).toBe('COMPLETED_ASSUMED');
    const money = card('bk-ada-sam-1').getByTestId('money');
    expect(await money.getByTestId('charged').textContent()).toMatch(/TTD\s150\.00/);
    expect(await money.getByTestId('payout').textContent()).toMatch(/TTD\s135\.00/);
    expect(await money.getByTestId('fee').textContent()).toMatch(/TTD\s15\.00/);
    expect(await money.getByTestId('charge-status').getAttribute('data-value')).toBe('succeeded');
    expect(await money.getByTestId('charge-status').textContent()).toBe('Succeeded');
    // Sam joined: "Completed", as the rules say.
    expect(await card('bk-ada-sam-1').getByTestId('status').textContent()).toBe('Completed');
    expect(await card('bk-ada-sam-1').getByTestId('status').getAttribute('data-attendance')).toBeNull();
    await card('bk-ada-sam-1').scrollIntoViewIfNeeded();
    await shot('05-completed-assumed');
  });

  it('the completed session shows its ledger: one attempt with a succeeded Stripe PaymentIntent, no idempotency key', async () => {
    const ledger = card('bk-ada-sam-1').getByTestId('ledger');
    await expect.poll(() => ledger.locator('li').count()).toBe(1);
    const attempt = ledger.getByTestId('attempt-1');
    expect(await attempt.getAttribute('data-status')).toBe('succeeded');
    expect(await attempt.textContent()).toMatch(/Attempt 1: TTD\s150\.00 · pi_\w+ · succeeded$/);
    // The id shown is the PaymentIntent the fake Stripe holds: succeeded, with the outcome's amount, fee and destination.
    const id = await attempt.getByTestId('payment-intent').textContent();
    const session = (await demo.world.core.sessions.getByBooking('bk-ada-sam-1'))!;
    const pi = demo.world.payments.fake.paymentIntents.find((p) => p.id === id);
    // A separate charge (payouts after the review window): the platform takes it all, grouped with the session's transfers.
    expect(pi).toMatchObject({ status: 'succeeded', amount: 15_000, transfer_group: session.id, currency: 'ttd', off_session: true, metadata: { itutor_session_id: session.id } });
    expect(pi).not.toHaveProperty('transfer_data.destination');
    expect(session.chargeReference).toBe(id);
    // Its webhook reached the demo's /api/webhooks/stripe route (deduplicated in stripe_events).
    const succeededEvent = demo.world.payments.fake.events.find((e) => e.type === 'payment_intent.succeeded' && (e.data.object as { id: string }).id === id)!;
    await expect.poll(() => demo.world.database.stripeEvents.remember(succeededEvent.id)).toBe(false);
    // The ledger's idempotency keys never reach the browser.
    const [ledgerRow] = await demo.world.core.charges.list(session.id);
    expect(await page.content()).not.toContain(ledgerRow!.idempotencyKey);
    const state = await (await fetch(`${demo.url}/demo/state`)).text();
    expect(state).toContain(id!);
    expect(state).not.toContain(ledgerRow!.idempotencyKey);
  });

  it("the meeting ends early on Zoom: Zoom's signed meeting.ended reaches the demo's route, and settlement gives EARLY_END_SHORT with no charge", async () => {
    const physics = card('bk-ada-sam-2');
    await travel('bk-ada-sam-2', 'No-show point');
    const session = await sessionOf('bk-ada-sam-2');
    const endsAt = subMinutes(session.scheduledEndAt, 15);
    await onZoom('bk-ada-sam-2', 'Meeting ends early on Zoom').click();
    await expect.poll(() => physics.getByTestId('message').textContent()).toMatch(/ended early on Zoom at .*meeting\.ended at .* → HTTP 200/);
    // Zoom has the end (GET /past_meetings/{id} answers it), and the webhook recorded it on the session.
    expect(demo.world.video.fake.meetings.get(Number(session.meetingId))?.ended?.end_time).toBe(endsAt.toISOString());
    expect((await demo.world.core.sessions.get(session.id))?.meetingEndedAt).toEqual(endsAt);
    await expect.poll(() => events('bk-ada-sam-2').textContent()).toContain('reported the meeting ended');
    expect(await physics.getByTestId('attendance').textContent()).toContain('Meeting ended');
    // The meeting is over on Zoom: nothing more can happen there.
    await expect.poll(() => physics.getByTestId('zoom-actions').count()).toBe(0);

    await travel('bk-ada-sam-2', 'End');
    await page.getByTestId('settlement-tick').click();
    await expect.poll(() => physics.getAttribute('data-status')).toBe('EARLY_END_SHORT');
    const money = physics.getByTestId('money');
    expect(await money.getByTestId('charged').textContent()).toMatch(/TTD\s0\.00/);
    expect(await money.getByTestId('charge-status').textContent()).toBe('Nothing to charge');
    expect(demo.world.gateway.instructions.filter((i) => i.bookingId === 'bk-ada-sam-2')).toHaveLength(0);
    await physics.scrollIntoViewIfNeeded();
    await shot('06-early-end-short');
  });

  it('a webhook with a wrong signature is refused by the route and changes nothing', async () => {
    const session = await sessionOf('bk-ada-sam-2');
    const body = JSON.stringify({ event: 'meeting.ended', event_ts: Date.now(), payload: { object: { id: session.meetingId, uuid: 'x', end_time: new Date().toISOString() } } });
    const answer = await fetch(`${demo.url}/api/webhooks/zoom`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': String(Math.floor(simulatedNow() / 1000)), 'x-zm-signature': `v0=${'0'.repeat(64)}` },
      body,
    });
    expect(answer.status).toBe(401);
    expect((await demo.world.core.sessions.listEvents(session.id)).filter((e) => e.type.startsWith('session.meeting_end'))).toHaveLength(1);
  });

  it('a booking with the unconnected tutor is refused with the reason', async () => {
    await card('bk-ben-kim-1').getByTestId('confirm-booking').click();
    const message = card('bk-ben-kim-1').getByTestId('message');
    await expect.poll(() => message.getAttribute('data-code')).toBe('PROVIDER_NOT_CONNECTED');
    expect(await message.textContent()).toBe(
      'Ben has not connected Zoom yet, so there is no meeting link to give this session. Connect Zoom on Ben’s card above, then confirm again.',
    );
    expectPeopleWords(await message.textContent());
    expect(await demo.world.core.sessions.getByBooking('bk-ben-kim-1')).toBeNull();
    expect(await card('bk-ben-kim-1').getByTestId('status').textContent()).toBe('Awaiting confirmation');
    await card('bk-ben-kim-1').scrollIntoViewIfNeeded();
    await shot('07-booking-refused');
  });

  it('confirming a booking changes its status; the title stays the subject', async () => {
    const biology = card('bk-ada-kim-2');
    expect(await biology.getByTestId('status').textContent()).toBe('Awaiting confirmation');
    await biology.getByTestId('confirm-booking').click();
    await expect.poll(() => biology.getByTestId('status').textContent()).toBe('Scheduled');
    expect(await biology.getByRole('heading', { level: 2 }).textContent()).toBe('Biology');
    expect(await biology.textContent()).not.toMatch(/not confirmed|awaiting/i);
    expect(await biology.getByTestId('message').textContent()).toContain('Booking confirmed');
  });

  it("Kim joins on Zoom: the signed participant_joined is matched to the student, and Ada's no-show is refused with Zoom as the source", async () => {
    const biology = card('bk-ada-kim-2');
    expect(await biology.getByTestId('zoom-actions').count()).toBe(0); // before the join window nothing happens on Zoom
    expect(await biology.getByTestId('attendance-timeline-empty').textContent()).toContain('No join or leave reported');
    await travel('bk-ada-kim-2', 'Join opens');
    await onZoom('bk-ada-kim-2', 'Student joins on Zoom').click();
    await expect.poll(() => biology.getByTestId('message').textContent()).toMatch(
      /Kim joined the Zoom call at .*meeting\.started at .* → HTTP 200; meeting\.participant_joined at .* → HTTP 200\./,
    );
    // The attendance timeline beside the audit trail: who, joined, the source, at Zoom's time.
    const timeline = biology.getByTestId('attendance-timeline');
    await expect.poll(() => timeline.locator('li').count()).toBe(1);
    expect(await timeline.locator('li').first().textContent()).toMatch(/^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTCKim \(student\) joined · Zoom$/);
    expect(await timeline.locator('li').first().getAttribute('data-role')).toBe('student');
    expect(await biology.getByTestId('attendance').textContent()).toMatch(/Kim \(student\): joined .* UTC \(Zoom report\)/);
    expect(await events('bk-ada-kim-2').textContent()).toContain('Zoom reported the student joined');
    // Zoom's API agrees with its webhook: the meeting is live (settlement would otherwise read "never started").
    expect(demo.world.video.fake.meetings.get(Number((await sessionOf('bk-ada-kim-2')).meetingId))?.status).toBe('started');
    expect(await biology.textContent()).not.toContain('kim@zoom.example'); // e-mails stay on the server
    const session = await sessionOf('bk-ada-kim-2');
    expect(session.studentJoinedAt).toBeNull(); // not through the Join button: Zoom's report is the only evidence
    expect(await demo.world.core.attendance.list(session.id)).toMatchObject([
      { provider: 'zoom', role: 'student', kind: 'joined', participantEmail: 'kim@zoom.example', participantName: 'Kim' },
    ]);
    await expect.poll(() => onZoom('bk-ada-kim-2', 'Student joins on Zoom').count()).toBe(0); // once

    await travel('bk-ada-kim-2', 'No-show point');
    // The tutor's screen reads the session's attendance (the SDK's route) and passes Zoom's report to the
    // button as providerStudentJoinedAt: no button to press, and the reason beside it.
    const tutorView = biology.getByTestId('tutor-view');
    await expect.poll(() => tutorView.locator('[data-itutor="attendance"]').textContent()).toBe('The student is in the meeting.');
    expect(await tutorView.locator('[data-itutor="attendance"]').getAttribute('data-state')).toBe('in-meeting');
    await page.waitForTimeout(1200); // a tick of the clock: the button stays hidden
    expect(await tutorView.getByRole('button', { name: /mark no-show/i }).count()).toBe(0);
    await biology.getByTestId('tutor-view').screenshot({ path: `${SHOTS}07b-no-show-hidden-zoom-join.png` });
    expect((await demo.world.core.sessions.get(session.id))?.status).not.toBe('NO_SHOW_STUDENT');
    expect(demo.world.gateway.instructions.filter((i) => i.bookingId === 'bk-ada-kim-2')).toHaveLength(0);
    // The route's problem names the source of the evidence and when the student joined.
    const answer = await fetch(`${demo.url}/api/sessions/${session.id}/mark-no-show`, { method: 'POST', headers: { 'x-demo-user': PEOPLE_IDS.ada } });
    expect(answer.status).toBe(409);
    const [joined] = await demo.world.core.attendance.list(session.id);
    expect(await answer.json()).toMatchObject({ code: 'STUDENT_JOINED', source: 'provider', studentJoinedAt: joined!.occurredAt.toISOString() });
  });

  it('Ben connects Zoom through the fake Zoom: Deny comes back with "denied" and changes nothing', async () => {
    const ben = PEOPLE_IDS.ben;
    expect(await videoState(ben)).toBe('none');
    expect(await tutorCard(ben).textContent()).toContain('You cannot accept bookings until you connect Zoom');
    const tokenCalls = demo.world.video.fake.count('token');
    await toZoomConsent(ben, 'Connect Zoom');
    expect(new URL(page.url()).searchParams.get('code_challenge_method')).toBe('S256'); // PKCE, from the SDK's connect route
    expect(await page.getByTestId('zoom-account').textContent()).toBe('ben@zoom.example');
    await shot('08-fake-zoom-consent', page, false);
    await decide('Deny', ben);
    await expect.poll(() => outcomeOf(ben).textContent()).toBe('Permission was not given, so nothing changed.');
    expect(await outcomeOf(ben).getAttribute('data-outcome')).toBe('denied');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-itutor-part'))).toBe('outcome');
    await expect.poll(() => new URL(page.url()).search).toBe(''); // read once, then out of the address bar
    expect(await videoState(ben)).toBe('none');
    expect(await demo.world.core.providers.get(ben)).toBeNull();
    expect(demo.world.video.fake.count('token')).toBe(tokenCalls); // no code was exchanged
    await shot('09-connect-denied', page, false);
  });

  let usedCallback = '';

  it('Ben connects Zoom via Allow, sees "connected", and his booking is then accepted with a working Join', async () => {
    const ben = PEOPLE_IDS.ben;
    await toZoomConsent(ben, 'Connect Zoom');
    const callback = page.waitForRequest((request) => request.url().includes('/api/providers/zoom/callback?'));
    await decide('Allow', ben);
    usedCallback = (await callback).url();
    await expect.poll(() => outcomeOf(ben).textContent()).toBe('Your video provider is connected.');
    expect(await videoState(ben)).toBe('connected');
    expect(await tutorCard(ben).textContent()).toMatch(/Zoom is connected.*Connected on \d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC/);
    expect(await tutorCard(ben).textContent()).not.toContain('cannot accept bookings');
    expect(await tutorCard(ben).getByRole('link').count()).toBe(0); // Zoom only, connected: nothing to offer, never a disconnect
    const stored = await demo.world.core.providers.get(ben);
    expect(stored).toMatchObject({ provider: 'zoom', status: 'connected' });
    await shot('10-connect-allowed', page, false);

    const history = card('bk-ben-kim-1');
    await history.getByTestId('confirm-booking').click();
    await expect.poll(() => history.getAttribute('data-status')).toBe('SCHEDULED');
    // The meeting was made at the fake Zoom, on Ben's account, with the token from his consent.
    expect([...demo.world.video.fake.meetings.values()].filter((m) => m.user === 'ben@zoom.example')).toHaveLength(1);
    await travel('bk-ben-kim-1', 'Join opens');
    const tutor = history.getByTestId('tutor-view');
    await expect.poll(() => joinButton(tutor).isEnabled()).toBe(true);
    const popup = page.waitForEvent('popup');
    await joinButton(tutor).click();
    const meeting = await popup;
    await expect.poll(() => meeting.url()).toMatch(/\/demo\/meeting\/\d+\?provider=zoom$/);
    await meeting.close();
    await expect.poll(() => events('bk-ben-kim-1').textContent()).toContain('Ben joined as the tutor');
  });

  it('a used OAuth callback opened again (Back, a reload) changes nothing and says so in words, not an error code', async () => {
    const ben = PEOPLE_IDS.ben;
    const before = await demo.world.core.providers.get(ben);
    await page.goto(usedCallback);
    await page.waitForURL((url) => url.pathname === '/' && url.hash === `#tutor-${ben}`);
    await expect.poll(() => outcomeOf(ben).textContent()).toBe(
      'That connection attempt expired or was already used, so nothing changed. Please try again.',
    );
    expect(await outcomeOf(ben).getAttribute('data-outcome')).toBe('expired_state');
    expect(await page.locator('main').textContent()).not.toContain('expired_state');
    expect(page.url()).not.toContain('expired_state'); // read once, then out of the address bar
    expect(await demo.world.core.providers.get(ben)).toEqual(before);
  });

  it("Ada removes the app in Zoom: her next booking is refused with the reason, her card explains it, Reconnect fixes it", async () => {
    const ada = PEOPLE_IDS.ada;
    expect(await videoState(ada)).toBe('connected');
    await tutorCard(ada).getByTestId('revoke-zoom').click();
    await expect.poll(() => tutorCard(ada).getByTestId('tutor-message').textContent()).toContain('revoked');
    expect(await videoState(ada)).toBe('connected'); // nobody knows yet: the next call to Zoom finds out

    const geometry = card('bk-ada-sam-3');
    await geometry.getByTestId('confirm-booking').click();
    await expect.poll(() => geometry.getByTestId('message').getAttribute('data-code')).toBe('PROVIDER_NOT_CONNECTED');
    expect(await geometry.getByTestId('message').textContent()).toBe(
      'Ada’s Zoom connection has stopped working: Zoom refused its refresh token (the app was removed in Zoom, or the sign-in was revoked). ' +
        'Ada must reconnect Zoom on the card above before accepting bookings; then confirm again.',
    );
    expectPeopleWords(await geometry.getByTestId('message').textContent());
    expect(await demo.world.core.sessions.getByBooking('bk-ada-sam-3')).toBeNull();
    await expect.poll(() => videoState(ada)).toBe('invalid');
    const text = await tutorCard(ada).textContent();
    expect(text).toContain('Zoom connection is no longer valid');
    expect(text).toMatch(/Stopped working on \d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC/);
    expect(text).toContain('You cannot accept bookings until you reconnect Zoom: every session needs a meeting link from it.');
    expect(await tutorCard(ada).getByRole('link', { name: 'Reconnect Zoom' }).count()).toBe(1);
    expect(await demo.world.core.providers.get(ada)).toMatchObject({ status: 'invalid' });
    await tutorCard(ada).scrollIntoViewIfNeeded();
    await shot('11-connection-invalid', page, false);

    // A second booking gets the same refusal, without asking Zoom again.
    const refreshes = demo.world.video.fake.count('token');
    await page.reload();
    await card('bk-ada-sam-3').getByTestId('confirm-booking').click();
    await expect.poll(() => card('bk-ada-sam-3').getByTestId('message').getAttribute('data-code')).toBe('PROVIDER_NOT_CONNECTED');
    expect(await card('bk-ada-sam-3').getByTestId('message').textContent()).toMatch(/^Ada’s Zoom connection has stopped working/);
    expect(demo.world.video.fake.count('token')).toBe(refreshes);

    await toZoomConsent(ada, 'Reconnect Zoom');
    expect(await page.getByTestId('zoom-account').textContent()).toBe('ada@zoom.example');
    await decide('Allow', ada);
    await expect.poll(() => outcomeOf(ada).textContent()).toBe('Your video provider is connected.');
    expect(await videoState(ada)).toBe('connected');
    await card('bk-ada-sam-3').getByTestId('confirm-booking').click();
    await expect.poll(() => card('bk-ada-sam-3').getAttribute('data-status')).toBe('SCHEDULED');
  });

  it('the meeting ends early on Zoom but its webhook arrives 20 min late: settlement asked Zoom first (EARLY_END_SHORT, no charge); the late webhook is recorded and changes nothing', async () => {
    const geometry = card('bk-ada-sam-3');
    await travel('bk-ada-sam-3', 'Join opens');
    const session = await sessionOf('bk-ada-sam-3');
    const endedAt = subMinutes(session.scheduledEndAt, 15);
    const pastMeetingReads = demo.world.video.fake.count('zoom.pastMeeting');
    await onZoom('bk-ada-sam-3', 'Webhook arrives 20 min late').click();
    await expect.poll(() => geometry.getAttribute('data-status')).toBe('EARLY_END_SHORT');
    const message = (await geometry.getByTestId('message').textContent()) ?? '';
    expect(message).toContain('its webhook was held back 20 minutes');
    expect(message).toMatch(/Settlement run: .*1 session ended early/);
    expect(message).toMatch(/meeting\.ended at .* → HTTP 200\. The session is now “Ended early”\.$/);
    // Simulated time moved on 20 minutes past the end on Zoom; settlement read Zoom's past meeting meanwhile.
    expect(Math.abs(simulatedNow() - (endedAt.getTime() + 20 * 60_000))).toBeLessThan(60_000);
    expect(demo.world.video.fake.count('zoom.pastMeeting')).toBeGreaterThan(pastMeetingReads);

    const money = geometry.getByTestId('money');
    expect(await money.getByTestId('charged').textContent()).toMatch(/TTD\s0\.00/);
    expect(await money.getByTestId('charge-status').textContent()).toBe('Nothing to charge');
    expect(demo.world.gateway.instructions.filter((i) => i.bookingId === 'bk-ada-sam-3')).toHaveLength(0);

    // The late webhook reached the route and was recorded after the settlement, changing nothing.
    await expect.poll(() => events('bk-ada-sam-3').textContent()).toContain('the session was already settled, so the late report changed nothing');
    const log = await demo.world.core.sessions.listEvents(session.id);
    const settled = log.findIndex((e) => e.type === 'session.settled');
    const ignored = log.findIndex((e) => e.type === 'session.meeting_end_ignored');
    expect(settled).toBeGreaterThanOrEqual(0);
    expect(ignored).toBeGreaterThan(settled);
    expect(log[settled]!.payload).toMatchObject({ outcome: 'EARLY_END_SHORT' });
    // Settlement learnt the end from Zoom (reconciliation), in the same write as the outcome.
    const reconciled = log.findIndex((e) => e.type === 'session.meeting_ended');
    expect(reconciled).toBeGreaterThanOrEqual(0);
    expect(reconciled).toBeLessThan(settled);
    expect(log[reconciled]!.payload).toMatchObject({ endedAt: endedAt.toISOString(), source: 'reconciliation' });
    expect(await events('bk-ada-sam-3').textContent()).toContain('Settlement asked the video provider before deciding');
    expect(log[ignored]!.payload).toMatchObject({ provider: 'zoom', reason: 'session_final', endedAt: endedAt.toISOString() });
    expect(await demo.world.core.sessions.get(session.id)).toMatchObject({ status: 'EARLY_END_SHORT', chargeAmountMinor: 0 });
    await geometry.scrollIntoViewIfNeeded();
    await shot('11b-late-webhook');
  });

  it("Lee's card is declined: the ledger shows the declined PaymentIntent, and the next tick after the retry wait opens attempt 2", async () => {
    const lee = card('bk-ada-lee-1');
    expect(await lee.textContent()).toContain('a card that is declined (insufficient funds)');
    // Both come to the lesson, so it is charged in full at the end (a lesson nobody joins is not: see Lee's second one).
    await travel('bk-ada-lee-1', 'Join opens');
    await joinThroughTheButton('bk-ada-lee-1', 'tutor-view', 'Ada joined as the tutor');
    await joinThroughTheButton('bk-ada-lee-1', 'student-view', 'Lee joined as the student');
    await travel('bk-ada-lee-1', 'End');
    await page.getByTestId('settlement-tick').click();
    await expect.poll(() => lee.getAttribute('data-status')).toBe('COMPLETED_ASSUMED');
    const first = lee.getByTestId('attempt-1');
    await expect.poll(() => first.getAttribute('data-status')).toBe('failed');
    expect(await first.textContent()).toMatch(/Attempt 1: TTD\s150\.00 · pi_\w+ · declined \(insufficient_funds\)$/);
    const declinedId = await first.getByTestId('payment-intent').textContent();
    const declined = demo.world.payments.fake.paymentIntents.find((p) => p.id === declinedId);
    expect(declined).toMatchObject({ status: 'requires_payment_method', last_payment_error: { decline_code: 'insufficient_funds' } });
    // Still owed (chargeStatus pending), but not "Pending": the money panel says the card was declined.
    expect(await lee.getByTestId('charge-status').getAttribute('data-value')).toBe('pending');
    expect(await lee.getByTestId('charge-status').textContent()).toBe(
      'Declined (insufficient_funds): a new attempt follows at the next settlement run after the retry wait',
    );
    expect(await lee.getByTestId('charge-status').textContent()).not.toMatch(/pending/i);
    // Both joined: "Completed", the lesson took place; only the card failed.
    expect(await lee.getByTestId('status').textContent()).toBe('Completed');
    expect(await lee.getByTestId('status').getAttribute('data-attendance')).toBeNull();
    await expect.poll(() => events('bk-ada-lee-1').textContent()).toContain('Charge declined (insufficient_funds); a new attempt follows');
    await cardShot(lee, '12-card-declined');

    // Too early for a retry: nothing new. Five minutes later the next tick opens attempt 2 under a new key.
    await page.getByTestId('settlement-tick').click();
    await page.waitForLoadState('networkidle');
    expect(await lee.getByTestId('ledger').locator('li').count()).toBe(1);
    await page.getByRole('button', { name: '+5 min', exact: true }).click();
    await page.getByTestId('settlement-tick').click();
    await expect.poll(() => lee.getByTestId('ledger').locator('li').count()).toBe(2);
    expect(await lee.getByTestId('attempt-2').getAttribute('data-status')).toBe('failed');
    const ids = await lee.getByTestId('payment-intent').allTextContents();
    expect(new Set(ids).size).toBe(2);
  });

  it("Lee's charge fails for good after the fifth decline: the money panel says it needs attention, the core lists it", async () => {
    const lee = card('bk-ada-lee-1');
    for (const attempt of [3, 4, 5]) {
      await page.getByRole('button', { name: '+5 min', exact: true }).click();
      await page.getByTestId('settlement-tick').click();
      await expect.poll(() => lee.getByTestId('ledger').locator('li').count()).toBe(attempt);
    }
    const status = lee.getByTestId('charge-status');
    await expect.poll(() => status.getAttribute('data-value')).toBe('failed');
    expect(await status.textContent()).toBe('Needs attention: all 5 attempts were declined (insufficient_funds). A person must look at it.');
    expect(await status.getAttribute('data-tone')).toBe('attention');
    await expect.poll(() => page.getByTestId('tick-result').textContent()).toContain('1 charge needing attention');
    expect(await sessionOf('bk-ada-lee-1')).toMatchObject({ chargeStatus: 'failed' });
    await cardShot(lee, '12b-needs-attention');
  });

  it("Max's bank asks for authentication: never charged off-session again; Max completes the payment on the fake 3-D Secure page, charged once", async () => {
    const max = card('bk-ada-max-1');
    // Both come to the lesson, so it is charged at the end.
    await travel('bk-ada-max-1', 'Join opens');
    await joinThroughTheButton('bk-ada-max-1', 'tutor-view', 'Ada joined as the tutor');
    await joinThroughTheButton('bk-ada-max-1', 'student-view', 'Max joined as the student');
    await travel('bk-ada-max-1', 'End');
    await page.getByTestId('settlement-tick').click();
    await expect.poll(() => max.getByTestId('attempt-1').getAttribute('data-status')).toBe('failed');
    expect(await max.getByTestId('attempt-1').textContent()).toMatch(/Attempt 1: TTD\s125\.00 · pi_\w+ · declined \(authentication_required\)$/);
    await expect.poll(() => max.getByTestId('payment-notice').textContent()).toBe(
      'Max’s bank asks for authentication: the host emailed Max a link to confirm the card (3-D Secure) on-session.',
    );
    await expect.poll(() => max.getByTestId('charge-status').textContent()).toMatch(/^Waiting for Max: the bank wants the student to confirm the payment/);
    await expect.poll(() => events('bk-ada-max-1').textContent()).toContain('never charged off-session again');
    await max.scrollIntoViewIfNeeded();
    await shot('13-authentication-required');
    // Ticks long after the retry wait send nothing off-session.
    const session = await sessionOf('bk-ada-max-1');
    const offSession = () => demo.world.payments.gateway.instructions.filter((i) => i.sessionId === session.id).length;
    const sentBefore = offSession();
    demo.world.clock.advance(30);
    await page.getByTestId('settlement-tick').click();
    await page.waitForLoadState('networkidle');
    expect(offSession()).toBe(sentBefore);
    expect(await sessionOf('bk-ada-max-1')).toMatchObject({ chargeStatus: 'awaiting_customer', chargeAttempts: 1 });

    // Max's screen: the SDK's CompletePaymentButton; the host's confirm opens the bank's 3-D Secure page.
    const student = max.getByTestId('student-view');
    await expect.poll(() => student.textContent()).toContain('Your bank asks you to confirm the payment of TTD');
    await student.getByRole('button', { name: /Complete payment of TTD\s125\.00/ }).click();
    const bank = page.frameLocator('dialog.three-d-secure iframe');
    await bank.getByRole('button', { name: 'Complete authentication' }).waitFor();
    await shot('13b-three-d-secure');
    await bank.getByRole('button', { name: 'Complete authentication' }).click();
    await expect.poll(() => student.textContent()).toContain('Payment complete.');
    await expect.poll(() => max.getByTestId('charge-status').textContent()).toBe('Succeeded');
    await expect.poll(() => max.getByTestId('attempt-2').getAttribute('data-status')).toBe('succeeded');
    const paid = await sessionOf('bk-ada-max-1');
    expect(paid).toMatchObject({ chargeStatus: 'succeeded', chargeAttempts: 2 });
    // Charged once: one succeeded PaymentIntent (the on-session one), and the tick after it takes nothing more.
    const intents = () => demo.world.payments.fake.paymentIntents.filter((p) => p.metadata.itutor_session_id === session.id);
    expect(intents().filter((p) => p.status === 'succeeded')).toHaveLength(1);
    expect(intents().find((p) => p.status === 'succeeded')).toMatchObject({ id: paid.chargeReference, amount: 12_500, off_session: false });
    await page.getByTestId('settlement-tick').click();
    await page.waitForLoadState('networkidle');
    expect(intents().filter((p) => p.status === 'succeeded')).toHaveLength(1);
    expect(demo.world.payments.fake.charges.filter((c) => intents().some((p) => p.id === c.payment_intent))).toHaveLength(1);
    await cardShot(max, '13c-payment-completed');
  });

  it("Sam disputes the Algebra payment at his bank: Pat sees the chargeback, the evidence staged from the records (as text), and submits it", async () => {
    const algebra = card('bk-ada-sam-1');
    await expect.poll(() => algebra.getByTestId('charge-status').textContent()).toBe('Succeeded');
    const disputes = algebra.getByTestId('disputes');
    await disputes.getByTestId('bank-dispute').click();
    await page.waitForLoadState('networkidle');
    const chargebacks = disputes.getByTestId('chargebacks');
    await expect.poll(() => chargebacks.textContent()).toContain('Staged evidence');
    const text = (await chargebacks.textContent())!;
    // Readable evidence, field by field, built only from what the SDK recorded; no JSON, no ids or e-mails.
    for (const heading of ['Service date', 'Product description', 'Access activity log', 'Cancellation policy', 'Refund policy']) expect(text).toContain(heading);
    expect(text).toMatch(/joined with the Join button/i);
    expect(text).not.toMatch(/[{}"]|student-sam|tutor-ada|@students/);
    // Participants see only that a chargeback exists.
    await expect.poll(() => events('bk-ada-sam-1').textContent()).toContain('Sam disputed the payment with their bank');
    expect(await disputes.getByTestId('dispute-student').textContent()).not.toMatch(/Staged evidence|product_not_received/);
    const session = await sessionOf('bk-ada-sam-1');
    const [chargeback] = await demo.world.core.chargebacks.list(session.id);
    expect(chargeback).toMatchObject({ status: 'needs_response', evidence: 'staged', amountMinor: 15_000 });
    const atStripe = demo.world.payments.fake.disputes.find((d) => d.id === chargeback!.reference)!;
    expect(atStripe.evidence_details.submission_count).toBe(0);
    expect(atStripe.evidence.service_date).toBe(chargeback!.stagedEvidence!.service_date);
    // The same evidence as a PDF, uploaded through the Files API (purpose dispute_evidence).
    const file = demo.world.payments.fake.files.find((f) => f.id === atStripe.evidence.uncategorized_file);
    expect(file).toMatchObject({ purpose: 'dispute_evidence', type: 'pdf', filename: 'session-evidence.pdf' });
    await cardShot(disputes, '26-chargeback-staged');

    // Pat submits: the SDK's dialog says it is final; the evidence goes to the bank once.
    await chargebacks.getByRole('button', { name: 'Submit evidence' }).click();
    const dialog = page.getByRole('alertdialog');
    await expect.poll(() => dialog.textContent()).toMatch(/Submitting is final/);
    await dialog.getByRole('button', { name: 'Submit evidence' }).click();
    await expect.poll(() => chargebacks.textContent()).toMatch(/Submitted by Pat/);
    expect(await demo.world.core.chargebacks.list(session.id)).toEqual([expect.objectContaining({ evidence: 'submitted', submittedBy: 'ops-pat' })]);
    expect(demo.world.payments.fake.disputes.find((d) => d.id === chargeback!.reference)!.evidence_details.submission_count).toBe(1);
    await cardShot(disputes, '27-chargeback-submitted');
  });

  it("nobody joins Lee's second lesson: both screens say join first, and settlement asks Zoom, which says the meeting never started: NOBODY_JOINED, nothing charged", async () => {
    const lesson = card('bk-ada-lee-2');
    const session = await sessionOf('bk-ada-lee-2');
    await travel('bk-ada-lee-2', 'No-show point');
    // The presence rule on both screens: neither may report the other absent without having joined.
    const tutorView = lesson.getByTestId('tutor-view');
    const studentView = lesson.getByTestId('student-view');
    await expect.poll(() => tutorView.locator('[data-itutor="no-show"]').getAttribute('data-state')).toBe('not-present');
    expect(await tutorView.getByRole('button', { name: /mark no-show/i }).isDisabled()).toBe(true);
    expect(await tutorView.textContent()).toContain('Join the session first to mark the student absent.');
    await expect.poll(() => studentView.locator('[data-itutor="tutor-absent"]').getAttribute('data-state')).toBe('not-present');
    expect(await studentView.getByRole('button', { name: 'Report tutor absent' }).isDisabled()).toBe(true);
    expect(await studentView.textContent()).toContain('Join the session first to report your tutor absent.');
    await cardShot(lesson.getByTestId('tutor-view').locator('..'), '15-join-first');
    // The server says the same: a tutor who never joined cannot mark the student absent.
    const refused = await fetch(`${demo.url}/api/sessions/${session.id}/mark-no-show`, { method: 'POST', headers: { 'x-demo-user': PEOPLE_IDS.ada } });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'TUTOR_NOT_PRESENT' });

    // At the end, settlement asks Zoom: no past meeting, and the meeting itself is still "waiting".
    const reads = { past: demo.world.video.fake.count('zoom.pastMeeting'), meeting: demo.world.video.fake.count('zoom.getMeeting') };
    await travel('bk-ada-lee-2', 'End');
    await page.getByTestId('settlement-tick').click();
    await expect.poll(() => page.getByTestId('tick-result').textContent()).toContain('1 session settled as nobody joined');
    await expect.poll(() => lesson.getAttribute('data-status')).toBe('NOBODY_JOINED');
    expect(demo.world.video.fake.count('zoom.pastMeeting')).toBeGreaterThan(reads.past);
    expect(demo.world.video.fake.count('zoom.getMeeting')).toBeGreaterThan(reads.meeting);
    expect(demo.world.video.fake.meetings.get(Number(session.meetingId))?.status).toBe('waiting');
    expect(demo.world.video.fake.meetings.get(Number(session.meetingId))?.ended).toBeUndefined();
    // What people see: "Nobody joined", not a green "Completed"; nothing to pay, and Lee's declined card is never tried.
    expect(await lesson.getByTestId('status').textContent()).toBe('Nobody joined');
    expect(await lesson.getByTestId('status').evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe(
      await card('bk-ada-sam-1').getByTestId('status').evaluate((el) => getComputedStyle(el).backgroundColor),
    );
    const money = lesson.getByTestId('money');
    expect(await money.getByTestId('charged').textContent()).toMatch(/TTD\s0\.00/);
    expect(await money.getByTestId('payout').textContent()).toMatch(/TTD\s0\.00/);
    expect(await money.getByTestId('charge-status').textContent()).toBe('Nothing to charge');
    expect(await lesson.getByTestId('ledger-empty').count()).toBe(1);
    await expect.poll(() => events('bk-ada-lee-2').textContent()).toContain('Settled as “Nobody joined” (Zoom said the meeting never started): TTD');
    // Stored: the outcome, its evidence, no charge sent.
    expect(await sessionOf('bk-ada-lee-2')).toMatchObject({ status: 'NOBODY_JOINED', chargeAmountMinor: 0, payoutAmountMinor: 0, chargeStatus: 'none' });
    const settled = (await demo.world.core.sessions.listEvents(session.id)).find((e) => e.type === 'session.settled');
    expect(settled?.payload).toMatchObject({ outcome: 'NOBODY_JOINED', evidence: 'never_started', chargeMinor: 0 });
    expect(demo.world.gateway.instructions.filter((i) => i.bookingId === 'bk-ada-lee-2')).toHaveLength(0);
    expect(demo.world.payments.fake.paymentIntents.filter((p) => p.metadata.itutor_session_id === session.id)).toHaveLength(0);
    await cardShot(lesson, '16-nobody-joined');
  });

  it("Ada never joins Kim's Spanish lesson: Kim joins, waits, and reports the tutor absent: NO_SHOW_TUTOR, nothing charged", async () => {
    const spanish = card('bk-ada-kim-3');
    const session = await sessionOf('bk-ada-kim-3');
    const studentView = spanish.getByTestId('student-view');
    const report = studentView.getByRole('button', { name: 'Report tutor absent', exact: true });
    await travel('bk-ada-kim-3', 'Join opens');
    await joinThroughTheButton('bk-ada-kim-3', 'student-view', 'Kim joined as the student');
    // Kim waits: the report opens when the no-show wait is over, the same instant a tutor's no-show would.
    await expect.poll(() => studentView.textContent()).toMatch(/You can report your tutor absent in \d+:\d\d/);
    expect(await report.isDisabled()).toBe(true);

    await travel('bk-ada-kim-3', 'No-show point');
    await expect.poll(() => report.isEnabled()).toBe(true);
    // Kim joined in time, so Ada's screen offers no no-show.
    expect(await spanish.getByTestId('tutor-view').getByRole('button', { name: /mark no-show/i }).count()).toBe(0);
    await report.click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toContain('The session ends now and nothing is charged: you pay nothing.');
    await shot('17-report-tutor-absent', page, false);
    await dialog.getByRole('button', { name: 'Report tutor absent', exact: true }).click();
    await expect.poll(() => spanish.getAttribute('data-status')).toBe('NO_SHOW_TUTOR');
    expect(await studentView.textContent()).toContain('Tutor absence reported. You will not be charged.');
    expect(await spanish.getByTestId('status').textContent()).toBe('Tutor no-show');
    // The money panel: nothing to pay, nothing paid out.
    const money = spanish.getByTestId('money');
    expect(await money.getByTestId('charged').textContent()).toMatch(/TTD\s0\.00/);
    expect(await money.getByTestId('payout').textContent()).toMatch(/TTD\s0\.00/);
    expect(await money.getByTestId('fee').textContent()).toMatch(/TTD\s0\.00/);
    expect(await money.getByTestId('charge-status').textContent()).toBe('Nothing to charge');
    await expect.poll(() => events('bk-ada-kim-3').textContent()).toMatch(/Kim reported Ada absent: TTD\s0\.00 to charge/);
    // Stored: the outcome, by Kim, and no charge anywhere.
    expect(await sessionOf('bk-ada-kim-3')).toMatchObject({ status: 'NO_SHOW_TUTOR', chargeAmountMinor: 0, payoutAmountMinor: 0, chargeStatus: 'none', tutorJoinedAt: null });
    const marked = (await demo.world.core.sessions.listEvents(session.id)).find((e) => e.type === 'session.tutor_no_show_marked');
    expect(marked).toMatchObject({ actor: 'student-kim', payload: { outcome: 'NO_SHOW_TUTOR', chargeMinor: 0 } });
    expect(demo.world.gateway.instructions.filter((i) => i.bookingId === 'bk-ada-kim-3')).toHaveLength(0);
    expect(demo.world.payments.fake.paymentIntents.filter((p) => p.metadata.itutor_session_id === session.id)).toHaveLength(0);
    await cardShot(spanish, '18-tutor-no-show');
  });

  it('Sam cancels the Calculus lesson less than 24 hours ahead: the dialog states TTD 75.00, and that exact fee is charged at once (CANCELLED_LATE)', async () => {
    const calculus = card('bk-ada-sam-4');
    const session = await sessionOf('bk-ada-sam-4');
    const ahead = session.scheduledStartAt.getTime() - simulatedNow();
    expect(ahead).toBeGreaterThan(0);
    expect(ahead).toBeLessThan(24 * 60 * 60_000); // inside the last 24 hours: the student's 50 % tier
    const intents = demo.world.payments.fake.paymentIntents.length;
    await calculus.getByTestId('student-view').getByRole('button', { name: 'Cancel session', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toMatch(/You will be charged TTD\s75\.00 \(50\s?%\)\./);
    await shot('19-late-cancel-fee', page, false);
    await dialog.getByRole('button', { name: 'Cancel session', exact: true }).click();
    await expect.poll(() => calculus.getAttribute('data-status')).toBe('CANCELLED_LATE');
    expect(await calculus.getByTestId('student-view').textContent()).toContain('Session cancelled.');
    expect(await calculus.getByTestId('status').textContent()).toBe('Cancelled late');
    const money = calculus.getByTestId('money');
    expect(await money.getByTestId('charged').textContent()).toMatch(/TTD\s75\.00/);
    expect(await money.getByTestId('payout').textContent()).toMatch(/TTD\s67\.50/);
    expect(await money.getByTestId('fee').textContent()).toMatch(/TTD\s7\.50/);
    await expect.poll(() => money.getByTestId('charge-status').textContent()).toBe('Succeeded');
    expect(await calculus.getByTestId('attempt-1').textContent()).toMatch(/^Attempt 1: TTD\s75\.00 · pi_\w+ · succeeded$/);
    expect(await events('bk-ada-sam-4').textContent()).toMatch(/Cancelled late by Sam \d+ h( \d+ min)? before the start: a 50% fee, TTD\s75\.00 to charge, TTD\s67\.50 to the tutor/);
    // The fake Stripe holds exactly one charge for it, of exactly the fee shown, taken at once (no settlement run).
    const charged = demo.world.payments.fake.paymentIntents.filter((p) => p.metadata.itutor_session_id === session.id);
    expect(charged).toHaveLength(1);
    expect(charged[0]).toMatchObject({ amount: 7_500, transfer_group: (await sessionOf('bk-ada-sam-4')).id, currency: 'ttd', status: 'succeeded' });
    expect(demo.world.payments.fake.paymentIntents).toHaveLength(intents + 1);
    expect(demo.world.gateway.instructions.filter((i) => i.bookingId === 'bk-ada-sam-4').map((i) => i.amountMinor)).toEqual([7_500]);
    expect(await sessionOf('bk-ada-sam-4')).toMatchObject({
      status: 'CANCELLED_LATE',
      cancelledBy: 'student',
      chargeAmountMinor: 7_500,
      payoutAmountMinor: 6_750,
      platformFeeMinor: 750,
      chargeStatus: 'succeeded',
      chargeReference: charged[0]!.id,
    });
    await cardShot(calculus, '20-cancelled-late');
  });

  it('Sam cancels the Trigonometry lesson two days ahead for free: CANCELLED, nothing charged', async () => {
    const trigonometry = card('bk-ada-sam-5');
    const session = await sessionOf('bk-ada-sam-5');
    expect(session.scheduledStartAt.getTime() - simulatedNow()).toBeGreaterThanOrEqual(24 * 60 * 60_000);
    const intents = demo.world.payments.fake.paymentIntents.length;
    await trigonometry.getByTestId('student-view').getByRole('button', { name: 'Cancel session', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toContain('Cancelling now is free: nothing is charged.');
    await dialog.getByRole('button', { name: 'Cancel session', exact: true }).click();
    await expect.poll(() => trigonometry.getAttribute('data-status')).toBe('CANCELLED');
    expect(await trigonometry.getByTestId('status').textContent()).toBe('Cancelled');
    expect(await trigonometry.getByTestId('money').getByTestId('charged').textContent()).toMatch(/TTD\s0\.00/);
    expect(await trigonometry.getByTestId('charge-status').textContent()).toBe('Nothing to charge');
    expect(await events('bk-ada-sam-5').textContent()).toMatch(/Cancelled by Sam \d+ h( \d+ min)? before the start: free, nothing charged/);
    expect(await sessionOf('bk-ada-sam-5')).toMatchObject({ status: 'CANCELLED', cancelledBy: 'student', chargeAmountMinor: 0, chargeStatus: 'none' });
    expect(demo.world.payments.fake.paymentIntents).toHaveLength(intents);
    expect(demo.world.gateway.instructions.filter((i) => i.bookingId === 'bk-ada-sam-5')).toHaveLength(0);
  });

  it("Kim moves the Literature lesson by a day: the same session and join link, new times, and Zoom's meeting moved", async () => {
    const literature = card('bk-ada-kim-4');
    const before = await sessionOf('bk-ada-kim-4');
    const zoomMeeting = () => demo.world.video.fake.meetings.get(Number(before.meetingId))!;
    const tutorView = literature.getByTestId('tutor-view');
    const picker = literature.getByTestId('reschedule');
    // What Ada's screen shows of the meeting: its id, its join link, and its time on Zoom.
    expect(await tutorView.getByTestId('meeting-id').textContent()).toBe(before.meetingId);
    expect(await tutorView.getByTestId('meeting-link').textContent()).toBe(before.joinUrl);
    expect(await tutorView.getByTestId('meeting-link').getAttribute('href')).toBe(before.joinUrl);
    expect(await tutorView.getByTestId('zoom-start').getAttribute('data-value')).toBe(before.scheduledStartAt.toISOString());
    expect(Date.parse(zoomMeeting().start_time)).toBe(before.scheduledStartAt.getTime());
    const moves = demo.world.video.fake.count('zoom.updateMeeting');

    // One day earlier would be less than 24 hours ahead: refused in words, and nothing moves anywhere.
    await picker.getByLabel('Move this lesson to').selectOption('-1');
    await picker.getByRole('button', { name: 'Move', exact: true }).click();
    const result = literature.getByTestId('reschedule-result');
    await expect.poll(() => result.getAttribute('data-code')).toBe('INVALID_INPUT');
    expect(await result.textContent()).toBe('Not moved: the new start must be at least 24 hours ahead. Nothing changed.');
    expect(await sessionOf('bk-ada-kim-4')).toMatchObject({ scheduledStartAt: before.scheduledStartAt, version: before.version });
    expect(Date.parse(zoomMeeting().start_time)).toBe(before.scheduledStartAt.getTime());
    expect(demo.world.video.fake.count('zoom.updateMeeting')).toBe(moves);

    // One day later: moved.
    const startAt = addDays(before.scheduledStartAt, 1);
    await picker.getByLabel('Move this lesson to').selectOption('1');
    await picker.getByRole('button', { name: 'Move', exact: true }).click();
    await expect.poll(() => result.textContent()).toBe(`Moved to ${formatInstant(startAt)}. The meeting and its join link stay the same.`);
    const after = await sessionOf('bk-ada-kim-4');
    expect(after).toMatchObject({
      id: before.id,
      bookingId: before.bookingId,
      status: 'SCHEDULED',
      meetingId: before.meetingId,
      joinUrl: before.joinUrl,
      scheduledStartAt: startAt,
      scheduledEndAt: addDays(before.scheduledEndAt, 1),
      joinOpensAt: addDays(before.joinOpensAt, 1),
      noShowEligibleAt: addDays(before.noShowEligibleAt, 1),
      chargeScheduledAt: addDays(before.chargeScheduledAt, 1),
    });
    // Zoom's meeting moved (PATCH /meetings/{id}), the same meeting: its id and join link unchanged.
    expect(demo.world.video.fake.count('zoom.updateMeeting')).toBe(moves + 1);
    expect(Date.parse(zoomMeeting().start_time)).toBe(startAt.getTime());
    expect(zoomMeeting().duration).toBe(before.durationMinutes);
    // The page: the new times, the same id and link on Ada's screen, Zoom's new time beside them.
    await expect.poll(() => tutorView.getByTestId('zoom-start').getAttribute('data-value')).toBe(startAt.toISOString());
    expect(await tutorView.getByTestId('meeting-id').textContent()).toBe(before.meetingId);
    expect(await tutorView.getByTestId('meeting-link').textContent()).toBe(before.joinUrl);
    expect(await literature.locator('.card-head').textContent()).toContain(formatInstant(startAt));
    expect(await literature.getByRole('list', { name: 'Timeline' }).textContent()).toContain(`${formatInstant(startAt)} Starts`);
    expect(await literature.getAttribute('data-status')).toBe('SCHEDULED');
    expect(await events('bk-ada-kim-4').textContent()).toContain(
      `Kim moved the session from ${formatInstant(before.scheduledStartAt)} to ${formatInstant(startAt)}: the same meeting and join link`,
    );
    await cardShot(literature, '21-rescheduled');
  });

  it("Sam disputes the essay lesson Ada left early: Ada offers half, Sam accepts, Pat sees it closed; Ada's payout is held, reduced, then paid", async () => {
    const essay = card('bk-ada-sam-6');
    // Both join through the Join button (Ada leaves early, which only Sam's report tells).
    await travel('bk-ada-sam-6', 'Join opens');
    await joinThroughTheButton('bk-ada-sam-6', 'tutor-view', 'Ada joined as the tutor');
    await joinThroughTheButton('bk-ada-sam-6', 'student-view', 'Sam joined as the student');
    await travel('bk-ada-sam-6', 'End');
    await page.getByTestId('settlement-tick').click();
    await expect.poll(() => essay.getAttribute('data-status')).toBe('COMPLETED_ASSUMED');
    const disputes = essay.getByTestId('disputes');
    const student = disputes.getByTestId('dispute-student');
    const tutor = disputes.getByTestId('dispute-tutor');
    const platform = disputes.getByTestId('dispute-platform');
    const payoutOf = (view: Locator) => view.locator('[data-itutor-part="payout-state"]');
    const stateOf = (view: Locator) => view.locator('[data-itutor="dispute"]').getAttribute('data-state');
    // The platform took the charge; Ada's 135.00 waits for the 72-hour review window.
    await expect.poll(() => payoutOf(platform).getAttribute('data-state')).toBe('scheduled');
    const session = await sessionOf('bk-ada-sam-6');
    const pi = demo.world.payments.fake.paymentIntents.find((p) => p.id === session.chargeReference)!;
    expect(pi).toMatchObject({ status: 'succeeded', amount: 15_000, transfer_group: session.id });
    expect(pi).not.toHaveProperty('application_fee_amount', 1_500);

    // Sam reports the problem: reason and message in the SDK's dialog, which says how long the window stays open.
    await student.getByRole('button', { name: 'Report a problem' }).click();
    const report = page.getByRole('dialog');
    await expect.poll(() => report.textContent()).toMatch(/You can report a problem until .* \(2 days 23 hours/);
    await report.getByLabel('What went wrong?').selectOption('ended_early');
    await report.getByLabel('Describe what happened').fill('Ada left after 20 minutes; the essay plan was not finished.');
    await shot('22-dispute-report');
    await report.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(() => stateOf(platform)).toBe('open');
    await expect.poll(() => payoutOf(platform).getAttribute('data-state')).toBe('held');
    // A tick with the payout due would not send it while the dispute is open (nothing is due yet anyway).

    // Ada offers half: 75.00, typed as people type money.
    await tutor.getByRole('button', { name: 'Offer a partial refund' }).click();
    const offer = page.getByRole('dialog');
    await offer.getByLabel(/Refund amount/).fill('75.00');
    await offer.getByLabel('Message (optional)').fill('Sorry, I had to leave. Half back is fair.');
    await offer.getByRole('button', { name: 'Offer a partial refund' }).click();
    await expect.poll(() => stateOf(student)).toBe('offered');

    // Sam accepts: 75.00 goes back through the refund ledger; Ada's payout is reduced to 67.50 (90 % of what is kept).
    await student.getByRole('button', { name: 'Accept the offer' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Accept the offer' }).click();
    await expect.poll(() => stateOf(platform)).toBe('resolved');
    await expect.poll(() => payoutOf(platform).getAttribute('data-state')).toBe('scheduled');
    expect(await payoutOf(platform).textContent()).toMatch(/TTD\s67\.50 \(reduced from TTD\s135\.00 by refunds\)/);
    expect(await platform.textContent()).toMatch(/partial refund/i);
    const [refund] = await demo.world.core.refunds.list(session.id);
    expect(refund).toMatchObject({ amountMinor: 7_500, payoutMinor: 6_750, feeMinor: 750, status: 'succeeded' });
    expect(demo.world.payments.fake.refunds.filter((r) => r.payment_intent === pi.id).map((r) => r.amount)).toEqual([7_500]);
    await cardShot(disputes, '23-dispute-resolved');

    // The review window ends: the tick pays Ada what is left, once, by a transfer from the charge.
    await disputes.getByTestId('review-window-end').click();
    await page.waitForLoadState('networkidle');
    await page.getByTestId('settlement-tick').click();
    await expect.poll(() => payoutOf(tutor).getAttribute('data-state')).toBe('paid');
    const transfers = demo.world.payments.fake.transfers.filter((t) => t.transfer_group === session.id);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]).toMatchObject({ amount: 6_750, currency: 'ttd', source_transaction: pi.latest_charge });
    await page.getByTestId('settlement-tick').click();
    expect(demo.world.payments.fake.transfers.filter((t) => t.transfer_group === session.id)).toHaveLength(1);
    // The same facts on every screen: no ids, no e-mails.
    for (const view of [student, tutor, platform]) expect(await view.textContent()).not.toMatch(/ops-pat|student-sam|tutor-ada|@|itutor-/);
    await cardShot(disputes, '24-payout-paid');
    // On a phone: the three screens stack, nothing scrolls sideways.
    const context = await browser.newContext({ viewport: PHONE });
    const phone = await context.newPage();
    await phone.goto(demo.url);
    const onPhone = card('bk-ada-sam-6', phone).getByTestId('dispute-tutor');
    await expect.poll(() => onPhone.locator('[data-itutor-part="payout-state"]').getAttribute('data-state')).toBe('paid');
    expect(await noHorizontalScroll(phone)).toBe(true);
    await onPhone.screenshot({ path: `${SHOTS}25-dispute-phone.png` });
    await context.close();
  });

  it('reads on a laptop and on a phone: no sideways scrolling, a slim sticky bar', async () => {
    for (const [name, viewport] of [['laptop', LAPTOP], ['phone', PHONE]] as const) {
      const context = await browser.newContext({ viewport });
      const view = await context.newPage();
      await view.goto(demo.url);
      await card('bk-ada-kim-1', view).waitFor();
      // Unfold every raw payload: long JSON must wrap inside the card, not widen the page.
      await view.locator('details').evaluateAll((all) => all.forEach((d) => ((d as HTMLDetailsElement).open = true)));
      expect(await noHorizontalScroll(view), `${name}: the page scrolls sideways`).toBe(true);
      const bar = await view.locator('header.bar').boundingBox();
      expect(bar!.height, `${name}: sticky bar height`).toBeLessThanOrEqual(viewport.height / 8);
      await view.locator('details').evaluateAll((all) => all.forEach((d) => ((d as HTMLDetailsElement).open = false)));
      await view.screenshot({ path: `${SHOTS}${name}-top.png` });
      await view.screenshot({ path: `${SHOTS}${name}-full.png`, fullPage: true });
      await context.close();
    }
  });
});

describe('Restart', () => {
  it('brings back the initial data, not just the clock: sessions, ledger, connections, the fake Zoom and Stripe', async () => {
    const before = { stripe: demo.world.payments.fake, zoomMeetings: demo.world.video.fake.meetings.size };
    expect(before.stripe.paymentIntents.length).toBeGreaterThan(0);
    expect(await demo.world.core.providers.get(PEOPLE_IDS.ben)).not.toBeNull();
    expect(await card('bk-ada-sam-1').getAttribute('data-status')).toBe('COMPLETED_ASSUMED');

    const failedReads: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failedReads.push(`${response.status()} ${response.url()}`);
    });
    await page.getByTestId('restart').click();
    await expect.poll(() => card('bk-ada-sam-1').getAttribute('data-status'), { timeout: 30_000 }).toBe('SCHEDULED');

    // The clock is back where the demo started.
    expect(Math.abs(simulatedNow() - demo.world.t0.getTime())).toBeLessThan(10_000);
    await expect.poll(async () => Math.abs(parseClock((await page.getByTestId('simulated-time').textContent())!) - demo.world.t0.getTime())).toBeLessThan(10_000);
    // Every booking as at the start: the eleven confirmed ones scheduled (one audit event each, at their first times), the other three awaiting confirmation.
    const statuses = await page.locator('article[data-testid^="booking-"]').evaluateAll((cards) =>
      Object.fromEntries(cards.map((c) => [c.getAttribute('data-testid'), c.getAttribute('data-status')])),
    );
    expect(statuses).toEqual({
      'booking-bk-ada-sam-1': 'SCHEDULED',
      'booking-bk-ada-kim-1': 'SCHEDULED',
      'booking-bk-ben-kim-1': 'UNCONFIRMED',
      'booking-bk-ada-sam-2': 'SCHEDULED',
      'booking-bk-ada-kim-2': 'UNCONFIRMED',
      'booking-bk-ada-sam-3': 'UNCONFIRMED',
      'booking-bk-ada-lee-1': 'SCHEDULED',
      'booking-bk-ada-max-1': 'SCHEDULED',
      'booking-bk-ada-lee-2': 'SCHEDULED',
      'booking-bk-ada-kim-3': 'SCHEDULED',
      'booking-bk-ada-sam-4': 'SCHEDULED',
      'booking-bk-ada-sam-5': 'SCHEDULED',
      'booking-bk-ada-kim-4': 'SCHEDULED',
      'booking-bk-ada-sam-6': 'SCHEDULED',
    });
    for (const id of CONFIRMED_AT_START) {
      expect(await card(id).textContent()).toContain('Audit trail (1 event)');
      expect(await card(id).getByTestId('ledger-empty').count()).toBe(1);
      expect((await sessionOf(id)).scheduledStartAt).toEqual(demo.world.bookings.get(id)!.scheduledStartAt);
    }
    // The rescheduled lesson is back at its first time, on Zoom too (a new meeting of the new fake).
    const literature = await sessionOf('bk-ada-kim-4');
    expect(Date.parse(demo.world.video.fake.meetings.get(Number(literature.meetingId))!.start_time)).toBe(literature.scheduledStartAt.getTime());
    // No message of the world before on any card, no settlement report.
    expect(await page.getByTestId('message').count()).toBe(0);
    expect(await page.getByTestId('tick-result').count()).toBe(0);
    // Connections: Ada's Zoom connected (as seeded), Ben without a provider again.
    await expect.poll(() => videoState(PEOPLE_IDS.ada)).toBe('connected');
    expect(await videoState(PEOPLE_IDS.ben)).toBe('none');
    expect(await demo.world.core.providers.get(PEOPLE_IDS.ben)).toBeNull();
    // The fakes: a new fake Stripe with no PaymentIntents; the fake Zoom made afresh, holding only the new meetings.
    expect(demo.world.payments.fake).not.toBe(before.stripe);
    expect(demo.world.payments.fake.paymentIntents).toHaveLength(0);
    expect(demo.world.video.fake.meetings.size).toBe(CONFIRMED_AT_START.length);
    expect(before.zoomMeetings).toBeGreaterThan(CONFIRMED_AT_START.length);
    // The page switched to the new world at once: no read of a session that no longer exists.
    await page.waitForLoadState('networkidle');
    expect(failedReads).toEqual([]);
    await shot('14-after-restart', page, false);

    // And everything works again from there: Ben's booking is refused for the same reason as at the start.
    await card('bk-ben-kim-1').getByTestId('confirm-booking').click();
    await expect.poll(() => card('bk-ben-kim-1').getByTestId('message').getAttribute('data-code')).toBe('PROVIDER_NOT_CONNECTED');
    await travel('bk-ada-sam-1', 'Join opens');
    await expect.poll(() => joinButton(card('bk-ada-sam-1').getByTestId('student-view')).isEnabled()).toBe(true);
  });
});

describe('starting the demo', () => {
  const occupy = () =>
    new Promise<Server | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null)); // taken already: just as good
      server.listen(4321, '127.0.0.1', () => resolve(server));
    });

  it('answers the page before the database is up, with the simulated clock it will keep', async () => {
    let early: Promise<{ status: number; body: string }> | undefined;
    const second = await startDemo({
      port: 0,
      onListening: ({ url }) => {
        early = fetch(url).then(async (response) => ({ status: response.status, body: await response.text() }));
      },
    });
    try {
      const answer = await early!;
      expect(answer.status).toBe(200);
      const boot = JSON.parse(/__DEMO_BOOT__ = (.*);<\/script>/.exec(answer.body)![1]!) as { now: string; offsetMs: number; state: unknown };
      expect(boot.state).toBeNull(); // answered while the database was still starting
      expect(boot.offsetMs).toBe(second.world.clock.offsetMs()); // the same simulated clock the world then ran
      expect(answer.body).toContain('data-testid="simulated-time"');
      expect((await fetch(`${second.url}/demo/state`)).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('takes the next free port when the one asked for is busy, and fails plainly when it must not', async () => {
    const second = await startDemo({ port: demo.port });
    try {
      expect(second.port).not.toBe(demo.port);
      expect((await fetch(second.url)).status).toBe(200);
    } finally {
      await second.close();
    }
    await expect(startDemo({ port: demo.port, strictPort: true })).rejects.toBeInstanceOf(PortInUseError);
  });

  it('`pnpm demo` with 4321 busy prints the port it took; with a busy PORT it says so without a stack trace', async () => {
    const blocker = await occupy();
    try {
      const child = spawn(process.execPath, [START], { env: { ...process.env, PORT: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      try {
        await expect.poll(() => output, { timeout: 30_000 }).toMatch(/open http:\/\/127\.0\.0\.1:\d+/);
        expect(output).toContain('Port 4321 is in use, so the demo uses port');
        const url = /open (http:\/\/\S+)/.exec(output)![1]!;
        expect(url).not.toContain(':4321');
        expect((await fetch(url)).status).toBe(200);
      } finally {
        child.kill('SIGTERM');
      }

      const strict = spawn(process.execPath, [START], { env: { ...process.env, PORT: '4321' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let errors = '';
      strict.stderr.on('data', (d) => (errors += d));
      const code = await new Promise<number | null>((resolve) => strict.once('exit', resolve));
      expect(code).toBe(1);
      expect(errors).toContain('Port 4321 is already in use');
      expect(errors).not.toMatch(/\n\s+at /);
    } finally {
      blocker?.close();
    }
  });
});
