import { exceedsJsonDepth } from '../../src/http/json-depth';

const nestedArrays = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('exceedsJsonDepth', () => {
  it('counts a bare array or object as one level, scalars as none', () => {
    expect(exceedsJsonDepth('text', 0)).toBe(false);
    expect(exceedsJsonDepth(null, 0)).toBe(false);
    expect(exceedsJsonDepth([], 0)).toBe(true);
    expect(exceedsJsonDepth({}, 1)).toBe(false);
    expect(exceedsJsonDepth({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(exceedsJsonDepth({ a: [{ b: {} }] }, 3)).toBe(true);
  });

  it('accepts nesting up to the limit and refuses one level more, in any branch', () => {
    expect(exceedsJsonDepth(nestedArrays(64), 64)).toBe(false);
    expect(exceedsJsonDepth(nestedArrays(65), 64)).toBe(true);
    expect(exceedsJsonDepth({ shallow: 1, list: [1, 2, { deep: nestedArrays(62) }] }, 64)).toBe(true);
    expect(exceedsJsonDepth({ shallow: 1, list: [1, 2, { deep: nestedArrays(61) }] }, 64)).toBe(false);
  });

  it('walks 200,000 levels without overflowing the stack', () => {
    expect(exceedsJsonDepth(nestedArrays(200_000), 64)).toBe(true);
    expect(exceedsJsonDepth(nestedArrays(200_000), 400_000)).toBe(false);
  });
});
