'use client';
import * as Dialog from '@radix-ui/react-dialog';
import type { ComponentPropsWithoutRef } from 'react';
import {
  createContext,
  formatMoney,
  Slot,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
  type ButtonHTMLAttributes,
  type HTMLAttributes,
  type MarkNoShowFunction,
  type ParticipantRole,
  type PublicSession,
  type ReactNode,
  type RefObject,
  type SessionError,
} from './deps';
import { useSessionAction } from './action';
import { useNoShowState, type NoShowHookState } from './hooks';
import type { SessionLabels, SessionLabelsInput } from './labels';
import { toPublicSessionInput, type NoShowPhase, type SessionInput } from './state';

/** `data-state` values of the no-show wrapper. */
export type MarkNoShowButtonState = Exclude<NoShowPhase, 'hidden'> | 'pending' | 'error' | 'done';

/** Props of {@link MarkNoShowButton}. */
export interface MarkNoShowButtonProps {
  /**
   * The session: its JSON form from the server (`toSessionJson(session, { policy: core.policy })`), whose
   * `noShowQuote` holds the amounts the confirmation states, or a `PublicSession` (then it states none).
   */
  readonly session: SessionInput;
  /** Who is looking. Nothing renders for a student. */
  readonly role: ParticipantRole;
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** Records the no-show, instead of `POST {basePath}/sessions/{id}/mark-no-show`. */
  readonly markNoShow?: MarkNoShowFunction;
  /**
   * The student's earliest join as the video provider reports it (`useSessionAttendance(id).attendance
   * ?.summary.studentJoinedAt` from `@itutor/sessions-react/attendance`). A join within the wait hides
   * the button, as a join through our Join button does: the student is in the meeting.
   */
  readonly providerStudentJoinedAt?: Date | string | null;
  /**
   * The tutor's earliest join as the video provider reports it (`useSessionAttendance(id).attendance
   * ?.summary.tutorJoinedAt`). The presence rule: a tutor may mark the student absent only once their own
   * presence is recorded, by our Join button (the session's `tutorJoinedAt`) or by this report; without
   * either the button stays disabled after the wait and says why (`tutorNotPresent`).
   */
  readonly providerTutorJoinedAt?: Date | string | null;
  /** Called with the settled session after the no-show was recorded. */
  readonly onSuccess?: (session: PublicSession) => void;
  /** Called when the server refused or the request failed. */
  readonly onError?: (error: SessionError) => void;
  /** Label overrides (merged over the provider's). */
  readonly labels?: SessionLabelsInput;
  /** BCP 47 locale for money, percentages and dates. Default from the provider, else `en-TT`. */
  readonly locale?: string;
  /** Class of the wrapper element (which carries `data-state`). */
  readonly className?: string;
  /** Whether the confirmation is open (controlled). Pair with `onOpenChange`. */
  readonly open?: boolean;
  /** Whether the confirmation is open at first (uncontrolled). Default `false`. */
  readonly defaultOpen?: boolean;
  /**
   * Called when the confirmation wants to open or close: the trigger, Cancel, Escape, an outside click,
   * and `false` after a recorded no-show. Not called for a close while the request is pending.
   */
  readonly onOpenChange?: (open: boolean) => void;
  /** Class of the default dialog's content (it renders in a portal, outside the wrapper). */
  readonly dialogClassName?: string;
  /** Class of the default dialog's overlay. */
  readonly overlayClassName?: string;
  /**
   * Your own composition of the parts, in place of the default `<MarkNoShowTrigger />` and
   * `<MarkNoShowDialog className={dialogClassName} overlayClassName={overlayClassName} />`.
   */
  readonly children?: ReactNode;
}

