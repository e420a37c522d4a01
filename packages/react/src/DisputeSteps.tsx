'use client';
import type { DisputeActionType, DisputeResolution, DisputeViewJson, SessionError } from '@itutor/sessions-core/client';
import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { PanelLabels } from './dispute-labels';
import { MessageField, errorText, type DisputeKit } from './dispute-parts';
import { parseMoneyInput } from './money-input';
import type { DisputeStepBodies } from './useDispute';

/** The steps whose dialog asks for a message, and whether it is required (the server requires it to contest and to resolve). */
const MESSAGE: Partial<Record<DisputeActionType, boolean>> = { offer: false, contest: true, decline_offer: false, resolve: true };

const RESOLUTION_ORDER: readonly DisputeResolution[] = ['full_refund', 'partial_refund', 'no_refund'];

/** What the steps are given by the panel (internal). */
interface StepsProps {
  readonly kit: DisputeKit<PanelLabels>;
  readonly view: DisputeViewJson;
  readonly dialogClassName: string | undefined;
  readonly overlayClassName: string | undefined;
  readonly onDone: (view: DisputeViewJson) => void;
  readonly onError: ((error: SessionError) => void) | undefined;
}

/**
 * The viewer's allowed steps as buttons, each confirmed in its own dialog (internal). A dialog stays while
 * open even when its step is no longer allowed (the view was read again after a refusal), so the refusal
 * is read where it happened.
 */
export function DisputeSteps(props: StepsProps) {
  const [openStep, setOpenStep] = useState<DisputeActionType | null>(null);
  const steps = props.view.allowedSteps.includes(openStep!) || !openStep ? props.view.allowedSteps : [...props.view.allowedSteps, openStep];
  if (steps.length === 0) return null;
  return (
    <div data-itutor-part="steps">
      {steps.map((step) => (
        <StepDialog key={step} {...props} step={step} open={openStep === step} setOpen={(next) => setOpenStep(next ? step : null)} />
      ))}
    </div>
  );
}

/** One step's fields, as typed (internal). */
interface StepDraft {
  readonly message: string;
  readonly amount: string;
  readonly resolution: DisputeResolution | '';
}

type Invalid = Partial<Record<keyof StepDraft, string>>;

/** The body of `step` from the draft, or what is wrong with it (internal). */
function stepBody(step: DisputeActionType, draft: StepDraft, view: DisputeViewJson, kit: DisputeKit<PanelLabels>): { body: DisputeStepBodies[DisputeActionType] } | { invalid: Invalid } {
  const { labels, money } = kit;
  const invalid: Invalid = {};
  const needsAmount = step === 'offer' || (step === 'resolve' && draft.resolution === 'partial_refund');
  const amountMinor = parseMoneyInput(draft.amount);
  if (step === 'resolve' && !draft.resolution) invalid.resolution = labels.resolutionRequired;
  if (needsAmount && (amountMinor === null || amountMinor < 1 || amountMinor > view.refundableMinor)) {
    invalid.amount = labels.amountInvalid(money(1), money(view.refundableMinor));
  }
  if (MESSAGE[step] && !draft.message.trim()) invalid.message = labels.messageRequired;
  if (Object.keys(invalid).length > 0) return { invalid };
  const message = MESSAGE[step] === undefined ? {} : { message: draft.message };
  const resolution = step === 'resolve' ? { resolution: draft.resolution } : {};
  return { body: { ...message, ...resolution, ...(needsAmount ? { amountMinor: amountMinor! } : {}) } as DisputeStepBodies[DisputeActionType] };
}

/** What one step's dialog is given (internal). */
interface StepDialogProps extends StepsProps {
  readonly step: DisputeActionType;
  readonly open: boolean;
  readonly setOpen: (open: boolean) => void;
}

