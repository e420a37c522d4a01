import { describe, expect, it } from 'vitest';
import { itMatchesApiReports } from '../../../scripts/api-report-suite';

/** The entry points and their committed API reports: see scripts/api-report-suite.ts. */
const entries = {
  index: () => import('../src/index'),
  testing: () => import('../src/testing/index'),
} as const;

describe('@itutor/sessions-stripe API reports', () => {
  itMatchesApiReports(import.meta.url, entries);

  it('implementation helpers are not exported', async () => {
    const root = await entries.index();
    for (const helper of ['untilAborted', 'assertInstruction', 'classifyPaymentIntent', 'formFingerprint']) expect(root).not.toHaveProperty(helper);
  });

  it('the /testing entry does not load the stripe client (hosts test without it)', async () => {
    const testing = await entries.testing();
    expect(Object.keys(testing).sort()).toEqual(['createMemoryEventStore', 'createStripeFake', 'parseStripeForm', 'startStripeFakeServer']);
  });
});