interface NoShowContextValue {
  readonly id: string;
  readonly labels: SessionLabels;
  readonly view: NoShowHookState;
  readonly pending: boolean;
  readonly error: SessionError | null;
  /** The charge, the payout and the fee of the server's quote, formatted; `null`s without a quote. */
  readonly amounts: readonly [string | null, string | null, string | null];
  readonly confirm: () => void;
  readonly confirmRef: RefObject<HTMLButtonElement | null>;
  readonly cancelRef: RefObject<HTMLButtonElement | null>;
}

// Pure: a page without the no-show button drops it (a bare call would stay in every bundle).
const NoShowContext = /* @__PURE__ */ createContext<NoShowContextValue | null>(null);

function usePart(): NoShowContextValue {
  const context = useContext(NoShowContext);
  if (!context) throw new Error('No <MarkNoShowButton> above');
  return context;
}

/**
 * The tutor's "Mark no-show" button. Disabled with a countdown (`data-itutor-part="status"`, after the
 * parts) until the no-show wait is over. Then, while the tutor's own presence is not recorded (the
 * presence rule: the session's `tutorJoinedAt` from our Join button, or `providerTutorJoinedAt`), it stays
 * disabled and says why ("Join the session first to mark the student absent.", `data-state="not-present"`),
 * as it does after the server's `TUTOR_NOT_PRESENT` refusal until the host passes a newer session (another
 * `version`) or another report.
 * Otherwise it asks for confirmation in a dialog that states what the
 * student is charged and what the tutor receives — the amounts the server put in the session JSON
 * (`noShowQuote`; nothing is computed in the browser, and without a quote the dialog states none) — and
 * records the no-show through the server. Renders nothing for a student, once the student joined within
 * the wait, or once the session is final. When the server refuses because the video provider reports the
 * student in the meeting, the dialog says so (the server's words, or the `studentInMeeting` label); `SessionAttendanceStatus` of
 * `@itutor/sessions-react/attendance` says it beside the button before anyone clicks. After a recorded
 * no-show, "No-show recorded." (`role="status"`) in place of the button, and focus moves there.
 *
 * It is also the root of its parts (`MarkNoShowTrigger`, `MarkNoShowDialog`, `MarkNoShowCancel`,
 * `MarkNoShowConfirm`): pass them as children for your own layout or elements. Open or close the
 * confirmation yourself with `open` / `onOpenChange` (or start it open with `defaultOpen`).
 */
export function MarkNoShowButton(props: MarkNoShowButtonProps) {
  return props.role === 'tutor' ? <TutorRoot {...props} /> : null;
}

