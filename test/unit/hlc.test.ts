import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareHlc, formatHlc, observeHlc, parseHlc, tickHlc } from '../../src/core/hlc.js';

describe('hybrid logical clock', () => {
  it('formats and parses', () => {
    const t = formatHlc({ wall: 1700000000000, counter: 3, node: 'dev' });
    expect(t).toBe('001700000000000-00003-dev');
    expect(parseHlc(t)).toEqual({ wall: 1700000000000, counter: 3, node: 'dev' });
    expect(parseHlc('garbage')).toBeUndefined();
  });

  it('property: ticks never go backwards, whatever the physical clock does', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 200 }), (nows) => {
        let state = { wall: 0, counter: 0 };
        let last = formatHlc({ ...state, node: 'n' });
        for (const now of nows) {
          state = tickHlc(state, now);
          const t = formatHlc({ ...state, node: 'n' });
          expect(compareHlc(t, last)).toBeGreaterThan(0);
          last = t;
        }
      }),
    );
  });

  it('after observing a timestamp from a clock hours ahead, the next local tick is later than it', () => {
    const ahead = formatHlc({ wall: Date.now() + 5 * 3600_000, counter: 7, node: 'fast' });
    const seen = observeHlc({ wall: Date.now(), counter: 0 }, ahead);
    const next = formatHlc({ ...tickHlc(seen, Date.now()), node: 'slow' });
    expect(compareHlc(next, ahead)).toBeGreaterThan(0);
  });

  it('counter overflow moves the wall on', () => {
    expect(tickHlc({ wall: 5, counter: 99_999 }, 1)).toEqual({ wall: 6, counter: 0 });
  });
});
