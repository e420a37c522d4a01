import { effectiveStatus, formatMoney, isFinalStatus, roleOf, STATUS_LABELS } from '@itutor/sessions-core/rules';
import { toSessionJson } from '@itutor/sessions-core';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { DISPLAY_LOCALE, DISPLAY_TIME_ZONE } from '@/lib/display';
import { devPerson } from '@/lib/local/people';
import { getSessionsServer } from '@/lib/sessions';
import { getViewerId } from '@/lib/viewer';
import { CreateSessionButton } from './create-session-button';
import { SessionControls } from './session-controls';

export const metadata: Metadata = { title: 'Booking · iTutor Sessions example' };
export const dynamic = 'force-dynamic';

const money = (minor: number, currency: string) => formatMoney(minor, { currency, locale: DISPLAY_LOCALE }); // "TTD 150.00"

const formatInstant = (date: Date) =>
  new Intl.DateTimeFormat(DISPLAY_LOCALE, { dateStyle: 'medium', timeStyle: 'short', timeZone: DISPLAY_TIME_ZONE }).format(date);

/**
 * The booking detail page of the original description's "UI Integration Example", as a server
 * component: the session is loaded on the server through the core (service role, so the page decides
 * who may see it), converted with `toSessionJson` (no meeting URL; with the core's policy, so the JSON
 * carries the no-show amounts the buttons state), and handed to the small client component that renders
 * the SDK's buttons.
 */
export default async function BookingPage({ params }: { params: Promise<{ bookingId: string }> }) {
  const { bookingId } = await params;
  const server = await getSessionsServer();
  const { core, getBooking } = server;

  const viewerId = await getViewerId();
  if (!viewerId) {
    return (
      <main>
        <h1>Booking</h1>
        <p>Sign in to see this booking.</p>
        {server.mode === 'local' ? (
          <p>
            Local development mode: <a href="/">sign in as a seeded person</a>.
          </p>
        ) : null}
      </main>
    );
  }

  // The booking (host's table) first: it canonicalises the id, and only its tutor and student may look.
  const booking = await getBooking(bookingId);
  const session = booking ? await core.sessions.getByBooking(booking.bookingId) : null;
  const role = session ? roleOf(session, viewerId) : booking ? roleOf(booking, viewerId) : null;
  // Same answer for "no such booking" and "not yours": the page does not reveal which.
  if (!booking || !role) notFound();

  const you = server.mode === 'local' ? devPerson(viewerId)?.name : undefined;
  const header = (
    <>
      <p>
        <a href="/">← Home</a>
      </p>
      <h1>Booking</h1>
      <p className="muted" data-testid="viewer-role">
        You{you ? ` (${you})` : ''} are the <strong>{role}</strong> of this booking.
      </p>
    </>
  );

  if (!session) {
    return (
      <main>
        {header}
        <p>
          This booking has no session yet. The session (with its meeting link) is created when the booking is
          confirmed: <code>POST /api/sessions/create-for-booking</code> with <code>{`{ "bookingId": "${booking.bookingId}" }`}</code>{' '}
          by the tutor or the server.
        </p>
        {role === 'tutor' ? <CreateSessionButton bookingId={booking.bookingId} /> : null}
      </main>
    );
  }

  const now = new Date();
  const status = effectiveStatus(session, now);

  return (
    <main>
      {header}

      <dl className="facts">
        <dt>Starts</dt>
        <dd>
          <time dateTime={session.scheduledStartAt.toISOString()}>{formatInstant(session.scheduledStartAt)}</time> (Trinidad
          time)
        </dd>
        <dt>Duration</dt>
        <dd>{session.durationMinutes} minutes</dd>
        <dt>Price</dt>
        <dd data-testid="price">{money(session.priceMinor, session.currency)}</dd>
        <dt>Status</dt>
        <dd data-testid="status" data-status={status}>
          {STATUS_LABELS[status]}
        </dd>
        <dt>No-show wait</dt>
        <dd>{session.noShowWaitMinutes} minutes after the start</dd>
        {isFinalStatus(session.status) && session.chargeAmountMinor !== null ? (
          <>
            <dt>Charged</dt>
            <dd data-testid="charged">
              {money(session.chargeAmountMinor, session.currency)}
              {role === 'tutor' && session.payoutAmountMinor !== null
                ? ` (your payout ${money(session.payoutAmountMinor, session.currency)})`
                : null}
            </dd>
          </>
        ) : null}
      </dl>

      <SessionControls session={toSessionJson(session, { policy: core.policy })} role={role} renderedAt={now.getTime()} />
    </main>
  );
}
