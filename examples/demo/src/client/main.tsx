import { StrictMode, useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { DEFAULT_POLICY, effectiveStatus, formatMoney, fromSessionJson, isFinalStatus, STATUS_LABELS } from '@itutor/sessions-core/rules';
import { type SessionError, type SessionJson, type SessionStatus } from '@itutor/sessions-core';
import { getCancellationPreview, getSessionAttendance, postSessionAction } from '@itutor/sessions-core/client';
import {
  CancelSessionButton,
  MarkNoShowButton,
  ReportTutorAbsentButton,
  SessionClockProvider,
  SessionJoinButton,
  useRescheduleSession,
  useSessionClock,
} from '@itutor/sessions-react';
import { SessionAttendanceStatus, useSessionAttendance } from '@itutor/sessions-react/attendance';
import { ConnectVideoProvider, DEFAULT_CONNECT_LABELS, videoConnectHref } from '@itutor/sessions-react/connect';
import { DisputePanel, OpenDisputeButton } from '@itutor/sessions-react/disputes';
import { CompletePaymentButton, type ConfirmPaymentFunction } from '@itutor/sessions-react/payments';
import { ChargebackPanel } from '@itutor/sessions-react/chargebacks';
import { formatClock, formatInstant, LOCALE, plural, TIME_ZONE } from '../format.mjs';
import type { PageBoot } from '../page.mjs';
import type { DemoState } from '../server';
import { zoomActionsAt, type ZoomAction } from '../zoom-actions';

type DemoSessionRow = DemoState['sessions'][number];
type DemoEvent = DemoSessionRow['events'][number];
type DemoAttendance = DemoSessionRow['attendance'][number];
type DemoTutor = DemoState['tutors'][number];

const STARTING = 'Starting the demo database… (the very first start creates and migrates it, which takes a while)';
const boot = (window as unknown as { __DEMO_BOOT__?: PageBoot }).__DEMO_BOOT__;

/**
 * Where the OAuth callback sent the browser back: `?video=<outcome>&provider=zoom&tutor=<id>`. Read once
 * and taken out of the address bar, so a reload does not announce it again.
 */
const callback = (() => {
  const params = new URLSearchParams(window.location.search);
  const outcome = params.get('video');
  if (outcome === null) return null;
  window.history.replaceState(null, '', window.location.pathname + window.location.hash);
  return { outcome, tutorId: params.get('tutor') };
})();

/** The connect outcomes in words (the SDK's own labels), for an outcome that names no tutor's card. */
const CONNECT_OUTCOME_TEXT: Record<string, string> = {
  connected: DEFAULT_CONNECT_LABELS.outcomeConnected,
  denied: DEFAULT_CONNECT_LABELS.outcomeDenied,
  expired_state: DEFAULT_CONNECT_LABELS.outcomeExpiredState,
  exchange_failed: DEFAULT_CONNECT_LABELS.outcomeExchangeFailed,
  wrong_user: DEFAULT_CONNECT_LABELS.outcomeWrongUser,
  unauthenticated: DEFAULT_CONNECT_LABELS.outcomeUnauthenticated,
  forbidden: DEFAULT_CONNECT_LABELS.outcomeForbidden,
  failed: DEFAULT_CONNECT_LABELS.outcomeFailed,
};

/** "7 h 45 min before the start" (from whole minutes). */
const beforeTheStart = (minutes: number) => {
  const [h, m] = [Math.floor(minutes / 60), minutes % 60];
  return `${h ? `${h} h ` : ''}${h && !m ? '' : `${m} min `}before the start`;
};

const money = (minor: unknown) => (typeof minor === 'number' ? formatMoney(minor, { locale: LOCALE }) : '—');
const providerName = (provider: unknown) => (provider === 'google_meet' ? 'Google Meet' : provider === 'zoom' ? 'Zoom' : String(provider ?? 'no provider'));
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Fetch as a given demo user: the demo's stand-in for a signed-in browser. */
const fetchAs = (userId: string): typeof fetch => (input, init) =>
  fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-demo-user': userId } });

async function post<T>(path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as T;
}

/** One audit event in words. Unknown types fall back to their name; the raw payload is one click away. */
function describeEvent(event: DemoEvent, row: DemoSessionRow): string {
  const p = event.payload;
  const who = event.actor === 'system' ? 'The system' : event.actor;
  const outcome = typeof p.outcome === 'string' && p.outcome in STATUS_LABELS ? STATUS_LABELS[p.outcome as SessionStatus] : String(p.outcome ?? '');
  switch (event.type) {
    case 'session.created':
      return `${event.actor === 'system' ? 'Booking confirmed' : `${who} confirmed the booking`}: session created with a ${providerName(p.provider)} meeting`;
    case 'session.joined':
      return `${who} joined${p.role ? ` as the ${String(p.role)}` : ''}`;
    case 'session.no_show_marked':
      return `${who} marked ${row.studentName} absent: ${money(p.chargeMinor)} to charge, ${money(p.payoutMinor)} to the tutor`;
    case 'session.tutor_no_show_marked':
      return `${who} reported ${row.tutorName} absent: ${money(p.chargeMinor)} to charge, ${money(p.payoutMinor)} to the tutor`;
    case 'session.settled': {
      // NOBODY_JOINED says on what evidence: the provider's word, never a guess.
      const evidence =
        p.evidence === 'never_started'
          ? ` (${providerName(row.session?.provider)} said the meeting never started)`
          : p.evidence === 'provider_attendance'
            ? ` (${providerName(row.session?.provider)} reported the meeting without either of them)`
            : '';
      return `Settled as “${outcome}”${evidence}: ${money(p.chargeMinor)} to charge, ${money(p.payoutMinor)} to the tutor`;
    }
    case 'session.rescheduled':
      return `${who} moved the session from ${formatInstant(String(p.previousStartAt))} to ${formatInstant(String(p.startAt))}: the same meeting and join link`;
    case 'session.meeting_ended': {
      const at = typeof p.endedAt === 'string' ? ` at ${formatInstant(p.endedAt)}` : '';
      // `source`: the provider's webhook, settlement asking the provider (reconciliation), or the host.
      return p.source === 'reconciliation'
        ? `Settlement asked the video provider before deciding: the meeting ended${at}`
        : `The video provider reported the meeting ended${at}`;
    }
    case 'session.meeting_end_ignored':
      return `${providerName(p.provider)} reported the meeting ended${typeof p.endedAt === 'string' ? ` at ${formatInstant(p.endedAt)}` : ''}: ${
        p.reason === 'session_final' ? 'the session was already settled, so the late report changed nothing' : `ignored (${String(p.reason ?? 'no reason')})`
      }`;
    case 'attendance.recorded':
      return `${providerName(p.provider)} reported the ${p.role === 'tutor' || p.role === 'student' ? String(p.role) : 'unidentified participant'} ${
        p.kind === 'left' ? 'left' : 'joined'
      }${typeof p.at === 'string' ? ` at ${formatInstant(p.at)}` : ''}`;
    case 'session.cancelled': {
      const by = p.by === 'platform' ? 'the platform' : p.by === 'tutor' ? row.tutorName : p.by === 'student' ? row.studentName : who;
      const ahead = typeof p.minutesBefore === 'number' ? ` ${beforeTheStart(p.minutesBefore)}` : '';
      return p.outcome === 'CANCELLED_LATE'
        ? `Cancelled late by ${by}${ahead}: a ${String(p.chargePercent)}% fee, ${money(p.chargeMinor)} to charge, ${money(p.payoutMinor)} to the tutor`
        : `Cancelled by ${by}${ahead}: free, nothing charged`;
    }
    case 'charge.requested':
      return p.onSession
        ? `${row.studentName} started the payment of ${money(p.amountMinor)} on-session${p.attempt ? ` (attempt ${String(p.attempt)})` : ''}`
        : `Charge of ${money(p.amountMinor)} sent to the payment gateway${p.attempt ? ` (attempt ${String(p.attempt)})` : ''}`;
    case 'charge.succeeded':
      return `Charge of ${money(p.amountMinor)} succeeded`;
    case 'charge.failed':
      return p.needsCustomer
        ? `Charge declined${p.failureCode ? ` (${String(p.failureCode)})` : ''}: only ${row.studentName} can complete it`
        : `Charge declined${p.failureCode ? ` (${String(p.failureCode)})` : ''}; a new attempt follows`;
    case 'charge.customer_action_required':
      return `${row.studentName}’s bank wants ${row.studentName} to confirm the payment: the host was told once; it is never charged off-session again`;
    case 'chargeback.opened':
      return `${row.studentName} disputed the payment with their bank (a chargeback)`;
    case 'chargeback.needs_attention':
      return p.reason === 'share_move_failed' ? 'The card dispute needs the platform: the tutor’s share could not be moved' : 'The card dispute needs the platform: evidence to send';
    case 'chargeback.evidence_staged':
      return 'Evidence built from the records and staged at Stripe (not submitted)';
    case 'chargeback.evidence_submitted':
      return `${who} submitted the evidence to the bank`;
    case 'chargeback.closed':
      return `The bank decided the card dispute: ${String(p.outcome ?? 'closed')}`;
    case 'charge.unknown':
      return 'No clear answer from the payment gateway; the charge is retried under the same key';
    case 'charge.needs_attention':
      return 'The charge failed for good: a person needs to look at it';
    default:
      return capitalise(event.type.replace(/[._]/g, ' '));
  }
}

/** Why a charge failed for good (the reason of its `charge.needs_attention` event), in words. */
const ATTENTION_REASON: Record<string, string> = {
  deadline_passed: 'it was still not collected at its deadline',
  gateway_halted: 'the payment gateway refused it for good',
  late_success: 'Stripe took the money after the attempt was closed',
};

/**
 * Where the session's money stands, from its `chargeStatus` and its ledger: "Pending" only while an
 * attempt is really out; a declined attempt and a charge that failed for good say so.
 */
function paymentState(row: DemoSessionRow): { text: string; tone: 'done' | 'waiting' | 'declined' | 'attention' | 'none' } {
  const session = row.session!;
  if (session.chargeAmountMinor === 0) return { text: 'Nothing to charge', tone: 'none' };
  const last = row.ledger.at(-1);
  const declined = last?.status === 'failed' ? `Declined${last.failureCode ? ` (${last.failureCode})` : ''}` : null;
  switch (session.chargeStatus) {
    case 'succeeded':
      return { text: 'Succeeded', tone: 'done' };
    case 'failed': {
      const attention = [...row.events].reverse().find((e) => e.type === 'charge.needs_attention');
      const reason =
        attention?.payload.reason === 'attempts_exhausted'
          ? `all ${row.ledger.length} attempts were declined${last?.failureCode ? ` (${last.failureCode})` : ''}`
          : (ATTENTION_REASON[String(attention?.payload.reason)] ?? 'it could not be collected');
      return { text: `Needs attention: ${reason}. A person must look at it.`, tone: 'attention' };
    }
    case 'awaiting_customer':
      return last?.status === 'pending'
        ? { text: `${row.studentName} is confirming the payment with the bank (on-session)`, tone: 'waiting' }
        : { text: `Waiting for ${row.studentName}: the bank wants the student to confirm the payment (3-D Secure); never charged off-session again`, tone: 'attention' };
    case 'pending':
      if (!last) return { text: 'Being sent to the payment gateway', tone: 'waiting' };
      if (last.status === 'failed') return { text: `${declined}: a new attempt follows at the next settlement run after the retry wait`, tone: 'declined' };
      if (last.status === 'unknown') return { text: 'No clear answer yet: retried under the same key', tone: 'waiting' };
      return { text: 'Sent: waiting for the payment gateway’s answer', tone: 'waiting' };
    default:
      return { text: 'Not charged yet', tone: 'none' };
  }
}

function SimulatedTime() {
  const now = useSessionClock();
  return <strong data-testid="simulated-time">{formatClock(now ?? Date.now() + (boot?.offsetMs ?? 0))}</strong>;
}

/** The session's moments, each marked once simulated time has passed it. */
function Timeline({ session }: { session: SessionJson }) {
  const now = useSessionClock()?.getTime() ?? 0;
  const rows: Array<[string, string]> = [
    ['Join opens', session.joinOpensAt],
    ['Starts', session.scheduledStartAt],
    ['No-show possible', session.noShowEligibleAt],
    ['Ends and settles', session.scheduledEndAt],
  ];
  return (
    <ol className="timeline" aria-label="Timeline">
      {rows.map(([label, at]) => (
        <li key={label} data-passed={now >= Date.parse(at) || undefined}>
          <span className="when">{formatInstant(at)}</span> <span className="what">{label}</span>
        </li>
      ))}
    </ol>
  );
}

function Money({ row }: { row: DemoSessionRow }) {
  const session = row.session!;
  const settled = session.chargeAmountMinor !== null;
  const payment = paymentState(row);
  return (
    <section className="panel" aria-label="Money">
      <h4>Money</h4>
      {!settled && (
        <p className="muted">
          Price {money(row.booking.priceMinor)}. Nothing charged yet: the session settles at {formatInstant(session.chargeScheduledAt)}.
        </p>
      )}
      <dl className="amounts" data-testid="money" hidden={!settled}>
        <div>
          <dt>{row.studentName} (student) pays</dt>
          <dd data-testid="charged">{money(session.chargeAmountMinor)}</dd>
        </div>
        <div>
          <dt>{row.tutorName} (tutor) receives</dt>
          <dd data-testid="payout">{money(session.payoutAmountMinor)}</dd>
        </div>
        <div>
          <dt>Platform fee</dt>
          <dd data-testid="fee">{money(session.platformFeeMinor)}</dd>
        </div>
        <div className="payment">
          <dt>Payment</dt>
          <dd data-testid="charge-status" data-value={session.chargeStatus} data-tone={payment.tone}>
            {payment.text}
          </dd>
        </div>
      </dl>
    </section>
  );
}

const ATTEMPT_STATUS: Record<string, string> = {
  pending: 'sent, no answer yet',
  unknown: 'no clear answer: retried under the same key',
  succeeded: 'succeeded',
  failed: 'declined',
};

/**
 * The session's charge ledger: one line per attempt, with its Stripe PaymentIntent and status (the
 * idempotency key stays on the server), and what the host's hook told the student.
 */
function Ledger({ row }: { row: DemoSessionRow }) {
  return (
    <section className="panel ledger" aria-label="Payments (Stripe)">
      <h4>Payments (Stripe)</h4>
      {row.card && <p className="muted">{row.studentName}’s saved card: {row.card}.</p>}
      {row.ledger.length === 0 ? (
        <p className="muted" data-testid="ledger-empty">
          {row.session?.chargeAmountMinor === 0 ? 'Nothing to charge, so no charge attempt.' : 'No charge attempt yet.'}
        </p>
      ) : (
        <ol className="plain" data-testid="ledger">
          {row.ledger.map((a) => (
            <li key={a.attempt} data-testid={`attempt-${a.attempt}`} data-status={a.status}>
              Attempt {a.attempt}: {money(a.amountMinor)} · <code data-testid="payment-intent">{a.paymentIntentId ?? 'no PaymentIntent yet'}</code> ·{' '}
              <strong>{ATTEMPT_STATUS[a.status] ?? a.status}</strong>
              {a.failureCode && <> ({a.failureCode})</>}
            </li>
          ))}
        </ol>
      )}
      {row.notice && (
        <p className="message" role="status" data-testid="payment-notice">
          {row.notice}
        </p>
      )}
    </section>
  );
}

function Attendance({ row }: { row: DemoSessionRow }) {
  const session = row.session!;
  // The first join of each side: through the Join button (recorded by the server), else Zoom's report.
  const joined = (at: string | null, role: 'tutor' | 'student') => {
    if (at) return `joined ${formatInstant(at)}`;
    const onZoom = row.attendance.find((a) => a.role === role && a.kind === 'joined');
    return onZoom ? `joined ${formatInstant(onZoom.occurredAt)} (${providerName(onZoom.provider)} report)` : 'not joined';
  };
  return (
    <section className="panel" aria-label="Attendance">
      <h4>Attendance</h4>
      <ul className="plain" data-testid="attendance">
        <li>
          {row.tutorName} (tutor): {joined(session.tutorJoinedAt, 'tutor')}
        </li>
        <li>
          {row.studentName} (student): {joined(session.studentJoinedAt, 'student')}
        </li>
        {session.meetingEndedAt && <li>Meeting ended {formatInstant(session.meetingEndedAt)} (provider report)</li>}
      </ul>
    </section>
  );
}

const ROLE_LABEL: Record<string, string> = { tutor: 'tutor', student: 'student', unknown: 'not matched' };

/** One provider-reported join or leave in words: "Kim (student) joined". */
const describeAttendance = (a: DemoAttendance) => `${a.who} (${ROLE_LABEL[a.role] ?? a.role}) ${a.kind === 'left' ? 'left' : 'joined'}`;

/**
 * Who joined and left the meeting, as the video provider reported it (its webhooks, stored by the core
 * and matched to the tutor or student by the host's matchParticipant). Time is the provider's; a report
 * that reached the server much later says so.
 */
function AttendanceTimeline({ row }: { row: DemoSessionRow }) {
  return (
    <section className="panel attendance-timeline" aria-label="Attendance timeline">
      <h4>Attendance timeline ({plural(row.attendance.length, 'report')})</h4>
      {row.attendance.length === 0 ? (
        <p className="muted" data-testid="attendance-timeline-empty">
          No join or leave reported by the video provider yet.
        </p>
      ) : (
        <ol className="events" data-testid="attendance-timeline">
          {row.attendance.map((a) => {
            const lateMinutes = Math.floor((Date.parse(a.receivedAt) - Date.parse(a.occurredAt)) / 60_000);
            return (
              <li key={a.id} data-role={a.role} data-kind={a.kind} data-provider={a.provider}>
                <span className="when">{formatInstant(a.occurredAt)}</span>
                <span className="what">
                  {describeAttendance(a)} <span className="source">· {providerName(a.provider)}</span>
                  {lateMinutes >= 1 && <span className="muted"> (reported {plural(lateMinutes, 'minute')} later)</span>}
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

function AuditTrail({ row }: { row: DemoSessionRow }) {
  return (
    <details className="audit" open={row.events.length > 0 && row.events.length <= 6}>
      <summary>Audit trail ({plural(row.events.length, 'event')})</summary>
      <ol className="events" data-testid="events">
        {row.events.map((e) => (
          <li key={e.id} data-type={e.type}>
            <span className="when">{formatInstant(e.occurredAt)}</span>
            <span className="what">{describeEvent(e, row)}</span>
            <details className="raw">
              <summary>
                <code>{e.type}</code> raw
              </summary>
              <pre>{JSON.stringify({ type: e.type, actor: e.actor, occurredAt: e.occurredAt, payload: e.payload }, null, 2)}</pre>
            </details>
          </li>
        ))}
      </ol>
    </details>
  );
}

/** Whether anyone's join is on record: by our Join button, or reported by the video provider. */
const anyoneJoined = (row: DemoSessionRow) =>
  !!row.session?.tutorJoinedAt || !!row.session?.studentJoinedAt || row.attendance.some((a) => a.kind === 'joined' && a.role !== 'unknown');

/**
 * A session settled `COMPLETED_ASSUMED` with no join on record by either side. When Zoom answers,
 * settlement calls such a lesson `NOBODY_JOINED` (nothing charged: Zoom says the meeting never started);
 * only without that evidence — Zoom could not be asked in time — do the rules charge it in full as
 * completed. Then it is no green "Completed" either. The status stays what it is.
 */
const nobodyJoined = (row: DemoSessionRow) => row.session?.status === 'COMPLETED_ASSUMED' && !anyoneJoined(row);
const NOBODY_JOINED_LABEL = 'Charged — no one recorded as joined';

function StatusBadge({ row }: { row: DemoSessionRow }) {
  const now = useSessionClock();
  const session = row.session;
  if (!session) {
    return (
      <span className="badge" data-testid="status" data-status="UNCONFIRMED">
        Awaiting confirmation
      </span>
    );
  }
  const status = now ? effectiveStatus(fromSessionJson(session), now) : session.status;
  // COMPLETED_ASSUMED charges in full when the meeting's end is unknown, also when no join is on record
  // and the provider gave no evidence that nobody came: not a green "Completed" then, but what happened.
  if (status === 'COMPLETED_ASSUMED' && nobodyJoined(row)) {
    return (
      <span className="badge" data-testid="status" data-status={status} data-attendance="none" title="Completed (assumed): the meeting's end was unknown, so the rules charge in full">
        {NOBODY_JOINED_LABEL}
      </span>
    );
  }
  return (
    <span className="badge" data-testid="status" data-status={status}>
      {STATUS_LABELS[status]}
    </span>
  );
}

/**
 * Why the tutor's no-show was refused, as a sentence (the dialog shows the server's own words as well).
 */
function noShowRefusal(error: SessionError, row: DemoSessionRow): string {
  const { tutorName: tutor, studentName: student } = row;
  switch (error.code) {
    case 'STUDENT_JOINED':
      return `${tutor} cannot mark ${student} absent: ${student} joined within the no-show wait (${
        error.details.source === 'provider' ? 'Zoom reported the join' : 'through the Join button'
      }).`;
    case 'TOO_EARLY':
      return `Too early: ${tutor} can mark ${student} absent from ${error.details.availableAt ? formatInstant(error.details.availableAt) : 'the end of the no-show wait'}.`;
    case 'TUTOR_NOT_PRESENT':
      return `${tutor} has not joined the session, so ${tutor} cannot mark ${student} absent: only someone who showed up can report the other absent. ${tutor} joins first.`;
    case 'SESSION_FINAL':
      return 'The session is already settled, so nothing was changed.';
    case 'NOT_SESSION_TUTOR':
      return `Only ${tutor}, the session’s tutor, can mark ${student} absent.`;
    default:
      return `The no-show was not recorded (the server answered ${error.details.httpStatus ?? 'nothing'}). Nothing was changed; try again.`;
  }
}

/** Why the student's report of an absent tutor was refused, as a sentence (the dialog shows the server's own words as well). */
function tutorAbsentRefusal(error: SessionError, row: DemoSessionRow): string {
  const { tutorName: tutor, studentName: student } = row;
  switch (error.code) {
    case 'TUTOR_JOINED':
      return `${student} cannot report ${tutor} absent: ${tutor} joined within the wait.`;
    case 'STUDENT_NOT_PRESENT':
      return `${student} has not joined the session, so ${student} cannot report ${tutor} absent: only someone who showed up can report the other absent.`;
    case 'TOO_EARLY':
      return `Too early: ${student} can report ${tutor} absent from ${error.details.availableAt ? formatInstant(error.details.availableAt) : 'the end of the wait'}.`;
    case 'SESSION_FINAL':
      return 'The session is already settled, so nothing was changed.';
    default:
      return `The report was not recorded (the server answered ${error.details.httpStatus ?? 'nothing'}). Nothing was changed; try again.`;
  }
}

/** Why a reschedule was refused, as a sentence (the SDK's code stays on the message for programs). */
function rescheduleRefusal(error: SessionError): string {
  const hours = DEFAULT_POLICY.rescheduleMinNoticeMinutes / 60;
  switch (error.code) {
    case 'INVALID_INPUT':
      return `Not moved: the new start must be at least ${hours} hours ahead. Nothing changed.`;
    case 'TOO_LATE':
      return `Not moved: a lesson can only be moved up to ${hours} hours before its start, and before anyone joined. Nothing changed.`;
    case 'PROVIDER_UNAVAILABLE':
      return 'Not moved: Zoom could not move the meeting, so nothing changed. Try again in a moment.';
    case 'SESSION_FINAL':
      return 'Not moved: the session is already over or cancelled.';
    default:
      return `Not moved (${error.message || `the server answered ${error.details.httpStatus ?? 'nothing'}`}). Nothing changed.`;
  }
}

/**
 * The session's attendance as the video provider reports it, read through the SDK's route as `userId`
 * (a participant): on mount, then again whenever the page's state shows a new report.
 */
function useAttendanceAs(row: DemoSessionRow, userId: string) {
  const session = row.session!;
  const { attendance, refresh } = useSessionAttendance(session.id, {
    fetchAttendance: (id, { signal }) => getSessionAttendance(id, { fetch: fetchAs(userId), signal }),
    refreshIntervalMs: 0, // read on mount, then again below when the page's state shows a new report
  });
  const reports = row.attendance.length;
  const seen = useRef(reports);
  useEffect(() => {
    if (seen.current === reports) return;
    seen.current = reports;
    refresh();
  }, [reports, refresh]);
  return attendance;
}

/**
 * The tutor's no-show button, told what the video provider reported (as the React kit's README shows):
 * the session's attendance from the SDK's route, `summary.studentJoinedAt` passed as
 * `providerStudentJoinedAt` (a join within the wait hides the button) and `summary.tutorJoinedAt` as
 * `providerTutorJoinedAt` (the presence rule: until the tutor's own join is on record the button stays
 * disabled and says "join first"), and `SessionAttendanceStatus` beside it to say why. Read again
 * whenever the page sees a new report.
 */
function TutorNoShow({ row, onChange, onRefused }: { row: DemoSessionRow; onChange: () => Promise<void>; onRefused: (error: SessionError) => void }) {
  const session = row.session!;
  const tutorId = row.booking.tutorId;
  const attendance = useAttendanceAs(row, tutorId);
  return (
    <>
      <MarkNoShowButton
        session={session}
        role="tutor"
        providerStudentJoinedAt={attendance?.summary.studentJoinedAt}
        providerTutorJoinedAt={attendance?.summary.tutorJoinedAt}
        markNoShow={(id) => postSessionAction(id, 'mark-no-show', { fetch: fetchAs(tutorId) })}
        onSuccess={() => void onChange()}
        onError={(error) => {
          onRefused(error);
          void onChange();
        }}
      />
      {!isFinalStatus(session.status) && <SessionAttendanceStatus attendance={attendance} role="tutor" />}
    </>
  );
}

/**
 * The student's side of the #22 outcomes, with the React kit's own components: **Report tutor absent**
 * (`ReportTutorAbsentButton`, fed the provider's joins as the presence rule needs), **Cancel session**
 * (`CancelSessionButton`: the fee the server quotes now, confirmed as shown) and a reschedule picker of
 * the demo's own on `useRescheduleSession`. Every call goes as the student (the demo's sign-in header).
 */
function StudentActions({ row, onChange, onRefused }: { row: DemoSessionRow; onChange: () => Promise<void>; onRefused: (text: string, code: string) => void }) {
  const session = row.session!;
  const studentId = row.booking.studentId;
  const attendance = useAttendanceAs(row, studentId);
  return (
    <>
      <ReportTutorAbsentButton
        session={session}
        role="student"
        providerTutorJoinedAt={attendance?.summary.tutorJoinedAt}
        providerStudentJoinedAt={attendance?.summary.studentJoinedAt}
        reportTutorAbsent={(id) => postSessionAction(id, 'report-tutor-absent', { fetch: fetchAs(studentId) })}
        onSuccess={() => void onChange()}
        onError={(error) => {
          const code = error.code === 'REQUEST_FAILED' ? error.details.problemCode : error.code;
          if (code) onRefused(tutorAbsentRefusal(error, row), code);
          void onChange();
        }}
      />
      <CancelSessionButton
        session={session}
        className="cancel-session"
        fetchCancellationPreview={(id, { signal }) => getCancellationPreview(id, { fetch: fetchAs(studentId), signal })}
        cancelSession={(id, body) => postSessionAction(id, 'cancel', { fetch: fetchAs(studentId), body })}
        onCancelled={() => void onChange()}
      />
      <ReschedulePicker row={row} userId={studentId} onChange={onChange} />
      {/* Renders nothing unless the charge waits for this student (the bank wants 3-D Secure). Mounted again
          only when that starts, so it keeps showing how the payment ended. */}
      <CompletePaymentButton
        key={`pay-${row.events.some((e) => e.type === 'charge.customer_action_required')}`}
        sessionId={session.id}
        fetch={fetchAs(studentId)}
        confirm={fakeThreeDSecure}
        locale={LOCALE}
        onSucceeded={() => void onChange()}
        onError={() => void onChange()}
      />
    </>
  );
}

/**
 * The demo's stand-in for Stripe.js `confirmCardPayment`: the fake bank's 3-D Secure page (served by the fake
 * Stripe, through the demo's /fake-3ds route) in a modal frame. Resolves with what the page says once the
 * student completed or failed the authentication, or `failed` when they close it.
 */
const fakeThreeDSecure: ConfirmPaymentFunction = ({ clientSecret }) =>
  new Promise((resolve) => {
    const paymentIntent = clientSecret.split('_secret_')[0]!;
    const dialog = document.createElement('dialog');
    dialog.className = 'three-d-secure';
    dialog.setAttribute('aria-label', 'Your bank: confirm the payment');
    const frame = document.createElement('iframe');
    frame.title = 'Your bank (fake 3-D Secure)';
    frame.src = `/fake-3ds/${encodeURIComponent(paymentIntent)}?client_secret=${encodeURIComponent(clientSecret)}`;
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'btn';
    close.textContent = 'Close';
    const finish = (result: Awaited<ReturnType<ConfirmPaymentFunction>>) => {
      dialog.close();
      dialog.remove();
      resolve(result);
    };
    close.onclick = () => finish({ status: 'failed', message: 'The authentication was closed before it finished.' });
    frame.onload = () => {
      const status = frame.contentDocument?.querySelector('[data-status]')?.getAttribute('data-status');
      if (status === 'succeeded') finish({ status: 'succeeded' });
      else if (status === 'processing') finish({ status: 'processing' });
      else if (status === 'requires_payment_method' || status === 'canceled') finish({ status: 'failed', message: 'The bank could not confirm the payment.' });
    };
    dialog.append(frame, close);
    document.body.append(dialog);
    dialog.showModal();
  });

const DAY_MS = 24 * 60 * 60_000;
/** The picker's choices, in whole days from the current start (one day earlier shows the notice rule refusing). */
const RESCHEDULE_DAYS = [-1, 1, 2, 7] as const;
const daysLabel = (days: number) => `${Math.abs(days)} day${Math.abs(days) === 1 ? '' : 's'} ${days < 0 ? 'earlier' : 'later'}`;

/**
 * "Move this lesson": the demo's own small time picker on the kit's `useRescheduleSession` (a host brings
 * its own picker). Offered while the session may be moved: not settled, nobody joined, and at least the
 * policy's notice (24 hours) before its start. The server decides; a refusal comes back in words.
 */
function ReschedulePicker({ row, userId, onChange }: { row: DemoSessionRow; userId: string; onChange: () => Promise<void> }) {
  const session = row.session!;
  const now = useSessionClock();
  const start = Date.parse(session.scheduledStartAt);
  const [days, setDays] = useState<number>(1);
  const { reschedule, pending, error, session: moved } = useRescheduleSession(session.id, {
    reschedule: (id, body) => postSessionAction(id, 'reschedule', { fetch: fetchAs(userId), body }),
    onSuccess: () => void onChange(),
  });
  const notice = DEFAULT_POLICY.rescheduleMinNoticeMinutes * 60_000;
  const movable =
    now !== null && !isFinalStatus(session.status) && !session.studentJoinedAt && !session.tutorJoinedAt && now.getTime() <= start - notice;
  const id = `move-${session.id}`;
  const result = error ? (
    <p className="message" role="alert" data-testid="reschedule-result" data-code={error.code}>
      {rescheduleRefusal(error)}
    </p>
  ) : moved ? (
    <p className="message" role="status" data-testid="reschedule-result">
      Moved to {formatInstant(moved.scheduledStartAt)}. The meeting and its join link stay the same.
    </p>
  ) : null;
  if (!movable) return result;
  return (
    <div className="reschedule" data-testid="reschedule">
      <label htmlFor={id}>Move this lesson to</label>
      <div className="reschedule-row">
        <select id={id} value={days} disabled={pending} onChange={(event) => setDays(Number(event.target.value))} data-testid="reschedule-to">
          {RESCHEDULE_DAYS.map((d) => (
            <option key={d} value={d}>
              {formatInstant(start + d * DAY_MS)} ({daysLabel(d)})
            </option>
          ))}
        </select>
        <button type="button" className="btn" disabled={pending} onClick={() => void reschedule(new Date(start + days * DAY_MS))}>
          {pending ? 'Moving…' : 'Move'}
        </button>
      </div>
      {result}
    </div>
  );
}

/**
 * The session's meeting as the tutor sees it: the meeting id, the join link, and when the meeting is
 * scheduled on Zoom (a reschedule moves it there; the id and the link stay).
 */
function MeetingDetails({ row }: { row: DemoSessionRow }) {
  const meeting = row.meeting;
  if (!meeting?.id) return null;
  return (
    <dl className="meeting" data-testid="meeting">
      <div>
        <dt>{providerName(row.session?.provider)} meeting</dt>
        <dd data-testid="meeting-id">{meeting.id}</dd>
      </div>
      <div>
        <dt>Join link</dt>
        <dd>
          <a href={meeting.joinUrl} target="_blank" rel="noreferrer" data-testid="meeting-link">
            {meeting.joinUrl}
          </a>
        </dd>
      </div>
      {row.zoom?.startTime && (
        <div>
          <dt>Scheduled on Zoom for</dt>
          <dd data-testid="zoom-start" data-value={row.zoom.startTime}>
            {formatInstant(row.zoom.startTime)}
          </dd>
        </div>
      )}
    </dl>
  );
}

function SessionCard({ row, onChange }: { row: DemoSessionRow; onChange: () => Promise<void> }) {
  // What the last action did, in words; `code`: the SDK's code of a refusal (kept for programs, not shown).
  const [message, setMessage] = useState<{ text: string; code?: string | undefined } | null>(null);
  const { booking, session } = row;
  const confirm = async () => {
    const result = await post<{ status: number; body: { code?: string }; refusal: string | null }>(`/demo/bookings/${booking.bookingId}/confirm`);
    setMessage(
      result.status < 300
        ? { text: 'Booking confirmed: the session and its meeting were created.' }
        : { text: result.refusal ?? 'The booking could not be confirmed.', code: result.body.code },
    );
    await onChange();
  };
  const travel = async (action: string) => {
    await post('/demo/clock', { action, sessionId: session?.id });
    await onChange();
  };
  const onZoom = async (action: ZoomAction) => {
    const result = await post<ZoomActionResult>(`/demo/sessions/${session?.id}/zoom`, { action });
    setMessage({ text: describeZoomAction(result, row) });
    await onChange();
  };
  const people = `${row.tutorName} (tutor) with ${row.studentName} (student)`;
  // The Join buttons name a final session by its status: the same honest words as the badge when nobody joined.
  const finalLabels = nobodyJoined(row) ? { status: { COMPLETED_ASSUMED: NOBODY_JOINED_LABEL } } : undefined;
  return (
    <article className="card" data-testid={`booking-${booking.bookingId}`} data-status={session?.status ?? 'UNCONFIRMED'} aria-labelledby={`t-${booking.bookingId}`}>
      <header className="card-head">
        <div className="title-row">
          <h2 id={`t-${booking.bookingId}`}>{booking.subject}</h2>
          <StatusBadge row={row} />
        </div>
        <p className="muted">
          {formatInstant(booking.scheduledStartAt)} · {booking.durationMinutes} min
        </p>
        <p className="muted">
          {money(booking.priceMinor)} · {people}
        </p>
      </header>
      {!session && (
        <div className="actions">
          <button type="button" className="btn primary" onClick={confirm} data-testid="confirm-booking">
            Confirm booking (as {row.tutorName})
          </button>
        </div>
      )}
      {message && (
        <p className="message" role="status" data-testid="message" data-code={message.code}>
          {message.text}
        </p>
      )}
      {session && (
        <>
          <Timeline session={session} />
          <div className="travel" role="group" aria-label={`Time travel for ${booking.subject}`}>
            <span className="muted">Jump to:</span>
            <button type="button" className="btn" onClick={() => travel('before-join-window')}>1 min before Join</button>
            <button type="button" className="btn" onClick={() => travel('join-window')}>Join opens</button>
            <button type="button" className="btn" onClick={() => travel('no-show-point')}>No-show point</button>
            <button type="button" className="btn" onClick={() => travel('end')}>End</button>
          </div>
          <ZoomControls row={row} onAction={(action) => void onZoom(action)} />
          <div className="views">
            <section className="view" data-testid="tutor-view" aria-label={`${row.tutorName}'s screen (tutor)`}>
              <h3>{row.tutorName}’s screen (tutor)</h3>
              <SessionJoinButton
                session={session}
                role="tutor"
                labels={finalLabels}
                join={(id) => postSessionAction(id, 'join', { fetch: fetchAs(booking.tutorId) })}
                onJoined={() => void onChange()}
                onError={() => void onChange()}
              />
              <TutorNoShow
                row={row}
                onChange={onChange}
                onRefused={(error) => {
                  // A request that got no coded answer (`REQUEST_FAILED` without a server code) shows no message.
                  const code = error.code === 'REQUEST_FAILED' ? error.details.problemCode : error.code;
                  if (code) setMessage({ text: noShowRefusal(error, row), code });
                }}
              />
              <MeetingDetails row={row} />
            </section>
            <section className="view" data-testid="student-view" aria-label={`${row.studentName}'s screen (student)`}>
              <h3>{row.studentName}’s screen (student)</h3>
              <SessionJoinButton
                session={session}
                role="student"
                labels={finalLabels}
                join={(id) => postSessionAction(id, 'join', { fetch: fetchAs(booking.studentId) })}
                onJoined={() => void onChange()}
                onError={() => void onChange()}
              />
              <StudentActions row={row} onChange={onChange} onRefused={(text, code) => setMessage({ text, code })} />
            </section>
          </div>
          <div className="facts">
            <Attendance row={row} />
            <Money row={row} />
            <Ledger row={row} />
          </div>
          <Disputes row={row} onChange={onChange} />
          <div className="records">
            <AuditTrail row={row} />
            <AttendanceTimeline row={row} />
          </div>
        </>
      )}
    </article>
  );
}

/** The platform's person who decides disputes in the demo (the server's `isPlatformStaff`). */
const PLATFORM_PERSON = { id: 'ops-pat', name: 'Pat' } as const;

/**
 * Money after the session (#23): once the charge succeeded, the SDK's dispute kit on each of the three
 * screens — the student may report a problem (`OpenDisputeButton`); each side sees the same facts and the
 * steps its role may take (`DisputePanel`), with the tutor's payout card. Each panel reads as its person
 * (`fetchAs`) and is read again whenever the session changes (every dispute step is a session write).
 */
function Disputes({ row, onChange }: { row: DemoSessionRow; onChange: () => Promise<void> }) {
  const session = row.session!;
  if (session.chargeStatus !== 'succeeded') return null;
  const { tutorId, studentId } = row.booking;
  const travel = async () => {
    await post('/demo/clock', { action: 'review-window-end', sessionId: session.id });
    await onChange();
  };
  const changed = () => void onChange();
  // The bank's side (a chargeback): opened by the fake Stripe, told to the webhook, recorded by the core.
  const disputedAtBank = row.events.some((e) => e.type === 'chargeback.opened');
  const bankDispute = async () => {
    await post(`/demo/sessions/${session.id}/bank-dispute`);
    await onChange();
  };
  return (
    <section className="disputes" data-testid="disputes" aria-label={`Money after ${row.booking.subject}`}>
      <h3>After the session</h3>
      <div className="travel" role="group" aria-label={`Time travel after ${row.booking.subject}`}>
        <span className="muted">Jump to:</span>
        <button type="button" className="btn" onClick={() => void travel()} data-testid="review-window-end">
          Review window ends
        </button>
        <button type="button" className="btn" onClick={() => void bankDispute()} data-testid="bank-dispute" disabled={disputedAtBank}>
          {row.studentName} disputes the payment at the bank
        </button>
      </div>
      <div className="views">
        <section className="view" data-testid="dispute-student" aria-label={`${row.studentName}'s dispute screen (student)`}>
          <h4>{row.studentName} (student)</h4>
          <OpenDisputeButton key={`open-${session.version}`} sessionId={session.id} fetch={fetchAs(studentId)} timeZone={TIME_ZONE} locale={LOCALE} onOpened={changed} />
          <DisputePanel key={`student-${session.version}`} sessionId={session.id} fetch={fetchAs(studentId)} timeZone={TIME_ZONE} locale={LOCALE} onChange={changed} />
        </section>
        <section className="view" data-testid="dispute-tutor" aria-label={`${row.tutorName}'s dispute screen (tutor)`}>
          <h4>{row.tutorName} (tutor)</h4>
          <DisputePanel key={`tutor-${session.version}`} sessionId={session.id} fetch={fetchAs(tutorId)} timeZone={TIME_ZONE} locale={LOCALE} onChange={changed} />
        </section>
        <section className="view" data-testid="dispute-platform" aria-label={`${PLATFORM_PERSON.name}'s dispute screen (platform)`}>
          <h4>{PLATFORM_PERSON.name} (platform)</h4>
          <DisputePanel key={`platform-${session.version}`} sessionId={session.id} fetch={fetchAs(PLATFORM_PERSON.id)} timeZone={TIME_ZONE} locale={LOCALE} onChange={changed} />
          {disputedAtBank && (
            <div data-testid="chargebacks">
              <h4>Card dispute at the bank (only {PLATFORM_PERSON.name} sees this)</h4>
              <ChargebackPanel
                key={`chargebacks-${session.version}`}
                sessionId={session.id}
                fetch={fetchAs(PLATFORM_PERSON.id)}
                timeZone={TIME_ZONE}
                locale={LOCALE}
                personName={(id) => (id === PLATFORM_PERSON.id ? PLATFORM_PERSON.name : id)}
                onChange={changed}
              />
            </div>
          )}
        </section>
      </div>
    </section>
  );
}

const ZOOM_BUTTONS: Record<ZoomAction, string> = {
  'student-joins': 'Student joins on Zoom',
  'ends-early': 'Meeting ends early on Zoom',
  'ends-early-late-webhook': 'Webhook arrives 20 min late',
};

/**
 * What happens in the session's Zoom call, as Zoom reports it: each button makes the demo's Zoom send
 * its signed webhook to the demo's own /api/webhooks/zoom route. Only the buttons that make sense for
 * the session now are shown.
 */
function ZoomControls({ row, onAction }: { row: DemoSessionRow; onAction: (action: ZoomAction) => void }) {
  const now = useSessionClock()?.getTime();
  const session = row.session!;
  const actions = now === undefined ? [] : zoomActionsAt(session, row.zoom, row.studentJoinedOnZoom, now);
  if (actions.length === 0) return null;
  return (
    <div className="travel zoom-actions" role="group" aria-label={`On Zoom for ${row.booking.subject}`} data-testid="zoom-actions">
      <span className="muted">On Zoom:</span>
      {actions.map((action) => (
        <button key={action} type="button" className="btn" onClick={() => onAction(action)} data-testid={`zoom-${action}`}>
          {ZOOM_BUTTONS[action]}
        </button>
      ))}
    </div>
  );
}

interface ZoomActionResult {
  error?: string;
  action?: ZoomAction;
  at?: string;
  deliveries?: Array<{ event: string; sentAt: string; status: number }>;
  tick?: { status: number; body: { report?: TickReport } } | null;
  state?: DemoState;
}

/** The outcome of a Zoom button in words: what happened on Zoom, which webhooks reached the route, and (late case) what settlement did meanwhile. */
function describeZoomAction(result: ZoomActionResult, row: DemoSessionRow): string {
  if (result.error || !result.at || !result.deliveries) return result.error ?? 'The demo’s Zoom did not answer; nothing happened.';
  const sent = result.deliveries.map((d) => `${d.event} at ${formatInstant(d.sentAt)} → HTTP ${d.status}`).join('; ');
  const webhooks = `Signed Zoom webhook${result.deliveries.length === 1 ? '' : 's'} to /api/webhooks/zoom: ${sent}.`;
  switch (result.action) {
    case 'student-joins':
      return `${row.studentName} joined the Zoom call at ${formatInstant(result.at)}. ${webhooks}`;
    case 'ends-early':
      return `The meeting ended early on Zoom at ${formatInstant(result.at)}. ${webhooks}`;
    default: {
      const settled = result.state?.sessions.find((r) => r.booking.bookingId === row.booking.bookingId)?.session?.status;
      const tick = result.tick ? describeTick(result.tick.status, result.tick.body.report) : '';
      return (
        `The meeting ended early on Zoom at ${formatInstant(result.at)}; its webhook was held back 20 minutes. Meanwhile — ${tick} ` +
        `${webhooks}${settled ? ` The session is now “${STATUS_LABELS[settled as SessionStatus] ?? settled}”.` : ''}`
      );
    }
  }
}

interface TickReport {
  completed?: number;
  earlyEnded?: number;
  noShows?: number;
  tutorNoShows?: number;
  nobodyJoined?: number;
  meetingEndsReconciled?: number;
  settlementsDeferred?: number;
  conflicts?: number;
  chargesSucceeded?: number;
  chargesFailed?: number;
  chargesPending?: number;
  chargesNeedingAttention?: number;
  chargesDeferred?: number;
}

function describeTick(status: number, report: TickReport | undefined): string {
  if (status !== 200 || !report) return `Settlement run refused (HTTP ${status}).`;
  const parts = [
    report.meetingEndsReconciled ? plural(report.meetingEndsReconciled, 'meeting end') + ' read from the video provider' : null,
    report.completed ? plural(report.completed, 'session') + ' completed' : null,
    report.earlyEnded ? plural(report.earlyEnded, 'session') + ' ended early' : null,
    report.noShows ? plural(report.noShows, 'session') + ' settled as a no-show from attendance' : null,
    report.tutorNoShows ? plural(report.tutorNoShows, 'session') + ' settled as a tutor no-show from attendance' : null,
    report.nobodyJoined ? plural(report.nobodyJoined, 'session') + ' settled as nobody joined' : null,
    report.settlementsDeferred ? plural(report.settlementsDeferred, 'session') + ' waiting for the video provider' : null,
    report.chargesSucceeded ? plural(report.chargesSucceeded, 'charge') + ' succeeded' : null,
    report.chargesFailed ? plural(report.chargesFailed, 'charge') + ' declined' : null,
    report.chargesPending ? plural(report.chargesPending, 'charge') + ' awaiting an answer' : null,
    report.chargesNeedingAttention ? plural(report.chargesNeedingAttention, 'charge') + ' needing attention' : null,
    report.conflicts ? plural(report.conflicts, 'session') + ' already changed by someone else' : null,
  ].filter(Boolean);
  return parts.length ? `Settlement run: ${parts.join(', ')}.` : 'Settlement run: nothing was due.';
}

function TopBar({ onTravel, onTick, onRestart }: { onTravel: (action: string) => void; onTick: () => void; onRestart: () => void }) {
  return (
    <header className="bar">
      <div className="bar-inner">
        <p className="brand">
          iTutor Sessions <span className="tag">demo</span>
        </p>
        <p className="clock">
          <span className="clock-label">Simulated time</span> <SimulatedTime />
        </p>
        <div className="bar-actions" role="group" aria-label="Simulated clock">
          <button type="button" className="btn" onClick={() => onTravel('plus1')}>+1 min</button>
          <button type="button" className="btn" onClick={() => onTravel('plus5')}>+5 min</button>
          <button
            type="button"
            className="btn"
            onClick={onRestart}
            data-testid="restart"
            title="Start over: the initial sessions, payments, connections and fakes, and the clock at its start"
          >
            Restart
          </button>
          <button type="button" className="btn primary" onClick={onTick} data-testid="settlement-tick">Run settlement</button>
        </div>
      </div>
    </header>
  );
}

function Intro({ state }: { state: DemoState }) {
  return (
    <section className="intro">
      <p>
        Each session shows the tutor’s and the student’s screen with the SDK’s buttons: Join, Mark no-show, Report tutor
        absent, Cancel session, and a small picker that moves a lesson. Every click goes through the SDK’s HTTP routes;
        data lives in {state.database}. Move the simulated clock to try the join window, the no-show rules, late
        cancellations and the settlement. Meetings are made by the SDK’s Zoom provider against a fake Zoom the demo runs
        itself: no Zoom account, keys or internet. After the session: disputes, payouts after the review window, a card
        dispute at the bank with its evidence, and Max completing a payment his bank wants him to confirm (3-D Secure).
      </p>
    </section>
  );
}

/**
 * A tutor's video connection: the SDK's `ConnectVideoProvider`. Its Connect / Reconnect link signs the
 * browser in as this tutor (a demo cookie: a full-page navigation cannot carry the page's `x-demo-user`
 * header) and follows the SDK's connect route to the fake Zoom's consent page.
 */
function TutorCard({ tutor, outcome, onChange }: { tutor: DemoTutor; outcome: string | null; onChange: () => Promise<void> }) {
  const [message, setMessage] = useState<string | null>(null);
  const revoke = async () => {
    const result = await post<{ error?: string }>(`/demo/tutors/${tutor.id}/revoke-zoom`);
    setMessage(
      result.error
        ? result.error
        : `Zoom revoked ${tutor.name}’s tokens (as if ${tutor.name} removed the app in Zoom). The SDK finds out at the next call to Zoom: confirm one of ${tutor.name}’s bookings.`,
    );
    await onChange();
  };
  return (
    <article className="card tutor-card" id={`tutor-${tutor.id}`} data-testid={`tutor-${tutor.id}`}>
      <ConnectVideoProvider
        className="video-provider"
        connection={tutor.connection}
        outcome={outcome}
        providers={['zoom']}
        connectHref={(provider) => `/demo/sign-in-as/${tutor.id}?next=${encodeURIComponent(videoConnectHref(provider))}`}
        labels={{
          heading: `${tutor.name} (tutor): video meetings`,
          connectedOn: (date) => `Connected on ${date} ${TIME_ZONE}`,
          brokenOn: (date) => `Stopped working on ${date} ${TIME_ZONE}`,
        }}
      />
      {tutor.connection?.status === 'connected' && (
        <div className="actions">
          <button type="button" className="btn" onClick={() => void revoke()} data-testid="revoke-zoom">
            Remove the app in Zoom (revoke {tutor.name}’s tokens)
          </button>
        </div>
      )}
      {message && (
        <p className="message" role="status" data-testid="tutor-message">
          {message}
        </p>
      )}
    </article>
  );
}

function App() {
  const [state, setState] = useState<DemoState | null>((boot?.state as DemoState | null) ?? null);
  const [tick, setTick] = useState<{ text: string; raw: unknown } | null>(null);
  const offset = useRef(boot?.offsetMs ?? 0);
  const [failure, setFailure] = useState<string | null>(null);
  // Where the OAuth callback sent the browser back (shown once on the tutor's card); and a count of
  // restarts, so every card starts afresh after one (no message of the world before).
  const [returned, setReturned] = useState(callback);
  const [restarts, setRestarts] = useState(0);
  const refresh = useCallback(async () => {
    const response = await fetch('/demo/state').catch(() => null);
    if (!response?.ok) {
      setFailure(response ? (await response.text()).trim() || `HTTP ${response.status}` : 'The demo server does not answer.');
      return;
    }
    const next = (await response.json()) as DemoState;
    offset.current = next.offsetMs;
    setFailure(null);
    setState(next);
  }, []);
  useEffect(() => {
    if (!boot?.state) void refresh();
    const id = setInterval(() => void refresh(), 3000);
    return () => clearInterval(id);
  }, [refresh]);
  const travel = async (action: string) => {
    await post('/demo/clock', { action });
    await refresh();
  };
  const restart = async () => {
    // The answer is the new world's state; everything below is set at once (one render), so no card of
    // the world before reads a session that no longer exists.
    const response = await fetch('/demo/restart', { method: 'POST' }).catch(() => null);
    const next = response?.ok ? ((await response.json()) as DemoState) : null;
    const problem = response && !response.ok ? (await response.text()).trim() || `HTTP ${response.status}` : null;
    setTick(null);
    setReturned(null);
    setRestarts((n) => n + 1);
    if (next) {
      offset.current = next.offsetMs;
      setFailure(null);
      setState(next);
      window.scrollTo({ top: 0 }); // back to the start of the story
    } else {
      setFailure(problem ?? 'The demo server does not answer.');
    }
  };
  const runTick = async () => {
    const result = await post<{ status: number; body: { report?: TickReport } }>('/demo/tick');
    setTick({ text: describeTick(result.status, result.body.report), raw: result.body });
    await refresh();
  };
  const now = useCallback(() => Date.now() + offset.current, []);
  return (
    <SessionClockProvider now={now} locale={LOCALE} timeZone={TIME_ZONE} labels={{ startsAt: (date) => `Starts ${date} ${TIME_ZONE}` }}>
      <div className="app">
        <TopBar onTravel={(a) => void travel(a)} onTick={() => void runTick()} onRestart={() => void restart()} />
        <main>
          {tick && (
            <div className="message" role="status" data-testid="tick-result">
              <p>{tick.text}</p>
              <details className="raw">
                <summary>raw response</summary>
                <pre>{JSON.stringify(tick.raw, null, 2)}</pre>
              </details>
            </div>
          )}
          {returned && !state?.tutors.some((t) => t.id === returned.tutorId) && CONNECT_OUTCOME_TEXT[returned.outcome] && (
            <p className="message" role="status" data-testid="connect-outcome">
              {CONNECT_OUTCOME_TEXT[returned.outcome]}
            </p>
          )}
          {failure && (
            <p className="message" role="alert">
              {failure}
            </p>
          )}
          {state ? (
            <>
              <Intro state={state} />
              <div className="tutors">
                {state.tutors.map((tutor) => (
                  <TutorCard
                    key={`${restarts}:${tutor.id}`}
                    tutor={tutor}
                    outcome={returned?.tutorId === tutor.id ? returned.outcome : null}
                    onChange={refresh}
                  />
                ))}
              </div>
              {state.sessions.map((row) => (
                <SessionCard key={`${restarts}:${row.booking.bookingId}`} row={row} onChange={refresh} />
              ))}
            </>
          ) : (
            <p className="loading">{STARTING}</p>
          )}
        </main>
      </div>
    </SessionClockProvider>
  );
}

function Root({ children }: { children: ReactNode }) {
  return <StrictMode>{children}</StrictMode>;
}

createRoot(document.getElementById('root')!).render(
  <Root>
    <App />
  </Root>,
);
