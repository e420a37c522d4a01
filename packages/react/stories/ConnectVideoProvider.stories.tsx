import type { Meta, StoryObj } from '@storybook/react-vite';
import type { MouseEvent } from 'react';
import { expect, fn, within } from 'storybook/test';
import { ConnectVideoProvider, ConnectVideoProviderAction, DEFAULT_CONNECT_LABELS } from '../src/connect';
import { SessionClockProvider } from '../src/index';
import { connectionJson } from '../test/fixtures';

type Args = React.ComponentProps<typeof ConnectVideoProvider> & {
  /** Called with the link's `href` instead of leaving the page (a story must not navigate away). */
  onNavigate: (href: string) => void;
};

const EXPIRED_AT = new Date('2026-01-14T09:05:00.000Z');

// Stops a followed link and reports where it led, so a play function can check it.
const stopNavigation = (onNavigate: (href: string) => void) => (event: MouseEvent) => {
  const link = (event.target as Element).closest('a[href]');
  if (!link) return;
  event.preventDefault();
  onNavigate(link.getAttribute('href')!);
};

const meta = {
  title: 'Sessions/ConnectVideoProvider',
  component: ConnectVideoProvider,
  args: { connection: null, timeZone: 'UTC', onNavigate: fn() },
  argTypes: {
    connection: { control: 'object' },
    outcome: {
      control: 'select',
      options: [undefined, 'connected', 'denied', 'expired_state', 'exchange_failed', 'wrong_user', 'unauthenticated', 'forbidden', 'failed'],
    },
  },
  render: ({ onNavigate, ...props }) => (
    <div onClick={stopNavigation(onNavigate)}>
      <ConnectVideoProvider {...props} />
    </div>
  ),
} satisfies Meta<Args>;

export default meta;
type Story = StoryObj<typeof meta>;

const region = (canvasElement: HTMLElement) => within(canvasElement).getByRole('region', { name: 'Video meetings' });
const linkNames = (canvasElement: HTMLElement) => within(canvasElement).getAllByRole('link').map((a) => a.textContent);
const noDisconnect = async (canvasElement: HTMLElement) => {
  await expect(within(canvasElement).queryByText(/disconnect/i)).toBeNull();
  await expect(within(canvasElement).queryByRole('button')).toBeNull();
};

export const NotConnected: Story = {
  play: async ({ canvasElement, userEvent, args }) => {
    const canvas = within(canvasElement);
    await expect(region(canvasElement)).toHaveAttribute('data-state', 'none');
    await expect(canvas.getByText('No video provider connected')).toBeVisible();
    const why = 'You cannot accept bookings until you connect Zoom or Google Meet: every session needs a meeting link.';
    await expect(canvas.getByText(why)).toBeVisible();
    await expect(linkNames(canvasElement)).toEqual(['Connect Zoom', 'Connect Google Meet']);
    const zoom = canvas.getByRole('link', { name: 'Connect Zoom' });
    await expect(zoom).toHaveAccessibleDescription(why);
    await userEvent.click(canvas.getByRole('link', { name: 'Connect Google Meet' }));
    await expect(args.onNavigate).toHaveBeenCalledWith('/api/providers/google_meet/connect');
    await noDisconnect(canvasElement);
  },
};

export const ConnectedZoom: Story = {
  args: { connection: connectionJson() },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(region(canvasElement)).toHaveAttribute('data-state', 'connected');
    await expect(region(canvasElement)).toHaveAttribute('data-provider', 'zoom');
    await expect(canvas.getByText('Zoom is connected')).toBeVisible();
    await expect(canvas.getByText(/^Connected on 10 Jan 2026/)).toHaveAttribute('datetime', '2026-01-10T14:30:00.000Z');
    await expect(linkNames(canvasElement)).toEqual(['Switch to Google Meet']);
    await expect(canvas.queryByText(/cannot accept bookings/)).toBeNull();
    await noDisconnect(canvasElement);
  },
};

export const ConnectedGoogleMeet: Story = {
  args: { connection: connectionJson({ provider: 'google_meet', externalAccountId: null }) },
  play: async ({ canvasElement, userEvent, args }) => {
    const canvas = within(canvasElement);
    await expect(region(canvasElement)).toHaveAttribute('data-provider', 'google_meet');
    await expect(canvas.getByText('Google Meet is connected')).toBeVisible();
    await expect(linkNames(canvasElement)).toEqual(['Switch to Zoom']);
    await userEvent.click(canvas.getByRole('link', { name: 'Switch to Zoom' }));
    await expect(args.onNavigate).toHaveBeenCalledWith('/api/providers/zoom/connect');
    await noDisconnect(canvasElement);
  },
};

const brokenPlay =
  (state: 'expired' | 'invalid', text: string): Story['play'] =>
  async ({ canvasElement, userEvent, args }) => {
    const canvas = within(canvasElement);
    await expect(region(canvasElement)).toHaveAttribute('data-state', state);
    const why = 'You cannot accept bookings until you reconnect Zoom: every session needs a meeting link from it.';
    await expect(region(canvasElement)).toHaveAccessibleDescription(`${text} ${why}`);
    await expect(canvas.getByText(/^Stopped working on 14 Jan 2026/)).toHaveAttribute('datetime', EXPIRED_AT.toISOString());
    await expect(linkNames(canvasElement)).toEqual(['Reconnect Zoom', 'Switch to Google Meet']);
    const reconnect = canvas.getByRole('link', { name: 'Reconnect Zoom' });
    await expect(reconnect).toHaveAccessibleDescription(why);
    await userEvent.click(reconnect);
    await expect(args.onNavigate).toHaveBeenCalledWith('/api/providers/zoom/connect');
    await noDisconnect(canvasElement);
  };

