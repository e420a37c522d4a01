import { createSessionsCore, type Booking } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { act, fireEvent, render, renderHook, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SessionClockProvider } from '../src/index';
import { DisputePanel, OpenDisputeButton, useDispute } from '../src/disputes';
import { createManualSessionClock } from '../src/testing';

const START = new Date('2026-06-01T15:00:00.000Z');
const addMinutes = (d: Date, minutes: number) => new Date(d.getTime() + minutes * 60_000);

/**
 * The components against the real routes: the core over its in-memory adapter behind
 * `createSessionsHandler`, `fetch` answered by that handler as the signed-in user of the moment, and the
 * components' clock the core's. What the browser sends must pass the routes' own validation.
 */
async function world() {
  const clock = createManualClock(addMinutes(START, -24 * 60));
  const core = createSessionsCore({
    adapter: createInMemoryAdapter({ clock }),
    videoProvider: createFakeVideoProvider(),
    paymentGateway: createRecordingPaymentGateway(),
    clock,
    policy: { payoutTiming: 'after_review' },
  });
  await core.providers.connect({
    tutorId: 'tutor-a',
    provider: 'zoom',
    tokens: { accessToken: { keyId: 'k1', ciphertext: 'sealed-a' }, refreshToken: { keyId: 'k1', ciphertext: 'sealed-r' }, expiresAt: null },
  });
  const booking: Booking = { bookingId: 'booking-1', tutorId: 'tutor-a', studentId: 'student-a', scheduledStartAt: START, durationMinutes: 60, priceMinor: 15_000 };
  const { session } = await core.sessions.create(booking);
  clock.set(addMinutes(START, 60));
  await core.settlement.run();
  clock.set(addMinutes(START, 120));
  let user = 'student-a';
  const handle = createSessionsHandler({
    core,
    authenticate: () => ({ userId: user }),
    getBooking: async () => booking,
    cronSecret: 'a-cron-secret-of-at-least-32-characters',
    isPlatformStaff: (auth) => auth.userId === 'ops-1',
  });
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) => handle(new Request(new URL(String(input), 'http://localhost'), init))) as typeof globalThis.fetch;
  return { core, session, fetch, sessionClock: createManualSessionClock(clock), signIn: (id: string) => (user = id) };
}

const flush = () => act(async () => {});

function StudentPage({ sessionId, fetch }: { sessionId: string; fetch: typeof globalThis.fetch }) {
  const dispute = useDispute(sessionId, { fetch });
  return (
    <>
      <OpenDisputeButton sessionId={sessionId} dispute={dispute} />
      <DisputePanel sessionId={sessionId} dispute={dispute} />
    </>
  );
}

