'use client';
import * as Dialog from '@radix-ui/react-dialog';
import {
  formatMoney,
  getCancellationPreview,
  isFinalStatus,
  toSessionError,
  useCallback,
  useEffect,
  useRef,
  useState,
  type CancellationQuoteJson,
  type PublicSession,
  type SessionError,
  type SessionJson,
} from './deps';
import { useSessionAction } from './action';
import { formatPercent } from './format';
import { useClockSelector, useOutcomeLabels } from './hooks';
import type { SessionLabelsInput } from './labels';
import { toPublicSessionInput, type SessionInput } from './state';

/**
 * A host-supplied fee preview: what cancelling now would be for the signed-in participant, instead of
 * `GET {basePath}/sessions/{id}/cancellation`. `signal` aborts when the dialog closes.
 */
export type FetchCancellationPreviewFunction = (sessionId: string, options: { readonly signal: AbortSignal }) => Promise<CancellationQuoteJson>;

/** What a cancellation posts: the fee the user was shown (minor units) and an optional reason. */
export type CancelSessionBody = {
  readonly expectedChargeMinor: number;
  readonly reason?: string;
};

/**
 * A host-supplied cancellation, instead of `POST {basePath}/sessions/{id}/cancel`. Refuse a fee that is no
 * longer the fee with a `CANCELLATION_FEE_CHANGED` error carrying the fee now in `details.quote`.
 */
export type CancelSessionFunction = (sessionId: string, body: CancelSessionBody) => Promise<{ readonly session: SessionJson | PublicSession }>;

/**
 * `data-state` of {@link CancelSessionButton}: closed, `available` (or `unknown` before an instant is
 * known); open, `loading` (the fee is being asked for), `ready` (the fee is stated), `preview-error`,
 * `pending` (the cancellation is being recorded), `error` (it failed: try again), `refused` (`TOO_LATE`,
 * `SESSION_FINAL`); `done` once cancelled.
 */
export type CancelSessionButtonState = 'unknown' | 'available' | 'loading' | 'ready' | 'preview-error' | 'pending' | 'error' | 'refused' | 'done';

/** Props of {@link CancelSessionButton}. */
export interface CancelSessionButtonProps {
  /** The session: its JSON form from the server, or a `PublicSession`. */
  readonly session: SessionInput;
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** Asks for the fee, instead of `GET {basePath}/sessions/{id}/cancellation`. */
  readonly fetchCancellationPreview?: FetchCancellationPreviewFunction;
  /** Records the cancellation, instead of `POST {basePath}/sessions/{id}/cancel`. */
  readonly cancelSession?: CancelSessionFunction;
  /** The canceller's reason, sent with the cancellation (1–500 characters; the server trims it). */
  readonly reason?: string;
  /** Called with the cancelled session (`CANCELLED`, or `CANCELLED_LATE` with its fee) after the cancellation. */
  readonly onCancelled?: (session: PublicSession) => void;
  /** Called when a cancellation was refused or failed (also for `CANCELLATION_FEE_CHANGED`, which asks again). */
  readonly onError?: (error: SessionError) => void;
  /** Label overrides (merged over the provider's). */
  readonly labels?: SessionLabelsInput;
  /** BCP 47 locale for the fee and its percentage. Default from the provider, else `en-TT`. */
  readonly locale?: string;
  /** Class of the wrapper element (which carries `data-state`). */
  readonly className?: string;
  /** Whether the dialog is open (controlled). Pair with `onOpenChange`. */
  readonly open?: boolean;
  /** Whether the dialog is open at first (uncontrolled). Default `false`. */
  readonly defaultOpen?: boolean;
  /** Called when the dialog wants to open or close; `false` after the cancellation. Not called while it is being recorded. */
  readonly onOpenChange?: (open: boolean) => void;
  /** Class of the dialog's content (it renders in a portal, outside the wrapper). */
  readonly dialogClassName?: string;
  /** Class of the dialog's overlay. */
  readonly overlayClassName?: string;
}

type Preview =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly quote: CancellationQuoteJson; readonly changed: boolean }
  | { readonly status: 'error'; readonly error: SessionError };

/** A quote as the server (or a host function) gave it, or `null` when it is not one: never a fee to show. */
function asQuote(value: unknown): CancellationQuoteJson | null {
  const q = value as Partial<CancellationQuoteJson> | null | undefined;
  const whole = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  return q && whole(q.chargeMinor) && whole(q.chargePercent) ? (q as CancellationQuoteJson) : null;
}

/** The refusal no retry can lift, if `error` is one. */
const refusalOf = (error: SessionError | null | undefined) => (error?.code === 'TOO_LATE' || error?.code === 'SESSION_FINAL' ? error.code : null);

