export { MIN_COOKIE_SECRET_LENGTH, videoConnectRoutes } from './connect';
export type { AuthorizationCodeTokens, OAuthAuthorizationClient, VideoConnectOptions, VideoConnectOutcome, VideoConnectProvider } from './connect';
export { createKeyRing, decryptToken, encryptToken, needsReencryption } from './crypto';
export type { EncryptedToken, KeyRing, KeyRingOptions } from './crypto';
export { createGoogleOAuthClient, createZoomOAuthClient, GOOGLE_ENDPOINTS, ZOOM_ENDPOINTS } from './endpoints';
export type { GoogleEndpoints, ProviderOAuthClient, ProviderOAuthClientOptions, ZoomEndpoints } from './endpoints';
export type { ConnectionRefusalReason } from './errors';
export { parseRetryAfter } from './http';
export type { ApiCallOptions } from './http';
export type { MeetingStore } from './meetings';
export { coreMeetingEventSink, DEFAULT_WEBHOOK_MAX_BODY_BYTES } from './meeting-events';
export type {
  IgnoredMeetingEvent,
  IgnoredMeetingEventReason,
  MeetingEventRecorder,
  MeetingEventSink,
  ProviderMeetingEvent,
  ProviderMeetingEventKind,
  ProviderParticipant,
} from './meeting-events';
export { GOOGLE_MEET_EVENT_TYPES, GOOGLE_OIDC_ISSUERS, GOOGLE_OIDC_JWKS_URL, meetEventRoutes } from './meet-events';
export type { GoogleMeetEventsOptions, MeetEventReference, MeetParticipantDetails } from './meet-events';
export { GOOGLE_MEET_SCOPES, googleMeet } from './meet';
export type { GoogleMeetOptions, GoogleMeetProvider, MeetAccessType } from './meet';
export { createMeetSubscriptionClient, MEET_SUBSCRIPTION_EVENT_TYPES, meetSpaceFromSubscriptions, renewMeetSubscriptions } from './meet-subscriptions';
export type {
  MeetEventSubscription,
  MeetEventSubscriptionsOptions,
  MeetSubscriptionCallOptions,
  MeetSubscriptionClient,
  MeetSubscriptionClientOptions,
  MeetSubscriptionOutcome,
  MeetSubscriptionRecord,
  MeetSubscriptionRenewalReport,
  MeetSubscriptionState,
  MeetSubscriptionStore,
  RenewMeetSubscriptionsOptions,
} from './meet-subscriptions';
export { createInMemoryOAuthStateStore } from './oauth-states';
export type { InMemoryOAuthStateStore, OAuthStateStore } from './oauth-states';
export { videoProviders } from './router';
export { tokenStoreFromConnections } from './connections';
export { createTokenManager, sealProviderTokens } from './tokens';
export type {
  ConnectionInvalidEvent,
  OAuthRefreshClient,
  RefreshedTokens,
  StoredTokens,
  TokenManager,
  TokenOptions,
  TokenStatus,
  TokenStore,
} from './tokens';
export { DEFAULT_ZOOM_SETTINGS, zoom } from './zoom';
export { zoomWebhookRoutes } from './zoom-webhook';
export type { ZoomWebhookOptions } from './zoom-webhook';
export type { ConnectedVideoProvider, MeetingTimes, ZoomMeetingSettings, ZoomOptions } from './zoom';
