import { describe, expect, it } from 'vitest';
import { itMatchesApiReports } from '../../../scripts/api-report-suite';

/** The entry points and their committed API reports: see scripts/api-report-suite.ts. */
const entries = {
  index: () => import('../src'),
  http: () => import('../src/http'),
  client: () => import('../src/client'),
  testing: () => import('../src/testing'),
} as const;

describe('@itutor/sessions-core API reports', () => {
  itMatchesApiReports(import.meta.url, entries);

  it('implementation helpers are not exported', async () => {
    const root = await entries.index();
    const http = await entries.http();
    for (const helper of ['applyBasisPoints', 'splitCharge', 'assertValidPriceMinor', 'assertValidInstant', 'classifyChargeResult', 'chargeInstructionFor']) {
      expect(root).not.toHaveProperty(helper);
    }
    expect(http).not.toHaveProperty('createForBookingBody');
  });
});
