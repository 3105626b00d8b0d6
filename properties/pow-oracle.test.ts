/**
 * The PoW oracle (src/protocols/pow/oracle.ts) against known answers, against the reducer's
 * arithmetic (arith.ts) and the reducer itself, over many retarget periods; and the rule that
 * the invariants and the reference fork choice never reach the reducer's arithmetic.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { SET_COMPACT_VECTORS } from './pow-vectors.ts';
import { describe, expect, it } from 'vitest';
import {
  MAINNET_PARAMS,
  type PowHeader,
  type PowParams,
  SIM_PARAMS,
  ancestorsOf,
  blockWork,
  calculateNextWorkRequired,
  checkProofOfWorkBits,
  decodeCompact,
  encodeCompact,
  nextWorkRequired,
} from '../src/protocols/pow/arith.ts';
import { POW_PARAMS, type PowState, pow } from '../src/protocols/pow/index.ts';
import { GENESIS_TIME } from '../src/protocols/pow/params.ts';
import { type Deployment, deploymentState } from '../src/protocols/pow/bip9.ts';
import { oracleDeploymentState } from '../src/protocols/pow/bip9-oracle.ts';
import { type Block, NULL_ID, makeBlock } from '../src/protocols/pow/messages.ts';
import { oracleBitsInRange, oracleRequiredBits, oracleRetarget, oracleWork, readCompact, writeCompact } from '../src/protocols/pow/oracle.ts';
import { clusterConfig } from '../src/core/config.ts';

const POW_DIR = join(dirname(fileURLToPath(import.meta.url)), '../src/protocols/pow');

/** The modules a file imports for their values (`import type` is erased and does not count), transitively, inside src/protocols/pow. */
function valueImportClosure(file: string): Set<string> {
  const seen = new Set<string>();
  const todo = [file];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const text = readFileSync(join(POW_DIR, f), 'utf8');
    for (const m of text.matchAll(/^import\s+(type\s+)?([\s\S]*?)\s+from\s+'\.\/([\w.-]+)'/gm)) {
      const typeOnly = m[1] !== undefined || /^\{\s*(type\s+[\w$]+\s*,?\s*)+\}$/.test(m[2]!.trim());
      if (!typeOnly) todo.push(m[3]!);
    }
  }
  seen.delete(file);
  return seen;
}

describe('the oracles are independent of the reducer', () => {
  const REDUCER_SIDE = ['arith.ts', 'bip9.ts', 'rules.ts', 'state.ts', 'reducer.ts', 'mutants.ts', 'byzantine.ts', 'index.ts'];
  for (const file of ['oracle.ts', 'bip9-oracle.ts', 'invariants.ts', 'reference.ts']) {
    it(`${file} imports none of ${REDUCER_SIDE.join(', ')} (transitively, values only)`, () => {
      const closure = valueImportClosure(file);
      expect([...closure].filter((f) => REDUCER_SIDE.includes(f))).toEqual([]);
    });
  }

  it('the import scan sees value imports: rules.ts reaches arith.ts and state.ts', () => {
    const closure = valueImportClosure('rules.ts');
    expect(closure.has('arith.ts')).toBe(true);
    expect(closure.has('state.ts')).toBe(true);
    // A mixed import (`{ type X, y }`) is a value import; a pure `import type` is not.
    expect(valueImportClosure('mutants.ts').has('arith.ts')).toBe(false);
  });
});

const hex = (x: bigint): string => x.toString(16).padStart(64, '0');

describe('oracle: compact nBits, Bitcoin Core vectors', () => {
  // bitcoin/bitcoin src/test/arith_uint256_tests.cpp, BOOST_AUTO_TEST_CASE(bignum_SetCompact):
  // SetCompact(bits) -> GetHex / fNegative, then GetCompact(fNegative) -> compact.
  const table = SET_COMPACT_VECTORS;
  it('SetCompact / GetCompact on every row of bignum_SetCompact', () => {
    for (const row of table) {
      const r = readCompact(row.bits);
      expect(hex(r.target), row.bits.toString(16)).toBe(row.hex);
      expect(r.negative, row.bits.toString(16)).toBe(row.negative);
      expect(r.overflow).toBe(false);
      expect(writeCompact(r.target, r.negative), row.bits.toString(16)).toBe(row.compact);
    }
    // Same test case: 0xff123456 overflows and is not negative; 0x80 is written 0x02008000.
    expect(readCompact(0xff123456)).toMatchObject({ negative: false, overflow: true });
    expect(writeCompact(0x80n)).toBe(0x02008000);
  });

  it('overflow boundaries: the value reaches 2^256 exactly where SetCompact says fOverflow', () => {
    expect(readCompact(0x22000001)).toMatchObject({ overflow: false, target: 1n << 248n }); // 1 * 256^31
    expect(readCompact(0x23000001).overflow).toBe(true); // 256^32 = 2^256
    expect(readCompact(0x2100ffff).overflow).toBe(false); // 0xffff * 256^30 < 2^256
    expect(readCompact(0x21010000).overflow).toBe(true); // 0x10000 * 256^30 = 2^256
    expect(readCompact(0xff000000).overflow).toBe(false); // a zero mantissa never overflows
  });
});

