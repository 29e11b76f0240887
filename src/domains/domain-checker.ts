import { promises as dns, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { DomainCheckerOptions } from '../config';
import { asciiDomain, normalizeDomainName } from './domain-name';

export const VERIFICATION_FILE_PATH = '/.well-known/identity-governance-verification.txt';

/** Declared with the rest of the settings (config.ts imports no feature). */
export type { DomainCheckerOptions };

type CheckFailure =
  | 'MISSING_RECORD'
  | 'WRONG_TOKEN'
  | 'TIMEOUT'
  | 'REDIRECT_TO_OTHER_HOST'
  | 'UNREACHABLE'
  | 'TOO_LARGE'
  | 'HTTP_ERROR'
  | 'PRIVATE_ADDRESS';

/**
 * `conclusive`: DNS or the web server answered, and the answer lacks the token (no record, another
 * token, a 404, a redirect elsewhere): the proof is gone. Not conclusive: no answer could be had
 * (timeout, connection refused, SERVFAIL or REFUSED, a 5xx, an address we will not connect to), so
 * nothing is known about the proof either way.
 */
export type CheckResult = { ok: true } | { ok: false; reason: CheckFailure; detail: string; conclusive: boolean };

type Failure = Extract<CheckResult, { ok: false }>;

const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Remote text quoted in a detail is cut to this many characters. */
const MAX_QUOTED = 100;

/**
 * Addresses a public web server never has: the file check must not reach into our own network.
 * Two lists, each checked only with addresses of its family: a BlockList matches IPv4 addresses
 * against its IPv4-mapped IPv6 rules, so ::ffff:0:0/96 in one list would match every IPv4 address.
 */
const NON_PUBLIC_IPV4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", includes the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, includes cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) {
  NON_PUBLIC_IPV4.addSubnet(network, prefix, 'ipv4');
}
// Forms that embed an IPv4 address are refused whole, whatever that address: a public web server
// publishes its own IPv4 or IPv6 address, never a translation of one.
const NON_PUBLIC_IPV6 = new BlockList();
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback, and IPv4-compatible (::a.b.c.d, deprecated)
  ['::ffff:0:0', 96], // IPv4-mapped
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT)
  ['64:ff9b::', 96], // NAT64 well-known prefix: reaches the embedded IPv4 address through a translator
  ['64:ff9b:1::', 48], // NAT64 local-use prefix
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: tunnels to an embedded IPv4 address
  ['2002::', 16], // 6to4: likewise
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
] as const) {
  NON_PUBLIC_IPV6.addSubnet(network, prefix, 'ipv6');
}

/** True for an address the file check must not connect to; anything that is not an IP address counts. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return family === 4 ? NON_PUBLIC_IPV4.check(address, 'ipv4') : NON_PUBLIC_IPV6.check(address, 'ipv6');
}

/**
 * Proves that an organization controls a domain: the verification token is published as a DNS TXT
 * record on the domain, or served at VERIFICATION_FILE_PATH on it. Network outcomes come back as
 * a CheckResult; only misuse (an unnormalized domain, an empty token) throws.
 */
