import { createHmac, timingSafeEqual } from 'node:crypto';
import { promises as dns, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isNonPublicAddress } from '../domains';

/** Headers of every delivery; receivers check the signature over `${timestamp}.${body}`. */
export const SIGNATURE_HEADER = 'x-webhook-signature';
export const TIMESTAMP_HEADER = 'x-webhook-timestamp';
export const EVENT_HEADER = 'x-webhook-event';
export const ID_HEADER = 'x-webhook-id';

const MAX_URL_LENGTH = 2048;
/** What is kept of a receiver's answer: its status; the body is read (to free the socket) but not stored. */
const MAX_RESPONSE_BYTES = 4096;

/**
 * Where a webhook may point. The same rule as the domain file check (domains/domain-checker.ts):
 * never a loopback, private, link-local (cloud metadata) or otherwise non-public address, checked on
 * every address the name resolves to, at registration and again at each delivery (DNS may change),
 * and the connection goes to the vetted address only (no second lookup to rebind). Plain http and
 * non-public addresses only with the test-only switch (DOMAIN_CHECK_ALLOW_PRIVATE, refused in
 * production by config.ts).
 */
export interface TargetPolicy {
  allowPrivateAddresses: boolean;
}

export type VettedTarget =
  | { ok: true; url: URL; addresses: LookupAddress[] }
  | { ok: false; reason: 'INVALID_URL' | 'PRIVATE_ADDRESS' | 'UNRESOLVABLE'; message: string };

/** The URL's syntax alone: what registration refuses before any lookup. */
function parseTarget(raw: string, policy: TargetPolicy): VettedTarget | URL {
  const invalid = (message: string): VettedTarget => ({ ok: false, reason: 'INVALID_URL', message });
  if (raw.length > MAX_URL_LENGTH) return invalid(`A webhook URL has at most ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid('Not an absolute URL.');
  }
  const schemes = policy.allowPrivateAddresses ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol))
    return invalid(`A webhook URL must use ${schemes.map((scheme) => scheme.slice(0, -1)).join(' or ')}.`);
  // Credentials in a URL would be shown by every `webhooks` query and kept in logs.
  if (url.username !== '' || url.password !== '')
    return invalid('A webhook URL may not carry a user name or password.');
  if (url.hash !== '') return invalid('A webhook URL may not have a #fragment.');
  return url;
}

/** Resolves the URL's host and refuses it if any of its addresses is not public (unless the test switch is on). */
export async function vetTarget(raw: string, policy: TargetPolicy): Promise<VettedTarget> {
  const parsed = parseTarget(raw, policy);
  if (!(parsed instanceof URL)) return parsed;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: LookupAddress[];
  if (isIP(host) !== 0) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await dns.lookup(host, { all: true, verbatim: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      return { ok: false, reason: 'UNRESOLVABLE', message: `${host} could not be resolved (${code}).` };
    }
    if (addresses.length === 0) return { ok: false, reason: 'UNRESOLVABLE', message: `${host} has no address.` };
  }
  if (!policy.allowPrivateAddresses) {
    const blocked = addresses.find((a) => isNonPublicAddress(a.address));
    if (blocked !== undefined) {
      return {
        ok: false,
        reason: 'PRIVATE_ADDRESS',
        message: `${host} resolves to ${blocked.address}, a private or local address: webhooks go to public addresses only.`,
      };
    }
  }
  return { ok: true, url: parsed, addresses };
}

/** `v1=<hex HMAC-SHA256 of "${timestamp}.${body}">`, the X-Webhook-Signature value. */
export function sign(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does (README shows the same in a script): constant-time compare, and a fresh timestamp. */
export function verifySignature(
  secret: string,
  headers: { signature: string; timestamp: string },
  body: string,
  toleranceSeconds = 300,
  now = Date.now(),
): boolean {
  const age = Math.abs(now / 1000 - Number(headers.timestamp));
  if (!Number.isFinite(age) || age > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, headers.timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** One signed POST to a vetted target: no redirects followed, a fresh connection to the vetted address, bounded in time. */
export function post(
  target: Extract<VettedTarget, { ok: true }>,
  request: { body: string; headers: Record<string, string> },
  timeoutMs: number,
): Promise<SendResult> {
  const started = performance.now();
  const { url, addresses } = target;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const lookup: LookupFunction = (hostname, options, callback) => {
    if (hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase() !== host.toLowerCase()) {
      callback(Object.assign(new Error(`Unexpected host ${hostname}`), { code: 'ENOTFOUND' }), '');
    } else if (options.all === true) {
      callback(null, addresses);
    } else {
      callback(null, addresses[0].address, addresses[0].family);
    }
  };
  return new Promise<SendResult>((resolve) => {
    let timer: NodeJS.Timeout | undefined = undefined;
    const done = (statusCode: number | null, error: string | null) => {
      clearTimeout(timer);
      resolve({
        ok: error === null,
        statusCode,
        error,
        durationMs: Math.round(performance.now() - started),
      });
    };
    const secure = url.protocol === 'https:';
    const req = (secure ? https : http).request(
      {
        protocol: url.protocol,
        hostname: host,
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(request.body)),
          'user-agent': 'identity-governance-webhooks',
          ...request.headers,
        },
        lookup,
        agent: false,
        ...(secure ? { servername: isIP(host) === 0 ? host : undefined } : {}),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        const finish = () => {
          done(status, status >= 200 && status <= 299 ? null : `The receiver answered HTTP ${status}.`);
        };
        response.on('end', finish);
        response.on('close', finish);
        response.on('error', finish);
      },
    );
    // The whole exchange, not only the socket's idle time: a receiver trickling bytes is cut off too.
    timer = setTimeout(() => {
      req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      done(
        null,
        error.code === 'ETIMEDOUT'
          ? `No answer within ${timeoutMs} ms.`
          : `Could not reach ${url.host} (${error.code ?? error.message}).`,
      );
    });
    req.end(request.body);
  });
}
