'use client';
import type { ParticipantRole, PublicSession, SessionPolicy } from '@itutor/sessions-core';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { postSessionAction, toSessionRequestError, type JoinFunction, type JoinResult, type SessionRequestError } from './api';
import { useSessionClockContext, useSessionsConfig } from './context';
import { formatDateTime, formatPercent, visuallyHidden } from './format';
import { useClockSelector, useHydrated, useResolvedLabels } from './hooks';
import type { SessionLabelsInput } from './labels';
import { joinStateAt, toPublicSessionInput, type JoinPhase, type SessionInput } from './state';

/** `data-state` values of {@link SessionJoinButton}: the phase, or the request in flight / failed. */
export type SessionJoinButtonState = JoinPhase | 'pending' | 'error';

/** What `onJoined` receives. */
export interface SessionJoined {
  readonly joinUrl: string;
  /** The updated session when the server returned one. */
  readonly session: PublicSession | null;
  /** Whether a tab was opened for the meeting (false when the browser blocked it). */
  readonly opened: boolean;
}

/** Props of {@link SessionJoinButton}. */
export interface SessionJoinButtonProps {
  /** The session, as `PublicSession` or its JSON form (`toSessionJson`). */
  readonly session: SessionInput;
  /** Who is looking: changes the no-show warning. */
  readonly role: ParticipantRole;
  /** API base path. Default from `SessionsConfigProvider`, else `/api`. */
  readonly basePath?: string;
  /** Records the join and returns the meeting URL, instead of `POST {basePath}/sessions/{id}/join`. */
  readonly join?: JoinFunction;
  /** Called after the join was recorded and the meeting opened. */
  readonly onJoined?: (joined: SessionJoined) => void;
  /** Called when the join was refused or failed (including a handled `TOO_EARLY`). */
  readonly onError?: (error: SessionRequestError) => void;
  /**
   * Opens the meeting. Default: a tab opened synchronously on click (so popup blockers allow it),
   * detached from this page (`opener = null`) and pointed at the URL once the server answered; when
   * blocked, `window.open(url, '_blank', 'noopener,noreferrer')`, and a link is shown either way.
   */
  readonly openMeeting?: false;
  readonly labels?: SessionLabelsInput;
  readonly locale?: string;
  readonly timeZone?: string;
  readonly policy?: SessionPolicy;
  readonly className?: string;
}

type Request =
  | { readonly kind: 'idle' }
  | { readonly kind: 'pending' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'joined'; readonly joinUrl: string; readonly opened: boolean };

function openBlankTab(): Window | null {
  if (typeof window === 'undefined' || typeof window.open !== 'function') return null;
  try {
    const tab = window.open('', '_blank');
    if (tab) tab.opener = null;
    return tab;
  } catch {
    return null;
  }
}

/**
 * The Join button for a session's student or tutor. Counts down until Join opens (5 minutes before the
 * start), records the join through the server, then opens the meeting in a new tab; states the no-show
 * wait; shows in-progress, ended and final states. Unstyled: style it through `className` and
 * `data-state` (`waiting | open | in-progress | ended | final | pending | error | unknown`).
 */
