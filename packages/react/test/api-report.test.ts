import { describe, expect, it } from 'vitest';
import { UPDATE_THE_REPORT, valueExportsOfReport } from '../../../scripts/api-report-names';

/**
 * Each entry point exports at run time exactly the values its committed API report lists
 * (`etc/<entry>.api.md`, written by `pnpm api:update`). Types are compared by `pnpm api:check` in CI.
 */
const entries = {
  index: () => import('../src/index'),
  testing: () => import('../src/testing'),
} as const;

describe('@itutor/sessions-react API reports', () => {
  for (const [name, load] of Object.entries(entries)) {
    it(`${name}: the values exported match etc/${name}.api.md`, async () => {
      const exported = Object.keys(await load()).sort();
      expect(exported, UPDATE_THE_REPORT).toEqual(valueExportsOfReport(import.meta.url, name));
    });
  }
});
