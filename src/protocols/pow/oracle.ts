/**
 * An independent oracle for Bitcoin's proof-of-work arithmetic: what the invariants
 * (invariants.ts) and the reference fork choice (reference.ts) judge the reducer by.
 *
 * It is written from the definitions in Bitcoin Core, and on purpose unlike arith.ts (the
 * reducer's arithmetic), so that one bug cannot sit in both:
 *  - compact nBits (arith_uint256.cpp SetCompact / GetCompact) are read and written as hex
 *    digits: a size byte, three mantissa bytes, the value mantissa * 256^(size - 3) spelled out
 *    as a hex string; the sign bit is the top bit of the first mantissa byte;
 *  - block work (chain.cpp GetBlockProof) is the definition, 2^256 / (target + 1), divided
 *    directly (bigint has no 256-bit limit, so Core's (~target / (target + 1)) + 1 detour is
 *    not needed);
 *  - the retarget (pow.cpp GetNextWorkRequired / CalculateNextWorkRequired) is plain bigint
 *    on the decoded target: clamp the measured time, scale, cap at powLimit, encode.
 *
 * This file must never import arith.ts, rules.ts, state.ts or reducer.ts (type-only imports
 * excepted): properties/pow-oracle.test.ts reads the import graph and fails if it does.
 */
import { boundedMemo } from '../../core/hash.ts';
import type { Block } from './messages.ts';

const TWO_POW_256 = 2n ** 256n;

/** The parts of Consensus::Params the oracle reads (structurally the same as arith.ts PowParams). */
export interface OracleParams {
  readonly powLimit: bigint;
  readonly targetTimespan: number;
  readonly targetSpacing: number;
  readonly noRetargeting?: boolean;
}

export interface CompactReading {
  /** The value mod 2^256 (Core's fixed-width shift drops what lies beyond). */
  readonly target: bigint;
  readonly negative: boolean;
  /** The exact value mantissa * 256^(size - 3) does not fit 256 bits. */
  readonly overflow: boolean;
}

function byteHex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/**
 * SetCompact, byte by byte: "ss m1 m2 m3" with the sign in m1's top bit. With size >= 3 the
 * value is the mantissa followed by size - 3 zero bytes; with size < 3 only the first `size`
 * mantissa bytes survive. The sign only counts when the surviving value is not zero.
 */
function readCompactUncached(nBits: number): CompactReading {
  if (!Number.isInteger(nBits) || nBits < -0x80000000 || nBits > 0xffffffff) {
    throw new RangeError(`nBits must be a 32-bit integer, got ${nBits}`);
  }
  const hex = (nBits >>> 0).toString(16).padStart(8, '0');
  const size = parseInt(hex.slice(0, 2), 16);
  const first = parseInt(hex.slice(2, 4), 16);
  const mantissa = [first & 0x7f, parseInt(hex.slice(4, 6), 16), parseInt(hex.slice(6, 8), 16)];
  const kept = size >= 3 ? mantissa : mantissa.slice(0, size);
  const digits = kept.map(byteHex).join('') + '00'.repeat(Math.max(0, size - 3));
  const value = digits === '' ? 0n : BigInt(`0x${digits}`);
  return {
    target: value % TWO_POW_256,
    negative: value !== 0n && first >= 0x80,
    overflow: value >= TWO_POW_256,
  };
}

export const readCompact: (nBits: number) => CompactReading = boundedMemo(readCompactUncached);

/**
 * GetCompact: the size is the target's length in bytes, the mantissa its first three bytes
 * (zero-filled on the right when shorter). A first byte >= 0x80 would read back as the sign,
 * so the mantissa then starts with a zero byte instead and the size grows by one.
 */
export function writeCompact(target: bigint, negative = false): number {
  if (target < 0n || target >= TWO_POW_256) throw new RangeError(`target must be a uint256, got ${target}`);
  if (target === 0n) return 0;
  let hex = target.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let size = hex.length / 2;
  let mantissa = `${hex}0000`.slice(0, 6);
  if (parseInt(mantissa.slice(0, 2), 16) >= 0x80) {
    mantissa = `00${mantissa.slice(0, 4)}`;
    size += 1;
  }
  const m = parseInt(mantissa, 16);
  return size * 0x1000000 + m + (negative && m !== 0 ? 0x800000 : 0);
}

