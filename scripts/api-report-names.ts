/**
 * For the packages' `api-report` tests: the value exports (functions, constants, classes) a committed
 * API report lists, so a test can compare them with what an entry point exports at run time without a
 * build. The full check (types included, from the built `.d.ts`) is `pnpm api:check` in CI.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The names of the values the report `etc/<entry>.api.md` exports, sorted, for the package of the test
 * file at `testFileUrl` (its `import.meta.url`, in `packages/<pkg>/test/`).
 */
export function valueExportsOfReport(testFileUrl: string, entry: string): string[] {
  // A path string, not a URL object: under jsdom the global `URL` is not the one `fs` accepts.
  const report = readFileSync(fileURLToPath(new URL(`../etc/${entry}.api.md`, testFileUrl).href), 'utf8');
  const names = [...report.matchAll(/^export (?:declare )?(?:abstract )?(?:function|const|let|var|class|enum) (\w+)/gm)].map(
    (match) => match[1]!,
  );
  return [...new Set(names)].sort();
}

/** The message a failing comparison shows: what to do when the change is on purpose. */
export const UPDATE_THE_REPORT =
  'The entry point exports other values than its API report lists. If that is on purpose, run ' +
  '`pnpm build && pnpm api:update`, commit packages/*/etc/*.api.md and add a changeset.';
