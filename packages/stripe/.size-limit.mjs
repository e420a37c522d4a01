// Size budgets of @itutor/sessions-stripe, measured as a host bundles it: see scripts/size-budgets.mjs.
import { hostBudgets } from '../../scripts/size-budgets.mjs';

export default hostBudgets(import.meta.url, [
  {
    name: 'stripe ".": whole entry (gateway, card setup, webhook route, refunds) with the core code it pulls; stripe and zod excluded (server deps a host has)',
    import: { '@itutor/sessions-stripe': '*' },
    platform: 'node',
    external: ['stripe', 'zod'],
    // 8.24 kB measured 2026-12-07 with #23's separate charges, transfers and transfer reversals (7.06 kB
    // before them, on the same core).
    limit: '8.75 kB',
  },
  {
    name: 'stripe "/testing": whole entry (the fake Stripe server and store); stripe and zod excluded, Node built-ins external',
    import: { '@itutor/sessions-stripe/testing': '*' },
    platform: 'node',
    external: ['stripe', 'zod'],
    // 6.78 kB measured 2026-12-07 with #23's transfers, reversals and pending charges (5.68 kB before them).
    limit: '7.25 kB',
  },
]);
