import { coalesced } from '../../src/util/coalesce';

describe('coalesced calls', () => {
  it('runs one call at a time; callers arriving meanwhile share the next one, which starts after they asked', async () => {
    const started: number[] = [];
    const finish: (() => void)[] = [];
    let calls = 0;
    const read = coalesced(async () => {
      const n = ++calls;
      started.push(n);
      await new Promise<void>((resolve) => finish.push(resolve));
      return n;
    });
    const first = read();
    const [second, third] = [read(), read()];
    expect(started).toEqual([1]); // the later callers do not join the call already under way
    finish.shift()!();
    expect(await first).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2]);
    finish.shift()!();
    expect(await Promise.all([second, third])).toEqual([2, 2]);
    const fourth = read();
    expect(started).toEqual([1, 2, 3]);
    finish.shift()!();
    expect(await fourth).toBe(3);
  });

  it('a failed call fails its callers only; the next callers get a fresh call', async () => {
    let fail = true;
    const read = coalesced(() => (fail ? Promise.reject(new Error('down')) : Promise.resolve('ok')));
    await expect(read()).rejects.toThrow('down');
    fail = false;
    await expect(read()).resolves.toBe('ok');
  });
});
