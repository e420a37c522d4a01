/**
 * The public API reports: one `packages/<pkg>/etc/<entry>.api.md` per entry point of each package's
 * `exports` (`.` is `index`), written by API Extractor from the built `.d.ts` files (run `pnpm build`
 * first). The reports are committed, so a change to what a package exports shows up in review.
 *
 *   pnpm api:update   writes the reports from the current build (accept a change on purpose)
 *   pnpm api:check    fails when a report differs from the build (CI), printing the difference
 *
 * Also fails when an entry's API uses a type that no entry point of the workspace exports (API
 * Extractor's `ae-forgotten-export`; a type exported by a sibling entry, as core's `/testing` uses `Session`
 * from `.`, is fine). The ESM declarations (`import.types`) are read; tsup writes the CommonJS `.d.cts`
 * from the same source.
 *
 * API Extractor bundles its own TypeScript; it only reads declaration files here, so it does not matter
 * that it is newer than the one the packages are built with.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig, ExtractorLogLevel, type ExtractorMessage } from '@microsoft/api-extractor';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const check = process.argv.includes('--check');

interface Entry {
  readonly pkgDir: string;
  readonly pkgName: string;
  /** `index` for `.`, else the subpath (`http`, `testing`, …). */
  readonly name: string;
  readonly dts: string;
}

type ExportTarget = string | { readonly import?: { readonly types?: string } | string; readonly types?: string };

/** Every entry point with types, from each package's `exports` (`./package.json` and CSS have none). */
function entries(): Entry[] {
  const found: Entry[] = [];
  for (const dir of readdirSync(join(ROOT, 'packages')).sort()) {
    const pkgDir = join(ROOT, 'packages', dir);
    const manifest = join(pkgDir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; exports?: Record<string, ExportTarget> };
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const types = typeof target === 'object' && typeof target.import === 'object' ? target.import.types : undefined;
      if (!types) continue;
      const name = subpath === '.' ? 'index' : subpath.replace(/^\.\//, '').replace(/\//g, '-');
      found.push({ pkgDir, pkgName: pkg.name, name, dts: join(pkgDir, types) });
    }
  }
  return found;
}

const TEMP = join(ROOT, 'node_modules/.cache/api-report');

interface Analysis {
  /** The report as committed: API Extractor's, without lines that change for reasons other than the API. */
  readonly report: string;
  /** Types the entry's declarations use without exporting them (`ae-forgotten-export`). */
  readonly forgotten: string[];
  readonly problems: string[];
  readonly warnings: string[];
}

/**
 * API Extractor's report, minus what is not API: `// (undocumented)` markers (adding a doc comment is
 * not an API change) and the closing list of warnings with line numbers in the generated `.d.ts` files.
 */
function normalise(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*\/\/ \(undocumented\)$/.test(line))
    .join('\n')
    .replace(/^(\s*\/\/ @\w+) \(undocumented\)$/gm, '$1')
    .replace(/\n\/\/ \(No @packageDocumentation comment for this package\)\n/, '\n');
}

/** Runs API Extractor on one entry and returns its normalised report. */
function analyse(entry: Entry): Analysis {
  if (!existsSync(entry.dts)) {
    return { report: '', forgotten: [], warnings: [], problems: [`${entry.dts} is missing: run \`pnpm build\` first`] };
  }
  const tempFolder = join(TEMP, entry.pkgName.replace(/[@/]/g, '_'));
  mkdirSync(tempFolder, { recursive: true });
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: entry.pkgDir,
      mainEntryPointFilePath: entry.dts,
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: 'ES2022',
            module: 'ESNext',
            moduleResolution: 'Bundler',
            lib: ['ES2023', 'DOM', 'DOM.Iterable'],
            jsx: 'react-jsx',
            strict: true,
            skipLibCheck: true,
            types: [],
          },
          files: [entry.dts],
        },
      },
      // API Extractor writes its report to the temp folder (never `localBuild`): this script compares
      // and copies it, after `normalise`.
      apiReport: {
        enabled: true,
        reportFileName: `${entry.name}.api.md`,
        reportFolder: tempFolder,
        reportTempFolder: tempFolder,
      },
      newlineKind: 'lf',
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Error } },
        extractorMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: false } },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None, addToApiReportFile: false } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(entry.pkgDir, 'package.json'),
  });
  const forgotten: string[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  // Its `succeeded` is false whenever the report "changed" from the copy in the temp folder, which is how
  // this script uses it; errors are collected by the callback.
  Extractor.invoke(config, {
    localBuild: false,
    messageCallback(message: ExtractorMessage) {
      message.handled = true;
      if (message.logLevel === ExtractorLogLevel.Error) problems.push(message.text);
      else if (message.messageId === 'ae-forgotten-export') {
        const name = /symbol "([^"]+)"/.exec(message.text)?.[1];
        if (name) forgotten.push(name);
      } else if (
        message.logLevel === ExtractorLogLevel.Warning &&
        // Release tags (@public, @beta) are not used by this SDK; missing doc comments are not API.
        !['ae-missing-release-tag', 'ae-undocumented', 'console-api-report-changed', 'console-api-report-copied', 'console-api-report-create'].includes(String(message.messageId))
      ) {
        warnings.push(`${message.messageId}: ${message.text}`);
      }
    },
  });
  const built = join(tempFolder, `${entry.name}.api.md`);
  if (!existsSync(built)) problems.push(`API Extractor wrote no report (${built})`);
  const report = existsSync(built) ? normalise(readFileSync(built, 'utf8')) : '';
  return { report, forgotten, problems, warnings };
}