/** GetBlockProof: 2^256 / (target + 1); bits that are negative, overflow or encode zero give no work. */
function workUncached(nBits: number): bigint {
  const { target, negative, overflow } = readCompact(nBits);
  if (negative || overflow || target === 0n) return 0n;
  return TWO_POW_256 / (target + 1n);
}

export const oracleWork: (nBits: number) => bigint = boundedMemo(workUncached);

/** CheckProofOfWork's range check: a positive target, not negative, no overflow, at most powLimit. */
export function oracleBitsInRange(nBits: number, params: OracleParams): boolean {
  const { target, negative, overflow } = readCompact(nBits);
  return !negative && !overflow && target !== 0n && target <= params.powLimit;
}

const retargetMemo = new WeakMap<OracleParams, Map<string, number>>();

/**
 * CalculateNextWorkRequired from the last block's nBits and the time the period measured:
 * clamp the time to [T/4, 4T] (T/4 in integer division, as Core's int64), multiply the
 * decoded target by it, divide by T, cap at powLimit, encode. For parameters Core accepts
 * (powLimit * 4T below 2^256, pow_tests sanity_check_chainparams) nothing here exceeds 256
 * bits, so no wrap-around is modelled.
 */
export function oracleRetarget(lastBits: number, measured: number, params: OracleParams): number {
  if (params.noRetargeting) return lastBits >>> 0;
  let byKey = retargetMemo.get(params);
  if (byKey === undefined) retargetMemo.set(params, (byKey = new Map()));
  const key = `${lastBits}/${measured}`;
  const hit = byKey.get(key);
  if (hit !== undefined) return hit;
  const T = params.targetTimespan;
  const clamped = Math.min(Math.max(measured, Math.trunc(T / 4)), 4 * T);
  const scaled = (readCompact(lastBits).target * BigInt(clamped)) / BigInt(T);
  const bits = writeCompact(scaled > params.powLimit ? params.powLimit : scaled);
  if (byKey.size >= 100_000) byKey.clear();
  byKey.set(key, bits);
  return bits;
}

/** Blocks per difficulty period: nPowTargetTimespan / nPowTargetSpacing. */
export function blocksPerPeriod(params: OracleParams): number {
  return Math.floor(params.targetTimespan / params.targetSpacing);
}

/** What the retarget reads of a block. */
export interface TimedBits {
  readonly bits: number;
  readonly time: number;
}

/**
 * GetNextWorkRequired: the nBits the block at `height` must carry, given its ancestors by
 * height (`ancestor(h)` for h < height). Genesis carries powLimit. Inside a period the
 * parent's bits carry over; the first block of a period (height a multiple of the period)
 * measures from the previous period's first block to its last, the parent: period - 1 block
 * intervals, Core's off-by-one (kept: it is consensus).
 */
export function oracleRequiredBits(height: number, ancestor: (h: number) => TimedBits, params: OracleParams): number {
  if (height === 0) return writeCompact(params.powLimit);
  const parent = ancestor(height - 1);
  const period = blocksPerPeriod(params);
  if (height % period !== 0) return parent.bits >>> 0;
  return oracleRetarget(parent.bits, parent.time - ancestor(height - period).time, params);
}

/**
 * The block at `height` below `from` in a block map keyed by id (the oracle's own walk down
 * parent links; it shares nothing with state.ts).
 */
export function blockBelow(byId: ReadonlyMap<string, { readonly block: Block }>, from: Block, height: number): Block {
  if (height > from.height || height < 0) throw new RangeError(`no ancestor at height ${height} below height ${from.height}`);
  let b = from;
  while (b.height > height) {
    const up = byId.get(b.parent);
    if (up === undefined) throw new Error(`block ${b.id} lacks its parent ${b.parent}`);
    b = up.block;
  }
  return b;
}