describe('oracle: block work and retarget, known answers', () => {
  it('work of a block (chain.cpp GetBlockProof: 2^256 / (target + 1))', () => {
    // 0x1d00ffff, mainnet genesis: target 0xffff * 2^208; 0xffff * 0x100010001 = 2^48 - 1, so
    // 2^256 / target = 0x100010001 + 1/0xffff and the + 1 in the divisor keeps the floor:
    // 0x100010001, which is the genesis "chainwork" Core reports (getblockheader).
    expect(oracleWork(0x1d00ffff)).toBe(0x100010001n);
    // 0x207fffff, regtest: target 0x7fffff * 2^232 ~ 2^255, so 2 (pow_tests
    // GetBlockProofEquivalentTime_test runs on these bits).
    expect(oracleWork(0x207fffff)).toBe(2n);
    // 0x1f00ffff, the simulated genesis (powLimit 2^240 - 1): 2^32 = 0xffff * 65537 + 1 -> 65537.
    expect(oracleWork(0x1f00ffff)).toBe(65537n);
    // A power-of-two target, 0x1d008000 = 2^223: 2^256 / (2^223 + 1) is just below 2^33, so
    // 2^33 - 1; the naive 2^256 / target would say 2^33. Only power-of-two targets tell the two
    // apart, and the simulated chains never reach one (all their targets are 0xffff * 2^k or
    // truncations of it): that mutant would be equivalent there.
    expect(oracleWork(0x1d008000)).toBe(2n ** 33n - 1n);
    // No work for what CheckProofOfWork rejects: zero, negative, overflowing.
    expect([0, 0x04923456, 0xff123456].map(oracleWork)).toEqual([0n, 0n, 0n]);
  });

  it('CalculateNextWorkRequired: the four bitcoin/bitcoin src/test/pow_tests.cpp cases', () => {
    // get_next_work, get_next_work_pow_limit, get_next_work_lower_limit_actual,
    // get_next_work_upper_limit_actual: (pindexLast.nBits, nTime - nLastRetargetTime) -> nBits.
    expect(oracleRetarget(0x1d00ffff, 1262152739 - 1261130161, MAINNET_PARAMS)).toBe(0x1d00d86a);
    expect(oracleRetarget(0x1d00ffff, 1233061996 - 1231006505, MAINNET_PARAMS)).toBe(0x1d00ffff);
    expect(oracleRetarget(0x1c05a3f4, 1279297671 - 1279008237, MAINNET_PARAMS)).toBe(0x1c0168fd);
    expect(oracleRetarget(0x1c387f6f, 1269211443 - 1263163443, MAINNET_PARAMS)).toBe(0x1d00e1fd);
  });

  it('range check (pow_tests CheckProofOfWork_test_*): negative, overflowing, too easy, zero', () => {
    expect(oracleBitsInRange(0x1d80ffff, MAINNET_PARAMS)).toBe(false); // negative twin of 0x1d00ffff
    expect(oracleBitsInRange(~0x00800000 >>> 0, MAINNET_PARAMS)).toBe(false);
    expect(oracleBitsInRange(0x1d01ffff, MAINNET_PARAMS)).toBe(false); // 2 x powLimit
    expect(oracleBitsInRange(0, MAINNET_PARAMS)).toBe(false);
    expect(oracleBitsInRange(0x1d00ffff, MAINNET_PARAMS)).toBe(true);
  });
});

/**
 * Chains over many retarget periods with every bits value derived by hand from the definitions
 * (pow.cpp: clamp to [T/4, 4T], target * clamped / T, cap at powLimit; arith_uint256.cpp
 * GetCompact: three mantissa bytes, a leading byte >= 0x80 pushed down by one byte).
 * T0 = 0xffff * 2^224 is the simulated genesis target (powLimit = 2^240 - 1 truncated to
 * 0x1f00ffff). Each period lists the offsets (seconds after the parent) of its blocks; the
 * retarget at the start of a period measures the offsets of the previous period's blocks
 * except its first (interval - 1 intervals).
 */
