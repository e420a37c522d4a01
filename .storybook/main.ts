import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StorybookConfig } from '@storybook/react-vite';
import { mergeConfig } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const config: StorybookConfig = {
  stories: ['../packages/react/stories/*.stories.tsx'],
  addons: ['@storybook/addon-vitest'],
  framework: { name: '@storybook/react-vite', options: {} },
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
  // Workspace packages resolve to their sources (as in `vitest.shared.ts`): no build needed first.
  viteFinal: async (viteConfig) => {
    const { workspaceAliases } = await import(resolve(root, 'vitest.shared.ts'));
    return mergeConfig(viteConfig, {
      resolve: { alias: workspaceAliases },
      build: {
        rollupOptions: {
          // The package's `'use client'` directives are for React Server Components hosts; a static
          // Storybook bundle has no use for them, so the "directive ignored" notice is noise here.
          onwarn(warning: { code?: string }, warn: (w: unknown) => void) {
            if (warning.code === 'MODULE_LEVEL_DIRECTIVE' || warning.code === 'SOURCEMAP_ERROR') return;
            warn(warning);
          },
        },
      },
    });
  },
};

export default config;
