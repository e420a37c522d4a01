/**
 * The docs site's API reference, generated at docs build time (never committed): one page per package
 * entry point under `docs/api/`, from the committed API report of that entry
 * (`packages/<pkg>/etc/<entry>.api.md`, written by `pnpm api:update`).
 *
 * - The names and the signatures are the report's, exactly as reviewed.
 * - The TSDoc of each name (summary, `@param`, `@returns`, `@remarks`, `@example`, `@deprecated`, `@see`,
 *   and the documented members of interfaces and classes) is read from the built declaration files
 *   (`pnpm build`), since API Extractor's reports leave doc comments out. Without a build the pages
 *   still list every name and signature, with a note saying the descriptions are missing.
 *
 *   tsx scripts/docs-api.ts     (run by `pnpm docs` and `pnpm docs:build`)
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const OUT = join(ROOT, 'docs/api');

type ExportTarget = string | { readonly import?: { readonly types?: string } | string; readonly types?: string };

/** One entry point of one package, as `scripts/api-report.ts` names its report. */
export interface ApiEntry {
  /** `@itutor/sessions-core` */
  readonly pkgName: string;
  /** `@itutor/sessions-core/http` */
  readonly specifier: string;
  /** `index`, `http`, … (the report's file name) */
  readonly name: string;
  /** The committed report. */
  readonly report: string;
  /** The built ESM declarations the report was made from. */
  readonly dts: string;
  /** The page's path under `docs/api/`, without `.md`: `sessions-core`, `sessions-core-http`. */
  readonly page: string;
}

