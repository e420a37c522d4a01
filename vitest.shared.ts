import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Alias } from 'vite';

/**
 * Workspace packages resolve to their TypeScript sources in tests, Storybook and the demo, so nothing
 * needs a build first (their `exports` point at `dist/`). The one list is `tsconfig.base.json` `paths`
 * (tsc, tsx and esbuild read it); the aliases below are made from it, plus the subpaths that are not
 * TypeScript (the React kit's stylesheet). `scripts/test/workspace-entries.test.ts` checks that every
 * `exports` subpath of every package is there and points at the source its tsup entry builds.
 */
const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** `compilerOptions.paths` of tsconfig.base.json: package specifier → its source file (repository-relative). */
export const workspaceSourcePaths: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(
    (JSON.parse(readFileSync(src('./tsconfig.base.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths,
  ).map(([specifier, [target]]) => [specifier, target!]),
);

/** Subpaths of `exports` that are not modules, so not in `paths`: specifier → source file. */
export const workspaceAssetPaths: Readonly<Record<string, string>> = {
  '@itutor/sessions-react/styles.css': './packages/react/src/styles.css',
};

const exactly = (specifier: string) => new RegExp(`^${specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);

export const workspaceAliases: Alias[] = [
  ...Object.entries({ ...workspaceSourcePaths, ...workspaceAssetPaths }).map(([specifier, target]) => ({
    find: exactly(specifier),
    replacement: src(target),
  })),
  // Any other import of a workspace package fails here, with the fix in the message, instead of falling
  // through to the package's `dist/`: that would pass only where something was built before.
  {
    find: /^@itutor\/sessions-[a-z-]+(\/.*)?$/,
    replacement: '$&',
    customResolver(source: string) {
      throw new Error(
        `${source} has no source alias: add it to tsconfig.base.json "paths" (the package's exports subpath → its tsup entry's source), ` +
          'so tests and Storybook never need a build',
      );
    },
  },
];
