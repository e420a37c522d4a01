import type { ProviderConnection, VideoProviderName } from '@itutor/sessions-core';
import { VIDEO_CONNECT_OUTCOMES, type VideoConnectOutcome } from '@itutor/sessions-core/rules';

/**
 * The tutor's video-provider connection as `ConnectVideoProvider` sees it: which actions it offers and
 * why bookings are blocked. No rule of its own: a connection that is not `connected` cannot take bookings
 * (core `canAcceptBookings`), switching replaces the provider in one step and a bare disconnect does not
 * exist (core `core.providers.connect` / `core.providers.disconnect`). No React, no clock reads.
 */

/**
 * The JSON form of a core `ProviderConnection` (what a host's API or loader sends): `connectedAt` and
 * `updatedAt` as ISO 8601 strings, everything else as is. It carries no token: the core's connection
 * never does.
 */
export type ProviderConnectionJson = {
  readonly [K in keyof ProviderConnection]: ProviderConnection[K] extends Date ? string : ProviderConnection[K];
};

/** A connection as `ConnectVideoProvider` accepts it: the core's `ProviderConnection` or its JSON form. */
export type ProviderConnectionInput = ProviderConnection | ProviderConnectionJson;

/** `data-state` of `ConnectVideoProvider`: the connection's status, or `none` without a connection. */
export type VideoConnectionState = ProviderConnection['status'] | 'none';

/**
 * What an action link does: `connect` (no provider yet), `switch` (replace the current provider in one
 * step) or `reconnect` (sign in again to the current provider after it expired or became invalid).
 */
export type VideoConnectionIntent = 'connect' | 'switch' | 'reconnect';

/** One offered action: go through `provider`'s OAuth connect route. */
export interface VideoConnectionAction {
  readonly provider: VideoProviderName;
  readonly intent: VideoConnectionIntent;
}

/** Where a connect attempt ended (the callback's `?video=` value): the core's, shared with the connect routes. */
export { VIDEO_CONNECT_OUTCOMES };
export type { VideoConnectOutcome };

/** Both providers, Zoom first: the default of what a host offers. */
export const VIDEO_PROVIDERS: readonly VideoProviderName[] = ['zoom', 'google_meet'];

/** What {@link videoConnectionView} derives. */
export interface VideoConnectionView {
  readonly state: VideoConnectionState;
  /** The connected provider (whatever its status), else `null`. */
  readonly provider: VideoProviderName | null;
  /** True only for a `connected` connection: otherwise creating a session fails with `PROVIDER_NOT_CONNECTED`. */
  readonly canAcceptBookings: boolean;
  /** When the connection was made (`connected`) or went bad (`expired` / `invalid`: its `updatedAt`); `null` for `none`. */
  readonly since: Date | null;
  /**
   * The links to offer, the current provider's `reconnect` first: `connect` for each offered provider
   * without a connection; `switch` to each other offered provider with one; `reconnect` only when the
   * current one is `expired` / `invalid`. Never a disconnect.
   */
  readonly actions: readonly VideoConnectionAction[];
}

/** Options of {@link videoConnectionView}. */
export interface VideoConnectionViewOptions {
  /** The providers the host has set up, in display order. Default both, Zoom first. */
  readonly providers?: readonly VideoProviderName[];
}

const toDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));

/** The state, the date to show and the offered actions of a tutor's connection (`null`: none). */
export function videoConnectionView(connection: ProviderConnectionInput | null | undefined, options: VideoConnectionViewOptions = {}): VideoConnectionView {
  const providers = options.providers ?? VIDEO_PROVIDERS;
  if (!connection) {
    return { state: 'none', provider: null, canAcceptBookings: false, since: null, actions: providers.map((provider) => ({ provider, intent: 'connect' })) };
  }
  const { provider, status } = connection;
  const connected = status === 'connected';
  const others = providers.filter((p) => p !== provider).map((p): VideoConnectionAction => ({ provider: p, intent: 'switch' }));
  return {
    state: status,
    provider,
    canAcceptBookings: connected,
    since: toDate(connected ? connection.connectedAt : connection.updatedAt),
    actions: !connected && providers.includes(provider) ? [{ provider, intent: 'reconnect' }, ...others] : others,
  };
}

/** `outcome` when it is a `VideoConnectOutcome`, else `null` (a query value can be anything). */
export function toVideoConnectOutcome(outcome: string | null | undefined): VideoConnectOutcome | null {
  return VIDEO_CONNECT_OUTCOMES.includes(outcome as VideoConnectOutcome) ? (outcome as VideoConnectOutcome) : null;
}

/** The server's connect route for `provider`: `GET {basePath}/providers/{provider}/connect`. */
export function videoConnectHref(provider: VideoProviderName, basePath = '/api'): string {
  return `${basePath.replace(/\/+$/, '')}/providers/${provider}/connect`;
}
