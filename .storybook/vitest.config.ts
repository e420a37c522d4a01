import { fileURLToPath } from 'node:url';
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';
import { workspaceAliases } from '../vitest.shared';
import { chromiumLaunchOptions } from '../scripts/chromium';

/**
 * Every story is a test: rendered, then its play function run, in Debian's Chromium through Vitest
 * browser mode. Never downloads a browser.
 */
export default defineProject({
  plugins: [storybookTest({ configDir: fileURLToPath(new URL('.', import.meta.url)) })],
  resolve: { alias: workspaceAliases },
  optimizeDeps: {
    include: ['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'react/jsx-dev-runtime', '@radix-ui/react-dialog', '@radix-ui/react-alert-dialog', 'date-fns'],
  },
  test: {
    name: 'storybook',
    testTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: chromiumLaunchOptions,
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
