'use client';
/**
 * `@itutor/sessions-react/connect`: `ConnectVideoProvider`, the tutor's video-provider connection (Zoom or
 * Google Meet) with links to connect, switch or reconnect. Its own entry point, so a host that does not
 * show it pays nothing in the main bundle. A client module; it reads the settings of the main entry's
 * `SessionClockProvider` (base path, locale, time zone). The pure helpers are safe anywhere.
 */
export { ConnectVideoProvider, ConnectVideoProviderAction } from './ConnectVideoProvider';
export type { ConnectVideoProviderActionProps, ConnectVideoProviderProps } from './ConnectVideoProvider';
export { videoConnectHref, videoConnectionView } from './connection';
export type {
  ProviderConnectionInput,
  ProviderConnectionJson,
  VideoConnectionAction,
  VideoConnectionIntent,
  VideoConnectionState,
  VideoConnectionView,
  VideoConnectionViewOptions,
  VideoConnectOutcome,
} from './connection';
export { DEFAULT_CONNECT_LABELS } from './connect-labels';
export type { ConnectVideoProviderLabels, ConnectVideoProviderLabelsInput } from './connect-labels';
