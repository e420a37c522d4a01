/**
 * No product function longer than 150 lines (issue #21): lists every function, method, constructor,
 * accessor, function expression and arrow function in `packages/<pkg>/src` whose source spans more than
 * the limit, with `file:line`, its name and its length, and exits 1 when there is any.
 *
 *   pnpm check:functions                      the check (limit 150 lines)
 *   pnpm check:functions --max 100            another limit, to see what is next in line
 *   pnpm check:functions --include-testing    the test fixtures too (listed, for planning)
 *
 * What is read: every `.ts` / `.tsx` file below `packages/<pkg>/src`, tests (`*.test.ts`, `*.spec.ts`),
 * generated files (`*.generated.ts`, `.d.ts`) and the test fixtures aside. The fixtures are each
 * package's `testing` entry (`src/testing/**`, `src/testing.ts`): the in-memory adapter, the fake Stripe
 * and Google servers, the adapter contract and fault suites. They run only inside a host's or an
 * adapter author's tests, never in a request, and most of their length is a list of independent test
 * cases or a fake's route table, where a long function is a long list, not tangled logic. The issue's
 * rule is about product code, as its duplicate rule sets fixtures aside; `--include-testing` still lists
 * them for whoever wants to tidy them.
 *
 * How a length is counted: from the first line of the function's own text (its leading doc comment
 * excluded) to its closing line, blank and comment lines included, as ESLint's `max-lines-per-function`
 * does by default. A function that holds nested functions counts them too: a 400-line closure that
 * returns twenty small methods is still one 400-line function to read.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One function over the limit. */
export interface LongFunction {
  /** Path relative to the repository root (or as given). */
  readonly file: string;
  /** 1-based line where the function's text starts. */
  readonly line: number;
  readonly name: string;
  readonly lines: number;
}

export const DEFAULT_MAX_LINES = 150;

/** A package's test fixtures: its `testing` entry (`src/testing/**` or `src/testing.ts`). */
function isFixture(pathBelowSrc: string): boolean {
  const parts = pathBelowSrc.split(/[\\/]/);
  return parts[0] === 'testing' || /^testing\.tsx?$/.test(parts[0] ?? '');
}

function isSourceFile(name: string): boolean {
  if (!/\.tsx?$/.test(name)) return false;
  if (name.endsWith('.d.ts')) return false;
  if (/\.(test|spec)\.tsx?$/.test(name)) return false;
  if (/\.generated\.tsx?$/.test(name)) return false;
  return true;
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (isSourceFile(entry)) out.push(path);
  }
}

/**
 * The product source files of every package: `packages/<pkg>/src/**`, tests and generated files aside,
 * and the test fixtures unless `includeFixtures`.
 */
export function productSourceFiles(root: string, includeFixtures = false): string[] {
  const files: string[] = [];
  const packages = join(root, 'packages');
  for (const pkg of readdirSync(packages).sort()) {
    const src = join(packages, pkg, 'src');
    try {
      if (!statSync(src).isDirectory()) continue;
    } catch {
      continue;
    }
    const found: string[] = [];
    walk(src, found);
    files.push(...found.filter((path) => includeFixtures || !isFixture(relative(src, path))));
  }
  return files;
}

function propertyName(name: ts.PropertyName | ts.BindingName | undefined, sf: ts.SourceFile): string | undefined {
  if (name === undefined) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return name.getText(sf);
}

/** A readable name: the declared one, else what the function is assigned to or passed to. */
function describe(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  const own = node.name ? propertyName(node.name, sf) : undefined;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (own !== undefined) return ts.isGetAccessor(node) ? `get ${own}` : ts.isSetAccessor(node) ? `set ${own}` : own;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent)) return propertyName(parent.name, sf) ?? '<anonymous>';
  if (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return propertyName(parent.name, sf) ?? '<anonymous>';
  }
  if (ts.isCallExpression(parent)) {
    const callee = parent.expression.getText(sf);
    return `<callback of ${callee.length > 40 ? `${callee.slice(0, 37)}...` : callee}>`;
  }
  if (ts.isExportAssignment(parent)) return 'export default';
  return '<anonymous>';
}

/** Every function-like node of one source text longer than `maxLines`, in source order. */
export function longFunctionsIn(fileName: string, text: string, maxLines = DEFAULT_MAX_LINES): LongFunction[] {
  const kind = fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const fn = node as ts.FunctionLikeDeclaration;
      const start = sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(fn.getEnd()).line;
      const lines = end - start + 1;
      if (lines > maxLines) found.push({ file: fileName, line: start + 1, name: describe(fn, sf), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Every product function of the repository at `root` longer than `maxLines`, longest first. */
export function findLongFunctions(
  root: string,
  maxLines = DEFAULT_MAX_LINES,
  includeFixtures = false,
): LongFunction[] {
  const found: LongFunction[] = [];
  for (const path of productSourceFiles(root, includeFixtures)) {
    found.push(...longFunctionsIn(relative(root, path), readFileSync(path, 'utf8'), maxLines));
  }
  return found.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.line - b.line);
}

function parseMax(argv: readonly string[]): number {
  const at = argv.indexOf('--max');
  if (at === -1) return DEFAULT_MAX_LINES;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--max takes a whole number of lines (got ${JSON.stringify(argv[at + 1])})`);
  }
  return value;
}

function main(): void {
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const argv = process.argv.slice(2);
  const max = parseMax(argv);
  const found = findLongFunctions(root, max, argv.includes('--include-testing'));
  if (found.length === 0) {
    console.log(`check:functions: no product function over ${max} lines (packages/*/src).`);
    return;
  }
  console.error(`check:functions: ${found.length} product function(s) over ${max} lines:`);
  for (const f of found) console.error(`  ${f.file}:${f.line}  ${f.name}  ${f.lines} lines`);
  console.error('Split each into named helpers (one context object in, no behaviour change).');
  process.exitCode = 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
