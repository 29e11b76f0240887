import {
  Kind,
  getNamedType,
  isAbstractType,
  isObjectType,
  isInterfaceType,
  valueFromASTUntyped,
  type FieldNode,
  type GraphQLField,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/** One occurrence of a field in a request: under its alias, with its arguments (variables applied). */
export interface FieldRequest {
  name: string;
  alias: string;
  args: Record<string, unknown>;
  selection: Selection;
}

interface Document {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/**
 * The fields a request selects on one object type, fragments (inline and named) spread in and
 * @skip/@include applied. A field may occur several times (aliases, other arguments): `all(name)`
 * gives each occurrence, `field(name)` their merged sub-selection. Read-only look-ahead: it never
 * changes what graphql-js resolves, it only tells a planner what will be asked for.
 */
export class Selection {
  private byName?: Map<string, FieldRequest[]>;

  constructor(
    private readonly document: Document,
    private readonly typeName: string | null,
    private readonly sets: readonly SelectionSetNode[],
  ) {}

  /** The names of the fields selected (each once). */
  get names(): string[] {
    return [...this.fields().keys()];
  }

  has(name: string): boolean {
    return this.fields().has(name);
  }

  /** Every occurrence of the field, in document order. */
  all(name: string): FieldRequest[] {
    return this.fields().get(name) ?? [];
  }

  /** The merged sub-selection of every occurrence of the field (empty when not selected). */
  field(name: string): Selection {
    const requests = this.all(name);
    if (requests.length === 1) return requests[0].selection;
    const type = this.childType(name);
    const sets = requests.flatMap((request) => request.selection.sets);
    return new Selection(this.document, type?.name ?? null, sets);
  }

  /** The same selection read on one object type of an abstract one (e.g. `Account` of `_Entity`). */
  on(typeName: string): Selection {
    return new Selection(this.document, typeName, this.sets);
  }

  /** Both selections at once (e.g. a connection's `edges { node }` and its `nodes`). */
  merge(other: Selection): Selection {
    return new Selection(this.document, this.typeName ?? other.typeName, [...this.sets, ...other.sets]);
  }

  /** A path of fields, e.g. `path('edges', 'node')`. */
  path(...names: string[]): Selection {
    return names.reduce<Selection>((selection, name) => selection.field(name), this);
  }

  private childType(name: string): GraphQLNamedType | null {
    const parent = this.typeName ? this.document.schema.getType(this.typeName) : null;
    if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) return null;
    const field = parent.getFields()[name] as GraphQLField<unknown, unknown> | undefined;
    return field ? getNamedType(field.type) : null;
  }

  private fields(): Map<string, FieldRequest[]> {
    if (this.byName) return this.byName;
    const byName = new Map<string, FieldRequest[]>();
    const visited = new Set<string>();
    const collect = (set: SelectionSetNode) => {
      for (const node of set.selections) {
        if (!this.included(node.directives)) continue;
        switch (node.kind) {
          case Kind.FIELD:
            this.add(byName, node);
            break;
          case Kind.INLINE_FRAGMENT:
            if (this.applies(node.typeCondition?.name.value)) collect(node.selectionSet);
            break;
          case Kind.FRAGMENT_SPREAD: {
            const name = node.name.value;
            const fragment = this.document.fragments[name] as FragmentDefinitionNode | undefined;
            if (!fragment || visited.has(name)) break;
            visited.add(name);
            if (this.applies(fragment.typeCondition.name.value)) collect(fragment.selectionSet);
            break;
          }
        }
      }
    };
    for (const set of this.sets) collect(set);
    return (this.byName = byName);
  }

  private add(byName: Map<string, FieldRequest[]>, node: FieldNode): void {
    const name = node.name.value;
    const args: Record<string, unknown> = {};
    for (const argument of node.arguments ?? [])
      args[argument.name.value] = valueFromASTUntyped(argument.value, this.document.variables);
    const type = this.childType(name);
    const request: FieldRequest = {
      name,
      alias: node.alias?.value ?? name,
      args,
      selection: new Selection(this.document, type?.name ?? null, node.selectionSet ? [node.selectionSet] : []),
    };
    const requests = byName.get(name);
    if (requests) requests.push(request);
    else byName.set(name, [request]);
  }

  /** A fragment applies when it has no type condition, names this type, or an abstract type this type belongs to. */
  private applies(condition: string | undefined): boolean {
    if (condition === undefined || this.typeName === null || condition === this.typeName) return true;
    const { schema } = this.document;
    const abstract = schema.getType(condition);
    const type = schema.getType(this.typeName);
    return Boolean(
      abstract && type && isAbstractType(abstract) && isObjectType(type) && schema.isSubType(abstract, type),
    );
  }

  private included(directives: FieldNode['directives']): boolean {
    for (const directive of directives ?? []) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const argument = directive.arguments?.find((arg) => arg.name.value === 'if');
      const value = argument ? valueFromASTUntyped(argument.value, this.document.variables) : undefined;
      if (name === 'skip' && value === true) return false;
      if (name === 'include' && value !== true) return false;
    }
    return true;
  }
}

/**
 * Whether the field being resolved is the operation's one root field (no fragment at the root):
 * then nothing else in the request can ask a loader for the rows its planner reads, and the
 * planner may read only the columns selected.
 */
export function isOnlyRootField(info: GraphQLResolveInfo): boolean {
  const roots = info.operation.selectionSet.selections;
  return roots.length === 1 && roots[0].kind === Kind.FIELD;
}

/** What the field being resolved selects on its result, over every node of it in the request. */
export function selectionOf(info: GraphQLResolveInfo): Selection {
  const document: Document = {
    schema: info.schema,
    fragments: info.fragments,
    variables: info.variableValues,
  };
  const type = getNamedType(info.returnType);
  const sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  return new Selection(document, type.name, sets);
}

/** What a connection's nodes select, through `edges { node }` and `nodes` alike. */
export function connectionNodes(connection: Selection): Selection {
  const viaEdges = connection.path('edges', 'node');
  const viaNodes = connection.field('nodes');
  if (!connection.has('nodes')) return viaEdges;
  if (!connection.has('edges')) return viaNodes;
  return viaEdges.merge(viaNodes);
}
