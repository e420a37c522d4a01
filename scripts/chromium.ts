/**
 * How this workspace launches Debian's Chromium (never a downloaded browser): one place for the
 * executable and the flags, used by Storybook's browser tests, the end-to-end tests and the screenshot
 * script. Without the networking flags Chromium keeps trying to reach the internet, which is closed here.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `launchOptions` for playwright-core and @vitest/browser-playwright. */
export const chromiumLaunchOptions = { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS };
