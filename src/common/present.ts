/** `value`, which the code around it guarantees is there; throws (a bug, never a client's mistake) when it is not. */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}
