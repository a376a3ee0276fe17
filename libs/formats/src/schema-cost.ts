import type { UriResolver } from 'ajv/dist/types';
import { RE2JS } from 're2js';

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

/**
 * Checks that `recursionChecks` may compare: pairs of paths through a recursive schema followed side by
 * side. Their number grows with the square of the schema, so a schema within `maxExpandedSchemaSize`
 * could still make the check itself slow; legitimate schemas need a few per recursion.
 */
export const maxRecursionChecks = 1_000_000;

/** Which child of the checked value a subschema applies to, or which children it may be. */
type Step =
  | { readonly kind: 'key'; readonly name: string }
  | { readonly kind: 'pattern'; readonly pattern: string }
  | { readonly kind: 'otherKeys'; readonly names: readonly string[]; readonly patterns: readonly string[] }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'indexFrom'; readonly from: number }
  | { readonly kind: 'propertyName' };

/** A subschema and the step into the value it takes from its parent (none for `allOf`, `not`, `$ref`...). */
interface Applied extends Located {
  readonly step: Step | undefined;
}

/** A path of the walk from one recursion point to the next, and the steps into the value it takes. */
interface Edge {
  readonly from: number;
  readonly to: number;
  readonly steps: readonly Step[];
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

const appliedTwice = 'a recursive $ref is applied more than once to the same value, which makes checking a row exponential';
const neverEnds = 'a recursive $ref applies a schema again to the value it is checking, without end';
const tooIntricate = `the schema's recursive $refs are too intricate to check (more than ${maxRecursionChecks} comparisons)`;

/**
 * Walks the subschemas that ajv would apply to a row, following `$ref`s the way ajv resolves them
 * within the document (JSON pointers, `$id`s, `#name` anchors), and stops at `maxExpandedSchemaSize`.
 * A reference to a schema already on the current path is a recursion (a tree's schema) that the data's
 * depth bounds, so it is not followed again; `recursionProblem` then checks that no recursion repeats
 * itself on one value. The walk uses its own stack and counts every subschema when it finds it, so it
 * ends after at most `maxExpandedSchemaSize` steps whatever the schema.
 */
export function measureSchemaCost(root: object, uriResolver: UriResolver): SchemaCost {
  const resolveUrl = (base: string, id: string) => uriResolver.resolve(base, normalizeId(id));
  const ids = indexIds(root, resolveUrl);
  const resolved = new Map<SchemaObject, Map<string, Located | undefined>>();
  const followRef = (schema: SchemaObject, base: string, ref: string): Located | undefined => {
    let byBase = resolved.get(schema);
    if (byBase === undefined) resolved.set(schema, (byBase = new Map()));
    if (!byBase.has(base)) byBase.set(base, resolveRef(ids, resolveUrl(base, ref), resolveUrl));
    return byBase.get(base);
  };
  const baseOf = ({ schema, outerBase }: Located & { readonly schema: SchemaObject }) =>
    typeof schema['$id'] === 'string' ? resolveUrl(outerBase, schema['$id']) : outerBase;

  const unresolvedRefs: string[] = [];
  const onPath = new Set<unknown>();
  const entered = new Map<unknown, Located>();
  const recursive = new Set<unknown>();
  const pending: ({ readonly leave: unknown } | Located)[] = [{ schema: root, outerBase: '' }];
  let found = 1;
  const tooBig = { problem: `the schema expands to more than ${maxExpandedSchemaSize} subschemas with its $refs followed`, unresolvedRefs };
  const add = (located: Located) => {
    found += 1;
    pending.push(located);
    return found > maxExpandedSchemaSize;
  };

  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if ('leave' in next) {
      onPath.delete(next.leave);
      continue;
    }
    const { schema } = next;
    if (!isSchemaObject(schema)) continue;
    if (onPath.has(schema)) {
      recursive.add(schema);
      continue;
    }
    onPath.add(schema);
    pending.push({ leave: schema });
    if (!entered.has(schema)) entered.set(schema, next);
    const base = baseOf({ schema, outerBase: next.outerBase });

    const problem = uniqueItemsProblem(schema);
    if (problem !== undefined) return { problem, unresolvedRefs };
    for (const child of appliedSubschemas(schema, base)) if (add(child)) return tooBig;

    const ref = own(schema, '$ref');
    if (typeof ref !== 'string') continue;
    const target = followRef(schema, base, ref);
    if (target === undefined) unresolvedRefs.push(ref);
    else if (add(target)) return tooBig;
  }
  if (recursive.size === 0) return { problem: undefined, unresolvedRefs };

