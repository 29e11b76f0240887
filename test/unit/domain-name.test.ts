import { asciiDomain, normalizeDomainName } from '../../src/domains/domain-name';

/** 253 characters, the most a domain name may have. */
const LONGEST = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;

describe('normalizeDomainName', () => {
  describe('accepts and normalizes', () => {
    it.each([
      ['acme.com', 'acme.com'],
      ['  ACME.Com  ', 'acme.com'],
      ['acme.com.', 'acme.com'],
      ['dev.acme.com', 'dev.acme.com'],
      ['a.b.dev.acme.com', 'a.b.dev.acme.com'],
      ['acme.co.uk', 'acme.co.uk'],
      ['acme.github.io', 'acme.github.io'],
      ['my-company2.io', 'my-company2.io'],
      ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
      ['bücher.de', 'xn--bcher-kva.de'],
      ['BÜCHER.DE', 'xn--bcher-kva.de'],
      ['пример.рф', 'xn--e1afmkfd.xn--p1ai'],
      ['παράδειγμα.gr', 'xn--hxajbheg2az3al.gr'],
      ['例え.jp', 'xn--r8jz45g.jp'],
      ['ａｃｍｅ.com', 'acme.com'],
      ['acme.test', 'acme.test'],
      [`${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
      [LONGEST, LONGEST],
    ])('%j → %s', (input, name) => {
      expect(normalizeDomainName(input)).toEqual({ ok: true, name });
    });
  });

  describe('refuses invalid names', () => {
    it.each([
      ['', /enter a domain/i],
      ['   ', /enter a domain/i],
      ['.', /enter a domain/i],
      ['localhost', /single name/],
      ['intranet', /single name/],
      ['*.acme.com', /wildcard/],
      ['acme.*', /wildcard/],
      ['1.2.3.4', /IP address/],
      ['127.0.0.1.', /IP address/],
      ['0x7f.1', /IP address/],
      ['2130706433', /IP address/],
      ['::1', /IP address/],
      ['[::1]', /IP address/],
      ['2001:db8::1', /IP address/],
      ['[2001:db8::1]', /IP address/],
      ['::ffff:127.0.0.1', /IP address/],
      ['acme.123', /ends in a number/],
      ['_dmarc.acme.com', /contains '_'/],
      ['acme_corp.com', /contains '_'/],
      ['acme corp.com', /contains a space/],
      ['acme.com/path', /contains '\/'/],
      ['https://acme.com', /contains ':'/],
      ['acme.com:443', /contains ':'/],
      ['user@acme.com', /contains '@'/],
      ['acme!.com', /contains '!'/],
      ['acme\u0000.com', /control character \(U\+0000\)/],
      ['acme..com', /empty label/],
      ['.acme.com', /empty label/],
      ['acme.com..', /empty label/],
      ['-acme.com', /starts or ends with a hyphen/],
      ['acme-.com', /starts or ends with a hyphen/],
      ['dev.acme-.com', /starts or ends with a hyphen/],
      [`${'a'.repeat(64)}.com`, /label longer than 63/],
      [`${'a'.repeat(60)}.`.repeat(5) + 'com', /longer than 253/],
      ['xn--zz.com', /not valid punycode/],
      // Cyrillic 'а' (U+0430) in an otherwise Latin word.
      ['\u0430cme.com', /mixes the Latin and Cyrillic scripts/],
      ['p\u0430ypal.com', /mixes the Latin and Cyrillic scripts/],
      // The same look-alike already in punycode.
      ['xn--cme-5cd.com', /mixes the Latin and Cyrillic scripts/],
      // Greek omicron among Latin letters.
      ['g\u03bfogle.com', /mixes the Latin and Greek scripts/],
      // Armenian 'օ' among Latin letters.
      ['g\u0585\u0585gle.com', /mixes the Latin and Armenian scripts/],
    ])('%j', (input, message) => {
      const result = normalizeDomainName(input);
      expect(result).toEqual({ ok: false, code: 'INVALID_DOMAIN', message: expect.stringMatching(message) });
    });
  });

  describe('refuses public suffixes', () => {
    it.each(['com', 'uk', 'co.uk', 'CO.UK.', 'github.io', 'blogspot.com', 'рф', 'io'])('%j', (input) => {
      expect(normalizeDomainName(input)).toEqual({
        ok: false,
        code: 'PUBLIC_SUFFIX',
        message: expect.stringContaining('public suffix'),
      });
    });
  });

  it('allows scripts to differ between labels', () => {
    expect(normalizeDomainName('acme.рф')).toEqual({ ok: true, name: 'acme.xn--p1ai' });
  });

  it('quotes at most 100 characters of the input in messages', () => {
    const input = `${'x'.repeat(300)}.com`;
    const result = normalizeDomainName(input);
    expect(result.ok).toBe(false);
    const message = result.ok ? '' : result.message;
    expect(message).toContain(`'${'x'.repeat(100)}…'`);
    expect(message).not.toContain('x'.repeat(101));
  });
});

describe('asciiDomain', () => {
  it.each([
    [' Acme.COM. ', 'acme.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['a b.com', ''],
  ])('%j → %j', (input, expected) => {
    expect(asciiDomain(input)).toBe(expected);
  });
});
