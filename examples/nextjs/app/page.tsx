import Link from 'next/link';

export default function HomePage() {
  return (
    <main>
      <h1>iTutor Sessions · Next.js example</h1>
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