describe('disputes against the real routes', () => {
  it('the student opens, the tutor offers 75.50 typed in major units, the student accepts: a partial refund of exactly 7550', async () => {
    const { core, session, fetch, sessionClock, signIn } = await world();
    const ui = (page: React.ReactElement) => (
      <SessionClockProvider clock={sessionClock} locale="en-US" timeZone="UTC">
        {page}
      </SessionClockProvider>
    );

    const student = render(ui(<StudentPage sessionId={session.id} fetch={fetch} />));
    await flush();
    expect(screen.getByText('No problem has been reported for this session.')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Report a problem' }));
    expect(screen.getByRole('dialog')).toHaveAccessibleDescription(/until Jun 4, 2026, 4:00\sPM \(2 days 23 hours left\)\.$/);
    fireEvent.change(screen.getByRole('combobox', { name: 'What went wrong?' }), { target: { value: 'ended_early' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Describe what happened' }), { target: { value: ' The tutor left after 20 minutes. ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send report' }));
    await flush();
    expect(screen.getByRole('status')).toHaveTextContent('Problem reported.');
    expect(screen.getByRole('region', { name: 'Dispute' })).toHaveAttribute('data-state', 'open');
    expect(screen.getByRole('region', { name: "Tutor's payout" })).toHaveTextContent(/Held while the dispute is open: TTD\s135\.00\./);
    student.unmount();

    signIn('tutor-a');
    const tutor = render(ui(<DisputePanel sessionId={session.id} fetch={fetch} />));
    await flush();
    expect(screen.getByRole('region', { name: 'Timeline' })).toHaveTextContent(/Student: Reported a problemThe tutor left after 20 minutes\./);
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Refund in full', 'Offer a partial refund', 'Contest']);
    fireEvent.click(screen.getByRole('button', { name: 'Offer a partial refund' }));
    const offer = screen.getByRole('dialog', { name: 'Offer a partial refund' });
    fireEvent.change(within(offer).getByRole('textbox', { name: 'Refund amount (TTD)' }), { target: { value: '75.5' } });
    fireEvent.click(within(offer).getByRole('button', { name: 'Offer a partial refund' }));
    await flush();
    expect(screen.getByText(/^The tutor offered a refund of TTD\s75\.50\. Waiting for the student's answer\.$/)).toBeInTheDocument();
    tutor.unmount();

    signIn('student-a');
    render(ui(<DisputePanel sessionId={session.id} fetch={fetch} />));
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'Accept the offer' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Accept the offer' })).getByRole('button', { name: 'Accept the offer' }));
    await flush();
    expect(screen.getByText(/^Resolved: partial refund of TTD\s75\.50 \(by the student\)\.$/)).toBeInTheDocument();
    expect(screen.getByRole('region', { name: "Tutor's payout" })).toHaveTextContent(/Scheduled: TTD\s67\.05 \(reduced from TTD\s135\.00 by refunds\)/);
    expect(screen.queryAllByRole('button')).toEqual([]);
    expect(await core.disputes.view({ sessionId: session.id, viewer: 'platform' })).toMatchObject({
      dispute: { status: 'resolved', resolution: 'partial_refund', refundMinor: 7_550, offerMinor: 7_550 },
    });
  });

  it('refusals from the routes come back by code: no button for the tutor; a student who contests is refused (and the view read again)', async () => {
    const { core, session, fetch, sessionClock, signIn } = await world();
    signIn('tutor-a');
    const tutor = render(
      <SessionClockProvider clock={sessionClock}>
        <OpenDisputeButton sessionId={session.id} fetch={fetch} />
        <DisputePanel sessionId={session.id} fetch={fetch} />
      </SessionClockProvider>,
    );
    await flush();
    // The tutor's view says canOpen: false: no button; no dispute yet: no steps.
    expect(screen.getByRole('region', { name: 'Dispute' })).toHaveAttribute('data-viewer', 'tutor');
    expect(screen.queryAllByRole('button')).toEqual([]);
    tutor.unmount();

    await core.disputes.open({ sessionId: session.id, actorId: 'student-a', reason: 'quality', message: 'Poor lesson' });
    signIn('student-a');
    const wrapper = ({ children }: { children: React.ReactNode }) => <SessionClockProvider clock={sessionClock}>{children}</SessionClockProvider>;
    const { result } = renderHook(() => useDispute(session.id, { fetch }), { wrapper });
    await flush();
    expect(result.current.view).toMatchObject({ viewer: 'student', allowedSteps: [], dispute: { status: 'open' } });
    await act(() => result.current.act('contest', { message: 'Not my step' }));
    expect(result.current.actionError).toMatchObject({ code: 'DISPUTE_NOT_ALLOWED', details: { httpStatus: 409 } });
    await act(() => result.current.open({ reason: 'other', message: 'Again' }));
    expect(result.current.actionError).toMatchObject({ code: 'DISPUTE_EXISTS' });
  });

  it('the platform decides a contested dispute: partial, 50 typed, with its message', async () => {
    const { core, session, fetch, sessionClock, signIn } = await world();
    await core.disputes.open({ sessionId: session.id, actorId: 'student-a', reason: 'quality', message: 'Poor lesson' });
    await core.disputes.act({ sessionId: session.id, actorId: 'tutor-a', role: 'tutor', action: { type: 'contest' }, message: 'It was fine.' });
    signIn('ops-1');
    render(
      <SessionClockProvider clock={sessionClock} locale="en-US" timeZone="UTC">
        <DisputePanel sessionId={session.id} fetch={fetch} />
      </SessionClockProvider>,
    );
    await flush();
    expect(screen.getByText('Contested: your decision is needed.')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Timeline' })).toHaveTextContent(/Tutor: Contested the reportIt was fine\./);
    fireEvent.click(screen.getByRole('button', { name: 'Decide' }));
    const d = screen.getByRole('dialog', { name: 'Decide' });
    fireEvent.click(within(d).getByRole('radio', { name: 'Partial refund' }));
    fireEvent.change(within(d).getByRole('textbox', { name: 'Refund amount (TTD)' }), { target: { value: '50' } });
    fireEvent.change(within(d).getByRole('textbox', { name: 'Describe what happened' }), { target: { value: 'We refund a third.' } });
    fireEvent.click(within(d).getByRole('button', { name: 'Decide' }));
    await flush();
    expect(screen.getByText(/^Resolved: partial refund of TTD\s50\.00 \(by the platform\)\.$/)).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Payments' })).toHaveTextContent(/RefundsTTD\s50\.00 \(from the tutor's share: TTD\s45\.00\)/);
    expect(screen.getByRole('region', { name: 'Timeline' })).toHaveTextContent(/Platform: Decided: partial refund of TTD\s50\.00We refund a third\./);
  });
});
