'use client';
import type { VideoProviderName } from '@itutor/sessions-core';
// The main entry, not `./context`: this module is built into its own entry point, and a copy of the
// context module there would be a second React context that `SessionClockProvider` never fills.
import { useHydrated, useSessionContext } from '@itutor/sessions-react';
import { Slot } from '@radix-ui/react-slot';
import {
  cloneElement,
  createContext,
  isValidElement,
  useContext,
  useEffect,
  useId,
  useMemo,
  useRef,
  type AnchorHTMLAttributes,
  type ReactElement,
  type ReactNode,
} from 'react';
import { resolveConnectLabels, type ConnectVideoProviderLabels, type ConnectVideoProviderLabelsInput } from './connect-labels';
import {
  VIDEO_PROVIDERS,
  toVideoConnectOutcome,
  videoConnectHref,
  videoConnectionView,
  type ProviderConnectionInput,
  type VideoConnectionView,
  type VideoConnectOutcome,
} from './connection';
import { formatDateTime } from './format';

/** Props of {@link ConnectVideoProvider}. */
export interface ConnectVideoProviderProps {
  /**
   * The tutor's connection: core `ProviderConnection` (e.g. from `core.providers.get(tutorId)`) or its
   * JSON form; `null` when the tutor has none. It never carries tokens.
   */
  readonly connection: ProviderConnectionInput | null | undefined;
  /**
   * The OAuth callback's `?video=` value after its redirect back (a `VideoConnectOutcome`:
   * `connected`, `denied`, `expired_state`, `exchange_failed`, `wrong_user`, `unauthenticated`,
   * `forbidden`, `failed`), shown as a status message. Anything else, `null` or absent shows nothing.
   */
  readonly outcome?: VideoConnectOutcome | (string & {}) | null;
  /** The providers the host has set up, in display order. Default `['zoom', 'google_meet']`. */
  readonly providers?: readonly VideoProviderName[];
  /** API base path of the connect routes. Default from `SessionClockProvider`, else `/api`. */
  readonly basePath?: string;
  /** Where a provider's link points, instead of `GET {basePath}/providers/{provider}/connect`. */
  readonly connectHref?: (provider: VideoProviderName) => string;
  /** Label overrides. */
  readonly labels?: ConnectVideoProviderLabelsInput;
  /** BCP 47 locale of the date and the list of providers. Default from the provider, else `en-TT`. */
  readonly locale?: string;
  /**
   * IANA time zone of the date. Default from the provider, else the browser's. With a time zone the date
   * is in the server's markup too; without one it appears after hydration (zones may differ).
   */
  readonly timeZone?: string;
  /** Level of the heading that names the region. Default 2. */
  readonly headingLevel?: 1 | 2 | 3 | 4 | 5 | 6;
  /** Move focus to the outcome message when it first shows, so it is read after the redirect. Default `true`. */
  readonly focusOutcome?: boolean;
  /** Class of the region (which carries `data-state` and `data-provider`). */
  readonly className?: string;
  /**
   * Your own actions, in place of the default row (`data-itutor-part="actions"`) of one
   * `ConnectVideoProviderAction` per offered action. An action part that is not offered renders nothing.
   */
  readonly children?: ReactNode;
}

interface ConnectContextValue {
  readonly view: VideoConnectionView;
  readonly labels: ConnectVideoProviderLabels;
  readonly href: (provider: VideoProviderName) => string;
  /** Id of the explanation of why bookings are blocked, when shown. */
  readonly explanationId: string | undefined;
}

/** The label of each callback outcome. */
const OUTCOME_LABELS: Record<VideoConnectOutcome, keyof ConnectVideoProviderLabels & `outcome${string}`> = {
  connected: 'outcomeConnected',
  denied: 'outcomeDenied',
  expired_state: 'outcomeExpiredState',
  exchange_failed: 'outcomeExchangeFailed',
  wrong_user: 'outcomeWrongUser',
  unauthenticated: 'outcomeUnauthenticated',
  forbidden: 'outcomeForbidden',
  failed: 'outcomeFailed',
};

const ConnectContext = createContext<ConnectContextValue | null>(null);

const providerName = (labels: ConnectVideoProviderLabels, provider: VideoProviderName) => labels.providerNames[provider] ?? provider;

/**
 * The tutor's video connection and how to fix it: which provider (Zoom or Google Meet), whether it is
 * connected, expired or invalid and since when, or that there is none. Offers "Connect Zoom" / "Connect
 * Google Meet" without a connection, "Switch to …" with one, and "Reconnect …" when it went bad; never a
 * bare disconnect (a tutor keeps exactly one provider once connected). When bookings are blocked it says
 * why, and the links are described by that explanation.
 *
 * The actions are plain links to the server's connect routes (`GET {basePath}/providers/{provider}/connect`),
 * so they work before or without JavaScript. Unstyled: a `<section>` named by its heading, with
 * `data-itutor="video-provider"`, `data-state` (`connected | expired | invalid | none`) and `data-provider`.
 * The outcome of the OAuth callback (`outcome`) shows in a `role="status"` message that takes focus once.
 * For your own action elements pass `ConnectVideoProviderAction`s as children.
 */
