import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { isUuid, escapeLike } from '../../common';
import { ScimError } from '../scim-error';
import { invalidFilter, parseFilter, type CompValue, type CompareOp, type FilterNode } from './parser';
import type { AttributeSpec, MultiValuedSpec, ResourceSchema } from './schema';

export interface CompiledFilter {
  /** A boolean SQL expression; it may evaluate to NULL, which means "no match" (as in WHERE). */
  sql: string;
  /** Values for the `$n` placeholders of `sql`, in order, starting at `firstParam`. */
  params: unknown[];
}

const USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:user:';

/** A typed SQL expression a leaf comparison applies to: a column, or one sub-attribute of a jsonb element. */
interface Scalar {
  /** Attribute name for messages, as the client wrote it. */
  name: string;
  expr: string;
  type: AttributeSpec['type'];
  caseExact: boolean;
}

type Target =
  | { kind: 'single'; name: string; spec: AttributeSpec }
  | { kind: 'multi'; name: string; spec: MultiValuedSpec; sub: string | undefined };

function findKey<T>(record: Record<string, T>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(record).find((key) => key.toLowerCase() === lower);
}

function stripSchemaUrn(path: string): string {
  return path.toLowerCase().startsWith(USER_SCHEMA_URN) ? path.slice(USER_SCHEMA_URN.length) : path;
}

/** Resolves an attribute path (case-insensitive, optional core User URN) against a schema, or undefined. */
function resolve(path: string, schema: ResourceSchema): Target | undefined {
  const bare = stripSchemaUrn(path);
  const attrKey = findKey(schema.attributes, bare);
  if (attrKey !== undefined) return { kind: 'single', name: path, spec: schema.attributes[attrKey] };
  const multiKey = findKey(schema.multiValued, bare);
  if (multiKey !== undefined) return { kind: 'multi', name: path, spec: schema.multiValued[multiKey], sub: undefined };
  const dot = bare.indexOf('.');
  if (dot > 0) {
    const headKey = findKey(schema.multiValued, bare.slice(0, dot));
    if (headKey !== undefined) {
      const spec = schema.multiValued[headKey];
      const subKey = findKey(spec.subAttributes, bare.slice(dot + 1));
      if (subKey !== undefined) return { kind: 'multi', name: path, spec, sub: subKey };
    }
  }
  return undefined;
}

function sqlLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Only arrays are expanded: anything else in the column counts as no elements, never as an error. */
function elements(column: string): string {
  return `jsonb_array_elements(CASE WHEN jsonb_typeof(${column}) = 'array' THEN ${column} END)`;
}

/** The element alias of value-filter subqueries: `e(v)`, one jsonb element per row. */
function elementScalar(name: string, spec: MultiValuedSpec, subKey: string): Scalar {
  const sub = spec.subAttributes[subKey];
  const text = `(e.v->>${sqlLiteral(subKey)})`;
  if (sub.type === 'boolean') {
    // JSON true/false, or the strings "true"/"True"/"false" that some clients store: never a cast error.
    return {
      name,
      expr: `(CASE lower(e.v->>${sqlLiteral(subKey)}) WHEN 'true' THEN true WHEN 'false' THEN false END)`,
      type: 'boolean',
      caseExact: true,
    };
  }
  return { name, expr: text, type: 'string', caseExact: sub.caseExact === true };
}

