// Size budgets of @itutor/sessions-stripe, measured as a host bundles it: see scripts/size-budgets.mjs.
import { hostBudgets } from '../../scripts/size-budgets.mjs';

export default hostBudgets(import.meta.url, [
  {
    name: 'stripe ".": whole entry (gateway, card setup, webhook route, refunds) with the core code it pulls; stripe and zod excluded (server deps a host has)',
    import: { '@itutor/sessions-stripe': '*' },
    platform: 'node',
    external: ['stripe', 'zod'],
    // 12.42 kB measured 2026-12-08 with #24's evidence document (the dependency-free PDF writer with
    // Helvetica's widths, stripeEvidenceDocument and its Files API upload: +1.89 kB over 10.53 kB, which had
    // #24's payment recovery (the customer-decline table, startOnSessionCharge), chargebacks (evidence staging
    // and submission, the tutor's share moves) and the dispute webhook; 8.24 kB before them, with #23's
    // separate charges, transfers and transfer reversals).
    limit: '12.9 kB',
  },
  {
    name: 'stripe "/testing": whole entry (the fake Stripe server and store); stripe and zod excluded, Node built-ins external',
    import: { '@itutor/sessions-stripe/testing': '*' },
    platform: 'node',
    external: ['stripe', 'zod'],
    // 11.82 kB measured 2026-12-08 with #24's Files API (multipart/form-data parsing, the purposes' formats
    // and sizes, File objects, the evidence files' combined limit: +2.22 kB over 9.6 kB, which had #24's
    // on-session PaymentIntents, the 3-D Secure page, disputes and destination-charge transfers; 6.78 kB
    // before them, with #23's transfers, reversals and pending charges).
    limit: '12.3 kB',
  },
]);
