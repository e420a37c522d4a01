'use client';
import type { DisputeReason, DisputeViewJson, SessionError } from '@itutor/sessions-core/client';
import * as Dialog from '@radix-ui/react-dialog';
import { useClockSelector } from '@itutor/sessions-react';
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { resolveReportLabels, type ReportLabels } from './dispute-labels';
import { DISPUTE_REASON_ORDER, MessageField, errorText, useDisputeKit, type DisputeKit, type DisputeSourceProps } from './dispute-parts';

/**
 * `data-state` of {@link OpenDisputeButton}: `available` (closed), `open` (the dialog), `pending` (sending),
 * `error` (refused or failed: see the alert), `closed` (the window closed while the dialog was open), `done`.
 */
export type OpenDisputeButtonState = 'available' | 'open' | 'pending' | 'error' | 'closed' | 'done';

/** Props of {@link OpenDisputeButton}. */
export interface OpenDisputeButtonProps extends DisputeSourceProps {
  /** Class of the wrapper element (which carries `data-state`). */
  readonly className?: string;
  /** Class of the dialog's content (it renders in a portal, outside the wrapper). */
  readonly dialogClassName?: string;
  /** Class of the dialog's overlay. */
  readonly overlayClassName?: string;
  /** Whether the dialog is open at first. Default `false`. */
  readonly defaultOpen?: boolean;
  /** Called with the new view after the dispute was opened. */
  readonly onOpened?: (view: DisputeViewJson) => void;
}

/** Whole minutes left before `closesAt` (epoch ms) on the shared clock; `-1` once it passed; `null` without an instant. */
function useMinutesLeft(closesAt: string | null | undefined): number | null {
  const until = closesAt ? Date.parse(closesAt) : NaN;
  return useClockSelector(
    useCallback((now: number | null) => (now === null || Number.isNaN(until) ? null : now >= until ? -1 : Math.floor((until - now) / 60_000)), [until]),
    Object.is,
  );
}

/**
 * "Report a problem": the student's way to open the session's dispute, shown only while the view says
 * `canOpen` (the student, a succeeded charge, no dispute yet, inside the window). Opens a dialog with the
 * reason (five, in plain words), the message (1–2000 characters, counted) and how long the window stays
 * open ("You can report a problem until 17 Jan 2026, 16:00 (2 days 3 hours left)."), counted on the shared
 * clock; once it passes, sending is refused in place. Sends `POST {basePath}/sessions/{id}/dispute`
 * (through `useDispute`, or the `dispute` you pass); a missing field is said next to it (and focused), a
 * refusal in an alert (`DISPUTE_WINDOW_CLOSED`, `DISPUTE_EXISTS`, `NOTHING_TO_DISPUTE`, …, focus back on
 * Send). Success closes the dialog, calls `onOpened(view)` and shows "Problem reported…" (`role="status"`,
 * focused).
 */
export function OpenDisputeButton(props: OpenDisputeButtonProps) {
  const kit = useDisputeKit(props, resolveReportLabels);
  const { dispute, labels } = kit;
  const [open, setOpen] = useState(!!props.defaultOpen);
  const [done, setDone] = useState(false);
  const resultRef = useRef<HTMLParagraphElement>(null);
  const minutesLeft = useMinutesLeft(dispute.view?.windowClosesAt);

  useEffect(() => void (done && resultRef.current?.focus()), [done]);

  if (done) {
    return (
      <p ref={resultRef} tabIndex={-1} role="status" className={props.className} data-itutor="dispute-open" data-state="done">
        {labels.reported}
      </p>
    );
  }
  if (!open && (!dispute.view?.canOpen || minutesLeft === -1)) return null;

  const opened = (view: DisputeViewJson) => {
    setDone(true);
    setOpen(false);
    props.onOpened?.(view);
  };
  return (
    <OpenDisputeDialog kit={kit} props={props} open={open} setOpen={setOpen} minutesLeft={minutesLeft} onOpened={opened} />
  );
}

/** What the dialog is given by the root (internal). */
interface OpenDisputeDialogProps {
  readonly kit: DisputeKit<ReportLabels>;
  readonly props: OpenDisputeButtonProps;
  readonly open: boolean;
  readonly setOpen: (open: boolean) => void;
  readonly minutesLeft: number | null;
  readonly onOpened: (view: DisputeViewJson) => void;
}

