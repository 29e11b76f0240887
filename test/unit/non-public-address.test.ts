import { isNonPublicAddress } from '../../src/domains/domain-checker';

/** The HTTPS-file check connects only to addresses this says are public: every written form counts. */
describe('isNonPublicAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['169.254.169.254', 'cloud metadata'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fd00::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped, dotted'],
    ['::ffff:7f00:1', 'IPv4-mapped, hex'],
    ['::FFFF:A9FE:A9FE', 'IPv4-mapped metadata, upper case'],
    ['0:0:0:0:0:ffff:7f00:1', 'IPv4-mapped, written out'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public: a v6 socket reaches the v4 host, never a v6 server'],
    ['::ffff:0:7f00:1', 'IPv4-translated (::ffff:0:0:0/96)'],
    ['::127.0.0.1', 'IPv4-compatible, dotted'],
    ['::7f00:1', 'IPv4-compatible, hex'],
    ['::a9fe:a9fe', 'IPv4-compatible metadata'],
    ['64:ff9b::7f00:1', 'NAT64 well-known prefix, hex'],
    ['64:ff9b::127.0.0.1', 'NAT64 well-known prefix, dotted'],
    ['64:ff9b::a00:1', 'NAT64 to a private address'],
    ['64:ff9b:1::a00:1', 'NAT64 local-use prefix'],
    ['2002:7f00:1::', '6to4 of 127.0.0.1'],
    ['2002:a00:1::1', '6to4 of 10.0.0.1'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['100::1', 'discard-only'],
  ])('refuses %s (%s)', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each([['93.184.215.14'], ['8.8.8.8'], ['2606:4700::6810:84e5'], ['2a00:1450:4001:82b::200e'], ['2001:db9::1']])(
    'allows the public address %s',
    (address) => {
      expect(isNonPublicAddress(address)).toBe(false);
    },
  );

  it('refuses what is not an IP address at all', () => {
    expect(isNonPublicAddress('localhost')).toBe(true);
    expect(isNonPublicAddress('')).toBe(true);
  });
});
