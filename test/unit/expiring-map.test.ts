import { ExpiringMap } from '../../src/common';

describe('ExpiringMap', () => {
  it('answers an entry until its time, then forgets it', () => {
    const map = new ExpiringMap<string, number>(10);
    map.set('a', 1, 1_000);
    expect(map.get('a', 999)).toBe(1);
    expect(map.get('a', 1_000)).toBeUndefined();
    // Dropped, not just hidden: a later clock does not bring it back.
    expect(map.get('a', 0)).toBeUndefined();
  });

  it('forgets everything rather than grow past its capacity', () => {
    const map = new ExpiringMap<string, number>(2);
    map.set('a', 1, 1_000);
    map.set('b', 2, 1_000);
    map.set('b', 3, 1_000); // replacing a key does not count as growing
    expect(map.get('a', 0)).toBe(1);
    map.set('c', 4, 1_000);
    expect(map.get('a', 0)).toBeUndefined();
    expect(map.get('b', 0)).toBeUndefined();
    expect(map.get('c', 0)).toBe(4);
  });

  it('deletes on demand', () => {
    const map = new ExpiringMap<string, number>(2);
    map.set('a', 1, 1_000);
    map.delete('a');
    expect(map.get('a', 0)).toBeUndefined();
  });
});
