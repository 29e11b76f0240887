import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DomainOwnershipChecker,
  VERIFICATION_FILE_PATH,
  type DomainCheckerOptions,
} from '../../src/domains/domain-checker';
import { startDnsServer, type TestDnsServer } from '../support/dns-server';

const TOKEN = 'identity-governance-verification=8d1X0Yq2sZ4kVb7nWm3Pq9rT';
const TIMEOUT_MS = 500;

describe('DomainOwnershipChecker', () => {
  let dns: TestDnsServer;
  let web: http.Server;
  let webPort: number;
  /** What the web server does with the next requests; each test sets it. */
  let handle: http.RequestListener;
  let requests: Array<{ host: string | undefined; url: string | undefined }>;
  let connections: number;

  beforeAll(async () => {
    dns = await startDnsServer({
      a: { 'acme.test': '127.0.0.1', 'other.test': '127.0.0.1' },
      silent: ['slow.test'],
    });
    web = http.createServer((request, response) => {
      requests.push({ host: request.headers.host, url: request.url });
      handle(request, response);
    });
    web.on('connection', () => connections++);
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webPort = (web.address() as AddressInfo).port;
  });

  afterAll(async () => {
    web.closeAllConnections();
    await new Promise((resolve) => web.close(resolve));
    await dns.close();
  });

  beforeEach(() => {
    requests = [];
    connections = 0;
    handle = (_request, response) => response.writeHead(500).end();
    dns.setTxt('acme.test', undefined);
  });

  function checker(overrides: Partial<DomainCheckerOptions> = {}): DomainOwnershipChecker {
    return new DomainOwnershipChecker({
      dnsServers: [dns.address],
      timeoutMs: TIMEOUT_MS,
      maxBytes: 1024,
      fileScheme: 'http',
      filePort: webPort,
      allowPrivateAddresses: true,
      ...overrides,
    });
  }

  function serve(body: string, status = 200): http.RequestListener {
    return (_request, response) => response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  }

  describe('DNS_TXT', () => {
    const check = (domain: string, token = TOKEN) => checker().check({ domain, method: 'DNS_TXT', token });

    it('accepts a record equal to the token, joining its chunks', async () => {
      dns.setTxt('acme.test', [['v=spf1 -all'], [TOKEN.slice(0, 20), TOKEN.slice(20)]]);
      await expect(check('acme.test')).resolves.toEqual({ ok: true });
    });

    it('ignores whitespace around the record and the token', async () => {
      dns.setTxt('acme.test', [[` ${TOKEN} `]]);
      await expect(check('acme.test', `${TOKEN}\n`)).resolves.toEqual({ ok: true });
    });

    it('refuses records that do not hold the token, quoting a stale one', async () => {
      dns.setTxt('acme.test', [['v=spf1 -all'], ['identity-governance-verification=old']]);
      const result = await check('acme.test');
      expect(result).toEqual({
        ok: false,
        reason: 'WRONG_TOKEN',
        detail: expect.stringContaining('acme.test'),
        conclusive: true,
      });
      expect(result.ok || result.detail).toContain('identity-governance-verification=old');
    });

    it('does not accept a record that merely contains the token', async () => {
      dns.setTxt('acme.test', [[`prefix ${TOKEN}`]]);
      await expect(check('acme.test')).resolves.toMatchObject({ ok: false, reason: 'WRONG_TOKEN' });
    });

    it('reports a missing record when the name has no TXT records', async () => {
      await expect(check('acme.test')).resolves.toEqual({
        ok: false,
        reason: 'MISSING_RECORD',
        detail: 'acme.test has no TXT records.',
        conclusive: true,
      });
    });

    it('reports a missing record when the name does not exist', async () => {
      await expect(check('nowhere.test')).resolves.toMatchObject({
        ok: false,
        reason: 'MISSING_RECORD',
        conclusive: true,
      });
    });

    it('reports SERVFAIL and REFUSED answers as inconclusive: DNS did not say the record is gone', async () => {
      dns.setTxt('acme.test', [[TOKEN]]);
      for (const rcode of ['SERVFAIL', 'REFUSED'] as const) {
        dns.setError('acme.test', rcode);
        const result = await check('acme.test');
        dns.setError('acme.test', undefined);
        expect(result).toEqual({
          ok: false,
          reason: 'UNREACHABLE',
          detail: expect.stringContaining(rcode),
          conclusive: false,
        });
      }
    });

    it('times out within the deadline when the DNS server never answers', async () => {
      const result = await check('slow.test');
      expect(result).toMatchObject({ ok: false, reason: 'TIMEOUT', conclusive: false });
    });

    it('caps remote content quoted in the detail', async () => {
      // Two chunks (a DNS character string holds at most 255 bytes) making a 333-character record.
      dns.setTxt('acme.test', [[`identity-governance-verification=${'x'.repeat(150)}`, 'Q'.repeat(150)]]);
      const result = await check('acme.test');
      expect(result).toMatchObject({ ok: false, reason: 'WRONG_TOKEN' });
      expect(result.ok || result.detail).not.toContain('Q');
      expect(result.ok || result.detail.length).toBeLessThan(200);
    });
  });

  describe('HTTPS_FILE', () => {
    const check = (options: Partial<DomainCheckerOptions> = {}, domain = 'acme.test') =>
      checker(options).check({ domain, method: 'HTTPS_FILE', token: TOKEN });

    it('accepts the file holding the token, fetched from the well-known path on the domain', async () => {
      handle = serve(`${TOKEN}\n`);
      await expect(check()).resolves.toEqual({ ok: true });
      expect(requests).toEqual([{ host: `acme.test:${webPort}`, url: VERIFICATION_FILE_PATH }]);
    });

    it('accepts the token on a line of its own among others', async () => {
      handle = serve(`# other verifications\r\nsomething-else=1\r\n  ${TOKEN}  \r\n`);
      await expect(check()).resolves.toEqual({ ok: true });
    });

    it('refuses a file with another token', async () => {
      handle = serve('identity-governance-verification=old\n');
      const result = await check();
      expect(result).toMatchObject({ ok: false, reason: 'WRONG_TOKEN' });
      expect(result.ok || result.detail).toContain('identity-governance-verification=old');
    });

    it('refuses a file where the token is only part of a line', async () => {
      handle = serve(`token: ${TOKEN}`);
      await expect(check()).resolves.toMatchObject({ ok: false, reason: 'WRONG_TOKEN' });
    });

    it('reports HTTP errors such as 404', async () => {
      handle = serve('not found', 404);
      await expect(check()).resolves.toEqual({
        ok: false,
        reason: 'HTTP_ERROR',
        detail: `http://acme.test:${webPort}${VERIFICATION_FILE_PATH} answered HTTP 404.`,
        conclusive: true,
      });
    });

    it('reports a 5xx or a dropped connection as inconclusive: the server did not say the file is gone', async () => {
      handle = serve('try later', 503);
      await expect(check()).resolves.toMatchObject({ ok: false, reason: 'HTTP_ERROR', conclusive: false });
      handle = (request) => request.socket.destroy();
      await expect(check()).resolves.toMatchObject({ ok: false, reason: 'UNREACHABLE', conclusive: false });
    });

    it('follows a redirect to another path on the same host', async () => {
      handle = (request, response) => {
        if (request.url === VERIFICATION_FILE_PATH) response.writeHead(301, { location: '/verify/current' }).end();
        else if (request.url === '/verify/current') response.writeHead(200).end(TOKEN);
        else response.writeHead(404).end();
      };
      await expect(check()).resolves.toEqual({ ok: true });
      expect(requests.map((r) => r.url)).toEqual([VERIFICATION_FILE_PATH, '/verify/current']);
    });

    it('refuses a redirect to another host without following it', async () => {
      handle = (request, response) => {
        if (request.headers.host?.startsWith('other.test')) response.writeHead(200).end(TOKEN);
        else response.writeHead(302, { location: `http://other.test:${webPort}${VERIFICATION_FILE_PATH}` }).end();
      };
      await expect(check()).resolves.toMatchObject({ ok: false, reason: 'REDIRECT_TO_OTHER_HOST' });
      expect(requests.map((r) => r.host)).toEqual([`acme.test:${webPort}`]);
    });

    it('refuses a redirect to the same host on another scheme', async () => {
      handle = (_request, response) =>
        response.writeHead(308, { location: `https://acme.test:${webPort}${VERIFICATION_FILE_PATH}` }).end();
      await expect(check()).resolves.toMatchObject({ ok: false, reason: 'REDIRECT_TO_OTHER_HOST' });
    });

    it('stops after three redirects', async () => {
      let hop = 0;
      handle = (_request, response) => response.writeHead(302, { location: `/hop/${++hop}` }).end();
      await expect(check()).resolves.toMatchObject({ ok: false, reason: 'HTTP_ERROR' });
      expect(requests).toHaveLength(4);
    });

    it('refuses an oversized body announced by Content-Length', async () => {
      handle = serve(`${TOKEN}\n${'x'.repeat(5000)}`);
      await expect(check()).resolves.toMatchObject({ ok: false, reason: 'TOO_LARGE' });
    });

    it('refuses an oversized chunked body, stopping the download', async () => {
      let written = 0;
      handle = (_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        // Streams until the client hangs up; without the limit this would never end.
        const write = () => {
          if (response.destroyed) return;
          written += 512;
          response.write('x'.repeat(512), () => setImmediate(write));
        };
        write();
      };
      await expect(check()).resolves.toMatchObject({ ok: false, reason: 'TOO_LARGE' });
      expect(written).toBeLessThan(1024 * 1024);
    });

    it('times out on a server that never answers', async () => {
      handle = () => undefined;
      await expect(check()).resolves.toMatchObject({ ok: false, reason: 'TIMEOUT' });
    });

    it('times out on a body that never finishes', async () => {
      handle = (_request, response) => response.writeHead(200).write(TOKEN);
      await expect(check()).resolves.toMatchObject({ ok: false, reason: 'TIMEOUT' });
    });

    it('refuses a domain that resolves to a private address before connecting', async () => {
      handle = serve(TOKEN);
      const result = await check({ allowPrivateAddresses: false });
      expect(result).toEqual({
        ok: false,
        reason: 'PRIVATE_ADDRESS',
        detail: expect.stringContaining('127.0.0.1'),
        conclusive: false,
      });
      expect(requests).toHaveLength(0);
      expect(connections).toBe(0);
    });

    it('reports a domain without an address as unreachable', async () => {
      await expect(check({}, 'nowhere.test')).resolves.toMatchObject({
        ok: false,
        reason: 'UNREACHABLE',
        conclusive: true,
      });
      expect(connections).toBe(0);
    });

    it('times out when the DNS server never answers the address lookup', async () => {
      await expect(check({}, 'slow.test')).resolves.toMatchObject({ ok: false, reason: 'TIMEOUT' });
    });
  });

  it('throws for a domain that is not in normalized form, or an empty token', async () => {
    await expect(checker().check({ domain: 'ACME.test', method: 'DNS_TXT', token: TOKEN })).rejects.toThrow(TypeError);
    await expect(checker().check({ domain: '127.0.0.1', method: 'HTTPS_FILE', token: TOKEN })).rejects.toThrow(
      TypeError,
    );
    await expect(checker().check({ domain: 'acme.test', method: 'HTTPS_FILE', token: ' ' })).rejects.toThrow(TypeError);
  });
});
