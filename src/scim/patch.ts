/**
 * RFC 7644 §3.5.2 PATCH for SCIM resources held as plain JSON.
 *
 * Written here rather than delegated to `scim-patch` (0.8.3): that library matches attribute names
 * case-sensitively (`username` creates a second key), keeps Entra's string booleans ("False") as
 * strings, silently ignores a remove whose filter matches nothing, removes `members` by value only
 * when the whole element is deep-equal (so `[{"value":"u1"}]` misses `{"value":"u1","display":"U1"}`),
 * appends duplicate members in that case too, lets `id`/`meta` be replaced, and crashes with a
 * TypeError on a remove without a path. The bracketed value filters in paths are parsed by the same
 * parser as list filters (`./filter/parser.ts`) and evaluated here, on the JSON elements.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseFilter, type CompValue, type FilterNode } from './filter';
import { CANONICAL_NAMES as DECLARED_NAMES, MULTI_VALUED_NAMES, USER_BOOLEANS } from './resource-schemas';
import { SCHEMA } from './schema-urns';
import { ScimError, type ScimErrorType } from './scim-error';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type ScimResource = Record<string, unknown>;

export interface PatchOptions {
  /** Attributes (lower-case dotted names, e.g. 'active') whose values must be booleans; string "True"/"False" (any case) are converted. */
  booleanAttributes: string[];
  /** Attributes that can never change (e.g. 'id', 'meta', 'schemas'): touching them → 400 mutability. */
  readOnlyAttributes: string[];
}

const MANAGER_ATTRIBUTE = `${SCHEMA.enterpriseUser}:manager`.toLowerCase();

/**
 * RFC 7643 User attributes this server does not publish in /Schemas (they are stored raw, returned
 * as sent), spelled and typed for PATCH like the published ones of `resource-schemas.ts`.
 */
const UNPUBLISHED_MULTI_VALUED = ['ims', 'photos', 'entitlements', 'roles', 'x509Certificates'];
const UNPUBLISHED_NAMES = ['schemas', 'password', 'profileUrl', ...UNPUBLISHED_MULTI_VALUED];

export const USER_PATCH_OPTIONS: PatchOptions = {
  booleanAttributes: [...USER_BOOLEANS, ...UNPUBLISHED_MULTI_VALUED.map((name) => `${name.toLowerCase()}.primary`)],
  readOnlyAttributes: ['id', 'meta'],
};

export const GROUP_PATCH_OPTIONS: PatchOptions = {
  booleanAttributes: [],
  readOnlyAttributes: ['id', 'meta'],
};

/** Most operations one request may carry. */
const MAX_OPERATIONS = 1000;

/** RFC 7643 spellings, used when an attribute is created by a client that wrote it in another case. */
const CANONICAL_NAMES = new Map([
  ...DECLARED_NAMES,
  ...UNPUBLISHED_NAMES.map((name): [string, string] => [name.toLowerCase(), name]),
]);

/** Multi-valued attributes (lower-case): a single value added to them is wrapped in an array. */
const MULTI_VALUED = new Set([
  ...MULTI_VALUED_NAMES,
  'schemas',
  ...UNPUBLISHED_MULTI_VALUED.map((name) => name.toLowerCase()),
]);

const ATTR_NAME = /^[A-Za-z$][\w$-]*$/;

type Json = Record<string, unknown>;
type Op = 'add' | 'replace' | 'remove';

interface ParsedPath {
  /** Extension schema URN as written, or undefined for core attributes. */
  schema?: string;
  /** Attribute name; undefined when the path is an extension URN on its own (the whole extension object). */
  attr?: string;
  filter?: FilterNode;
  sub?: string;
}

interface Context {
  /** Lower-case qualified names of the boolean attributes. */
  booleans: Set<string>;
}

function fail(scimType: ScimErrorType, detail: string): never {
  throw new ScimError(400, detail, scimType);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function keyOf(obj: Json, name: string): string {
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower) ?? CANONICAL_NAMES.get(lower) ?? name;
}

/** Qualified name of `key` below `parent`: '' is the resource root, a trailing ':' an extension root. */
function childName(parent: string, key: string): string {
  const k = key.toLowerCase();
  return parent === '' || parent.endsWith(':') ? parent + k : `${parent}.${k}`;
}

