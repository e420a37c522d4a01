// Size budgets of @itutor/sessions-core, measured as a host bundles it: see scripts/size-budgets.mjs.
import { hostBudgets } from '../../scripts/size-budgets.mjs';

export default hostBudgets(import.meta.url, [
  {
    name: 'core "/rules" for the browser: what a page pulls for timing, money and status display (computeSessionTimings, effectiveStatus, amountsForOutcome, formatMoney, secondsUntil, STATUS_LABELS, isFinalStatus, fromSessionJson, DEFAULT_POLICY), date-fns included',
    import: { '@itutor/sessions-core/rules': '{ computeSessionTimings, effectiveStatus, amountsForOutcome, formatMoney, secondsUntil, STATUS_LABELS, isFinalStatus, fromSessionJson, DEFAULT_POLICY }' },
    // 1.75 kB until #24 added the policy's `chargebackLossBearer` default (1 753 B measured 2026-12-08).
    limit: '1.8 kB',
  },
  {
    name: 'core "/rules" whole entry (every pure rule, for the browser), date-fns included',
    import: { '@itutor/sessions-core/rules': '*' },
    // 2.9 kB before #22; the cancellation rule (tiers, quote, JSON), the tutor-absence guard and the presence
    // rule came in: 3.68 kB measured 2026-12-07; 3.80 kB with #24's policy default (2026-12-08).
    limit: '3.9 kB',
  },
  {
    name: 'core "." whole entry (the host entry: createSessionsCore, errors, policy), date-fns and uuid included',
    import: { '@itutor/sessions-core': '*' },
    platform: 'node',
    // #22 (tutor absence, cancellation fees, reschedule with its provider move, nobody-joined evidence):
    // 17.43 kB measured 2026-12-07; 21.92 kB with #23's core.payouts and core.disputes (the payout run, the
    // dispute steps with their refunds, the facts view); 27.31 kB with #24's core.chargebacks (which pulls the
    // evidence builder and its texts), the chargeback decisions and the on-session payment (2026-12-08).
    limit: '28 kB',
  },
  {
    name: 'core "/adapter" whole entry (what adapter authors build on: ports, ledger keys, deadline helper) with what it pulls from ".", date-fns and uuid included',
    import: { '@itutor/sessions-core/adapter': '*' },
    platform: 'node',
    // #22's machines and evidence rules: 8.66 kB measured 2026-12-07; 11.2 kB with #23's payout and dispute
    // machines and the ledger writes they decide; 12.83 kB with #24's dispute evidence builder (its texts);
    // 14.45 kB with #24's chargeback decisions and the on-session attempt (2026-12-08).
    limit: '15 kB',
  },
  {
    name: 'core "/http" whole entry (the Web handlers) with the core it pulls; zod excluded (server-only, a host has it)',
    import: { '@itutor/sessions-core/http': '*' },
    platform: 'node',
    external: ['zod'],
    // 6.36 kB measured 2026-12-07 after the route plug-ins (the one mount) and the shared error codes came in;
    // 7.05 kB with #22's four routes (report-tutor-absent, the fee preview, cancel, reschedule); 7.85 kB with
    // #23's dispute routes (the view, the opening, six steps, the platform's hook); 8.51 kB with #24's payment
    // and chargeback routes (2026-12-08).
    limit: '8.9 kB',
  },
  {
    // 798 B before the one error class; the client now carries SessionError, isSessionError and the list of
    // ERROR_CODES (~300 B of it) so every refusal it throws has a known code: 1.23 kB, ~12% headroom; 1.43 kB
    // with #23's ten dispute and payout codes and the dispute view's read.
    name: 'core "/client" whole entry (the browser fetch client, with the error class and its code list), nothing excluded',
    import: { '@itutor/sessions-core/client': '*' },
    limit: '1.55 kB',
  },
  {
    name: 'core "/testing" whole entry (in-memory adapter, fakes, contract and fault suites) with the core it pulls',
    import: { '@itutor/sessions-core/testing': '*' },
    platform: 'node',
    // 42.27 kB measured 2026-12-07 with #22's contract cases, fault races and the fake provider's moves and
    // meeting times, and the claim cursor (#21); 50.55 kB with #23's payout and dispute contract cases, fault
    // cases and the in-memory adapter's payout and dispute storage; 62.46 kB with #24's chargeback contract and
    // fault cases, the in-memory chargeback storage and the fake gateway's on-session, evidence and share moves.
    limit: '64 kB',
  },
]);
