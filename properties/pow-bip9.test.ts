import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  deploymentState,
  medianTimePast,
  medianTimePastOf,
  nextPeriodState,
  signals,
  stateHistory,
  type Deployment,
  type DeploymentState,
  type VersionedBlock,
} from '../src/protocols/pow/bip9.ts';

// Expected behaviour: bitcoin/bips bip-0009.mediawiki ("State transitions") and
// bitcoin/bitcoin src/versionbits.cpp AbstractThresholdConditionChecker::GetStateFor.

const BIT = 1;
const SIGNAL = 0x20000000 | (1 << BIT);
const NO_SIGNAL = 0x20000000;
const T0 = 1_500_000_000;
const SPACING = 600;

/** A chain with times T0 + h * SPACING; `signalling(h)` decides each block's version. */
function buildChain(length: number, signalling: (h: number) => boolean = () => false): VersionedBlock[] {
  return Array.from({ length }, (_, h) => ({ version: signalling(h) ? SIGNAL : NO_SIGNAL, time: T0 + h * SPACING }));
}

const states = (chain: readonly VersionedBlock[], d: Deployment): DeploymentState[] =>
  stateHistory(chain, d).map((p) => p.state);

const P = 4;
const base: Deployment = { bit: BIT, startTime: 0, timeout: Number.MAX_SAFE_INTEGER, period: P, threshold: 3 };

describe('signalling and median time past', () => {
  it('counts only versions with top bits 001 and the bit set', () => {
    expect(signals(SIGNAL, BIT)).toBe(true);
    expect(signals(NO_SIGNAL, BIT)).toBe(false);
    expect(signals(0x60000000 | (1 << BIT), BIT)).toBe(false); // top bits 011
    expect(signals((0xe0000000 | (1 << BIT)) | 0, BIT)).toBe(false); // negative int32, top bits 111
    expect(signals(1 << BIT, BIT)).toBe(false); // pre-BIP9 style version
    expect(signals(SIGNAL, 2)).toBe(false);
  });

  it('is the median of the block and its 10 predecessors', () => {
    const chain = buildChain(30);
    expect(medianTimePast(chain, 20)).toBe(chain[15]!.time);
    expect(medianTimePast(chain, 0)).toBe(T0);
    // Fewer than 11 blocks: sorted, element size/2 (the upper middle for an even count).
    expect(medianTimePast(chain, 3)).toBe(chain[2]!.time);
  });

  it('sorts times rather than trusting block order', () => {
    const times = [5, 1, 9, 3, 7];
    const chain = times.map((time) => ({ version: NO_SIGNAL, time }));
    expect(medianTimePast(chain, 4)).toBe(5);
  });
});

describe('BIP9 state machine', () => {
  it('walks DEFINED -> STARTED -> LOCKED_IN -> ACTIVE', () => {
    // Every block signals, but signals only count in a STARTED period.
    const chain = buildChain(6 * P, () => true);
    const d = { ...base, startTime: medianTimePast(chain, 2 * P - 1) }; // reached at the end of period 1
    expect(states(chain, d)).toEqual(['DEFINED', 'DEFINED', 'STARTED', 'LOCKED_IN', 'ACTIVE', 'ACTIVE', 'ACTIVE']);
  });

  it('times out to FAILED and stays there even if miners then signal', () => {
    const chain = buildChain(7 * P, (h) => h >= 3 * P);
    const d = { ...base, timeout: medianTimePast(chain, 3 * P - 1) };
    expect(states(chain, d)).toEqual(['DEFINED', 'STARTED', 'STARTED', 'FAILED', 'FAILED', 'FAILED', 'FAILED', 'FAILED']);
  });

  it('prefers FAILED over LOCKED_IN when the timeout and the threshold coincide', () => {
    const chain = buildChain(3 * P, () => true);
    const d = { ...base, timeout: medianTimePast(chain, 2 * P - 1) };
    expect(states(chain, d)).toEqual(['DEFINED', 'STARTED', 'FAILED', 'FAILED']);
  });

  it('is FAILED straight from DEFINED when start and timeout pass together', () => {
    const chain = buildChain(2 * P);
    const mtp = medianTimePast(chain, P - 1);
    expect(states(chain, { ...base, startTime: mtp, timeout: mtp })).toEqual(['DEFINED', 'FAILED', 'FAILED']);
  });

  it('locks in with exactly threshold signals, not with one fewer', () => {
    const period1 = (count: number) => (h: number) => h >= P && h < P + count;
    const exactly = buildChain(3 * P, period1(base.threshold));
    const oneShort = buildChain(3 * P, period1(base.threshold - 1));
    expect(states(exactly, base)).toEqual(['DEFINED', 'STARTED', 'LOCKED_IN', 'ACTIVE']);
    expect(states(oneShort, base)).toEqual(['DEFINED', 'STARTED', 'STARTED', 'STARTED']);
  });

  it('is constant within a period and depends only on ancestors', () => {
    const chain = buildChain(5 * P + 2, (h) => h % 3 !== 0);
    const history = stateHistory(chain, base);
    for (let h = 0; h <= chain.length; h++) {
      const s = deploymentState(chain, h, base);
      expect(s).toBe(history[Math.floor(h / P)]!.state);
      expect(deploymentState(chain.slice(0, h), h, base)).toBe(s);
    }
  });

  it('follows Core: a boundary with MTP below startTime is DEFINED (only on chains breaking the MTP rule)', () => {
    // GetStateFor's walk back stops at such a boundary; consensus forbids MTP going backwards,
    // so on valid chains this never overrides an earlier state.
    const chain = buildChain(4 * P, () => true);
    const d = { ...base, startTime: T0 };
    expect(states(chain, d)).toEqual(['DEFINED', 'STARTED', 'LOCKED_IN', 'ACTIVE', 'ACTIVE']);
    const rewound = chain.map((b, h) => (h >= 2 * P ? { ...b, time: T0 - 1 } : b));
    expect(states(rewound, d)).toEqual(['DEFINED', 'STARTED', 'LOCKED_IN', 'ACTIVE', 'DEFINED']);
  });

  it('rejects heights beyond the next block', () => {
    expect(() => deploymentState(buildChain(3), 4, base)).toThrow(RangeError);
  });
});

