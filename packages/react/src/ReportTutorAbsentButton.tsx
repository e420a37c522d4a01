'use client';
import * as Dialog from '@radix-ui/react-dialog';
import type { ComponentPropsWithoutRef } from 'react';
import {
  createContext,
  Slot,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
  type ButtonHTMLAttributes,
  type ParticipantRole,
  type PublicSession,
  type ReactNode,
  type RefObject,
  type SessionError,
  type SessionJson,
} from './deps';
import { useSessionAction } from './action';
import { visuallyHidden } from './format';
import { useOutcomeLabels, useTutorAbsentState, type TutorAbsentHookState } from './hooks';
import type { SessionLabels, SessionLabelsInput } from './labels';
import type { SessionOutcomeLabels } from './outcome-labels';
import { toPublicSessionInput, type SessionInput, type TutorAbsentPhase } from './state';

/** A host-supplied report of the tutor's absence: records it server-side and returns the settled session. */
export type ReportTutorAbsentFunction = (sessionId: string) => Promise<{ readonly session: SessionJson | PublicSession }>;

/** `data-state` values of the tutor-absence wrapper. */
export type ReportTutorAbsentButtonState = Exclude<TutorAbsentPhase, 'hidden'> | 'pending' | 'error' | 'done';

/** Props of {@link ReportTutorAbsentButton}. */
export interface ReportTutorAbsentButtonProps {
  /** The session: its JSON form from the server, or a `PublicSession`. */
  readonly session: SessionInput;
  /** Who is looking. Nothing renders for a tutor. */
  readonly role: ParticipantRole;
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** Records the report, instead of `POST {basePath}/sessions/{id}/report-tutor-absent`. */
  readonly reportTutorAbsent?: ReportTutorAbsentFunction;
  /**
   * The tutor's earliest join as the video provider reports it (`useSessionAttendance(id).attendance
   * ?.summary.tutorJoinedAt` from `@itutor/sessions-react/attendance`). A join within the wait hides the
   * button, as a join through our Join button does: the tutor came.
   */
  readonly providerTutorJoinedAt?: Date | string | null;
  /**
   * The student's earliest join as the video provider reports it (`summary.studentJoinedAt`). The
   * presence rule: a student may report the tutor absent only once their own presence is recorded, by our
   * Join button (the session's `studentJoinedAt`) or by this report; without either the button stays
   * disabled after the wait and says why (`studentNotPresent`).
   */
  readonly providerStudentJoinedAt?: Date | string | null;
  /** Called with the settled session (`NO_SHOW_TUTOR`) after the report was recorded. */
  readonly onSuccess?: (session: PublicSession) => void;
  /** Called when the server refused or the request failed. */
  readonly onError?: (error: SessionError) => void;
  /** Label overrides (merged over the provider's). */
  readonly labels?: SessionLabelsInput;
  /** BCP 47 locale. Default from the provider, else `en-TT`. */
  readonly locale?: string;
  /** Class of the wrapper element (which carries `data-state`). */
  readonly className?: string;
  /** Whether the confirmation is open (controlled). Pair with `onOpenChange`. */
  readonly open?: boolean;
  /** Whether the confirmation is open at first (uncontrolled). Default `false`. */
  readonly defaultOpen?: boolean;
  /**
   * Called when the confirmation wants to open or close: the trigger, Cancel, Escape, an outside click,
   * and `false` after a recorded report. Not called for a close while the request is pending.
   */
  readonly onOpenChange?: (open: boolean) => void;
  /** Class of the default dialog's content (it renders in a portal, outside the wrapper). */
  readonly dialogClassName?: string;
  /** Class of the default dialog's overlay. */
  readonly overlayClassName?: string;
  /**
   * Your own composition of the parts, in place of the default `<ReportTutorAbsentTrigger />` and
   * `<ReportTutorAbsentDialog className={dialogClassName} overlayClassName={overlayClassName} />`.
   */
  readonly children?: ReactNode;
}

