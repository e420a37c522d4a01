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
  type RefObject,
  type SessionError,
  type SessionJson,
} from './deps';
import { useSessionAction } from './action';
import { formatPercent } from './format';
import { useClockSelector, useOutcomeLabels } from './hooks';
import type { SessionLabels, SessionLabelsInput } from './labels';
import type { SessionOutcomeLabels } from './outcome-labels';
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

/** The fee preview of an open dialog (internal): what {@link useFeePreview} keeps. */
interface FeePreview {
  readonly preview: Preview;
  /** Asks for the fee; `shown` is the fee on screen, to tell a change. */
  readonly load: (shown: CancellationQuoteJson | null) => void;
  /** Shows `quote` as the fee now (the server's, from a refusal), changed from the one on screen. */
  readonly show: (quote: CancellationQuoteJson) => void;
}

/**
 * The fee preview (internal): asked for each time the dialog opens, dropped (aborted) when it closes or
 * when a later ask replaces it, and asked for again once per quote when the shared clock passes its
 * `validUntil` (another tier applies). A server whose clock is behind ours answers the same quote: it is
 * not asked again, and the cancellation itself is judged by the server, which refuses a stale fee.
 */
function useFeePreview(props: CancelSessionButtonProps, sessionId: string, basePath: string, open: boolean, pending: boolean): FeePreview {
  const [preview, setPreview] = useState<Preview>({ status: 'loading' });
  const request = useRef<AbortController | null>(null);
  const drop = () => {
    request.current?.abort();
    request.current = null;
  };
  const load = (shown: CancellationQuoteJson | null) => {
    drop();
    const controller = new AbortController();
    request.current = controller;
    setPreview({ status: 'loading' });
    const fetchQuote: FetchCancellationPreviewFunction =
      props.fetchCancellationPreview ?? ((id, { signal }) => getCancellationPreview(id, { basePath, signal }));
    const settle = (next: Preview) => request.current === controller && setPreview(next);
    fetchQuote(sessionId, { signal: controller.signal }).then(
      (answer) => {
        const quote = asQuote(answer);
        // Not a quote: a failed preview (a `REQUEST_FAILED` without words), never a fee to confirm.
        settle(quote ? { status: 'ready', quote, changed: !!shown && shown.chargeMinor !== quote.chargeMinor } : { status: 'error', error: toSessionError({}) });
      },
      (thrown) => settle({ status: 'error', error: toSessionError(thrown) }),
    );
  };

  useEffect(() => {
    if (!open) return;
    load(null);
    return () => {
      drop();
      // Closed: the next opening starts from "checking", never from a fee shown before.
      setPreview({ status: 'loading' });
    };
  }, [open]); // eslint-disable-line react-hooks/exhaustive-deps

  const until = preview.status === 'ready' ? new Date(preview.quote.validUntil).getTime() : NaN;
  const expired = useClockSelector(useCallback((now: number | null) => now !== null && now > until, [until]), Object.is);
  const askedFor = useRef(NaN);
  useEffect(() => {
    if (!open || pending || !expired || preview.status !== 'ready' || askedFor.current === until) return;
    askedFor.current = until;
    load(preview.quote);
  });

  return {
    preview,
    load,
    show: (quote) => {
      drop();
      setPreview({ status: 'ready', quote, changed: true });
    },
  };
}

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
  const { preview, load, show } = useFeePreview(props, session.id, props.basePath ?? config.basePath, open, pending);
  const [attemptError, setAttemptError] = useState<SessionError | null>(null);
  // A closed dialog forgets the last failure: the next opening shows only what it finds.
  useEffect(() => void (open || setAttemptError(null)), [open]);
  const refs: CancelRefs = { confirm: useRef(null), keep: useRef(null), retry: useRef(null) };
  const resultRef = useRef<HTMLParagraphElement>(null);
  const done = action.status === 'succeeded';
  const started = useClockSelector(
    useCallback((now: number | null) => (now === null ? null : now >= +session.scheduledStartAt), [session]),
    Object.is,
  );
  const refused = refusalOf(preview.status === 'error' ? preview.error : null) ?? refusalOf(attemptError);

  // Focus: on the result after success; on Keep after a refusal; on Try again after a failed preview;
  // after a failed cancellation on Confirm (on Keep when it is now disabled).
  useEffect(() => {
    const confirm = refs.confirm.current;
    const target = done
      ? resultRef.current
      : refused && (attemptError || preview.status === 'error')
        ? refs.keep.current
        : preview.status === 'error'
          ? refs.retry.current
          : attemptError && !confirm?.matches(':disabled')
            ? confirm
            : null;
    target?.focus();
  }, [done, attemptError, preview]); // eslint-disable-line react-hooks/exhaustive-deps

  if (done) {
    return (
      <p ref={resultRef} tabIndex={-1} role="status" className={props.className} data-itutor="cancel" data-state="done">
        {labels.sessionCancelled}
      </p>
    );
  }
  if (!open && (isFinalStatus(session.status) || started)) return null;

  const confirm = async () => {
    if (preview.status !== 'ready' || refused || pending) return;
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
    if (next) show(next);
    else load(quote);
  };

  const fee = (quote: CancellationQuoteJson) =>
    quote.chargeMinor === 0
      ? labels.cancelFree
      : labels.cancelFee(formatMoney(quote.chargeMinor, { currency: session.currency, locale }), formatPercent(quote.chargePercent * 100, locale));
  const view: CancelView = {
    labels,
    refs,
    pending,
    refused,
    loading: preview.status === 'loading',
    previewFailed: preview.status === 'error' && !refused,
    ready: preview.status === 'ready' && !refused,
    description: preview.status === 'loading' ? labels.cancelPreviewLoading : preview.status === 'ready' && !refused ? fee(preview.quote) : '',
    alert: refused
      ? refused === 'TOO_LATE'
        ? labels.cancelTooLate
        : labels.cancelSessionFinal
      : preview.status === 'error'
        ? `${labels.cancelPreviewError} ${preview.error.message}`.trim()
        : preview.status === 'ready' && preview.changed
          ? labels.cancelFeeChanged
          : attemptError && (attemptError.message || labels.genericError),
    retry: () => load(null),
    confirm,
  };
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
          <CancelDialogContent className={props.dialogClassName} view={view} />
        </Dialog.Portal>
      </Dialog.Root>
    </div>
  );
}

