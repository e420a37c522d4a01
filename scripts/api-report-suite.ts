import { expect, it } from 'vitest';
import { UPDATE_THE_REPORT, exportsOfReport, missingFromReadme, valueExportsOfReport } from './api-report-names';

/**
 * The API-report tests every package runs, in one place: each entry point exports at run time exactly
 * the values its committed report lists (`etc/<entry>.api.md`, written by `pnpm api:update`), and the
 * package README names every export it lists. Types are compared with the build by `pnpm api:check`.
 * Call inside a `describe`, with the test file's `import.meta.url` and a loader per entry point.
 */
export function itMatchesApiReports(testFileUrl: string, entries: Readonly<Record<string, () => Promise<object>>>): void {
  for (const [name, load] of Object.entries(entries)) {
    it(`${name}: the values exported match etc/${name}.api.md`, async () => {
      const exported = Object.keys(await load()).sort();
      expect(exported, UPDATE_THE_REPORT).toEqual(valueExportsOfReport(testFileUrl, name));
    });

    it(`${name}: the README names every export of etc/${name}.api.md`, () => {
      expect(missingFromReadme(testFileUrl, exportsOfReport(testFileUrl, name))).toEqual([]);
    });
  }
}
