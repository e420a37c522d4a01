/**
 * `@itutor/sessions-stripe/testing`: a local fake of Stripe's API for tests and demos (no keys, no
 * internet) — with on-session payments and their 3-D Secure page, disputes and file uploads — its HTTP server, and an
 * in-memory webhook event store.
 */
export { createStripeFake } from './fake';
export type { FakeBalanceTransaction, FakeDispute, FakeDisputeOptions } from './disputes';
export type { FakeFile, FakeFileUpload } from './files';
export type {
  FakeCardBehaviour,
  FakeCharge,
  FakeEvent,
  FakePaymentIntent,
  FakeRefund,
  FakeRefundBehaviour,
  FakeTransfer,
  FakeTransferReversal,
  StripeFake,
  StripeFakeAnswer,
  StripeFakeFault,
  StripeFakeIncoming,
  StripeFakeOptions,
  StripeFakeRequest,
} from './fake';
export { parseStripeForm } from './form';
export type { FormObject, FormValue } from './form';
export { startStripeFakeServer } from './server';
export type { StripeFakeServer } from './server';
export { createMemoryEventStore } from './store';
export type { MemoryEventStore } from './store';
