import type { VideoConnectOutcome as RoutesOutcome } from '@itutor/sessions-video';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { DEFAULT_CONNECT_LABELS, type VideoConnectOutcome } from '../src/connect';
import { toVideoConnectOutcome, VIDEO_CONNECT_OUTCOMES } from '../src/connection';

/**
 * The React package mirrors the connect routes' outcome union instead of importing it (it must not
 * depend on the server-only video package at run time). These checks keep the two in step: the types
 * are equal (checked by `tsc`, i.e. `pnpm typecheck`), the runtime list holds each exactly once, and
 * every outcome has its own default label.
 */
describe('VideoConnectOutcome agrees with the connect routes of @itutor/sessions-video', () => {
  it('is the same union as the routes send', () => {
    expectTypeOf<VideoConnectOutcome>().toEqualTypeOf<RoutesOutcome>();
  });

  it('lists every outcome exactly once, each recognised from a query value', () => {
    // Exhaustive at the type level: a missing outcome makes this assignment fail to compile.
    const all: Record<RoutesOutcome, true> = {
      connected: true,
      denied: true,
      expired_state: true,
      exchange_failed: true,
      wrong_user: true,
      unauthenticated: true,
      forbidden: true,
      failed: true,
    };
    expect([...VIDEO_CONNECT_OUTCOMES].sort()).toEqual(Object.keys(all).sort());
    expect(new Set(VIDEO_CONNECT_OUTCOMES).size).toBe(VIDEO_CONNECT_OUTCOMES.length);
    for (const outcome of VIDEO_CONNECT_OUTCOMES) expect(toVideoConnectOutcome(outcome)).toBe(outcome);
    expect(toVideoConnectOutcome('bogus')).toBeNull();
  });

  it('has a distinct, non-empty default message for each outcome', () => {
    const messages = Object.entries(DEFAULT_CONNECT_LABELS).filter(([key]) => key.startsWith('outcome'));
    expect(messages).toHaveLength(VIDEO_CONNECT_OUTCOMES.length);
    expect(new Set(messages.map(([, text]) => text)).size).toBe(messages.length);
    for (const [, text] of messages) expect(typeof text === 'string' && text.length > 0).toBe(true);
  });
});
