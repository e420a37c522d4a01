import { StrictMode, useCallback, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { effectiveStatus, formatMoney, fromSessionJson, STATUS_LABELS, type SessionJson } from '@itutor/sessions-core';
import { postSessionAction } from '@itutor/sessions-core/client';
import { MarkNoShowButton, SessionClockProvider, SessionJoinButton, useSessionClock } from '@itutor/sessions-react';

interface DemoEvent {
  id: string;
  type: string;
  actor: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}
interface DemoSessionRow {
  booking: { bookingId: string; title: string; tutorId: string; studentId: string; scheduledStartAt: string; durationMinutes: number; priceMinor: number };
  tutorName: string;
  studentName: string;
  session: SessionJson | null;
  events: DemoEvent[];
}
interface DemoState {
  now: string;
  database: string;
  tutors: Array<{ id: string; name: string; provider: string | null; status: string }>;
  sessions: DemoSessionRow[];
  charges: Array<{ idempotencyKey: string; amountMinor: number }>;
}

const money = (minor: number | null | undefined) => (minor === null || minor === undefined ? '—' : formatMoney(minor, { locale: 'en-US' }));
const clock = (iso: string | Date) =>
  new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'UTC' }) + ' UTC';

/** Fetch as a given demo user: the demo's stand-in for a signed-in browser. */
const fetchAs = (userId: string): typeof fetch => (input, init) =>
  fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-demo-user': userId } });

async function post<T>(path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as T;
}

function SimulatedTime() {
  const now = useSessionClock();
  return <strong data-testid="simulated-time">{now ? clock(now) : '…'}</strong>;
}

function SessionCard({ row, onChange, offset }: { row: DemoSessionRow; onChange: () => Promise<void>; offset: () => number }) {
  const [message, setMessage] = useState<string | null>(null);
  const { booking, session } = row;
  const confirm = async () => {
    const result = await post<{ status: number; body: { detail?: string; code?: string } }>(`/demo/bookings/${booking.bookingId}/confirm`);
    setMessage(result.status < 300 ? 'Booking confirmed: session created.' : `Refused (${result.body.code}): ${result.body.detail}`);
    await onChange();
  };
  const travel = async (action: string) => {
    await post('/demo/clock', { action, sessionId: session?.id });
    await onChange();
  };
  const endEarly = async () => {
    const result = await post<{ error?: string }>(`/demo/sessions/${session?.id}/meeting-ended`, { minutesEarly: 20 });
    setMessage(result.error ? `Refused: ${result.error}` : 'Provider webhook: the meeting ended 20 minutes early.');
    await onChange();
  };
  const pub = session ? fromSessionJson(session) : null;
  const status = pub ? effectiveStatus(pub, new Date(Date.now() + offset())) : null;
  return (
    <article className="card" data-testid={`booking-${booking.bookingId}`} data-status={session?.status ?? 'UNCONFIRMED'}>
      <header>
        <h3>{booking.title}</h3>
        <p className="meta">
          {clock(booking.scheduledStartAt)} · {booking.durationMinutes} min · {money(booking.priceMinor)} · tutor {row.tutorName}, student {row.studentName}
        </p>
        {status && (
          <span className="badge" data-testid="status">
            {status} — {STATUS_LABELS[status]}
          </span>
        )}
      </header>
      {!session && (
        <div className="row">
          <button type="button" onClick={confirm} data-testid="confirm-booking">
            Confirm booking (as {row.tutorName})
          </button>
        </div>
      )}
      {message && (
        <p className="message" role="status" data-testid="message">
          {message}
        </p>
      )}
      {session && (
        <>
          <p className="meta">
            Join opens {clock(session.joinOpensAt)} · no-show possible {clock(session.noShowEligibleAt)} (wait {session.noShowWaitMinutes} min) · ends{' '}
            {clock(session.scheduledEndAt)}
          </p>
          <div className="row travel">
            <span>Time travel:</span>
            <button type="button" onClick={() => travel('before-join-window')}>1 min before join window</button>
            <button type="button" onClick={() => travel('join-window')}>to join window</button>
            <button type="button" onClick={() => travel('no-show-point')}>to no-show point</button>
            <button type="button" onClick={() => travel('end')}>to the end</button>
            <button type="button" onClick={endEarly}>meeting ended early</button>
          </div>
          <div className="views">
            <section className="view" data-testid="tutor-view" aria-label={`${row.tutorName}'s view (tutor)`}>
              <h4>Signed in as {row.tutorName} (tutor)</h4>
              <SessionJoinButton
                session={session}
                role="tutor"
                join={(id) => postSessionAction(id, 'join', { fetch: fetchAs(booking.tutorId) })}
                onJoined={() => void onChange()}
                onError={() => void onChange()}
              />
              <MarkNoShowButton
                session={session}
                role="tutor"
                markNoShow={(id) => postSessionAction(id, 'mark-no-show', { fetch: fetchAs(booking.tutorId) })}
                onSuccess={() => void onChange()}
              />
            </section>
            <section className="view" data-testid="student-view" aria-label={`${row.studentName}'s view (student)`}>
              <h4>Signed in as {row.studentName} (student)</h4>
              <SessionJoinButton
                session={session}
                role="student"
                join={(id) => postSessionAction(id, 'join', { fetch: fetchAs(booking.studentId) })}
                onJoined={() => void onChange()}
                onError={() => void onChange()}
              />
              <MarkNoShowButton session={session} role="student" />
            </section>
          </div>
          <dl className="money" data-testid="money">
            <div><dt>Student charged</dt><dd data-testid="charged">{money(session.chargeAmountMinor)}</dd></div>
            <div><dt>Tutor payout</dt><dd data-testid="payout">{money(session.payoutAmountMinor)}</dd></div>
            <div><dt>Platform fee</dt><dd data-testid="fee">{money(session.platformFeeMinor)}</dd></div>
            <div><dt>Charge status</dt><dd data-testid="charge-status">{session.chargeStatus}</dd></div>
            <div><dt>Joined</dt><dd>tutor {session.tutorJoinedAt ? clock(session.tutorJoinedAt) : '—'}, student {session.studentJoinedAt ? clock(session.studentJoinedAt) : '—'}</dd></div>
          </dl>
          <details open>
            <summary>Audit trail ({row.events.length} events)</summary>
            <ol className="events" data-testid="events">
              {row.events.map((e) => (
                <li key={e.id}>
                  <code>{clock(e.occurredAt)}</code> <strong>{e.type}</strong> by {e.actor}{' '}
                  <span className="payload">{JSON.stringify(e.payload)}</span>
                </li>
              ))}
            </ol>
          </details>
        </>
      )}
    </article>
  );
}