// ---------------------------------------------------------------------------------------------
// Paths and filters

function knownSchemas(resource: Json): string[] {
  const fromSchemas = Array.isArray(resource.schemas)
    ? resource.schemas.filter((s): s is string => typeof s === 'string')
    : [];
  const fromKeys = Object.keys(resource).filter((k) => k.toLowerCase().startsWith('urn:'));
  return [SCHEMA.enterpriseUser, ...fromSchemas, ...fromKeys];
}

function isCoreSchema(urn: string): boolean {
  const lower = urn.toLowerCase();
  return lower === SCHEMA.user.toLowerCase() || lower === SCHEMA.group.toLowerCase();
}

/** Index of the `]` closing the `[` at `start`, skipping quoted strings. */
function closingBracket(text: string, start: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return -1;
}

function parsePath(raw: string, resource: Json): ParsedPath {
  const path = raw.trim();
  const invalid = (why: string): never => fail('invalidPath', `Invalid path "${raw}": ${why}.`);
  const bracket = path.indexOf('[');
  let head = bracket < 0 ? path : path.slice(0, bracket);
  const rest = bracket < 0 ? '' : path.slice(bracket);
  const parsed: ParsedPath = {};

  if (head.toLowerCase().startsWith('urn:')) {
    const lower = head.toLowerCase();
    if (!rest && knownSchemas(resource).some((s) => s.toLowerCase() === lower)) {
      if (isCoreSchema(head)) invalid('a path cannot be the core schema itself');
      return { schema: head };
    }
    const colon = head.lastIndexOf(':');
    const urn = head.slice(0, colon);
    if (!isCoreSchema(urn)) parsed.schema = urn;
    head = head.slice(colon + 1);
  }

  const parts = head.split('.');
  if (parts.some((p) => !ATTR_NAME.test(p))) invalid('not an attribute name');
  if (parts.length > 2 || (rest && parts.length > 1)) invalid('too many levels of sub-attributes');
  parsed.attr = parts[0];
  if (parts.length === 2) parsed.sub = parts[1];

  if (rest) {
    const close = closingBracket(rest, 0);
    if (close < 0) invalid('unbalanced "["');
    const filterText = rest.slice(1, close).trim();
    if (!filterText) invalid('empty value filter');
    try {
      parsed.filter = parseFilter(filterText);
    } catch (err) {
      invalid(`bad value filter (${err instanceof ScimError ? err.detail : (err as Error).message})`);
    }
    const after = rest.slice(close + 1);
    if (after) {
      if (!after.startsWith('.') || !ATTR_NAME.test(after.slice(1))) invalid('unexpected text after "]"');
      parsed.sub = after.slice(1);
    }
  }
  return parsed;
}

function sameText(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

/** A value of `element` at a (dotted) attribute name, its keys matched case-insensitively. */
function valueAt(element: unknown, attr: string): unknown {
  let value: unknown = element;
  for (const part of attr.split('.')) {
    const step = (o: unknown): unknown => (isObject(o) ? o[keyOf(o, part)] : undefined);
    value = Array.isArray(value) ? value.flatMap((item) => step(item) ?? []) : step(value);
  }
  return value;
}

/** One comparison on one value, caseExact false for strings (RFC 7643 §2.2), "True" equal to true (Entra). */
function compares(actual: unknown, op: string, expected: CompValue): boolean {
  if (expected === null) {
    const absent = actual === undefined || actual === null;
    return op === 'eq' ? absent : op === 'ne' ? !absent : false;
  }
  let left = actual;
  if (typeof expected === 'boolean' && typeof left === 'string' && /^(true|false)$/i.test(left))
    left = left.toLowerCase() === 'true';
  let right: unknown = expected;
  if (typeof left === 'string' && typeof right === 'string') {
    left = left.toLowerCase();
    right = right.toLowerCase();
  }
  const comparable =
    (typeof left === 'string' && typeof right === 'string') || (typeof left === 'number' && typeof right === 'number');
  switch (op) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'co':
      return typeof left === 'string' && typeof right === 'string' && left.includes(right);
    case 'sw':
      return typeof left === 'string' && typeof right === 'string' && left.startsWith(right);
    case 'ew':
      return typeof left === 'string' && typeof right === 'string' && left.endsWith(right);
    case 'gt':
      return comparable && (left as string | number) > (right as string | number);
    case 'ge':
      return comparable && (left as string | number) >= (right as string | number);
    case 'lt':
      return comparable && (left as string | number) < (right as string | number);
    case 'le':
      return comparable && (left as string | number) <= (right as string | number);
    default:
      return false;
  }
}

