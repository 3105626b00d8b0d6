/**
 * Bitcoin proof-of-work arithmetic, bit-exact with Bitcoin Core, on bigint.
 *
 * Reference behaviour (read, not copied):
 *  - bitcoin/bitcoin src/arith_uint256.cpp  arith_uint256::SetCompact / GetCompact
 *  - bitcoin/bitcoin src/pow.cpp            GetNextWorkRequired / CalculateNextWorkRequired /
 *                                           CheckProofOfWork / GetBlockProof (chain.cpp in newer Core)
 *  - bitcoin/bitcoin src/chainparams.cpp    mainnet and regtest consensus parameters
 *
 * Core computes in 256-bit unsigned integers, so every intermediate that could exceed 256 bits
 * is reduced with BigInt.asUintN(256, ...) to reproduce its wrap-around exactly.
 *
 * Options (`signFix`, `clamp`, `capAtPowLimit`, `measureFrom`, `boundary`, `plusOne`) default
 * to Core's behaviour; changing them gives deliberate mutants the harness must be able to
 * detect. This is the reducer's arithmetic only: the invariants and the reference fork choice
 * judge it with the independent oracle.ts and must never import this file.
 */

const UINT256_BITS = 256;
const UINT256_MAX = (1n << 256n) - 1n;
const SIGN_BIT = 0x00800000;
const MANTISSA_MASK = 0x007fffff;

