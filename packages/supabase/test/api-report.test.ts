import { describe, expect, it } from 'vitest';
import { itMatchesApiReports } from '../../../scripts/api-report-suite';

/** The entry points and their committed API reports: see scripts/api-report-suite.ts. */
const entries = {
  index: () => import('../src/index'),
  migrations: () => import('../src/migrations'),
} as const;

describe('@itutor/sessions-supabase API reports', () => {
  itMatchesApiReports(import.meta.url, entries);

  it('the money conversion and the repository function table stay internal', async () => {
    const root = await entries.index();
    for (const helper of ['centsToDecimal', 'decimalToCents', 'REPOSITORY_FUNCTIONS']) expect(root).not.toHaveProperty(helper);
  });
});
