import { ScimError } from '../scim-error';

/**
 * A small recursive-descent parser for SCIM filters (RFC 7644 §3.4.2.2).
 *
 * Written here rather than using `scim2-parse-filter` 0.2.10 because that library mangles JSON
 * string escapes other than `\"` (`userName eq "a\\"` throws, `"a\\b"` parses as `a\\b`,
 * `"\u00e9"` stays literal), silently rewrites `emails[type eq "work"].value eq "x"` (a PATCH
 * path, not a filter) into an `and` whose two halves may match different emails, rejects the
 * case-insensitive literals `True`/`False`/`NULL` that the ABNF allows, cannot report nesting
 * depth (parentheses leave no trace in its AST), and throws unreadable messages.
 *
 * One extension to the grammar: Entra ID sends `emails[type eq "work"].value eq "x"` when email is
 * a matching attribute; it is read as `emails[type eq "work" and value eq "x"]` (one email matching
 * both halves).
 */

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type CompValue = string | number | boolean | null;

export type FilterNode =
  | { kind: 'and' | 'or'; children: FilterNode[] }
  | { kind: 'not'; child: FilterNode }
  | { kind: 'compare'; attr: string; op: CompareOp; value: CompValue }
  | { kind: 'present'; attr: string }
  | { kind: 'valuePath'; attr: string; filter: FilterNode };

const MAX_FILTER_LENGTH = 2000;
/** Parentheses (`not (...)` counting once) and value-filter brackets, nested. */
export const MAX_FILTER_DEPTH = 20;

const COMPARE_OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

type Token =
  | { type: 'word'; text: string; pos: number }
  | { type: 'string'; value: string; pos: number }
  | { type: 'number'; value: number; pos: number }
  | { type: 'punct'; text: '(' | ')' | '[' | ']'; pos: number }
  /** `.name` right after `]`. */
  | { type: 'sub'; text: string; pos: number }
  | { type: 'end'; pos: number };

export function invalidFilter(detail: string): ScimError {
  return new ScimError(400, detail, 'invalidFilter');
}

/** Positions in messages are 1-based character offsets into the filter. */
function at(pos: number): string {
  return `at position ${pos + 1}`;
}

const WORD = /[A-Za-z_$][A-Za-z0-9_$.:-]*/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /\s/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (WHITESPACE.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ type: 'punct', text: c, pos: i });
      i++;
      if (c === ']' && input[i] === '.') {
        // Entra's `emails[type eq "work"].value eq "x"`: outside RFC 7644's filter grammar, read as
        // `emails[type eq "work" and value eq "x"]` (the parser checks what follows).
        WORD.lastIndex = i + 1;
        const m = WORD.exec(input);
        if (!m || m[0].includes('.') || m[0].includes(':'))
          throw invalidFilter(`Expected a sub-attribute name after ']. ' ${at(i)}`);
        tokens.push({ type: 'sub', text: m[0], pos: i });
        i += 1 + m[0].length;
      }
    } else if (c === '"') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= input.length) throw invalidFilter(`Unterminated string starting ${at(start)}`);
        const ch = input[i];
        if (ch === '"') {
          i++;
          break;
        }
        if (ch === '\\') {
          const next = input.at(i + 1);
          if (next === undefined) throw invalidFilter(`Unterminated string starting ${at(start)}`);
          if (next === 'u') {
            const hex = input.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw invalidFilter(`Invalid \\u escape in string ${at(i)}`);
            value += String.fromCharCode(parseInt(hex, 16));
            i += 6;
          } else if (next in ESCAPES) {
            value += ESCAPES[next];
            i += 2;
          } else {
            throw invalidFilter(`Invalid escape '\\${next}' in string ${at(i)}`);
          }
        } else {
          value += ch;
          i++;
        }
      }
      // Postgres text cannot hold NUL: refuse it here rather than fail in the database.
      if (value.includes('\u0000')) throw invalidFilter(`String starting ${at(start)} contains a NUL character`);
      tokens.push({ type: 'string', value, pos: start });
    } else if (/[-0-9]/.test(c)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(input);
      if (!m) throw invalidFilter(`Unexpected character ${JSON.stringify(c)} ${at(i)}`);
      tokens.push({ type: 'number', value: Number(m[0]), pos: i });
      i += m[0].length;
    } else {
      WORD.lastIndex = i;
      const m = WORD.exec(input);
      if (!m) throw invalidFilter(`Unexpected character ${JSON.stringify(c)} ${at(i)}`);
      tokens.push({ type: 'word', text: m[0], pos: i });
      i += m[0].length;
    }
  }
  tokens.push({ type: 'end', pos: input.length });
  return tokens;
}

function describe(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'end of filter';
    case 'string':
      return `string ${at(token.pos)}`;
    case 'number':
      return `number ${at(token.pos)}`;
    case 'punct':
      return `'${token.text}' ${at(token.pos)}`;
    case 'word':
      return `'${token.text}' ${at(token.pos)}`;
    case 'sub':
      return `'.${token.text}' ${at(token.pos)}`;
  }
}

