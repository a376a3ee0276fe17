import type { UriResolver } from 'ajv/dist/types';

/**
 * Subschemas a row schema may count once its references are followed. ajv checks a row against every
 * one of them, so a few bytes of definitions that each refer twice to the previous one (24 levels make
 * 2^24) would take minutes per row; 10,000 still holds hundreds of fields, each with its own rules.
 */
export const maxExpandedSchemaSize = 10_000;

/**
 * Items an array checked by `uniqueItems` may hold when ajv has to deep-compare every pair of them:
 * half a million comparisons of small values take milliseconds.
 */
export const maxUniqueItemsCompared = 1_000;

/** As ajv's pointers read them: what these keys hold is a map or a value, whose `$id` is a name, not a scope. */
const notSchemaKeys = new Set(['properties', 'patternProperties', 'enum', 'dependencies', 'definitions']);

/** Keywords holding one subschema (`items` may hold an array of them instead). */
const singleApplicators = ['not', 'if', 'then', 'else', 'items', 'additionalItems', 'contains', 'propertyNames', 'additionalProperties'];
const arrayApplicators = ['allOf', 'anyOf', 'oneOf', 'items'];
/** Keywords whose value maps names to subschemas (`dependencies` also to arrays of names, leaves here). */
const mapApplicators = ['properties', 'patternProperties', 'dependencies'];

/** What json-schema-traverse, which ajv uses to find `$id`s, never enters. */
const valueKeywords = new Set([
  'default',
  'enum',
  'const',
  'required',
  'maximum',
  'minimum',
  'exclusiveMaximum',
  'exclusiveMinimum',
  'multipleOf',
  'maxLength',
  'minLength',
  'pattern',
  'format',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
]);
const traversedMapKeywords = new Set(['$defs', 'definitions', 'properties', 'patternProperties', 'dependencies']);

type SchemaObject = Record<string, unknown>;

/** A schema and the base URI its own `$id` (if any) is resolved against. */
interface Located {
  readonly schema: unknown;
  readonly outerBase: string;
}

export interface SchemaCost {
  /** Why the schema would make a row's check too slow, or undefined. */
  readonly problem: string | undefined;
  /**
   * `$ref`s not found within the schema. ajv still resolves some (its own meta-schemas), which this walk
   * has not measured: a schema that ajv compiles with one of them must be refused.
   */
  readonly unresolvedRefs: readonly string[];
}

/**
 * Walks the subschemas that ajv would apply to a row, following `$ref`s the way ajv resolves them
 * within the document (JSON pointers, `$id`s, `#name` anchors), and stops at `maxExpandedSchemaSize`.
 * A reference to a schema already on the current path is a recursion (a tree's schema) that the data's
 * depth bounds, so it is not followed again. The walk uses its own stack and counts every subschema
 * when it finds it, so it ends after at most `maxExpandedSchemaSize` steps whatever the schema.
 */
export function measureSchemaCost(root: object, uriResolver: UriResolver): SchemaCost {
  const resolveUrl = (base: string, id: string) => uriResolver.resolve(base, normalizeId(id));
  const ids = indexIds(root, resolveUrl);
  const resolved = new Map<SchemaObject, Map<string, Located | undefined>>();
  const unresolvedRefs: string[] = [];
  const onPath = new Set<unknown>();
  const pending: ({ readonly leave: unknown } | Located)[] = [{ schema: root, outerBase: '' }];
  let found = 1;
  const tooBig = { problem: `the schema expands to more than ${maxExpandedSchemaSize} subschemas with its $refs followed`, unresolvedRefs };
  const add = (schema: unknown, outerBase: string) => {
    found += 1;
    pending.push({ schema, outerBase });
    return found > maxExpandedSchemaSize;
  };

  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if ('leave' in next) {
      onPath.delete(next.leave);
      continue;
    }
    const { schema } = next;
    if (!isSchemaObject(schema) || onPath.has(schema)) continue;
    onPath.add(schema);
    pending.push({ leave: schema });
    const base = typeof schema['$id'] === 'string' ? resolveUrl(next.outerBase, schema['$id']) : next.outerBase;

    const problem = uniqueItemsProblem(schema);
    if (problem !== undefined) return { problem, unresolvedRefs };

    for (const keyword of singleApplicators) {
      const child = own(schema, keyword);
      if (child !== undefined && !Array.isArray(child) && add(child, base)) return tooBig;
    }
    for (const keyword of arrayApplicators) {
      const children = own(schema, keyword);
      if (!Array.isArray(children)) continue;
      for (const child of children) if (add(child, base)) return tooBig;
    }
    for (const keyword of mapApplicators) {
      const children = own(schema, keyword);
      if (!isSchemaObject(children)) continue;
      for (const child of Object.values(children)) if (add(child, base)) return tooBig;
    }

    const ref = own(schema, '$ref');
    if (typeof ref !== 'string') continue;
    let byBase = resolved.get(schema);
    if (byBase === undefined) resolved.set(schema, (byBase = new Map()));
    if (!byBase.has(base)) byBase.set(base, resolveRef(ids, resolveUrl(base, ref), resolveUrl));
    const target = byBase.get(base);
    if (target === undefined) unresolvedRefs.push(ref);
    else if (add(target.schema, target.outerBase)) return tooBig;
  }
  return { problem: undefined, unresolvedRefs };
}