describe('BIP9 properties', () => {
  const versions = fc.constantFrom(SIGNAL, SIGNAL | (1 << 5), NO_SIGNAL, 0x60000000 | (1 << BIT));
  // Strictly increasing times keep MTP monotone, as consensus requires of a real chain.
  const chainArb = fc
    .array(fc.tuple(versions, fc.integer({ min: 1, max: 1200 })), { maxLength: 60, size: 'max' })
    .map((blocks) => {
      let time = T0;
      return blocks.map(([version, gap]) => ({ version, time: (time += gap) }));
    });
  const deploymentArb = fc
    .record({
      period: fc.integer({ min: 1, max: 6 }),
      thresholdFraction: fc.double({ min: 0, max: 1, noNaN: true }),
      startOffset: fc.integer({ min: -1000, max: 15_000 }),
      duration: fc.integer({ min: 0, max: 30_000 }),
    })
    .map(({ period, thresholdFraction, startOffset, duration }) => ({
      bit: BIT,
      period,
      threshold: Math.max(1, Math.ceil(thresholdFraction * period)),
      startTime: T0 + startOffset,
      timeout: T0 + startOffset + duration,
    }));

  const allowed: Record<DeploymentState, readonly DeploymentState[]> = {
    DEFINED: ['DEFINED', 'STARTED', 'FAILED'],
    STARTED: ['STARTED', 'LOCKED_IN', 'FAILED'],
    LOCKED_IN: ['ACTIVE'],
    ACTIVE: ['ACTIVE'],
    FAILED: ['FAILED'],
  };

  it('two evaluations on the same chain agree, with each other and with the history', () => {
    fc.assert(
      fc.property(chainArb, deploymentArb, (chain, d) => {
        const history = stateHistory(chain, d);
        expect(stateHistory(chain, d)).toEqual(history);
        for (let h = 0; h <= chain.length; h++) {
          const s = deploymentState(chain, h, d);
          expect(deploymentState(chain, h, d)).toBe(s);
          expect(s).toBe(history[Math.floor(h / d.period)]!.state);
        }
      }),
    );
  });

  it('the incremental step over a lookup (nextPeriodState, as a node with a block tree uses it) rebuilds the history', () => {
    fc.assert(
      fc.property(chainArb, deploymentArb, (chain, d) => {
        const lookup = (h: number) => chain[h]!;
        let state: DeploymentState = 'DEFINED';
        for (const period of stateHistory(chain, d).slice(1)) {
          const boundary = period.startHeight - 1;
          expect(medianTimePastOf(lookup, boundary)).toBe(medianTimePast(chain, boundary));
          state = nextPeriodState(state, lookup, boundary, d);
          expect(state).toBe(period.state);
        }
      }),
    );
  });

  it('nextPeriodState only accepts the last block of a period as the boundary', () => {
    const chain = buildChain(3 * P);
    expect(() => nextPeriodState('DEFINED', (h) => chain[h]!, P, base)).toThrow(RangeError);
    expect(nextPeriodState('DEFINED', (h) => chain[h]!, P - 1, base)).toBe('STARTED');
  });

  it('only takes BIP9 transitions, so ACTIVE and FAILED are terminal', () => {
    fc.assert(
      fc.property(chainArb, deploymentArb, (chain, d) => {
        const seq = states(chain, d);
        expect(seq[0]).toBe('DEFINED');
        for (let k = 1; k < seq.length; k++) {
          expect(allowed[seq[k - 1]!]).toContain(seq[k]);
        }
      }),
    );
  });
});
