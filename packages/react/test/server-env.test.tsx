// @vitest-environment node
import { toSessionJson } from '@itutor/sessions-core';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import * as entry from '../src/index';
import { at, makeSession } from './fixtures';

describe('the package entry in a plain server environment', () => {
  it('imports and renders to string with no DOM', () => {
    expect(typeof (globalThis as { document?: unknown }).document).toBe('undefined');
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const { SessionClockProvider, SessionJoinButton, MarkNoShowButton, joinStateAt } = entry;
    const session = toSessionJson(makeSession());
    const html = renderToString(
      <SessionClockProvider initialNow={at(-6)}>
        <SessionJoinButton session={session} role="student" />
        <MarkNoShowButton session={session} role="tutor" />
      </SessionClockProvider>,
    );
    expect(html).toContain('Join opens in 1:00');
    expect(html).toContain('disabled=""');
    expect(html).toContain('You can mark a no-show in 25:00');
    expect(joinStateAt(session, at(-5).getTime()).phase).toBe('open');
  });

  it('renders without a provider (time-free markup)', () => {
    const html = renderToString(<entry.SessionJoinButton session={makeSession()} role="tutor" />);
    expect(html).toContain('data-state="unknown"');
    expect(html).toContain('Join session');
  });
});
