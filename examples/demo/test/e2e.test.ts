import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../../../scripts/chromium';
import { startDemoServer } from '../src/server';

/**
 * End-to-end: the demo host app in Debian's Chromium. The scenarios share one demo server and its
 * simulated clock, so they run in time order. Each saves a screenshot under artifacts/e2e/.
 */
const SHOTS = fileURLToPath(new URL('../../../artifacts/e2e/', import.meta.url));

let demo: Awaited<ReturnType<typeof startDemoServer>>;
let browser: Browser;
let page: Page;

const card = (bookingId: string) => page.getByTestId(`booking-${bookingId}`);
const shot = (name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
const travel = async (bookingId: string, label: string) => {
  await card(bookingId).getByRole('button', { name: label, exact: true }).click();
  await page.waitForLoadState('networkidle');
};
const joinButton = (view: Locator) => view.getByRole('button', { name: /join session/i });
const events = (bookingId: string) => card(bookingId).getByTestId('events');

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  demo = await startDemoServer({ port: 0 });
  browser = await chromium.launch(chromiumLaunchOptions);
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
  await page.goto(demo.url);
  await page.getByTestId('booking-bk-ada-sam-1').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

describe('demo end to end', () => {
  it('the student sees the countdown; at T−5 Join enables and clicking records the join', async () => {
    await travel('bk-ada-sam-1', '1 min before join window');
    const student = card('bk-ada-sam-1').getByTestId('student-view');
    await expect.poll(() => student.textContent()).toMatch(/Join opens in 1:0\d|Join opens in 0:5\d/);
    expect(await joinButton(student).isDisabled()).toBe(true);
    await shot('01-countdown-before-join-window');

    await travel('bk-ada-sam-1', 'to join window');
    await expect.poll(() => joinButton(student).isEnabled()).toBe(true);
    const popup = page.waitForEvent('popup');
    await joinButton(student).click();
    const meeting = await popup;
    await expect.poll(() => meeting.url()).toContain('/demo/meeting/');
    await meeting.close();
    await expect.poll(() => events('bk-ada-sam-1').textContent()).toContain('session.joined');
    expect(await card('bk-ada-sam-1').getByTestId('status').textContent()).toContain('JOIN_OPEN');
    const stored = await demo.world.core.getSessionByBooking('bk-ada-sam-1');
    expect(stored?.studentJoinedAt).not.toBeNull();
    await shot('02-student-joined');
  });

  it('the tutor marks a no-show after the wait and sees NO_SHOW_STUDENT with 50 / 45 / 5', async () => {
    await travel('bk-ada-kim-1', 'to no-show point');
    const tutor = card('bk-ada-kim-1').getByTestId('tutor-view');
    const trigger = tutor.getByRole('button', { name: /mark no-show/i });
    await expect.poll(() => trigger.isEnabled()).toBe(true);
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
    await shot('04-no-show-settled');
  });

  it('settlement at the scheduled end gives COMPLETED_ASSUMED with 100 / 90 / 10', async () => {
    await travel('bk-ada-sam-1', 'to the end');
    await page.getByTestId('settlement-tick').click();
    await expect.poll(() => page.getByTestId('tick-result').textContent()).toContain('"completed":1');
    await expect.poll(() => card('bk-ada-sam-1').getAttribute('data-status')).toBe('COMPLETED_ASSUMED');
    const money = card('bk-ada-sam-1').getByTestId('money');
    expect(await money.getByTestId('charged').textContent()).toMatch(/TTD\s150\.00/);
    expect(await money.getByTestId('payout').textContent()).toMatch(/TTD\s135\.00/);
    expect(await money.getByTestId('fee').textContent()).toMatch(/TTD\s15\.00/);
    expect(await money.getByTestId('charge-status').textContent()).toBe('succeeded');
    await card('bk-ada-sam-1').scrollIntoViewIfNeeded();
    await shot('05-completed-assumed');
  });

  it('a meeting that ended early gives EARLY_END_SHORT with no charge', async () => {
    await travel('bk-ada-sam-2', 'to the end');
    await travel('bk-ada-sam-2', 'meeting ended early');
    await expect.poll(() => events('bk-ada-sam-2').textContent()).toContain('session.meeting_ended');
    await page.getByTestId('settlement-tick').click();
    await expect.poll(() => card('bk-ada-sam-2').getAttribute('data-status')).toBe('EARLY_END_SHORT');
    const money = card('bk-ada-sam-2').getByTestId('money');
    expect(await money.getByTestId('charged').textContent()).toMatch(/TTD\s0\.00/);
    expect(demo.world.gateway.instructions.filter((i) => i.bookingId === 'bk-ada-sam-2')).toHaveLength(0);
    await card('bk-ada-sam-2').scrollIntoViewIfNeeded();
    await shot('06-early-end-short');
  });

  it('a booking with the unconnected tutor is refused with the reason', async () => {
    await card('bk-ben-kim-1').getByTestId('confirm-booking').click();
    await expect.poll(() => card('bk-ben-kim-1').getByTestId('message').textContent()).toContain('PROVIDER_NOT_CONNECTED');
    expect(await demo.world.core.getSessionByBooking('bk-ben-kim-1')).toBeNull();
    await card('bk-ben-kim-1').scrollIntoViewIfNeeded();
    await shot('07-booking-refused');
  });
});
