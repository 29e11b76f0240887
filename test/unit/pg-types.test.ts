import { types } from 'pg';
import { parseTimestamptz } from '../../src/db/pg-types';

const library = types.getTypeParser(types.builtins.TIMESTAMPTZ) as (value: string) => Date;

describe('parseTimestamptz', () => {
  it.each([
    '2026-11-28 10:28:43.291+00',
    '2026-11-28 10:28:43+00',
    '1999-01-08 04:05:06.123456-08',
    '2026-03-29 01:59:59.999+05:30',
    '2026-11-28 23:00:00-03:30',
  ])('parses %s exactly like the pg library', (value) => {
    expect(parseTimestamptz(value).toISOString()).toBe(library(value).toISOString());
  });

  it('leaves unusual values to the library', () => {
    expect(parseTimestamptz('infinity')).toEqual(library('infinity'));
    expect(parseTimestamptz('0044-03-15 12:00:00+00 BC').getTime()).toBe(
      library('0044-03-15 12:00:00+00 BC').getTime(),
    );
  });
});

describe('parseTimestamptz over many values', () => {
  it('agrees with the library on a spread of instants, precisions and offsets', () => {
    const offsets = ['+00', '-08', '+05:30', '-03:30', '+14', '-12'];
    for (let i = 0; i < 2000; i++) {
      const instant = new Date(
        Date.UTC(1970 + (i % 130), i % 12, 1 + (i % 28), i % 24, (i * 7) % 60, (i * 13) % 60, (i * 37) % 1000),
      );
      const fraction = [
        '',
        `.${String(instant.getUTCMilliseconds()).padStart(3, '0')}`,
        `.${String(instant.getUTCMilliseconds()).padStart(3, '0')}456`,
      ][i % 3];
      const text = `${instant.toISOString().slice(0, 10)} ${instant.toISOString().slice(11, 19)}${fraction}${offsets[i % offsets.length]}`;
      expect([text, parseTimestamptz(text).getTime()]).toEqual([text, library(text).getTime()]);
    }
  });
});
