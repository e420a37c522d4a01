'use client';
import { amountsForOutcome, formatMoney, type ParticipantRole, type PublicSession, type SessionPolicy } from './deps';
import * as Dialog from '@radix-ui/react-dialog';
import { useId, useState } from './deps';
import type { MarkNoShowFunction, SessionRequestError } from './api';
import { useSessionAction } from './action';
import { useNoShowState } from './hooks';
import type { SessionLabelsInput } from './labels';
import { toPublicSessionInput, type NoShowPhase, type SessionInput } from './state';

/** `data-state` values of {@link MarkNoShowButton}. */
export type MarkNoShowButtonState = Exclude<NoShowPhase, 'hidden'> | 'pending' | 'error' | 'done';

/** Props of {@link MarkNoShowButton}. */
export interface MarkNoShowButtonProps {
  /** The session, as `PublicSession` or its JSON form. */
  readonly session: SessionInput;
  /** Who is looking. The button renders nothing for a student. */
  readonly role: ParticipantRole;
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** Records the no-show, instead of `POST {basePath}/sessions/{id}/mark-no-show`. */
  readonly markNoShow?: MarkNoShowFunction;
  /** Called with the settled session after the no-show was recorded. */
  readonly onSuccess?: (session: PublicSession) => void;
  /** Called when the server refused or the request failed. */
  readonly onError?: (error: SessionRequestError) => void;
  /** Label overrides for this button (merged over the provider's). */
  readonly labels?: SessionLabelsInput;
  /** BCP 47 locale for money, percentages and dates. Default from the provider, else `en-TT`. */
  readonly locale?: string;
  /** The policy (no-show charge and payout rates). Default from the provider, else core `DEFAULT_POLICY`. */
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
  return props.role === 'tutor' ? <TutorNoShowButton {...props} /> : null;
}

function TutorNoShowButton(props: MarkNoShowButtonProps) {
  const { onSuccess, className } = props;
  const { config, labels, locale, session, pending, error, notBefore, run } = useSessionAction(props, 'mark-no-show', props.markNoShow);
  const view = useNoShowState(session, { notBefore, labels: props.labels });
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState(false);
  const id = useId();

  const confirm = async () => {
    const result = await run();
    if (!result) return;
    setDone(true);
    setOpen(false);
    onSuccess?.(toPublicSessionInput(result.session));
  };

  // Once recorded here, say so (politely) in place of the button, whatever the host does with the session.
  if (done) {
    return (
      <p role="status" className={className} data-itutor="no-show" data-state="done">
        {labels.noShowRecorded}
      </p>
    );
  }
  if (view.phase === 'hidden') return null;

  const split = amountsForOutcome(session.priceMinor, 'NO_SHOW_STUDENT', props.policy ?? config.policy);
  const state: MarkNoShowButtonState = pending ? 'pending' : error ? 'error' : view.phase;

  return (
    <div className={className} data-itutor="no-show" data-state={state}>
      <Dialog.Root open={open} onOpenChange={(next) => pending || setOpen(next)}>
        <Dialog.Trigger asChild>
          <button
            type="button"
            data-itutor-part="button"
            disabled={!view.canMarkNoShow}
            aria-describedby={view.countdown ? `${id}s` : undefined}
          >
            {labels.markNoShow}
          </button>
        </Dialog.Trigger>
        {view.countdown ? (
          <p id={`${id}s`} data-itutor-part="status">
            {labels.noShowAvailableIn(view.countdown)}
          </p>
        ) : null}
        <Dialog.Portal>
          <Dialog.Overlay className={props.overlayClassName} data-itutor="no-show-overlay" />
          <Dialog.Content
            className={props.dialogClassName}
            data-itutor="no-show-dialog"
          >
            <Dialog.Title data-itutor-part="title">{labels.confirmNoShowTitle}</Dialog.Title>
            <Dialog.Description data-itutor-part="description">
              {labels.confirmNoShowDescription(
                formatMoney(split.chargeMinor, { currency: session.currency, locale }),
                formatMoney(split.payoutMinor, { currency: session.currency, locale }),
              )}
            </Dialog.Description>
            {error ? (
              <p role="alert" data-itutor-part="error">
                {error.message}
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
                disabled={pending || !view.canMarkNoShow}
                aria-busy={pending}
                onClick={confirm}
              >
                {labels.markNoShow}
              </button>
            </div>
          </Dialog.Content>
        </Dialog.Portal>
      </Dialog.Root>
    </div>
  );
}