/** The dialog's buttons that take focus (internal). */
interface CancelRefs {
  readonly confirm: RefObject<HTMLButtonElement | null>;
  readonly keep: RefObject<HTMLButtonElement | null>;
  readonly retry: RefObject<HTMLButtonElement | null>;
}

/** What the dialog shows (internal): decided by the root. */
interface CancelView {
  readonly labels: SessionLabels & SessionOutcomeLabels;
  readonly refs: CancelRefs;
  readonly pending: boolean;
  readonly refused: string | null;
  readonly loading: boolean;
  readonly previewFailed: boolean;
  /** A fee is shown and may be confirmed. */
  readonly ready: boolean;
  readonly description: string;
  readonly alert: string | null;
  readonly retry: () => void;
  readonly confirm: () => void;
}

/** The cancellation dialog's content (internal): title, the fee (a polite live region), the alert, the actions. */
function CancelDialogContent({ className, view }: { className: string | undefined; view: CancelView }) {
  const { labels, refs, pending } = view;
  return (
    <Dialog.Content className={className} data-itutor="cancel-dialog" aria-busy={view.loading}>
      <Dialog.Title data-itutor-part="title">{labels.confirmCancelTitle}</Dialog.Title>
      {/* Live, so the fee is read when it arrives (and when it changes), not only on opening. */}
      <Dialog.Description data-itutor-part="description" aria-live="polite">
        {view.description}
      </Dialog.Description>
      {view.alert && (
        <p role="alert" data-itutor-part="error">
          {view.alert}
        </p>
      )}
      <div data-itutor-part="actions">
        <Dialog.Close ref={refs.keep} data-itutor-part="cancel" disabled={pending}>
          {labels.keepSession}
        </Dialog.Close>
        {view.previewFailed && (
          <button ref={refs.retry} type="button" data-itutor-part="retry" onClick={view.retry}>
            {labels.retry}
          </button>
        )}
        {/* Focusable while no fee is shown (`aria-disabled`), so asking again never drops focus; a click then does nothing. */}
        <button
          ref={refs.confirm}
          type="button"
          data-itutor-part="confirm"
          disabled={!!view.refused}
          aria-disabled={!view.ready || pending || undefined}
          aria-busy={pending}
          onClick={view.confirm}
        >
          {pending ? labels.cancellingSession : labels.cancelSession}
        </button>
      </div>
    </Dialog.Content>
  );
}