function TutorRoot(props: MarkNoShowButtonProps) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const resultRef = useRef<HTMLParagraphElement>(null);
  const { labels, locale, session, quote, state: action, pending, error, notBefore, run } = useSessionAction(
    props,
    'mark-no-show',
    props.markNoShow,
  );
  const { providerStudentJoinedAt, providerTutorJoinedAt } = props;
  const guarded = useNoShowState(session, { notBefore, labels: props.labels, providerStudentJoinedAt, providerTutorJoinedAt });
  // The server's `TUTOR_NOT_PRESENT` (its record of the tutor's presence is what counts) holds like the
  // guard's own answer while what it was judged on is unchanged: the session's version and the provider's
  // report, by value (a host may rebuild both on every render). A newer session or report lifts it.
  const presence = `${session.version} ${providerTutorJoinedAt && +new Date(providerTutorJoinedAt)}`;
  const [refusedFor, setRefusedFor] = useState<string | null>(null);
  const serverNotPresent = refusedFor === presence;
  const view: NoShowHookState =
    serverNotPresent && guarded.phase !== 'hidden' ? { ...guarded, phase: 'not-present', canMarkNoShow: false, countdown: null } : guarded;
  // `open` is the host's when it passes one (controlled), else kept here: Radix's controllable-state model.
  const [ownOpen, setOwnOpen] = useState(!!props.defaultOpen);
  const open = props.open ?? ownOpen;
  const setOpen = (next: boolean) => {
    setOwnOpen(next);
    props.onOpenChange?.(next);
  };
  const id = useId();
  const done = action.status === 'succeeded';
  // After a refusal the dialog stays open with the reason; focus returns to Confirm (the action's
  // trigger; the dialog is modal, so focus cannot be elsewhere), or to Cancel when Confirm is now
  // disabled. After success, to "No-show recorded." (the trigger and the dialog are gone).
  useEffect(() => {
    const confirm = confirmRef.current;
    (done ? resultRef.current : action.status === 'failed' ? (confirm?.matches(':disabled') ? cancelRef.current : confirm) : null)?.focus();
  }, [action, done, serverNotPresent]);

  if (done) {
    return (
      <p ref={resultRef} tabIndex={-1} role="status" className={props.className} data-itutor="no-show" data-state="done">
        {labels.noShowRecorded}
      </p>
    );
  }
  if (view.phase === 'hidden') return null;

  // The server's amounts (the session JSON's `noShowQuote`), only formatted here: no money rule in the browser.
  const money = (minor: number) => formatMoney(minor, { currency: session.currency, locale });
  const confirm = async () => {
    const outcome = await run();
    if (outcome?.status === 'failed' && outcome.error.code === 'TUTOR_NOT_PRESENT') setRefusedFor(presence);
    if (outcome?.status !== 'succeeded') return;
    setOpen(false);
    props.onSuccess?.(toPublicSessionInput(outcome.result.session));
  };
  const value: NoShowContextValue = {
    id,
    labels,
    view,
    pending,
    error,
    amounts: quote ? [money(quote.chargeMinor), money(quote.payoutMinor), money(quote.feeMinor)] : [null, null, null],
    confirm,
    confirmRef,
    cancelRef,
  };
  // `not-present` explains itself (beside the trigger, and in the dialog after the server's refusal).
  const state: MarkNoShowButtonState = pending ? 'pending' : error && view.phase !== 'not-present' ? 'error' : view.phase;
  const status = view.countdown ? labels.noShowAvailableIn(view.countdown) : view.phase === 'not-present' && labels.tutorNotPresent;

  return (
    <NoShowContext.Provider value={value}>
      <div className={props.className} data-itutor="no-show" data-state={state}>
        {/* While the request runs, nothing closes the dialog (Escape, outside click, Cancel). */}
        <Dialog.Root open={open} onOpenChange={(next) => (pending && !next) || setOpen(next)}>
          {props.children ?? [
            <MarkNoShowTrigger key="t" />,
            <MarkNoShowDialog key="d" className={props.dialogClassName} overlayClassName={props.overlayClassName} />,
          ]}
        </Dialog.Root>
        {status && (
          <p id={`${id}s`} data-itutor-part="status">
            {status}
          </p>
        )}
      </div>
    </NoShowContext.Provider>
  );
}

/** Props of the button parts: a `<button>`'s, plus `asChild` to render your own element instead. */
export interface MarkNoShowPartProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  /** Render the single child as this part (it gets the part's props; the label when it has no children). */
  readonly asChild?: boolean;
}

/**
 * Opens the confirmation. Disabled until a no-show can be marked, and described meanwhile by the
 * countdown ("You can mark a no-show in 14:00", which the root renders after its children) or, after
 * the wait while the tutor's presence is not recorded, by why ("Join the session first to mark the
 * student absent."). Content: children, else the `markNoShow` label.
 */
export function MarkNoShowTrigger({ asChild, children, ...rest }: MarkNoShowPartProps) {
  const { id, view, labels } = usePart();
  return (
    <Dialog.Trigger
      {...rest}
      asChild={asChild}
      data-itutor-part="button"
      disabled={!view.canMarkNoShow}
      aria-describedby={view.countdown || view.phase === 'not-present' ? `${id}s` : undefined}
    >
      {children ?? labels.markNoShow}
    </Dialog.Trigger>
  );
}

