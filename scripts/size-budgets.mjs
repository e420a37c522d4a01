/**
 * Size budgets measured the way a host bundles the packages (issue #21): each budget is a tiny host module
 * — `import { a, b } from '@itutor/sessions-core/http'; console.log(a, b)` — that esbuild bundles from the
 * package's own folder, so every `@itutor/*` import resolves by package name through `package.json`
 * `exports` (the package's own name by self-reference, the others through `node_modules`), exactly as in a
 * host, never through a `dist/` path typed into the config.
 *
 * Three things keep that honest:
 * - `tsconfigRaw: {}`: esbuild otherwise reads the workspace's tsconfig `paths`, which map every
 *   `@itutor/*` name to its `src/*.ts` (for the tests); a host has no such paths, and with them the budgets
 *   measured the core's TypeScript sources instead of its built entry.
 * - a resolver guard: every `@itutor/*` import must land on the file that package's `exports` names for
 *   that subpath (`import` → `default`); anything else (a source file, an alias, a missing subpath) fails
 *   the size run.
 * - coverage: every JavaScript entry of the package's `exports` has at least one budget, so an entry
 *   added later cannot go unmeasured.
 *
 * Each package's `.size-limit.mjs` calls `hostBudgets(import.meta.url, [...])`; `pnpm size` runs them all.
 */
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Heavy dependencies a host has anyway, named in each budget that leaves them out. */
export const REACT_PEERS = ['react', 'react-dom', 'react/jsx-runtime', '@radix-ui/react-dialog', '@radix-ui/react-slot'];

/** name → { dir, exports } for every workspace package. */
function workspacePackages() {
  const found = new Map();
  for (const dir of readdirSync(join(ROOT, 'packages'))) {
    try {
      const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8'));
      found.set(manifest.name, { dir: join(ROOT, 'packages', dir), exports: manifest.exports ?? {} });
    } catch {
      // not a package folder
    }
  }
  return found;
}

/** The ESM file `exports` names for `subpath` (`.`, `./http`, …), or undefined. */
function esmTarget(exportsField, subpath) {
  const target = exportsField[subpath];
  if (typeof target === 'string') return target;
  const esm = target?.import;
  return typeof esm === 'string' ? esm : esm?.default;
}

function splitSpecifier(specifier) {
  const parts = specifier.split('/');
  const name = parts.slice(0, 2).join('/');
  const rest = parts.slice(2).join('/');
  return { name, subpath: rest ? `./${rest}` : '.' };
}

/** An esbuild plugin that fails unless each `@itutor/*` import resolves to its `exports` target. */
function exportsGuard(packages) {
  const inner = Symbol('exports-guard');
  return {
    name: 'itutor-exports-guard',
    setup(build) {
      build.onResolve({ filter: /^@itutor\// }, async (args) => {
        if (args.pluginData === inner) return undefined;
        const result = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: inner,
        });
        if (result.errors.length > 0) return { errors: result.errors };
        if (result.external) return result;
        const { name, subpath } = splitSpecifier(args.path);
        const pkg = packages.get(name);
        const target = pkg && esmTarget(pkg.exports, subpath);
        const expected = target && realpathSync(resolve(pkg.dir, target));
        if (!expected || realpathSync(result.path) !== expected) {
          return {
            errors: [
              {
                text:
                  `"${args.path}" resolved to ${result.path}, not to the file package.json "exports" names ` +
                  `(${expected ?? 'no such subpath'}): the budget would not measure what a host bundles`,
              },
            ],
          };
        }
        return result;
      });
    },
  };
}

/** The host module of one budget: import each named entry, use what it imports. */
function hostModule(imports) {
  let code = '';
  let i = 0;
  for (const [specifier, names] of Object.entries(imports)) {
    if (names === '*') {
      code += `import * as entry${i} from ${JSON.stringify(specifier)};\nconsole.log(entry${i});\n`;
    } else {
      code += `import ${names} from ${JSON.stringify(specifier)};\nconsole.log(${names.replace(/[{}]/g, '').trim()});\n`;
    }
    i += 1;
  }
  return code;
}

/**
 * size-limit checks for one package.
 *
 * @param {string} configUrl `import.meta.url` of the package's `.size-limit.mjs`
 * @param {Array<{ name: string, import: Record<string, string>, limit: string,
 *   platform?: 'browser' | 'node', external?: string[] }>} budgets
 *   `import`: package specifier → `'{ a, b }'` or `'*'` (the whole entry);
 *   `platform`: `node` for server-only entries (Node built-ins stay external), else `browser`;
 *   `external`: dependencies a host has anyway — say so in the name.
 */
export function hostBudgets(configUrl, budgets) {
  const pkgDir = dirname(fileURLToPath(configUrl));
  const packages = workspacePackages();
  const own = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

  const measured = new Set(budgets.flatMap((b) => Object.keys(b.import)));
  for (const subpath of Object.keys(own.exports ?? {})) {
    if (subpath === './package.json' || subpath.endsWith('.css')) continue;
    const specifier = subpath === '.' ? own.name : `${own.name}/${subpath.slice(2)}`;
    if (!measured.has(specifier)) {
      throw new Error(`${own.name}: the entry "${specifier}" has no size budget in .size-limit.mjs`);
    }
  }

  return budgets.map((budget) => {
    const external = budget.external ?? [];
    return {
      name: budget.name,
      limit: budget.limit,
      // size-limit wants a file per check; the bundle's only entry is the host module set below.
      path: 'package.json',
      ignore: external,
      modifyEsbuildConfig(config) {
        const { entryPoints: _unused, ...rest } = config;
        return {
          ...rest,
          stdin: { contents: hostModule(budget.import), resolveDir: pkgDir, sourcefile: 'host-entry.js', loader: 'js' },
          platform: budget.platform ?? 'browser',
          external,
          tsconfigRaw: {},
          plugins: [...(config.plugins ?? []), exportsGuard(packages)],
          logLevel: 'silent',
        };
      },
    };
  });
}
