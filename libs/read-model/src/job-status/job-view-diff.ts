import type { JobView } from './job-view';

/** One way two read models disagree about a job. A job only one side has shows with path "" and null on the other. */
export interface JobViewDifference {
  readonly jobId: string;
  /** Dotted path into the view, `[i]` for array items: `rows.processed`, `firstFailures[3].reason`. */
  readonly path: string;
  readonly left: unknown;
  readonly right: unknown;
}

/**
 * Compares two sets of views, e.g. the live read model and a rebuild. JSON equality, blind to key
 * order (views stored as jsonb, before json was chosen, have jsonb's). Sorted by job id then path,
 * so that two runs print alike.
 */
export function diffJobViews(left: Iterable<JobView>, right: Iterable<JobView>): JobViewDifference[] {
  const byId = (views: Iterable<JobView>) => new Map([...views].map((view) => [view.jobId, view]));
  const [lefts, rights] = [byId(left), byId(right)];
  const jobIds = [...new Set([...lefts.keys(), ...rights.keys()])].sort();
  return jobIds.flatMap((jobId) => {
    const [a, b] = [lefts.get(jobId), rights.get(jobId)];
    if (a === undefined || b === undefined) return [{ jobId, path: '', left: a ?? null, right: b ?? null }];
    return differences(a, b, '').map(({ path, left: l, right: r }) => ({ jobId, path, left: l, right: r }));
  });
}

function differences(a: unknown, b: unknown, path: string): { path: string; left: unknown; right: unknown }[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => i).flatMap((i) =>
      i < a.length && i < b.length ? differences(a[i], b[i], `${path}[${i}]`) : [{ path: `${path}[${i}]`, left: a[i] ?? null, right: b[i] ?? null }],
    );
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => {
      const child = path === '' ? key : `${path}.${key}`;
      const [x, y] = [own(a, key), own(b, key)];
      if (x === undefined || y === undefined) return x === y ? [] : [{ path: child, left: x ?? null, right: y ?? null }];
      return differences(x, y, child);
    });
  }
  return Object.is(a, b) ? [] : [{ path, left: a, right: b }];
}

// A view may hold any key a client sent (metadata); "__proto__" must read as that key, not the prototype.
function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
