import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { describe, expect, it } from 'vitest';
import {
  ConnectVideoProvider,
  ConnectVideoProviderAction,
  DEFAULT_CONNECT_LABELS,
  videoConnectHref,
  videoConnectionView,
  type ConnectVideoProviderProps,
} from '../src/connect';
import { SessionClockProvider } from '../src/index';
import { CONNECTED_AT, connectionJson, makeConnection } from './fixtures';

const EXPIRED_AT = new Date('2026-01-14T09:05:00.000Z');
const dateIn = (date: Date, timeZone?: string) => new Intl.DateTimeFormat('en-TT', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);

async function axeViolations() {
  const result = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

// Hosts mount the component inside their page's landmarks; axe's `region` rule checks for that.
const renderConnect = (props: ConnectVideoProviderProps) => render(<ConnectVideoProvider {...props} />, { wrapper: 'main' as never });

const region = () => screen.getByRole('region', { name: 'Video meetings' });
const links = () => within(region()).queryAllByRole('link').map((a) => [a.textContent, a.getAttribute('href')]);

describe('ConnectVideoProvider: what it shows and offers per state', () => {
  it('none: "not connected", why bookings are blocked, and a Connect link per provider', async () => {
    renderConnect({ connection: null });
    expect(region()).toHaveAttribute('data-itutor', 'video-provider');
    expect(region()).toHaveAttribute('data-state', 'none');
    expect(region()).not.toHaveAttribute('data-provider');
    expect(screen.getByText('No video provider connected')).toBeInTheDocument();
    const why = 'You cannot accept bookings until you connect Zoom or Google Meet: every session needs a meeting link.';
    expect(region()).toHaveAccessibleDescription(`No video provider connected ${why}`);
    expect(links()).toEqual([
      ['Connect Zoom', '/api/providers/zoom/connect'],
      ['Connect Google Meet', '/api/providers/google_meet/connect'],
    ]);
    for (const link of screen.getAllByRole('link')) expect(link).toHaveAccessibleDescription(why);
    expect(screen.getByRole('link', { name: 'Connect Zoom' })).toHaveAttribute('data-intent', 'connect');
    expect(await axeViolations()).toEqual([]);
  });

  it('connected Zoom: the provider and since when, only "Switch to Google Meet", no explanation', async () => {
    renderConnect({ connection: makeConnection(), timeZone: 'UTC' });
    expect(region()).toHaveAttribute('data-state', 'connected');
    expect(region()).toHaveAttribute('data-provider', 'zoom');
    expect(region()).toHaveAccessibleDescription('Zoom is connected');
    const since = screen.getByText(`Connected on ${dateIn(CONNECTED_AT, 'UTC')}`);
    expect(since.tagName).toBe('TIME');
    expect(since).toHaveAttribute('datetime', CONNECTED_AT.toISOString());
    expect(links()).toEqual([['Switch to Google Meet', '/api/providers/google_meet/connect']]);
    expect(screen.getByRole('link')).not.toHaveAttribute('aria-describedby');
    expect(screen.getByRole('link')).toHaveAttribute('data-intent', 'switch');
    expect(screen.queryByText(/cannot accept bookings/)).toBeNull();
    expect(await axeViolations()).toEqual([]);
  });

  it('connected Google Meet (JSON form): only "Switch to Zoom"', () => {
    renderConnect({ connection: connectionJson({ provider: 'google_meet' }) });
    expect(region()).toHaveAttribute('data-provider', 'google_meet');
    expect(screen.getByText('Google Meet is connected')).toBeInTheDocument();
    expect(screen.getByText(`Connected on ${dateIn(CONNECTED_AT)}`)).toBeInTheDocument();
    expect(links()).toEqual([['Switch to Zoom', '/api/providers/zoom/connect']]);
  });

  it.each([
    ['expired', 'Zoom connection has expired'],
    ['invalid', 'Zoom connection is no longer valid'],
  ] as const)('%s: says so, since when it stopped working, why bookings are blocked, Reconnect first, then Switch', async (status, text) => {
    renderConnect({ connection: connectionJson({ status, updatedAt: EXPIRED_AT, version: 3 }), timeZone: 'UTC' });
    expect(region()).toHaveAttribute('data-state', status);
    expect(region()).toHaveAttribute('data-provider', 'zoom');
    const why = 'You cannot accept bookings until you reconnect Zoom: every session needs a meeting link from it.';
    expect(region()).toHaveAccessibleDescription(`${text} ${why}`);
    expect(screen.getByText(`Stopped working on ${dateIn(EXPIRED_AT, 'UTC')}`)).toHaveAttribute('datetime', EXPIRED_AT.toISOString());
    expect(links()).toEqual([
      ['Reconnect Zoom', '/api/providers/zoom/connect'],
      ['Switch to Google Meet', '/api/providers/google_meet/connect'],
    ]);
    expect(screen.getByRole('link', { name: 'Reconnect Zoom' })).toHaveAccessibleDescription(why);
    expect(screen.getByRole('link', { name: 'Reconnect Zoom' })).toHaveAttribute('data-intent', 'reconnect');
    expect(await axeViolations()).toEqual([]);
  });

  it.each([
    ['none', null],
    ['connected', makeConnection()],
    ['expired', makeConnection({ status: 'expired' })],
    ['invalid', makeConnection({ provider: 'google_meet', status: 'invalid' })],
  ] as const)('never offers a disconnect (%s)', (_, connection) => {
    renderConnect({ connection });
    expect(screen.queryByText(/disconnect|remove|unlink/i)).toBeNull();
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.getAllByRole('link').length).toBeGreaterThan(0);
  });

  it('uses a real heading (level 2 by default, `headingLevel` to fit the page)', () => {
    const { unmount } = renderConnect({ connection: null });
    expect(screen.getByRole('heading', { level: 2, name: 'Video meetings' })).toBeInTheDocument();
    unmount();
    renderConnect({ connection: null, headingLevel: 3 });
    expect(screen.getByRole('heading', { level: 3, name: 'Video meetings' })).toBeInTheDocument();
  });
});