export class DomainOwnershipChecker {
  constructor(private readonly options: DomainCheckerOptions) {
    if (!(options.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive.');
    if (!(options.maxBytes > 0)) throw new RangeError('maxBytes must be positive.');
    // Fails now, not at the first check, when a DNS server is malformed.
    this.createResolver().cancel();
  }

  async check(input: { domain: string; method: 'DNS_TXT' | 'HTTPS_FILE'; token: string }): Promise<CheckResult> {
    const { domain } = input;
    const normalized = normalizeDomainName(domain);
    if (asciiDomain(domain) !== domain || (!normalized.ok && normalized.code === 'INVALID_DOMAIN')) {
      throw new TypeError(`check() needs a normalized domain name, got '${domain.slice(0, 100)}'.`);
    }
    const token = input.token.trim();
    // An empty token would match any blank line of any file.
    if (token === '') throw new TypeError('check() needs a non-empty verification token.');

    // A resolver per check: cancel() then stops only this check's queries, and c-ares's answer
    // cache never serves a record that an admin has just published or removed.
    const resolver = this.createResolver();
    const abort = new AbortController();
    const progress = { step: 'starting' };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => {
        resolve(unknown('TIMEOUT', `Gave up after ${this.options.timeoutMs} ms while ${progress.step}.`));
      }, this.options.timeoutMs);
    });
    const work =
      input.method === 'DNS_TXT'
        ? this.checkTxtRecord(resolver, domain, token, progress)
        : this.checkFile(resolver, domain, token, progress, abort.signal);
    try {
      return await Promise.race([work, timedOut]);
    } finally {
      clearTimeout(timer);
      // Stops whatever is still in flight after a timeout; the late outcome is ignored.
      resolver.cancel();
      abort.abort();
    }
  }

  private createResolver(): dns.Resolver {
    // Leaves room for a retry (c-ares lengthens the wait on each); check()'s deadline is the real bound.
    const resolver = new dns.Resolver({ timeout: Math.max(1, Math.floor(this.options.timeoutMs / 3)), tries: 2 });
    if (this.options.dnsServers.length > 0) resolver.setServers(this.options.dnsServers);
    return resolver;
  }

  private async checkTxtRecord(
    resolver: dns.Resolver,
    domain: string,
    token: string,
    progress: { step: string },
  ): Promise<CheckResult> {
    progress.step = `looking up the TXT records of ${domain}`;
    let records: string[][];
    try {
      records = await resolver.resolveTxt(domain);
    } catch (error) {
      return dnsFailure(error, domain, 'MISSING_RECORD', `${domain} has no TXT records.`);
    }
    // A long record arrives split into chunks of at most 255 bytes.
    const values = records.map((chunks) => chunks.join('').trim());
    if (values.includes(token)) return { ok: true };
    if (values.length === 0) return fail('MISSING_RECORD', `${domain} has no TXT records.`);

    const prefix = token.includes('=') ? token.slice(0, token.indexOf('=') + 1) : undefined;
    const stale = prefix === undefined ? undefined : values.find((value) => value.startsWith(prefix));
    return fail(
      'WRONG_TOKEN',
      stale === undefined
        ? `No TXT record on ${domain} contains the verification token.`
        : `No TXT record on ${domain} contains the verification token; it has ${quoteRemote(stale)} instead.`,
    );
  }

  private async checkFile(
    resolver: dns.Resolver,
    domain: string,
    token: string,
    progress: { step: string },
    signal: AbortSignal,
  ): Promise<CheckResult> {
    progress.step = `resolving ${domain}`;
    const resolved = await resolveAddresses(resolver, domain);
    if ('ok' in resolved) return resolved;
    if (!this.options.allowPrivateAddresses) {
      const blocked = resolved.find((a) => isNonPublicAddress(a.address));
      if (blocked !== undefined) {
        return unknown(
          'PRIVATE_ADDRESS',
          `${domain} resolves to ${blocked.address}, a private or local address, so the file was not fetched.`,
        );
      }
    }
    // Connections go to the addresses vetted above, never to a second, possibly different, answer.
    const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
      if (hostname.toLowerCase() !== domain) {
        callback(Object.assign(new Error(`Unexpected host ${hostname}`), { code: 'ENOTFOUND' }), '');
      } else if (lookupOptions.all === true) {
        callback(null, resolved);
      } else {
        callback(null, resolved[0].address, resolved[0].family);
      }
    };

    const port = this.options.filePort === undefined ? '' : `:${this.options.filePort}`;
    let url = new URL(`${this.options.fileScheme}://${domain}${port}${VERIFICATION_FILE_PATH}`);
    for (let redirects = 0; ; redirects++) {
      progress.step = `fetching ${url.href}`;
      const fetched = await this.get(url, lookup, signal);
      if (fetched.kind === 'failure') return fetched.result;
      if (fetched.kind === 'body') return matchFile(fetched.text, token, url);

      if (fetched.location === undefined) {
        return fail('HTTP_ERROR', `${url.href} answered with a redirect that has no Location.`);
      }
      if (redirects === MAX_REDIRECTS) {
        return fail('HTTP_ERROR', `${url.href} redirected more than ${MAX_REDIRECTS} times.`);
      }
      let target: URL;
      try {
        target = new URL(fetched.location, url);
      } catch {
        return fail('HTTP_ERROR', `${url.href} redirected to an invalid address, ${quoteRemote(fetched.location)}.`);
      }
      if (target.protocol !== url.protocol || target.hostname !== url.hostname || target.port !== url.port) {
        return fail(
          'REDIRECT_TO_OTHER_HOST',
          `${url.href} redirected to ${quoteRemote(target.origin)}; the file must be served by ${url.origin} itself.`,
        );
      }
      url = target;
    }
  }

  /** One GET, without following redirects; the body is read only from a 2xx answer. */
  private get(url: URL, lookup: LookupFunction, signal: AbortSignal): Promise<Fetched> {
    const { maxBytes } = this.options;
    const tooLarge: Fetched = {
      kind: 'failure',
      result: fail('TOO_LARGE', `${url.href} is larger than ${maxBytes} bytes, too large to be a verification file.`),
    };
    return new Promise<Fetched>((resolve) => {
      const secure = url.protocol === 'https:';
      const requestOptions: https.RequestOptions = {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { accept: 'text/plain', 'user-agent': 'identity-governance-domain-check' },
        lookup,
        signal,
        // A fresh connection per request: a pooled one may have been opened to another address.
        agent: false,
        ...(secure ? { servername: url.hostname } : {}),
      };
      const request = (secure ? https : http).request(requestOptions, (response) => {
        response.on('error', () => {
          resolve(connectionLost(url));
        });
        const status = response.statusCode ?? 0;
        if (REDIRECT_STATUSES.has(status)) {
          resolve({ kind: 'redirect', location: response.headers.location });
          request.destroy();
          return;
        }
        if (status < 200 || status > 299) {
          // A 4xx says the file is not there; a 5xx (or a 1xx) says only that the server could not answer now.
          const answer = status >= 400 && status < 500 ? fail : unknown;
          resolve({ kind: 'failure', result: answer('HTTP_ERROR', `${url.href} answered HTTP ${status}.`) });
          request.destroy();
          return;
        }
        if (Number(response.headers['content-length']) > maxBytes) {
          resolve(tooLarge);
          request.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            resolve(tooLarge);
            request.destroy();
          } else {
            chunks.push(chunk);
          }
        });
        response.on('end', () => {
          resolve({ kind: 'body', text: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('aborted', () => {
          resolve(connectionLost(url));
        });
      });
      request.on('error', (error) => {
        resolve({ kind: 'failure', result: requestFailure(error, url) });
      });
      request.end();
    });
  }
}

type Fetched =
  | { kind: 'body'; text: string }
  | { kind: 'redirect'; location: string | undefined }
  | { kind: 'failure'; result: Failure };

/** The domain answered without the proof. */
function fail(reason: CheckFailure, detail: string): Failure {
  return { ok: false, reason, detail, conclusive: true };
}

/** No answer could be had: the proof may or may not still be there. */
function unknown(reason: CheckFailure, detail: string): Failure {
  return { ok: false, reason, detail, conclusive: false };
}

/** A (resolve4, then resolve6) lookup through the checker's DNS servers. */
async function resolveAddresses(resolver: dns.Resolver, domain: string): Promise<LookupAddress[] | Failure> {
  const noAddress = `${domain} has no A or AAAA record, so there is no server to fetch the file from.`;
  try {
    const v4 = await resolver.resolve4(domain);
    if (v4.length > 0) return v4.map((address) => ({ address, family: 4 }));
  } catch (error) {
    if (errorCode(error) !== 'ENODATA') return dnsFailure(error, domain, 'UNREACHABLE', noAddress);
  }
  try {
    const v6 = await resolver.resolve6(domain);
    if (v6.length > 0) return v6.map((address) => ({ address, family: 6 }));
  } catch (error) {
    return dnsFailure(error, domain, 'UNREACHABLE', noAddress);
  }
  return fail('UNREACHABLE', noAddress);
}

/**
 * Maps a c-ares error; `absent` is the outcome for a name or record that does not exist (NXDOMAIN,
 * NODATA: DNS answered). Everything else (timeouts, refusals, SERVFAIL, malformed answers) is unknown.
 */
function dnsFailure(error: unknown, domain: string, absentReason: CheckFailure, absentDetail: string): Failure {
  const code = errorCode(error) ?? 'unknown error';
  switch (code) {
    case 'ENODATA':
      return fail(absentReason, absentDetail);
    case 'ENOTFOUND':
      return fail(absentReason, `${domain} does not exist in DNS.`);
    case 'ETIMEOUT':
    case 'ECANCELLED': // only our own cancel() at the deadline
      return unknown('TIMEOUT', `The DNS servers did not answer for ${domain} in time.`);
    case 'ECONNREFUSED':
      return unknown('UNREACHABLE', `The DNS servers refused the connection when asked about ${domain}.`);
    case 'ESERVFAIL':
      return unknown('UNREACHABLE', `The DNS servers failed to answer for ${domain} (SERVFAIL).`);
    case 'EREFUSED':
      return unknown('UNREACHABLE', `The DNS servers refused to answer for ${domain} (REFUSED).`);
    default:
      return unknown('UNREACHABLE', `The DNS lookup of ${domain} failed (${code}).`);
  }
}

function requestFailure(error: Error, url: URL): Failure {
  const code = errorCode(error);
  if (code === 'ETIMEDOUT' || code === 'ABORT_ERR') {
    return unknown('TIMEOUT', `${url.host} did not answer in time.`);
  }
  if (code !== undefined && /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return unknown('UNREACHABLE', `The TLS certificate of ${url.hostname} was not accepted (${code}).`);
  }
  return unknown('UNREACHABLE', `Could not fetch ${url.href} (${code ?? 'connection failed'}).`);
}

function connectionLost(url: URL): Fetched {
  return { kind: 'failure', result: unknown('UNREACHABLE', `The connection closed before ${url.href} was complete.`) };
}

/** The file may hold the token alone, or on a line of its own among others. */
function matchFile(text: string, token: string, url: URL): CheckResult {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines.some((line) => line.trim() === token)) return { ok: true };
  const first = lines.map((line) => line.trim()).find((line) => line !== '');
  return fail(
    'WRONG_TOKEN',
    first === undefined
      ? `${url.href} is empty instead of holding the verification token.`
      : `${url.href} does not contain the verification token; it starts with ${quoteRemote(first)}.`,
  );
}

function errorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Remote text for a detail: quoted, control characters replaced, cut to MAX_QUOTED characters. */
function quoteRemote(text: string): string {
  const characters = [...text.replace(/[\p{Cc}\p{Cf}]/gu, '\uFFFD')];
  const shown = characters.slice(0, MAX_QUOTED).join('');
  return characters.length > MAX_QUOTED ? `"${shown}…"` : `"${shown}"`;
}
