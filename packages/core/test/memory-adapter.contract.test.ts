import { describe, it } from 'vitest';
import { createInMemoryAdapter, runAdapterContractSuite, runSettlementFaultSuite } from '@itutor/sessions-core/testing';

runAdapterContractSuite({
  name: 'in-memory',
  test: { describe, it },
  setup: async () => {
    const adapter = createInMemoryAdapter();
    return { adapter, raw: adapter.raw };
  },
});

runSettlementFaultSuite({
  name: 'in-memory',
  test: { describe, it },
  setup: async () => {
    const adapter = createInMemoryAdapter();
    return { adapter, raw: adapter.raw };
  },
});
