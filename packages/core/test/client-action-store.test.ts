import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { SessionError } from '@itutor/sessions-core';
import { createActionStore, isSessionError, type ActionState } from '@itutor/sessions-core/client';

/** A promise with its settle functions, to hold a run pending. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('createActionStore', () => {
  it('walks idle → pending → succeeded and notifies each change with a new snapshot', async () => {
    const store = createActionStore<{ joinUrl: string }>();
    const seen: ActionState<{ joinUrl: string }>[] = [];
    store.subscribe(() => seen.push(store.getSnapshot()));
    expect(store.getSnapshot()).toEqual({ status: 'idle', notBefore: null });
    expect(store.getSnapshot()).toBe(store.getSnapshot());
    const call = deferred<{ joinUrl: string }>();
    const running = store.run(() => call.promise);
    expect(store.getSnapshot().status).toBe('pending');
    call.resolve({ joinUrl: 'https://zoom.us/j/1' });
    const outcome = await running;
    expect(outcome).toEqual({ status: 'succeeded', result: { joinUrl: 'https://zoom.us/j/1' }, notBefore: null });
    expect(store.getSnapshot()).toBe(outcome);
    expect(seen.map((s) => s.status)).toEqual(['pending', 'succeeded']);
  });

  it('runs one at a time: a second run while pending resolves null and never calls perform', async () => {
    const store = createActionStore<number>();
    const call = deferred<number>();
    const perform = vi.fn(() => call.promise);
    const first = store.run(perform);
    const second = store.run(perform);
    await expect(second).resolves.toBeNull();
    expect(perform).toHaveBeenCalledTimes(1);
    call.resolve(1);
    await first;
    await store.run(async () => 2);
    expect(store.getSnapshot()).toMatchObject({ status: 'succeeded', result: 2 });
  });

  it('never rejects: a thrown error becomes failed with a SessionError', async () => {
    const store = createActionStore<number>();
    const outcome = await store.run(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(outcome?.status).toBe('failed');
    const error = outcome?.status === 'failed' ? outcome.error : null;
    expect(isSessionError(error, 'REQUEST_FAILED')).toBe(true);
    expect(error?.message).toBe('Failed to fetch');
  });

  it('keeps the server’s availableAt from TOO_EARLY as notBefore until a success clears it', async () => {
    const store = createActionStore<string>();
    const availableAt = new Date('2026-01-15T14:55:20.000Z');
    await store.run(async () => {
      throw new SessionError('TOO_EARLY', 'Join is not open yet', { availableAt });
    });
    expect(store.getSnapshot()).toMatchObject({ status: 'failed', notBefore: availableAt.getTime() });
    await store.run(async () => {
      throw new SessionError('REQUEST_FAILED', 'Bad gateway', { httpStatus: 502 });
    });
    expect(store.getSnapshot()).toMatchObject({ status: 'failed', notBefore: availableAt.getTime() });
    await store.run(async () => 'ok');
    expect(store.getSnapshot()).toEqual({ status: 'succeeded', result: 'ok', notBefore: null });
  });

  it('stops notifying an unsubscribed listener', async () => {
    const store = createActionStore<number>();
    const listener = vi.fn();
    const off = store.subscribe(listener);
    const call = deferred<number>();
    const running = store.run(() => call.promise);
    off();
    call.reject(new Error('nope'));
    await running;
    expect(listener).toHaveBeenCalledTimes(1);
  });
});

describe('browser path of @itutor/sessions-core/client', () => {
  it('bundles without zod or the services, in a few hundred bytes', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../src/client/index.ts', import.meta.url))],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      external: ['@itutor/sessions-core'],
    });
    const output = Object.values(result.metafile.outputs)[0]!;
    const included = Object.keys(output.inputs);
    expect(included.some((p) => p.includes('/zod/') || /src\/(service|http|machine)/.test(p))).toBe(false);
    // ~4 040 B minified: the client carries its own copy of the error class and the ERROR_CODES list (~1 000 B
    // since #23 and #24 added the dispute, payout, chargeback and recovery codes), the dispute view's read,
    // and (#24) the payment and chargeback calls (~560 B).
    expect(output.bytes).toBeLessThan(4_300);
  });
});
