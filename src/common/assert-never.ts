/** Makes a `switch` over a union exhaustive: a new outcome kind fails to compile until it is mapped. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled outcome: ${JSON.stringify(value)}`);
}