/** The names a report declares as exports. */
function exportedNames(report: string): Set<string> {
  const names = new Set<string>();
  for (const match of report.matchAll(/^export (?:declare )?(?:abstract )?(?:function|const|let|class|interface|type|enum|namespace) (\w+)/gm)) {
    names.add(match[1]!);
  }
  return names;
}

/** A short line diff (lines only in one file), enough to see what changed. */
function difference(committed: string, built: string): string {
  const before = new Set(committed.split('\n'));
  const after = new Set(built.split('\n'));
  const removed = [...before].filter((line) => line.trim() && !after.has(line)).map((line) => `- ${line}`);
  const added = [...after].filter((line) => line.trim() && !before.has(line)).map((line) => `+ ${line}`);
  return [...removed, ...added].join('\n');
}

rmSync(TEMP, { recursive: true, force: true });
let failed = false;
let differs = false;
const all = entries();
if (all.length === 0) {
  console.error('No entry points found in packages/*/package.json');
  failed = true;
}
const analysed = all.map((entry) => ({ entry, ...analyse(entry) }));
// Every name any public entry of the workspace exports: a type used by one entry point and exported by
// a sibling (core's `/testing` uses `Session` from `.`) is fine; one exported nowhere is a mistake.
const everywhere = new Set(analysed.flatMap(({ report }) => [...exportedNames(report)]));

for (const { entry, report, forgotten, problems, warnings } of analysed) {
  const label = `${entry.pkgName}${entry.name === 'index' ? '' : `/${entry.name}`}`;
  const committedPath = join(entry.pkgDir, 'etc', `${entry.name}.api.md`);
  const relReport = committedPath.slice(ROOT.length + 1);
  const unexported = [...new Set(forgotten)].filter((name) => !everywhere.has(name));
  for (const name of unexported) {
    problems.push(`"${name}" is used by the API of ${label} but exported by no entry point: export it, or stop using it there`);
  }
  for (const warning of warnings) console.warn(`! ${label}: ${warning}`);
  if (problems.length > 0) {
    failed = true;
    console.error(`✗ ${label}:\n  ${problems.join('\n  ')}`);
    continue;
  }
  const committed = existsSync(committedPath) ? readFileSync(committedPath, 'utf8') : '';
  if (committed === report) {
    console.log(`✓ ${label} (${relReport})`);
  } else if (!check) {
    mkdirSync(join(entry.pkgDir, 'etc'), { recursive: true });
    writeFileSync(committedPath, report);
    console.log(`✎ ${label}: ${relReport} ${committed ? 'updated' : 'written'}`);
  } else {
    failed = true;
    differs = true;
    console.error(`✗ ${label}: the built API differs from ${relReport}${committed ? '' : ' (no report committed)'}`);
    console.error(difference(committed, report).replace(/^/gm, '    '));
  }
}

if (differs) {
  console.error(
    '\nThe public API differs from the committed reports. If the change is on purpose, run ' +
      '`pnpm build && pnpm api:update`, commit the etc/*.api.md files, and add a changeset saying what ' +
      'changed and what to use instead.',
  );
}
process.exit(failed ? 1 : 0);
