import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findLongFunctions, longFunctionsIn } from '../check-function-length';

/** A function of exactly `lines` lines: header, `lines - 2` statements, closing brace. */
function body(lines: number): string {
  return Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`).join('\n');
}

describe('check-function-length', () => {
  it('counts a function from its first line to its closing brace and names it', () => {
    const text = [
      '/** A doc comment does not count. */',
      'export function long(): void {',
      body(151),
      '}',
      'export function edge(): void {',
      body(150),
      '}',
    ].join('\n');
    expect(longFunctionsIn('x.ts', text, 150)).toEqual([{ file: 'x.ts', line: 2, name: 'long', lines: 151 }]);
  });

  it('finds arrow functions, methods and callbacks, nested ones included, by what they are bound to', () => {
    const text = [
      'const arrow = () => {',
      body(10),
      '};',
      'class K {',
      '  method() {',
      body(10),
      '  }',
      '}',
      'const o = { prop: function () {',
      body(10),
      '} };',
      'run(() => {',
      body(10),
      '});',
    ].join('\n');
    const names = longFunctionsIn('y.tsx', text, 5).map((f) => f.name);
    expect(names).toEqual(['arrow', 'method', 'prop', '<callback of run>']);
  });

  const root = mkdtempSync(join(tmpdir(), 'fn-length-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads packages/*/src only, skipping tests, generated files and (unless asked) the testing fixtures', () => {
    const long = `export function big() {\n${body(200)}\n}\n`;
    for (const dir of ['packages/a/src/inner', 'packages/a/src/testing', 'packages/a/test']) {
      mkdirSync(join(root, dir), { recursive: true });
    }
    writeFileSync(join(root, 'packages/a/src/inner/product.ts'), long);
    writeFileSync(join(root, 'packages/a/src/product.test.ts'), long);
    writeFileSync(join(root, 'packages/a/src/sql.generated.ts'), long);
    writeFileSync(join(root, 'packages/a/src/testing/fake.ts'), long);
    writeFileSync(join(root, 'packages/a/src/testing.ts'), long);
    writeFileSync(join(root, 'packages/a/test/helper.ts'), long);

    expect(findLongFunctions(root).map((f) => f.file)).toEqual([join('packages/a/src/inner/product.ts')]);
    expect(findLongFunctions(root, 150, true).map((f) => f.file).sort()).toEqual(
      [
        join('packages/a/src/inner/product.ts'),
        join('packages/a/src/testing.ts'),
        join('packages/a/src/testing/fake.ts'),
      ].sort(),
    );
  });
});
