'use client';
import { DEFAULT_POLICY, type SessionPolicy } from '@itutor/sessions-core';
import { createContext, useContext, useMemo, useRef, type ReactNode } from 'react';
import { createSessionClock, getDefaultSessionClock, type NowSource, type SessionClock } from './clock-store';
import type { SessionLabelsInput } from './labels';

/** What the clock context carries: the shared store and the instant used for server rendering. */
export interface SessionClockContextValue {
  readonly clock: SessionClock;
  /** The instant (epoch ms) used on the server and during hydration; `null` renders time-free markup. */
  readonly initialNow: number | null;
}

const ClockContext = createContext<SessionClockContextValue | null>(null);

const toEpoch = (value: Date | string | number | null | undefined): number | null =>
  value === null || value === undefined ? null : value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value;

/** Props of {@link SessionClockProvider}. */
export interface SessionClockProviderProps {
  /** A ready clock store (e.g. `createManualClock()` in tests and stories). Wins over `now`. */
  readonly clock?: SessionClock;
  /** A time source for a ticking clock created by the provider, e.g. to apply a server offset. */
  readonly now?: NowSource;
  /** Tick period of the provider's clock in ms. Default 1000. */
  readonly intervalMs?: number;
  /**
   * The instant the server rendered at. Server render and hydration use it, so markup matches; the live
   * clock takes over right after hydration. Without it, time-dependent text appears only after mount.
   */
  readonly initialNow?: Date | string | number | null;
  readonly children?: ReactNode;
}

/**
 * Supplies the one shared clock to every component and hook below it. Without a provider, components
 * share a process-wide clock on `Date.now`.
 */
export function SessionClockProvider({ clock, now, intervalMs, initialNow, children }: SessionClockProviderProps) {
  const nowRef = useRef(now);
  nowRef.current = now;
  const own = useMemo(
    () => (clock || !now ? null : createSessionClock({ now: () => (nowRef.current ?? Date.now)(), intervalMs })),
    // A new `now` function on each render must not create a new clock: it is read through the ref.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [clock, !now, intervalMs],
  );
  const initial = toEpoch(initialNow);
  const value = useMemo<SessionClockContextValue>(
    () => ({ clock: clock ?? own ?? getDefaultSessionClock(), initialNow: initial }),
    [clock, own, initial],
  );
  return <ClockContext.Provider value={value}>{children}</ClockContext.Provider>;
}

/** The clock context in effect (the default clock, no initial instant, when no provider is mounted). */
export function useSessionClockContext(): SessionClockContextValue {
  return useContext(ClockContext) ?? { clock: getDefaultSessionClock(), initialNow: null };
}

/** Shared settings of the components. */
export interface SessionsConfig {
  /** The policy (charge rates for the texts and amounts). Default core `DEFAULT_POLICY`. */
  readonly policy: SessionPolicy;
  /** Label overrides. */
  readonly labels?: SessionLabelsInput;
  /** BCP 47 locale for money, percentages and dates. Default `en-TT`. */
  readonly locale: string;
  /** IANA time zone for the start date. Default the browser's. */
  readonly timeZone?: string;
  /** API base path. Default `/api`. */
  readonly basePath: string;
}

const DEFAULT_CONFIG: SessionsConfig = { policy: DEFAULT_POLICY, locale: 'en-TT', basePath: '/api' };

const ConfigContext = createContext<SessionsConfig>(DEFAULT_CONFIG);

/** Props of {@link SessionsConfigProvider}: any subset of {@link SessionsConfig}. */
export interface SessionsConfigProviderProps extends Partial<SessionsConfig> {
  readonly children?: ReactNode;
}

/** Sets the policy, labels, locale, time zone and API base path for every component below it. */
export function SessionsConfigProvider({ children, ...config }: SessionsConfigProviderProps) {
  const parent = useContext(ConfigContext);
  const { policy, labels, locale, timeZone, basePath } = config;
  const value = useMemo<SessionsConfig>(
    () => ({
      policy: policy ?? parent.policy,
      labels: labels ? { ...parent.labels, ...labels, status: { ...parent.labels?.status, ...labels.status } } : parent.labels,
      locale: locale ?? parent.locale,
      timeZone: timeZone ?? parent.timeZone,
      basePath: basePath ?? parent.basePath,
    }),
    [parent, policy, labels, locale, timeZone, basePath],
  );
  return <ConfigContext.Provider value={value}>{children}</ConfigContext.Provider>;
}

/** The settings in effect. */
export function useSessionsConfig(): SessionsConfig {
  return useContext(ConfigContext);
}
