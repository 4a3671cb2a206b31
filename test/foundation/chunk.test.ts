/** The cascade sizes its transactions by jobs: campaigns grouped by their unfinished jobs (activities/breaker.ts). */
import { chunkByWeight } from '../../src/util/chunk';

const weights = (groups: number[][]) => groups.map((group) => group.reduce((sum, weight) => sum + weight, 0));

test('groups consecutive items up to the weight, in order', () => {
  const items = [200, 200, 200, 200, 200];
  expect(chunkByWeight(items, (weight) => weight, 400, 1_000)).toEqual([[200, 200], [200, 200], [200]]);
});

test('many light items make few groups, up to the item cap', () => {
  const groups = chunkByWeight(Array.from({ length: 10_000 }, () => 20), (weight) => weight, 20_000, 1_000);
  expect(groups).toHaveLength(10);
  expect(weights(groups)).toEqual(Array.from({ length: 10 }, () => 20_000));
  expect(chunkByWeight(Array.from({ length: 5 }, () => 1), (weight) => weight, 100, 2)).toEqual([[1, 1], [1, 1], [1]]);
});

test('an item heavier than the limit goes alone, and nothing is lost', () => {
  const items = [5, 50, 5, 5];
  const groups = chunkByWeight(items, (weight) => weight, 10, 100);
  expect(groups).toEqual([[5], [50], [5, 5]]);
  expect(groups.flat()).toEqual(items);
  expect(chunkByWeight([], (weight: number) => weight, 10, 10)).toEqual([]);
});