describe('ConnectVideoProvider: the callback outcome', () => {
  it.each([
    ['connected', DEFAULT_CONNECT_LABELS.outcomeConnected],
    ['denied', DEFAULT_CONNECT_LABELS.outcomeDenied],
    ['expired_state', DEFAULT_CONNECT_LABELS.outcomeExpiredState],
    ['exchange_failed', DEFAULT_CONNECT_LABELS.outcomeExchangeFailed],
    ['wrong_user', DEFAULT_CONNECT_LABELS.outcomeWrongUser],
    ['unauthenticated', DEFAULT_CONNECT_LABELS.outcomeUnauthenticated],
    ['forbidden', DEFAULT_CONNECT_LABELS.outcomeForbidden],
    ['failed', DEFAULT_CONNECT_LABELS.outcomeFailed],
  ])('?video=%s shows its message as a status that takes focus once', (outcome, text) => {
    renderConnect({ connection: outcome === 'connected' ? makeConnection() : null, outcome });
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent(text);
    expect(status).toHaveAttribute('data-outcome', outcome);
    expect(status).toHaveFocus();
  });

  it('shows nothing for an unknown or missing value', () => {
    const { rerender } = renderConnect({ connection: null, outcome: 'bogus' });
    expect(screen.queryByRole('status')).toBeNull();
    rerender(<ConnectVideoProvider connection={null} outcome={null} />);
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('leaves focus alone with focusOutcome={false}', () => {
    renderConnect({ connection: null, outcome: 'denied', focusOutcome: false });
    expect(screen.getByRole('status')).not.toHaveFocus();
  });

  it('has no axe violations with a message', async () => {
    renderConnect({ connection: null, outcome: 'exchange_failed' });
    expect(await axeViolations()).toEqual([]);
  });
});

describe('ConnectVideoProvider: settings', () => {
  it('takes the base path, locale and time zone from SessionClockProvider; its props win', () => {
    const { rerender } = render(
      <SessionClockProvider basePath="/v2/api/" locale="en-US" timeZone="America/Port_of_Spain">
        <ConnectVideoProvider connection={makeConnection()} />
      </SessionClockProvider>,
    );
    expect(screen.getByRole('link')).toHaveAttribute('href', '/v2/api/providers/google_meet/connect');
    const us = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'America/Port_of_Spain' }).format(CONNECTED_AT);
    expect(screen.getByText(`Connected on ${us}`)).toBeInTheDocument();
    rerender(
      <SessionClockProvider basePath="/v2/api">
        <ConnectVideoProvider connection={makeConnection()} basePath="/tutors" />
      </SessionClockProvider>,
    );
    expect(screen.getByRole('link')).toHaveAttribute('href', '/tutors/providers/google_meet/connect');
  });

  it('connectHref replaces the route', () => {
    renderConnect({ connection: null, connectHref: (p) => `https://auth.example.com/${p}?next=/settings` });
    expect(links()).toEqual([
      ['Connect Zoom', 'https://auth.example.com/zoom?next=/settings'],
      ['Connect Google Meet', 'https://auth.example.com/google_meet?next=/settings'],
    ]);
  });

  it('offers only the providers the host set up', () => {
    const { rerender } = renderConnect({ connection: null, providers: ['zoom'] });
    expect(links()).toEqual([['Connect Zoom', '/api/providers/zoom/connect']]);
    expect(screen.getByText(/until you connect Zoom:/)).toBeInTheDocument();
    // A tutor left on a provider the host no longer offers can switch, but not reconnect it.
    rerender(<ConnectVideoProvider connection={makeConnection({ provider: 'google_meet', status: 'expired' })} providers={['zoom']} />);
    expect(links()).toEqual([['Switch to Zoom', '/api/providers/zoom/connect']]);
  });

  it('every label is overridable (provider names merged per provider)', () => {
    renderConnect({
      connection: makeConnection({ status: 'expired', updatedAt: EXPIRED_AT }),
      outcome: 'denied',
      timeZone: 'UTC',
      labels: {
        heading: 'Visio',
        providerNames: { google_meet: 'Meet' },
        expired: (p) => `${p} a expiré`,
        brokenOn: (d) => `depuis ${d}`,
        blockedBroken: (p) => `Reconnectez ${p} pour accepter des réservations.`,
        reconnect: (p) => `Reconnecter ${p}`,
        switchTo: (p) => `Passer à ${p}`,
        outcomeDenied: 'Autorisation refusée.',
      },
    });
    expect(screen.getByRole('region', { name: 'Visio' })).toHaveAccessibleDescription('Zoom a expiré Reconnectez Zoom pour accepter des réservations.');
    expect(screen.getByText(`depuis ${dateIn(EXPIRED_AT, 'UTC')}`)).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Autorisation refusée.');
    expect(screen.getAllByRole('link').map((a) => a.textContent)).toEqual(['Reconnecter Zoom', 'Passer à Meet']);
  });

  it('passes className to the region', () => {
    renderConnect({ connection: null, className: 'card' });
    expect(region()).toHaveClass('card');
  });
});

