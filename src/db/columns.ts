import { Column, type ColumnOptions } from 'typeorm';

/** A CHECK expression limiting a text column to the values of a TypeScript string enum. */
export function oneOf(column: string, values: Record<string, string>): string {
  const list = Object.values(values)
    .map((value) => `'${value}'`)
    .join(', ');
  return `"${column}" IN (${list})`;
}

/**
 * Timestamps keep millisecond precision, the precision of a JS Date, so a value read back
 * and used in a keyset cursor compares equal to the stored one.
 */
export function TimestampColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ type: 'timestamptz', precision: 3, ...options });
}

export const nowDefault = { default: () => 'now()' } as const;
