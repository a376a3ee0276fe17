import * as fc from 'fast-check';
import { PieceStatuses, type PieceStatus } from '@import-jobs/domain';

// PieceStatuses shares blocks between successive states instead of copying every status: any
// sequence of changes must read as a plain Map given the same changes would, and no change may
// show through in a state taken before it.

type Change = { readonly kind: 'plan'; readonly pieceIds: readonly string[] } | { readonly kind: 'settle'; readonly pieceId: string; readonly status: PieceStatus };

// Few distinct ids, so that changes meet pieces already planned or settled; many of them, so that
// pieces span several blocks.
const pieceId = fc.integer({ min: 0, max: 700 }).map((n) => `piece-${n}`);
const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('plan' as const), pieceIds: fc.array(pieceId, { maxLength: 300 }) }),
  fc.record({ kind: fc.constant('settle' as const), pieceId, status: fc.constantFrom<PieceStatus>('completed', 'failed', 'cancelled', 'pending') }),
);

function applied(model: ReadonlyMap<string, PieceStatus>, next: Change): Map<string, PieceStatus> {
  const copy = new Map(model);
  if (next.kind === 'plan') for (const id of next.pieceIds) if (!copy.has(id)) copy.set(id, 'pending');
  if (next.kind === 'settle' && copy.has(next.pieceId)) copy.set(next.pieceId, next.status);
  return copy;
}

function changed(statuses: PieceStatuses, next: Change): PieceStatuses {
  return next.kind === 'plan' ? statuses.withPlanned(next.pieceIds) : statuses.with(next.pieceId, next.status);
}

describe('piece statuses', () => {
  it('read as a Map given the same changes, and every earlier state stays as it was', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 60 }), (changes) => {
        const states: Array<{ statuses: PieceStatuses; model: Map<string, PieceStatus> }> = [{ statuses: PieceStatuses.none, model: new Map() }];
        for (const next of changes) {
          const { statuses, model } = states.at(-1)!;
          states.push({ statuses: changed(statuses, next), model: applied(model, next) });
        }
        for (const { statuses, model } of states) {
          expect([...statuses]).toEqual([...model]);
          expect(statuses.size).toBe(model.size);
          for (const id of ['piece-0', 'piece-300', 'piece-700', 'never-planned']) expect(statuses.get(id)).toBe(model.get(id));
          // A Map keeps the order pieces were first planned in: that order is the plan's.
          const planOrder = [...model.keys()];
          for (const id of ['piece-0', 'piece-300', 'piece-700', 'never-planned']) expect(statuses.positionOf(id)).toBe(planOrder.includes(id) ? planOrder.indexOf(id) : undefined);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('keep two changes made to one state apart', () => {
    const planned = PieceStatuses.none.withPlanned(['a', 'b']);
    const completed = planned.with('a', 'completed');
    const failed = planned.with('a', 'failed');
    expect([completed.get('a'), failed.get('a'), planned.get('a')]).toEqual(['completed', 'failed', 'pending']);
  });

  it('round-trip through their entries, as the read model stores them', () => {
    const statuses = PieceStatuses.none.withPlanned(['a', 'b', 'c']).with('b', 'failed');
    expect([...PieceStatuses.fromEntries(Object.entries(Object.fromEntries(statuses)))]).toEqual([...statuses]);
  });
});
