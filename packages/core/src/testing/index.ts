/**
 * `@itutor/sessions-core/testing`: test doubles for the ports and the adapter contract suite.
 * Safe to use outside tests too (the demo runs on the in-memory adapter and the fakes).
 */
export { createManualClock } from './clock';
export type { ManualClock } from './clock';
export { createFakeVideoProvider, createRecordingPaymentGateway } from './fakes';
export type { FakeChargeBehaviour, FakeRefundBehaviour, FakeTransferBehaviour, FakeVideoProvider, FakeVideoProviderOptions, RecordingPaymentGateway } from './fakes';
export { createInMemoryAdapter } from './memory';
export type { InMemoryAdapter } from './memory';
export { buildSession } from './builders';
export { ContractViolation, runAdapterContractSuite } from './contract';
export type { AdapterContractHarness, AdapterContractOptions, ContractTestApi, OptionalAdapterPort, RawEventChange, RawStorageReader } from './contract';
export { runSettlementFaultSuite } from './faults';
export type { SettlementFaultSuiteOptions } from './faults';
