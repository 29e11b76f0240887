import { domainToASCII } from 'node:url';

/**
 * The stored form of a domain: trimmed, lower case, IDN as punycode, no trailing dot.
 * Returns '' when the text is not a domain at all.
 */
export function asciiDomain(input: string): string {
  return domainToASCII(input.trim().replace(/\.$/, '')).toLowerCase();
}
