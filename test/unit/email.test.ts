import {
  firstFreePlaceholder,
  normalizeEmail,
  placeholderEmail,
  placeholderSeriesPrefix,
} from '../../src/accounts/email';

describe('normalizeEmail', () => {
  it.each([
    ['  Alice.Smith@ACME.com ', 'Alice.Smith@acme.com'],
    ['bob+tag@bücher.de', 'bob+tag@xn--bcher-kva.de'],
    ["o'brien@acme.com", "o'brien@acme.com"],
  ])('accepts %j as %j (local part keeps its case, domain is stored form)', (input, email) => {
    expect(normalizeEmail(input)).toMatchObject({ ok: true, email });
  });
});

describe('placeholders (rule R6)', () => {
  it('follows the article: emailB+duplicated@domain, then numbered', () => {
    expect(placeholderEmail('alice.smith', 'acme.com', 1)).toBe('alice.smith+duplicated@acme.com');
    expect(placeholderEmail('alice.smith', 'acme.com', 2)).toBe('alice.smith+duplicated2@acme.com');
  });

  it('drops an existing +tag so accounts sharing a local part share one series', () => {
    expect(placeholderEmail('sam+7', 'acme.com', 1)).toBe('sam+duplicated@acme.com');
    expect(
      firstFreePlaceholder('sam+7', 'acme.com', new Set(['sam+duplicated@acme.com', 'sam+duplicated2@acme.com'])),
    ).toEqual({
      email: 'sam+duplicated3@acme.com',
      n: 3,
    });
  });

  it('shortens a long name part so the placeholder is still a valid email, within the series prefix', () => {
    const local = 'a'.repeat(60);
    for (const n of [1, 2, 1000, 999_999]) {
      const placeholder = placeholderEmail(local, 'acme.com', n);
      expect(normalizeEmail(placeholder)).toMatchObject({ ok: true });
      expect(placeholder.startsWith(placeholderSeriesPrefix(local, 'acme.com'))).toBe(true);
    }
  });
});
