import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reconcile, type RowSides } from '../../src/core/reconcile.js';
import { rowsEqual, type Row } from '../../src/core/row.js';

const columns = ['id', 'name', 'group'];
const base: Row = { id: '1', name: 'Ann', group: 'A' };
const sides = (over: Partial<RowSides>): RowSides => ({
  policy: 'merge',
  columns,
  base,
  local: base,
  localHlc: '000000000000002-00000-a',
  server: base,
  serverHlc: '000000000000001-00000-b',
  ...over,
});

describe('reconcile', () => {
  it('sends up a local change when the hub has not changed since the base', () => {
    const local = { ...base, name: 'Anne' };
    expect(reconcile(sides({ local }))).toEqual({ kind: 'up', row: local });
  });

  it('takes the hub version when only the hub changed', () => {
    const server = { ...base, name: 'Anne' };
    expect(reconcile(sides({ server }))).toEqual({ kind: 'down', row: server });
  });

  it('merges different fields changed on each side', () => {
    const r = reconcile(sides({ local: { ...base, name: 'Anne' }, server: { ...base, group: 'B' } }));
    expect(r).toEqual({ kind: 'merge', row: { id: '1', name: 'Anne', group: 'B' } });
  });

  it('reports a conflict on the field changed on both sides', () => {
    const r = reconcile(sides({ local: { ...base, name: 'Anne', group: 'C' }, server: { ...base, name: 'Annie', group: 'C' } }));
    expect(r).toEqual({ kind: 'conflict', fields: ['name'] });
  });

  it('treats delete against edit as a conflict under merge and manual', () => {
    for (const policy of ['merge', 'manual'] as const) {
      expect(reconcile(sides({ policy, local: null, server: { ...base, name: 'X' } })).kind).toBe('conflict');
    }
  });

  it('under lww the later timestamp wins, deletes included', () => {
    const server = { ...base, name: 'Server' };
    expect(reconcile(sides({ policy: 'lww', local: null, server }))).toEqual({ kind: 'up', row: null });
    expect(reconcile(sides({ policy: 'lww', local: null, server, localHlc: '000000000000000-00000-a' }))).toEqual({ kind: 'down', row: server });
  });

  it('manual makes any concurrent difference a conflict', () => {
    expect(reconcile(sides({ policy: 'manual', local: { ...base, name: 'L' }, server: { ...base, group: 'S' } })).kind).toBe('conflict');
  });

  it('does nothing when both sides already agree', () => {
    const same = { ...base, name: 'Same' };
    expect(reconcile(sides({ local: same, server: same }))).toEqual({ kind: 'noop' });
  });

  const value = fc.constantFrom('a', 'b', 'c', null);
  const row: fc.Arbitrary<Row | null> = fc.option(fc.record({ id: fc.constant('1'), name: value, group: value }), { nil: null });
  const hlc = fc.integer({ min: 0, max: 9 }).map((n) => `00000000000000${n}-00000-x`);
  const policy = fc.constantFrom('lww', 'merge', 'append', 'manual' as const);

  it('property: never overwrites a field changed on both sides under merge/manual without a conflict', () => {
    fc.assert(
      fc.property(policy, row, row, row, hlc, hlc, (p, b, l, s, lh, sh) => {
        const d = reconcile({ policy: p, columns, base: b, local: l, localHlc: lh, server: s, serverHlc: sh });
        if (p !== 'merge' && p !== 'manual') return;
        const lChanged = !rowsEqual(l, b, columns);
        const sChanged = !rowsEqual(s, b, columns);
        if (!lChanged || !sChanged || rowsEqual(l, s, columns)) return;
        if (d.kind === 'merge') {
          for (const c of columns) {
            const lc = (l?.[c] ?? null) !== (b?.[c] ?? null);
            const sc = (s?.[c] ?? null) !== (b?.[c] ?? null);
            if (lc && sc) expect(l?.[c]).toEqual(s?.[c]);
          }
        } else expect(d.kind).toBe('conflict');
      }),
    );
  });

  it('property: the outcome is the same whichever side is called local (lww, append)', () => {
    fc.assert(
      fc.property(fc.constantFrom('lww', 'append' as const), row, row, row, hlc, hlc, (p, b, l, s, lh, sh) => {
        fc.pre(lh !== sh);
        const one = reconcile({ policy: p, columns, base: b, local: l, localHlc: lh, server: s, serverHlc: sh });
        const two = reconcile({ policy: p, columns, base: b, local: s, localHlc: sh, server: l, serverHlc: lh });
        const winner = (d: typeof one, mine: Row | null, theirs: Row | null): Row | null =>
          d.kind === 'up' ? mine : d.kind === 'down' ? theirs : d.kind === 'merge' ? d.row : d.kind === 'noop' ? (rowsEqual(mine, b, columns) ? theirs : mine) : null;
        expect(rowsEqual(winner(one, l, s), winner(two, s, l), columns)).toBe(true);
      }),
    );
  });

  it('property: merge is symmetric', () => {
    fc.assert(
      fc.property(row, row, row, (b, l, s) => {
        const one = reconcile({ policy: 'merge', columns, base: b, local: l, localHlc: 'x', server: s, serverHlc: 'y' });
        const two = reconcile({ policy: 'merge', columns, base: b, local: s, localHlc: 'y', server: l, serverHlc: 'x' });
        if (one.kind === 'merge' && two.kind === 'merge') expect(one.row).toEqual(two.row);
        if (one.kind === 'conflict') expect(two.kind).toBe('conflict');
      }),
    );
  });
});