describe('ConnectVideoProvider: keyboard', () => {
  it('Tab reaches each link in order; they are plain links (Enter follows the href)', async () => {
    const user = userEvent.setup();
    renderConnect({ connection: makeConnection({ status: 'invalid' }), outcome: 'exchange_failed', focusOutcome: false });
    await user.tab();
    expect(screen.getByRole('link', { name: 'Reconnect Zoom' })).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('link', { name: 'Switch to Google Meet' })).toHaveFocus();
    // The outcome message is focusable by script only (tabIndex -1), never a tab stop.
    expect(screen.getByRole('status')).toHaveAttribute('tabindex', '-1');
  });
});

describe('ConnectVideoProviderAction (parts)', () => {
  it('lays out your own links; an action that is not offered renders nothing', () => {
    render(
      <ConnectVideoProvider connection={makeConnection({ provider: 'google_meet' })}>
        <ul>
          <li>
            <ConnectVideoProviderAction provider="zoom" className="btn" />
          </li>
          <li>
            <ConnectVideoProviderAction provider="google_meet" className="btn" />
          </li>
        </ul>
      </ConnectVideoProvider>,
    );
    expect(screen.getAllByRole('link')).toHaveLength(1);
    const link = screen.getByRole('link', { name: 'Switch to Zoom' });
    expect(link).toHaveClass('btn');
    expect(link).toHaveAttribute('data-itutor-part', 'action');
    expect(link).toHaveAttribute('data-provider', 'zoom');
    expect(document.querySelector('[data-itutor-part="actions"]')).toBeNull();
  });

  it('asChild: your element becomes the link, with the label when it has no content, and keeps its own description', () => {
    render(
      <>
        <p id="note">Opens Zoom in this tab.</p>
        <ConnectVideoProvider connection={null}>
          <ConnectVideoProviderAction provider="zoom" asChild aria-describedby="note">
            <a className="btn btn-primary" />
          </ConnectVideoProviderAction>
          <ConnectVideoProviderAction provider="google_meet" asChild>
            <a className="btn">
              <strong>Meet</strong> it is
            </a>
          </ConnectVideoProviderAction>
        </ConnectVideoProvider>
      </>,
    );
    const zoom = screen.getByRole('link', { name: 'Connect Zoom' });
    expect(zoom).toHaveClass('btn', 'btn-primary');
    expect(zoom).toHaveAttribute('href', '/api/providers/zoom/connect');
    expect(zoom).toHaveAccessibleDescription(
      'Opens Zoom in this tab. You cannot accept bookings until you connect Zoom or Google Meet: every session needs a meeting link.',
    );
    const meet = screen.getByRole('link', { name: 'Meet it is' });
    expect(meet).toHaveAttribute('href', '/api/providers/google_meet/connect');
    expect(meet).toHaveAttribute('data-intent', 'connect');
  });

  it('children replace the label', () => {
    render(
      <ConnectVideoProvider connection={null}>
        <ConnectVideoProviderAction provider="zoom">Use Zoom</ConnectVideoProviderAction>
      </ConnectVideoProvider>,
    );
    expect(screen.getByRole('link', { name: 'Use Zoom' })).toHaveAttribute('href', '/api/providers/zoom/connect');
  });

  it('throws outside a ConnectVideoProvider', () => {
    const error = console.error;
    console.error = () => {};
    try {
      expect(() => render(<ConnectVideoProviderAction provider="zoom" />)).toThrow('No <ConnectVideoProvider> above');
    } finally {
      console.error = error;
    }
  });
});

