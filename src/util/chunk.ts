/** `items` in consecutive groups of at most `size`. */
export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/**
 * `items` in consecutive groups whose weights add up to at most `maxWeight` (an item heavier than that alone in
 * its group) and of at most `maxItems` each.
 */
export function chunkByWeight<T>(items: T[], weightOf: (item: T) => number, maxWeight: number, maxItems: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let weight = 0;
  for (const item of items) {
    const itemWeight = weightOf(item);
    if (current.length > 0 && (weight + itemWeight > maxWeight || current.length >= maxItems)) {
      chunks.push(current);
      current = [];
      weight = 0;
    }
    current.push(item);
    weight += itemWeight;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
