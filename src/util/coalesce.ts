/**
 * Concurrent callers share one call: a caller joins the next call to start, never one already under way (which
 * may have read the state before the caller's own last change), so every caller gets an answer read after it
 * asked. However many callers wait, at most one call runs and one more is queued.
 */
export function coalesced<T>(call: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const current = call().finally(() => {
      if (running === current) running = undefined;
    });
    running = current;
    return current;
  };
  return () => {
    if (queued) return queued;
    if (!running) return start();
    const next = running.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      queued = undefined;
      return start();
    });
    queued = next;
    return next;
  };
}
