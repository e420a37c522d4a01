'use client';
import { amountsForOutcome, type ParticipantRole, type PublicSession, type SessionPolicy } from '@itutor/sessions-core';
import * as Dialog from '@radix-ui/react-dialog';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { postSessionAction, toSessionRequestError, type MarkNoShowFunction, type SessionRequestError } from './api';
import { useSessionClockContext, useSessionsConfig } from './context';
import { formatAmount } from './format';
import { useClockSelector, useResolvedLabels } from './hooks';
import type { SessionLabelsInput } from './labels';
import { noShowStateAt, toPublicSessionInput, type NoShowPhase, type SessionInput } from './state';

/** `data-state` values of {@link MarkNoShowButton}. */
export type MarkNoShowButtonState = Exclude<NoShowPhase, 'hidden'> | 'pending' | 'error' | 'done';

/** Props of {@link MarkNoShowButton}. */
export interface MarkNoShowButtonProps {
  /** The session, as `PublicSession` or its JSON form. */
  readonly session: SessionInput;
  /** Who is looking. The button renders nothing for a student. */
  readonly role: ParticipantRole;
  /** API base path. Default from `SessionsConfigProvider`, else `/api`. */
  readonly basePath?: string;
  /** Records the no-show, instead of `POST {basePath}/sessions/{id}/mark-no-show`. */
  readonly markNoShow?: MarkNoShowFunction;
  /** Called with the settled session after the no-show was recorded. */
  readonly onSuccess?: (session: PublicSession) => void;
  /** Called when the server refused or the request failed. */
  readonly onError?: (error: SessionRequestError) => void;
  readonly labels?: SessionLabelsInput;
  readonly locale?: string;
  readonly policy?: SessionPolicy;
  /** Class of the wrapper element. */
  readonly className?: string;
  /** Class of the dialog content (it renders in a portal, outside the wrapper). */
  readonly dialogClassName?: string;
  /** Class of the dialog overlay. */
  readonly overlayClassName?: string;
}

/**
 * The tutor's "Mark no-show" button. Disabled with a countdown until the no-show wait is over, then
 * asks for confirmation in a dialog that states what the student is charged and what the tutor receives,
 * and records the no-show through the server. Renders nothing for a student, once the student joined
 * within the wait, or once the session is final.
 */
export function MarkNoShowButton(props: MarkNoShowButtonProps) {
  if (props.role !== 'tutor') return null;
  return <TutorNoShowButton {...props} />;
}

function TutorNoShowButton(props: MarkNoShowButtonProps) {
  const { markNoShow, onSuccess, onError, className } = props;
  const config = useSessionsConfig();
  const { clock } = useSessionClockContext();
  const labels = useResolvedLabels(props.labels);
  const locale = props.locale ?? config.locale;
  const policy = props.policy ?? config.policy;
  const basePath = props.basePath ?? config.basePath;

  const [returned, setReturned] = useState<PublicSession | null>(null);
  const given = toPublicSessionInput(props.session);
  const session = returned && returned.id === given.id && returned.version > given.version ? returned : given;
  const [notBefore, setNotBefore] = useState<number | null>(null);
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const inFlight = useRef(false);
  const doneRef = useRef<HTMLParagraphElement>(null);

  const select = useCallback(
    (now: number | null) => {
      const s = noShowStateAt(session, now, { notBefore });
      return {
        phase: s.phase,
        canMarkNoShow: s.canMarkNoShow,
        countdown: s.phase === 'waiting' && s.secondsUntilEligible !== null ? labels.countdown(s.secondsUntilEligible) : null,
      };
    },
    [session, notBefore, labels],
  );
  const view = useClockSelector(select);

  const id = useId();
  const statusId = `${id}-status`;

  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);

  const confirm = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    try {
      const result = markNoShow
        ? await markNoShow(session.id)
        : await postSessionAction<{ session: SessionInput }>(session.id, 'mark-no-show', {
            basePath,
            now: () => clock.getSnapshot(),
          });
      const settled = toPublicSessionInput(result.session);
      setReturned(settled);
      setDone(true);
      setOpen(false);
      onSuccess?.(settled);
    } catch (thrown) {
      const failure = toSessionRequestError(thrown);
      if (failure.code === 'TOO_EARLY' && failure.availableAt !== null) setNotBefore(failure.availableAt);
      setError(failure.message || labels.genericError);
      onError?.(failure);
    } finally {
      inFlight.current = false;
      setPending(false);
    }
  };

  if (view.phase === 'hidden') {
    return done ? (
      <p ref={doneRef} tabIndex={-1} role="status" className={className} data-itutor="no-show" data-state="done">
        {labels.noShowRecorded}
      </p>
    ) : null;
  }

  let split = { chargeMinor: 0, payoutMinor: 0 };
  try {
    split = amountsForOutcome(session.priceMinor, 'NO_SHOW_STUDENT', policy);
  } catch {
    // An invalid price from the host: show zero rather than crash the page.
  }
  const charge = formatAmount(split.chargeMinor, session.currency, locale);
  const payout = formatAmount(split.payoutMinor, session.currency, locale);
  const state: MarkNoShowButtonState = pending ? 'pending' : error ? 'error' : view.phase;
  const disabled = !view.canMarkNoShow;

  return (
    <div className={className} data-itutor="no-show" data-state={state} data-phase={view.phase}>
      <Dialog.Root
        open={open}
        onOpenChange={(next) => {
          if (pending) return;
          setOpen(next);
          if (!next) setError(null);
        }}
      >
        <Dialog.Trigger asChild>
          <button
            type="button"
            data-itutor-part="button"
            data-state={state}
            disabled={disabled}
            aria-describedby={view.countdown ? statusId : undefined}
          >
            {labels.markNoShow}
          </button>
        </Dialog.Trigger>
        {view.countdown ? (
          <p id={statusId} data-itutor-part="status">
            {labels.noShowAvailableIn(view.countdown)}
          </p>
        ) : null}
        <Dialog.Portal>
          <Dialog.Overlay className={props.overlayClassName} data-itutor="no-show-overlay" />
          <Dialog.Content
            className={props.dialogClassName}
            data-itutor="no-show-dialog"
            onCloseAutoFocus={(event) => {
              if (doneRef.current) {
                event.preventDefault();
                doneRef.current.focus();
              }
            }}
          >
            <Dialog.Title data-itutor-part="title">{labels.confirmNoShowTitle}</Dialog.Title>
            <Dialog.Description data-itutor-part="description">
              {labels.confirmNoShowDescription(charge, payout)}
            </Dialog.Description>
            {error ? (
              <p role="alert" data-itutor-part="error">
                {labels.errorPrefix} {error}
              </p>
            ) : null}
            <div data-itutor-part="actions">
              <Dialog.Close asChild>
                <button type="button" data-itutor-part="cancel" disabled={pending}>
                  {labels.cancel}
                </button>
              </Dialog.Close>
              <button
                type="button"
                data-itutor-part="confirm"
                data-state={state}
                disabled={pending || !view.canMarkNoShow}
                aria-busy={pending || undefined}
                onClick={confirm}
              >
                {pending ? labels.markingNoShow : labels.markNoShow}
              </button>
            </div>
          </Dialog.Content>
        </Dialog.Portal>
      </Dialog.Root>
    </div>
  );
}
