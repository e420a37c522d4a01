import { fileURLToPath } from 'node:url';
import type { AliasOptions } from 'vite';

/**
 * Workspace packages resolve to their TypeScript sources in tests and Storybook, so nothing needs a
 * build first (their `exports` point at `dist/`). tsconfig.json `paths` mirrors this for tsc and tsx.
 */
const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export const workspaceAliases: AliasOptions = [
  { find: /^@itutor\/sessions-core$/, replacement: src('./packages/core/src/index.ts') },
  { find: /^@itutor\/sessions-core\/http$/, replacement: src('./packages/core/src/http/index.ts') },
  { find: /^@itutor\/sessions-core\/client$/, replacement: src('./packages/core/src/client/index.ts') },
  { find: /^@itutor\/sessions-core\/testing$/, replacement: src('./packages/core/src/testing/index.ts') },
  { find: /^@itutor\/sessions-supabase$/, replacement: src('./packages/supabase/src/index.ts') },
  { find: /^@itutor\/sessions-supabase\/migrations$/, replacement: src('./packages/supabase/src/migrations.ts') },
  { find: /^@itutor\/sessions-react$/, replacement: src('./packages/react/src/index.ts') },
  { find: /^@itutor\/sessions-react\/attendance$/, replacement: src('./packages/react/src/attendance.ts') },
  { find: /^@itutor\/sessions-react\/connect$/, replacement: src('./packages/react/src/connect.ts') },
  { find: /^@itutor\/sessions-video$/, replacement: src('./packages/video/src/index.ts') },
  { find: /^@itutor\/sessions-video\/testing$/, replacement: src('./packages/video/src/testing/index.ts') },
  { find: /^@itutor\/sessions-stripe$/, replacement: src('./packages/stripe/src/index.ts') },
  { find: /^@itutor\/sessions-stripe\/testing$/, replacement: src('./packages/stripe/src/testing/index.ts') },
];