interface TutorAbsentContextValue {
  readonly id: string;
  readonly labels: SessionLabels & SessionOutcomeLabels;
  readonly view: TutorAbsentHookState;
  readonly pending: boolean;
  readonly error: SessionError | null;
  readonly confirm: () => void;
  readonly confirmRef: RefObject<HTMLButtonElement | null>;
  readonly cancelRef: RefObject<HTMLButtonElement | null>;
}

// Pure: a page without this button drops it (a bare call would stay in every bundle).
const TutorAbsentContext = /* @__PURE__ */ createContext<TutorAbsentContextValue | null>(null);

function usePart(): TutorAbsentContextValue {
  const context = useContext(TutorAbsentContext);
  if (!context) throw new Error('No <ReportTutorAbsentButton> above');
  return context;
}

/**
 * The student's "Report tutor absent" button: the counterpart of the tutor's `MarkNoShowButton`, with the
 * same parts, states, clock and accessibility. Disabled with a countdown (`data-itutor-part="status"`)
 * until the no-show wait is over (`noShowEligibleAt`, the same instant the tutor's no-show opens); then,
 * while the student's own presence is not recorded (the presence rule: the session's `studentJoinedAt`
 * from our Join button, or `providerStudentJoinedAt`), it stays disabled and says why ("Join the session
 * first to report your tutor absent.", `data-state="not-present"`), as it does after the server's
 * `STUDENT_NOT_PRESENT` refusal until the host passes a newer session (another `version`) or another report. Otherwise it asks for
 * confirmation in a dialog that says nothing is charged, and records the absence through the server
 * (`POST {basePath}/sessions/{id}/report-tutor-absent`: the session settles as `NO_SHOW_TUTOR`). A
 * polite live region announces once when the report becomes possible (or, instead, that the student
 * must join first) while the button is on screen; the countdown itself is not live. Renders nothing for
 * a tutor, once the tutor joined within the wait (by our Join button or `providerTutorJoinedAt`), or once
 * the session is final. After a recorded report, "Tutor absence reported. You will not be charged."
 * (`role="status"`) in place of the button, and focus moves there.
 *
 * It is also the root of its parts (`ReportTutorAbsentTrigger`, `ReportTutorAbsentDialog`,
 * `ReportTutorAbsentCancel`, `ReportTutorAbsentConfirm`). Open or close the confirmation yourself with
 * `open` / `onOpenChange` (or start it open with `defaultOpen`).
 */
export function ReportTutorAbsentButton(props: ReportTutorAbsentButtonProps) {
  return props.role === 'student' ? <StudentRoot {...props} /> : null;
}

