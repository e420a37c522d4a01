'use client';
import type { ChargebackJson, DisputeEvidenceFields, SessionError } from '@itutor/sessions-core/client';
import { formatMoney } from '@itutor/sessions-core/rules';
import { useHydrated, useSessionContext } from '@itutor/sessions-react';
import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { Fragment, useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { resolveChargebackLabels, type ChargebackLabels, type ChargebackLabelsInput } from './chargeback-labels';
import { formatDateTime } from './format';
import { useChargebacks, type ChargebacksState, type ChargebackStep } from './useChargebacks';

/** Props of {@link ChargebackPanel}. */
export interface ChargebackPanelProps {
  readonly sessionId: string;
  /** The result of your own `useChargebacks(sessionId)`, to share one list (then the panel reads nothing itself). */
  readonly chargebacks?: ChargebacksState;
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** `fetch` for the panel's own reads and writes. Default the global one. */
  readonly fetch?: typeof fetch;
  readonly labels?: ChargebackLabelsInput;
  /** BCP 47 locale for money and dates. Default from the provider, else `en-TT`. */
  readonly locale?: string;
  /** IANA time zone for dates. Default from the provider, else the viewer's (dates then show after hydration). */
  readonly timeZone?: string;
  /** How to name the person who submitted evidence (`submittedBy`, a platform person's id). Default the id. */
  readonly personName?: (id: string) => string;
  /** Called with the chargeback each write here answered. */
  readonly onChange?: (chargeback: ChargebackJson) => void;
  /** Called when a read or write failed. */
  readonly onError?: (error: SessionError) => void;
  /** Class of the panel (a `<section>` with `data-itutor="chargebacks"` and `data-state`). */
  readonly className?: string;
  /** Class of the submit confirmation (it renders in a portal, outside the panel). */
  readonly dialogClassName?: string;
  /** Class of its overlay. */
  readonly overlayClassName?: string;
}

/** The evidence fields in Stripe's order (internal). */
const FIELDS: ReadonlyArray<keyof DisputeEvidenceFields> = [
  'service_date',
  'product_description',
  'access_activity_log',
  'cancellation_policy_disclosure',
  'refund_policy_disclosure',
  'customer_communication',
  'uncategorized_text',
];

/** The statuses in which the bank still takes evidence (internal). */
const TAKES_EVIDENCE = ['needs_response', 'warning_needs_response'];

/** What a chargeback card renders with (internal). */
interface Kit {
  readonly state: ChargebacksState;
  readonly labels: ChargebackLabels;
  readonly money: (minor: number, currency: string) => string;
  readonly date: (iso: string | null) => string | null;
  readonly person: (id: string) => string;
  readonly props: ChargebackPanelProps;
  readonly onDone: (step: ChargebackStep, chargeback: ChargebackJson) => void;
}

/** The text of a refusal: the label for its code, else the server's words (internal). */
const errorText = (error: SessionError, labels: ChargebackLabels) => labels.errors[error.code] ?? (error.message || labels.genericError);

/**
 * A session's chargebacks for the platform's people: each one's status in words ("Evidence needed"), the
 * disputed amount, the bank's reason in words ("Fraud: the card holder did not make the payment"), the
 * evidence deadline in the viewer's time zone, the funds withdrawn and reinstated, who bears the loss and,
 * when it is the tutor, where their share stands (taken back, withheld, given back); then the evidence as
 * staged at the gateway, readable — a heading per Stripe field ("Service date", "Access activity log", …)
 * and its text with its line breaks. While the bank takes evidence (`needs_response`,
 * `warning_needs_response`) and it is not submitted: **Stage evidence again** (builds it anew from what
 * the SDK recorded) and, once staged, **Submit evidence**, confirmed in an alert dialog (submitting is
 * final). Submitted evidence says who submitted it and when. After a write "Evidence … submitted." is
 * announced (`role="status"`). Reads through `useChargebacks`, or shares the `chargebacks` you pass.
 * `data-state`: `loading`, `error` (nothing read), `none`, `ready`.
 */
export function ChargebackPanel(props: ChargebackPanelProps) {
  const config = useSessionContext();
  const own = useChargebacks(props.sessionId, { basePath: props.basePath, fetch: props.fetch, enabled: !props.chargebacks, onError: props.onError });
  const state = props.chargebacks ?? own;
  const hydrated = useHydrated();
  const locale = props.locale ?? config.locale;
  const timeZone = props.timeZone ?? config.timeZone;
  const labels = useMemo(() => resolveChargebackLabels(props.labels), [props.labels]);
  const titleId = useId();
  const [done, setDone] = useState<{ text: string; focus: boolean } | null>(null);
  const doneRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => void (done?.focus && doneRef.current?.focus()), [done]);

  const kit: Kit = {
    state,
    labels,
    props,
    money: (minor, currency) => formatMoney(minor, { currency, locale }),
    date: (iso) => (iso === null ? null : hydrated || timeZone !== undefined ? formatDateTime(new Date(iso), locale, timeZone) : ''),
    person: props.personName ?? ((id) => id),
    onDone: (step, chargeback) => {
      setDone({ text: labels.done(step, chargeback.chargeback), focus: step === 'submit' });
      props.onChange?.(chargeback);
    },
  };
  const list = state.chargebacks;
  const dataState = list ? (list.length === 0 ? 'none' : 'ready') : state.status === 'error' ? 'error' : 'loading';
  return (
    <section className={props.className} data-itutor="chargebacks" data-state={dataState} aria-labelledby={titleId} aria-busy={dataState === 'loading'}>
      <h2 id={titleId} data-itutor-part="title">
        {labels.panelTitle}
      </h2>
      {/* One live region, there before anything is said in it. */}
      <p ref={doneRef} tabIndex={-1} role="status" data-itutor-part="done">
        {done?.text}
      </p>
      {dataState === 'loading' && <p data-itutor-part="status">{labels.loading}</p>}
      {state.status === 'error' && (
        <>
          <p role="alert" data-itutor-part="error" data-code={state.error?.code}>
            {`${labels.loadError} ${state.error ? errorText(state.error, labels) : ''}`.trim()}
          </p>
          <button type="button" data-itutor-part="retry" onClick={() => void state.refresh()}>
            {labels.retry}
          </button>
        </>
      )}
      {dataState === 'none' && <p data-itutor-part="none">{labels.none}</p>}
      {list?.map((chargeback) => <ChargebackCard key={chargeback.chargeback} kit={kit} chargeback={chargeback} />)}
    </section>
  );
}