  // The walk again, from the root and from each schema a recursion returns to, up to the next of
  // them. Every cycle of references passes through one (the walk found it there), so each of these
  // walks ends, and together they take at most the steps of the first: every subschema they reach
  // was reached by the first walk below the last of these schemas on its path.
  const points = [...new Set<unknown>([root, ...recursive])];
  const pointIndex = new Map(points.map((point, index) => [point, index]));
  const edges: Edge[] = [];
  points.forEach((point, from) => {
    const walk: { readonly located: Located; readonly steps: readonly Step[] }[] = [];
    const expand = (located: Located, steps: readonly Step[]) => {
      const { schema } = located;
      if (!isSchemaObject(schema)) return;
      const base = baseOf({ schema, outerBase: located.outerBase });
      for (const child of appliedSubschemas(schema, base)) walk.push({ located: child, steps: child.step === undefined ? steps : [...steps, child.step] });
      const ref = own(schema, '$ref');
      const target = typeof ref === 'string' ? followRef(schema, base, ref) : undefined;
      if (target !== undefined) walk.push({ located: target, steps });
    };
    expand(entered.get(point) ?? { schema: root, outerBase: '' }, []);
    for (let next = walk.pop(); next !== undefined; next = walk.pop()) {
      const to = pointIndex.get(next.located.schema);
      if (to === undefined) expand(next.located, next.steps);
      else edges.push({ from, to, steps: next.steps });
    }
  });
  return { problem: recursionProblem(points.length, edges), unresolvedRefs };
}

/**
 * ajv does not remember what it has checked: a schema that reaches the same recursion point on the
 * same value by two paths checks it twice there, and so on at every level of the record (2^64 for a
 * record 64 deep), or, through several recursion points each repeating the last one's work, a power of
 * the depth. So it is refused: each recursion point must be reached on each value by one path at most,
 * which bounds a row's check by the record's size times the schema's. Points are the states of an
 * automaton (0 is the root), each edge reads its steps into the value; two distinct paths from the root
 * that read steps able to name the same child, level by level, and end at the same point, are found by
 * walking pairs of paths side by side.
 */
function recursionProblem(pointCount: number, edges: readonly Edge[]): string | undefined {
  const unstepped: number[][] = Array.from({ length: pointCount }, () => []);
  // Edges that step into the value, one step each: states past `pointCount` lie within an edge.
  const stepping: { readonly step: Step; readonly to: number }[][] = Array.from({ length: pointCount }, () => []);
  for (const { from, to, steps } of edges) {
    if (steps.length === 0) unstepped[from]!.push(to);
    let state = from;
    steps.forEach((step, i) => {
      const next = i === steps.length - 1 ? to : stepping.push([]) - 1;
      stepping[state]!.push({ step, to: next });
      state = next;
    });
  }

  const closures = Array.from({ length: pointCount }, (_, point) => unsteppedClosure(point, unstepped));
  if (closures.includes(neverEnds)) return neverEnds;
  if (closures.includes(appliedTwice)) return appliedTwice;
  const reach = closures as Set<number>[];

  const moves = stepping.map((fromState, state) => (state < pointCount ? [...reach[state]!].flatMap((point) => stepping[point]!) : fromState));
  const meets = stepsMeet();
  const seen = new Set<string>();
  const pairs: [number, number, boolean][] = [[0, 0, true]];
  let checks = 0;
  for (let next = pairs.pop(); next !== undefined; next = pairs.pop()) {
    const [a, b, same] = next;
    if (!same && (a === b || (a < pointCount && b < pointCount && [...reach[a]!].some((point) => reach[b]!.has(point))))) return appliedTwice;
    for (const first of moves[a]!) {
      for (const second of moves[b]!) {
        checks += 1;
        if (checks > maxRecursionChecks) return tooIntricate;
        if (!meets(first.step, second.step)) continue;
        const stillSame = same && first === second;
        const pair: [number, number, boolean] = [Math.min(first.to, second.to), Math.max(first.to, second.to), stillSame];
        const key = pair.join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          pairs.push(pair);
        }
      }
    }
  }
  return undefined;
}

