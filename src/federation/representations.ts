import { Kind, isUnionType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { graphQLError } from '../common';

/** Each entity type's keys (field names of one @key each), read from the subgraph schema's @key directives. */
type EntityKeys = ReadonlyMap<string, ReadonlyArray<readonly string[]>>;

function entityKeysOf(schema: GraphQLSchema): EntityKeys {
  const entityUnion = schema.getType('_Entity');
  const keys = new Map<string, string[][]>();
  if (!isUnionType(entityUnion)) return keys;
  for (const type of entityUnion.getTypes()) {
    const typeKeys: string[][] = [];
    for (const node of [type.astNode, ...type.extensionASTNodes]) {
      for (const directive of node?.directives ?? []) {
        if (directive.name.value !== 'key') continue;
        const fields = directive.arguments?.find((argument) => argument.name.value === 'fields')?.value;
        if (fields?.kind !== Kind.STRING) continue;
        // Flat keys only: a nested key ("owner { id }") would need a nested check; fail at start-up, not per request.
        if (/[{}]/.test(fields.value))
          throw new Error(`@key(fields: "${fields.value}") on ${type.name}: nested keys are not checked`);
        typeKeys.push(fields.value.trim().split(/[\s,]+/));
      }
    }
    keys.set(type.name, typeKeys);
  }
  return keys;
}

/** Every field of a type's keys, computed once per type (a gateway batch repeats one type a thousand times). */
const flatKeys = new WeakMap<ReadonlyArray<readonly string[]>, readonly string[]>();
function keyFields(keys: ReadonlyArray<readonly string[]>): readonly string[] {
  let fields = flatKeys.get(keys);
  if (!fields) flatKeys.set(keys, (fields = keys.flat()));
  return fields;
}

const quoted = (value: string) => JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);

/**
 * Representations are client input (any caller can send `_entities`): the reference resolvers and
 * their DataLoaders assume a known type and string keys. Refuse anything else as BAD_USER_INPUT,
 * naming the representation, before any of them runs.
 */
function assertRepresentations(representations: readonly unknown[], entityKeys: EntityKeys): void {
  representations.forEach((representation, index) => {
    const refuse = (reason: string) =>
      graphQLError('BAD_USER_INPUT', `Representation ${index}: ${reason}`, { argument: 'representations', index });
    if (representation === null || typeof representation !== 'object' || Array.isArray(representation))
      throw refuse('must be an object with __typename and a key, e.g. { "__typename": "Account", "id": "…" }.');
    const fields = representation as Record<string, unknown>;
    const typename = fields.__typename;
    if (typeof typename !== 'string') throw refuse('__typename must be a string naming an entity type.');
    // A Map, not an object: "__proto__" or "constructor" are simply unknown.
    const keys = entityKeys.get(typename);
    if (!keys)
      throw refuse(
        `unknown __typename ${quoted(typename)}; entity types are ${[...entityKeys.keys()].sort().join(', ')}.`,
      );
    // Every key field sent must be a string, used or not: a resolver may read any of them.
    const badField = keyFields(keys).find((field) => Object.hasOwn(fields, field) && typeof fields[field] !== 'string');
    if (badField !== undefined) throw refuse(`${typename}.${badField} must be a string.`);
    const hasKey = keys.some((key) =>
      key.every((field) => Object.hasOwn(fields, field) && typeof fields[field] === 'string'),
    );
    if (!hasKey) {
      const names = keys.map((key) => key.join(' '));
      throw refuse(
        names.length === 1
          ? `${typename} needs its key: ${names[0]} (a string).`
          : `${typename} needs one of its keys: ${names.join(', ')} (a string).`,
      );
    }
  });
}

/**
 * Reads ahead what an `_entities` call will resolve (e.g. one statement priming the loaders):
 * answers the whole list when it resolved every representation itself, else null (the
 * reference resolvers then run as usual).
 */
export type EntitiesPlanner = (
  representations: readonly unknown[],
  context: never,
  info: GraphQLResolveInfo,
) => Promise<readonly unknown[] | null>;

/**
 * Checks every `_entities` call's representations before @apollo/subgraph's resolver dispatches
 * them, and lets `plan` read ahead once they are known to be well-formed.
 */
export function checkEntityRepresentations(schema: GraphQLSchema, plan?: EntitiesPlanner): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve;
  if (!field || !resolve) return schema;
  const entityKeys = entityKeysOf(schema);
  field.resolve = (source, args: { representations: readonly unknown[] }, context, info) => {
    assertRepresentations(args.representations, entityKeys);
    if (!plan) return resolve(source, args, context, info);
    return plan(args.representations, context as never, info).then(
      (answer) => answer ?? resolve(source, args, context, info),
    );
  };
  return schema;
}
