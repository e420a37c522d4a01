// Size budgets of @itutor/sessions-react, measured as a host bundles it: see scripts/size-budgets.mjs.
// Every budget includes the core code the components pull (through @itutor/sessions-core's exports) and
// leaves out react, react-dom, react/jsx-runtime and @radix-ui/* (the host's app has them).
import { REACT_PEERS, hostBudgets } from '../../scripts/size-budgets.mjs';

export default hostBudgets(import.meta.url, [
  {
    name: 'react ".": both buttons (SessionJoinButton + MarkNoShowButton) with the core code they pull; react, react-dom, @radix-ui/* excluded',
    import: { '@itutor/sessions-react': '{ SessionJoinButton, MarkNoShowButton }' },
    external: REACT_PEERS,
    limit: '6.2 kB',
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
    limit: '5 kB',
  },
  {
    name: 'react ".": whole entry (buttons, hooks, clock, labels) with the core code it pulls (same exclusions)',
    import: { '@itutor/sessions-react': '*' },
    external: REACT_PEERS,
    limit: '6.6 kB',
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
