import type { Clock, SessionsAdapter } from '@itutor/sessions-core';
import { createInMemoryAdapter } from '@itutor/sessions-core/testing';

/**
 * The demo's database. TODO(lead): PGlite with the Supabase package's migration once that lands;
 * the in-memory adapter stands in until then.
 */
export async function openDatabase(clock: Clock): Promise<{ adapter: SessionsAdapter; kind: string; close(): Promise<void> }> {
  return { adapter: createInMemoryAdapter({ clock }), kind: 'in-memory', close: async () => undefined };
}
