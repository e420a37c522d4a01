import { effectiveStatus, formatMoney, STATUS_LABELS } from '@itutor/sessions-core/rules';
import Link from 'next/link';
import { DISPLAY_LOCALE, DISPLAY_TIME_ZONE } from '@/lib/display';
import { listDevBookings } from '@/lib/local/bookings';
import { DEV_PEOPLE, devPerson } from '@/lib/local/people';
import { sessionsMode } from '@/lib/mode';
import { getSessionsServer, type LocalSessionsServer } from '@/lib/sessions';
import { getViewerId } from '@/lib/viewer';

export const dynamic = 'force-dynamic';

export default async function HomePage() {
  return (
    <main>
      <h1>iTutor Sessions · Next.js example</h1>
      {sessionsMode() === 'local' ? <LocalDevelopmentPanel /> : null}
      <p>A host app wiring the SDK into the App Router:</p>
      <ul>
        <li>
          <code>/bookings/&lt;bookingId&gt;</code> — the booking page with the Join button (both sides) and the
          Mark no-show button (tutor), e.g. <Link href="/bookings/00000000-0000-4000-8000-000000000000">a booking</Link>.
        </li>
        <li>
          <code>POST /api/sessions/create-for-booking</code>, <code>POST /api/sessions/&#123;id&#125;/join</code>,{' '}
          <code>POST /api/sessions/&#123;id&#125;/mark-no-show</code>
        </li>
        <li>
          <code>GET|POST /api/cron/process-charges</code> — called every minute by Vercel Cron (<code>vercel.json</code>)
        </li>
      </ul>
    </main>
  );
}

const formatInstant = (date: Date) =>
  new Intl.DateTimeFormat(DISPLAY_LOCALE, { dateStyle: 'medium', timeStyle: 'short', timeZone: DISPLAY_TIME_ZONE }).format(date);

/**
 * DEVELOPMENT (local mode only, see README "Run it locally"): sign in as a seeded person, record a booking
 * (its start may lie in the past, to reach the no-show point or the end without waiting), list yours.
 */
async function LocalDevelopmentPanel() {
  const server = (await getSessionsServer()) as LocalSessionsServer;
  const viewer = devPerson(await getViewerId());
  const bookings = viewer ? await listDevBookings(server.pool, viewer.id) : [];
  const sessions = await Promise.all(bookings.map((booking) => server.core.sessions.getByBooking(booking.bookingId)));
  const now = new Date();

  return (
    <section className="dev-panel" data-testid="dev-panel">
      <h2>Local development mode</h2>
      <p className="muted">
        PostgreSQL at <code>DATABASE_URL</code> with the SDK&apos;s migrations, a development sign-in (a signed
        cookie naming a seeded person — not authentication), a fake video provider and a fake payment gateway.
      </p>

      <p data-testid="signed-in-as">
        {viewer ? (
          <>
            Signed in as <strong>{viewer.name}</strong> ({viewer.role}).
          </>
        ) : (
          'Not signed in.'
        )}
      </p>
      <div className="controls">
        {DEV_PEOPLE.map((person) => (
          <form key={person.id} method="post" action="/api/dev/sign-in">
            <input type="hidden" name="userId" value={person.id} />
            <button type="submit" disabled={viewer?.id === person.id}>
              Sign in as {person.name} ({person.role}
              {person.role === 'tutor' ? (person.provider ? `, ${person.provider === 'zoom' ? 'Zoom' : 'Meet'}` : ', no video provider') : ''})
            </button>
          </form>
        ))}
        {viewer ? (
          <form method="post" action="/api/dev/sign-out">
            <button type="submit">Sign out</button>
          </form>
        ) : null}
      </div>

      <h3>New confirmed booking</h3>
      <form method="post" action="/api/dev/bookings" className="dev-form" data-testid="new-booking">
        <label>
          Tutor{' '}
          <select name="tutorId" defaultValue={DEV_PEOPLE.find((p) => p.role === 'tutor')!.id}>
            {DEV_PEOPLE.filter((p) => p.role === 'tutor').map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Student{' '}
          <select name="studentId" defaultValue={DEV_PEOPLE.find((p) => p.role === 'student')!.id}>
            {DEV_PEOPLE.filter((p) => p.role === 'student').map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Starts in (minutes; negative = started that long ago){' '}
          <input name="startsInMinutes" type="number" min={-1440} max={1440} step={1} defaultValue={10} required />
        </label>
        <label>
          Duration (minutes) <input name="durationMinutes" type="number" min={1} max={1440} step={1} defaultValue={60} required />
        </label>
        <label>
          Price (TTD) <input name="priceTtd" inputMode="decimal" pattern="\d{1,10}(\.\d{1,2})?" defaultValue="150.00" required />
        </label>
        <button type="submit">Record the booking</button>
      </form>
      <p className="muted">
        Try −20 minutes with 60 to mark a no-show at once (the wait is 19 minutes), or −61 with 60 for a session
        whose end has passed, for the cron to settle.
      </p>

      {viewer ? (
        <>
          <h3>Your bookings</h3>
          {bookings.length === 0 ? <p className="muted">None yet.</p> : null}
          <ul data-testid="my-bookings">
            {bookings.map((booking, index) => {
              const session = sessions[index];
              const other = devPerson(viewer.id === booking.tutorId ? booking.studentId : booking.tutorId)?.name;
              return (
                <li key={booking.bookingId}>
                  <Link href={`/bookings/${booking.bookingId}`}>
                    {formatInstant(booking.scheduledStartAt)}, {booking.durationMinutes} min with {other}
                  </Link>{' '}
                  — {formatMoney(booking.priceMinor, { currency: booking.currency ?? 'TTD', locale: DISPLAY_LOCALE })} —{' '}
                  {session ? STATUS_LABELS[effectiveStatus(session, now)] : 'no session yet'}
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
    </section>
  );
}
