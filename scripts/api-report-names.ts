/**
 * For the packages' `api-report` tests: the names a committed API report lists, so a test can compare
 * them with what an entry point exports at run time (without a build) and with the package's README.
 * The full check (types included, from the built `.d.ts`) is `pnpm api:check` in CI.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const readReport = (testFileUrl: string, entry: string) =>
  // A path string, not a URL object: under jsdom the global `URL` is not the one `fs` accepts.
  readFileSync(fileURLToPath(new URL(`../etc/${entry}.api.md`, testFileUrl).href), 'utf8');

/** Every name (values and types) the report `etc/<entry>.api.md` exports, sorted. */
export function exportsOfReport(testFileUrl: string, entry: string): string[] {
  const names = [...readReport(testFileUrl, entry).matchAll(/^export (?:declare )?(?:abstract )?\w+ (\w+)/gm)].map((match) => match[1]!);
  return [...new Set(names)].sort();
}

/** The names among `names` that the package's README (beside `test/`) never mentions. */
export function missingFromReadme(testFileUrl: string, names: readonly string[]): string[] {
  const readme = readFileSync(fileURLToPath(new URL('../README.md', testFileUrl).href), 'utf8');
  return names.filter((name) => !new RegExp(`\\b${name}\\b`).test(readme));
}

/**
 * The names of the values the report `etc/<entry>.api.md` exports, sorted, for the package of the test
 * file at `testFileUrl` (its `import.meta.url`, in `packages/<pkg>/test/`).
 */
export function valueExportsOfReport(testFileUrl: string, entry: string): string[] {
  const report = readReport(testFileUrl, entry);
  const names = [...report.matchAll(/^export (?:declare )?(?:abstract )?(?:function|const|let|var|class|enum) (\w+)/gm)].map(
    (match) => match[1]!,
  );
  return [...new Set(names)].sort();
}

/** The message a failing comparison shows: what to do when the change is on purpose. */
export const UPDATE_THE_REPORT =
  'The entry point exports other values than its API report lists. If that is on purpose, run ' +
  '`pnpm build && pnpm api:update`, commit packages/*/etc/*.api.md and add a changeset.';
