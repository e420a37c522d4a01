'use client';
import type { JoinFunction, JoinResult, ParticipantRole, ReactNode, SessionError } from './deps';
import { Slot, useEffect, useId, useRef, useState } from './deps';
import { useSessionAction } from './action';
import { formatDateTime, formatPercent, visuallyHidden } from './format';
import { useHydrated, useJoinState } from './hooks';
import type { SessionLabelsInput } from './labels';
import type { JoinPhase, SessionInput } from './state';

/** `data-state` values of {@link SessionJoinButton}: the phase, or the request in flight / failed. */
export type SessionJoinButtonState = JoinPhase | 'pending' | 'error';

/** What `onJoined` receives: the join's result (the updated session as the server sent it, if it did). */
export interface SessionJoined extends JoinResult {
  /** Whether the tab opened on click was pointed at the meeting (false when the browser blocked it). */
  readonly opened: boolean;
}

/** Props of {@link SessionJoinButton}. */
export interface SessionJoinButtonProps {
  /**
   * The session: its JSON form from the server (`toSessionJson(session, { policy: core.policy })`), whose
   * `noShowQuote.chargeBps` is the share the student's no-show warning states, or a `PublicSession`
   * (then the warning states no share).
   */
  readonly session: SessionInput;
  /** Who is looking: changes the no-show warning. */
  readonly role: ParticipantRole;
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** Records the join and returns the meeting URL, instead of `POST {basePath}/sessions/{id}/join`. */
  readonly join?: JoinFunction;
  /** Called after the join was recorded and the meeting opened. */
  readonly onJoined?: (joined: SessionJoined) => void;
  /** Called when the join was refused or failed (including a handled `TOO_EARLY`). */
  readonly onError?: (error: SessionError) => void;
  /** Label overrides for this button (merged over the provider's). */
  readonly labels?: SessionLabelsInput;
  /** BCP 47 locale for money, percentages and dates. Default from the provider, else `en-TT`. */
  readonly locale?: string;
  /** IANA time zone of the start date. Default from the provider, else the browser's. */
  readonly timeZone?: string;
  /** Class of the wrapper element (which carries `data-state`). */
  readonly className?: string;
  /**
   * Render your own element as the button: the single child gets the button's props (`disabled`,
   * `aria-*`, `onClick`, `data-itutor-part="button"`) and, when it has no children, the label.
   */
  readonly asChild?: boolean;
  /** With `asChild`, your element; without it, the button's content (default the `join` / `joining` label). */
  readonly children?: ReactNode;
}

function openBlankTab(): Window | null {
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
 * start), records the join through the server, then opens the meeting in a new tab: a tab opened
 * synchronously on click (so popup blockers allow it), detached from this page (`opener = null`, the
 * `noopener` effect) and pointed at the URL once the server answered; if the browser blocked it,
 * `window.open(url, '_blank', 'noopener,noreferrer')`, and an "Open the meeting" link either way.
 * States the no-show wait; shows in-progress, ended and final states. Unstyled: style it through `className` and
 * `data-state` (`waiting | open | in-progress | ended | final | pending | error | unknown`). While the
 * join is recorded the button says "Joining…" and stays focusable (`aria-disabled`, `aria-busy`); after
 * a refusal focus returns to it (or, when a `TOO_EARLY` disabled it, to the countdown).
 */
