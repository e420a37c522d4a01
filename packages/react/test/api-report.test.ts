import { describe } from 'vitest';
import { itMatchesApiReports } from '../../../scripts/api-report-suite';

/** The entry points and their committed API reports: see scripts/api-report-suite.ts. */
const entries = {
  index: () => import('../src/index'),
  testing: () => import('../src/testing'),
  connect: () => import('../src/connect'),
  attendance: () => import('../src/attendance'),
  disputes: () => import('../src/disputes'),
  payments: () => import('../src/payments'),
  chargebacks: () => import('../src/chargebacks'),
} as const;

describe('@itutor/sessions-react API reports', () => {
  itMatchesApiReports(import.meta.url, entries);
});
