import { Packet, createServer } from 'dns2';

const NXDOMAIN = 3;
/** Response codes a test can make a name answer with instead of its records. */
const DNS_ERROR_RCODES = { SERVFAIL: 2, REFUSED: 5 } as const;
type DnsErrorRcode = keyof typeof DNS_ERROR_RCODES;

export interface DnsServerRecords {
  /** name → records; each record is its list of character strings (chunks). */
  txt?: Record<string, string[][]>;
  /** name → IPv4 address. */
  a?: Record<string, string>;
  /** Names the server never answers, to make resolvers time out. */
  silent?: Iterable<string>;
}

export interface TestDnsServer {
  /** '127.0.0.1:port', ready for Resolver.setServers. */
  address: string;
  setTxt(name: string, values: string[][] | undefined): void;
  setA(name: string, ip: string | undefined): void;
  /** Makes the server answer `name` with SERVFAIL or REFUSED (undefined: its records again). */
  setError(name: string, rcode: DnsErrorRcode | undefined): void;
  /** Makes the server ignore queries for `name`, so resolvers time out (false: answer again). */
  setSilent(name: string, silent: boolean): void;
  close(): Promise<void>;
}

/**
 * A real UDP DNS server on 127.0.0.1 and a random port. Known names answer with their records
 * (NOERROR and no answers for a type they lack); unknown names answer NXDOMAIN.
 */
export async function startDnsServer(records: DnsServerRecords = {}): Promise<TestDnsServer> {
  const txt = new Map(Object.entries(records.txt ?? {}).map(([name, values]) => [name.toLowerCase(), values]));
  const a = new Map(Object.entries(records.a ?? {}).map(([name, ip]) => [name.toLowerCase(), ip]));
  const silent = new Set([...(records.silent ?? [])].map((name) => name.toLowerCase()));
  const errors = new Map<string, DnsErrorRcode>();

  const server = createServer({
    udp: true,
    handle: (request, send) => {
      const question = request.questions.at(0);
      if (question === undefined) return;
      const name = question.name.toLowerCase();
      if (silent.has(name)) return;

      const response = Packet.createResponseFromRequest(request);
      response.header.aa = 1;
      response.header.ra = 1;
      const error = errors.get(name);
      if (error !== undefined) {
        response.header.rcode = DNS_ERROR_RCODES[error];
        send(response).catch(() => undefined);
        return;
      }
      const record = { name: question.name, class: Packet.CLASS.IN, ttl: 1 };
      if (question.type === Packet.TYPE.TXT) {
        for (const chunks of txt.get(name) ?? []) {
          response.answers.push({ ...record, type: Packet.TYPE.TXT, data: chunks });
        }
      } else if (question.type === Packet.TYPE.A) {
        const ip = a.get(name);
        if (ip !== undefined) response.answers.push({ ...record, type: Packet.TYPE.A, address: ip });
      }
      if (!txt.has(name) && !a.has(name)) response.header.rcode = NXDOMAIN;
      send(response).catch(() => undefined);
    },
  });
  // A malformed query is the client's problem; it must not crash the test run.
  server.on('requestError', () => undefined);
  server.on('error', () => undefined);

  // Port 0 is falsy, so dns2 passes the whole object to dgram's bind(options), which handles it.
  const { udp } = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  return {
    address: `127.0.0.1:${udp.port}`,
    setTxt(name, values) {
      if (values === undefined) txt.delete(name.toLowerCase());
      else txt.set(name.toLowerCase(), values);
    },
    setA(name, ip) {
      if (ip === undefined) a.delete(name.toLowerCase());
      else a.set(name.toLowerCase(), ip);
    },
    setError(name, rcode) {
      if (rcode === undefined) errors.delete(name.toLowerCase());
      else errors.set(name.toLowerCase(), rcode);
    },
    setSilent(name, quiet) {
      if (quiet) silent.add(name.toLowerCase());
      else silent.delete(name.toLowerCase());
    },
    close: () => server.close(),
  };
}