/**
 * "Cancel session": a dialog that states what cancelling costs **now**, asked from the server when it
 * opens (`GET {basePath}/sessions/{id}/cancellation`, or `fetchCancellationPreview`): "Cancelling now is
 * free: nothing is charged." or "You will be charged TTD 75.00 (50%)." (core `formatMoney`; the
 * description is a polite live region, so the fee is read when it arrives). The fee holds until the
 * quote's `validUntil`; if the shared clock passes it while the dialog is open, the fee is asked for again
 * (the tier changed) and a change is announced. Confirm posts `POST {basePath}/sessions/{id}/cancel` with
 * `expectedChargeMinor`, the fee shown; if the server answers `CANCELLATION_FEE_CHANGED` the dialog
 * shows the new fee (`details.quote`) and asks to confirm again, so no fee is ever charged that the user
 * did not see. Confirm does nothing until a fee is shown (`aria-disabled`). A refusal no retry can lift
 * (`TOO_LATE`: the session started; `SESSION_FINAL`) disables it and says why. Success calls `onCancelled`,
 * closes the dialog and shows "Session cancelled." (`role="status"`, focused). Renders nothing once the
 * session is final or has started (unless the dialog is open).
 */
export function CancelSessionButton(props: CancelSessionButtonProps) {
  const { session, labels: base, locale, config, state: action, pending, run } = useSessionAction<
    { readonly session: SessionJson | PublicSession },
    CancelSessionBody
  >(props, 'cancel', props.cancelSession);
  const labels = useOutcomeLabels(base);
  const [ownOpen, setOwnOpen] = useState(!!props.defaultOpen);
  const open = props.open ?? ownOpen;
  const setOpen = (next: boolean) => {
    setOwnOpen(next);
    props.onOpenChange?.(next);
  };
  const [preview, setPreview] = useState<Preview>({ status: 'loading' });
  const [attemptError, setAttemptError] = useState<SessionError | null>(null);
  const request = useRef<AbortController | null>(null);
  const refs = { confirm: useRef<HTMLButtonElement>(null), keep: useRef<HTMLButtonElement>(null), retry: useRef<HTMLButtonElement>(null), result: useRef<HTMLParagraphElement>(null) };
  const done = action.status === 'succeeded';

  /** Asks for the fee; `shown` is the fee on screen, to tell a change. A later ask or a close drops the answer. */
  const load = (shown: CancellationQuoteJson | null) => {
    request.current?.abort();
    const controller = new AbortController();
    request.current = controller;
    setPreview({ status: 'loading' });
    const fetchQuote: FetchCancellationPreviewFunction =
      props.fetchCancellationPreview ?? ((id, { signal }) => getCancellationPreview(id, { basePath: props.basePath ?? config.basePath, signal }));
    const settle = (next: Preview) => request.current === controller && setPreview(next);
    fetchQuote(session.id, { signal: controller.signal }).then(
      (answer) => {
        const quote = asQuote(answer);
        settle(quote ? { status: 'ready', quote, changed: !!shown && shown.chargeMinor !== quote.chargeMinor } : { status: 'error', error: toSessionError({ message: '' }) });
      },
      (thrown) => settle({ status: 'error', error: toSessionError(thrown) }),
    );
  };

  // The fee is asked for each time the dialog opens; closing drops the request in flight.
  useEffect(() => {
    if (!open) return;
    setAttemptError(null);
    load(null);
    return () => {
      request.current?.abort();
      request.current = null;
    };
  }, [open]); // eslint-disable-line react-hooks/exhaustive-deps

  // Past `validUntil` another tier applies: ask again, once per quote (a server clock behind ours
  // answers the same quote; the cancellation itself is then judged by the server, which refuses a stale fee).
  const until = preview.status === 'ready' ? new Date(preview.quote.validUntil).getTime() : NaN;
  const expired = useClockSelector(useCallback((now: number | null) => now !== null && now > until, [until]), Object.is);
  const askedFor = useRef(NaN);
  useEffect(() => {
    if (!open || pending || !expired || preview.status !== 'ready' || askedFor.current === until) return;
    askedFor.current = until;
    load(preview.quote);
  }); // eslint-disable-line react-hooks/exhaustive-deps

  const started = useClockSelector(
    useCallback((now: number | null) => (now === null ? null : now >= +session.scheduledStartAt), [session]),
    Object.is,
  );
  const refused = refusalOf(preview.status === 'error' ? preview.error : null) ?? refusalOf(attemptError);
  const ready = preview.status === 'ready' && !refused;

  // Focus: on the result after success; on Try again after a failed preview; after a failed cancellation
  // on Confirm (on Keep when a refusal disabled it).
  useEffect(() => {
    const confirm = refs.confirm.current;
    const target = done
      ? refs.result.current
      : refused && (attemptError || preview.status === 'error')
        ? refs.keep.current
        : preview.status === 'error'
          ? refs.retry.current
          : attemptError
            ? confirm?.matches(':disabled')
              ? refs.keep.current
              : confirm
            : null;
    target?.focus();
  }, [done, attemptError, preview]); // eslint-disable-line react-hooks/exhaustive-deps

  if (done) {
    return (
      <p ref={refs.result} tabIndex={-1} role="status" className={props.className} data-itutor="cancel" data-state="done">
        {labels.sessionCancelled}
      </p>
    );
  }
  if (!open && (isFinalStatus(session.status) || started)) return null;

  const confirm = async () => {
    if (!ready || pending) return;
    setAttemptError(null);
    const quote = preview.quote;
    const reason = props.reason?.trim();
    const outcome = await run({ expectedChargeMinor: quote.chargeMinor, ...(reason ? { reason } : {}) });
    if (!outcome) return;
    if (outcome.status === 'succeeded') {
      setOpen(false);
      props.onCancelled?.(toPublicSessionInput(outcome.result.session));
      return;
    }
    setAttemptError(outcome.error);
    if (outcome.error.code !== 'CANCELLATION_FEE_CHANGED') return;
    // The fee now, as the server judged it: shown, and confirmed again (or asked for, if it sent none).
    const next = asQuote(outcome.error.details.quote);
    if (!next) return load(quote);
    request.current?.abort();
    request.current = null;
    setPreview({ status: 'ready', quote: next, changed: true });
  };

  const fee = (quote: CancellationQuoteJson) =>
    quote.chargeMinor === 0
      ? labels.cancelFree
      : labels.cancelFee(formatMoney(quote.chargeMinor, { currency: session.currency, locale }), formatPercent(quote.chargePercent * 100, locale));
  const alert = refused
    ? refused === 'TOO_LATE'
      ? labels.cancelTooLate
      : labels.cancelSessionFinal
    : preview.status === 'error'
      ? `${labels.cancelPreviewError} ${preview.error.message}`.trim()
      : ready && preview.changed
        ? labels.cancelFeeChanged
        : attemptError && (attemptError.message || labels.genericError);
  const state: CancelSessionButtonState = !open
    ? started === null
      ? 'unknown'
      : 'available'
    : pending
      ? 'pending'
      : refused
        ? 'refused'
        : preview.status === 'error'
          ? 'preview-error'
          : preview.status === 'loading'
            ? 'loading'
            : attemptError && !preview.changed
              ? 'error'
              : 'ready';

  return (
    <div className={props.className} data-itutor="cancel" data-state={state}>
      {/* While the cancellation is recorded, nothing closes the dialog (Escape, outside click, Keep). */}
      <Dialog.Root open={open} onOpenChange={(next) => (pending && !next) || setOpen(next)}>
        <Dialog.Trigger data-itutor-part="button" disabled={started !== false}>
          {labels.cancelSession}
        </Dialog.Trigger>
        <Dialog.Portal>
          <Dialog.Overlay className={props.overlayClassName} data-itutor="cancel-overlay" />
          <Dialog.Content className={props.dialogClassName} data-itutor="cancel-dialog" aria-busy={preview.status === 'loading'}>
            <Dialog.Title data-itutor-part="title">{labels.confirmCancelTitle}</Dialog.Title>
            {/* Live, so the fee is read when it arrives (and when it changes), not only on opening. */}
            <Dialog.Description data-itutor-part="description" aria-live="polite">
              {preview.status === 'loading' ? labels.cancelPreviewLoading : ready ? fee(preview.quote) : ''}
            </Dialog.Description>
            {alert && (
              <p role="alert" data-itutor-part="error">
                {alert}
              </p>
            )}
            <div data-itutor-part="actions">
              <Dialog.Close ref={refs.keep} data-itutor-part="cancel" disabled={pending}>
                {labels.keepSession}
              </Dialog.Close>
              {preview.status === 'error' && !refused && (
                <button ref={refs.retry} type="button" data-itutor-part="retry" onClick={() => load(null)}>
                  {labels.retry}
                </button>
              )}
              {/* Focusable while no fee is shown (`aria-disabled`), so a re-ask never drops focus; a click then does nothing. */}
              <button
                ref={refs.confirm}
                type="button"
                data-itutor-part="confirm"
                disabled={!!refused}
                aria-disabled={!ready || pending || undefined}
                aria-busy={pending}
                onClick={confirm}
              >
                {pending ? labels.cancellingSession : labels.cancelSession}
              </button>
            </div>
          </Dialog.Content>
        </Dialog.Portal>
      </Dialog.Root>
    </div>
  );
}