/** Every entry with a committed report, in package and entry order (`index` first). */
export function apiEntries(root = ROOT): ApiEntry[] {
  const found: ApiEntry[] = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const pkgDir = join(root, 'packages', dir);
    if (!existsSync(join(pkgDir, 'package.json'))) continue;
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, ExportTarget> };
    const perPackage: ApiEntry[] = [];
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const types = typeof target === 'object' && typeof target.import === 'object' ? target.import.types : undefined;
      if (!types) continue;
      const name = subpath === '.' ? 'index' : subpath.replace(/^\.\//, '').replace(/\//g, '-');
      const report = join(pkgDir, 'etc', `${name}.api.md`);
      if (!existsSync(report)) continue;
      const short = pkg.name.replace(/^@[^/]+\//, '');
      perPackage.push({
        pkgName: pkg.name,
        specifier: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, '')}`,
        name,
        report,
        dts: join(pkgDir, types),
        page: name === 'index' ? short : `${short}-${name}`,
      });
    }
    perPackage.sort((a, b) => (a.name === 'index' ? -1 : b.name === 'index' ? 1 : a.name.localeCompare(b.name)));
    found.push(...perPackage);
  }
  return found;
}

type Kind = 'function' | 'class' | 'interface' | 'type' | 'const' | 'enum' | 'namespace' | 'reexport';

interface Declaration {
  readonly name: string;
  readonly kind: Kind;
  /** The report's text of every declaration of this name (overloads are several). */
  readonly signatures: string[];
  /** For a re-export: the entry it comes from, when the report imports it. */
  readonly from?: string;
}

const KIND_OF: Record<string, Kind> = { let: 'const', const: 'const', function: 'function', class: 'class', interface: 'interface', type: 'type', enum: 'enum', namespace: 'namespace' };

/** The declarations of an API Extractor report, by name, in the report's (alphabetical) order. */
export function parseReport(text: string): Declaration[] {
  const code = /```ts\n([\s\S]*?)\n```/.exec(text)?.[1] ?? '';
  const imports = new Map<string, string>();
  for (const match of code.matchAll(/^import \{ ([^}]+) \} from '([^']+)';$/gm)) {
    for (const name of match[1]!.split(',').map((part) => part.trim().split(/\s+as\s+/).pop()!)) imports.set(name, match[2]!);
  }
  const byName = new Map<string, { kind: Kind; signatures: string[]; from?: string }>();
  // Declarations are separated by blank lines; their leading `// @public` (and warning) lines are dropped.
  for (const chunk of code.split(/\n\s*\n/)) {
    const body = chunk
      .split('\n')
      .filter((line) => !/^\/\/ /.test(line))
      .join('\n')
      .trim();
    if (!body || body.startsWith('import ') || body.startsWith('// ')) continue;
    const reexport = /^export \{ (\w+)(?: as (\w+))? \}/.exec(body);
    if (reexport) {
      const name = reexport[2] ?? reexport[1]!;
      const from = imports.get(reexport[1]!);
      byName.set(name, { kind: 'reexport', signatures: [], ...(from ? { from } : {}) });
      continue;
    }
    const match = /^export (?:declare )?(?:abstract )?(function|const|let|class|interface|type|enum|namespace) (\w+)/.exec(body);
    if (!match) continue;
    const name = match[2]!;
    const signature = body.replace(/^export (?:declare )?/, '');
    const existing = byName.get(name);
    if (existing) existing.signatures.push(signature);
    else byName.set(name, { kind: KIND_OF[match[1]!]!, signatures: [signature] });
  }
  return [...byName].map(([name, d]) => ({ name, ...d }));
}

interface Docs {
  /** For a type alias whose report shows no members (`ReturnType<typeof f>`): its members' signatures. */
  readonly shape: string[];
  readonly summary: string;
  readonly tags: { readonly name: string; readonly text: string }[];
  readonly members: { readonly name: string; readonly text: string }[];
}

/** The TSDoc of an entry's exports, read from its built declarations. */
function readDocs(program: ts.Program, dts: string, known: (name: string) => string | null): Map<string, Docs> {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(dts);
  const docs = new Map<string, Docs>();
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) return docs;
  const text = (parts: readonly ts.SymbolDisplayPart[] | undefined) => renderParts(parts ?? [], known);
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const tags = symbol
      .getJsDocTags(checker)
      .filter((tag) => tag.name !== 'internal' && tag.name !== 'public')
      .map((tag) => ({ name: tag.name, text: text(tag.text) }));
    const members: Docs['members'][number][] = [];
    // Interfaces and classes, and type aliases of one object type (`SessionsCore` is the return type of
    // `createSessionsCore`: its methods are documented there), list their documented members.
    const declared = symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class | ts.SymbolFlags.TypeAlias) ? checker.getDeclaredTypeOfSymbol(symbol) : null;
    const shape: string[] = [];
    if (declared && (!(symbol.flags & ts.SymbolFlags.TypeAlias) || (declared.flags & ts.TypeFlags.Object && !declared.isUnion()))) {
      const type = declared;
      for (const member of checker.getPropertiesOfType(type)) {
        const doc = text(member.getDocumentationComment(checker));
        if (doc) members.push({ name: member.name, text: doc });
        if (symbol.flags & ts.SymbolFlags.TypeAlias) {
          const memberType = checker.getTypeOfSymbol(member);
          const signatures = memberType.getCallSignatures();
          const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.WriteArrowStyleSignature;
          if (signatures.length > 0) {
            for (const signature of signatures) shape.push(`${member.name}${checker.signatureToString(signature, undefined, ts.TypeFormatFlags.NoTruncation)};`);
          } else {
            shape.push(`readonly ${member.name}: ${checker.typeToString(memberType, undefined, flags)};`);
          }
        }
      }
    }
    docs.set(exported.name, { shape, summary: text(symbol.getDocumentationComment(checker)), tags, members });
  }
  return docs;
}

/** TSDoc text as markdown: `{@link X}` becomes a link when X is documented on some page. */
function renderParts(parts: readonly ts.SymbolDisplayPart[], known: (name: string) => string | null): string {
  let out = '';
  let linkTarget: string | null = null;
  for (const part of parts) {
    if (part.kind === 'link') continue; // the `{@link ` and `}` delimiters
    if (part.kind === 'linkName') {
      linkTarget = part.text;
      const href = known(part.text.replace(/\(\)$/, '').split('.')[0]!);
      out += href ? `[\`${part.text}\`](${href})` : `\`${part.text}\``;
      continue;
    }
    if (part.kind === 'linkText') {
      // `{@link X | text}`: the name is enough; the text follows as prose.
      if (linkTarget && part.text.trim()) out += ` (${escapeProse(part.text.trim())})`;
      linkTarget = null;
      continue;
    }
    out += escapeProse(part.text);
  }
  return out.trim();
}

