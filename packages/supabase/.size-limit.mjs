// Size budgets of @itutor/sessions-supabase, measured as a host bundles it: see scripts/size-budgets.mjs.
import { hostBudgets } from '../../scripts/size-budgets.mjs';

export default hostBudgets(import.meta.url, [
  {
    name: 'supabase ".": whole entry (repositories, authenticator, stores) with the core code it pulls; @supabase/supabase-js and jose excluded (server deps a host has)',
    import: { '@itutor/sessions-supabase': '*' },
    platform: 'node',
    external: ['@supabase/supabase-js', 'jose'],
    limit: '7.2 kB',
  },
  {
    name: 'supabase "/migrations": whole entry (the embedded SQL migrations as strings)',
    import: { '@itutor/sessions-supabase/migrations': '*' },
    platform: 'node',
    limit: '30.5 kB',
  },
]);
