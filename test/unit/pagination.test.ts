import { GraphQLError } from 'graphql';
import { decodeCursor, pageSize, type Keyset } from '../../src/db/keyset';

interface Row {
  at: Date;
  id: string;
}
const keyset: Keyset<Row> = {
  scope: 'rows',
  direction: 'desc',
  keys: [
    { property: 'at', cast: 'timestamptz' },
    { property: 'id', cast: 'uuid' },
  ],
};
const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const ID = '6f1c1e8e-3b7a-4c1e-9a51-2f0d3c4b5a69';

describe('cursors', () => {
  it('decode to the key values of their own list', () => {
    expect(decodeCursor(keyset, cursor(['rows', '2026-11-28T09:00:00.123Z', ID]))).toEqual([
      '2026-11-28T09:00:00.123Z',
      ID,
    ]);
  });

  it.each([
    ['not base64 json', 'garbage!'],
    ['another list', cursor(['accounts', '2026-11-28T09:00:00.123Z', ID])],
    ['too few keys', cursor(['rows', ID])],
    ['a bad timestamp', cursor(['rows', 'yesterday', ID])],
    ['a bad uuid', cursor(['rows', '2026-11-28T09:00:00.123Z', "1' OR '1'='1"])],
    ['a number instead of text', cursor(['rows', 5, ID])],
  ])('refuse %s with BAD_USER_INPUT', (_, value) => {
    expect(() => decodeCursor(keyset, value)).toThrow(GraphQLError);
    try {
      decodeCursor(keyset, value);
    } catch (error) {
      expect((error as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('pageSize', () => {
  it('defaults to 20 and accepts 0..100', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(null)).toBe(20);
    expect(pageSize(0)).toBe(0);
    expect(pageSize(100)).toBe(100);
  });
  it('refuses anything else rather than clamping silently', () => {
    expect(() => pageSize(101)).toThrow(/between 0 and 100/);
    expect(() => pageSize(-1)).toThrow(/between 0 and 100/);
  });
});