function StudentRoot(props: ReportTutorAbsentButtonProps) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const resultRef = useRef<HTMLParagraphElement>(null);
  const api = useSessionAction(props, 'report-tutor-absent', props.reportTutorAbsent);
  const { session, state: action, pending, error, notBefore, run } = api;
  const labels = useOutcomeLabels(api.labels);
  const { providerStudentJoinedAt, providerTutorJoinedAt } = props;
  const guarded = useTutorAbsentState(session, { notBefore, labels: props.labels, providerStudentJoinedAt, providerTutorJoinedAt });
  // The server's `STUDENT_NOT_PRESENT` holds like the guard's own answer while the session's version and
  // the provider's report are unchanged (by value); a newer one lifts it (as `MarkNoShowButton` does).
  const presence = `${session.version} ${providerStudentJoinedAt && +new Date(providerStudentJoinedAt)}`;
  const [refusedFor, setRefusedFor] = useState<string | null>(null);
  const serverNotPresent = refusedFor === presence;
  const view: TutorAbsentHookState =
    serverNotPresent && guarded.phase !== 'hidden' ? { ...guarded, phase: 'not-present', canReport: false, countdown: null } : guarded;
  const [ownOpen, setOwnOpen] = useState(!!props.defaultOpen);
  const open = props.open ?? ownOpen;
  const setOpen = (next: boolean) => {
    setOwnOpen(next);
    props.onOpenChange?.(next);
  };
  const id = useId();
  const done = action.status === 'succeeded';
  // Focus as in `MarkNoShowButton`: after a refusal on Confirm, or on Cancel when Confirm is now disabled;
  // after success on the result.
  useEffect(() => {
    const confirm = confirmRef.current;
    (done ? resultRef.current : action.status === 'failed' ? (confirm?.matches(':disabled') ? cancelRef.current : confirm) : null)?.focus();
  }, [action, done, serverNotPresent]);

  // Announced once when the wait ends on screen (the region's text changes once), never every second.
  const sawWaiting = useRef(false);
  if (view.phase === 'waiting') sawWaiting.current = true;
  const announcement =
    !sawWaiting.current ? '' : view.phase === 'open' ? labels.tutorAbsentAvailableAnnouncement : view.phase === 'not-present' ? labels.studentNotPresent : '';

  if (done) {
    return (
      <p ref={resultRef} tabIndex={-1} role="status" className={props.className} data-itutor="tutor-absent" data-state="done">
        {labels.tutorAbsentReported}
      </p>
    );
  }
  if (view.phase === 'hidden') return null;

  const confirm = async () => {
    const outcome = await run();
    if (outcome?.status === 'failed' && outcome.error.code === 'STUDENT_NOT_PRESENT') setRefusedFor(presence);
    if (outcome?.status !== 'succeeded') return;
    setOpen(false);
    props.onSuccess?.(toPublicSessionInput(outcome.result.session));
  };
  const value: TutorAbsentContextValue = { id, labels, view, pending, error, confirm, confirmRef, cancelRef };
  const state: ReportTutorAbsentButtonState = pending ? 'pending' : error && view.phase !== 'not-present' ? 'error' : view.phase;
  const status = view.countdown ? labels.tutorAbsentAvailableIn(view.countdown) : view.phase === 'not-present' && labels.studentNotPresent;

  return (
    <TutorAbsentContext.Provider value={value}>
      <div className={props.className} data-itutor="tutor-absent" data-state={state}>
        {/* While the request runs, nothing closes the dialog (Escape, outside click, Cancel). */}
        <Dialog.Root open={open} onOpenChange={(next) => (pending && !next) || setOpen(next)}>
          {props.children ?? [
            <ReportTutorAbsentTrigger key="t" />,
            <ReportTutorAbsentDialog key="d" className={props.dialogClassName} overlayClassName={props.overlayClassName} />,
          ]}
        </Dialog.Root>
        {status && (
          <p id={`${id}s`} data-itutor-part="status">
            {status}
          </p>
        )}
        <span role="status" data-itutor-part="announcer" style={visuallyHidden}>
          {announcement}
        </span>
      </div>
    </TutorAbsentContext.Provider>
  );
}

/** Props of the tutor-absence button parts: a `<button>`'s, plus `asChild` to render your own element instead. */
export interface ReportTutorAbsentPartProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  /** Render the single child as this part (it gets the part's props; the label when it has no children). */
  readonly asChild?: boolean;
}

/**
 * Opens the confirmation. Disabled until the tutor can be reported absent, and described meanwhile by the
 * countdown ("You can report your tutor absent in 14:00") or, after the wait while the student's presence
 * is not recorded, by why ("Join the session first to report your tutor absent."); the root renders both
 * after its children. Content: children, else the `reportTutorAbsent` label.
 */
export function ReportTutorAbsentTrigger({ asChild, children, ...rest }: ReportTutorAbsentPartProps) {
  const { id, view, labels } = usePart();
  return (
    <Dialog.Trigger
      {...rest}
      asChild={asChild}
      data-itutor-part="button"
      disabled={!view.canReport}
      aria-describedby={view.countdown || view.phase === 'not-present' ? `${id}s` : undefined}
    >
      {children ?? labels.reportTutorAbsent}
    </Dialog.Trigger>
  );
}

