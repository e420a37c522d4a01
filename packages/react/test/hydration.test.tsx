import { DEFAULT_POLICY, toSessionJson } from '@itutor/sessions-core';
import { act } from '@testing-library/react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelSessionButton, MarkNoShowButton, ReportTutorAbsentButton, SessionClockProvider, SessionJoinButton } from '../src/index';
import { createManualSessionClock } from '../src/testing';
import { at, makeSession } from './fixtures';

const session = toSessionJson(makeSession(), { policy: DEFAULT_POLICY });

function Page({ clock, initialNow }: { clock: ReturnType<typeof createManualSessionClock>; initialNow?: string }) {
  return (
    <SessionClockProvider clock={clock} initialNow={initialNow}>
      <SessionJoinButton session={session} role="student" />
      <SessionJoinButton session={session} role="tutor" />
      <MarkNoShowButton session={session} role="tutor" />
      <ReportTutorAbsentButton session={session} role="student" />
      <CancelSessionButton session={session} />
    </SessionClockProvider>
  );
}

let container: HTMLElement | null = null;
afterEach(() => {
  container?.remove();
  container = null;
});

async function serverRenderThenHydrate(serverNow: Date, clientNow: Date, initialNow: string | undefined) {
  const errors = vi.spyOn(console, 'error');
  const html = renderToString(<Page clock={createManualSessionClock(serverNow)} initialNow={initialNow} />);
  container = document.createElement('div');
  container.innerHTML = html;
  document.body.append(container);
  const recoverable = vi.fn();
  const clientClock = createManualSessionClock(clientNow);
  await act(async () => {
    hydrateRoot(container!, <Page clock={clientClock} initialNow={initialNow} />, { onRecoverableError: recoverable });
  });
  return { html, errors, recoverable, clientClock };
}

describe('server render then hydrate', () => {
  it('matches with initialNow, then the live clock takes over (no mismatch warning)', async () => {
    // The page was rendered on the server at T−7:00; the browser hydrates 3 seconds later by its clock.
    const { html, errors, recoverable, clientClock } = await serverRenderThenHydrate(at(-10), at(-6, -57), at(-7).toISOString());
    expect(html).toContain('Join opens in 2:00');
    expect(errors).not.toHaveBeenCalled();
    expect(recoverable).not.toHaveBeenCalled();
    expect(container!.textContent).toContain('Join opens in 1:57');
    expect(container!.textContent).toContain('You can report your tutor absent in 25:57');
    // Time-zone-dependent text appears only after hydration.
    expect(html).not.toContain('Starts 15 Jan');
    expect(container!.textContent).toContain('Starts 15 Jan 2026');
    act(() => clientClock.set(at(-5)));
    expect(container!.querySelector('button')).toBeEnabled();
  });

  it('renders time-free markup without initialNow and fills it in after mount', async () => {
    const { html, errors, recoverable } = await serverRenderThenHydrate(at(-10), at(-6), undefined);
    expect(html).toContain('data-state="unknown"');
    expect(html).not.toContain('Join opens in');
    expect(errors).not.toHaveBeenCalled();
    expect(recoverable).not.toHaveBeenCalled();
    expect(container!.textContent).toContain('Join opens in 1:00');
  });

  it('would report a mismatch if the server had rendered at another instant (the check works)', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const html = renderToString(<Page clock={createManualSessionClock(at(-10))} initialNow={at(-7).toISOString()} />);
    container = document.createElement('div');
    container.innerHTML = html;
    document.body.append(container);
    const recoverable = vi.fn();
    await act(async () => {
      // The client claims a different server instant: its first render differs from the HTML.
      hydrateRoot(container!, <Page clock={createManualSessionClock(at(-7))} initialNow={at(-8).toISOString()} />, {
        onRecoverableError: recoverable,
      });
    });
    expect(recoverable.mock.calls.length + errors.mock.calls.length).toBeGreaterThan(0);
  });
});