function daysInMonth(year: number, month: number): number {
  return [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Validates an RFC 3339 date-time and rewrites it in UTC, keeping its fractional seconds (Postgres
 * rounds them to microseconds; JavaScript dates would truncate to milliseconds), so that
 * Postgres can never reject it (an offset beyond ±15:59 or February 30 would be an error there).
 */
function normalizeDateTime(value: string, name: string): string {
  const m = DATE_TIME.exec(value);
  const bad = () =>
    invalidFilter(`Attribute '${name}' must be compared with an RFC 3339 date-time such as "2024-01-31T12:00:00Z"`);
  if (!m) throw bad();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const fraction = m.at(7) ?? '';
  const sign = m[9] === '-' ? -1 : 1;
  const offsetMinutes = m[8] ? 0 : sign * (Number(m[10]) * 60 + Number(m[11]));
  if (
    year < 1 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 60 ||
    (!m[8] && (Number(m[10]) > 23 || Number(m[11]) > 59))
  ) {
    throw bad();
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0); // second 60 rolls over, as Postgres does
  const utc = new Date(date.getTime() - offsetMinutes * 60_000);
  const y = utc.getUTCFullYear();
  if (y < 1 || y > 9999) throw bad();
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${pad(y, 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}` +
    `T${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}${fraction}Z`
  );
}

const SQL_COMPARISON: Record<'gt' | 'ge' | 'lt' | 'le', string> = { gt: '>', ge: '>=', lt: '<', le: '<=' };

class Compiler {
  readonly params: unknown[] = [];

  constructor(
    private readonly schema: ResourceSchema,
    private nextParam: number,
  ) {}

  private param(value: unknown, cast: string): string {
    this.params.push(value);
    return `$${this.nextParam++}::${cast}`;
  }

  compile(node: FilterNode, element?: { name: string; spec: MultiValuedSpec }): string {
    switch (node.kind) {
      case 'and':
      case 'or':
        return `(${node.children.map((child) => this.compile(child, element)).join(node.kind === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        // NULL (unknown) counts as "no match" before negating, so `not` is the complement.
        return `(NOT COALESCE(${this.compile(node.child, element)}, false))`;
      case 'valuePath':
        return this.valuePath(node.attr, node.filter);
      case 'present':
      case 'compare': {
        if (element) {
          const subKey = findKey(element.spec.subAttributes, node.attr);
          if (subKey === undefined)
            throw invalidFilter(`Unknown sub-attribute '${node.attr}' of '${element.name}' in filter`);
          return this.leaf(elementScalar(node.attr, element.spec, subKey), node);
        }
        const target = resolve(node.attr, this.schema);
        if (!target) throw invalidFilter(`Unknown attribute '${node.attr}' in filter`);
        if (target.kind === 'single') {
          const { spec } = target;
          return this.leaf(
            { name: node.attr, expr: spec.column, type: spec.type, caseExact: spec.caseExact === true },
            node,
          );
        }
        if (node.kind === 'present' && target.sub === undefined) {
          // A multi-valued attribute is present when it has at least one value.
          return `(COALESCE(jsonb_array_length(CASE WHEN jsonb_typeof(${target.spec.column}) = 'array' THEN ${target.spec.column} END), 0) > 0)`;
        }
        const subKey = target.sub ?? target.spec.defaultSubAttribute;
        if (!(subKey in target.spec.subAttributes))
          throw new Error(`defaultSubAttribute '${subKey}' is not a sub-attribute of '${node.attr}'`);
        // Any value matching makes the resource match (RFC 7644 §3.4.2.2), for every operator.
        return this.exists(target.spec.column, this.leaf(elementScalar(node.attr, target.spec, subKey), node));
      }
    }
  }

  private exists(column: string, condition: string): string {
    return `EXISTS (SELECT 1 FROM ${elements(column)} AS e(v) WHERE ${condition})`;
  }

  private valuePath(attr: string, filter: FilterNode): string {
    const target = resolve(attr, this.schema);
    if (!target) throw invalidFilter(`Unknown attribute '${attr}' in filter`);
    if (target.kind !== 'multi' || target.sub !== undefined)
      throw invalidFilter(`Attribute '${attr}' does not take a value filter '[...]'`);
    return this.exists(target.spec.column, this.compile(filter, { name: attr, spec: target.spec }));
  }

  private leaf(scalar: Scalar, node: Extract<FilterNode, { kind: 'present' | 'compare' }>): string {
    if (node.kind === 'present') return present(scalar);
    const { op, value } = node;
    if (value === null) {
      // null is the same as unassigned (RFC 7643 §2.5).
      if (op === 'eq') return `(NOT ${present(scalar)})`;
      if (op === 'ne') return present(scalar);
      throw invalidFilter(`null can only be compared with 'eq' or 'ne' (attribute '${scalar.name}')`);
    }
    switch (scalar.type) {
      case 'string':
        return this.stringLeaf(scalar, op, value);
      case 'boolean':
        return this.booleanLeaf(scalar, op, value);
      case 'dateTime':
        return this.dateTimeLeaf(scalar, op, value);
      case 'uuid':
        return this.uuidLeaf(scalar, op, value);
    }
  }

  private stringLeaf(scalar: Scalar, op: CompareOp, value: Exclude<CompValue, null>): string {
    if (typeof value !== 'string') throw invalidFilter(`Attribute '${scalar.name}' must be compared with a string`);
    const ci = !scalar.caseExact;
    const left = ci ? `lower(${scalar.expr})` : scalar.expr;
    const right = (v: string) => (ci ? `lower(${this.param(v, 'text')})` : this.param(v, 'text'));
    switch (op) {
      case 'eq':
        return `${left} = ${right(value)}`;
      case 'ne':
        return `${left} IS DISTINCT FROM ${right(value)}`;
      case 'co':
        return `${left} LIKE ${right(`%${escapeLike(value)}%`)}`;
      case 'sw':
        return `${left} LIKE ${right(`${escapeLike(value)}%`)}`;
      case 'ew':
        return `${left} LIKE ${right(`%${escapeLike(value)}`)}`;
      case 'gt':
      case 'ge':
      case 'lt':
      case 'le':
        return `${left} ${SQL_COMPARISON[op]} ${right(value)}`;
    }
  }

  private booleanLeaf(scalar: Scalar, op: CompareOp, value: Exclude<CompValue, null>): string {
    if (op !== 'eq' && op !== 'ne')
      throw invalidFilter(`Operator '${op}' cannot be used with boolean attribute '${scalar.name}'`);
    let bool: boolean;
    if (typeof value === 'boolean') bool = value;
    else if (typeof value === 'string' && /^(true|false)$/i.test(value))
      bool = value.toLowerCase() === 'true'; // Entra sends "False"
    else throw invalidFilter(`Attribute '${scalar.name}' must be compared with true or false`);
    return `${scalar.expr} ${op === 'eq' ? '=' : 'IS DISTINCT FROM'} ${this.param(bool, 'boolean')}`;
  }

  private dateTimeLeaf(scalar: Scalar, op: CompareOp, value: Exclude<CompValue, null>): string {
    if (op === 'co' || op === 'sw' || op === 'ew')
      throw invalidFilter(`Operator '${op}' cannot be used with date-time attribute '${scalar.name}'`);
    if (typeof value !== 'string')
      throw invalidFilter(`Attribute '${scalar.name}' must be compared with an RFC 3339 date-time string`);
    const at = this.param(normalizeDateTime(value, scalar.name), 'timestamptz');
    if (op === 'eq') return `${scalar.expr} = ${at}`;
    if (op === 'ne') return `${scalar.expr} IS DISTINCT FROM ${at}`;
    return `${scalar.expr} ${SQL_COMPARISON[op]} ${at}`;
  }

  private uuidLeaf(scalar: Scalar, op: CompareOp, value: Exclude<CompValue, null>): string {
    if (typeof value !== 'string') throw invalidFilter(`Attribute '${scalar.name}' must be compared with a string`);
    switch (op) {
      case 'eq':
        // A value that is not a UUID matches no id, and must not become a cast error.
        return isUuid(value) ? `${scalar.expr} = ${this.param(value, 'uuid')}` : 'false';
      case 'ne':
        return isUuid(value) ? `${scalar.expr} IS DISTINCT FROM ${this.param(value, 'uuid')}` : 'true';
      case 'co':
        return `${scalar.expr}::text LIKE lower(${this.param(`%${escapeLike(value)}%`, 'text')})`;
      case 'sw':
        return `${scalar.expr}::text LIKE lower(${this.param(`${escapeLike(value)}%`, 'text')})`;
      case 'ew':
        return `${scalar.expr}::text LIKE lower(${this.param(`%${escapeLike(value)}`, 'text')})`;
      case 'gt':
      case 'ge':
      case 'lt':
      case 'le':
        return `${scalar.expr}::text ${SQL_COMPARISON[op]} lower(${this.param(value, 'text')})`;
    }
  }
}

function present(scalar: Scalar): string {
  return scalar.type === 'string'
    ? `(${scalar.expr} IS NOT NULL AND ${scalar.expr} <> '')`
    : `(${scalar.expr} IS NOT NULL)`;
}

/**
 * Compiles a SCIM filter into a parameterized SQL boolean expression. Values only ever travel in
 * `params`; column expressions come from `schema`. `firstParam` is the $n number of the first
 * placeholder this fragment may use. Throws ScimError(400, ..., 'invalidFilter').
 */
export function compileFilter(filter: string, schema: ResourceSchema, firstParam = 1): CompiledFilter {
  if (!Number.isInteger(firstParam) || firstParam < 1)
    throw new RangeError(`firstParam must be a positive integer, got ${firstParam}`);
  const ast = parseFilter(filter);
  const compiler = new Compiler(schema, firstParam);
  const sql = compiler.compile(ast);
  return { sql, params: compiler.params };
}

/**
 * Maps a sortBy attribute (case-insensitive, optional core User URN) to its SQL expression:
 * lower(column) for case-insensitive strings; for a multi-valued attribute, its primary value,
 * else its first (RFC 7644 §3.4.2.3). Throws ScimError(400, ..., 'invalidValue') for unknown ones.
 */
export function sortColumn(attribute: string, schema: ResourceSchema): string {
  const target = resolve(attribute.trim(), schema);
  if (!target)
    throw new ScimError(400, `Cannot sort by unknown attribute '${attribute.slice(0, 100)}'`, 'invalidValue');
  if (target.kind === 'single') {
    const { spec } = target;
    return spec.type === 'string' && spec.caseExact !== true ? `lower(${spec.column})` : spec.column;
  }
  const subKey = target.sub ?? target.spec.defaultSubAttribute;
  const scalar = elementScalar(attribute, target.spec, subKey);
  const value = scalar.type === 'string' && !scalar.caseExact ? `lower(${scalar.expr})` : scalar.expr;
  const primaryKey = findKey(target.spec.subAttributes, 'primary');
  const primaryFirst =
    primaryKey !== undefined && target.spec.subAttributes[primaryKey].type === 'boolean'
      ? `(CASE lower(e.v->>${sqlLiteral(primaryKey)}) WHEN 'true' THEN 0 ELSE 1 END), `
      : '';
  return `(SELECT ${value} FROM ${elements(target.spec.column)} WITH ORDINALITY AS e(v, n) ORDER BY ${primaryFirst}e.n LIMIT 1)`;
}

/**
 * The filter as a Kysely boolean expression (for a store's `.where`): the compiled text with its
 * `$n` placeholders bound as the query's own parameters, so Kysely numbers them in place. Column
 * expressions come from the schema (trusted); values only ever travel as parameters.
 */
export function filterExpression(filter: string, schema: ResourceSchema): RawBuilder<SqlBool> {
  const compiled = compileFilter(filter, schema, 1);
  const parts = compiled.sql.split(/\$(\d+)/);
  const fragments: Array<RawBuilder<unknown>> = [];
  parts.forEach((part, i) => {
    fragments.push(i % 2 === 0 ? sql.raw(part) : sql`${compiled.params[Number(part) - 1]}`);
  });
  return sql<SqlBool>`(${sql.join(fragments, sql``)})`;
}

/** sortColumn as a Kysely expression (trusted: built from the schema, never from input). */
export const sortExpression = (attribute: string, schema: ResourceSchema): RawBuilder<unknown> =>
  sql.raw(sortColumn(attribute, schema));