/** One fact: a term and its value (internal). */
const Fact = ({ term, children }: { term: string; children: ReactNode }) => (
  <div>
    <dt>{term}</dt>
    <dd>{children}</dd>
  </div>
);

/** One chargeback: its facts, its steps, its evidence (internal). */
function ChargebackCard({ kit, chargeback: c }: { kit: Kit; chargeback: ChargebackJson }) {
  const { labels, money, date } = kit;
  const id = useId();
  const amount = (minor: number) => money(minor, c.currency);
  const submitted = c.evidence === 'submitted';
  return (
    <section aria-labelledby={id} data-itutor-part="chargeback" data-state={c.status} data-evidence={c.evidence}>
      <h3 id={id}>{labels.chargebackTitle(c.chargeback)}</h3>
      <dl>
        <Fact term={labels.terms.status}>{labels.statuses[c.status] ?? c.status}</Fact>
        <Fact term={labels.terms.amount}>{amount(c.amountMinor)}</Fact>
        <Fact term={labels.terms.reason}>{labels.reasons[c.reason] ?? c.reason.replaceAll('_', ' ')}</Fact>
        <Fact term={labels.terms.dueBy}>{labels.dueBy(date(c.evidenceDueBy))}</Fact>
        <Fact term={labels.terms.funds}>
          {labels.funds(c.fundsWithdrawnMinor > 0 ? amount(c.fundsWithdrawnMinor) : null, c.fundsReinstatedMinor > 0 ? amount(c.fundsReinstatedMinor) : null)}
        </Fact>
        {c.feeMinor > 0 && <Fact term={labels.terms.fee}>{amount(c.feeMinor)}</Fact>}
        <Fact term={labels.terms.lossBearer}>{labels.lossBearer(c.lossBearer, amount(c.tutorShareMinor))}</Fact>
        {c.lossBearer === 'tutor' && <Fact term={labels.terms.tutorShare}>{labels.tutorShares[c.tutorShare]}</Fact>}
        <Fact term={labels.terms.opened}>{date(c.openedAt)}</Fact>
        {c.closedAt && <Fact term={labels.terms.closed}>{date(c.closedAt)}</Fact>}
        <Fact term={labels.terms.evidence}>
          {labels.evidenceState(c.evidence, { stagedAt: date(c.evidenceStagedAt), submittedAt: date(c.submittedAt), by: c.submittedBy && kit.person(c.submittedBy) })}
        </Fact>
      </dl>
      {TAKES_EVIDENCE.includes(c.status) && !submitted && <EvidenceSteps kit={kit} chargeback={c} />}
      {c.stagedEvidence ? (
        <EvidenceText labels={labels} evidence={c.stagedEvidence} state={submitted ? 'submitted' : 'staged'} />
      ) : (
        // Nothing staged yet: what staging would send, so the person reads it before pressing Stage evidence.
        TAKES_EVIDENCE.includes(c.status) && kit.state.evidence && <EvidenceText labels={labels} evidence={kit.state.evidence} state="preview" />
      )}
    </section>
  );
}

