import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { parse as parseDomain } from 'tldts';

/**
 * The stored form of a domain: trimmed, lower case, IDN as punycode, no trailing dot.
 * Returns '' when the text is not a domain at all.
 */
export function asciiDomain(input: string): string {
  return domainToASCII(input.trim().replace(/\.$/, '')).toLowerCase();
}

/** asciiDomain, skipping the conversion for names already stored (most are: domainToASCII costs ~50 µs a call). */
export const storedDomainName = (name: string) =>
  /^[a-z0-9.-]+$/.test(name) && !name.endsWith('.') ? name : asciiDomain(name);

export type DomainNameResult =
  { ok: true; name: string } | { ok: false; code: 'INVALID_DOMAIN' | 'PUBLIC_SUFFIX'; message: string };

const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const MAX_SHOWN_INPUT = 100;

/**
 * Scripts with letters that look alike (Latin 'a', Cyrillic 'а', Greek 'α'...): a label mixing
 * two of them is almost always an attempt to imitate another domain.
 */
const CONFUSABLE_SCRIPTS: ReadonlyArray<{ name: string; letters: RegExp }> = [
  { name: 'Latin', letters: /\p{Script=Latin}/u },
  { name: 'Cyrillic', letters: /\p{Script=Cyrillic}/u },
  { name: 'Greek', letters: /\p{Script=Greek}/u },
  { name: 'Armenian', letters: /\p{Script=Armenian}/u },
];

/**
 * Validates a domain an organization asserts, and returns its stored form (lower case, punycode,
 * no trailing dot). Refuses anything that is not a registrable domain or a subdomain of one.
 */
export function normalizeDomainName(input: string): DomainNameResult {
  const shown = quote(input);
  const text = input.trim().toLowerCase().replace(/\.$/, '');

  if (text === '') return invalid('Enter a domain name, such as acme.com.');
  if (text.length > MAX_NAME_LENGTH) return invalid(`${shown} is longer than ${MAX_NAME_LENGTH} characters.`);
  if (text.includes('*')) return invalid(`${shown} is a wildcard; enter the domain itself, without '*.'.`);
  if (looksLikeIpAddress(text)) return invalid(`${shown} is an IP address; enter a domain name instead.`);

  // Checked before IDN conversion: domainToASCII silently cuts the name at '/', '?' or '#'.
  const badCharacter = [...text].find((c) => c <= '\x7f' && !/[a-z0-9.-]/.test(c));
  if (badCharacter !== undefined) {
    return invalid(
      `${shown} contains ${describeCharacter(badCharacter)}; only letters, digits, hyphens and dots are allowed.`,
    );
  }

  if (/\.[0-9]+$/.test(text)) return invalid(`${shown} ends in a number; a top-level domain always contains a letter.`);

  const name = domainToASCII(text);
  if (name === '') {
    return invalid(
      /(^|\.)xn--/.test(text)
        ? `${shown} has an 'xn--' label that is not valid punycode.`
        : `${shown} is not a valid domain name.`,
    );
  }
  // The IDN conversion also parses IPv4 in the URL sense ('0x7f.1' becomes '127.0.0.1').
  if (isIP(name) !== 0) return invalid(`${shown} is an IP address; enter a domain name instead.`);
  if (name.length > MAX_NAME_LENGTH) return invalid(`${shown} is longer than ${MAX_NAME_LENGTH} characters.`);

  const labels = name.split('.');
  for (const label of labels) {
    if (label === '') return invalid(`${shown} has an empty label (a leading dot or two dots in a row).`);
    if (label.length > MAX_LABEL_LENGTH) {
      return invalid(`${shown} has a label longer than ${MAX_LABEL_LENGTH} characters.`);
    }
    if (!/^[a-z0-9-]+$/.test(label)) {
      return invalid(`${shown} contains characters that are not allowed in a domain name.`);
    }
    if (label.startsWith('-') || label.endsWith('-')) {
      return invalid(`${shown} has a label that starts or ends with a hyphen.`);
    }
  }

  // Checked on the Unicode form, so 'xn--' input is caught as well as the look-alike itself.
  for (const label of domainToUnicode(name).split('.')) {
    const scripts = CONFUSABLE_SCRIPTS.filter((s) => s.letters.test(label)).map((s) => s.name);
    if (scripts.length > 1) {
      return invalid(
        `${shown} mixes the ${scripts.join(' and ')} scripts in one label, ` +
          'as look-alike domains do to imitate real ones.',
      );
    }
  }

  const parsed = parseDomain(name, { allowPrivateDomains: true, extractHostname: false });
  if (parsed.domain === null) {
    // A suffix the list knows (com, co.uk, github.io); an unknown single label is just not a domain.
    if (parsed.isIcann === true || parsed.isPrivate === true) {
      return {
        ok: false,
        code: 'PUBLIC_SUFFIX',
        message:
          `${shown} is a public suffix shared by many owners (like com, co.uk or github.io); ` +
          "enter your organization's own domain under it.",
      };
    }
    return invalid(`${shown} is a single name, not a domain; enter a full domain such as acme.com.`);
  }
  return { ok: true, name };
}

function invalid(message: string): DomainNameResult {
  return { ok: false, code: 'INVALID_DOMAIN', message };
}

/** IPv4 (dotted, URL-style short or hex forms) and IPv6, bare or bracketed. */
function looksLikeIpAddress(text: string): boolean {
  const unbracketed = text.replace(/^\[(.*)\]$/, '$1');
  if (isIP(unbracketed) !== 0 || (unbracketed.includes(':') && /^[0-9a-f:.]+$/.test(unbracketed))) return true;
  return text.split('.').every((label) => /^(0x[0-9a-f]*|[0-9]+)$/.test(label));
}

/** The trimmed input in quotes, cut to MAX_SHOWN_INPUT characters, control characters replaced. */
function quote(input: string): string {
  const characters = [...input.trim().replace(/\p{Cc}/gu, '\uFFFD')];
  const shown = characters.slice(0, MAX_SHOWN_INPUT).join('');
  return characters.length > MAX_SHOWN_INPUT ? `'${shown}…'` : `'${shown}'`;
}

function describeCharacter(c: string): string {
  if (c === ' ') return 'a space';
  if (/\p{Cc}/u.test(c)) {
    return `a control character (U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
  }
  return `'${c}'`;
}