/** Prose outside code spans, made safe for VitePress (HTML and Vue are on in markdown). */
function escapeProse(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((piece, i) => (i % 2 === 1 ? piece : piece.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('');
}

const KIND_TITLES: [Kind, string][] = [
  ['function', 'Functions'],
  ['class', 'Classes'],
  ['const', 'Constants'],
  ['interface', 'Interfaces'],
  ['type', 'Types'],
  ['enum', 'Enums'],
  ['namespace', 'Namespaces'],
  ['reexport', 'Re-exported'],
];

function renderTag(tag: Docs['tags'][number]): string {
  switch (tag.name) {
    case 'param': {
      const [, name, rest] = /^(\S+)\s*(?:-\s*)?([\s\S]*)$/.exec(tag.text) ?? [, tag.text, ''];
      return `- **\`${name}\`** ${rest}`.trimEnd();
    }
    case 'returns':
      return `**Returns:** ${tag.text}`;
    case 'throws':
      return `**Throws:** ${tag.text}`;
    case 'deprecated':
      return `::: warning Deprecated\n${tag.text}\n:::`;
    case 'example':
      return `**Example**\n\n${/```/.test(tag.text) ? tag.text : `\`\`\`ts\n${tag.text}\n\`\`\``}`;
    case 'remarks':
      return tag.text;
    case 'see':
      return `**See:** ${tag.text}`;
    case 'defaultValue':
    case 'default':
      return `**Default:** ${tag.text}`;
    default:
      return `**@${tag.name}** ${tag.text}`;
  }
}

function renderEntry(entry: ApiEntry, declarations: Declaration[], docs: Map<string, Docs> | null, pageOf: (specifier: string) => string | null): string {
  const lines: string[] = [];
  lines.push('---', `title: '${entry.specifier}'`, 'outline: [2, 3]', 'editLink: false', '---', '');
  lines.push(`# \`${entry.specifier}\``, '');
  lines.push(
    `Generated from [\`${entry.report.slice(ROOT.length + 1)}\`](#about-this-page) and the TSDoc of the built package. ` +
      `${declarations.length} exported names.`,
    '',
  );
  if (!docs) {
    lines.push('::: warning Descriptions missing', 'The packages were not built when this page was generated (`pnpm build`), so it shows names and signatures only.', ':::', '');
  }
  lines.push('```ts', `import { … } from '${entry.specifier}';`, '```', '');
  // An index of the names by kind.
  for (const [kind, title] of KIND_TITLES) {
    const names = declarations.filter((d) => d.kind === kind);
    if (names.length === 0) continue;
    lines.push(`**${title}:** ${names.map((d) => `[\`${d.name}\`](#${d.name})`).join(', ')}`, '');
  }
  lines.push('::: v-pre', '');
  for (const [kind, title] of KIND_TITLES) {
    const names = declarations.filter((d) => d.kind === kind);
    if (names.length === 0) continue;
    lines.push(`## ${title} {#kind-${kind}}`, '');
    for (const declaration of names) {
      lines.push(`### ${declaration.name} {#${declaration.name}}`, '');
      if (declaration.kind === 'reexport') {
        const page = declaration.from ? pageOf(declaration.from) : null;
        lines.push(
          declaration.from
            ? `The same \`${declaration.name}\` as [\`${declaration.from}\`](${page ? `./${page}#${declaration.name}` : '#'}).`
            : `Re-exported.`,
          '',
        );
        continue;
      }
      lines.push('```ts', ...declaration.signatures.flatMap((s, i) => (i > 0 ? ['', s] : [s])), '```', '');
      const doc = docs?.get(declaration.name);
      // An alias the report shows without its members (`ReturnType<typeof createSessionsCore>`): show them.
      if (doc && doc.shape.length > 0 && !declaration.signatures.some((sig) => sig.includes('{'))) {
        lines.push('```ts', `// the members of ${declaration.name}`, ...doc.shape, '```', '');
      }
      if (doc?.summary) lines.push(doc.summary, '');
      const params = doc?.tags.filter((t) => t.name === 'param') ?? [];
      if (params.length > 0) lines.push('**Parameters**', '', ...params.map(renderTag), '');
      for (const tag of doc?.tags.filter((t) => t.name !== 'param') ?? []) lines.push(renderTag(tag), '');
      if (doc && doc.members.length > 0) {
        lines.push('**Members**', '');
        for (const member of doc.members) lines.push(`- **\`${member.name}\`** — ${member.text.replace(/\n+/g, ' ')}`);
        lines.push('');
      }
    }
  }
  lines.push(':::', '');
  lines.push(
    '## About this page {#about-this-page}',
    '',
    `The names and signatures are API Extractor's report of this entry point, \`${entry.report.slice(ROOT.length + 1)}\`, ` +
      'which CI keeps equal to the built package (`pnpm api:check`); a change to the public API changes that file ' +
      'in review, and this page with it. Anything not listed here is not public API.',
    '',
  );
  return lines.join('\n');
}

function renderIndex(entries: ApiEntry[], counts: Map<string, number>): string {
  const lines = ['---', 'title: API reference', 'editLink: false', '---', '', '# API reference', ''];
  lines.push(
    'One page per entry point of each package, generated when the site is built from the API reports ' +
      '(`packages/*/etc/*.api.md`, kept equal to the built packages by CI) and the TSDoc of the built ' +
      'declarations. The guides say what to use when; these pages say exactly what exists.',
    '',
    '| import | names |',
    '| --- | --- |',
  );
  for (const entry of entries) lines.push(`| [\`${entry.specifier}\`](./${entry.page}) | ${counts.get(entry.specifier) ?? 0} |`);
  lines.push('');
  return lines.join('\n');
}

function main(): void {
  const started = Date.now();
  const entries = apiEntries();
  if (entries.length === 0) throw new Error('No API reports found under packages/*/etc/*.api.md');
  const parsed = entries.map((entry) => ({ entry, declarations: parseReport(readFileSync(entry.report, 'utf8')) }));

  // Where each name is documented: first the entry's own page, else the first page that has it.
  const pageOfSpecifier = new Map(entries.map((e) => [e.specifier, e.page]));
  const firstPageOf = new Map<string, string>();
  for (const { entry, declarations } of parsed) {
    for (const d of declarations) if (d.kind !== 'reexport' && !firstPageOf.has(d.name)) firstPageOf.set(d.name, entry.page);
  }

  const built = entries.every((e) => existsSync(e.dts));
  const program = built
    ? ts.createProgram(
        entries.map((e) => e.dts),
        { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, jsx: ts.JsxEmit.ReactJSX, strict: true, skipLibCheck: true, noEmit: true, types: [] },
      )
    : null;
  if (!built) console.warn('docs-api: packages/*/dist is missing (run `pnpm build`): pages get signatures without descriptions');

  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const counts = new Map<string, number>();
  for (const { entry, declarations } of parsed) {
    const own = new Set(declarations.map((d) => d.name));
    const known = (name: string) => (own.has(name) ? `#${name}` : firstPageOf.has(name) ? `./${firstPageOf.get(name)}#${name}` : null);
    const docs = program ? readDocs(program, entry.dts, known) : null;
    writeFileSync(join(OUT, `${entry.page}.md`), renderEntry(entry, declarations, docs, (s) => pageOfSpecifier.get(s) ?? null));
    counts.set(entry.specifier, declarations.length);
  }
  writeFileSync(join(OUT, 'index.md'), renderIndex(entries, counts));
  // The sidebar of the reference, read by docs/.vitepress/config.ts.
  writeFileSync(join(OUT, 'sidebar.json'), `${JSON.stringify(entries.map((e) => ({ text: e.specifier, link: `/api/${e.page}` })), null, 2)}\n`);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(`docs-api: ${entries.length} reference pages, ${total} names, in docs/api/ (${Date.now() - started} ms)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