interface Period {
  readonly offsets: readonly number[];
  /** nBits of every block of the period. */
  readonly bits: number;
}

/**
 * SIM_PARAMS: 8-block periods, T = 480 s, clamp [120, 1920].
 */
const SIM_TABLE: readonly Period[] = [
  // Heights 0-7 (genesis + 7 blocks, 60 s each: 420 s measured).
  { offsets: [0, 60, 60, 60, 60, 60, 60, 60], bits: 0x1f00ffff },
  // Height 8: T0 * 420 / 480 = 0xdfff20 * 2^216 (0xffff * 7 * 2^221); leading byte 0xdf >= 0x80,
  // so mantissa 0x00dfff, size 31 (0x20 truncated). The 600 s of block 8 is not measured next.
  { offsets: [600, 1, 1, 1, 1, 1, 1, 1], bits: 0x1f00dfff },
  // Height 16: 7 s measured, clamped to 120: 0xdfff * 2^224 / 4 = 0x37ffc0 * 2^216.
  { offsets: [1, 600, 600, 600, 600, 600, 600, 600], bits: 0x1e37ffc0 },
  // Height 24: 4200 s, clamped to 1920 (upper clamp): x4, 0xdfff * 2^224, below powLimit.
  { offsets: [60, 600, 600, 600, 600, 600, 600, 600], bits: 0x1f00dfff },
  // Height 32: upper clamp again, x4 = 0xdfff * 2^226 > 2^240 - 1: capped at powLimit, which
  // encodes as 0x1f00ffff (both the clamp and the cap in one retarget).
  { offsets: [600, 1, 1, 1, 1, 1, 1, 1], bits: 0x1f00ffff },
  // Height 40: 7 s, lower clamp: T0 / 4 = 0x3fffc0 * 2^216.
  { offsets: [1, 60, 60, 60, 60, 20, 20, 20], bits: 0x1e3fffc0 },
  // Height 48: 300 s, no clamp: 0x3fffc0 * 300 / 480 = 0x3fffc0 * 5 / 8 = 0x27ffd8 (exact).
  { offsets: [60, 100000, 1, 1, 1, 1, 1, 1], bits: 0x1e27ffd8 },
  // Height 56: 100006 s, clamped to 1920: x4 = 0x9fff60 * 2^216, 240 bits, just below
  // powLimit (no cap); leading byte 0x9f: mantissa 0x009fff, size 31 (0x60 truncated).
  { offsets: [60], bits: 0x1f009fff },
];
/**
 * Work per bits, 2^256 / (target + 1) with target = mantissa * 2^(8 (size - 3)); none of these
 * targets divides 2^256, so it is floor(2^k / mantissa):
 *   0x1f00ffff: 2^32 / 0xffff   = 65537   (0xffff * 65537 = 2^32 - 1)
 *   0x1f00dfff: 2^32 / 0xdfff   = 74899   (57343 * 74899 = 4294933357, remainder 33939)
 *   0x1e37ffc0: 2^40 / 0x37ffc0 = 2^34 / 0xdfff = 299598 (57343 * 299598 = 17179848114, remainder 21070)
 *   0x1e3fffc0: 2^34 / 0xffff   = 262148  (remainder 4)
 *   0x1e27ffd8: 2^40 / 0x27ffd8 = 419436
 *   0x1f009fff: 2^32 / 0x9fff   = 104860  (40959 * 104860 = 4294960740, remainder 6556)
 * Tip (height 56) chainwork: 8 x (65537 + 74899 + 299598 + 74899 + 65537 + 262148 + 419436)
 * + 104860 = 8 x 1262054 + 104860 = 10201292.
 */
const SIM_TIP_CHAINWORK = 10_201_292n;

/**
 * POW_PARAMS (what every fuzz campaign runs): 2-block periods, T = 120 s, clamp [30, 480];
 * each retarget measures the offset of the block before it.
 */
