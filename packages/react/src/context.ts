'use client';
import type { NowSource, SessionClock } from './clock-store';
import { createSessionClock, getDefaultSessionClock } from './clock-store';
import { createContext, createElement, useContext, useMemo, useRef, type ReactNode } from './deps';
import type { SessionLabelsInput } from './labels';

/** What components read from {@link SessionClockProvider}: the shared clock and the settings. */
export interface SessionContextValue {
  /** The one shared clock. */
  readonly clock: SessionClock;
  /** The instant (epoch ms) used on the server and during hydration; `null` renders time-free markup. */
  readonly initialNow: number | null;
  /** Label overrides. */
  readonly labels: SessionLabelsInput;
  /** BCP 47 locale for money, percentages and dates. Default `en-TT`. */
  readonly locale: string;
  /** IANA time zone for the start date. Default the browser's. */
  readonly timeZone?: string;
  /** API base path. Default `/api`. */
  readonly basePath: string;
}

const SessionContext = createContext<SessionContextValue | null>(null);

/** Props of {@link SessionClockProvider}. Every prop is optional; unset ones inherit from a parent provider. */
export interface SessionClockProviderProps extends Partial<Omit<SessionContextValue, 'initialNow'>> {
  /** A time source for a ticking clock made by the provider (e.g. with a server offset). `clock` wins. */
  readonly now?: NowSource;
  /** Tick period of the provider's clock in ms. Default 1000. */
  readonly intervalMs?: number;
  /**
   * The instant the server rendered at. Server render and hydration use it, so the markup matches; the
   * live clock takes over right after hydration. Without it, time-dependent text appears after mount.
   */
  readonly initialNow?: Date | string | number | null;
  readonly children?: ReactNode;
}

/**
 * Supplies the one shared clock, and the labels, locale, time zone and API base path, to every
 * component and hook below it. Pass `clock` (e.g. `createManualSessionClock()` from `/testing`) or `now` to control time in
 * tests and stories. Without a provider, components share a process-wide clock on `Date.now`.
 */
export function SessionClockProvider({ children, clock, now, intervalMs, initialNow, ...settings }: SessionClockProviderProps) {
  const parent = useSessionContext();
  const nowRef = useRef(now);
  nowRef.current = now;
  // A new `now` function on each render must not make a new clock: the clock reads it through the ref.
  const own = useMemo(
    () => (now ? createSessionClock({ now: () => nowRef.current!(), intervalMs }) : null),
    [!now, intervalMs], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const { labels, locale, timeZone, basePath } = settings;
  const initial = initialNow == null ? parent.initialNow : new Date(initialNow).getTime();
  const value = useMemo<SessionContextValue>(
    () => ({
      clock: clock ?? own ?? parent.clock,
      initialNow: initial,
      labels: { ...parent.labels, ...labels, status: { ...parent.labels.status, ...labels?.status } },
      locale: locale ?? parent.locale,
      timeZone: timeZone ?? parent.timeZone,
      basePath: basePath ?? parent.basePath,
    }),
    [parent, clock, own, initial, labels, locale, timeZone, basePath],
  );
  return createElement(SessionContext.Provider, { value }, children);
}

let defaults: SessionContextValue | undefined;

/** The clock and settings in effect (defaults when no provider is mounted). */
export function useSessionContext(): SessionContextValue {
  return (useContext(SessionContext) ??
    (defaults ??= { clock: getDefaultSessionClock(), initialNow: null, labels: {}, locale: 'en-TT', basePath: '/api' }));
}
