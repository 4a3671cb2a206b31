import { settlePagesWithConcurrency } from '../../src/util/concurrency';

/** A call that ends when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Pages served in order, an empty one at the end; records when each was read. */
function pagesOf<T>(pages: T[][], log: string[]) {
  let next = 0;
  return async () => {
    const page = pages[next++] ?? [];
    log.push(`read ${page.length > 0 ? String(page[0]) : 'end'}`);
    await tick();
    return page;
  };
}

describe('settlePagesWithConcurrency', () => {
  it('runs every item once, never more than the limit at a time, and hands each page its results in order', async () => {
    const log: string[] = [];
    let inFlight = 0;
    let most = 0;
    const ran: number[] = [];
    const handed: Array<{ items: readonly number[]; results: PromiseSettledResult<number>[] }> = [];
    await settlePagesWithConcurrency(
      pagesOf([[1, 2, 3, 4, 5], [6, 7, 8], [9]], log),
      3,
      async (n) => {
        most = Math.max(most, ++inFlight);
        ran.push(n);
        // Later items finish first within a page: results must still follow the page's order.
        await new Promise((resolve) => setTimeout(resolve, 10 - n));
        inFlight--;
        if (n === 4) throw new Error('four failed');
        return n * 10;
      },
      async (items, results) => {
        handed.push({ items, results });
        await tick();
      },
    );
    expect(ran.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
    expect(log).toEqual(['read 1', 'read 6', 'read 9', 'read end']);
    const first = handed.find(({ items }) => items[0] === 1)!;
    expect(first.results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([10, 20, 30, 'four failed', 50]);
    expect(handed.map(({ items }) => items[0]).sort()).toEqual([1, 6, 9]);
  });

  it('a slow item holds its own lane only: the next page is read and settled while it is still in flight', async () => {
    const log: string[] = [];
    const slow = gate();
    const order: string[] = [];
    const done = settlePagesWithConcurrency(
      pagesOf([['slow', 'a'], ['b', 'c']], log),
      2,
      async (item) => {
        if (item === 'slow') await slow.opened;
        return item;
      },
      (items) => {
        order.push(`page ${items.join('+')}`);
        return Promise.resolve();
      },
    );
    // A page-by-page loop would wait for 'slow' before reading ['b', 'c'].
    for (let i = 0; i < 20 && !order.includes('page b+c'); i++) await tick();
    expect(order).toEqual(['page b+c']);
    expect(log).toEqual(['read slow', 'read b', 'read end']);
    slow.open();
    await done;
    expect(order).toEqual(['page b+c', 'page slow+a']);
  });

  it('an error from onPage stops new items, lets those in flight settle, then is thrown', async () => {
    const started: number[] = [];
    const lastInFlight = gate();
    let settledInFlight = false;
    const run = settlePagesWithConcurrency(
      pagesOf([[1], [2], [3], [4]], []),
      2,
      async (n) => {
        started.push(n);
        // Item 1 outlasts the read of the next page, so item 2 is in flight when page 1's record fails.
        if (n === 1) for (let i = 0; i < 3; i++) await tick();
        if (n === 2) {
          await lastInFlight.opened;
          settledInFlight = true;
        }
        return n;
      },
      (items) => (items[0] === 1 ? Promise.reject(new Error('could not record page 1')) : Promise.resolve()),
    );
    let outcome: unknown;
    void run.catch((error: unknown) => (outcome = error));
    for (let i = 0; i < 20; i++) await tick();
    expect(outcome).toBeUndefined(); // item 2 is still in flight
    lastInFlight.open();
    await expect(run).rejects.toThrow('could not record page 1');
    expect(settledInFlight).toBe(true);
    expect(started).toEqual([1, 2]);
  });

  it('an error reading a page is thrown', async () => {
    let reads = 0;
    await expect(
      settlePagesWithConcurrency(
        () => {
          if (++reads === 2) return Promise.reject(new Error('database unreachable'));
          return Promise.resolve(reads === 1 ? ['x'] : []);
        },
        4,
        (item) => Promise.resolve(item),
        () => Promise.resolve(),
      ),
    ).rejects.toThrow('database unreachable');
  });
});