/** One step: its trigger and its dialog, with the step's fields, the refusal, Cancel and the confirm (internal). */
function StepDialog({ kit, view, step, open, setOpen, onDone, onError, dialogClassName, overlayClassName }: StepDialogProps) {
  const { dispute, labels, money } = kit;
  const id = useId();
  const [draft, setDraft] = useState<StepDraft>({ message: '', amount: '', resolution: '' });
  const [invalid, setInvalid] = useState<Invalid>({});
  const [attemptError, setAttemptError] = useState<SessionError | null>(null);
  const refs = { message: useRef<HTMLTextAreaElement>(null), amount: useRef<HTMLInputElement>(null), resolution: useRef<HTMLInputElement>(null) };
  const confirmRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const succeeded = useRef(false);
  const pending = dispute.pending;
  const allowed = view.allowedSteps.includes(step);

  useEffect(() => {
    if (open) succeeded.current = false;
    else {
      setAttemptError(null);
      setInvalid({});
    }
  }, [open]);
  // After a refusal: focus on the confirm, or on Cancel once the step is no longer allowed.
  useEffect(() => {
    if (attemptError) (allowed ? confirmRef : cancelRef).current?.focus();
  }, [attemptError, allowed]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (pending || !allowed) return;
    const checked = stepBody(step, draft, view, kit);
    if ('invalid' in checked) {
      setInvalid(checked.invalid);
      const first = (['resolution', 'amount', 'message'] as const).find((k) => checked.invalid[k]);
      return refs[first!].current?.focus();
    }
    setInvalid({});
    setAttemptError(null);
    const outcome = await dispute.act(step, checked.body);
    if (outcome?.status === 'succeeded') {
      succeeded.current = true;
      setDraft({ message: '', amount: '', resolution: '' });
      setOpen(false);
      onDone(outcome.result);
    } else if (outcome?.status === 'failed') {
      setAttemptError(outcome.error);
      onError?.(outcome.error);
    }
  };

  const offer = view.dispute?.offerMinor ?? null;
  const set = (change: Partial<StepDraft>) => setDraft((d) => ({ ...d, ...change }));
  const showAmount = step === 'offer' || (step === 'resolve' && draft.resolution === 'partial_refund');
  return (
    <Dialog.Root open={open} onOpenChange={(next) => (pending && !next) || setOpen(next)}>
      <Dialog.Trigger data-itutor-part="step" data-step={step} disabled={pending}>
        {labels.steps[step]}
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className={overlayClassName} data-itutor="dispute-overlay" />
        {/* After the step, focus goes to the panel's announcement instead of the trigger (which may be gone). */}
        <Dialog.Content className={dialogClassName} data-itutor="dispute-dialog" data-step={step} onCloseAutoFocus={(e) => succeeded.current && e.preventDefault()}>
          <Dialog.Title data-itutor-part="title">{labels.steps[step]}</Dialog.Title>
          <Dialog.Description data-itutor-part="description">
            {labels.stepDescription(step, { refundable: money(view.refundableMinor), offer: offer === null ? null : money(offer) })}
          </Dialog.Description>
          <form onSubmit={submit} noValidate>
            {step === 'resolve' && (
              <fieldset data-itutor-part="field" aria-describedby={invalid.resolution ? `${id}-resolution-error` : undefined}>
                <legend>{labels.resolutionLabel}</legend>
                {RESOLUTION_ORDER.map((r, i) => (
                  <label key={r}>
                    <input
                      ref={i === 0 ? refs.resolution : undefined}
                      type="radio"
                      name={`${id}-resolution`}
                      value={r}
                      checked={draft.resolution === r}
                      aria-invalid={invalid.resolution ? true : undefined}
                      onChange={() => set({ resolution: r })}
                    />
                    {labels.resolutions[r]}
                  </label>
                ))}
                {invalid.resolution && (
                  <p id={`${id}-resolution-error`} data-itutor-part="field-error">
                    {invalid.resolution}
                  </p>
                )}
              </fieldset>
            )}
            {showAmount && (
              <div data-itutor-part="field">
                <label htmlFor={`${id}-amount`}>{labels.amountLabel(view.session.currency)}</label>
                <input
                  id={`${id}-amount`}
                  ref={refs.amount}
                  type="text"
                  inputMode="decimal"
                  autoComplete="off"
                  value={draft.amount}
                  readOnly={pending}
                  aria-required
                  aria-invalid={invalid.amount ? true : undefined}
                  aria-describedby={invalid.amount ? `${id}-amount-error ${id}-amount-hint` : `${id}-amount-hint`}
                  onChange={(e) => set({ amount: e.target.value })}
                />
                <p id={`${id}-amount-hint`} data-itutor-part="hint">
                  {labels.amountHint(money(1), money(view.refundableMinor))}
                </p>
                {invalid.amount && (
                  <p id={`${id}-amount-error`} data-itutor-part="field-error">
                    {invalid.amount}
                  </p>
                )}
              </div>
            )}
            {MESSAGE[step] !== undefined && (
              <MessageField
                id={`${id}-message`}
                label={MESSAGE[step] ? labels.messageLabel : labels.optionalMessageLabel}
                value={draft.message}
                onChange={(message) => set({ message })}
                error={invalid.message ?? null}
                required={!!MESSAGE[step]}
                disabled={pending}
                fieldRef={refs.message}
                labels={labels}
              />
            )}
            {attemptError && (
              <p role="alert" data-itutor-part="error">
                {errorText(attemptError, labels)}
              </p>
            )}
            <div data-itutor-part="actions">
              <Dialog.Close ref={cancelRef} type="button" data-itutor-part="cancel" disabled={pending}>
                {labels.cancel}
              </Dialog.Close>
              {/* Focusable while it can do nothing (`aria-disabled`), so focus never drops. */}
              <button ref={confirmRef} type="submit" data-itutor-part="confirm" aria-disabled={pending || !allowed || undefined} aria-busy={pending}>
                {pending ? labels.sending : labels.steps[step]}
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
