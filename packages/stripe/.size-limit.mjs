// Size budgets of @itutor/sessions-stripe, measured as a host bundles it: see scripts/size-budgets.mjs.
import { hostBudgets } from '../../scripts/size-budgets.mjs';

export default hostBudgets(import.meta.url, [
  {
    name: 'stripe ".": whole entry (gateway, card setup, webhook route, refunds) with the core code it pulls; stripe and zod excluded (server deps a host has)',
    import: { '@itutor/sessions-stripe': '*' },
    platform: 'node',
    external: ['stripe', 'zod'],
    limit: '7.65 kB',
  },
  {
    name: 'stripe "/testing": whole entry (the fake Stripe server and store); stripe and zod excluded, Node built-ins external',
    import: { '@itutor/sessions-stripe/testing': '*' },
    platform: 'node',
    external: ['stripe', 'zod'],
    limit: '6.4 kB',
  },
]);