const POW_TABLE: readonly Period[] = [
  { offsets: [0, 60], bits: 0x1f00ffff }, // heights 0, 1
  { offsets: [1, 1], bits: 0x1e7fff80 }, // 60 s: T0 / 2 = 0x7fff80 * 2^216
  { offsets: [600, 600], bits: 0x1e1fffe0 }, // 1 s, lower clamp 30: / 4
  { offsets: [600, 600], bits: 0x1e7fff80 }, // 600 s, upper clamp 480: x 4
  { offsets: [1, 1], bits: 0x1f00ffff }, // upper clamp, x 4 = 2 T0 > powLimit: capped, both at once
  { offsets: [60, 60], bits: 0x1e3fffc0 }, // lower clamp: / 4
  { offsets: [60], bits: 0x1e1fffe0 }, // 60 s: / 2 (height 12)
];
/** 4 x 65537 + 4 x 131074 + 3 x 524296 + 2 x 262148 (2^33 / 0xffff = 131074, 2^35 / 0xffff = 524296). */
const POW_TIP_CHAINWORK = 2_883_628n;

/** The chain a table describes, by height: times from the genesis time, bits from the table. */
function chainOf(table: readonly Period[]): PowHeader[] {
  const out: PowHeader[] = [];
  let time = GENESIS_TIME;
  for (const p of table) {
    for (const offset of p.offsets) {
      time += out.length === 0 ? 0 : offset;
      out.push({ bits: p.bits, time });
    }
  }
  return out;
}

function expectTable(table: readonly Period[], params: PowParams, tipWork: bigint, label: string): void {
  const chain = chainOf(table);
  const lookup = ancestorsOf(chain);
  let work = 0n;
  for (let h = 0; h < chain.length; h++) {
    const want = chain[h]!.bits;
    expect(oracleRequiredBits(h, lookup, params).toString(16), `${label} oracle, height ${h}`).toBe(want.toString(16));
    expect(nextWorkRequired(h, lookup, params).toString(16), `${label} arith.ts, height ${h}`).toBe(want.toString(16));
    expect(oracleBitsInRange(want, params)).toBe(true);
    work += oracleWork(want);
    expect(blockWork(want), `${label} arith.ts work, height ${h}`).toBe(oracleWork(want));
  }
  expect(work).toBe(tipWork);
}

/** One node mines the table's chain with the reducer: its bits and recorded chainwork at every height. */
function mineTable(table: readonly Period[], params: PowParams): PowState {
  const offsets = [...new Set(table.flatMap((p) => p.offsets).filter((o) => o > 0))];
  const protocol = pow(undefined, { params, offsets });
  let s = protocol.init(0, clusterConfig(4)).state;
  const chain = chainOf(table);
  let expectedWork = oracleWork(chain[0]!.bits);
  for (let h = 1; h < chain.length; h++) {
    const found = protocol.onEvent!(s, `mine:${chain[h]!.time - chain[h - 1]!.time}`);
    const e = found.effects.find((x) => x.kind !== 'persist')!;
    if (e.kind !== 'broadcast') throw new Error('mining must broadcast');
    s = protocol.onMessage(found.state, 0, e.msg).state;
    expect(s.head, `height ${h}`).toBe(e.msg.block.id);
    expect(e.msg.block.bits.toString(16), `reducer bits at height ${h}`).toBe(chain[h]!.bits.toString(16));
    expectedWork += oracleWork(chain[h]!.bits);
    expect(BigInt(`0x${s.blocks.get(s.head)!.chainwork}`), `reducer chainwork at height ${h}`).toBe(expectedWork);
  }
  return s;
}

describe('work and retarget over many periods (hand-derived tables)', () => {
  it('SIM_PARAMS, 8 periods: both clamps, the powLimit cap with the upper clamp, truncation and the sign fix', () => {
    expect(chainOf(SIM_TABLE)).toHaveLength(57);
    expectTable(SIM_TABLE, SIM_PARAMS, SIM_TIP_CHAINWORK, 'sim');
  });

  it('POW_PARAMS, 7 periods: both clamps and the cap with the upper clamp at height 8', () => {
    expectTable(POW_TABLE, POW_PARAMS, POW_TIP_CHAINWORK, 'pow');
  });

  it('the reducer mines both tables bit for bit and records their chainwork', () => {
    const sim = mineTable(SIM_TABLE, SIM_PARAMS);
    expect(BigInt(`0x${sim.blocks.get(sim.head)!.chainwork}`)).toBe(SIM_TIP_CHAINWORK);
    const p = mineTable(POW_TABLE, POW_PARAMS);
    expect(BigInt(`0x${p.blocks.get(p.head)!.chainwork}`)).toBe(POW_TIP_CHAINWORK);
  });

  it('the retarget mutants leave the first period alone and break a later one: a first-period test would miss them', () => {
    const firstDifference = (table: readonly Period[], params: PowParams, options: object): number | undefined => {
      const chain = chainOf(table);
      for (let h = 1; h < chain.length; h++) {
        if (nextWorkRequired(h, ancestorsOf(chain), params, options) !== chain[h]!.bits) return h;
      }
      return undefined;
    };
    // Measuring interval intervals (from one block before the period) agrees at the first
    // retarget by construction and, with POW_PARAMS' clamps, until the sixth (height 12: 120 s
    // measured instead of 60 s).
    expect(firstDifference(SIM_TABLE, SIM_PARAMS, { measureFrom: 'full-interval' })).toBe(16);
    expect(firstDifference(POW_TABLE, POW_PARAMS, { measureFrom: 'full-interval' })).toBe(12);
    expect(firstDifference(POW_TABLE, POW_PARAMS, { boundary: 'parent' })).toBe(1);
    expect(firstDifference(SIM_TABLE, SIM_PARAMS, { capAtPowLimit: false })).toBe(32);
  });
});

