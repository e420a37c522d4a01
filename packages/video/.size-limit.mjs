// Size budgets of @itutor/sessions-video, measured as a host bundles it: see scripts/size-budgets.mjs.
import { hostBudgets } from '../../scripts/size-budgets.mjs';

export default hostBudgets(import.meta.url, [
  {
    name: 'video ".": whole entry (Zoom and Meet providers, connect routes, token sealing, webhooks) with the core code it pulls; arctic, jose and zod (the validator core "/http" uses) excluded: server deps a host has',
    import: { '@itutor/sessions-video': '*' },
    platform: 'node',
    external: ['arctic', 'jose', 'zod'],
    limit: '17 kB',
  },
  {
    name: 'video "/testing": whole entry (fake Zoom/Google, stores, webhook signers) with the core code it pulls; arctic, jose, zod and msw excluded',
    import: { '@itutor/sessions-video/testing': '*' },
    platform: 'node',
    external: ['arctic', 'jose', 'zod', 'msw', 'msw/node'],
    limit: '9.2 kB',
  },
]);