export function SessionJoinButton(props: SessionJoinButtonProps) {
  const { role, join, onJoined, onError, className } = props;
  const config = useSessionsConfig();
  const labels = useResolvedLabels(props.labels);
  const locale = props.locale ?? config.locale;
  const policy = props.policy ?? config.policy;
  const basePath = props.basePath ?? config.basePath;
  const timeZone = props.timeZone ?? config.timeZone;

  const [returned, setReturned] = useState<PublicSession | null>(null);
  const given = toPublicSessionInput(props.session);
  const session = returned && returned.id === given.id && returned.version > given.version ? returned : given;
  const [notBefore, setNotBefore] = useState<number | null>(null);
  const [request, setRequest] = useState<Request>({ kind: 'idle' });
  const inFlight = useRef(false);

  const select = useCallback(
    (now: number | null) => {
      const s = joinStateAt(session, now, { notBefore });
      const countdownSeconds = s.phase === 'waiting' ? s.secondsUntilOpen : s.phase === 'open' ? s.secondsUntilStart : null;
      return {
        phase: s.phase,
        status: s.status,
        canJoin: s.canJoin,
        countdown: countdownSeconds === null ? null : labels.countdown(countdownSeconds),
        warn: s.noShowWarningRelevant && s.phase !== 'ended',
        serverDelayed: s.phase === 'waiting' && notBefore !== null && notBefore > session.joinOpensAt.getTime(),
      };
    },
    [session, notBefore, labels],
  );
  const view = useClockSelector(select);
  const hydrated = useHydrated();
  const { clock } = useSessionClockContext();

  // Announce once when Join opens while on screen: never on every second.
  const [announcement, setAnnouncement] = useState('');
  const previousPhase = useRef<JoinPhase>(view.phase);
  useEffect(() => {
    if (previousPhase.current === 'waiting' && (view.phase === 'open' || view.phase === 'in-progress')) {
      setAnnouncement(labels.joinOpenAnnouncement);
    }
    previousPhase.current = view.phase;
  }, [view.phase, labels.joinOpenAnnouncement]);

  const id = useId();
  const statusId = `${id}-status`;
  const warningId = `${id}-warning`;
  const errorId = `${id}-error`;

  const handleClick = async () => {
    if (inFlight.current || !view.canJoin) return;
    inFlight.current = true;
    const tab = props.openMeeting === false ? null : openBlankTab();
    setRequest({ kind: 'pending' });
    try {
      const result: JoinResult = join
        ? await join(session.id)
        : await postSessionAction<JoinResult>(session.id, 'join', { basePath, now: () => clock.getSnapshot() });
      let opened = false;
      if (props.openMeeting !== false) {
        if (tab && !tab.closed) {
          tab.location.href = result.joinUrl;
          opened = true;
        } else if (typeof window !== 'undefined') {
          window.open(result.joinUrl, '_blank', 'noopener,noreferrer');
        }
      }
      const updated = result.session ? toPublicSessionInput(result.session) : null;
      if (updated) setReturned(updated);
      setNotBefore(null);
      setRequest({ kind: 'joined', joinUrl: result.joinUrl, opened });
      onJoined?.({ joinUrl: result.joinUrl, session: updated, opened });
    } catch (thrown) {
      tab?.close();
      const error = toSessionRequestError(thrown);
      if (error.code === 'TOO_EARLY' && error.availableAt !== null) {
        // The browser's clock is ahead of the server's: wait for the server's instant, then allow a retry.
        setNotBefore(error.availableAt);
        setRequest({ kind: 'idle' });
      } else {
        setRequest({ kind: 'error', message: error.message || labels.genericError });
      }
      onError?.(error);
    } finally {
      inFlight.current = false;
    }
  };

  const pending = request.kind === 'pending';
  const state: SessionJoinButtonState = pending ? 'pending' : request.kind === 'error' ? 'error' : view.phase;
  const showButton = view.phase !== 'ended' && view.phase !== 'final';

  let statusText: string;
  switch (view.phase) {
    case 'waiting':
      statusText = view.serverDelayed ? labels.serverNotOpenYet(view.countdown ?? '') : labels.joinOpensIn(view.countdown ?? '');
      break;
    case 'open':
      statusText = labels.startsIn(view.countdown ?? '');
      break;
    case 'in-progress':
      statusText = labels.inProgress;
      break;
    case 'ended':
      statusText = labels.ended;
      break;
    case 'final':
      statusText = labels.status[view.status];
      break;
    default:
      statusText = '';
  }
  const warning = !view.warn
    ? null
    : role === 'student'
      ? labels.studentNoShowWarning(session.noShowWaitMinutes, formatPercent(policy.noShowChargeBps, locale))
      : labels.tutorNoShowNotice(session.noShowWaitMinutes);
  const startsAt =
    hydrated && (view.phase === 'waiting' || view.phase === 'open')
      ? labels.startsAt(formatDateTime(session.scheduledStartAt, locale, timeZone))
      : null;
  const describedBy = [statusText ? statusId : null, warning ? warningId : null, request.kind === 'error' ? errorId : null]
    .filter(Boolean)
    .join(' ');

  return (
    <div
      className={className}
      data-itutor="join"
      data-state={state}
      data-phase={view.phase}
      data-role={role}
      data-status={view.status}
    >
      {showButton ? (
        <button
          type="button"
          data-itutor-part="button"
          data-state={state}
          disabled={!view.canJoin || pending}
          aria-busy={pending || undefined}
          aria-describedby={describedBy || undefined}
          onClick={handleClick}
        >
          {pending ? labels.joining : labels.join}
        </button>
      ) : null}
      {statusText ? (
        <p id={statusId} data-itutor-part="status">
          {statusText}
        </p>
      ) : null}
      {startsAt ? <p data-itutor-part="starts-at">{startsAt}</p> : null}
      {warning ? (
        <p id={warningId} data-itutor-part="warning">
          {warning}
        </p>
      ) : null}
      {request.kind === 'error' ? (
        <p id={errorId} role="alert" data-itutor-part="error">
          {labels.errorPrefix} {request.message}
        </p>
      ) : null}
      {request.kind === 'joined' && showButton ? (
        <p data-itutor-part="joined">
          {request.opened ? `${labels.meetingOpened} ` : null}
          <a href={request.joinUrl} target="_blank" rel="noopener noreferrer">
            {labels.openMeeting}
          </a>
        </p>
      ) : null}
      <span role="status" aria-live="polite" data-itutor-part="announcer" style={visuallyHidden}>
        {announcement}
      </span>
    </div>
  );
}
