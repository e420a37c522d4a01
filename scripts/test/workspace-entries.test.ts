import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workspaceAliases, workspaceAssetPaths, workspaceSourcePaths } from '../../vitest.shared';

/**
 * Nothing in the test run may need a build (the README: `pnpm install`, then `pnpm test`, on a fresh
 * clone). Workspace packages export `dist/`; tests, Storybook, tsc-based checks and the demo's bundles
 * resolve them to their sources instead, through tsconfig.base.json `paths` (and the Vite aliases made
 * from it in vitest.shared.ts). Here: every `exports` subpath of every package has such a source, and it
 * is the file the package's tsup entry builds that subpath from, so the two cannot drift apart.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Target = string | { readonly import?: string | { readonly types?: string; readonly default?: string } };
interface Manifest {
  readonly name: string;
  readonly exports?: Readonly<Record<string, Target>>;
}

const packages = readdirSync(join(ROOT, 'packages'))
  .map((dir) => join(ROOT, 'packages', dir))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest }));

/** The tsup entries of a package: output name (`index`, `testing`, …) → absolute source file. */
async function tsupEntries(dir: string): Promise<Record<string, string>> {
  const config = ((await import(pathToFileURL(join(dir, 'tsup.config.ts')).href)) as { default: unknown }).default;
  const configs = (Array.isArray(config) ? config : [config]) as Array<{ entry?: Record<string, string> }>;
  const entries: Record<string, string> = {};
  for (const c of configs) {
    expect(c.entry, `${dir}/tsup.config.ts: entries must be named ({ name: source })`).toBeTypeOf('object');
    for (const [name, source] of Object.entries(c.entry!)) entries[name] = isAbsolute(source) ? source : resolve(dir, source);
  }
  return entries;
}

/** What the Vite aliases make of `specifier`: the replacement of the first alias that matches. */
function aliased(specifier: string): string | undefined {
  for (const alias of workspaceAliases) {
    const find = alias.find;
    if (typeof find === 'string' ? find === specifier : find.test(specifier)) {
      return alias.customResolver ? undefined : alias.replacement;
    }
  }
  return undefined;
}

/** `./dist/testing.js` → `testing`. */
const entryName = (file: string) => /^\.\/dist\/(.+)\.js$/.exec(file)?.[1];

describe('every exports subpath resolves to its source without a build', () => {
  it('finds the five packages', () => {
    expect(packages.map((p) => p.manifest.name).sort()).toEqual([
      '@itutor/sessions-core',
      '@itutor/sessions-react',
      '@itutor/sessions-stripe',
      '@itutor/sessions-supabase',
      '@itutor/sessions-video',
    ]);
  });

  for (const { dir, manifest } of packages) {
    it(`${manifest.name}: tsconfig path and alias = the tsup entry's source, for each subpath`, async () => {
      const entries = await tsupEntries(dir);
      const problems: string[] = [];
      for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
        if (subpath === './package.json') continue;
        const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
        const esm = typeof target === 'string' ? target : typeof target.import === 'string' ? target.import : target.import?.default;
        const name = esm ? entryName(esm) : undefined;
        if (!name) {
          // Not a module (the stylesheet): an alias to a source file that exists.
          const source = workspaceAssetPaths[specifier];
          if (!source) problems.push(`${specifier}: not a module, and not in workspaceAssetPaths (vitest.shared.ts)`);
          else if (!existsSync(resolve(ROOT, source))) problems.push(`${specifier}: ${source} does not exist`);
          else if (aliased(specifier) !== resolve(ROOT, source)) problems.push(`${specifier}: no Vite alias to ${source}`);
          continue;
        }
        const source = entries[name];
        if (!source) {
          problems.push(`${specifier}: exports ${esm}, but tsup.config.ts has no entry "${name}"`);
          continue;
        }
        const path = workspaceSourcePaths[specifier];
        if (!path) problems.push(`${specifier}: missing from tsconfig.base.json "paths" (its source: ${source.slice(ROOT.length)})`);
        else if (resolve(ROOT, path) !== source) problems.push(`${specifier}: tsconfig.base.json "paths" says ${path}, tsup builds it from ${source.slice(ROOT.length)}`);
        if (aliased(specifier) !== source) problems.push(`${specifier}: the Vite alias does not point at ${source.slice(ROOT.length)}`);
      }
      expect(problems).toEqual([]);
    });
  }

  it('tsconfig.base.json "paths" names only real exports subpaths', () => {
    const exported = new Set(
      packages.flatMap(({ manifest }) =>
        Object.keys(manifest.exports ?? {}).map((subpath) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`)),
      ),
    );
    expect(Object.keys(workspaceSourcePaths).filter((specifier) => !exported.has(specifier))).toEqual([]);
    expect(Object.keys(workspaceAssetPaths).filter((specifier) => !exported.has(specifier))).toEqual([]);
  });

  it('an import of a workspace subpath without a source alias fails with the fix, never falls through to dist/', async () => {
    const catchAll = workspaceAliases.at(-1)!;
    expect(typeof catchAll.find !== 'string' && catchAll.find.test('@itutor/sessions-core/not-an-entry')).toBe(true);
    expect(aliased('@itutor/sessions-core/not-an-entry')).toBeUndefined();
    const resolver = catchAll.customResolver as (source: string) => unknown;
    expect(() => resolver('@itutor/sessions-core/not-an-entry')).toThrow(/has no source alias: add it to tsconfig\.base\.json "paths"/);
    // A real entry is matched by its own alias first.
    expect(aliased('@itutor/sessions-core/testing')).toBe(resolve(ROOT, 'packages/core/src/testing/index.ts'));
  });
});