/**
 * The points that `point` reaches by `$ref`s and combinators alone, each by one path; or why not: it
 * reaches itself (ajv recurses until the stack overflows), or another point by two paths.
 */
function unsteppedClosure(point: number, unstepped: readonly (readonly number[])[]): Set<number> | typeof neverEnds | typeof appliedTwice {
  const reached = new Set([point]);
  const walk = [point];
  for (let next = walk.pop(); next !== undefined; next = walk.pop()) {
    for (const to of unstepped[next]!) {
      if (to === point) return neverEnds;
      if (reached.has(to)) return appliedTwice;
      reached.add(to);
      walk.push(to);
    }
  }
  return reached;
}

/**
 * Whether one child of a value can be taken by both steps. Where that is not decided cheaply (two
 * patterns, a pattern and the keys another schema leaves to `additionalProperties`) it is taken to be.
 */
function stepsMeet(): (a: Step, b: Step) => boolean {
  const compiled = new Map<string, RE2JS | undefined>();
  const matches = (pattern: string, name: string) => {
    if (!compiled.has(pattern)) {
      try {
        compiled.set(pattern, RE2JS.compile(RE2JS.translateRegExp(pattern)));
      } catch {
        // ajv refuses the schema for this pattern once it compiles it.
        compiled.set(pattern, undefined);
      }
    }
    return compiled.get(pattern)?.test(name) ?? true;
  };
  const keyMeets = (name: string, step: Step): boolean => {
    switch (step.kind) {
      case 'key':
        return step.name === name;
      case 'pattern':
        return matches(step.pattern, name);
      case 'otherKeys':
        return !step.names.includes(name) && !step.patterns.some((pattern) => matches(pattern, name));
      default:
        return false;
    }
  };
  const indexMeets = (index: number, step: Step): boolean =>
    (step.kind === 'index' && step.index === index) || (step.kind === 'indexFrom' && index >= step.from);
  return (a, b) => {
    if (a.kind === 'key') return keyMeets(a.name, b);
    if (b.kind === 'key') return keyMeets(b.name, a);
    if (a.kind === 'index') return indexMeets(a.index, b);
    if (b.kind === 'index') return indexMeets(b.index, a);
    if (a.kind === 'indexFrom' || b.kind === 'indexFrom' || a.kind === 'propertyName' || b.kind === 'propertyName') return a.kind === b.kind;
    if (a.kind === 'pattern' && b.kind === 'otherKeys') return !b.patterns.includes(a.pattern);
    if (b.kind === 'pattern' && a.kind === 'otherKeys') return !a.patterns.includes(b.pattern);
    return true;
  };
}

/** The subschemas ajv applies beside a schema's `$ref`, each with the step into the value it takes. */
function appliedSubschemas(schema: SchemaObject, base: string): Applied[] {
  const applied: Applied[] = [];
  const apply = (child: unknown, step?: Step) => applied.push({ schema: child, outerBase: base, step });
  const items = own(schema, 'items');
  const propertyMaps = (keyword: string) => {
    const map = own(schema, keyword);
    return isSchemaObject(map) ? map : {};
  };
  const singleSteps: Record<string, Step> = {
    items: { kind: 'indexFrom', from: 0 },
    additionalItems: { kind: 'indexFrom', from: Array.isArray(items) ? items.length : 0 },
    contains: { kind: 'indexFrom', from: 0 },
    propertyNames: { kind: 'propertyName' },
    additionalProperties: { kind: 'otherKeys', names: Object.keys(propertyMaps('properties')), patterns: Object.keys(propertyMaps('patternProperties')) },
  };
  for (const keyword of singleApplicators) {
    const child = own(schema, keyword);
    if (child !== undefined && !Array.isArray(child)) apply(child, singleSteps[keyword]);
  }
  for (const keyword of arrayApplicators) {
    const children = own(schema, keyword);
    if (!Array.isArray(children)) continue;
    children.forEach((child, index) => apply(child, keyword === 'items' ? { kind: 'index', index } : undefined));
  }
  for (const keyword of mapApplicators) {
    const children = own(schema, keyword);
    if (!isSchemaObject(children)) continue;
    for (const [name, child] of Object.entries(children)) {
      apply(child, keyword === 'properties' ? { kind: 'key', name } : keyword === 'patternProperties' ? { kind: 'pattern', pattern: name } : undefined);
    }
  }
  return applied;
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
