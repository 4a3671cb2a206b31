/** One call's outcome, as Promise.allSettled reports it. */
async function settle<T, R>(fn: (item: T) => Promise<R>, item: T): Promise<PromiseSettledResult<R>> {
  try {
    return { status: 'fulfilled', value: await fn(item) };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, and settles every one
 * (one failure never stops the others). Results keep the input order.
 */
export async function settleWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await settle(fn, items[index]!);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * Runs `fn` over items read a page at a time from `nextPage` (an empty page ends it), with at most `limit` calls in
 * flight across pages, and hands each page's results (in its order) to `onPage` once every item of it settled.
 *
 * The next page is read as soon as a lane runs out of items, not once the last page settled: a slow item holds its
 * own lane only, while the other lanes go on (a page-by-page loop waits for each page's slowest item). Pages are
 * read one at a time. The first error from `nextPage` or `onPage` stops the lanes taking more items and is thrown
 * once the calls in flight have settled.
 */
export async function settlePagesWithConcurrency<T, R>(
  nextPage: () => Promise<readonly T[]>,
  limit: number,
  fn: (item: T) => Promise<R>,
  onPage: (items: readonly T[], results: PromiseSettledResult<R>[]) => Promise<void>,
): Promise<void> {
  interface Page {
    items: readonly T[];
    results: PromiseSettledResult<R>[];
    left: number;
  }
  const queue: { page: Page; index: number }[] = [];
  let exhausted = false;
  let reading: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;

  const readPage = (): Promise<void> =>
    (reading ??= (async () => {
      const items = await nextPage();
      if (items.length === 0) {
        exhausted = true;
        return;
      }
      const page: Page = { items, results: new Array<PromiseSettledResult<R>>(items.length), left: items.length };
      items.forEach((_, index) => queue.push({ page, index }));
    })().finally(() => (reading = undefined)));

  async function lane(): Promise<void> {
    while (!failure) {
      const next = queue.shift();
      if (!next) {
        if (exhausted) return;
        await readPage();
        continue;
      }
      const { page, index } = next;
      page.results[index] = await settle(fn, page.items[index]!);
      if (--page.left === 0) await onPage(page.items, page.results);
    }
  }

  await Promise.all(
    Array.from({ length: limit }, () =>
      lane().catch((error: unknown) => {
        failure ??= { error };
      }),
    ),
  );
  if (failure) throw failure.error;
}
