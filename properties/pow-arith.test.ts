import { SET_COMPACT_VECTORS } from './pow-vectors.ts';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  MAINNET_PARAMS,
  REGTEST_PARAMS,
  SIM_PARAMS,
  ancestorsOf,
  blockWork,
  calculateNextWorkRequired,
  checkProofOfWork,
  checkProofOfWorkBits,
  decodeCompact,
  difficultyAdjustmentInterval,
  encodeCompact,
  nextWorkRequired,
  type PowHeader,
} from '../src/protocols/pow/arith.ts';

/** arith_uint256::GetHex: 64 lowercase hex digits. */
const hex = (x: bigint): string => x.toString(16).padStart(64, '0');

describe('compact encoding: Bitcoin Core vectors', () => {
  // bitcoin/bitcoin src/test/arith_uint256_tests.cpp, BOOST_AUTO_TEST_CASE(bignum_SetCompact):
  // SetCompact(bits) -> GetHex / fNegative / fOverflow, then GetCompact(negative) -> compact.
  const table = SET_COMPACT_VECTORS;

  for (const row of table) {
    it(`SetCompact/GetCompact 0x${row.bits.toString(16).padStart(8, '0')}`, () => {
      const d = decodeCompact(row.bits);
      expect(hex(d.target)).toBe(row.hex);
      expect(d.negative).toBe(row.negative);
      expect(d.overflow).toBe(false);
      expect(encodeCompact(d.target, d.negative)).toBe(row.compact);
    });
  }

  it('0xff123456 overflows and is not negative', () => {
    // Same test case, last check.
    const d = decodeCompact(0xff123456);
    expect(d.negative).toBe(false);
    expect(d.overflow).toBe(true);
  });

  it('never emits a compact with the 0x00800000 bit set: 0x80 -> 0x02008000', () => {
    // Same test case: "Make sure that we don't generate compacts with the 0x00800000 bit set".
    expect(encodeCompact(0x80n)).toBe(0x02008000);
  });

  it('accepts int32 views of the same bits', () => {
    expect(decodeCompact(0xff123456 | 0)).toEqual(decodeCompact(0xff123456));
    expect(() => decodeCompact(2 ** 32)).toThrow(RangeError);
  });
});

describe('overflow boundaries (SetCompact rules)', () => {
  it('size 34 with a 1-byte mantissa fits; size 35 does not', () => {
    expect(decodeCompact(0x22000001).overflow).toBe(false);
    expect(decodeCompact(0x22000001).target).toBe(1n << 248n);
    expect(decodeCompact(0x23000001).overflow).toBe(true);
  });
  it('size 33 allows 2 mantissa bytes, size 32 allows 3', () => {
    expect(decodeCompact(0x2100ffff).overflow).toBe(false);
    expect(decodeCompact(0x21010000).overflow).toBe(true);
    expect(decodeCompact(0x207fffff).overflow).toBe(false);
  });
  it('a zero mantissa never overflows', () => {
    expect(decodeCompact(0xff000000).overflow).toBe(false);
  });
});

describe('retargeting: Bitcoin Core vectors', () => {
  // bitcoin/bitcoin src/test/pow_tests.cpp, mainnet params, CalculateNextWorkRequired(
  // pindexLast{nTime, nBits}, nLastRetargetTime).
  it('get_next_work: no constraint applies', () => {
    expect(calculateNextWorkRequired(0x1d00ffff, 1262152739, 1261130161, MAINNET_PARAMS)).toBe(0x1d00d86a);
  });
  it('get_next_work_pow_limit: capped at powLimit', () => {
    expect(calculateNextWorkRequired(0x1d00ffff, 1233061996, 1231006505, MAINNET_PARAMS)).toBe(0x1d00ffff);
  });
  it('get_next_work_lower_limit_actual: timespan clamped to T/4', () => {
    expect(calculateNextWorkRequired(0x1c05a3f4, 1279297671, 1279008237, MAINNET_PARAMS)).toBe(0x1c0168fd);
  });
  it('get_next_work_upper_limit_actual: timespan clamped to 4T', () => {
    expect(calculateNextWorkRequired(0x1c387f6f, 1269211443, 1263163443, MAINNET_PARAMS)).toBe(0x1d00e1fd);
  });
});

