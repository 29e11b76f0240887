import type { Projection } from './list-request';
import { isJsonObject } from './scim-http';

type Json = Record<string, unknown>;
/** Lower-case attribute names to either "the whole value" (true) or a subtree of sub-attributes. */
type Selection = Map<string, true | Selection>;

/** Returned whatever `attributes` or `excludedAttributes` say (RFC 7643 §7, returned "always"). */
const ALWAYS_RETURNED = new Set(['id', 'schemas', 'meta']);

/**
 * Splits `name.givenName`, `urn:...:core:2.0:User:userName` or
 * `urn:...:enterprise:2.0:User:manager.value` into lower-case steps from the resource root;
 * null when it names an extension the resource does not have.
 */
function pathOf(attribute: string, resource: Json, coreSchema: string): string[] | null {
  const lower = attribute.toLowerCase();
  const core = `${coreSchema.toLowerCase()}:`;
  if (lower.startsWith(core)) return lower.slice(core.length).split('.');
  if (lower.startsWith('urn:')) {
    const extension = Object.keys(resource)
      .map((key) => key.toLowerCase())
      .filter((key) => key.startsWith('urn:') && (lower === key || lower.startsWith(`${key}:`)))
      .sort((a, b) => b.length - a.length)
      .at(0);
    if (extension === undefined) return null;
    return lower === extension ? [extension] : [extension, ...lower.slice(extension.length + 1).split('.')];
  }
  return lower.split('.');
}

function selectionOf(paths: string[][]): Selection {
  const root: Selection = new Map();
  for (const path of paths) {
    let node = root;
    path.forEach((step, index) => {
      const existing = node.get(step);
      if (existing === true) return;
      if (index === path.length - 1) {
        node.set(step, true);
        return;
      }
      const child: Selection = existing ?? new Map<string, true | Selection>();
      node.set(step, child);
      node = child;
    });
  }
  return root;
}

function select(value: Json, selection: Selection): Json {
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    const wanted = selection.get(key.toLowerCase());
    if (wanted === undefined) continue;
    if (wanted === true) out[key] = item;
    else if (Array.isArray(item)) {
      const kept = item
        .filter(isJsonObject)
        .map((element) => select(element, wanted))
        .filter((element) => Object.keys(element).length > 0);
      if (kept.length > 0) out[key] = kept;
    } else if (isJsonObject(item)) {
      const kept = select(item, wanted);
      if (Object.keys(kept).length > 0) out[key] = kept;
    }
  }
  return out;
}

function exclude(value: Json, selection: Selection): Json {
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    const excluded = selection.get(key.toLowerCase());
    if (excluded === true) continue;
    if (excluded === undefined) out[key] = item;
    else if (Array.isArray(item))
      out[key] = item.map((element: unknown) => (isJsonObject(element) ? exclude(element, excluded) : element));
    else if (isJsonObject(item)) out[key] = exclude(item, excluded);
    else out[key] = item;
  }
  return out;
}

/** Applies attributes / excludedAttributes to one resource; id, schemas and meta always stay. */
export function project(resource: Json, projection: Projection, coreSchema: string): Json {
  const { attributes, excludedAttributes } = projection;
  if (attributes) {
    const paths = attributes
      .map((attribute) => pathOf(attribute, resource, coreSchema))
      .filter((path): path is string[] => path !== null);
    const selected = select(resource, selectionOf(paths));
    const always = Object.fromEntries(
      Object.entries(resource).filter(([key]) => ALWAYS_RETURNED.has(key.toLowerCase())),
    );
    return { ...always, ...selected };
  }
  if (excludedAttributes) {
    const paths = excludedAttributes
      .map((attribute) => pathOf(attribute, resource, coreSchema))
      .filter((path): path is string[] => path !== null && !(path.length === 1 && ALWAYS_RETURNED.has(path[0])));
    return exclude(resource, selectionOf(paths));
  }
  return resource;
}

/** Whether a projection leaves out a top-level attribute, so its data need not be loaded at all. */
export function projectionOmits(projection: Projection, attribute: string, coreSchema: string): boolean {
  const lower = attribute.toLowerCase();
  const names = (list: string[]) => list.map((name) => pathOf(name, {}, coreSchema)?.[0]);
  if (projection.attributes) return !names(projection.attributes).includes(lower);
  if (projection.excludedAttributes) {
    return projection.excludedAttributes.some((name) => {
      const path = pathOf(name, {}, coreSchema);
      return path !== null && path.length === 1 && path[0] === lower;
    });
  }
  return false;
}
