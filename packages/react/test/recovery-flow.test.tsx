import { createSessionsCore, type Booking } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ChargebackPanel } from '../src/chargebacks';
import { SessionClockProvider } from '../src/index';
import { CompletePaymentButton, type ConfirmPaymentFunction } from '../src/payments';
import { createManualSessionClock } from '../src/testing';

const START = new Date('2026-06-01T15:00:00.000Z');
const END = new Date(START.getTime() + 60 * 60_000);

/**
 * The components against the real routes: the core over its in-memory adapter and the recording gateway
 * (which speaks on-session charges and evidence) behind `createSessionsHandler`, `fetch` answered by that
 * handler as the signed-in user of the moment. `needsCustomer`: the bank wants 3-D Secure for the
 * off-session charge, so the session's charge waits for the student.
 */
async function world(needsCustomer: boolean) {
  const clock = createManualClock(new Date(START.getTime() - 24 * 60 * 60_000));
  const gateway = createRecordingPaymentGateway();
  const core = createSessionsCore({ adapter: createInMemoryAdapter({ clock }), videoProvider: createFakeVideoProvider(), paymentGateway: gateway, clock });
  await core.providers.connect({
    tutorId: 'tutor-a',
    provider: 'zoom',
    tokens: { accessToken: { keyId: 'k1', ciphertext: 'sealed-a' }, refreshToken: { keyId: 'k1', ciphertext: 'sealed-r' }, expiresAt: null },
  });
  const booking: Booking = { bookingId: 'booking-1', tutorId: 'tutor-a', studentId: 'student-a', scheduledStartAt: START, durationMinutes: 60, priceMinor: 15_000 };
  const { session } = await core.sessions.create(booking);
  if (needsCustomer) gateway.script('needs-customer');
  clock.set(END);
  await core.settlement.run();
  clock.set(new Date(END.getTime() + 60 * 60_000));
  let user = 'student-a';
  const handle = createSessionsHandler({
    core,
    authenticate: () => ({ userId: user }),
    getBooking: async () => booking,
    cronSecret: 'a-cron-secret-of-at-least-32-characters',
    isPlatformStaff: (auth) => auth.userId === 'ops-1',
  });
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) => handle(new Request(new URL(String(input), 'http://localhost'), init))) as typeof globalThis.fetch;
  const ui = (page: React.ReactElement) => (
    <SessionClockProvider clock={createManualSessionClock(clock)} locale="en-US" timeZone="UTC">
      {page}
    </SessionClockProvider>
  );
  return { core, gateway, session, fetch, ui, signIn: (id: string) => (user = id) };
}

const flush = () => act(async () => {});

describe('payment recovery against the real routes', () => {
  it('the bank wants the student: one press, the fake 3-D Secure step, then paid — charged exactly once, double clicks or not', async () => {
    const { core, gateway, session, fetch, ui } = await world(true);
    expect((await core.sessions.get(session.id))?.chargeStatus).toBe('awaiting_customer');
    // The host's confirm: here the fake bank's page, which the student passes.
    const confirm = vi.fn<ConfirmPaymentFunction>(async ({ clientSecret }) => {
      gateway.completeOnSession(clientSecret.replace(/^cs_/, ''), 'succeed');
      return { status: 'succeeded' };
    });
    const onSucceeded = vi.fn();
    render(ui(<CompletePaymentButton sessionId={session.id} confirm={confirm} fetch={fetch} onSucceeded={onSucceeded} />));
    await flush();
    const button = screen.getByRole('button', { name: 'Complete payment of TTD\u00a0150.00' });
    fireEvent.click(button);
    fireEvent.click(button);
    await flush();
    expect(screen.getByRole('status')).toHaveTextContent('Payment complete.');
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(confirm.mock.calls[0]![0]).toMatchObject({ clientSecret: expect.stringMatching(/^cs_/), amountMinor: 15_000, currency: 'TTD' });
    expect(onSucceeded).toHaveBeenCalledWith({ chargeStatus: 'succeeded', amountMinor: 15_000, currency: 'TTD', attempt: 2 });
    expect(gateway.charges.size).toBe(1);
    expect((await core.sessions.get(session.id))?.chargeStatus).toBe('succeeded');
  });

  it('the bank refuses the confirmation: failed; the next press learns the attempt failed (no confirm); the one after opens a new attempt and pays', async () => {
    const { core, gateway, session, fetch, ui } = await world(true);
    let outcome: 'succeed' | 'fail' = 'fail';
    const confirm = vi.fn<ConfirmPaymentFunction>(async ({ clientSecret }) => {
      gateway.completeOnSession(clientSecret.replace(/^cs_/, ''), outcome);
      return outcome === 'succeed' ? { status: 'succeeded' } : { status: 'failed', message: 'Authentication failed.' };
    });
    render(ui(<CompletePaymentButton sessionId={session.id} confirm={confirm} fetch={fetch} />));
    await flush();
    fireEvent.click(screen.getByRole('button', { name: /^Complete payment of/ }));
    await flush();
    expect(screen.getByRole('alert')).toHaveTextContent('The payment did not go through: Authentication failed.');
    // The server asks the gateway about the same attempt: it failed, recorded; the student is told again.
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await flush();
    expect(screen.getByRole('alert')).toHaveAttribute('data-code', 'authentication_failed');
    expect(screen.getByRole('alert')).toHaveTextContent('The payment did not go through: your bank could not confirm it was you.');
    expect(confirm).toHaveBeenCalledTimes(1);
    outcome = 'succeed';
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await flush();
    expect(screen.getByRole('status')).toHaveTextContent('Payment complete.');
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(gateway.charges.size).toBe(1);
    const session_ = await core.sessions.get(session.id);
    expect(session_?.chargeStatus).toBe('succeeded');
    expect(session_?.chargeAttempts).toBe(3);
  });

  it('nothing for the tutor, nor when the charge went through off-session', async () => {
    const needed = await world(true);
    needed.signIn('tutor-a');
    const tutor = render(needed.ui(<CompletePaymentButton sessionId={needed.session.id} confirm={vi.fn()} fetch={needed.fetch} />));
    await flush();
    expect(tutor.container.querySelector('[data-itutor]')).toBeNull();
    tutor.unmount();
    const paid = await world(false);
    const student = render(paid.ui(<CompletePaymentButton sessionId={paid.session.id} confirm={vi.fn()} fetch={paid.fetch} />));
    await flush();
    expect(student.container.querySelector('[data-itutor]')).toBeNull();
  });
});

