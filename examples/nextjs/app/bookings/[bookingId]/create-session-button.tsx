'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';

/**
 * For the booking's tutor while the booking has no session: confirms it through
 * `POST /api/sessions/create-for-booking` (the page's cookies authenticate the request), then refreshes
 * the page. A refusal (e.g. `409 PROVIDER_NOT_CONNECTED`) is shown with the server's explanation.
 */
export function CreateSessionButton({ bookingId }: { bookingId: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  async function create() {
    setBusy(true);
    setMessage(null);
    try {
      const response = await fetch('/api/sessions/create-for-booking', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ bookingId }),
      });
      if (response.ok) {
        router.refresh();
        return;
      }
      const body = (await response.json().catch(() => null)) as { code?: string; detail?: string } | null;
      setMessage(`${body?.code ?? response.status}: ${body?.detail ?? response.statusText}`);
    } catch {
      setMessage('The server could not be reached; try again.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="controls">
      <button type="button" onClick={create} disabled={busy}>
        {busy ? 'Creating the session…' : 'Create the session (confirm the booking)'}
      </button>
      {message ? (
        <p role="alert" data-testid="create-session-error">
          {message}
        </p>
      ) : null}
    </div>
  );
}