/** Whether one element of a multi-valued attribute matches a value filter (its attributes relative to the element). */
function matches(element: unknown, filter: FilterNode): boolean {
  switch (filter.kind) {
    case 'and':
      return filter.children.every((child) => matches(element, child));
    case 'or':
      return filter.children.some((child) => matches(element, child));
    case 'not':
      return !matches(element, filter.child);
    case 'present': {
      const value = valueAt(element, filter.attr);
      return value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);
    }
    case 'compare': {
      const value = valueAt(element, filter.attr);
      // `ne` on a multi-valued attribute: no value equals it.
      if (Array.isArray(value))
        return filter.op === 'ne'
          ? !value.some((item) => compares(item, 'eq', filter.value))
          : value.some((item) => compares(item, filter.op, filter.value));
      return compares(value, filter.op, filter.value);
    }
    case 'valuePath': {
      const value = valueAt(element, filter.attr);
      return (Array.isArray(value) ? value : [value]).some((item) => isObject(item) && matches(item, filter.filter));
    }
  }
}

/** The element a value filter of `attr eq literal [and ...]` describes, for adding it when nothing matches. */
function seedFromFilter(filter: FilterNode): Json | undefined {
  if (filter.kind === 'compare' && filter.op === 'eq') {
    if (!ATTR_NAME.test(filter.attr) || filter.value === null) return undefined;
    return { [CANONICAL_NAMES.get(filter.attr.toLowerCase()) ?? filter.attr]: filter.value };
  }
  if (filter.kind === 'and') {
    const seed: Json = {};
    for (const child of filter.children) {
      const part = seedFromFilter(child);
      if (!part) return undefined;
      Object.assign(seed, part);
    }
    return seed;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Values

/** Copies `value`, canonicalising key case, converting boolean strings and `manager: "id"`; rejects bad booleans. */
function normalize(name: string, value: unknown, ctx: Context): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value) && !ctx.booleans.has(name)) return value.map((v) => normalize(name, v, ctx));
  if (ctx.booleans.has(name)) {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
    fail('invalidValue', `Attribute "${name}" must be a boolean, got ${JSON.stringify(value)}.`);
  }
  if (name === MANAGER_ATTRIBUTE && typeof value === 'string') return { value };
  if (isObject(value)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value))
      out[CANONICAL_NAMES.get(k.toLowerCase()) ?? k] = normalize(childName(name, k), v, ctx);
    return out;
  }
  return structuredClone(value);
}

/** Whether two elements of a multi-valued attribute are the same value (members by `value`, emails by `value` + `type`). */
function sameElement(a: unknown, b: unknown): boolean {
  if (isDeepStrictEqual(a, b)) return true;
  if (!isObject(a) || !isObject(b)) return false;
  const av = a[keyOf(a, 'value')];
  const bv = b[keyOf(b, 'value')];
  if (av === undefined || bv === undefined || !isDeepStrictEqual(av, bv)) return false;
  const at = a[keyOf(a, 'type')];
  const bt = b[keyOf(b, 'type')];
  return at === undefined || bt === undefined || sameText(at, bt) || at === bt;
}