describe('chargebacks against the real routes', () => {
  it('a person reads the evidence the SDK staged, as text, and submits it once; the student is refused', async () => {
    const { core, gateway, session, fetch, ui, signIn } = await world(false);
    await core.chargebacks.record({
      sessionId: session.id,
      attempt: 1,
      reference: 'dp_flow',
      status: 'needs_response',
      reason: 'product_not_received',
      amountMinor: 15_000,
      currency: 'TTD',
      feeMinor: 1_500,
      fundsWithdrawnMinor: 15_000,
      fundsReinstatedMinor: 0,
      evidenceDueBy: new Date('2026-06-10T23:59:59.000Z'),
      reportedAt: new Date(END.getTime() + 30 * 60_000),
    });
    signIn('ops-1');
    render(ui(<ChargebackPanel sessionId={session.id} fetch={fetch} />));
    await flush();
    const card = screen.getByRole('region', { name: 'Bank dispute 1' });
    expect(card).toHaveAttribute('data-evidence', 'staged');
    expect(card).toHaveTextContent("The bank's reasonService not received");
    expect(card).toHaveTextContent('Evidence dueJun 10, 2026, 11:59');
    const [staged] = await core.chargebacks.list(session.id);
    const log = card.querySelector('[data-field="access_activity_log"][data-itutor-part="evidence-text"]')!;
    expect(log.innerHTML.split('<br>').map((l) => l.replaceAll('&amp;', '&'))).toEqual(staged!.stagedEvidence!.access_activity_log.split('\n'));
    expect(within(card).getByRole('region', { name: 'Staged evidence' }).textContent).not.toMatch(/[{}"]/);

    fireEvent.click(within(card).getByRole('button', { name: 'Submit evidence' }));
    const dialog = screen.getByRole('alertdialog');
    fireEvent.click(dialog.querySelector('[data-itutor-part="confirm"]')!);
    fireEvent.click(dialog.querySelector('[data-itutor-part="confirm"]')!);
    await flush();
    expect(screen.getByRole('status')).toHaveTextContent('Evidence for bank dispute 1 submitted.');
    expect(card).toHaveTextContent(/EvidenceSubmitted by ops-1 on Jun 1, 2026, 5:00\sPM\./);
    const [submitted] = await core.chargebacks.list(session.id);
    expect(submitted).toMatchObject({ evidence: 'submitted', submittedBy: 'ops-1' });
    expect(gateway.evidenceCalls.filter((c) => c.kind === 'submit')).toHaveLength(1);

    signIn('student-a');
    const { container } = render(ui(<ChargebackPanel sessionId={session.id} fetch={fetch} />));
    await flush();
    expect(within(container).getByRole('alert')).toHaveTextContent("The bank disputes could not be loaded. Only the platform's people can see bank disputes.");
  });
});
