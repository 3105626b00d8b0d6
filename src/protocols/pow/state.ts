import type { PersistentMap } from '../../core/persistent.ts';
import type { NodeId } from '../../core/types.ts';
import { type PowHeader, blockWork } from './arith.ts';
import type { DeploymentState, VersionedBlock } from './bip9.ts';
import type { Block } from './messages.ts';

/** A block connected to a node's tree, with what the node derived from it on arrival. */
export interface BlockEntry {
  readonly block: Block;
  /**
   * Total work of the chain ending here (nChainWork), as 64 hex digits: fixed width, so string
   * order is numeric order, and plain JSON (states are fingerprinted with JSON.stringify).
   */
  readonly chainwork: string;
  /** Connection order at this node (nSequenceId): of equal candidates the smallest is first seen. */
  readonly seq: number;
  /** BIP9 deployment state of this block (a function of its ancestors only). */
  readonly deployment: DeploymentState;
}

/**
 * One node's view of the block tree. Only valid blocks whose every ancestor is known are in
 * `blocks`; a block whose parent has not arrived waits in `orphans` (see reducer.ts).
 */
export interface PowState {
  readonly self: NodeId;
  readonly genesis: string;
  /**
   * Connected blocks by id, in connection order. A persistent map: connecting a block makes a
   * new version that shares everything with the old one (core/persistent.ts; copying a Map per
   * received block was most of PoW's cost); it reads, iterates and prints (JSON) as a Map does.
   */
  readonly blocks: PersistentMap<string, BlockEntry>;
  /** The tip of the best chain. */
  readonly head: string;
  /** Blocks whose parent is unknown, in arrival order, at most MAX_ORPHANS. */
  readonly orphans: readonly Block[];
  /** Ids of blocks found invalid (and of orphans that descend from them): ignored when seen again. */
  readonly invalid: ReadonlySet<string>;
  readonly nextSeq: number;
  /** Blocks this node mined so far (the next block's nonce). */
  readonly mined: number;
}

/**
 * `s` with the fields a reducer call changes replaced, built field by field in init's order
 * (the order a spread of `s` keeps): an object spread of the state per received block was
 * a measurable part of PoW's cost (profiled: about 6% of a scenario, all spreads together).
 */
export function nextState(
  s: PowState,
  blocks: PowState['blocks'],
  head: string,
  orphans: readonly Block[],
  invalid: ReadonlySet<string>,
  nextSeq: number,
  mined: number,
): PowState {
  return { self: s.self, genesis: s.genesis, blocks, head, orphans, invalid, nextSeq, mined };
}

export function entryOf(s: PowState, id: string): BlockEntry {
  const e = s.blocks.get(id);
  if (e === undefined) throw new Error(`node ${s.self}: no block ${id} in the tree`);
  return e;
}

export function headEntry(s: PowState): BlockEntry {
  return entryOf(s, s.head);
}

export function workHex(x: bigint): string {
  return x.toString(16).padStart(64, '0');
}

export function parseWork(hex: string): bigint {
  return BigInt(`0x${hex}`);
}

const workCache = new Map<number, bigint>();

/** blockWork, memoised by nBits (a pure function of a uint32). */
export function workOf(bits: number): bigint {
  let w = workCache.get(bits);
  if (w === undefined) {
    if (workCache.size >= 100_000) workCache.clear();
    w = blockWork(bits);
    workCache.set(bits, w);
  }
  return w;
}

/** The block at `height` on the chain ending at `tip` (an ancestor or the tip itself). */
export function ancestorAt(blocks: ReadonlyMap<string, { readonly block: Block }>, tip: string, height: number): Block {
  let e = blocks.get(tip);
  if (e === undefined) throw new RangeError(`no block ${tip}`);
  if (height > e.block.height || height < 0) throw new RangeError(`no ancestor at height ${height} of a block at height ${e.block.height}`);
  // Bounded by the tip's height: each step goes one block down.
  while (e.block.height > height) {
    const parent = blocks.get(e.block.parent);
    if (parent === undefined) throw new Error(`block ${e.block.id} has no parent ${e.block.parent} in the tree`);
    e = parent;
  }
  return e.block;
}

/** Ancestor lookup for the retarget rule (arith.ts nextWorkRequired) on the chain ending at `tip`. */
export function powLookup(blocks: ReadonlyMap<string, { readonly block: Block }>, tip: string): (height: number) => PowHeader {
  return (height) => ancestorAt(blocks, tip, height);
}

/**
 * Ancestor lookup for BIP9 (bip9.ts nextPeriodState) on the chain ending at `tip`. BIP9 reads
 * the 11 blocks below a boundary one by one, so the walk down is remembered, not repeated.
 */
export function versionLookup(blocks: ReadonlyMap<string, { readonly block: Block }>, tip: string): (height: number) => VersionedBlock {
  let lowest: Block | undefined;
  const byHeight = new Map<number, Block>();
  return (height) => {
    const hit = byHeight.get(height);
    if (hit !== undefined) return hit;
    const start = lowest !== undefined && lowest.height > height ? lowest.id : tip;
    const b = ancestorAt(blocks, start, height);
    // Everything from `start` down to `b` is now known; remember only what was asked for and the lowest point.
    byHeight.set(height, b);
    if (lowest === undefined || b.height < lowest.height) lowest = b;
    return b;
  };
}

/** The chain from genesis to `tip`, indexed by height. */
export function chainTo(blocks: ReadonlyMap<string, { readonly block: Block }>, tip: string): Block[] {
  const out: Block[] = [];
  let e = blocks.get(tip);
  while (e !== undefined) {
    out.push(e.block);
    if (e.block.height === 0) break;
    e = blocks.get(e.block.parent);
  }
  out.reverse();
  if (out[0]?.height !== 0) throw new Error(`the chain ending at ${tip} does not reach genesis`);
  return out;
}