/** Props of {@link ReportTutorAbsentDialog}: Radix `Dialog.Content`'s, plus the overlay's class and the portal's container. */
export interface ReportTutorAbsentDialogProps extends Omit<ComponentPropsWithoutRef<typeof Dialog.Content>, 'asChild'> {
  /** Class of the overlay (`data-itutor="tutor-absent-overlay"`). */
  readonly overlayClassName?: string;
  /** Where the portal renders. Default `document.body`. */
  readonly container?: HTMLElement | null;
}

/**
 * The confirmation: a modal dialog in a portal, over an overlay, titled and described by the labels
 * (the session ends and nothing is charged), with the server's refusal when there is one
 * (`role="alert"`; for `STUDENT_NOT_PRESENT`, the `studentNotPresent` label). Children: its actions,
 * default `ReportTutorAbsentCancel` and `ReportTutorAbsentConfirm` in a `data-itutor-part="actions"` row.
 * Focus is trapped inside and returns to the trigger on close.
 */
export function ReportTutorAbsentDialog({ overlayClassName, container, children, ...rest }: ReportTutorAbsentDialogProps) {
  const { labels, error } = usePart();
  return (
    <Dialog.Portal container={container}>
      <Dialog.Overlay className={overlayClassName} data-itutor="tutor-absent-overlay" />
      <Dialog.Content {...rest} data-itutor="tutor-absent-dialog">
        <Dialog.Title data-itutor-part="title">{labels.confirmTutorAbsentTitle}</Dialog.Title>
        <Dialog.Description data-itutor-part="description">{labels.confirmTutorAbsentDescription}</Dialog.Description>
        {error && (
          <p role="alert" data-itutor-part="error">
            {(error.code === 'STUDENT_NOT_PRESENT' && labels.studentNotPresent) || error.message || labels.genericError}
          </p>
        )}
        {children ?? (
          <div data-itutor-part="actions">
            <ReportTutorAbsentCancel />
            <ReportTutorAbsentConfirm />
          </div>
        )}
      </Dialog.Content>
    </Dialog.Portal>
  );
}

/** Closes the confirmation (disabled while the request runs). Content: children, else the `cancel` label. */
export function ReportTutorAbsentCancel({ asChild, children, ...rest }: ReportTutorAbsentPartProps) {
  const { labels, pending, cancelRef } = usePart();
  return (
    <Dialog.Close {...rest} ref={cancelRef} asChild={asChild} data-itutor-part="cancel" disabled={pending}>
      {children ?? labels.cancel}
    </Dialog.Close>
  );
}

/**
 * Records the report, once (further clicks while pending do nothing). While pending it says
 * "Reporting…" and stays focusable (`aria-disabled`, `aria-busy`); after a refusal focus returns to it
 * while the reason is announced (`role="alert"`), or to Cancel when the refusal disabled it. Content:
 * children, else the `reportTutorAbsent` / `reportingTutorAbsent` label.
 */
export function ReportTutorAbsentConfirm({ asChild, children, onClick, ...rest }: ReportTutorAbsentPartProps) {
  const { labels, view, pending, confirm, confirmRef } = usePart();
  const Button = asChild ? Slot : 'button';
  return (
    <Button
      type="button"
      {...rest}
      ref={confirmRef}
      data-itutor-part="confirm"
      disabled={!view.canReport}
      aria-disabled={pending || undefined}
      aria-busy={pending}
      onClick={(event) => {
        onClick?.(event);
        if (!event.defaultPrevented && !pending) confirm();
      }}
    >
      {children ?? (pending ? labels.reportingTutorAbsent : labels.reportTutorAbsent)}
    </Button>
  );
}
