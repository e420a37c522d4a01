import { describe, expect, it } from 'vitest';
import { itMatchesApiReports } from '../../../scripts/api-report-suite';

/** The entry points and their committed API reports: see scripts/api-report-suite.ts. */
const entries = {
  index: () => import('../src/index'),
  testing: () => import('../src/testing/index'),
} as const;

describe('@itutor/sessions-video API reports', () => {
  itMatchesApiReports(import.meta.url, entries);

  it('implementation helpers are not exported', async () => {
    const root = await entries.index();
    for (const helper of ['callApi', 'discard', 'idempotentCreate', 'assertProvider']) expect(root).not.toHaveProperty(helper);
  });
});