function isKeyword(token: Token, keyword: string): boolean {
  return token.type === 'word' && token.text.toLowerCase() === keyword;
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    const token = this.tokens[this.i];
    if (token.type !== 'end') this.i++;
    return token;
  }

  private expectPunct(text: ')' | ']' | '(', context: string): void {
    const token = this.next();
    if (token.type !== 'punct' || token.text !== text) {
      throw invalidFilter(`Expected '${text}' ${context}, found ${describe(token)}`);
    }
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_FILTER_DEPTH)
      throw invalidFilter(`Filter is nested deeper than ${MAX_FILTER_DEPTH} levels ${at(pos)}`);
  }

  parseFilter(): FilterNode {
    const node = this.parseOr(false);
    const token = this.peek();
    if (token.type !== 'end') throw invalidFilter(`Unexpected ${describe(token)}`);
    return node;
  }

  private parseOr(inValuePath: boolean): FilterNode {
    const children = [this.parseAnd(inValuePath)];
    while (isKeyword(this.peek(), 'or')) {
      this.next();
      children.push(this.parseAnd(inValuePath));
    }
    return children.length === 1 ? children[0] : { kind: 'or', children };
  }

  private parseAnd(inValuePath: boolean): FilterNode {
    const children = [this.parseUnary(inValuePath)];
    while (isKeyword(this.peek(), 'and')) {
      this.next();
      children.push(this.parseUnary(inValuePath));
    }
    return children.length === 1 ? children[0] : { kind: 'and', children };
  }

  private parseUnary(inValuePath: boolean): FilterNode {
    const token = this.peek();
    if (token.type === 'punct' && token.text === '(') {
      this.next();
      this.enter(token.pos);
      const inner = this.parseOr(inValuePath);
      this.expectPunct(')', `to close '(' ${at(token.pos)}`);
      this.depth--;
      return inner;
    }
    if (isKeyword(token, 'not')) {
      // `not` followed by an attribute operator (`not eq ...`) would be an attribute named "not": none exists.
      this.next();
      this.enter(token.pos);
      const open = this.peek();
      if (open.type !== 'punct' || open.text !== '(')
        throw invalidFilter(`Expected '(' after 'not' ${at(token.pos)}, found ${describe(open)}`);
      this.next();
      const inner = this.parseOr(inValuePath);
      this.expectPunct(')', `to close '(' ${at(open.pos)}`);
      this.depth--;
      return { kind: 'not', child: inner };
    }
    if (token.type === 'word' && !isKeyword(token, 'and') && !isKeyword(token, 'or'))
      return this.parseAttrExp(inValuePath);
    throw invalidFilter(`Expected an attribute, '(' or 'not', found ${describe(token)}`);
  }

  private parseAttrExp(inValuePath: boolean): FilterNode {
    const attrToken = this.next() as Extract<Token, { type: 'word' }>;
    const attr = attrToken.text;
    const opToken = this.next();
    if (opToken.type === 'punct' && opToken.text === '[') {
      if (inValuePath) throw invalidFilter(`Value filters cannot be nested (${at(opToken.pos)})`);
      this.enter(opToken.pos);
      const inner = this.parseOr(true);
      this.expectPunct(']', `to close '[' ${at(opToken.pos)}`);
      this.depth--;
      const sub = this.peek();
      if (sub.type !== 'sub') return { kind: 'valuePath', attr, filter: inner };
      // `attr[filter].sub op value` (Entra ID) is `attr[filter and sub op value]`: one element matches both.
      this.next();
      const last = this.parseComparison(sub.text);
      return { kind: 'valuePath', attr, filter: { kind: 'and', children: [inner, last] } };
    }
    return this.parseComparison(attr, opToken);
  }

  private parseComparison(attr: string, opToken: Token = this.next()): FilterNode {
    if (opToken.type !== 'word')
      throw invalidFilter(`Expected an operator after '${attr}', found ${describe(opToken)}`);
    const op = opToken.text.toLowerCase();
    if (op === 'pr') return { kind: 'present', attr };
    if (!COMPARE_OPS.has(op)) throw invalidFilter(`Unknown operator '${opToken.text}' ${at(opToken.pos)}`);
    const valueToken = this.next();
    let value: CompValue;
    if (valueToken.type === 'string' || valueToken.type === 'number') {
      value = valueToken.value;
    } else if (valueToken.type === 'word' && ['true', 'false', 'null'].includes(valueToken.text.toLowerCase())) {
      const literal = valueToken.text.toLowerCase();
      value = literal === 'null' ? null : literal === 'true';
    } else {
      throw invalidFilter(`Expected a value after '${opToken.text}' ${at(opToken.pos)}, found ${describe(valueToken)}`);
    }
    return { kind: 'compare', attr, op: op as CompareOp, value };
  }
}

/** Parses a SCIM filter; every failure is a ScimError 400 invalidFilter. */
export function parseFilter(filter: string): FilterNode {
  if (typeof filter !== 'string') throw invalidFilter('Filter must be a string');
  if (filter.length > MAX_FILTER_LENGTH) throw invalidFilter(`Filter is longer than ${MAX_FILTER_LENGTH} characters`);
  if (filter.trim() === '') throw invalidFilter('Filter is empty');
  try {
    return new Parser(tokenize(filter)).parseFilter();
  } catch (error) {
    if (error instanceof ScimError) throw error;
    throw invalidFilter('Filter could not be parsed');
  }
}
