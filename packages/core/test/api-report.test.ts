import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { itMatchesApiReports } from '../../../scripts/api-report-suite';

/** The entry points and their committed API reports: see scripts/api-report-suite.ts. */
const entries = {
  index: () => import('../src'),
  rules: () => import('../src/rules'),
  adapter: () => import('../src/adapter'),
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
    for (const helper of ['classifyChargeResult', 'chargeInstructionFor', 'assertValidPriceMinor']) expect(await entries.adapter()).not.toHaveProperty(helper);
  });

  it("the hosts' entry stays small: at most 50 names (values and types), as its API report lists them", () => {
    const report = readFileSync(new URL('../etc/index.api.md', import.meta.url), 'utf8');
    const names = new Set([...report.matchAll(/^export (?:declare )?(?:abstract )?(?:class|const|function|interface|type|enum|namespace) (\w+)/gm)].map((m) => m[1]));
    expect(names.size).toBeGreaterThan(20); // the report was read (a changed format would otherwise pass)
    expect(names.size).toBeLessThanOrEqual(50);
  });
});
