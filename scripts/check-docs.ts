/**
 * Type-checks every TypeScript example of the docs site against the built packages, so the guides
 * cannot drift from the code.
 *
 * Every ```ts / ```tsx block of `docs/**\/*.md` (the generated API reference aside) becomes a file of a
 * scratch project, `docs/.check/`, which resolves `@itutor/sessions-*` the way a host does: through the
 * docs workspace package's dependencies (`docs/node_modules/@itutor/*` → `packages/*`) and each package's
 * `exports`, i.e. its built `dist/*.d.ts` (run `pnpm build` first). Third-party imports (stripe, hono,
 * arctic, @supabase/supabase-js, pg, ws, @electric-sql/pglite, date-fns, react) resolve to the docs package's dependencies. The project is
 * checked as a host's would be: strict, ESM, bundler resolution, lib checks skipped.
 *
 * How blocks become files:
 * - Each page is its own folder. A block whose first line is a comment naming a file
 *   (`// lib/sessions.ts (server only)`) is written to that path, so other blocks of the same page can
 *   import it as `@/lib/sessions` (the Next.js alias; rewritten to a relative path in the scratch copy).
 *   Any other block is a module of its own. Host-specific names are declared in the block
 *   (`declare const pool: Pool;`).
 * - A block opts out only visibly, in its info string, with a reason:
 *   ```ts no-check: <why this one cannot be type-checked>
 *   A `no-check` without a reason fails the check. The summary lists every opted-out block.
 *
 *   tsx scripts/check-docs.ts               check the docs (fails on any type error, or on no block at all)
 *   tsx scripts/check-docs.ts --self-test   prove the check works: a wrong block fails, a right one passes
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const DOCS = join(ROOT, 'docs');

/** One fenced TypeScript block of a page. */
export interface DocBlock {
  /** The page, relative to the repository root. */
  readonly page: string;
  /** 1-based line of the block's first code line in the page. */
  readonly line: number;
  readonly lang: 'ts' | 'tsx';
  readonly code: string;
  /** `null` unless the block opted out with `no-check`; then its reason (empty when none was given). */
  readonly noCheck: string | null;
}

const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})\s*(ts|tsx|typescript)(?=$|[\s{[:])(.*)$/;

/** The TypeScript blocks of one markdown page. Indented blocks (inside list items) are dedented. */
export function extractBlocks(page: string, markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i]!);
    if (!open) {
      // Skip over other fenced blocks, so a ```ts inside a ```md example is not taken for a real one.
      // (A backtick fence's info string has no backtick: "```` ```ts ````" at a line's start is inline code.)
      const other = /^(\s*)(`{3,}(?=[^`]*$)|~{3,})/.exec(lines[i]!);
      if (other) {
        const close = new RegExp(`^\\s*${other[2]![0]}{${other[2]!.length},}\\s*$`);
        while (++i < lines.length && !close.test(lines[i]!));
      }
      continue;
    }
    const [, indent, fence, rawLang, info] = open;
    const close = new RegExp(`^\\s*${fence![0]}{${fence!.length},}\\s*$`);
    const body: string[] = [];
    const first = i + 1;
    while (++i < lines.length && !close.test(lines[i]!)) body.push(lines[i]!.startsWith(indent!) ? lines[i]!.slice(indent!.length) : lines[i]!.trimStart());
    const noCheck = /(?:^|\s)no-check\b:?\s*(.*)$/.exec(info ?? '');
    blocks.push({
      page,
      line: first + 1,
      lang: rawLang === 'tsx' ? 'tsx' : 'ts',
      code: body.join('\n'),
      noCheck: noCheck ? noCheck[1]!.trim() : null,
    });
  }
  return blocks;
}

/** The site's hand-written pages: every `.md` under `docs/` but the generated API reference. */
export function docPages(docsDir = DOCS): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      // Not pages of the site: the generated reference, tool folders, and docs/README.md (srcExclude).
      if (entry.name.startsWith('.') || entry.name === 'node_modules' || (dir === docsDir && (entry.name === 'api' || entry.name === 'README.md'))) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) found.push(path);
    }
  };
  walk(docsDir);
  return found;
}

export interface CheckResult {
  readonly checked: DocBlock[];
  readonly skipped: DocBlock[];
  /** Type errors and refused markers, as `page:line:column message`. */
  readonly problems: string[];
}

