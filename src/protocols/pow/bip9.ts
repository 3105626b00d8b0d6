/**
 * BIP9 version-bits deployment state machine, as a pure function of a chain.
 *
 * Specification: bitcoin/bips bip-0009.mediawiki ("State transitions").
 * Reference implementation (read, not copied): bitcoin/bitcoin src/versionbits.cpp
 * AbstractThresholdConditionChecker::GetStateFor and VersionBitsConditionChecker::Condition;
 * median time past from src/chain.h CBlockIndex::GetMedianTimePast.
 *
 * All blocks of a period share one state. The state of period k (heights k*P .. k*P+P-1) is
 * decided by the last block of period k-1 (height k*P-1): its median time past and the
 * signals of the P blocks ending at it. Period 0 is DEFINED by definition.
 */

export type DeploymentState = 'DEFINED' | 'STARTED' | 'LOCKED_IN' | 'ACTIVE' | 'FAILED';

export interface VersionedBlock {
  version: number;
  time: number;
}

export interface Deployment {
  /** Version bit, 0..28 (BIP9 "bit"). */
  bit: number;
  /** Median time past at which signalling may start (BIP9 "starttime"). */
  startTime: number;
  /** Median time past at which an unlocked deployment fails (BIP9 "timeout"). */
  timeout: number;
  /** Blocks per period (nMinerConfirmationWindow; 2016 on mainnet). */
  period: number;
  /** Signalling blocks needed in one period to lock in (nRuleChangeActivationThreshold). */
  threshold: number;
}

/** VERSIONBITS_TOP_MASK / VERSIONBITS_TOP_BITS: only versions with top bits 001 signal. */
const TOP_MASK = 0xe0000000;
const TOP_BITS = 0x20000000;
/** CBlockIndex::nMedianTimeSpan. */
const MEDIAN_TIME_SPAN = 11;

/** VersionBitsConditionChecker::Condition: top bits 001 and the deployment's bit set. */
export function signals(version: number, bit: number): boolean {
  return ((version & TOP_MASK) >>> 0) === TOP_BITS && (version & (1 << bit)) !== 0;
}

/**
 * GetMedianTimePast of the block at `height`: the median of its time and up to 10
 * predecessors' (fewer near genesis; for an even count the upper middle, as Core sorts and
 * takes element size/2).
 */
export function medianTimePast(chain: readonly VersionedBlock[], height: number): number {
  if (!Number.isInteger(height) || height < 0 || height >= chain.length) {
    throw new RangeError(`no block at height ${height}`);
  }
  return medianTimePastOf(arrayLookup(chain), height);
}

/** A chain seen through its blocks by height, for callers that hold a block tree, not an array. */
export type VersionedLookup = (height: number) => VersionedBlock;

function arrayLookup(chain: readonly VersionedBlock[]): VersionedLookup {
  return (h) => {
    const b = chain[h];
    if (b === undefined) throw new RangeError(`no block at height ${h}`);
    return b;
  };
}

/** medianTimePast over a lookup: reads only heights max(0, height - 10) .. height. */
export function medianTimePastOf(getBlock: VersionedLookup, height: number): number {
  if (!Number.isInteger(height) || height < 0) throw new RangeError(`no block at height ${height}`);
  const from = Math.max(0, height - MEDIAN_TIME_SPAN + 1);
  const times: number[] = [];
  for (let h = from; h <= height; h++) times.push(getBlock(h).time);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function validateDeployment(d: Deployment): void {
  if (!Number.isInteger(d.bit) || d.bit < 0 || d.bit > 28) throw new RangeError(`bad bit ${d.bit}`);
  if (!Number.isInteger(d.period) || d.period < 1) throw new RangeError(`bad period ${d.period}`);
}

/** The next period's state, given this period's state and its last block (`boundary`). */
function transition(
  state: DeploymentState,
  chain: readonly VersionedBlock[],
  boundary: number,
  d: Deployment,
): DeploymentState {
  return nextPeriodState(state, arrayLookup(chain), boundary, d);
}

/**
 * One step of the state machine, over a lookup: the state of the period that starts at
 * `boundary + 1`, from the state of the period ending at `boundary` (its last block). Reads
 * only the period's blocks and the 11 whose median time past is taken, so a node holding a
 * block tree can keep the state per block incrementally.
 */
export function nextPeriodState(
  state: DeploymentState,
  getBlock: VersionedLookup,
  boundary: number,
  d: Deployment,
): DeploymentState {
  validateDeployment(d);
  if (!Number.isInteger(boundary) || boundary < d.period - 1 || (boundary + 1) % d.period !== 0) {
    throw new RangeError(`height ${boundary} does not end a period of ${d.period} blocks`);
  }
  const mtp = medianTimePastOf(getBlock, boundary);
  // Core's GetStateFor stops walking back at any boundary with MTP < startTime and calls it
  // DEFINED, whatever came before. On valid chains MTP never decreases, so this coincides
  // with the BIP's plain recursion; we follow Core for chains that break that.
  if (mtp < d.startTime) return 'DEFINED';
  switch (state) {
    case 'DEFINED':
      if (mtp >= d.timeout) return 'FAILED';
      return 'STARTED'; // mtp >= startTime, checked above
    case 'STARTED': {
      // The timeout takes precedence over lock-in (BIP9: avoids two deployments on one bit).
      if (mtp >= d.timeout) return 'FAILED';
      let count = 0;
      for (let h = boundary - d.period + 1; h <= boundary; h++) {
        if (signals(getBlock(h).version, d.bit)) count++;
      }
      return count >= d.threshold ? 'LOCKED_IN' : 'STARTED';
    }
    case 'LOCKED_IN':
      return 'ACTIVE';
    case 'ACTIVE':
    case 'FAILED':
      return state; // terminal
  }
}

export interface PeriodState {
  /** Period index k. */
  period: number;
  /** Height of the period's first block, k * period. */
  startHeight: number;
  state: DeploymentState;
}

/**
 * The state of every period whose state the chain determines: periods 0..floor(n / P) for a
 * chain of n blocks (the last may be the period the next block would open).
 */
export function stateHistory(chain: readonly VersionedBlock[], deployment: Deployment): PeriodState[] {
  validateDeployment(deployment);
  const P = deployment.period;
  const history: PeriodState[] = [{ period: 0, startHeight: 0, state: 'DEFINED' }];
  let state: DeploymentState = 'DEFINED';
  for (let k = 1; k * P <= chain.length; k++) {
    state = transition(state, chain, k * P - 1, deployment);
    history.push({ period: k, startHeight: k * P, state });
  }
  return history;
}

/**
 * The deployment state of the block at `height`, which depends only on chain[0 .. height-1]
 * (Core's VersionBitsState with pindexPrev at height - 1). `height` may be chain.length: the
 * state the next block to be mined is under.
 */
export function deploymentState(
  chain: readonly VersionedBlock[],
  height: number,
  deployment: Deployment,
): DeploymentState {
  if (!Number.isInteger(height) || height < 0 || height > chain.length) {
    throw new RangeError(`height ${height} outside 0..${chain.length}`);
  }
  validateDeployment(deployment);
  const period = Math.floor(height / deployment.period);
  // Only the ancestors decide; slicing keeps later blocks out by construction.
  const history = stateHistory(chain.slice(0, period * deployment.period), deployment);
  return history[period]!.state;
}