/**
 * ajv finds duplicates with a hash, in linear time, only when the schema's own `items` has a `type`
 * and none of its types is object or array; otherwise (no `items`, `items` that only `$ref`s, a tuple)
 * it deep-compares every pair of items.
 */
function uniqueItemsProblem(schema: SchemaObject): string | undefined {
  if (schema['uniqueItems'] !== true) return undefined;
  const maxItems = schema['maxItems'];
  if (typeof maxItems === 'number' && maxItems <= maxUniqueItemsCompared) return undefined;
  const items = schema['items'];
  const types: unknown = isSchemaObject(items) ? items['type'] : undefined;
  const typeList = Array.isArray(types) ? types : types === undefined ? [] : [types];
  if (typeList.length > 0 && typeList.every((type) => type !== 'object' && type !== 'array')) return undefined;
  return (
    `uniqueItems needs "maxItems" of at most ${maxUniqueItemsCompared} in the same schema, or "items" whose own "type" ` +
    'allows neither objects nor arrays (otherwise every pair of items is compared)'
  );
}

/** Every `$id` in the document, as ajv's getSchemaRefs finds them, by the URI it resolves to. */
function indexIds(root: object, resolveUrl: (base: string, id: string) => string): Map<string, Located> {
  const rootId = (root as SchemaObject)['$id'];
  const rootBase = typeof rootId === 'string' ? normalizeId(rootId) : '';
  const ids = new Map<string, Located>([[rootBase, { schema: root, outerBase: '' }]]);
  const pending: { readonly schema: SchemaObject; readonly base: string }[] = [{ schema: root as SchemaObject, base: rootBase }];
  const visit = (schema: unknown, parentBase: string) => {
    if (!isSchemaObject(schema)) return;
    const id = schema['$id'];
    let base = parentBase;
    if (typeof id === 'string') {
      base = normalizeId(resolveUrl(parentBase, id));
      if (!ids.has(base)) ids.set(base, { schema, outerBase: parentBase });
    }
    pending.push({ schema, base });
  };
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const [key, value] of Object.entries(next.schema)) {
      if (Array.isArray(value)) {
        if (arrayApplicators.includes(key)) for (const child of value) visit(child, next.base);
      } else if (traversedMapKeywords.has(key)) {
        if (isSchemaObject(value)) for (const child of Object.values(value)) visit(child, next.base);
      } else if (!valueKeywords.has(key)) {
        visit(value, next.base);
      }
    }
  }
  return ids;
}

/** The schema a resolved `$ref` URI names: a whole schema by its `$id` or anchor, or a JSON pointer into one. */
function resolveRef(ids: ReadonlyMap<string, Located>, uri: string, resolveUrl: (base: string, id: string) => string): Located | undefined {
  const byId = ids.get(normalizeId(uri));
  if (byId !== undefined) return byId;
  const hash = uri.indexOf('#');
  if (hash < 0 || uri[hash + 1] !== '/') return undefined;
  const document = ids.get(uri.slice(0, hash));
  if (document === undefined) return undefined;
  let { schema, outerBase } = document;
  let inMap = false;
  for (const part of uri.slice(hash + 2).split('/')) {
    if (!isSchemaObject(schema) && !Array.isArray(schema)) return undefined;
    const container = schema as SchemaObject;
    const id = container['$id'];
    if (!inMap && typeof id === 'string') outerBase = normalizeId(resolveUrl(outerBase, id));
    let key: string;
    try {
      key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    schema = own(container, key);
    if (schema === undefined) return undefined;
    inMap = notSchemaKeys.has(key);
  }
  return { schema, outerBase };
}

/** As ajv's: `a.json#` and `a.json#/` name `a.json`. */
function normalizeId(id: string): string {
  return id.replace(/#\/?$/, '');
}

function isSchemaObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(object: SchemaObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}
