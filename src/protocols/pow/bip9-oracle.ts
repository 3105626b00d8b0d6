/**
 * An independent oracle for the BIP9 deployment state of a block, what the bip9-state
 * invariant judges the reducer by (the reducer keeps the state per block with bip9.ts
 * nextPeriodState; this file shares none of that code).
 *
 * Written from bitcoin/bips bip-0009.mediawiki, "State transitions" (GetStateForBlock): the
 * state of a period is decided at its first block from the state of the previous period and
 * the previous period's last block (its median time past, and how many of the period's blocks
 * signal). One rule is Core's rather than the BIP's: versionbits.cpp GetStateFor stops at any
 * boundary whose median time past is below the start time and calls it DEFINED; on chains
 * whose times never go back (every simulated chain) the two agree.
 *
 * Here the chain is walked once into an array and the periods are folded forward over it,
 * where bip9.ts steps one period at a time through a lookup.
 */
import type { Deployment, DeploymentState } from './bip9.ts';
import { type Block, MEMO_LIMIT } from './messages.ts';

/** BIP9: a version signals iff its top three bits are 001 and the deployment's bit is set. */
function signalsBit(version: number, bit: number): boolean {
  return version >>> 29 === 1 && ((version >>> bit) & 1) === 1;
}

/** A block of the chain by height (genesis is 0). */
type Ancestor = (height: number) => Block;

/** GetMedianTimePast (chain.h): the middle of the sorted times of a block and its 10 predecessors. */
function medianTime(chain: Ancestor, height: number): number {
  const times: number[] = [];
  for (let h = Math.max(0, height - 10); h <= height; h++) times.push(chain(h).time);
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

/** The state of the period after the one that ends with chain(last). */
function step(state: DeploymentState, chain: Ancestor, last: number, d: Deployment): DeploymentState {
  const mtp = medianTime(chain, last);
  if (mtp < d.startTime) return 'DEFINED'; // Core's GetStateFor (see above)
  if (state === 'DEFINED') return mtp >= d.timeout ? 'FAILED' : 'STARTED';
  if (state === 'STARTED') {
    if (mtp >= d.timeout) return 'FAILED';
    let signalling = 0;
    for (let h = last - d.period + 1; h <= last; h++) if (signalsBit(chain(h).version, d.bit)) signalling++;
    return signalling >= d.threshold ? 'LOCKED_IN' : 'STARTED';
  }
  if (state === 'LOCKED_IN') return 'ACTIVE';
  return state; // ACTIVE and FAILED are final
}

/** States already folded, by the id of a period's last block (an id fixes the whole chain below it). */
const byBoundary = new WeakMap<Deployment, Map<string, DeploymentState>>();

/**
 * The deployment state of a block at `height` whose ancestors, genesis first, are `below`
 * (below.length === height). Only ancestors decide it.
 */
export function oracleDeploymentState(below: readonly Block[], height: number, d: Deployment): DeploymentState {
  if (below.length !== height) throw new RangeError(`a block at height ${height} needs ${height} ancestors, got ${below.length}`);
  return deploymentStateOf((h) => below[h]!, height, d);
}

/**
 * The same with the ancestors given by height, `ancestor(h)` for h < height: a caller holding
 * a block tree walks only as far down as the fold reads (usually to the latest period
 * boundary already folded) instead of listing the chain to genesis.
 */
export function deploymentStateOf(ancestor: Ancestor, height: number, d: Deployment): DeploymentState {
  let memo = byBoundary.get(d);
  if (memo === undefined) byBoundary.set(d, (memo = new Map()));
  const periods = Math.floor(height / d.period);
  // Find the latest period already known, then fold forward from it.
  let k = periods;
  let state: DeploymentState = 'DEFINED';
  for (; k > 0; k--) {
    const known = memo.get(ancestor(k * d.period - 1).id);
    if (known !== undefined) {
      state = known;
      break;
    }
  }
  for (k += 1; k <= periods; k++) {
    const last = k * d.period - 1;
    state = step(state, ancestor, last, d);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(ancestor(last).id, state);
  }
  return state;
}