/** Props of {@link MarkNoShowDialog}: Radix `Dialog.Content`'s, plus the overlay's class and the portal's container. */
export interface MarkNoShowDialogProps extends Omit<ComponentPropsWithoutRef<typeof Dialog.Content>, 'asChild'> {
  /** Class of the overlay (`data-itutor="no-show-overlay"`). */
  readonly overlayClassName?: string;
  /** Where the portal renders. Default `document.body`. */
  readonly container?: HTMLElement | null;
}

/**
 * The confirmation: a modal dialog in a portal, over an overlay, titled and described by the labels
 * (what the student is charged and what the tutor receives, from the session JSON's `noShowQuote`), with
 * the server's refusal when there is one (`role="alert"`; for a refusal on the video provider's report that the student is in the meeting,
 * `STUDENT_JOINED` with source `provider`, the `studentInMeeting` label when it is set; for `TUTOR_NOT_PRESENT`, the `tutorNotPresent` label). Children: its actions, default `MarkNoShowCancel` and `MarkNoShowConfirm` in a
 * `data-itutor-part="actions"` row. Focus is trapped inside and returns to the trigger on close.
 */
export function MarkNoShowDialog({ overlayClassName, container, children, ...rest }: MarkNoShowDialogProps) {
  const { id, labels, amounts, error } = usePart();
  return (
    <Dialog.Portal container={container}>
      <Dialog.Overlay className={overlayClassName} data-itutor="no-show-overlay" />
      {/* After a recorded no-show the trigger is gone, so Radix's return of focus to it does nothing:
          the root's focus on its result stands. */}
      <Dialog.Content {...rest} data-itutor="no-show-dialog">
        <Dialog.Title data-itutor-part="title">{labels.confirmNoShowTitle}</Dialog.Title>
        <Dialog.Description data-itutor-part="description">{labels.confirmNoShowDescription(...amounts)}</Dialog.Description>
        {error && (
          <p id={`${id}e`} role="alert" data-itutor-part="error">
            {(error.code === 'TUTOR_NOT_PRESENT' && labels.tutorNotPresent) ||
              (error.details.source === 'provider' && labels.studentInMeeting) ||
              error.message ||
              labels.genericError}
          </p>
        )}
        {children ?? (
          <div data-itutor-part="actions">
            <MarkNoShowCancel />
            <MarkNoShowConfirm />
          </div>
        )}
      </Dialog.Content>
    </Dialog.Portal>
  );
}

/** Closes the confirmation (disabled while the request runs). Content: children, else the `cancel` label. */
export function MarkNoShowCancel({ asChild, children, ...rest }: MarkNoShowPartProps) {
  const { labels, pending, cancelRef } = usePart();
  return (
    <Dialog.Close {...rest} ref={cancelRef} asChild={asChild} data-itutor-part="cancel" disabled={pending}>
      {children ?? labels.cancel}
    </Dialog.Close>
  );
}

/**
 * Records the no-show, once (further clicks while pending do nothing). While pending it says
 * "Marking…" and stays focusable (`aria-disabled`, `aria-busy`); after a refusal focus returns to it
 * while the reason is announced (`role="alert"`). Content: children, else the `markNoShow` / `markingNoShow` label.
 */
export function MarkNoShowConfirm({ asChild, children, onClick, ...rest }: MarkNoShowPartProps) {
  const { labels, view, pending, confirm, confirmRef } = usePart();
  const Button = asChild ? Slot : 'button';
  return (
    <Button
      type="button"
      {...rest}
      ref={confirmRef}
      data-itutor-part="confirm"
      disabled={!view.canMarkNoShow}
      aria-disabled={pending || undefined}
      aria-busy={pending}
      onClick={(event) => {
        onClick?.(event);
        if (!event.defaultPrevented && !pending) confirm();
      }}
    >
      {children ?? (pending ? labels.markingNoShow : labels.markNoShow)}
    </Button>
  );
}