/** Writes an already-normalised value at `obj[key]` with RFC 7644 add/replace semantics. */
function writeKey(obj: Json, key: string, name: string, op: 'add' | 'replace', value: unknown): void {
  const existing = obj[key];
  if (value === null || value === undefined) {
    delete obj[key]; // null is "unassigned" (RFC 7643 §2.5)
    return;
  }
  if (Array.isArray(existing) || Array.isArray(value) || MULTI_VALUED.has(name)) {
    const items = Array.isArray(value) ? value : [value];
    if (op === 'replace') {
      obj[key] = items;
      return;
    }
    const result: unknown[] = Array.isArray(existing)
      ? [...(existing as unknown[])]
      : existing === undefined
        ? []
        : [existing];
    for (const item of items) {
      const at = result.findIndex((e) => sameElement(e, item));
      if (at < 0) result.push(item);
      else if (isObject(result[at]) && isObject(item)) result[at] = merge(result[at], item, name, 'add');
    }
    obj[key] = result;
    return;
  }
  // A complex value keeps unmentioned sub-attributes (RFC 7644 §3.5.2.3), except when its `value` changes: then it
  // refers to something else (e.g. a new manager) and the old `displayName`/`$ref` would be stale.
  obj[key] =
    isObject(existing) && isObject(value) && !refersElsewhere(existing, value)
      ? merge(existing, value, name, op)
      : value;
}

function refersElsewhere(existing: Json, value: Json): boolean {
  const before = existing[keyOf(existing, 'value')];
  const after = value[keyOf(value, 'value')];
  return before !== undefined && after !== undefined && !isDeepStrictEqual(before, after);
}