export function SessionJoinButton(props: SessionJoinButtonProps) {
  const { role, onJoined } = props;
  const { config, labels, locale, session, quote, state: action, pending, error, notBefore, run } = useSessionAction(props, 'join', props.join);
  // After a TOO_EARLY answer, `opensAt` is the server's instant: the countdown shows the server's wait.
  const view = useJoinState(session, { role, notBefore, labels: props.labels });
  const hydrated = useHydrated();
  const [joinedUrl, setJoinedUrl] = useState<string | null>(null);
  const id = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const statusRef = useRef<HTMLParagraphElement>(null);

  // After a refusal focus returns to the button, or, when a `TOO_EARLY` disabled it, to the countdown
  // that says until when. The button stays focusable while pending (`aria-disabled`), so focus is kept.
  useEffect(() => {
    const button = buttonRef.current;
    if (action.status === 'failed') (button?.matches(':disabled') ? statusRef.current : button)?.focus();
  }, [action]);

  // Announce once when Join opens while on screen (the region's text changes once): never every second.
  // Derived during render (an idempotent ref flag), so opening costs no extra render.
  const sawWaiting = useRef(false);
  if (view.phase === 'waiting') sawWaiting.current = true;
  const announcement = sawWaiting.current && view.canJoin ? labels.joinOpenAnnouncement : '';

  const handleClick = async () => {
    if (pending) return;
    // Opened synchronously inside the click so popup blockers allow it; pointed at the meeting later.
    const tab = openBlankTab();
    const outcome = await run();
    if (outcome?.status !== 'succeeded') return tab?.close();
    const result = outcome.result;
    if (tab && !tab.closed) tab.location.href = result.joinUrl;
    else window.open(result.joinUrl, '_blank', 'noopener,noreferrer');
    setJoinedUrl(result.joinUrl);
    onJoined?.({ ...result, opened: !!tab });
  };

  const showError = error && error.code !== 'TOO_EARLY';
  const state: SessionJoinButtonState = pending ? 'pending' : showError ? 'error' : view.phase;
  const showButton = view.phase !== 'final';
  const countdown = view.countdown!;
  // No text for `unknown` (no instant yet).
  const statusText = ({
    waiting: labels.joinOpensIn(countdown),
    open: labels.startsIn(countdown),
    'in-progress': labels.inProgress,
    ended: labels.ended,
    final: labels.status[view.status],
  } as Partial<Record<JoinPhase, string>>)[view.phase];
  const minutes = view.noShowWaitMinutes;
  // The share the server stated (the session JSON's `noShowQuote`), only formatted here.
  const bps = quote?.chargeBps ?? null;
  const warning =
    view.showNoShowWarning &&
    (role === 'student'
      ? labels.studentNoShowWarning(minutes, bps === null ? null : formatPercent(bps, locale))
      : labels.tutorNoShowNotice(minutes));
  const describedBy = [statusText && `${id}s`, warning && `${id}w`, showError && `${id}e`].filter(Boolean).join(' ');
  const Button = props.asChild ? Slot : 'button';

  return (
    <div className={props.className} data-itutor="join" data-state={state} data-phase={view.phase} data-status={view.status}>
      {showButton && (
        <Button
          ref={buttonRef}
          type="button"
          data-itutor-part="button"
          disabled={!view.canJoin}
          aria-disabled={pending || undefined}
          aria-busy={pending}
          aria-describedby={describedBy || undefined}
          onClick={handleClick}
        >
          {props.children ?? (pending ? labels.joining : labels.join)}
        </Button>
      )}
      {statusText && (
        <p ref={statusRef} id={`${id}s`} tabIndex={-1} data-itutor-part="status">
          {statusText}
        </p>
      )}
      {hydrated && (view.phase === 'waiting' || view.phase === 'open') && (
        // Dates depend on the time zone, which may differ between server and browser: after hydration only.
        <p data-itutor-part="starts-at">
          {labels.startsAt(formatDateTime(session.scheduledStartAt, locale, props.timeZone ?? config.timeZone))}
        </p>
      )}
      {warning && (
        <p id={`${id}w`} data-itutor-part="warning">
          {warning}
        </p>
      )}
      {showError && (
        <p id={`${id}e`} role="alert" data-itutor-part="error">
          {error.message || labels.genericError}
        </p>
      )}
      {joinedUrl && showButton && (
        <a data-itutor-part="joined" href={joinedUrl} target="_blank" rel="noopener noreferrer">
          {labels.openMeeting}
        </a>
      )}
      <span role="status" data-itutor-part="announcer" style={visuallyHidden}>
        {announcement}
      </span>
    </div>
  );
}