function App() {
  const [state, setState] = useState<DemoState | null>(null);
  const [tick, setTick] = useState<string | null>(null);
  const offset = useRef(0);
  const refresh = useCallback(async () => {
    const next = (await (await fetch('/demo/state')).json()) as DemoState;
    offset.current = Date.parse(next.now) - Date.now();
    setState(next);
  }, []);
  useEffect(() => {
    void refresh();
    const id = setInterval(() => void refresh(), 3000);
    return () => clearInterval(id);
  }, [refresh]);
  const travel = async (action: string) => {
    await post('/demo/clock', { action });
    await refresh();
  };
  const runTick = async () => {
    const result = await post<{ status: number; body: { report?: Record<string, number> } }>('/demo/tick');
    setTick(`Settlement tick → HTTP ${result.status}: ${JSON.stringify(result.body.report ?? result.body)}`);
    await refresh();
  };
  return (
    <SessionClockProvider now={() => Date.now() + offset.current}>
      <SessionClockProvider locale="en-US" timeZone="UTC">
      <main>
        <header className="top">
          <h1>iTutor Sessions — demo</h1>
          <p>
            Simulated time <SimulatedTime /> · database: {state?.database ?? '…'} · every request goes through the SDK's HTTP routes.
          </p>
          <div className="row">
            <button type="button" onClick={() => travel('plus1')}>+1 min</button>
            <button type="button" onClick={() => travel('plus5')}>+5 min</button>
            <button type="button" onClick={() => travel('reset')}>back to start</button>
            <button type="button" onClick={runTick} data-testid="settlement-tick">Run settlement tick (cron)</button>
          </div>
          {tick && <p className="message" role="status" data-testid="tick-result">{tick}</p>}
          <ul className="tutors">
            {state?.tutors.map((t) => (
              <li key={t.id}>
                {t.name}: <strong>{t.provider ? `${t.provider} — ${t.status}` : 'no video provider'}</strong>
              </li>
            ))}
          </ul>
        </header>
        {state?.sessions.map((row) => (
          <SessionCard key={row.booking.bookingId} row={row} onChange={refresh} offset={() => offset.current} />
        ))}
      </main>
      </SessionClockProvider>
    </SessionClockProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
