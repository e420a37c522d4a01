// Size budgets of @itutor/sessions-react, measured as a host bundles it: see scripts/size-budgets.mjs.
// Every budget includes the core code the components pull (through @itutor/sessions-core's exports) and
// leaves out react, react-dom, react/jsx-runtime and @radix-ui/* (the host's app has them; the "/chargebacks"
// budgets name @radix-ui/react-alert-dialog, which REACT_PEERS does not list).
import { REACT_PEERS, hostBudgets } from '../../scripts/size-budgets.mjs';

export default hostBudgets(import.meta.url, [
  {
    name: 'react ".": both buttons (SessionJoinButton + MarkNoShowButton) with the core code they pull; react, react-dom, @radix-ui/* excluded',
    import: { '@itutor/sessions-react': '{ SessionJoinButton, MarkNoShowButton }' },
    external: REACT_PEERS,
    // 6.2 kB until #22: the core's third release brought 6.0 kB; the presence rule in MarkNoShowButton
    // (its state, the `tutorNotPresent` text, the server's TUTOR_NOT_PRESENT held per session) 6.29 kB.
    limit: '6.45 kB',
  },
  {
    name: 'react ".": SessionJoinButton alone, tree-shaken (same exclusions)',
    import: { '@itutor/sessions-react': '{ SessionJoinButton }' },
    external: REACT_PEERS,
    limit: '4.9 kB',
  },
  {
    name: 'react ".": MarkNoShowButton alone, tree-shaken (same exclusions)',
    import: { '@itutor/sessions-react': '{ MarkNoShowButton }' },
    external: REACT_PEERS,
    // 5 kB until #22 (4.93 kB with the core's third release); the presence rule: 5.18 kB.
    limit: '5.3 kB',
  },
  {
    name: 'react ".": ReportTutorAbsentButton alone, tree-shaken (same exclusions)',
    import: { '@itutor/sessions-react': '{ ReportTutorAbsentButton }' },
    external: REACT_PEERS,
    // 5.36 kB: MarkNoShowButton's counterpart, plus its live announcement and its texts (DEFAULT_OUTCOME_LABELS).
    limit: '5.6 kB',
  },
  {
    name: 'react ".": CancelSessionButton alone, tree-shaken (same exclusions)',
    import: { '@itutor/sessions-react': '{ CancelSessionButton }' },
    external: REACT_PEERS,
    // 5.24 kB: the dialog, the fee preview (core getCancellationPreview), formatMoney and its texts.
    limit: '5.4 kB',
  },
  {
    name: 'react ".": useRescheduleSession alone, tree-shaken (same exclusions)',
    import: { '@itutor/sessions-react': '{ useRescheduleSession }' },
    external: REACT_PEERS,
    // 2.49 kB: the hook, the shared context and the core client (action store, postSessionAction).
    limit: '2.75 kB',
  },
  {
    name: 'react ".": whole entry (buttons, hooks, clock, labels) with the core code it pulls (same exclusions)',
    import: { '@itutor/sessions-react': '*' },
    external: REACT_PEERS,
    // 6.6 kB until #22; with ReportTutorAbsentButton and its parts, CancelSessionButton,
    // useRescheduleSession, tutorAbsentStateAt / useTutorAbsentState and DEFAULT_OUTCOME_LABELS: 9.2 kB.
    // A page pays only for what it imports (the budgets above).
    limit: '9.4 kB',
  },
  {
    name: 'react "/connect": whole entry (ConnectVideoProvider) with what it pulls from "." (the shared context) and the core (same exclusions)',
    import: { '@itutor/sessions-react/connect': '*' },
    external: REACT_PEERS,
    limit: '2.85 kB',
  },
  {
    name: 'react "/attendance": whole entry (useSessionAttendance, SessionAttendanceStatus) with what it pulls from "." and the core client (same exclusions)',
    import: { '@itutor/sessions-react/attendance': '*' },
    external: REACT_PEERS,
    // 2.1 kB before the one error class: a failed read is now a SessionError with a known code (the client's
    // ERROR_CODES list, ~300 B): 2.44 kB, ~12% headroom.
    limit: '2.75 kB',
  },
  {
    name: 'react "/disputes": whole entry (useDispute, OpenDisputeButton, DisputePanel) with what it pulls from "." and the core (same exclusions)',
    import: { '@itutor/sessions-react/disputes': '*' },
    external: REACT_PEERS,
    // 9.19 kB: the hook and the core client's read and write, both components, their Radix dialogs' markup,
    // formatMoney, and every default text (DEFAULT_DISPUTE_LABELS). A page pays only for what it imports (below).
    limit: '9.6 kB',
  },
  {
    name: 'react "/disputes": OpenDisputeButton alone, tree-shaken (same exclusions)',
    import: { '@itutor/sessions-react/disputes': '{ OpenDisputeButton }' },
    external: REACT_PEERS,
    // 5.19 kB: the student's report dialog, the hook, and only its own texts (the labels are kept in parts).
    limit: '5.45 kB',
  },
  {
    name: 'react "/disputes": DisputePanel alone, tree-shaken (same exclusions)',
    import: { '@itutor/sessions-react/disputes': '{ DisputePanel }' },
    external: REACT_PEERS,
    // 7.9 kB: the facts, the timeline, every step's dialog and fields, the exact money parsing, the hook.
    limit: '8.25 kB',
  },
  {
    name: 'react "/disputes": useDispute alone, tree-shaken (same exclusions)',
    import: { '@itutor/sessions-react/disputes': '{ useDispute }' },
    external: REACT_PEERS,
    // 2.57 kB: the hook, the shared context and the core client (getDisputeView, postSessionAction, the action store).
    limit: '2.8 kB',
  },
  {
    name: 'react "/payments": whole entry (useCompletePayment, CompletePaymentButton) with what it pulls from "." and the core (same exclusions)',
    import: { '@itutor/sessions-react/payments': '*' },
    external: REACT_PEERS,
    // 4.05 kB: the button (the whole entry is the button: it renders the hook's every state), the hook, the
    // core client's getPayment / startPayment (with its SessionError codes), formatMoney, every default text.
    limit: '4.25 kB',
  },
  {
    name: 'react "/payments": useCompletePayment alone, tree-shaken (same exclusions)',
    import: { '@itutor/sessions-react/payments': '{ useCompletePayment }' },
    external: REACT_PEERS,
    // 2.65 kB: the hook, the shared context and the core client's GET/POST …/payment (with its SessionError codes).
    limit: '2.8 kB',
  },
  {
    name: 'react "/chargebacks": whole entry (useChargebacks, ChargebackPanel) with what it pulls from "." and the core (same exclusions, and @radix-ui/react-alert-dialog)',
    import: { '@itutor/sessions-react/chargebacks': '*' },
    external: [...REACT_PEERS, '@radix-ui/react-alert-dialog'],
    // 5.95 kB: the panel (the whole entry is the panel), its alert dialog's markup, the hook and the core's
    // action store, formatMoney, the dates, every default text (statuses, Stripe's reasons, the field headings).
    limit: '6.2 kB',
  },
  {
    name: 'react "/chargebacks": useChargebacks alone, tree-shaken (same exclusions)',
    import: { '@itutor/sessions-react/chargebacks': '{ useChargebacks }' },
    external: [...REACT_PEERS, '@radix-ui/react-alert-dialog'],
    // 2.63 kB: the hook, the shared context, the core's action store and the core client's chargeback calls.
    limit: '2.8 kB',
  },
  {
    name: 'react "/testing": whole entry (the manual clock) with the core "/testing" code it pulls (same exclusions)',
    import: { '@itutor/sessions-react/testing': '*' },
    external: REACT_PEERS,
    limit: '1.22 kB',
  },
  {
    name: 'react "." buttons + "/connect" ConnectVideoProvider in one app (the connect entry shares the main entry\'s code, not a copy; same exclusions)',
    import: {
      '@itutor/sessions-react': '{ SessionJoinButton, MarkNoShowButton }',
      '@itutor/sessions-react/connect': '{ ConnectVideoProvider }',
    },
    external: REACT_PEERS,
    limit: '7.8 kB',
  },
]);
