import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * What a browser bundle pulls from the core for timing, money and status display must stay small and
 * free of zod (which only the server-side `/http` entry uses). size-limit enforces the byte budget on
 * the built package in CI; this checks the module graph from source on every test run.
 */
describe('browser path of @itutor/sessions-core', () => {
  it('tree-shakes to timing, money and status code without zod or the services', async () => {
    const result = await build({
      stdin: {
        contents: `export { computeSessionTimings, effectiveStatus, amountsForOutcome, formatMoney, secondsUntil, STATUS_LABELS, isFinalStatus, fromSessionJson } from ${JSON.stringify(fileURLToPath(new URL('../src/rules.ts', import.meta.url)))};`,
        resolveDir: fileURLToPath(new URL('..', import.meta.url)),
        loader: 'ts',
      },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      treeShaking: true,
    });
    const output = Object.values(result.metafile.outputs)[0]!;
    const included = Object.entries(output.inputs).filter(([, info]) => info.bytesInOutput > 0).map(([path]) => path);
    expect(included.some((p) => p.includes('/zod/'))).toBe(false);
    expect(included.some((p) => /src\/(core\.ts|http|ledger|command)/.test(p))).toBe(false);
    expect(included.some((p) => p.endsWith('src/rules/timing.ts'))).toBe(true);
    expect(output.bytes).toBeLessThan(12_000);
  });
});
