'use client';
import type { ParticipantRole, SessionJson } from '@itutor/sessions-core';
import { MarkNoShowButton, SessionClockProvider, SessionJoinButton } from '@itutor/sessions-react';
import { useRouter } from 'next/navigation';
import { DISPLAY_LOCALE, DISPLAY_TIME_ZONE } from '@/lib/display';

/**
 * The only client component of the page: the SDK's buttons need a click handler that refreshes the
 * server-rendered page (`router.refresh()`), and functions cannot cross from a server component.
 *
 * `session` is `toSessionJson(session, { policy: core.policy })`: it never contains the meeting URL (the
 * Join button asks `POST /api/sessions/{id}/join` for it, which records the join first), and it carries
 * the no-show amounts the buttons state (`noShowQuote`), computed on the server.
 */
export function SessionControls({
  session,
  role,
  renderedAt,
}: {
  session: SessionJson;
  role: ParticipantRole;
  /** When the server rendered (epoch ms): server HTML and hydration show the same countdown. */
  renderedAt: number;
}) {
  const router = useRouter();
  return (
    <SessionClockProvider initialNow={renderedAt} locale={DISPLAY_LOCALE} timeZone={DISPLAY_TIME_ZONE}>
      <div className="controls">
        {/* Join button for both */}
        <SessionJoinButton session={session} role={role} onJoined={() => router.refresh()} />

        {/* No-show button for tutors only */}
        {role === 'tutor' && <MarkNoShowButton session={session} role="tutor" onSuccess={() => router.refresh()} />}
      </div>
    </SessionClockProvider>
  );
}
