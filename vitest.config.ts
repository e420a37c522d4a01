import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_PATH as chromium } from './scripts/chromium';
import projects from './vitest.workspace';

/** Projects that drive Debian's Chromium (component stories, end-to-end). */
const BROWSER_PROJECTS = new Set([
  '.storybook/vitest.config.ts',
  'examples/demo/vitest.config.ts',
  'examples/nextjs/vitest.config.ts',
]);
const hasChromium = existsSync(chromium);

if (!hasChromium) {
  if (process.env.CI) throw new Error(`CI needs Chromium at ${chromium} (apt-get install chromium)`);
  console.warn(
    `[itutor] Chromium not found at ${chromium}: the browser projects (Storybook interaction tests, end-to-end) are not run. ` +
      'Install it with `apt-get install chromium` (or set CHROMIUM_PATH) to run every test.',
  );
}

export default defineConfig({
  test: {
    // A project whose config does not exist yet (a package still a skeleton) is left out.
    projects: projects.filter(
      (path) => existsSync(new URL(path, import.meta.url)) && (hasChromium || !BROWSER_PROJECTS.has(path)),
    ),
  },
});
