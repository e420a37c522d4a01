import { describe, expect, it } from 'vitest';
import { UPDATE_THE_REPORT, exportsOfReport, missingFromReadme, valueExportsOfReport } from '../../../scripts/api-report-names';

/**
 * Each entry point exports at run time exactly the values its committed API report lists
 * (`etc/<entry>.api.md`), and the README names every export it lists.
 */
const entries = {
  index: () => import('../src/index'),
  testing: () => import('../src/testing/index'),
} as const;

describe('@itutor/sessions-video API reports', () => {
  for (const [name, load] of Object.entries(entries)) {
    it(`${name}: the values exported match etc/${name}.api.md`, async () => {
      const exported = Object.keys(await load()).sort();
      expect(exported, UPDATE_THE_REPORT).toEqual(valueExportsOfReport(import.meta.url, name));
    });

    it(`${name}: the README names every export of etc/${name}.api.md`, () => {
      expect(missingFromReadme(import.meta.url, exportsOfReport(import.meta.url, name))).toEqual([]);
    });
  }

  it('implementation helpers are not exported', async () => {
    const root = await entries.index();
    for (const helper of ['callApi', 'discard', 'idempotentCreate', 'assertProvider']) expect(root).not.toHaveProperty(helper);
  });
});
