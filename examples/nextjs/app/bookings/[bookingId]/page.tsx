import { effectiveStatus, formatMoney, isFinalStatus, roleOf, STATUS_LABELS, toSessionJson } from '@itutor/sessions-core';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { DISPLAY_LOCALE, DISPLAY_TIME_ZONE } from '@/lib/display';
import { getSessionsServer } from '@/lib/sessions';
import { getViewerId } from '@/lib/viewer';
import { SessionControls } from './session-controls';

export const metadata: Metadata = { title: 'Booking · iTutor Sessions example' };

const formatInstant = (date: Date) =>
  new Intl.DateTimeFormat(DISPLAY_LOCALE, { dateStyle: 'medium', timeStyle: 'short', timeZone: DISPLAY_TIME_ZONE }).format(date);

/**
 * The booking detail page of the original description's "UI Integration Example", as a server
 * component: the session is loaded on the server through the core (service role, so the page decides
 * who may see it), converted with `toSessionJson` (no meeting URL), and handed to the small client
 * component that renders the SDK's buttons.
 */
export default async function BookingPage({ params }: { params: Promise<{ bookingId: string }> }) {
  const { bookingId } = await params;
  const { core, getBooking } = getSessionsServer();

  const viewerId = await getViewerId();
  if (!viewerId) {
    return (
      <main>
        <h1>Booking</h1>
        <p>Sign in to see this booking.</p>
      </main>
    );
  }

  // The booking (host's table) first: it canonicalises the id, and only its tutor and student may look.
  const booking = await getBooking(bookingId);
  const session = booking ? await core.getSessionByBooking(booking.bookingId) : null;
  const role = session ? roleOf(session, viewerId) : booking ? roleOf(booking, viewerId) : null;
  // Same answer for "no such booking" and "not yours": the page does not reveal which.
  if (!booking || !role) notFound();

  if (!session) {
    return (
      <main>
        <h1>Booking</h1>
        <p>
          This booking has no session yet. The session (with its meeting link) is created when the booking is
          confirmed: <code>POST /api/sessions/create-for-booking</code> with <code>{`{ "bookingId": "${booking.bookingId}" }`}</code>{' '}
          by the tutor or the server.
        </p>
      </main>
    );
  }

  const now = new Date();
  const status = effectiveStatus(session, now);

  return (
    <main>
      <h1>Booking</h1>
      <p className="muted">
        You are the <strong>{role}</strong> of this session.
      </p>

      <dl className="facts">
        <dt>Starts</dt>
        <dd>
          <time dateTime={session.scheduledStartAt.toISOString()}>{formatInstant(session.scheduledStartAt)}</time> (Trinidad
          time)
        </dd>
        <dt>Duration</dt>
        <dd>{session.durationMinutes} minutes</dd>
        <dt>Price</dt>
        <dd>{formatMoney(session.priceMinor, { currency: session.currency, locale: DISPLAY_LOCALE })}</dd>
        <dt>Status</dt>
        <dd>{STATUS_LABELS[status]}</dd>
        <dt>No-show wait</dt>
        <dd>{session.noShowWaitMinutes} minutes after the start</dd>
        {isFinalStatus(session.status) && session.chargeAmountMinor !== null ? (
          <>
            <dt>Charged</dt>
            <dd>
              {formatMoney(session.chargeAmountMinor, { currency: session.currency, locale: DISPLAY_LOCALE })}
              {role === 'tutor' && session.payoutAmountMinor !== null
                ? ` (your payout ${formatMoney(session.payoutAmountMinor, { currency: session.currency, locale: DISPLAY_LOCALE })})`
                : null}
            </dd>
          </>
        ) : null}
      </dl>

      <SessionControls session={toSessionJson(session)} role={role} renderedAt={now.getTime()} />
    </main>
  );
}
