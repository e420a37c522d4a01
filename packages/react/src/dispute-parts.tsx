'use client';
import type { DisputeReason, SessionError } from '@itutor/sessions-core/client';
import { formatMoney } from '@itutor/sessions-core/rules';
// The main entry, not `./context` / `./hooks`: this module is built into its own entry point.
import { useHydrated, useSessionContext } from '@itutor/sessions-react';
import { useMemo, type RefObject } from 'react';
import type { DisputeLabels, DisputeLabelsInput } from './dispute-labels';
import { formatDateTime } from './format';
import { useDispute, type DisputeState } from './useDispute';

/** The reasons, in the order the form lists them (core `DISPUTE_REASONS`, which the browser entry does not carry). */
export const DISPUTE_REASON_ORDER: readonly DisputeReason[] = ['tutor_absent', 'ended_early', 'technical_problem', 'quality', 'other'];

/** The most characters of a dispute message (core `MAX_DISPUTE_MESSAGE_LENGTH`). */
export const MAX_MESSAGE = 2000;

/** The props both dispute components share (internal). */
export interface DisputeSourceProps {
  readonly sessionId: string;
  /** The result of your own `useDispute(sessionId)`, to share one view between components (then neither reads its own). */
  readonly dispute?: DisputeState;
  /** API base path. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** `fetch` for the component's own reads and writes. Default the global one. */
  readonly fetch?: typeof fetch;
  readonly labels?: DisputeLabelsInput;
  /** BCP 47 locale for money and dates. Default from the provider, else `en-TT`. */
  readonly locale?: string;
  /** IANA time zone for dates. Default from the provider, else the browser's (dates then show after hydration). */
  readonly timeZone?: string;
  /** Called when a write was refused or failed. */
  readonly onError?: (error: SessionError) => void;
}

/** What a dispute component renders with (internal): `L` the labels it resolved. */
export interface DisputeKit<L> {
  readonly dispute: DisputeState;
  readonly labels: L;
  /** Minor units in the view's currency, by core `formatMoney`. */
  readonly money: (minor: number) => string;
  /** An ISO instant for the locale and time zone; `''` before hydration without a fixed time zone; `null` for `null`. */
  readonly date: (iso: string | null) => string | null;
  readonly locale: string;
}

/** The shared view (the `dispute` prop) or the component's own read, with its labels (`resolve` under `props.labels`) and formats (internal). */
export function useDisputeKit<L>(props: DisputeSourceProps, resolve: (overrides: DisputeLabelsInput | undefined) => L): DisputeKit<L> {
  const config = useSessionContext();
  const own = useDispute(props.sessionId, { basePath: props.basePath, fetch: props.fetch, enabled: !props.dispute });
  const dispute = props.dispute ?? own;
  const hydrated = useHydrated();
  const locale = props.locale ?? config.locale;
  const timeZone = props.timeZone ?? config.timeZone;
  const currency = dispute.view?.session.currency;
  const labels = useMemo(() => resolve(props.labels), [resolve, props.labels]);
  return useMemo(
    () => ({
      dispute,
      labels,
      locale,
      money: (minor: number) => formatMoney(minor, { currency, locale }),
      date: (iso: string | null) => (iso === null ? null : hydrated || timeZone !== undefined ? formatDateTime(new Date(iso), locale, timeZone) : ''),
    }),
    [dispute, labels, locale, currency, hydrated, timeZone],
  );
}

/** What to say about a refused or failed write: the label for its code, else the server's words, else its issues (internal). */
export function errorText(error: SessionError, labels: Pick<DisputeLabels, 'errors' | 'genericError'>): string {
  const issues = Array.isArray(error.details.issues) ? error.details.issues.map((i) => `${i.path} ${i.message}`).join('; ') : '';
  return labels.errors[error.code] ?? (error.message || issues || labels.genericError);
}

/** Props of {@link MessageField} (internal). */
interface MessageFieldProps {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly error: string | null;
  readonly required: boolean;
  readonly disabled: boolean;
  readonly fieldRef: RefObject<HTMLTextAreaElement | null>;
  readonly labels: Pick<DisputeLabels, 'characterCount'>;
}

/** A message textarea with its label, its character count and its error, both linked by `aria-describedby` (internal). */
export function MessageField({ id, label, value, onChange, error, required, disabled, fieldRef, labels }: MessageFieldProps) {
  return (
    <div data-itutor-part="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        ref={fieldRef}
        value={value}
        rows={4}
        maxLength={MAX_MESSAGE}
        readOnly={disabled}
        aria-required={required || undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error ${id}-count` : `${id}-count`}
        onChange={(e) => onChange(e.target.value)}
      />
      <p id={`${id}-count`} data-itutor-part="count">
        {labels.characterCount(value.length, MAX_MESSAGE)}
      </p>
      {error && (
        <p id={`${id}-error`} data-itutor-part="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