/** nBits whose target is at most powLimit: what a retarget may read. */
const validBits = (params: PowParams) =>
  fc
    .tuple(fc.integer({ min: 1, max: 33 }), fc.integer({ min: 0, max: 0x7fffff }))
    .map(([size, mantissa]) => ((size << 24) | mantissa) >>> 0)
    .filter((bits) => oracleBitsInRange(bits, params));

describe('the oracle and arith.ts agree (differential)', () => {
  it('compact read, work and range check on any 32-bit nBits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        const a = decodeCompact(bits);
        const o = readCompact(bits);
        expect(o).toEqual(a);
        expect(oracleWork(bits)).toBe(blockWork(bits));
        expect(oracleBitsInRange(bits, MAINNET_PARAMS)).toBe(checkProofOfWorkBits(bits, MAINNET_PARAMS));
      }),
      { numRuns: 3000, seed: 71 },
    );
  });

  it('compact write on any uint256, negative or not', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), fc.boolean(), (t, negative) => {
        expect(writeCompact(t, negative)).toBe(encodeCompact(t, negative));
      }),
      { numRuns: 3000, seed: 72 },
    );
  });

  it('retarget on valid bits and any measured time, mainnet and simulated parameters', () => {
    for (const params of [MAINNET_PARAMS, SIM_PARAMS, POW_PARAMS]) {
      const T = params.targetTimespan;
      fc.assert(
        fc.property(validBits(params), fc.integer({ min: -10 * T, max: 10 * T }), (bits, measured) => {
          expect(oracleRetarget(bits, measured, params)).toBe(calculateNextWorkRequired(bits, 1_000_000_000 + measured, 1_000_000_000, params));
        }),
        { numRuns: 1000, seed: 73 },
      );
    }
  });
});

describe('the BIP9 oracle and bip9.ts agree (differential)', () => {
  it('on random chains: any signalling, times that may go back, any start, timeout, period and threshold', () => {
    const reached = new Set<string>();
    const blockArb = fc.record({ dt: fc.integer({ min: -400, max: 900 }), version: fc.constantFrom(0x20000000, 0x20000002, 0x60000002, 0x00000002, 0x20000006) });
    fc.assert(
      fc.property(
        fc.array(blockArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: -2000, max: 8000 }),
        fc.integer({ min: 0, max: 12000 }),
        fc.constantFrom(1, 2),
        (steps, period, threshold, start, length, bit) => {
          const d: Deployment = { bit, startTime: 1_000_000 + start, timeout: 1_000_000 + start + length, period, threshold: Math.min(threshold, period) };
          const chain: Block[] = [];
          let time = 1_000_000;
          steps.forEach((st, h) => {
            time += st.dt;
            chain.push(makeBlock({ parent: h === 0 ? NULL_ID : chain[h - 1]!.id, height: h, time, bits: 0x1f00ffff, version: st.version, miner: 0, nonce: h }));
          });
          // Every height from 0 to chain.length, in an order that exercises the oracle's memo.
          for (const h of [chain.length, ...chain.map((_b, i) => i)]) {
            const state = oracleDeploymentState(chain.slice(0, h), h, d);
            expect(state, `height ${h}`).toBe(deploymentState(chain, h, d));
            reached.add(state);
          }
        },
      ),
      { numRuns: 400, seed: 74 },
    );
    // The comparison is only as good as the states it reaches.
    expect([...reached].sort()).toEqual(['ACTIVE', 'DEFINED', 'FAILED', 'LOCKED_IN', 'STARTED']);
  });
});
