/**
 * Typechecks the ```ts / ```tsx code blocks of packages/react/README.md, each as its own module, against
 * the workspace sources (the root tsconfig's `paths`), so the README's examples keep compiling as the API
 * changes. Blocks stay in memory (a compiler host serves them next to this file). Host-app modules the
 * examples import (`next/navigation`, `@/server/sessions`) are declared in `readme-env.d.ts`.
 *
 * Run: `npx tsx packages/react/scripts/check-readme.ts` (exit 1 with the errors); also run by a test.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/** A fenced code block of the README. */
export interface ReadmeBlock {
  readonly lang: 'ts' | 'tsx';
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** The ```ts and ```tsx blocks of `markdown`. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  const fence = /^```(ts|tsx)\s*\n([\s\S]*?)^```\s*$/gm;
  for (const match of markdown.matchAll(fence)) {
    blocks.push({ lang: match[1] as 'ts' | 'tsx', code: match[2]!, line: markdown.slice(0, match.index).split('\n').length });
  }
  return blocks;
}

/** Typechecks every block; returns one message per error (`README.md:<line>: ...`), empty when all compile. */
export function checkReadme(readmePath = join(here, '..', 'README.md')): { blocks: number; errors: string[] } {
  const blocks = readmeBlocks(readFileSync(readmePath, 'utf8'));
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const virtual = new Map(blocks.map((b, i) => [join(here, `__readme_${i}.${b.lang}`), b] as const));
  // Every block is a module (an `export {}` keeps top-level names from clashing across blocks).
  const source = (b: ReadmeBlock) => `${b.code}\nexport {};\n`;
  const host = ts.createCompilerHost({ ...config.options, noEmit: true });
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => (virtual.has(f) ? source(virtual.get(f)!) : readFile(f));
  host.fileExists = (f) => virtual.has(f) || fileExists(f);
  const program = ts.createProgram({
    rootNames: [...virtual.keys(), join(here, 'readme-env.d.ts')],
    options: { ...config.options, noEmit: true, noUnusedLocals: false },
    host,
  });
  // The README's imports must resolve to workspace sources (tsconfig.base.json `paths`): a file from a
  // package's dist/ means a path is missing, and the check would pass only after a build.
  const built = program
    .getSourceFiles()
    .map((f) => f.fileName)
    .filter((f) => /\/packages\/[^/]+\/dist\//.test(f))
    .map((f) => `resolved from a build, not the sources (add its subpath to tsconfig.base.json "paths"): ${f}`);
  const errors = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && virtual.has(d.file.fileName))
    .map((d) => {
      const block = virtual.get(d.file!.fileName)!;
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `README.md:${block.line + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  return { blocks: blocks.length, errors: [...built, ...errors] };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { blocks, errors } = checkReadme();
  for (const e of errors) console.error(e);
  console.log(`${blocks} README code blocks, ${errors.length} errors`);
  process.exit(errors.length ? 1 : 0);
}
