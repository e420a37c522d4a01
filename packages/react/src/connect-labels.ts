import type { VideoProviderName } from '@itutor/sessions-core';

/**
 * Every piece of text `ConnectVideoProvider` shows. Override any subset through its `labels` prop;
 * functions receive provider names (from `providerNames`) and dates already formatted for the locale.
 */
export interface ConnectVideoProviderLabels {
  /** The heading that names the region. */
  readonly heading: string;
  /** Display names of the providers. */
  readonly providerNames: Readonly<Record<VideoProviderName, string>>;
  /** Status without a connection. */
  readonly notConnected: string;
  /** Status of a working connection. */
  readonly connected: (provider: string) => string;
  /** Status of a connection whose sign-in expired. */
  readonly expired: (provider: string) => string;
  /** Status of a connection the provider no longer accepts (revoked or refused). */
  readonly invalid: (provider: string) => string;
  /** When a working connection was made; `date` is formatted with the locale and time zone. */
  readonly connectedOn: (date: string) => string;
  /** When an expired or invalid connection stopped working. */
  readonly brokenOn: (date: string) => string;
  /** Why bookings are blocked without a connection; `providers` is the offered ones as a list ("Zoom or Google Meet"). */
  readonly blockedNotConnected: (providers: string) => string;
  /** Why bookings are blocked while the connection is expired or invalid. */
  readonly blockedBroken: (provider: string) => string;
  /** Link to connect a first provider. */
  readonly connect: (provider: string) => string;
  /** Link to replace the current provider with another (one step: never a disconnect). */
  readonly switchTo: (provider: string) => string;
  /** Link to sign in again to the current provider after it expired or became invalid. */
  readonly reconnect: (provider: string) => string;
  /** Shown after the callback redirect `?video=connected`. */
  readonly outcomeConnected: string;
  /** `?video=denied`: the tutor refused consent at the provider. */
  readonly outcomeDenied: string;
  /** `?video=expired_state`: the attempt took too long or its link was used already. */
  readonly outcomeExpiredState: string;
  /** `?video=exchange_failed`: the provider did not complete the sign-in. */
  readonly outcomeExchangeFailed: string;
  /** `?video=wrong_user`: the attempt was started while someone else was signed in. */
  readonly outcomeWrongUser: string;
  /** `?video=unauthenticated`: nobody was signed in when the attempt started or came back. */
  readonly outcomeUnauthenticated: string;
  /** `?video=forbidden`: this account may not connect a video provider (the host's `canConnect`). */
  readonly outcomeForbidden: string;
  /** `?video=failed`: the provider agreed, but the connection could not be stored. */
  readonly outcomeFailed: string;
}

/** Label overrides for `ConnectVideoProvider`: any subset, `providerNames` merged per provider. */
export type ConnectVideoProviderLabelsInput = Partial<Omit<ConnectVideoProviderLabels, 'providerNames'>> & {
  readonly providerNames?: Partial<Record<VideoProviderName, string>>;
};

/** The English defaults of `ConnectVideoProvider`. */
export const DEFAULT_CONNECT_LABELS: ConnectVideoProviderLabels = {
  heading: 'Video meetings',
  providerNames: { zoom: 'Zoom', google_meet: 'Google Meet' },
  notConnected: 'No video provider connected',
  connected: (p) => `${p} is connected`,
  expired: (p) => `${p} connection has expired`,
  invalid: (p) => `${p} connection is no longer valid`,
  connectedOn: (d) => `Connected on ${d}`,
  brokenOn: (d) => `Stopped working on ${d}`,
  blockedNotConnected: (list) => `You cannot accept bookings until you connect ${list}: every session needs a meeting link.`,
  blockedBroken: (p) => `You cannot accept bookings until you reconnect ${p}: every session needs a meeting link from it.`,
  connect: (p) => `Connect ${p}`,
  switchTo: (p) => `Switch to ${p}`,
  reconnect: (p) => `Reconnect ${p}`,
  outcomeConnected: 'Your video provider is connected.',
  outcomeDenied: 'Permission was not given, so nothing changed.',
  outcomeExpiredState: 'That connection attempt expired or was already used, so nothing changed. Please try again.',
  outcomeExchangeFailed: 'The provider did not complete the connection, so nothing changed. Please try again.',
  outcomeWrongUser: 'That connection attempt was started by another account, so nothing changed. Please try again.',
  outcomeUnauthenticated: 'You were not signed in, so nothing changed. Please sign in and try again.',
  outcomeForbidden: 'This account cannot connect a video provider, so nothing changed.',
  outcomeFailed: 'The connection could not be saved, so nothing changed. Please try again.',
};

/** Merges overrides onto {@link DEFAULT_CONNECT_LABELS} (internal). */
export function resolveConnectLabels(labels: ConnectVideoProviderLabelsInput = {}): ConnectVideoProviderLabels {
  return { ...DEFAULT_CONNECT_LABELS, ...labels, providerNames: { ...DEFAULT_CONNECT_LABELS.providerNames, ...labels.providerNames } };
}
