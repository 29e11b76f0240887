import { asciiDomain } from '../domains';

export type EmailResult = { ok: true; email: string; local: string; domain: string } | { ok: false; message: string };

// RFC 5322 dot-atom local part, ASCII only: what every IdP and mail system agrees on.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

/** Validates an email and returns it with its domain in stored form (lower case, punycode); the local part keeps its case. */
export function normalizeEmail(input: string): EmailResult {
  const text = input.trim();
  const shown = text.length > 100 ? `${text.slice(0, 100)}…` : text;
  if (text.length === 0) return { ok: false, message: 'The email is empty.' };
  if (text.length > 254) return { ok: false, message: 'The email is longer than 254 characters.' };
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1 || text.indexOf('@') !== at)
    return { ok: false, message: `"${shown}" is not an email address (one @ between a name and a domain).` };
  const local = text.slice(0, at);
  if (local.length > 64 || !LOCAL_PART.test(local))
    return { ok: false, message: `"${shown}" has an invalid name part before the @.` };
  const domain = asciiDomain(text.slice(at + 1));
  if (!DOMAIN.test(domain)) return { ok: false, message: `"${shown}" has an invalid domain.` };
  return { ok: true, email: `${local}@${domain}`, local, domain };
}

/**
 * The placeholder a conflicting account is renamed to so its email can be given to the right
 * account (the article's `emailB+duplicated@domain`): an existing +tag is dropped first, so
 * every account sharing a local part draws from one numbered series.
 */
export function placeholderEmail(local: string, domain: string, n: number): string {
  const suffix = `+duplicated${n === 1 ? '' : n}`;
  // A long name part is shortened so the placeholder stays a valid email (64-char local part, 254 in all).
  const room = Math.min(MAX_LOCAL, MAX_EMAIL - 1 - domain.length) - suffix.length;
  return `${placeholderBase(local).slice(0, room)}${suffix}@${domain}`;
}

const MAX_LOCAL = 64;
const MAX_EMAIL = 254;

/** The part every placeholder of `local` starts with, whatever its number (for finding the series). */
export function placeholderSeriesPrefix(local: string, domain: string): string {
  const shortest = Math.min(MAX_LOCAL, MAX_EMAIL - 1 - domain.length) - '+duplicated999999'.length;
  return placeholderBase(local).slice(0, shortest);
}

const placeholderBase = (local: string) => local.split('+')[0];

/** The lowest n whose placeholder is not in `taken` (lower-cased emails). */
export function firstFreePlaceholder(
  local: string,
  domain: string,
  taken: ReadonlySet<string>,
  from = 1,
): { email: string; n: number } {
  for (let n = from; ; n++) {
    const email = placeholderEmail(local, domain, n);
    if (!taken.has(email.toLowerCase())) return { email, n };
  }
}