describe('checkProofOfWorkBits', () => {
  // Cases named after Bitcoin Core src/test/pow_tests.cpp CheckProofOfWork_test_negative_target,
  // _overflow_target, _too_easy_target, _zero_target (range check of CheckProofOfWork).
  const powLimit = MAINNET_PARAMS.powLimit;
  it('rejects a negative target', () => {
    expect(checkProofOfWorkBits(encodeCompact(powLimit, true), MAINNET_PARAMS)).toBe(false);
  });
  it('rejects an overflowing target (~0x00800000)', () => {
    expect(checkProofOfWorkBits(~0x00800000 >>> 0, MAINNET_PARAMS)).toBe(false);
  });
  it('rejects a target easier than powLimit', () => {
    expect(checkProofOfWorkBits(encodeCompact(powLimit * 2n), MAINNET_PARAMS)).toBe(false);
  });
  it('rejects a zero target', () => {
    expect(checkProofOfWorkBits(encodeCompact(0n), MAINNET_PARAMS)).toBe(false);
  });
  it('accepts the genesis bits 0x1d00ffff and regtest 0x207fffff', () => {
    expect(checkProofOfWorkBits(0x1d00ffff, MAINNET_PARAMS)).toBe(true);
    expect(checkProofOfWorkBits(0x207fffff, REGTEST_PARAMS)).toBe(true);
    expect(checkProofOfWorkBits(0x207fffff, MAINNET_PARAMS)).toBe(false);
  });
  it('checkProofOfWork compares the hash with the target', () => {
    const target = decodeCompact(0x1d00ffff).target;
    expect(checkProofOfWork(target, 0x1d00ffff, MAINNET_PARAMS)).toBe(true);
    expect(checkProofOfWork(target + 1n, 0x1d00ffff, MAINNET_PARAMS)).toBe(false);
  });
});

describe('blockWork (GetBlockProof)', () => {
  it('work of 0x1d00ffff is 0x100010001', () => {
    expect(blockWork(0x1d00ffff)).toBe(0x100010001n);
  });
  it('work of regtest 0x207fffff is 2', () => {
    // 2^256 / (0x7fffff << 232 + 1) = 2.
    expect(blockWork(0x207fffff)).toBe(2n);
  });
  it('invalid targets carry no work', () => {
    expect(blockWork(0)).toBe(0n);
    expect(blockWork(0x04923456)).toBe(0n); // negative
    expect(blockWork(0xff123456)).toBe(0n); // overflow
  });
  it('equals floor(2^256 / (target + 1)) for valid bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x22ffffff }), (bits) => {
        const { target, negative, overflow } = decodeCompact(bits);
        fc.pre(!negative && !overflow && target > 0n);
        expect(blockWork(bits)).toBe((1n << 256n) / (target + 1n));
      }),
    );
  });
});

/**
 * Compacts GetCompact itself produces: either a leading mantissa byte in 0x01..0x7f, or (after
 * the sign fix) a zero leading byte followed by one >= 0x80; bytes a small size drops are zero.
 */
const dropLowBytes = (size: number, mantissa: number): number =>
  size >= 3 ? mantissa : mantissa & ~((1 << (8 * (3 - size))) - 1);
const compactOf = (size: number, mantissa: number): number => ((size << 24) | dropLowBytes(size, mantissa)) >>> 0;
const canonicalCompact = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 0x01, max: 0x7f }), fc.integer({ min: 0, max: 0xffff }))
    .map(([size, lead, rest]) => compactOf(size, (lead << 16) | rest)),
  fc
    .tuple(fc.integer({ min: 2, max: 33 }), fc.integer({ min: 0x80, max: 0xff }), fc.integer({ min: 0, max: 0xff }))
    .map(([size, lead, rest]) => compactOf(size, (lead << 8) | rest)),
);

const target256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });

describe('compact properties', () => {
  it('encode(decode(x)) = x for canonical compacts', () => {
    fc.assert(
      fc.property(canonicalCompact, (bits) => {
        const d = decodeCompact(bits);
        expect(d.overflow).toBe(false);
        expect(encodeCompact(d.target, d.negative)).toBe(bits);
      }),
    );
  });

  it('decode(encode(t)) truncates t to its top mantissa bytes and never goes up', () => {
    fc.assert(
      fc.property(target256, (t) => {
        const bits = encodeCompact(t);
        const d = decodeCompact(bits);
        expect(d.negative).toBe(false);
        expect(d.overflow).toBe(false);
        expect(d.target <= t).toBe(true);
        expect(encodeCompact(d.target)).toBe(bits); // idempotent
      }),
    );
  });

  it('work is monotone decreasing in the target', () => {
    fc.assert(
      fc.property(target256, target256, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const wLo = blockWork(encodeCompact(lo));
        const wHi = blockWork(encodeCompact(hi));
        if (decodeCompact(encodeCompact(lo)).target > 0n) expect(wLo >= wHi).toBe(true);
      }),
    );
  });
});

