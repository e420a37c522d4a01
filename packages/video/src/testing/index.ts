export { createGoogleFake, createZoomFake } from './fakes';
export type {
  FakeFault,
  FakeMeetSpace,
  FakeOptions,
  FakeRequest,
  FakeRoute,
  FakeWorkspaceSubscription,
  FakeZoomMeeting,
  GoogleFake,
  GoogleFakeOptions,
  ProviderFake,
  ZoomFake,
  ZoomFakeOptions,
} from './fakes';
export { createMemoryMeetingStore, createMemoryTokenStore } from './stores';
export type { MemoryMeetingStore, MemoryTokenStore } from './stores';
export { interceptProviders } from './intercept';
export type { ProviderInterception } from './intercept';
export { createGooglePushFake, signZoomWebhook, zoomWebhookRequest } from './webhooks';
export type { FakeWorkspaceEvent, GooglePushFake, GooglePushFakeOptions, ZoomWebhookSignatureInput } from './webhooks';
export { createMemoryMeetSubscriptionStore } from './subscription-store';
export type { MemoryMeetSubscriptionStore } from './subscription-store';
export { oauthStateStoreContract } from './oauth-state-contract';
export type { OAuthStateStoreContractCase, OAuthStateStoreUnderTest } from './oauth-state-contract';
