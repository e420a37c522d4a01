import type { World } from './src/world';

export declare const DEFAULT_PORT: number;

export declare class PortInUseError extends Error {
  readonly port: number;
}

export interface StartDemoOptions {
  /** Port to listen on (default 4321; 0 = any free port). */
  readonly port?: number;
  /** Interface (default 127.0.0.1). */
  readonly host?: string;
  /** Fail when `port` is taken instead of taking the next free one. */
  readonly strictPort?: boolean;
  /** Called as soon as the page can be opened, before the database is up. */
  readonly onListening?: (info: { url: string; port: number; requestedPort: number; afterMs: number }) => void;
}

export interface RunningDemo {
  readonly url: string;
  readonly port: number;
  /** The current world: the page's Restart replaces it, so read it each time. */
  readonly world: World;
  /** The page's Restart: the initial data again (sessions, ledger, connections, fakes) and the clock at its start. */
  restart(): Promise<void>;
  readonly startup: { readonly rebuilt: string[]; readonly database: 'snapshot' | 'migrated'; readonly readyAfterMs: number };
  close(): Promise<void>;
}

export declare function startDemo(options?: StartDemoOptions): Promise<RunningDemo>;