export function ConnectVideoProvider(props: ConnectVideoProviderProps) {
  const config = useSessionContext();
  const hydrated = useHydrated();
  const id = useId();
  const outcomeRef = useRef<HTMLParagraphElement>(null);
  const { connection, providers, connectHref } = props;
  const labels = useMemo(() => resolveConnectLabels(props.labels), [props.labels]);
  const view = useMemo(() => videoConnectionView(connection, { providers }), [connection, providers]);
  const basePath = props.basePath ?? config.basePath;
  const locale = props.locale ?? config.locale;
  const timeZone = props.timeZone ?? config.timeZone;
  const outcome = toVideoConnectOutcome(props.outcome);

  useEffect(() => {
    if (outcome && props.focusOutcome !== false) outcomeRef.current?.focus();
  }, [outcome]); // eslint-disable-line react-hooks/exhaustive-deps

  const name = view.provider && providerName(labels, view.provider);
  const status = name ? labels[view.state as 'connected' | 'expired' | 'invalid'](name) : labels.notConnected;
  const explanation = view.canAcceptBookings
    ? null
    : name
      ? labels.blockedBroken(name)
      : labels.blockedNotConnected(
          new Intl.ListFormat(locale, { type: 'disjunction' }).format((providers ?? VIDEO_PROVIDERS).map((p) => providerName(labels, p))),
        );
  const outcomeText = outcome && labels[OUTCOME_LABELS[outcome]];
  const explanationId = explanation ? `${id}x` : undefined;
  const value: ConnectContextValue = {
    view,
    labels,
    href: connectHref ?? ((provider) => videoConnectHref(provider, basePath)),
    explanationId,
  };
  const Heading = `h${props.headingLevel ?? 2}` as 'h2';
  // Dates depend on the time zone, which may differ between server and browser: without an explicit
  // zone, after hydration only.
  const showSince = view.since && (hydrated || timeZone !== undefined);

  return (
    <ConnectContext.Provider value={value}>
      <section
        className={props.className}
        aria-labelledby={`${id}h`}
        aria-describedby={[`${id}s`, explanationId].filter(Boolean).join(' ')}
        data-itutor="video-provider"
        data-state={view.state}
        data-provider={view.provider ?? undefined}
      >
        <Heading id={`${id}h`} data-itutor-part="heading">
          {labels.heading}
        </Heading>
        {outcomeText && (
          <p ref={outcomeRef} tabIndex={-1} role="status" data-itutor-part="outcome" data-outcome={outcome}>
            {outcomeText}
          </p>
        )}
        <p id={`${id}s`} data-itutor-part="status">
          {status}
        </p>
        {showSince && (
          <p data-itutor-part="since">
            <time dateTime={view.since!.toISOString()}>
              {(view.canAcceptBookings ? labels.connectedOn : labels.brokenOn)(formatDateTime(view.since!, locale, timeZone))}
            </time>
          </p>
        )}
        {explanation && (
          <p id={explanationId} data-itutor-part="explanation">
            {explanation}
          </p>
        )}
        {props.children ?? (
          <div data-itutor-part="actions">
            {view.actions.map((action) => (
              <ConnectVideoProviderAction key={action.provider} provider={action.provider} />
            ))}
          </div>
        )}
      </section>
    </ConnectContext.Provider>
  );
}

/** Props of {@link ConnectVideoProviderAction}: an `<a>`'s (but `href`), plus the provider and `asChild`. */
export interface ConnectVideoProviderActionProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  /** The provider this link connects, switches to or reconnects. */
  readonly provider: VideoProviderName;
  /**
   * Render the single child as the link (your own `<a>`, or a component that renders one): it gets the
   * `href`, `data-*` and `aria-describedby`, and the label when it has no children.
   */
  readonly asChild?: boolean;
}

/**
 * A link to `provider`'s connect route, labelled by what it does here: "Connect Zoom" (no connection),
 * "Switch to Google Meet" (another provider is connected) or "Reconnect Zoom" (Zoom expired or became
 * invalid). Renders nothing when the root does not offer that provider now (e.g. Zoom while Zoom works).
 * Described by the root's explanation while bookings are blocked. `data-itutor-part="action"`,
 * `data-intent` (`connect | switch | reconnect`), `data-provider`. Content: children, else the label.
 * Throws outside a {@link ConnectVideoProvider}.
 */
export function ConnectVideoProviderAction({ provider, asChild, children, ...rest }: ConnectVideoProviderActionProps) {
  const context = useContext(ConnectContext);
  if (!context) throw new Error('No <ConnectVideoProvider> above');
  const { view, labels, href, explanationId } = context;
  const action = view.actions.find((a) => a.provider === provider);
  if (!action) return null;
  const label = labels[action.intent === 'switch' ? 'switchTo' : action.intent](providerName(labels, provider));
  const describedBy = [rest['aria-describedby'], explanationId].filter(Boolean).join(' ') || undefined;
  const Link = asChild ? Slot : 'a';
  let content = children ?? label;
  // An empty element given with `asChild` gets the label as its content.
  if (asChild && isValidElement<{ children?: ReactNode }>(children) && children.props.children == null) {
    content = cloneElement(children as ReactElement<{ children?: ReactNode }>, undefined, label);
  }
  return (
    <Link
      {...rest}
      href={href(provider)}
      aria-describedby={describedBy}
      data-itutor-part="action"
      data-intent={action.intent}
      data-provider={provider}
    >
      {content}
    </Link>
  );
}