/** The compiler options of the scratch project: a strict ESM host with bundler resolution. */
const COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2023', 'DOM', 'DOM.Iterable'],
  module: 'ESNext',
  moduleResolution: 'Bundler',
  moduleDetection: 'force',
  jsx: 'react-jsx',
  strict: true,
  noEmit: true,
  esModuleInterop: true,
  skipLibCheck: true,
  types: ['node'],
} as const;

const NAMED_FILE = /^\/\/\s*((?:[\w.@[\]-]+\/)*[\w.@[\]-]+\.tsx?)\b/;

/**
 * Writes the blocks into `scratchDir` (one folder per page) and type-checks them in one program.
 * `scratchDir` must sit under the docs package, so that imports resolve to its dependencies.
 */
export function checkBlocks(blocks: readonly DocBlock[], scratchDir: string): CheckResult {
  const problems: string[] = [];
  const skipped = blocks.filter((b) => b.noCheck !== null);
  for (const block of skipped) {
    if (!block.noCheck) problems.push(`${block.page}:${block.line - 1}: \`no-check\` needs a reason (\`\`\`ts no-check: why this block cannot be checked)`);
  }
  const checked = blocks.filter((b) => b.noCheck === null);

  rmSync(scratchDir, { recursive: true, force: true });
  mkdirSync(scratchDir, { recursive: true });
  writeFileSync(join(scratchDir, 'package.json'), '{ "private": true, "type": "module" }\n');
  writeFileSync(
    join(scratchDir, 'tsconfig.json'),
    `${JSON.stringify({ compilerOptions: COMPILER_OPTIONS, include: ['**/*.ts', '**/*.tsx'] }, null, 2)}\n`,
  );
  writeFileSync(join(scratchDir, 'css.d.ts'), "declare module '*.css';\n");

  // file in the scratch project → where its lines come from
  const origin = new Map<string, DocBlock>();
  for (const block of checked) {
    const pageDir = join(scratchDir, block.page.replace(/^docs\//, '').replace(/\.md$/, '').replace(/[^\w/-]/g, '_'));
    const named = NAMED_FILE.exec(block.code.split('\n')[0] ?? '')?.[1];
    const file = named ? join(pageDir, named) : join(pageDir, `line-${block.line}.${block.lang}`);
    if (origin.has(file)) {
      problems.push(`${block.page}:${block.line}: a block of this page is already ${named}: give one of them another file name`);
      continue;
    }
    origin.set(file, block);
    // `@/…` is the page's own folder (the Next.js alias), as a relative path; lines keep their numbers.
    const code = block.code.replace(/(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])@\/([^'"]+)\2/g, (_m, lead: string, quote: string, rest: string) => {
      let rel = relative(dirname(file), join(pageDir, rest)).split(sep).join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return `${lead}${quote}${rel}${quote}`;
    });
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${code}\n`);
  }

  const options = ts.convertCompilerOptionsFromJson(COMPILER_OPTIONS, scratchDir).options;
  const program = ts.createProgram({ rootNames: [...origin.keys(), join(scratchDir, 'css.d.ts')], options });
  // The SDK's types must come from the built packages, as a host gets them, never from their sources.
  const packagesDir = `${join(ROOT, 'packages')}${sep}`;
  for (const source of program.getSourceFiles()) {
    const path = resolve(source.fileName);
    if (path.startsWith(packagesDir) && !path.includes(`${sep}node_modules${sep}`) && !path.includes(`${sep}dist${sep}`)) {
      problems.push(`${relative(ROOT, path)}: a docs block resolved an SDK package to its sources instead of its built dist/`);
    }
  }
  const diagnostics = ts.getPreEmitDiagnostics(program);
  for (const diagnostic of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n    ');
    const file = diagnostic.file?.fileName;
    const block = file ? origin.get(resolve(file)) : undefined;
    if (diagnostic.file && block && diagnostic.start !== undefined) {
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      problems.push(`${block.page}:${block.line + line}:${character + 1} TS${diagnostic.code}: ${message}`);
    } else {
      problems.push(`${file ? relative(ROOT, file) : '(project)'} TS${diagnostic.code}: ${message}`);
    }
  }
  return { checked, skipped, problems };
}

/** The packages must be built, and the docs package must resolve them to this workspace's packages. */
function assertBuiltPackages(): void {
  const missing: string[] = [];
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    const manifest = join(ROOT, 'packages', pkg, 'package.json');
    if (!existsSync(manifest)) continue;
    const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name;
    const linked = join(DOCS, 'node_modules', name);
    if (!existsSync(linked) || realpathSync(linked) !== realpathSync(join(ROOT, 'packages', pkg))) {
      missing.push(`${name} is not a dependency of docs/package.json (or not installed: pnpm install)`);
    } else if (!existsSync(join(ROOT, 'packages', pkg, 'dist'))) {
      missing.push(`packages/${pkg}/dist is missing: run \`pnpm build\` first`);
    }
  }
  if (missing.length > 0) {
    console.error(`check-docs: cannot check against the built packages:\n  ${missing.join('\n  ')}`);
    process.exit(1);
  }
}

