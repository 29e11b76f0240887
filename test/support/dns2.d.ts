/** The part of dns2 (which ships no type declarations) that dns-server.ts uses. */
declare module 'dns2' {
  import type { AddressInfo } from 'node:net';

  interface Question {
    name: string;
    type: number;
  }
  interface DnsPacket {
    header: { rcode: number; aa: number; ra: number };
    questions: Question[];
    answers: object[];
  }
  export function createServer(options: {
    udp: boolean;
    handle: (request: DnsPacket, send: (response: DnsPacket) => Promise<unknown>) => void;
  }): {
    on(event: 'requestError' | 'error', listener: (error: Error) => void): void;
    listen(options: { udp: { port: number; address: string } }): Promise<{ udp: AddressInfo }>;
    close(): Promise<void>;
  };
  export const Packet: {
    TYPE: { A: number; TXT: number };
    CLASS: { IN: number };
    createResponseFromRequest: (request: DnsPacket) => DnsPacket;
  };
}
