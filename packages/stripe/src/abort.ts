/** `promise`'s value, or `aborted` as soon as `signal` aborts (the promise is left to settle on its own). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<{ readonly value: T } | { readonly aborted: true }> {
  // A rejection after the abort is nobody's to handle: keep it from becoming an unhandled rejection.
  promise.catch(() => undefined);
  if (signal === undefined) return promise.then((value) => ({ value }));
  if (signal.aborted) return Promise.resolve({ aborted: true });
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve({ aborted: true });
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ value });
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
