import { setupServer } from 'msw/node';
import type { ProviderFake } from './fakes';

/** The fakes answering this process's requests to Zoom and Google, from {@link interceptProviders}. */
export interface ProviderInterception {
  /** Answers with these fakes from now on (replacing the previous ones; e.g. fresh fakes per test). */
  use(...fakes: ProviderFake[]): void;
  /** Stops intercepting: requests go to the network again. */
  close(): void;
}

/**
 * Makes this Node process's `fetch` (and `http`/`https`) requests to Zoom's and Google's endpoints
 * reach `fakes` instead of the internet (msw 2's `setupServer`). Every other request — a database, the
 * host's own server — passes through untouched. For tests and local demos; one per process.
 *
 * ```ts
 * const zoomFake = createZoomFake();
 * const interception = interceptProviders(zoomFake);
 * // ... zoom({ clientId: 'test-client-id', clientSecret: 'test-client-secret', ... }) now talks to the fake
 * interception.close();
 * ```
 */
export function interceptProviders(...fakes: ProviderFake[]): ProviderInterception {
  const server = setupServer(...fakes.flatMap((f) => f.handlers));
  server.listen({ onUnhandledRequest: 'bypass' });
  return {
    use: (...next) => server.resetHandlers(...next.flatMap((f) => f.handlers)),
    close: () => server.close(),
  };
}