export const Expired: Story = {
  args: { connection: connectionJson({ status: 'expired', updatedAt: EXPIRED_AT, version: 2 }) },
  play: brokenPlay('expired', 'Zoom connection has expired'),
};

export const Invalid: Story = {
  args: { connection: connectionJson({ status: 'invalid', updatedAt: EXPIRED_AT, version: 2 }) },
  play: brokenPlay('invalid', 'Zoom connection is no longer valid'),
};

const outcomePlay =
  (outcome: string, text: string): Story['play'] =>
  async ({ canvasElement }) => {
    const status = within(canvasElement).getByRole('status');
    await expect(status).toHaveTextContent(text);
    await expect(status).toHaveAttribute('data-outcome', outcome);
    // Focus moves to the message once, so it is read right after the redirect back.
    await expect(status).toHaveFocus();
  };

export const OutcomeConnected: Story = {
  name: 'Outcome: connected',
  args: { connection: connectionJson(), outcome: 'connected' },
  play: async (context) => {
    await outcomePlay('connected', DEFAULT_CONNECT_LABELS.outcomeConnected)!(context);
    await expect(within(context.canvasElement).getByText('Zoom is connected')).toBeVisible();
  },
};

export const OutcomeDenied: Story = {
  name: 'Outcome: denied',
  args: { outcome: 'denied' },
  play: outcomePlay('denied', DEFAULT_CONNECT_LABELS.outcomeDenied),
};

export const OutcomeExpiredState: Story = {
  name: 'Outcome: expired state',
  args: { outcome: 'expired_state' },
  play: outcomePlay('expired_state', DEFAULT_CONNECT_LABELS.outcomeExpiredState),
};

export const OutcomeExchangeFailed: Story = {
  name: 'Outcome: exchange failed',
  args: { connection: connectionJson({ status: 'invalid', updatedAt: EXPIRED_AT }), outcome: 'exchange_failed' },
  play: async (context) => {
    await outcomePlay('exchange_failed', DEFAULT_CONNECT_LABELS.outcomeExchangeFailed)!(context);
    // Nothing changed: still the invalid connection and its way out.
    await expect(linkNames(context.canvasElement)).toEqual(['Reconnect Zoom', 'Switch to Google Meet']);
  },
};

export const OutcomeWrongUser: Story = {
  name: 'Outcome: wrong user',
  args: { outcome: 'wrong_user' },
  play: outcomePlay('wrong_user', DEFAULT_CONNECT_LABELS.outcomeWrongUser),
};

export const OutcomeUnauthenticated: Story = {
  name: 'Outcome: unauthenticated',
  args: { outcome: 'unauthenticated' },
  play: outcomePlay('unauthenticated', DEFAULT_CONNECT_LABELS.outcomeUnauthenticated),
};

export const OutcomeForbidden: Story = {
  name: 'Outcome: forbidden',
  args: { outcome: 'forbidden' },
  play: outcomePlay('forbidden', DEFAULT_CONNECT_LABELS.outcomeForbidden),
};

export const OutcomeFailed: Story = {
  name: 'Outcome: failed',
  args: { connection: connectionJson({ provider: 'google_meet' }), outcome: 'failed' },
  play: async (context) => {
    await outcomePlay('failed', DEFAULT_CONNECT_LABELS.outcomeFailed)!(context);
    // Nothing changed: still Google Meet, and the way to switch.
    await expect(linkNames(context.canvasElement)).toEqual(['Switch to Zoom']);
  },
};

export const KeyboardOnly: Story = {
  name: 'Keyboard only',
  args: { connection: connectionJson({ status: 'expired', updatedAt: EXPIRED_AT }), outcome: 'denied', focusOutcome: false },
  play: async ({ canvasElement, userEvent, args }) => {
    const canvas = within(canvasElement);
    (document.activeElement as HTMLElement | null)?.blur();
    await userEvent.tab();
    await expect(canvas.getByRole('link', { name: 'Reconnect Zoom' })).toHaveFocus();
    await userEvent.tab();
    const meet = canvas.getByRole('link', { name: 'Switch to Google Meet' });
    await expect(meet).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    await expect(args.onNavigate).toHaveBeenCalledWith('/api/providers/google_meet/connect');
    await userEvent.tab({ shift: true });
    await expect(canvas.getByRole('link', { name: 'Reconnect Zoom' })).toHaveFocus();
  },
};

export const WithYourOwnLinks: Story = {
  name: 'Parts: your own links (asChild) and a base path from SessionClockProvider',
  render: ({ onNavigate, ...props }) => (
    <div onClick={stopNavigation(onNavigate)}>
      <SessionClockProvider basePath="/v2/api">
        <ConnectVideoProvider {...props} headingLevel={3}>
          <p className="toolbar">
            <ConnectVideoProviderAction provider="google_meet" asChild>
              <a className="btn btn-primary" />
            </ConnectVideoProviderAction>{' '}
            <ConnectVideoProviderAction provider="zoom" className="btn" />
          </p>
        </ConnectVideoProvider>
      </SessionClockProvider>
    </div>
  ),
  play: async ({ canvasElement, userEvent, args }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('heading', { level: 3, name: 'Video meetings' })).toBeVisible();
    await expect(linkNames(canvasElement)).toEqual(['Connect Google Meet', 'Connect Zoom']);
    const meet = canvas.getByRole('link', { name: 'Connect Google Meet' });
    await expect(meet).toHaveClass('btn', 'btn-primary');
    await userEvent.click(meet);
    await expect(args.onNavigate).toHaveBeenCalledWith('/v2/api/providers/google_meet/connect');
  },
};
