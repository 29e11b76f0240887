import { types } from 'pg';

const TIMESTAMPTZ = types.builtins.TIMESTAMPTZ;
const parseWithLibrary = types.getTypeParser(TIMESTAMPTZ) as (value: string) => Date;

/** The number in `count` decimal digits at `from`, or NaN. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Postgres sends timestamptz as text ('2026-11-28 10:28:43.291+00'); pg's general parser cost
 * about a third of a portal page's CPU (a 50-conflict page carries ~500 of them). This reads the
 * usual shape by character codes; anything else (BC, infinity, odd offsets) goes to the library.
 */
export function parseTimestamptz(text: string): Date {
  if (
    text.length < 22 ||
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== ' ' ||
    text[13] !== ':' ||
    text[16] !== ':'
  ) {
    return parseWithLibrary(text);
  }
  let at = 19;
  let millis = 0;
  if (text[at] === '.') {
    let scale = 100;
    for (at++; at < text.length && text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57; at++) {
      millis += (text.charCodeAt(at) - 48) * scale;
      scale /= 10;
    }
    millis = Math.floor(millis);
  }
  const sign = text[at] === '+' ? 1 : text[at] === '-' ? -1 : 0;
  const rest = text.length - at - 1;
  if (sign === 0 || (rest !== 2 && rest !== 5) || (rest === 5 && text[at + 3] !== ':')) return parseWithLibrary(text);
  const offsetMinutes = digits(text, at + 1, 2) * 60 + (rest === 5 ? digits(text, at + 4, 2) : 0);
  const utc = Date.UTC(
    digits(text, 0, 4),
    digits(text, 5, 2) - 1,
    digits(text, 8, 2),
    digits(text, 11, 2),
    digits(text, 14, 2),
    digits(text, 17, 2),
    millis,
  );
  const time = utc - sign * offsetMinutes * 60_000;
  return Number.isNaN(time) || digits(text, 0, 4) < 100 ? parseWithLibrary(text) : new Date(time);
}

let installed = false;

export function installTypeParsers(): void {
  if (installed) return;
  installed = true;
  types.setTypeParser(TIMESTAMPTZ, parseTimestamptz);
}
