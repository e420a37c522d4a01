// @vitest-environment node
import { DEFAULT_POLICY, toSessionJson } from '@itutor/sessions-core';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import * as connect from '../src/connect';
import * as disputes from '../src/disputes';
import * as entry from '../src/index';
import { DISPUTE_SESSION_ID, disputeView } from './dispute-fixtures';
import { CONNECTED_AT, at, connectionJson, makeConnection, makeSession } from './fixtures';

describe('the package entry in a plain server environment', () => {
  it('imports and renders to string with no DOM', () => {
    expect(typeof (globalThis as { document?: unknown }).document).toBe('undefined');
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const { SessionClockProvider, SessionJoinButton, MarkNoShowButton, joinStateAt } = entry;
    const session = toSessionJson(makeSession(), { policy: DEFAULT_POLICY });
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

  it('renders the tutor-absence report and the cancellation to string (AbortController and fetch are not touched)', () => {
    const { SessionClockProvider, ReportTutorAbsentButton, CancelSessionButton } = entry;
    const session = toSessionJson(makeSession({ studentJoinedAt: at(1) }), { policy: DEFAULT_POLICY });
    const html = renderToString(
      <SessionClockProvider initialNow={at(-6)}>
        <ReportTutorAbsentButton session={session} role="student" />
        <CancelSessionButton session={session} />
      </SessionClockProvider>,
    );
    expect(html).toContain('You can report your tutor absent in 25:00');
    expect(html).toContain('data-itutor="cancel" data-state="available"');
    expect(html).toContain('Cancel session');
  });

  it('renders without a provider (time-free markup)', () => {
    const html = renderToString(<entry.SessionJoinButton session={makeSession()} role="tutor" />);
    expect(html).toContain('data-state="unknown"');
    expect(html).toContain('Join session');
  });
});

describe('the connect entry in a plain server environment', () => {
  const { ConnectVideoProvider } = connect;

  it('renders the links and the explanation to string: they work before and without JavaScript', () => {
    const html = renderToString(
      <entry.SessionClockProvider basePath="/v2/api">
        <ConnectVideoProvider connection={connectionJson({ status: 'expired' })} outcome="exchange_failed" />
      </entry.SessionClockProvider>,
    );
    expect(html).toContain('href="/v2/api/providers/zoom/connect"');
    expect(html).toContain('Reconnect Zoom');
    expect(html).toContain('Switch to Google Meet');
    expect(html).toContain('You cannot accept bookings until you reconnect Zoom');
    expect(html).toContain('role="status"');
    expect(html).toContain('data-state="expired"');
  });

  it('renders the date only with a time zone (else it appears after hydration)', () => {
    expect(renderToString(<ConnectVideoProvider connection={makeConnection()} />)).not.toContain('Connected on');
    const html = renderToString(<ConnectVideoProvider connection={makeConnection()} timeZone="UTC" />);
    const date = new Intl.DateTimeFormat('en-TT', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(CONNECTED_AT);
    expect(html).toContain(`Connected on ${date}`); // 10 Jan 2026, 2:30 pm
    expect(html).toMatch(/datetime="2026-01-10T14:30:00.000Z"/i); // React writes `dateTime`; HTML attributes ignore case
  });
});

describe('the disputes entry in a plain server environment', () => {
  it('renders the report button and the panel from an initial view, with no DOM and no request', () => {
    const { useDispute, OpenDisputeButton, DisputePanel } = disputes;
    const requests: string[] = [];
    const fetch = (async (input: RequestInfo | URL) => {
      requests.push(String(input));
      throw new Error('no request during a server render');
    }) as typeof globalThis.fetch;
    function Page() {
      const dispute = useDispute(DISPUTE_SESSION_ID, { initialView: disputeView('none', 'student'), fetch });
      return (
        <>
          <OpenDisputeButton sessionId={DISPUTE_SESSION_ID} dispute={dispute} />
          <DisputePanel sessionId={DISPUTE_SESSION_ID} dispute={dispute} />
        </>
      );
    }
    const html = renderToString(
      <entry.SessionClockProvider initialNow={at(600)} timeZone="UTC" locale="en-US">
        <Page />
      </entry.SessionClockProvider>,
    );
    expect(html).toContain('data-itutor="dispute-open" data-state="available"');
    expect(html).toContain('Report a problem');
    expect(html).toContain('No problem has been reported for this session.');
    expect(html).toMatch(/Scheduled: TTD\s135\.00, to be paid Jan 18, 2026, 4:00\sPM\./);
    expect(requests).toEqual([]);
  });
});
