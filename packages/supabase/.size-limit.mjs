// Size budgets of @itutor/sessions-supabase, measured as a host bundles it: see scripts/size-budgets.mjs.
import { hostBudgets } from '../../scripts/size-budgets.mjs';

export default hostBudgets(import.meta.url, [
  {
    name: 'supabase ".": whole entry (repositories, authenticator, stores) with the core code it pulls; @supabase/supabase-js and jose excluded (server deps a host has)',
    import: { '@itutor/sessions-supabase': '*' },
    platform: 'node',
    external: ['@supabase/supabase-js', 'jose'],
    // 7.97 kB measured with #24's chargeback reader and row mapping (7.55 kB before: #23's payout and
    // dispute readers and row mappings and the core code they pull).
    limit: '8.2 kB',
  },
  {
    name: 'supabase "/migrations": whole entry (the embedded SQL migrations as strings)',
    import: { '@itutor/sessions-supabase/migrations': '*' },
    platform: 'node',
    // 40.06 kB measured with #24 (36.33 kB before): charge status awaiting_customer and the deferred check
    // of its key, the chargeback table with its rules, privileges, policies and work-list index, the
    // payout rules and list that read it, the chargeback ledger changes and the three reads.
    // 35.91 kB with #23 (31.15 kB before): sessions.payout_timing, the payout and dispute tables
    // with their rules, privileges and policies, the new ledger changes in the apply functions and the
    // four reads. Before that #22's statuses, itutor_is_final_status, itutor_cancellation_quote and the
    // batched attendance read, and #21's one work-list entry and claim cursor. Server-side text only.
    limit: '40.5 kB',
  },
]);
