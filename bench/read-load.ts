/** R readers, each reading again as soon as it has its answer, for `seconds`: the latencies, sorted. */
export async function readLoad(readers: number, seconds: number, read: () => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: readers }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await read();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}
