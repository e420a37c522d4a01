import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { sessionsMode } from '@/lib/mode';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Fake meeting · iTutor Sessions example' };

/**
 * DEVELOPMENT (local mode only): where the fake video provider's join URLs lead, so Join opens a page
 * instead of reaching Zoom or Google Meet. In the Supabase mode this page does not exist.
 */
export default async function FakeMeetingPage({ params }: { params: Promise<{ provider: string; meetingId: string }> }) {
  if (sessionsMode() !== 'local') notFound();
  const { provider, meetingId } = await params;
  return (
    <main>
      <h1>Fake {provider === 'google_meet' ? 'Google Meet' : 'Zoom'} meeting</h1>
      <p data-testid="meeting-id">
        Meeting <code>{meetingId}</code>
      </p>
      <p className="muted">
        Local development mode: the fake video provider sends every Join here. A real provider would open the
        meeting itself.
      </p>
    </main>
  );
}
