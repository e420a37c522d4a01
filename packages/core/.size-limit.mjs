// Size budgets of @itutor/sessions-core, measured as a host bundles it: see scripts/size-budgets.mjs.
import { hostBudgets } from '../../scripts/size-budgets.mjs';

export default hostBudgets(import.meta.url, [
  {
    name: 'core "." for the browser: what a page pulls for timing, money and status display (computeSessionTimings, effectiveStatus, amountsForOutcome, formatMoney, secondsUntil, STATUS_LABELS, isFinalStatus, fromSessionJson, DEFAULT_POLICY), date-fns included',
    import: { '@itutor/sessions-core': '{ computeSessionTimings, effectiveStatus, amountsForOutcome, formatMoney, secondsUntil, STATUS_LABELS, isFinalStatus, fromSessionJson, DEFAULT_POLICY }' },
    limit: '1.75 kB',
  },
  {
    name: 'core "." whole entry (createSessionsCore and every rule), date-fns and uuid included',
    import: { '@itutor/sessions-core': '*' },
    platform: 'node',
    limit: '17 kB',
  },
  {
    name: 'core "/http" whole entry (the Web handlers) with the core it pulls from "."; zod excluded (server-only, a host has it)',
    import: { '@itutor/sessions-core/http': '*' },
    platform: 'node',
    external: ['zod'],
    limit: '5.6 kB',
  },
  {
    name: 'core "/client" whole entry (the browser fetch client), nothing excluded',
    import: { '@itutor/sessions-core/client': '*' },
    limit: '900 B',
  },
  {
    name: 'core "/testing" whole entry (in-memory adapter, fakes, contract and fault suites) with the core it pulls from "."',
    import: { '@itutor/sessions-core/testing': '*' },
    platform: 'node',
    limit: '40 kB',
  },
]);