/** Text with its line breaks kept, without markup from it (internal). */
const Lines = ({ text }: { text: string }) => (
  <>
    {text.split('\n').map((line, i) => (
      <Fragment key={i}>
        {i > 0 && <br />}
        {line}
      </Fragment>
    ))}
  </>
);

/** The evidence, readable: a heading per Stripe field, then its text (internal). */
function EvidenceText({ labels, evidence, state }: { labels: ChargebackLabels; evidence: DisputeEvidenceFields; state: 'preview' | 'staged' | 'submitted' }) {
  const id = useId();
  return (
    <section aria-labelledby={id} data-itutor-part="evidence" data-state={state}>
      <h4 id={id}>{labels.evidenceTitle(state)}</h4>
      {FIELDS.map((field) => {
        const text = evidence[field];
        return (
          <Fragment key={field}>
            <h5 data-field={field}>{labels.evidenceFields[field]}</h5>
            <p data-itutor-part="evidence-text" data-field={field}>
              {text ? <Lines text={text} /> : labels.evidenceEmpty}
            </p>
          </Fragment>
        );
      })}
    </section>
  );
}

/** Stage again, and submit behind an alert dialog (internal). */
function EvidenceSteps({ kit, chargeback: c }: { kit: Kit; chargeback: ChargebackJson }) {
  const { state, labels, money, date, props } = kit;
  const [open, setOpen] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const succeeded = useRef(false);
  const busy = state.pending !== null;
  const mine = (step: ChargebackStep) => state.pending?.chargeback === c.chargeback && state.pending.step === step;
  const failed = (step: ChargebackStep) => (state.actionError?.chargeback === c.chargeback && state.actionError.step === step ? state.actionError.error : null);
  const staged = c.evidence === 'staged';
  const stageError = failed('stage');
  const submitError = failed('submit');
  // After a refusal focus returns to the confirm (still focusable).
  useEffect(() => void (open && submitError && confirmRef.current?.focus()), [open, submitError]);

  const stage = async () => {
    const outcome = await state.stage(c.chargeback);
    if (outcome?.status === 'succeeded') kit.onDone('stage', outcome.result);
    else if (outcome?.status === 'failed' && props.chargebacks) props.onError?.(outcome.error);
  };
  const submit = async () => {
    if (busy) return;
    const outcome = await state.submit(c.chargeback);
    if (outcome?.status === 'succeeded') {
      succeeded.current = true;
      setOpen(false);
      kit.onDone('submit', outcome.result);
    } else if (outcome?.status === 'failed' && props.chargebacks) props.onError?.(outcome.error);
  };
  return (
    <div data-itutor-part="steps">
      <button type="button" data-itutor-part="stage" disabled={busy && !mine('stage')} aria-disabled={mine('stage') || undefined} aria-busy={mine('stage')} onClick={() => void (busy || stage())}>
        {mine('stage') ? labels.staging : labels.stage(staged)}
      </button>
      {stageError && (
        <p role="alert" data-itutor-part="error" data-code={stageError.code}>
          {errorText(stageError, labels)}
        </p>
      )}
      {staged && (
        <AlertDialog.Root
          open={open}
          onOpenChange={(next) => {
            if (busy && !next) return;
            if (next) succeeded.current = false;
            setOpen(next);
          }}
        >
          <AlertDialog.Trigger data-itutor-part="submit" disabled={busy}>
            {labels.submit}
          </AlertDialog.Trigger>
          <AlertDialog.Portal>
            <AlertDialog.Overlay className={props.overlayClassName} data-itutor="chargeback-overlay" />
            {/* After submitting, focus goes to the panel's announcement (the trigger is gone). */}
            <AlertDialog.Content className={props.dialogClassName} data-itutor="chargeback-dialog" onCloseAutoFocus={(e) => succeeded.current && e.preventDefault()}>
              <AlertDialog.Title data-itutor-part="title">{labels.submitTitle}</AlertDialog.Title>
              <AlertDialog.Description data-itutor-part="description">{labels.submitDescription(money(c.amountMinor, c.currency), date(c.evidenceDueBy))}</AlertDialog.Description>
              {submitError && (
                <p role="alert" data-itutor-part="error" data-code={submitError.code}>
                  {errorText(submitError, labels)}
                </p>
              )}
              <div data-itutor-part="actions">
                <AlertDialog.Cancel data-itutor-part="cancel" disabled={busy}>
                  {labels.cancel}
                </AlertDialog.Cancel>
                {/* Not `AlertDialog.Action`: that closes at once; this one closes after the server's answer. */}
                <button ref={confirmRef} type="button" data-itutor-part="confirm" aria-disabled={busy || undefined} aria-busy={mine('submit')} onClick={() => void submit()}>
                  {mine('submit') ? labels.submitting : labels.submit}
                </button>
              </div>
            </AlertDialog.Content>
          </AlertDialog.Portal>
        </AlertDialog.Root>
      )}
    </div>
  );
}
