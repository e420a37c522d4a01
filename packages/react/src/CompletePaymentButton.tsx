'use client';
import type { PaymentStatusJson, SessionError } from '@itutor/sessions-core/client';
import { formatMoney } from '@itutor/sessions-core/rules';
import { useSessionContext } from '@itutor/sessions-react';
import { useEffect, useId, useMemo, useRef, type ReactNode } from 'react';
import { resolvePaymentLabels, type PaymentLabels, type PaymentLabelsInput } from './payment-labels';
import { useCompletePayment, type CompletePaymentState, type ConfirmPaymentFunction } from './useCompletePayment';

/** Props of {@link CompletePaymentButton}. */
export interface CompletePaymentButtonProps {
  readonly sessionId: string;
  /** The host's confirm: Stripe.js `confirmCardPayment` in a real host (see `ConfirmPaymentFunction`). */
  readonly confirm: ConfirmPaymentFunction;
  readonly labels?: PaymentLabelsInput;
  /** Called once the payment went through, with its new status. */
  readonly onSucceeded?: (payment: PaymentStatusJson) => void;
  /** Called with each failed read or request. */
  readonly onError?: (error: SessionError) => void;
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** `fetch` for the component's reads and writes. Default the global one. */
  readonly fetch?: typeof fetch;
  /** What to show before the first answer, e.g. read on the server. */
  readonly initialPayment?: PaymentStatusJson | null;
  /** BCP 47 locale for the amount. Default from the provider, else `en-TT`. */
  readonly locale?: string;
  /** Class of the wrapper element (which carries `data-state`). */
  readonly className?: string;
}

/** The text of a request's refusal: the label for its code, else the server's words (internal). */
const errorText = (error: SessionError, labels: PaymentLabels) => labels.errors[error.code] ?? (error.message || labels.genericError);

/**
 * "Complete payment of TTD 75.00": the student's way to pay a charge their bank wants them to confirm
 * (3-D Secure, or a decline only they can fix), shown only while the session's charge waits for them
 * (`chargeStatus: 'awaiting_customer'` from `GET {basePath}/sessions/{id}/payment`). Renders nothing while
 * loading and when no payment is needed (another status, or the reader is not the student), so it can sit on
 * every session page. A press completes the payment through `useCompletePayment`: the server, the host's
 * `confirm` (Stripe.js) with the client secret, the server again to record the outcome. While it runs the
 * button says "Completing payment…" and does nothing more (`aria-disabled`, `aria-busy`, still
 * focusable), so a double click never starts two payments. Then "Payment complete." or "Payment
 * processing…" (`role="status"`, focused), or the failure as an alert with **Try again** (the card's
 * decline in words, the host's message, or the refusal's words for its code, e.g. `GATEWAY_UNAVAILABLE`).
 * `data-state`: the hook's status (`idle`, `confirming`, `pending`, `succeeded`, `failed`, `error`).
 */
export function CompletePaymentButton(props: CompletePaymentButtonProps) {
  const config = useSessionContext();
  const payment = useCompletePayment(props.sessionId, {
    confirm: props.confirm,
    basePath: props.basePath,
    fetch: props.fetch,
    initialPayment: props.initialPayment,
    onSucceeded: props.onSucceeded,
    onError: props.onError,
  });
  const labels = useMemo(() => resolvePaymentLabels(props.labels), [props.labels]);
  const locale = props.locale ?? config.locale;
  const { status } = payment;
  const resultRef = useRef<HTMLParagraphElement>(null);
  // Focus moves to the outcome only after a press here, never on a read.
  const pressed = useRef(false);
  useEffect(() => {
    if (pressed.current && (status === 'succeeded' || status === 'pending')) resultRef.current?.focus();
  }, [status]);

  if (status === 'loading' || status === 'not_needed') return null;
  const wrap = (children: ReactNode) => (
    <div className={props.className} data-itutor="payment" data-state={status}>
      {children}
    </div>
  );
  if (status === 'succeeded' || status === 'pending') {
    return wrap(
      <p ref={resultRef} tabIndex={-1} role="status" data-itutor-part={status === 'succeeded' ? 'done' : 'status'}>
        {status === 'succeeded' ? labels.succeeded : labels.pending}
      </p>,
    );
  }
  if (!payment.payment) {
    // The first read failed: nothing is known about the payment yet.
    return wrap(
      <>
        <p role="alert" data-itutor-part="error" data-code={payment.error?.code}>
          {`${labels.loadError} ${payment.error ? errorText(payment.error, labels) : ''}`.trim()}
        </p>
        <button type="button" data-itutor-part="retry" onClick={() => void payment.refresh()}>
          {labels.retry}
        </button>
      </>,
    );
  }
  return wrap(
    <PayControls
      payment={payment}
      labels={labels}
      amount={formatMoney(payment.payment.amountMinor ?? 0, { currency: payment.payment.currency, locale })}
      onPress={() => (pressed.current = true)}
    />,
  );
}

/** The reason, the button and the failure (internal). */
function PayControls({ payment, labels, amount, onPress }: { payment: CompletePaymentState; labels: PaymentLabels; amount: string; onPress: () => void }) {
  const id = useId();
  const { status, failure, error, busy } = payment;
  const reason = failure && (failure.message ?? (failure.failureCode ? (labels.declines[failure.failureCode] ?? null) : null));
  const alert = status === 'failed' ? labels.failed(reason ?? null) : status === 'error' && error ? errorText(error, labels) : null;
  return (
    <>
      <p id={`${id}-needed`} data-itutor-part="description">
        {labels.needed(amount)}
      </p>
      {/* Focusable while it can do nothing (`aria-disabled`), so focus never drops. */}
      <button
        type="button"
        data-itutor-part="button"
        aria-describedby={alert ? `${id}-needed ${id}-alert` : `${id}-needed`}
        aria-disabled={busy || undefined}
        aria-busy={busy}
        onClick={() => {
          if (busy) return;
          onPress();
          void payment.pay();
        }}
      >
        {busy ? labels.completing : alert ? labels.tryAgain : labels.completePayment(amount)}
      </button>
      {alert && (
        <p id={`${id}-alert`} role="alert" data-itutor-part="error" data-code={status === 'error' ? error?.code : failure?.failureCode ?? undefined}>
          {alert}
        </p>
      )}
    </>
  );
}
