// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { checkReadme, readmeBlocks } from '../scripts/check-readme';

describe('README code examples', () => {
  it('finds the ts/tsx blocks', () => {
    expect(readmeBlocks('x\n```tsx\nconst a = 1;\n```\n```sh\nls\n```\n```ts\nlet b = 2;\n```\n')).toEqual([
      { lang: 'tsx', code: 'const a = 1;\n', line: 2 },
      { lang: 'ts', code: 'let b = 2;\n', line: 8 },
    ]);
  });

  it('all typecheck against the package’s sources', () => {
    const { blocks, errors } = checkReadme();
    expect(blocks).toBeGreaterThan(5);
    expect(errors).toEqual([]);
  }, 120_000);
});
