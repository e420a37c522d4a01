/**
 * The demo's two bundles, built with esbuild and kept in `node_modules/.cache/itutor-demo/` until one of
 * their source files changes:
 *
 * - `server.mjs`: `src/server.ts` with the workspace packages and small dependencies inlined. Node loads
 *   one file in about half a second, where running the TypeScript sources through tsx took several
 *   seconds (hundreds of modules: zod, date-fns, the packages' sources).
 * - `app.js`: the page's React app for the browser.
 *
 * A bundle is fresh while every input esbuild read for it (from its metafile) has the size and mtime it
 * had at build time and this file has not changed; checking that costs a few hundred `stat` calls.
 * Plain JavaScript on purpose: `start.mjs` runs it before anything can compile TypeScript.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEMO = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(DEMO, '../..');

/** Where the bundles and the database snapshot live (removed with node_modules, ignored by git). */
export const CACHE_DIR = join(DEMO, 'node_modules/.cache/itutor-demo');

/** esbuild options of each bundle. */
const TARGETS = {
  server: {
    entryPoints: [join(DEMO, 'src/server.ts')],
    outfile: join(CACHE_DIR, 'server.mjs'),
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // PGlite finds its WASM and data files next to its own modules; esbuild is a native binary.
    external: ['@electric-sql/pglite', 'esbuild'],
    // Bundled CommonJS dependencies may call require().
    banner: { js: "import { createRequire as __demoCreateRequire } from 'node:module'; const require = __demoCreateRequire(import.meta.url);" },
  },
  client: {
    entryPoints: [join(DEMO, 'src/client/main.tsx')],
    outfile: join(CACHE_DIR, 'app.js'),
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
  },
};

const manifestPath = (name) => join(CACHE_DIR, `${name}.inputs.json`);
const stamp = (path) => {
  const s = statSync(path);
  return `${s.size}:${Math.trunc(s.mtimeMs)}`;
};
const configKey = (name) => `${JSON.stringify(TARGETS[name])}|${stamp(fileURLToPath(import.meta.url))}`;

/** Whether the bundle `name` exists and none of its inputs changed since it was built. */
export function isFresh(name) {
  try {
    const manifest = JSON.parse(readFileSync(manifestPath(name), 'utf8'));
    if (manifest.key !== configKey(name)) return false;
    statSync(TARGETS[name].outfile);
    for (const [path, value] of Object.entries(manifest.inputs)) if (stamp(path) !== value) return false;
    return true;
  } catch {
    return false;
  }
}

async function buildOne(esbuild, name) {
  const options = TARGETS[name];
  const result = await esbuild.build({
    ...options,
    bundle: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: ROOT,
    tsconfig: join(ROOT, 'tsconfig.json'),
  });
  // The workspace packages are bundled from their sources (tsconfig.json `paths`), never from a build:
  // `pnpm demo` works on a fresh clone, and a missing path fails here instead of only where dist/ exists.
  const built = Object.keys(result.metafile.inputs).filter((input) => /(^|\/)packages\/[^/]+\/dist\//.test(input));
  if (built.length) throw new Error(`The demo does not compile:\nbundled from a build instead of the sources (add the subpath to tsconfig.base.json "paths"): ${built.join(', ')}`);
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const path = resolve(ROOT, input);
    inputs[path] = stamp(path);
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  // Write to a temporary name and rename, so a second demo starting at the same time never reads half a file.
  const tmp = `${options.outfile}.${process.pid}.tmp`;
  writeFileSync(tmp, result.outputFiles[0].contents);
  renameSync(tmp, options.outfile);
  const manifestTmp = `${manifestPath(name)}.${process.pid}.tmp`;
  writeFileSync(manifestTmp, JSON.stringify({ key: configKey(name), inputs }));
  renameSync(manifestTmp, manifestPath(name));
}

/**
 * Makes sure both bundles are fresh, building the stale ones (in parallel). Resolves to their paths and
 * the names of the bundles it built. Build errors reject with esbuild's messages, formatted.
 */
export async function ensureBundles() {
  const stale = Object.keys(TARGETS).filter((name) => !isFresh(name));
  if (stale.length) {
    const esbuild = await import('esbuild');
    try {
      await Promise.all(stale.map((name) => buildOne(esbuild, name)));
    } catch (error) {
      if (error && Array.isArray(error.errors) && error.errors.length) {
        const text = await esbuild.formatMessages(error.errors, { kind: 'error', color: false });
        throw new Error(`The demo does not compile:\n${text.join('\n')}`);
      }
      throw error;
    }
  }
  return { server: TARGETS.server.outfile, client: TARGETS.client.outfile, built: stale };
}