/** Sub-attributes in `value` replace (or are added to) those of `target`; others are left unchanged (RFC 7644 §3.5.2.3). */
function merge(target: Json, value: Json, name: string, op: 'add' | 'replace'): Json {
  const out: Json = { ...target };
  for (const [k, v] of Object.entries(value)) writeKey(out, keyOf(out, k), childName(name, k), op, v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Operations

function applyOperation(
  resource: Json,
  op: Op,
  parsed: ParsedPath,
  rawValue: unknown,
  hasValue: boolean,
  options: PatchOptions,
  pathText: string,
): void {
  const booleans = new Set(options.booleanAttributes.map((a) => a.toLowerCase()));
  const ctx: Context = { booleans };

  // The container: the resource itself, or the extension object for an extension URN.
  let container: Json = resource;
  let extKey: string | undefined;
  let base = '';
  if (parsed.schema !== undefined) {
    const lower = parsed.schema.toLowerCase();
    extKey =
      Object.keys(resource).find((k) => k.toLowerCase() === lower) ??
      knownSchemas(resource).find((s) => s.toLowerCase() === lower) ??
      parsed.schema;
    base = `${lower}:`;
    const ext = resource[extKey];
    if (ext !== undefined && !isObject(ext)) fail('invalidPath', `"${extKey}" is not an extension object.`);
    // RFC 7644 §3.5.2.2: removing what is not there is a no-op (noTarget is replace's, §3.5.2.3).
    if (ext === undefined && op === 'remove') return;
    container = isObject(ext) ? { ...ext } : {};
  }

  if (parsed.attr === undefined) {
    // The whole extension object.
    if (extKey === undefined) fail('invalidPath', `Path "${pathText}" names no attribute.`);
    if (op === 'remove') delete resource[extKey];
    else {
      if (!isObject(rawValue)) fail('invalidValue', `The value for "${pathText}" must be an object.`);
      const value = normalize(base, rawValue, ctx) as Json;
      resource[extKey] = merge(container, value, base, op);
    }
    return;
  }

  const attrName = childName(base, parsed.attr);
  const attrKey = keyOf(container, parsed.attr);
  // The sub-attribute as written (its key is looked up in each element) and its qualified name.
  const sub = parsed.sub === undefined ? undefined : { key: parsed.sub, name: childName(attrName, parsed.sub) };

  if (parsed.filter) {
    const existing = container[attrKey];
    if (existing !== undefined && !Array.isArray(existing))
      fail('invalidPath', `"${parsed.attr}" is not multi-valued; a value filter cannot apply to it.`);
    const list: unknown[] = existing === undefined ? [] : [...(existing as unknown[])];
    const filter = parsed.filter;
    const matching = list.map((e) => isObject(e) && matches(e, filter));
    if (op === 'remove') {
      // A value filter that matches nothing removes nothing (Okta sends remove + add in one PATCH).
      if (!matching.includes(true)) return;
      if (sub === undefined) {
        const kept = list.filter((_, i) => !matching[i]);
        if (kept.length) container[attrKey] = kept;
        else delete container[attrKey];
      } else {
        container[attrKey] = list.map((e, i) => {
          if (!matching[i]) return e;
          const copy = { ...(e as Json) };
          delete copy[keyOf(copy, sub.key)];
          return copy;
        });
      }
    } else {
      const value = normalize(sub?.name ?? attrName, rawValue, ctx);
      if (sub === undefined && !isObject(value)) fail('invalidValue', `The value for "${pathText}" must be an object.`);
      if (!matching.includes(true)) {
        // Entra ID sends `emails[type eq "work"].value` for a user without a work e-mail and expects one to be added.
        const seed = seedFromFilter(filter);
        if (!seed) fail('noTarget', `Path "${pathText}" matched no value.`);
        const element = normalize(attrName, seed, ctx) as Json;
        if (sub === undefined) list.push(merge(element, value as Json, attrName, 'add'));
        else {
          writeKey(element, keyOf(element, sub.key), sub.name, 'add', value);
          list.push(element);
        }
      } else {
        for (let i = 0; i < list.length; i++) {
          if (!matching[i]) continue;
          const element = { ...(list[i] as Json) };
          if (sub !== undefined) {
            writeKey(element, keyOf(element, sub.key), sub.name, op, value);
            list[i] = element;
          } else {
            // RFC 7644 §3.5.2.3: matching records are replaced; add merges sub-attributes into them.
            list[i] = op === 'replace' ? structuredClone(value) : merge(element, value as Json, attrName, 'add');
          }
        }
      }
      container[attrKey] = list;
    }
  } else if (sub !== undefined) {
    const parent = container[attrKey];
    const subKey = (o: Json) => keyOf(o, sub.key);
    if (parent !== undefined && !isObject(parent) && !Array.isArray(parent))
      fail('invalidPath', `"${parsed.attr}" has no sub-attributes.`);
    if (op === 'remove') {
      if (isObject(parent)) {
        const copy = { ...parent };
        delete copy[subKey(copy)];
        if (Object.keys(copy).length) container[attrKey] = copy;
        else delete container[attrKey];
      } else if (Array.isArray(parent)) {
        container[attrKey] = parent.map((e: unknown) => {
          if (!isObject(e)) return e;
          const copy = { ...e };
          delete copy[subKey(copy)];
          return copy;
        });
      }
    } else {
      const value = normalize(sub.name, rawValue, ctx);
      if (Array.isArray(parent)) {
        container[attrKey] = parent.map((e: unknown) => {
          if (!isObject(e)) return e;
          const copy = { ...e };
          writeKey(copy, subKey(copy), sub.name, op, value);
          return copy;
        });
      } else {
        const copy: Json = isObject(parent) ? { ...parent } : {};
        writeKey(copy, subKey(copy), sub.name, op, value);
        if (Object.keys(copy).length) container[attrKey] = copy;
        else delete container[attrKey];
      }
    }
  } else if (op === 'remove') {
    const existing = container[attrKey];
    if (hasValue && Array.isArray(existing) && rawValue !== null && rawValue !== undefined) {
      // Entra ID: {"op":"Remove","path":"members","value":[{"value":"id1"}]} removes just those values.
      const toRemove = normalize(attrName, Array.isArray(rawValue) ? rawValue : [rawValue], ctx) as unknown[];
      const kept = existing.filter((e) => !toRemove.some((r) => sameElement(e, r)));
      if (kept.length) container[attrKey] = kept;
      else delete container[attrKey];
    } else {
      delete container[attrKey];
    }
  } else {
    writeKey(container, attrKey, attrName, op, normalize(attrName, rawValue, ctx));
  }

  if (extKey !== undefined) {
    if (Object.keys(container).length) resource[extKey] = container;
    else delete resource[extKey];
  }
}

/** Values of a lower-case dotted (optionally URN-prefixed) attribute name, for the read-only check. */
function lookup(resource: Json, name: string): unknown {
  let obj: unknown = resource;
  let rest = name;
  const colon = name.lastIndexOf(':');
  if (colon >= 0) {
    obj = resource[keyOf(resource, name.slice(0, colon))];
    rest = name.slice(colon + 1);
  }
  for (const part of rest.split('.')) {
    const step = (o: unknown): unknown => (isObject(o) ? o[keyOf(o, part)] : undefined);
    obj = Array.isArray(obj) ? obj.map(step) : step(obj);
  }
  return obj;
}

/**
 * Applies an RFC 7644 §3.5.2 PatchOp body to `resource`, returning a new object (the input is not mutated).
 * Throws ScimError 400 with scimType invalidSyntax | invalidPath | noTarget | invalidValue | mutability.
 */
export function applyPatch(resource: ScimResource, body: unknown, options: PatchOptions): ScimResource {
  if (!isObject(body)) fail('invalidSyntax', 'The PATCH body must be a JSON object.');
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.some((s) => sameText(s, PATCH_OP_SCHEMA)))
    fail('invalidSyntax', `The PATCH body must have "schemas": ["${PATCH_OP_SCHEMA}"].`);
  const operations = body[keyOf(body, 'Operations')];
  if (!Array.isArray(operations) || operations.length === 0)
    fail('invalidSyntax', 'The PATCH body must have a non-empty "Operations" array.');
  if (operations.length > MAX_OPERATIONS)
    fail('invalidSyntax', `A PATCH request may carry at most ${MAX_OPERATIONS} operations.`);

  const readOnly = options.readOnlyAttributes.map((a) => a.toLowerCase());
  const result = structuredClone(resource);

  operations.forEach((operation: unknown, index) => {
    const where = `Operations[${index}]`;
    if (!isObject(operation)) fail('invalidSyntax', `${where} must be an object.`);
    const opName = operation[keyOf(operation, 'op')];
    const op = typeof opName === 'string' ? opName.toLowerCase() : undefined;
    if (op !== 'add' && op !== 'replace' && op !== 'remove')
      fail('invalidSyntax', `${where}: unknown op ${JSON.stringify(opName)}.`);
    const rawPath = operation[keyOf(operation, 'path')];
    if (rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string')
      fail('invalidPath', `${where}: "path" must be a string.`);
    const path = typeof rawPath === 'string' && rawPath.trim() !== '' ? rawPath : undefined;
    const valueKey = keyOf(operation, 'value');
    const hasValue = valueKey in operation;
    const value = operation[valueKey];
    if (op !== 'remove' && !hasValue) fail('invalidSyntax', `${where}: "${op}" needs a "value".`);

    const before = readOnly.map((name) => structuredClone(lookup(result, name)));
    try {
      if (path !== undefined) {
        applyOperation(result, op, parsePath(path, result), value, hasValue, options, path);
      } else if (op === 'remove') {
        fail('noTarget', 'A "remove" operation needs a "path".');
      } else {
        // No path: the value is a set of attributes, whose keys may themselves be paths
        // (Entra ID sends "name.givenName" and URN-prefixed extension attributes here).
        if (!isObject(value)) fail('invalidValue', `"${op}" without a path needs an object value.`);
        for (const [key, v] of Object.entries(value))
          applyOperation(result, op, parsePath(key, result), v, true, options, key);
      }
    } catch (err) {
      if (err instanceof ScimError) throw new ScimError(err.status, `${where}: ${err.detail}`, err.scimType);
      throw err;
    }
    readOnly.forEach((name, i) => {
      if (!isDeepStrictEqual(before[i], lookup(result, name)))
        fail('mutability', `${where}: attribute "${name}" is read-only.`);
    });
  });

  syncSchemas(resource, result);
  return result;
}

/** Lists extension URNs the patch added in `schemas`, and drops those whose extension object it removed. */
function syncSchemas(original: Json, result: Json): void {
  if (!Array.isArray(result.schemas)) return;
  const isExtKey = (k: string) => k.toLowerCase().startsWith('urn:');
  const removed = Object.keys(original).filter((k) => isExtKey(k) && !(k in result));
  const schemas = (result.schemas as unknown[]).filter((s) => !removed.some((r) => sameText(s, r)));
  for (const key of Object.keys(result)) {
    if (isExtKey(key) && isObject(result[key]) && !schemas.some((s) => sameText(s, key))) schemas.push(key);
  }
  result.schemas = schemas;
}