describe('nextWorkRequired over a chain', () => {
  const interval = difficultyAdjustmentInterval(SIM_PARAMS);
  const startBits = encodeCompact(SIM_PARAMS.powLimit >> 4n);
  const chainWithSpacing = (n: number, spacing: number): PowHeader[] =>
    Array.from({ length: n }, (_, h) => ({ bits: startBits, time: 1_000_000 + h * spacing }));

  it('intervals: mainnet 2016, sim 8', () => {
    expect(difficultyAdjustmentInterval(MAINNET_PARAMS)).toBe(2016);
    expect(interval).toBe(8);
  });

  it('keeps the previous bits inside a period', () => {
    const chain = chainWithSpacing(interval + 3, 1);
    for (let h = 1; h < chain.length + 1; h++) {
      if (h % interval !== 0) expect(nextWorkRequired(h, ancestorsOf(chain), SIM_PARAMS)).toBe(startBits);
    }
  });

  it('measures interval - 1 block intervals (first = height - interval)', () => {
    // On-schedule blocks span only 7 of 8 spacings, so the target shrinks by 7/8.
    const chain = chainWithSpacing(interval, SIM_PARAMS.targetSpacing);
    const expected = calculateNextWorkRequired(startBits, chain[interval - 1]!.time, chain[0]!.time, SIM_PARAMS);
    expect(nextWorkRequired(interval, ancestorsOf(chain), SIM_PARAMS)).toBe(expected);
    const old = decodeCompact(startBits).target;
    expect(decodeCompact(expected).target).toBe(encodeTruncate((old * 7n) / 8n));
  });

  it('genesis gets powLimit bits; regtest never retargets', () => {
    expect(nextWorkRequired(0, ancestorsOf([]), MAINNET_PARAMS)).toBe(0x1d00ffff);
    expect(calculateNextWorkRequired(0x207fffff, 10, 0, REGTEST_PARAMS)).toBe(0x207fffff);
  });
});

/** Target after a round trip through compact form. */
function encodeTruncate(t: bigint): bigint {
  return decodeCompact(encodeCompact(t)).target;
}

describe('retarget properties', () => {
  it('moves the target at most 4x either way and never past powLimit', () => {
    const T = MAINNET_PARAMS.targetTimespan;
    fc.assert(
      fc.property(
        canonicalCompact.filter((bits) => checkProofOfWorkBits(bits, MAINNET_PARAMS)),
        fc.integer({ min: -10 * T, max: 10 * T }),
        (bits, actual) => {
          const old = decodeCompact(bits).target;
          const next = decodeCompact(calculateNextWorkRequired(bits, 1_000_000_000 + actual, 1_000_000_000, MAINNET_PARAMS));
          expect(next.negative || next.overflow).toBe(false);
          expect(next.target <= MAINNET_PARAMS.powLimit).toBe(true);
          expect(next.target <= old * 4n).toBe(true);
          expect(next.target >= encodeTruncate((old * BigInt(Math.trunc(T / 4))) / BigInt(T))).toBe(true);
        },
      ),
    );
  });
});

describe('mutants change results', () => {
  it('signFix: false emits a mantissa with the sign bit, which decodes wrongly', () => {
    expect(encodeCompact(0x80n, false, { signFix: false })).toBe(0x01800000);
    expect(decodeCompact(0x01800000).target).toBe(0n); // 0x80 read back as 0
    const t = 0xffffn << 208n; // mainnet genesis target: top mantissa byte 0xff
    expect(encodeCompact(t)).toBe(0x1d00ffff);
    const mutant = encodeCompact(t, false, { signFix: false });
    expect(mutant).not.toBe(0x1d00ffff);
    expect(decodeCompact(mutant).negative).toBe(true);
  });

  it('clamp: false lets a huge timespan ease difficulty beyond 4x', () => {
    const bits = 0x1b0404cb; // 100x this target is still below mainnet powLimit
    const first = 0;
    const last = 100 * MAINNET_PARAMS.targetTimespan;
    const target = decodeCompact(bits).target;
    expect(calculateNextWorkRequired(bits, last, first, MAINNET_PARAMS)).toBe(encodeCompact(target * 4n));
    const unclamped = calculateNextWorkRequired(bits, last, first, MAINNET_PARAMS, { clamp: false });
    expect(decodeCompact(unclamped).target).toBe(encodeTruncate(target * 100n));
    expect(unclamped).not.toBe(encodeCompact(target * 4n));
  });

  it('capAtPowLimit: false lets the target exceed powLimit near the limit', () => {
    // get_next_work_pow_limit's inputs: a slow period at the limit.
    const capped = calculateNextWorkRequired(0x1d00ffff, 1233061996, 1231006505, MAINNET_PARAMS);
    const uncapped = calculateNextWorkRequired(0x1d00ffff, 1233061996, 1231006505, MAINNET_PARAMS, {
      capAtPowLimit: false,
    });
    expect(capped).toBe(0x1d00ffff);
    expect(uncapped).not.toBe(capped);
    expect(decodeCompact(uncapped).target > MAINNET_PARAMS.powLimit).toBe(true);
    expect(checkProofOfWorkBits(uncapped, MAINNET_PARAMS)).toBe(false);
  });
});