function report(result: CheckResult, pages: number): void {
  for (const block of result.skipped) console.log(`  - not checked: ${block.page}:${block.line - 1} (no-check: ${block.noCheck || 'NO REASON GIVEN'})`);
  if (result.problems.length > 0) {
    console.error(`\n${result.problems.join('\n')}\n`);
    console.error(`check-docs: ${result.problems.length} problem(s) in the docs' TypeScript blocks (fix the docs, or the code they describe)`);
  }
  console.log(
    `check-docs: ${result.checked.length} TypeScript block(s) in ${pages} page(s) type-checked against the built packages, ` +
      `${result.skipped.length} opted out with no-check, ${result.problems.length} problem(s)`,
  );
}

function main(): void {
  const started = Date.now();
  assertBuiltPackages();
  const pages = docPages();
  const blocks = pages.flatMap((path) => extractBlocks(relative(ROOT, path), readFileSync(path, 'utf8')));
  const result = checkBlocks(blocks, join(DOCS, '.check'));
  report(result, pages.length);
  if (result.checked.length === 0) {
    console.error('check-docs: no TypeScript block found: the extraction is broken, or the guides are gone');
    process.exit(1);
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s; the scratch project is docs/.check/)`);
  process.exit(result.problems.length > 0 ? 1 : 0);
}

/**
 * Proves the check can fail: a page with a block that calls the SDK wrongly must fail with the page's
 * line, the same block corrected must pass, and a `no-check` without a reason must be refused.
 */
function selfTest(): void {
  assertBuiltPackages();
  const page = 'docs/self-test.md';
  const markdown = [
    '# Self-test',
    '',
    '```ts',
    "import { amountsForOutcome } from '@itutor/sessions-core/rules';",
    "const split: { chargeMinor: number } = amountsForOutcome(15_000, 'NO_SHOW_STUDENT');",
    '```',
    '',
    '- in a list item:',
    '',
    '  ```ts',
    "  import { amountsForOutcome } from '@itutor/sessions-core/rules';",
    "  const split: string = amountsForOutcome('15000', 'NO_SHOW_STUDENT');",
    '  ```',
    '',
    '```ts no-check',
    'this is not TypeScript',
    '```',
    '',
    '```ts no-check: shows a shell session, not code',
    'neither is this',
    '```',
    '',
    '````md',
    '```ts',
    "const quoted: number = 'a block inside an example of markdown is not a block of the page';",
    '```',
    '````',
    '',
  ].join('\n');
  const blocks = extractBlocks(page, markdown);
  const result = checkBlocks(blocks, join(DOCS, '.check', '.self-test'));
  rmSync(join(DOCS, '.check', '.self-test'), { recursive: true, force: true });
  const failures: string[] = [];
  const expect = (ok: boolean, what: string) => {
    console.log(`  ${ok ? '✓' : '✗'} ${what}`);
    if (!ok) failures.push(what);
  };
  expect(blocks.length === 4 && result.checked.length === 2 && result.skipped.length === 2, 'four blocks found (not the one quoted inside a markdown example): two checked, two marked no-check');
  const wrong = result.problems.filter((p) => p.startsWith(`${page}:12:`));
  expect(wrong.some((p) => p.includes('TS2345')) && wrong.some((p) => p.includes('TS2322')), 'the wrong block fails, reported at its line of the page (12: a string price, a split typed as string)');
  expect(!result.problems.some((p) => /^docs\/self-test\.md:[1-6]:/.test(p)), 'the correct block passes');
  expect(result.problems.some((p) => p.startsWith(`${page}:15:`) && p.includes('needs a reason')), 'a no-check without a reason is refused');
  expect(!result.problems.some((p) => p.startsWith(`${page}:19:`)), 'a no-check with a reason is skipped and listed');
  expect(result.problems.length === 3, `nothing else is reported (${result.problems.length} problems: ${result.problems.join(' | ')})`);
  if (failures.length > 0) {
    console.error(`check-docs --self-test: FAILED (${failures.length})`);
    process.exit(1);
  }
  console.log('check-docs --self-test: the check fails on a wrong block and passes a right one');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--self-test')) selfTest();
  else main();
}
