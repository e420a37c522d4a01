'use client';
import { getPayment, startPayment, toSessionError, type OnSessionPayment, type PaymentStatusJson, type SessionError } from '@itutor/sessions-core/client';
// The main entry, not `./context`: this module is built into its own entry point (see `useSessionAttendance`).
import { useSessionContext } from '@itutor/sessions-react';
import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Where completing the payment stands:
 * - `loading`: no answer yet;
 * - `not_needed`: the charge does not wait for the student (`chargeStatus` other than `awaiting_customer`,
 *   or the reader is not the session's student);
 * - `idle`: it waits for the student (`awaiting_customer`): the button can be pressed;
 * - `confirming`: a payment is being completed (the server, the host's confirm, the server again);
 * - `pending`: the bank has not answered yet (`processing`); the outcome arrives through the webhook;
 * - `succeeded`: the payment went through;
 * - `failed`: the bank or the card refused it (`failure`): the student may try again;
 * - `error`: a read or a request failed (`error`, a `SessionError` with its code).
 */
export type CompletePaymentStatus = 'loading' | 'not_needed' | 'idle' | 'confirming' | 'pending' | 'succeeded' | 'failed' | 'error';

/** What the host's confirm is given: the PaymentIntent's client secret and what it charges. */
export interface ConfirmPaymentInput {
  readonly clientSecret: string;
  readonly amountMinor: number;
  readonly currency: string;
}

/** What the host's confirm answers: the bank's outcome as Stripe.js reports it. */
export type ConfirmPaymentResult =
  | { readonly status: 'succeeded' }
  | { readonly status: 'processing' }
  | { readonly status: 'failed'; readonly message?: string };

/**
 * The host's confirm: in a real host it wraps Stripe.js `stripe.confirmCardPayment(clientSecret)` (3-D
 * Secure and the bank's own steps happen there). A rejection counts as `failed` with its message.
 */
export type ConfirmPaymentFunction = (input: ConfirmPaymentInput) => Promise<ConfirmPaymentResult>;

/** Why the payment failed: the host's confirm's `message`, or the gateway's `failureCode` (a `failed` answer of the server). */
export interface PaymentFailure {
  readonly message: string | null;
  readonly failureCode: string | null;
}

/** Options of {@link useCompletePayment}. */
export interface UseCompletePaymentOptions {
  /** The host's confirm (Stripe.js `confirmCardPayment`); called once per press, only when the server asks for the student. */
  readonly confirm: ConfirmPaymentFunction;
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** `fetch` for the reads and the writes (your own client, a test's fake). Default the global one. */
  readonly fetch?: typeof fetch;
  /** `false`: no read on mount (`refresh()` still reads). Default `true`. */
  readonly enabled?: boolean;
  /** What to show before the first answer, e.g. read on the server for the first render. */
  readonly initialPayment?: PaymentStatusJson | null;
  /** Called once the payment went through, with its new status (`chargeStatus: 'succeeded'`). */
  readonly onSucceeded?: (payment: PaymentStatusJson) => void;
  /** Called with each failed read or request. */
  readonly onError?: (error: SessionError) => void;
}

/** What {@link useCompletePayment} returns. */
export interface CompletePaymentState {
  readonly status: CompletePaymentStatus;
  /** The last status read (or answered) for this session, else `initialPayment` or `null`. */
  readonly payment: PaymentStatusJson | null;
  /** Why the payment failed (status `failed`), else `null`. */
  readonly failure: PaymentFailure | null;
  /** The last failed read or request (status `error`; a later read keeps it only while nothing was read). */
  readonly error: SessionError | null;
  /** True while a payment is being completed: `pay()` then does nothing. */
  readonly busy: boolean;
  /**
   * Completes the payment: `POST {basePath}/sessions/{id}/payment`; when the server asks for the student
   * (`requires_customer`), the host's `confirm` with the client secret; when it said `succeeded` or
   * `processing`, the same `POST` again, so the server records the outcome (it answers the attempt's
   * state). Resolves the new status, or `null` when nothing was started (a payment already running, or
   * nothing to pay). Never rejects.
   */
  readonly pay: () => Promise<CompletePaymentStatus | null>;
  /** Reads the status again. Resolves when the read is over; never rejects. */
  readonly refresh: () => Promise<void>;
}

type Phase = 'read' | 'confirming' | 'pending' | 'succeeded' | 'failed' | 'error';

/** What a finished `pay()` changes (internal). */
type Settled = Partial<Inner> & { readonly phase: 'pending' | 'succeeded' | 'failed' | 'error' };

interface Inner {
  readonly sessionId: string;
  readonly payment: PaymentStatusJson | null;
  readonly phase: Phase;
  /** The reader is not the session's student (`NOT_SESSION_STUDENT` on the read). */
  readonly denied: boolean;
  /** This mount saw the charge wait for the student: a read answering `succeeded` then says so. */
  readonly asked: boolean;
  readonly failure: PaymentFailure | null;
  readonly error: SessionError | null;
}

const initialInner = (sessionId: string, payment: PaymentStatusJson | null | undefined): Inner => ({
  sessionId,
  payment: payment ?? null,
  phase: 'read',
  denied: false,
  asked: payment?.chargeStatus === 'awaiting_customer',
  failure: null,
  error: null,
});

/** The status of `s` (internal). */
function statusOf(s: Inner): CompletePaymentStatus {
  if (s.phase !== 'read') return s.phase;
  if (s.denied) return 'not_needed';
  if (!s.payment) return 'loading';
  if (s.payment.chargeStatus === 'awaiting_customer') return 'idle';
  return s.payment.chargeStatus === 'succeeded' && s.asked ? 'succeeded' : 'not_needed';
}

/** What an answer of the server changes (internal). */
function afterAnswer(answer: OnSessionPayment): Settled {
  const payment = (chargeStatus: PaymentStatusJson['chargeStatus']): PaymentStatusJson => ({
    chargeStatus,
    amountMinor: answer.amountMinor,
    currency: answer.currency,
    attempt: answer.attempt,
  });
  if (answer.status === 'succeeded') return { phase: 'succeeded', payment: payment('succeeded') };
  if (answer.status === 'failed') return { phase: 'failed', payment: payment('awaiting_customer'), failure: { message: null, failureCode: answer.failureCode } };
  // `processing`, or still `requires_customer` after the host's confirm said it went through: the bank has
  // not told the server yet; the webhook will. Never a second confirm on its own.
  return { phase: 'pending', payment: payment('awaiting_customer') };
}

/**
 * The student's on-session payment of a charge the bank wants them to confirm (3-D Secure, or a decline
 * only they can fix): reads `GET {basePath}/sessions/{id}/payment` on mount and, on `pay()`, completes it
 * — the server's `POST …/payment` (which opens or reuses the on-session attempt), the host's `confirm`
 * with the client secret when the server asks for the student, then the same `POST` again so the server
 * records what the bank said. One payment at a time: `pay()` while one runs does nothing (so a double
 * click never starts two), `confirm` is called at most once per `pay()` and never when the server answers
 * that the payment already went through. Money is taken at most once either way: every `POST` of one
 * attempt uses the same idempotency key on the server. Refusals come back as `SessionError`s with stable
 * codes, never thrown. Headless: renders nothing; `CompletePaymentButton` is its UI.
 *
 * @example
 * const payment = useCompletePayment(session.id, { confirm: ({ clientSecret }) => confirmWithStripe(clientSecret) });
 * if (payment.status === 'idle') await payment.pay();
 */
export function useCompletePayment(sessionId: string, options: UseCompletePaymentOptions): CompletePaymentState {
  const config = useSessionContext();
  const basePath = options.basePath ?? config.basePath;
  const enabled = options.enabled ?? true;
  const latest = useRef(options);
  latest.current = options;
  const [state, setState] = useState<Inner>(() => initialInner(sessionId, options.initialPayment));
  const reading = useRef<AbortController | null>(null);
  // Set synchronously when a payment starts: a second press in the same tick sees it.
  const busy = useRef<string | null>(null);

  // Changes for `id` only: a state left from another session starts over, an answer for another is dropped.
  const update = useCallback(
    (id: string, change: (s: Inner) => Partial<Inner>) =>
      setState((s) => {
        const base = s.sessionId === id ? s : initialInner(id, latest.current.initialPayment);
        return { ...base, ...change(base) };
      }),
    [],
  );

  const read = useCallback(async (): Promise<void> => {
    reading.current?.abort();
    const own = (reading.current = new AbortController());
    try {
      const payment = await getPayment(sessionId, { basePath, fetch: latest.current.fetch, signal: own.signal });
      if (own.signal.aborted) return;
      update(sessionId, (s) => {
        const waits = payment.chargeStatus === 'awaiting_customer';
        const asked = s.asked || waits;
        // A read settles a pending payment once the bank answered; it never interrupts a running one.
        if (s.phase === 'confirming' || (s.phase === 'pending' && waits)) return { payment, asked };
        if (s.phase === 'failed' && waits) return { payment, asked };
        return { payment, asked, phase: 'read', denied: false, error: null, failure: null };
      });
    } catch (thrown) {
      if (own.signal.aborted) return;
      const error = toSessionError(thrown);
      update(sessionId, (s) =>
        error.code === 'NOT_SESSION_STUDENT' ? { denied: true, phase: 'read' } : s.payment || s.phase !== 'read' ? {} : { phase: 'error', error },
      );
      latest.current.onError?.(error);
    }
  }, [sessionId, basePath, update]);

  useEffect(() => {
    if (enabled) void read();
    return () => reading.current?.abort();
  }, [read, enabled]);

  const current = state.sessionId === sessionId ? state : initialInner(sessionId, options.initialPayment);
  const status = statusOf(current);

  const pay = async (): Promise<CompletePaymentStatus | null> => {
    const id = sessionId;
    if (busy.current === id || !(status === 'idle' || status === 'failed' || (status === 'error' && current.payment))) return null;
    busy.current = id;
    reading.current?.abort();
    update(id, () => ({ phase: 'confirming', error: null, failure: null }));
    const request = { basePath, fetch: latest.current.fetch };
    let confirmed = false;
    let refusedWith: string | null = null;
    let change: Settled;
    try {
      let answer = await startPayment(id, request);
      let refused: Settled | null = null;
      if (answer.status === 'requires_customer') {
        const input = { clientSecret: answer.clientSecret, amountMinor: answer.amountMinor, currency: answer.currency };
        const confirm = latest.current.confirm;
        // A throw (even a synchronous one) or an answer that is not one of the three counts as `failed`.
        const result = await Promise.resolve()
          .then(() => confirm(input))
          .catch((thrown: unknown): ConfirmPaymentResult => ({ status: 'failed', message: String((thrown as Error | null)?.message ?? '') }));
        confirmed = result?.status === 'succeeded' || result?.status === 'processing';
        // The server records what the bank said: the same attempt, the same key; it answers the attempt's state.
        if (confirmed) answer = await startPayment(id, request);
        else refused = { phase: 'failed', failure: { message: (result as { message?: string } | undefined)?.message || null, failureCode: null } };
      }
      change = refused ?? afterAnswer(answer);
    } catch (thrown) {
      const error = toSessionError(thrown);
      refusedWith = error.code;
      latest.current.onError?.(error);
      // After the bank said yes, a failed recording is not a failed payment: the webhook records it.
      change = confirmed ? { phase: 'pending' } : { phase: 'error', error };
    }
    busy.current = null;
    update(id, () => change);
    // The charge no longer waits for the student (paid meanwhile — the webhook may record the bank's yes before
    // this page asks again — or settled otherwise): read where it stands.
    if (refusedWith === 'NO_CHARGE_PENDING') void read();
    return change.phase;
  };

  // Told once per success, however it was learnt (this press, or a read after `pending`).
  const told = useRef(false);
  useEffect(() => {
    if (status !== 'succeeded') told.current = false;
    else if (!told.current && current.payment) {
      told.current = true;
      latest.current.onSucceeded?.(current.payment);
    }
  }, [status, current.payment]);

  return {
    status,
    payment: current.payment,
    failure: current.failure,
    error: current.error,
    busy: status === 'confirming',
    pay,
    refresh: read,
  };
}