/** The trigger and the dialog's form (internal). */
function OpenDisputeDialog({ kit, props, open, setOpen, minutesLeft, onOpened }: OpenDisputeDialogProps) {
  const { dispute, labels } = kit;
  const id = useId();
  const [reason, setReason] = useState<DisputeReason | ''>('');
  const [message, setMessage] = useState('');
  const [invalid, setInvalid] = useState<{ reason: string | null; message: string | null }>({ reason: null, message: null });
  const [attemptError, setAttemptError] = useState<SessionError | null>(null);
  const reasonRef = useRef<HTMLSelectElement>(null);
  const messageRef = useRef<HTMLTextAreaElement>(null);
  const sendRef = useRef<HTMLButtonElement>(null);
  const closed = minutesLeft === -1 || attemptError?.code === 'DISPUTE_WINDOW_CLOSED';
  const pending = dispute.pending;

  // A closed dialog forgets the last failure (the draft stays); after a refusal focus is on Send (on Cancel
  // once Send can do nothing). Send stays focusable while it can do nothing (`aria-disabled`), so focus never drops.
  useEffect(() => {
    if (open) return;
    setAttemptError(null);
    setInvalid({ reason: null, message: null });
  }, [open]);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (attemptError) (closed ? cancelRef : sendRef).current?.focus();
  }, [attemptError]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (pending || closed) return;
    const next = { reason: reason ? null : labels.reasonRequired, message: message.trim() ? null : labels.messageRequired };
    setInvalid(next);
    if (next.reason || next.message) return (next.reason ? reasonRef : messageRef).current?.focus();
    setAttemptError(null);
    const outcome = await dispute.open({ reason: reason as DisputeReason, message });
    if (outcome?.status === 'succeeded') onOpened(outcome.result);
    else if (outcome?.status === 'failed') {
      setAttemptError(outcome.error);
      props.onError?.(outcome.error);
    }
  };

  const closesAt = dispute.view?.windowClosesAt ?? null;
  const left = minutesLeft !== null && minutesLeft >= 0 ? labels.timeLeft(Math.floor(minutesLeft / 1440), Math.floor((minutesLeft % 1440) / 60), minutesLeft % 60) : '';
  const windowText = closed ? labels.windowClosed : closesAt ? labels.windowOpenUntil(kit.date(closesAt)!, left) : '';
  const alert = attemptError && attemptError.code !== 'DISPUTE_WINDOW_CLOSED' ? errorText(attemptError, labels) : null;
  const state: OpenDisputeButtonState = !open ? 'available' : pending ? 'pending' : closed ? 'closed' : attemptError ? 'error' : 'open';

  return (
    <div className={props.className} data-itutor="dispute-open" data-state={state}>
      {/* While the report is being sent, nothing closes the dialog (Escape, outside click, Cancel). */}
      <Dialog.Root open={open} onOpenChange={(next) => (pending && !next) || setOpen(next)}>
        <Dialog.Trigger data-itutor-part="button">{labels.reportProblem}</Dialog.Trigger>
        <Dialog.Portal>
          <Dialog.Overlay className={props.overlayClassName} data-itutor="dispute-overlay" />
          <Dialog.Content className={props.dialogClassName} data-itutor="dispute-dialog" onCloseAutoFocus={(e) => dispute.view?.canOpen || e.preventDefault()}>
            <Dialog.Title data-itutor-part="title">{labels.reportTitle}</Dialog.Title>
            {/* Live, so the window closing while the dialog is open is read out. */}
            <Dialog.Description data-itutor-part="description" aria-live="polite">
              {windowText}
            </Dialog.Description>
            <form onSubmit={submit} noValidate>
              <div data-itutor-part="field">
                <label htmlFor={`${id}-reason`}>{labels.reasonLabel}</label>
                <select
                  id={`${id}-reason`}
                  ref={reasonRef}
                  value={reason}
                  required
                  aria-invalid={invalid.reason ? true : undefined}
                  aria-describedby={invalid.reason ? `${id}-reason-error` : undefined}
                  onChange={(e) => setReason(e.target.value as DisputeReason)}
                >
                  <option value="" disabled>
                    {labels.reasonPlaceholder}
                  </option>
                  {DISPUTE_REASON_ORDER.map((r) => (
                    <option key={r} value={r}>
                      {labels.reasons[r]}
                    </option>
                  ))}
                </select>
                {invalid.reason && (
                  <p id={`${id}-reason-error`} data-itutor-part="field-error">
                    {invalid.reason}
                  </p>
                )}
              </div>
              <MessageField
                id={`${id}-message`}
                label={labels.messageLabel}
                value={message}
                onChange={setMessage}
                error={invalid.message}
                required
                disabled={pending}
                fieldRef={messageRef}
                labels={labels}
              />
              {alert && (
                <p role="alert" data-itutor-part="error">
                  {alert}
                </p>
              )}
              <div data-itutor-part="actions">
                <Dialog.Close ref={cancelRef} type="button" data-itutor-part="cancel" disabled={pending}>
                  {labels.cancel}
                </Dialog.Close>
                <button ref={sendRef} type="submit" data-itutor-part="confirm" aria-disabled={pending || closed || undefined} aria-busy={pending}>
                  {pending ? labels.sending : labels.send}
                </button>
              </div>
            </form>
          </Dialog.Content>
        </Dialog.Portal>
      </Dialog.Root>
    </div>
  );
}
