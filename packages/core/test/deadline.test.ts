import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '../src/adapter';

/** A call that never answers on its own: it records its signal and can be answered late by hand. */
function pendingCall<T>() {
  const seen: AbortSignal[] = [];
  let answer!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const call = vi.fn((signal: AbortSignal) => {
    seen.push(signal);
    return new Promise<T>((resolve, reject) => {
      answer = resolve;
      fail = reject;
    });
  });
  return { call, seen, answer: (value: T) => answer(value), fail: (error: unknown) => fail(error) };
}

/** How a promise stands right now: flushes microtasks only, never advances the clock. */
async function stateOf<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown } | 'pending'> {
  let state: { value: T } | { error: unknown } | 'pending' = 'pending';
  promise.then(
    (value) => (state = { value }),
    (error: unknown) => (state = { error }),
  );
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return state;
}

describe('withDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an answer in time is the outcome, and no timer is left', async () => {
    const p = pendingCall<string>();
    const result = withDeadline(p.call, { timeoutMs: 1_000, what: 'the lookup', onTimeout: () => 'timeout' });
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    p.answer('answer');
    expect(await stateOf(result)).toEqual({ value: 'answer' });
    expect(vi.getTimerCount()).toBe(0);
    expect(p.seen[0]!.aborted).toBe(false);
  });

  it('a rejection in time is the outcome (not the timeout outcome), and no timer is left', async () => {
    const p = pendingCall<string>();
    const result = withDeadline(p.call, { timeoutMs: 1_000, what: 'the lookup', onTimeout: () => 'timeout' });
    const boom = new Error('boom');
    p.fail(boom);
    expect(await stateOf(result)).toEqual({ error: boom });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('settles exactly at the limit with the timeout outcome, without waiting for the call, and aborts its signal naming what timed out', async () => {
    const p = pendingCall<string>();
    const result = withDeadline(p.call, { timeoutMs: 1_000, what: 'the lookup', onTimeout: () => 'timeout' });
    await vi.advanceTimersByTimeAsync(999);
    expect(await stateOf(result)).toBe('pending');
    expect(p.seen[0]!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(result)).toEqual({ value: 'timeout' });
    expect(p.seen[0]!.aborted).toBe(true);
    const reason = p.seen[0]!.reason as Error;
    expect(reason).toBeInstanceOf(Error);
    expect(reason.name).toBe('TimeoutError');
    expect(reason.message).toBe('the lookup did not answer within 1000 ms');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the timeout outcome gets the reason; a throw in it rejects, and without one the reason rejects', async () => {
    const seenReasons: unknown[] = [];
    const own = new Error('own');
    const thrown = withDeadline(pendingCall<string>().call, {
      timeoutMs: 10,
      what: 'the store',
      onTimeout: (reason) => {
        seenReasons.push(reason);
        throw own;
      },
    });
    const plain = withDeadline(pendingCall<string>().call, { timeoutMs: 10, what: 'the store' });
    // Watched before the clock moves, so their rejections are handled when they come.
    const watched = [stateOf(thrown), stateOf(plain)] as const;
    await vi.advanceTimersByTimeAsync(10);
    expect(await stateOf(thrown)).toEqual({ error: own });
    const settled = await stateOf(plain);
    await Promise.all(watched);
    expect(settled).toEqual({ error: expect.objectContaining({ name: 'TimeoutError', message: 'the store did not answer within 10 ms' }) });
    expect((seenReasons[0] as Error).message).toBe('the store did not answer within 10 ms');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a late answer or a late rejection is ignored (and the rejection is handled)', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const a = pendingCall<string>();
      const b = pendingCall<string>();
      const first = withDeadline(a.call, { timeoutMs: 5, what: 'a', onTimeout: () => 'timeout' });
      const second = withDeadline(b.call, { timeoutMs: 5, what: 'b', onTimeout: () => 'timeout' });
      await vi.advanceTimersByTimeAsync(5);
      a.answer('late');
      b.fail(new Error('late failure'));
      expect(await stateOf(first)).toEqual({ value: 'timeout' });
      expect(await stateOf(second)).toEqual({ value: 'timeout' });
      vi.useRealTimers();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('a synchronous throw of the call is a rejection, and no timer is left', async () => {
    const boom = new Error('sync');
    const result = withDeadline<string>(
      () => {
        throw boom;
      },
      { timeoutMs: 1_000, what: 'the call', onTimeout: () => 'timeout' },
    );
    expect(await stateOf(result)).toEqual({ error: boom });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a call answering a plain value (not a promise) is answered', async () => {
    expect(await stateOf(withDeadline(() => 42, { timeoutMs: 10, what: 'the call' }))).toEqual({ value: 42 });
    expect(vi.getTimerCount()).toBe(0);
  });

  describe('an outer signal', () => {
    it('aborting first: aborts the call with the outer reason and settles with onAbort at once; no timer, no listener left', async () => {
      const outer = new AbortController();
      const removed = vi.spyOn(outer.signal, 'removeEventListener');
      const p = pendingCall<string>();
      const result = withDeadline(p.call, { timeoutMs: 1_000, what: 'the call', signal: outer.signal, onTimeout: () => 'timeout', onAbort: () => 'aborted' });
      await vi.advanceTimersByTimeAsync(100);
      const why = new Error('the caller stopped');
      outer.abort(why);
      expect(await stateOf(result)).toEqual({ value: 'aborted' });
      expect(p.seen[0]!.aborted).toBe(true);
      expect(p.seen[0]!.reason).toBe(why);
      expect(vi.getTimerCount()).toBe(0);
      expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
    });

    it('without onAbort: the timeout outcome, given the outer reason; without either: rejects with the outer reason', async () => {
      const outer = new AbortController();
      const reasons: unknown[] = [];
      const asTimeout = withDeadline(pendingCall<string>().call, {
        timeoutMs: 1_000,
        what: 'the call',
        signal: outer.signal,
        onTimeout: (reason) => {
          reasons.push(reason);
          return 'timeout';
        },
      });
      const bare = withDeadline(pendingCall<string>().call, { timeoutMs: 1_000, what: 'the call', signal: outer.signal });
      outer.abort('stop');
      expect(await stateOf(asTimeout)).toEqual({ value: 'timeout' });
      expect(reasons).toEqual(['stop']);
      expect(await stateOf(bare)).toEqual({ error: 'stop' });
      expect(vi.getTimerCount()).toBe(0);
    });

    it('already aborted: settles at once and never makes the call', async () => {
      const outer = new AbortController();
      outer.abort('gone');
      const p = pendingCall<string>();
      const result = withDeadline(p.call, { timeoutMs: 1_000, what: 'the call', signal: outer.signal, onAbort: (reason) => `aborted: ${String(reason)}` });
      expect(await stateOf(result)).toEqual({ value: 'aborted: gone' });
      expect(p.call).not.toHaveBeenCalled();
      expect(vi.getTimerCount()).toBe(0);
    });

    it('answered first: the listener is removed, a later outer abort changes nothing and does not reach the call', async () => {
      const outer = new AbortController();
      const removed = vi.spyOn(outer.signal, 'removeEventListener');
      const p = pendingCall<string>();
      const onAbort = vi.fn(() => 'aborted');
      const result = withDeadline(p.call, { timeoutMs: 1_000, what: 'the call', signal: outer.signal, onAbort });
      p.answer('answer');
      expect(await stateOf(result)).toEqual({ value: 'answer' });
      expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
      outer.abort();
      expect(onAbort).not.toHaveBeenCalled();
      expect(p.seen[0]!.aborted).toBe(false);
    });

    it('timed out first: the listener is removed, a later outer abort changes nothing', async () => {
      const outer = new AbortController();
      const p = pendingCall<string>();
      const onAbort = vi.fn(() => 'aborted');
      const result = withDeadline(p.call, { timeoutMs: 10, what: 'the call', signal: outer.signal, onTimeout: () => 'timeout', onAbort });
      await vi.advanceTimersByTimeAsync(10);
      outer.abort();
      expect(await stateOf(result)).toEqual({ value: 'timeout' });
      expect(onAbort).not.toHaveBeenCalled();
      expect((p.seen[0]!.reason as Error).name).toBe('TimeoutError');
    });

    it('with no time limit (Infinity): no timer, only the outer signal ends the wait', async () => {
      const outer = new AbortController();
      const p = pendingCall<string>();
      const result = withDeadline(p.call, { timeoutMs: Infinity, what: 'the call', signal: outer.signal, onAbort: () => 'aborted' });
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(3_000_000_000);
      expect(await stateOf(result)).toBe('pending');
      outer.abort();
      expect(await stateOf(result)).toEqual({ value: 'aborted' });
    });
  });

  it('a limit beyond a timer’s range waits the longest a timer can, not a moment', async () => {
    const result = withDeadline(pendingCall<string>().call, { timeoutMs: 10_000_000_000, what: 'the call', onTimeout: () => 'timeout' });
    await vi.advanceTimersByTimeAsync(2_147_483_646);
    expect(await stateOf(result)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(result)).toEqual({ value: 'timeout' });
  });

  it('refuses a limit that is not a number ≥ 0 (and makes no call)', async () => {
    for (const timeoutMs of [-1, Number.NaN, '5' as unknown as number]) {
      const call = vi.fn(() => 1);
      await expect(withDeadline(call, { timeoutMs, what: 'the call' })).rejects.toThrow(TypeError);
      expect(call).not.toHaveBeenCalled();
    }
    expect(vi.getTimerCount()).toBe(0);
  });
});
