import { DEFAULT_POLICY, toSessionJson, type PublicSession, type SessionPolicy } from '@itutor/sessions-core';
import { useMemo, type ReactNode } from 'react';
import { SessionClockProvider } from '../src/index';
import { createManualSessionClock, type ManualSessionClock } from '../src/testing';
import { START, makeSession } from '../test/fixtures';

/** Clocks by story id, so play functions can move the time of the story they test. */
const clocks = new Map<string, ManualSessionClock>();

/** The manual clock of the story `id` (created by {@link StoryClock}). */
export function clockOf(id: string): ManualSessionClock {
  const clock = clocks.get(id);
  if (!clock) throw new Error(`no clock for story ${id}`);
  return clock;
}

/** Minutes and seconds from the fixture session's start, as an instant. */
export const fromStart = (minutes: number, seconds = 0) => new Date(START.getTime() + minutes * 60_000 + seconds * 1000);

/** A frozen, controllable clock for a story: the `minutesFromStart` control sets it. */
export function StoryClock({ id, minutesFromStart, children }: { id: string; minutesFromStart: number; children: ReactNode }) {
  const clock = useMemo(() => {
    const c = createManualSessionClock(fromStart(minutesFromStart));
    clocks.set(id, c);
    return c;
  }, [id, minutesFromStart]);
  return <SessionClockProvider clock={clock}>{children}</SessionClockProvider>;
}

/**
 * The fixture session as JSON (what a host gets from its API, or builds on the server with
 * `toSessionJson(session, { policy: core.policy })`), with overrides; `policy` is the server's (default
 * `DEFAULT_POLICY`): the JSON's `noShowQuote` carries the no-show amounts the buttons state.
 */
export const sessionJson = (overrides: Partial<PublicSession> = {}, policy: SessionPolicy | null = DEFAULT_POLICY) =>
  toSessionJson(makeSession(overrides), { policy });

/** A promise that never settles: keeps a button in its pending state. */
export const never = <T,>() => new Promise<T>(() => {});