/** A nBits value as a uint32; accepts int32 results of JS bit operations too. */
function toUint32(nBits: number): number {
  if (!Number.isInteger(nBits) || nBits < -0x80000000 || nBits > 0xffffffff) {
    throw new RangeError(`nBits must be a 32-bit integer, got ${nBits}`);
  }
  return nBits >>> 0;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

export interface DecodedCompact {
  target: bigint;
  negative: boolean;
  overflow: boolean;
}

/**
 * arith_uint256::SetCompact: size byte, then a 23-bit mantissa and a sign bit (0x00800000).
 * For size <= 3 the mantissa is shifted right (dropping bytes) *before* the sign and
 * overflow tests, so e.g. 0x01803456 is neither negative nor overflowing. Bits shifted past
 * 256 are lost, as in Core's fixed-width shift; `overflow` reports when that can happen.
 */
export function decodeCompact(nBits: number): DecodedCompact {
  const compact = toUint32(nBits);
  const size = compact >>> 24;
  let word = compact & MANTISSA_MASK;
  let target: bigint;
  if (size <= 3) {
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    target = BigInt.asUintN(UINT256_BITS, BigInt(word) << BigInt(8 * (size - 3)));
  }
  const negative = word !== 0 && (compact & SIGN_BIT) !== 0;
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  return { target, negative, overflow };
}

export interface EncodeOptions {
  /**
   * Core's fix: a mantissa with the 0x00800000 bit set would read back as negative, so it is
   * shifted right a byte and the size incremented. `false` is a mutant that skips it.
   */
  signFix?: boolean;
}

/** arith_uint256::GetCompact(fNegative): the shortest compact form, truncating low bytes. */
export function encodeCompact(target: bigint, negative = false, options: EncodeOptions = {}): number {
  if (target < 0n || target > UINT256_MAX) {
    throw new RangeError(`target must be a uint256, got ${target}`);
  }
  const signFix = options.signFix ?? true;
  let size = Math.floor((bitLength(target) + 7) / 8);
  let compact =
    size <= 3 ? Number(target) * 2 ** (8 * (3 - size)) : Number(target >> BigInt(8 * (size - 3)));
  if (signFix && (compact & SIGN_BIT) !== 0) {
    compact >>>= 8;
    size += 1;
  }
  // size <= 33 here, so the shifted size byte stays within int32 range.
  compact |= size << 24;
  if (negative && (compact & MANTISSA_MASK) !== 0) compact |= SIGN_BIT;
  return compact >>> 0;
}

export interface WorkOptions {
  /**
   * The final `+ 1` of Core's (~target / (target + 1)) + 1, which turns 2^256 - target - 1
   * back into 2^256. `false` is a mutant: every block's work is one too small.
   */
  plusOne?: boolean;
}

/**
 * GetBlockProof: expected number of hashes to find a block, 2^256 / (target + 1), computed as
 * Core does, (~target / (target + 1)) + 1, since 2^256 does not fit a uint256.
 * Invalid targets (negative, overflowing, zero) count as no work.
 */
export function blockWork(nBits: number, options: WorkOptions = {}): bigint {
  const { target, negative, overflow } = decodeCompact(nBits);
  if (negative || overflow || target === 0n) return 0n;
  return (UINT256_MAX ^ target) / (target + 1n) + (options.plusOne ?? true ? 1n : 0n);
}

/** The consensus parameters proof of work depends on (Consensus::Params in Core). */
export interface PowParams {
  /** Easiest allowed target (Consensus::Params::powLimit). */
  powLimit: bigint;
  /** Seconds one difficulty period should take (nPowTargetTimespan). */
  targetTimespan: number;
  /** Seconds between blocks (nPowTargetSpacing). */
  targetSpacing: number;
  /** fPowNoRetargeting: difficulty never changes (regtest). */
  noRetargeting?: boolean;
}

/** Bitcoin mainnet (chainparams.cpp CMainParams): 2016-block periods of two weeks. */
export const MAINNET_PARAMS: Readonly<PowParams> = Object.freeze({
  powLimit: 0x00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffn,
  targetTimespan: 14 * 24 * 60 * 60,
  targetSpacing: 10 * 60,
});

/** Bitcoin regtest (chainparams.cpp CRegTestParams): trivial target, no retargeting. */
export const REGTEST_PARAMS: Readonly<PowParams> = Object.freeze({
  powLimit: 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffn,
  targetTimespan: 14 * 24 * 60 * 60,
  targetSpacing: 10 * 60,
  noRetargeting: true,
});

/**
 * Short-period parameters for simulated chains: retargets every 8 blocks.
 * powLimit is 2^240 - 1 so that powLimit * 4 * targetTimespan stays below 2^256; Core's
 * pow_tests sanity_check_chainparams demands the same of every retargeting chain, because
 * the retarget multiplication would otherwise wrap.
 */
export const SIM_PARAMS: Readonly<PowParams> = Object.freeze({
  powLimit: (1n << 240n) - 1n,
  targetTimespan: 8 * 60,
  targetSpacing: 60,
});

/** Consensus::Params::DifficultyAdjustmentInterval: blocks per difficulty period. */
export function difficultyAdjustmentInterval(params: PowParams): number {
  return Math.trunc(params.targetTimespan / params.targetSpacing);
}

export interface RetargetOptions extends EncodeOptions {
  /** Clamp the measured timespan to [T/4, 4T]. `false` is a mutant. */
  clamp?: boolean;
  /** Never make the target easier than powLimit. `false` is a mutant. */
  capAtPowLimit?: boolean;
  /**
   * Where a period's measurement starts. 'period-start' (Core): the first block of the period,
   * so interval - 1 block intervals are measured. 'full-interval' (a mutant, Litecoin's
   * time-warp fix applied to Bitcoin): one block further back, interval intervals, except at
   * the first retarget, which has no block before genesis.
   */
  measureFrom?: 'period-start' | 'full-interval';
  /**
   * Which height decides that a block retargets. 'new-block' (Core): (pindexLast->nHeight + 1)
   * % interval == 0. 'parent' (a mutant): the parent's height, pindexLast->nHeight % interval,
   * so retargets happen one block early, measured back to genesis at most.
   */
  boundary?: 'new-block' | 'parent';
}

/**
 * CalculateNextWorkRequired: scale the last target by actual / target timespan.
 * Core multiplies with base_uint::operator*=(uint32_t) (a standard conversion beats the
 * base_uint(uint64_t) constructor in overload resolution), so the timespan is taken mod 2^32;
 * that only matters for the unclamped mutant with a negative or huge timespan.
 */
export function calculateNextWorkRequired(
  lastBits: number,
  lastBlockTime: number,
  firstBlockTime: number,
  params: PowParams,
  options: RetargetOptions = {},
): number {
  if (params.noRetargeting) return toUint32(lastBits);
  const timespan = params.targetTimespan;
  let actual = lastBlockTime - firstBlockTime;
  if (options.clamp ?? true) {
    const min = Math.trunc(timespan / 4);
    if (actual < min) actual = min;
    if (actual > timespan * 4) actual = timespan * 4;
  }
  let target = decodeCompact(lastBits).target;
  target = BigInt.asUintN(UINT256_BITS, target * BigInt.asUintN(32, BigInt(actual)));
  target /= BigInt(timespan);
  if ((options.capAtPowLimit ?? true) && target > params.powLimit) target = params.powLimit;
  return encodeCompact(target, false, options);
}

/** What retargeting needs to know about a block. */
export interface PowHeader {
  bits: number;
  time: number;
}

/** Returns the block at `height` on the chain being extended. */
export type AncestorLookup = (height: number) => PowHeader;

/** An AncestorLookup over an array indexed by height; throws on a missing height. */
export function ancestorsOf(chain: readonly PowHeader[]): AncestorLookup {
  return (height) => {
    const block = chain[height];
    if (block === undefined) throw new RangeError(`no block at height ${height}`);
    return block;
  };
}

/**
 * GetNextWorkRequired (without testnet's min-difficulty rule): the nBits a block at `height`
 * must carry. At a multiple of the interval it retargets from the period's first block,
 * height - interval, to its last, height - 1: only interval - 1 block intervals are measured
 * (Bitcoin's "2015 of 2016" off-by-one, kept because it is consensus). Elsewhere the
 * previous bits carry over. Height 0 gets powLimit (Core hard-codes genesis nBits instead).
 */
export function nextWorkRequired(
  height: number,
  getAncestor: AncestorLookup,
  params: PowParams,
  options: RetargetOptions = {},
): number {
  if (!Number.isInteger(height) || height < 0) throw new RangeError(`bad height ${height}`);
  if (height === 0) return encodeCompact(params.powLimit, false, options);
  const last = getAncestor(height - 1);
  const interval = difficultyAdjustmentInterval(params);
  const parentBoundary = options.boundary === 'parent';
  if ((parentBoundary ? height - 1 : height) % interval !== 0) return toUint32(last.bits);
  let firstHeight = height - interval;
  if (options.measureFrom === 'full-interval' && height !== interval) firstHeight -= 1;
  const first = getAncestor(Math.max(0, firstHeight));
  return calculateNextWorkRequired(last.bits, last.time, first.time, params, options);
}

/** CheckProofOfWork's range check on nBits alone: not negative, zero, overflowing or too easy. */
export function checkProofOfWorkBits(nBits: number, params: PowParams): boolean {
  const { target, negative, overflow } = decodeCompact(nBits);
  return !negative && target !== 0n && !overflow && target <= params.powLimit;
}

/** CheckProofOfWork: the bits are in range and the hash (as a uint256) is at most the target. */
export function checkProofOfWork(hash: bigint, nBits: number, params: PowParams): boolean {
  return checkProofOfWorkBits(nBits, params) && hash <= decodeCompact(nBits).target;
}