describe('videoConnectionView and videoConnectHref (pure)', () => {
  it('derives state, provider, since and the actions', () => {
    expect(videoConnectionView(null)).toEqual({
      state: 'none',
      provider: null,
      canAcceptBookings: false,
      since: null,
      actions: [
        { provider: 'zoom', intent: 'connect' },
        { provider: 'google_meet', intent: 'connect' },
      ],
    });
    expect(videoConnectionView(connectionJson({ provider: 'google_meet' }))).toEqual({
      state: 'connected',
      provider: 'google_meet',
      canAcceptBookings: true,
      since: CONNECTED_AT,
      actions: [{ provider: 'zoom', intent: 'switch' }],
    });
    expect(videoConnectionView(makeConnection({ status: 'expired', updatedAt: EXPIRED_AT }), { providers: ['google_meet', 'zoom'] })).toEqual({
      state: 'expired',
      provider: 'zoom',
      canAcceptBookings: false,
      since: EXPIRED_AT,
      actions: [
        { provider: 'zoom', intent: 'reconnect' },
        { provider: 'google_meet', intent: 'switch' },
      ],
    });
  });

  it('builds the connect route from the base path', () => {
    expect(videoConnectHref('zoom')).toBe('/api/providers/zoom/connect');
    expect(videoConnectHref('google_meet', '/v2/api/')).toBe('/v2/api/providers/google_meet/connect');
  });
});
