/**
 * The chain parameters the simulated PoW network runs with, chosen so that short schedules
 * (a few dozen adversary choices) reach every rule the mutants break:
 *
 *  - a retarget every 2 blocks (targetTimespan = 2 * targetSpacing), so the first retarget is
 *    at height 2 and measures one block interval (Bitcoin's "interval - 1" off-by-one, kept);
 *  - timestamp offsets of 1 s, 60 s and 600 s against a 120 s timespan clamped to [30, 480] s:
 *    a 1 s block is below the lower clamp (target / 4 instead of / 120), a 600 s block above
 *    the upper one (x4 instead of x5), a 60 s block halves the target;
 *  - powLimit = 2^240 - 1 (as SIM_PARAMS): an easing retarget from genesis bits is capped at
 *    powLimit, whose top mantissa byte 0xff needs the sign fix (0x1f00ffff, not 0x1effffff,
 *    which reads back as negative); so do targets such as 3/4 powLimit.
 *
 * The test `the simulated parameters reach every retarget rule` in properties/pow.test.ts
 * checks these claims on generated runs.
 */
import type { PowParams } from './arith.ts';
import type { Deployment } from './bip9.ts';

export const POW_PARAMS: Readonly<PowParams> = Object.freeze({
  powLimit: (1n << 240n) - 1n,
  targetTimespan: 2 * 60,
  targetSpacing: 60,
});

/** Seconds a mined block's time lies after its parent's: the `k` of event `mine:<k>`. */
export const TIME_OFFSETS: readonly number[] = Object.freeze([1, 60, 600]);

/** Bitcoin's genesis timestamp (2009-01-03 18:15:05 UTC); any constant would do. */
export const GENESIS_TIME = 1_231_006_505;

/** nVersion of genesis and of blocks that do not signal: BIP9 top bits 001, no bit set. */
export const VERSION_BASE = 0x20000000;

/**
 * A BIP9 deployment on bit 1 with 4-block periods and a threshold of 3. It may start once
 * the median time past reaches genesis + 60 s and fails at genesis + 3000 s (about 15 blocks
 * at the mean offset of 220 s), so that runs of a dozen blocks pass DEFINED -> STARTED ->
 * LOCKED_IN -> ACTIVE when miners signal, and FAIL when they do not in time.
 */
export const POW_DEPLOYMENT: Readonly<Deployment> = Object.freeze({
  bit: 1,
  startTime: GENESIS_TIME + 60,
  timeout: GENESIS_TIME + 3000,
  period: 4,
  threshold: 3,
});

/** The version a mined block carries: signalling for the deployment or not. */
export function blockVersion(signal: boolean, deployment: Deployment = POW_DEPLOYMENT): number {
  return signal ? (VERSION_BASE | (1 << deployment.bit)) >>> 0 : VERSION_BASE;
}
