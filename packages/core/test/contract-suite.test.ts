import { describe, expect, it } from 'vitest';
import type { SessionEvent, SessionsAdapter } from '@itutor/sessions-core';
import { createInMemoryAdapter, runAdapterContractSuite, type AdapterContractOptions, type RawStorageReader } from '@itutor/sessions-core/testing';
import { collectCases, runCases, type CaseResult } from './support/contract-runner';

/**
 * The contract suite itself: what it reports for adapters that lack optional ports, under runners with
 * and without a test context, for raw readers that answer "refused" without trying, and for storage that
 * reorders payload keys (as jsonb does). The suite runs in-process here (support/contract-runner).
 */

const withoutPorts = () => {
  const full = createInMemoryAdapter();
  const adapter: SessionsAdapter = { sessions: full.sessions, connections: full.connections, events: full.events, charges: full.charges };
  return { adapter, raw: full.raw };
};

const suite = (setup: AdapterContractOptions['setup'], extra: Partial<AdapterContractOptions> = {}, withSkip = false) =>
  collectCases((test) => runAdapterContractSuite({ name: 'test', setup, test, ...extra }), { withSkip });

/** The cases of optional ports: the refund cases, the attendance cases, the meeting case. */
const isPortCase = (name: string) => {
  const last = name.split(' > ').at(-1)!;
  const chargebackCase = name.includes('chargebacks and payment recovery') && !last.includes('waiting for its student');
  return /refund/.test(last) || name.includes('attendance (adapters with') || name.includes('video meetings (adapters with') || name.includes('payouts and disputes') || chargebackCase;
};

const summary = (results: CaseResult[]) => ({
  passed: results.filter((r) => r.status === 'passed').length,
  failed: results.filter((r) => r.status === 'failed').map((r) => `${r.name}: ${String((r.error as Error)?.message ?? r.error)}`),
  skipped: results.filter((r) => r.status === 'skipped').map((r) => r.name),
});

describe('the adapter contract suite', () => {
  it('passes the in-memory adapter, every case run', async () => {
    const real = await runCases(
      suite(async () => {
        const a = createInMemoryAdapter();
        return { adapter: a, raw: a.raw };
      }),
    );
    const s = summary(real);
    expect(s.failed).toEqual([]);
    expect(s.skipped).toEqual([]);
    expect(s.passed).toBe(real.length);
    expect(real.filter((r) => isPortCase(r.name)).length).toBeGreaterThanOrEqual(10);
  });

  it('reports the cases of optional ports an adapter lacks as skipped, never passed (through the runner\'s context)', async () => {
    const cases = suite(async () => withoutPorts());
    const results = await runCases(cases, { context: 'vitest' });
    const s = summary(results);
    expect(s.failed).toEqual([]);
    expect(s.skipped.sort()).toEqual(cases.map((c) => c.name).filter(isPortCase).sort());
    expect(s.skipped.length).toBeGreaterThanOrEqual(10);
  });

  it('with a runner that passes no context (Jest), a case of a missing port fails and says what to declare', async () => {
    const results = await runCases(suite(async () => withoutPorts()), { context: 'none' });
    const failed = results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.name).sort()).toEqual(results.map((r) => r.name).filter(isPortCase).sort());
    for (const r of failed) expect((r.error as Error).message).toMatch(/absentPorts.*test\.skip/);
  });

  it('registers the cases of `absentPorts` with `test.skip` (Jest\'s it.skip); declaring a port the adapter has fails its cases', async () => {
    const declared = suite(async () => withoutPorts(), { absentPorts: ['refunds', 'meetings', 'attendance', 'payouts', 'disputes', 'chargebacks'] }, true);
    expect(declared.filter((c) => c.registeredSkipped).map((c) => c.name).sort()).toEqual(declared.map((c) => c.name).filter(isPortCase).sort());
    const results = await runCases(declared, { context: 'none' });
    expect(summary(results).failed).toEqual([]);

    const wrong = await runCases(
      suite(async () => {
        const a = createInMemoryAdapter();
        return { adapter: a, raw: a.raw };
      }, { absentPorts: ['meetings'] }),
    );
    const failed = wrong.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.name)).toEqual([expect.stringContaining('one meeting per (provider, key)')]);
    expect((failed[0]!.error as Error).message).toMatch(/absentPorts.*lists `meetings`, but the adapter has it/);
  });

  it('declares no parameter on its test bodies (Jest would wait for a done callback)', () => {
    for (const c of suite(async () => withoutPorts())) expect(c.body.length, c.name).toBe(0);
  });

  it('fails a raw reader whose try helpers answer "refused" without trying: each is proven with an allowed change first', async () => {
    const results = await runCases(
      suite(async () => {
        const a = createInMemoryAdapter();
        const liar: RawStorageReader = {
          ...a.raw,
          tryChangeEvent: async () => false,
          tryWriteSession: async () => false,
          tryWriteCharge: async () => false,
          tryWriteRefund: async () => false,
        };
        return { adapter: a, raw: liar };
      }),
    );
    const messages = results.filter((r) => r.status === 'failed').map((r) => (r.error as Error).message);
    for (const helper of ['raw.tryChangeEvent', 'raw.tryWriteSession', 'raw.tryWriteCharge', 'raw.tryWriteRefund']) {
      expect(messages.some((m) => m.includes(`${helper} must be able to`)), helper).toBe(true);
    }
  });

  it('compares payloads by value: storage that reorders payload keys (as jsonb does) passes; one that drops a nested key fails', async () => {
    const reorder = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reorder);
      if (value === null || typeof value !== 'object' || value instanceof Date) return value;
      return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reorder(v)]));
    };
    const dropNested = (value: unknown): unknown =>
      value !== null && typeof value === 'object' && 'nested' in value ? { ...(value as object), nested: { z: 1 } } : value;
    const wrap = (change: (payload: unknown) => unknown) => async () => {
      const a = createInMemoryAdapter();
      const map = (events: SessionEvent[]) => events.map((e) => ({ ...e, payload: change(e.payload) as SessionEvent['payload'] }));
      const adapter: SessionsAdapter = {
        ...a,
        events: { listBySession: async (id) => map(await a.events.listBySession(id)), listByTutor: async (id) => map(await a.events.listByTutor(id)) },
      };
      const raw: RawStorageReader = { ...a.raw, events: async (id) => map(await a.raw.events(id)), tutorEvents: async (id) => map(await a.raw.tutorEvents(id)) };
      return { adapter, raw };
    };
    expect(summary(await runCases(suite(wrap(reorder)))).failed).toEqual([]);
    const dropped = summary(await runCases(suite(wrap(dropNested))));
    expect(dropped.failed.length).toBeGreaterThan(10);
    expect(dropped.failed.join('\n')).toMatch(/payload is .*expected .*key order does not matter/);
  });
});
