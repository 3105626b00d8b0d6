import type { NodeId } from '../../core/types.ts';
import type { HotStuffFlags } from './mutants.ts';
import type { Block, HotStuffMessage, QC, TC } from './messages.ts';

/** A block a node holds, with its height (genesis 0): the decide height of block b is height(b) - 1. */
export interface StoredBlock {
  readonly block: Block;
  readonly height: number;
}

/** A proposal that arrived before its parent: it is handled again when the parent arrives. */
export interface PendingProposal {
  readonly from: NodeId;
  readonly msg: Extract<HotStuffMessage, { type: 'proposal' }>;
}

/**
 * The state of replica r in Alg. 4 (vheight, b_lock, qc_high; b_exec is the tip of `committed`)
 * plus the pacemaker's view, the block tree and the vote and timeout collectors.
 */
export interface HotStuffState {
  readonly self: NodeId;
  readonly n: number;
  /** n - f = 2f+1: votes in a QC, timeouts in a TC. */
  readonly quorum: number;
  /** f+1: timeouts that make a node give up its view too (at least one correct node gave up). */
  readonly weakQuorum: number;
  readonly flags: HotStuffFlags;
  /** The pacemaker's current view: 1 + the newest certificate (QC or TC) seen. */
  readonly view: number;
  /**
   * libra: vheight, the view of the last vote; strictly increases. jolteon: last_voted_round
   * (diem SafetyData), raised by votes and by timeouts. alg4: the view of the last vote, for
   * display only (alg4's vheight is a height: `vheight`).
   */
  readonly lastVotedView: number;
  /** alg4: vheight of Alg. 4, the height of the last block voted for; 0 elsewhere. */
  readonly vheight: number;
  /** alg4: b_leaf of Alg. 4, the block this node's next proposal extends; genesis elsewhere. */
  readonly leaf: string;
  /** alg4: the height of b_leaf (kept with it: the leaf is this node's own proposal or qc_high's block). */
  readonly leafHeight: number;
  /** The last view this node broadcast a timeout for (0: none). */
  readonly timedOutView: number;
  /** qc_high: the QC of the highest view whose block this node holds. */
  readonly highQC: QC;
  /** The TC of the highest view seen, if any. */
  readonly highTC: TC | null;
  /** b_lock and its view. */
  readonly lockedBlock: string;
  readonly lockedView: number;
  /** Committed block ids, genesis excluded: committed[k] was decided at height k. */
  readonly committed: readonly string[];
  /** The block tree; closed under parents (a block is stored only once its parent is). */
  readonly blocks: ReadonlyMap<string, StoredBlock>;
  /** Proposals whose parent is not here yet (bounded, oldest dropped first). */
  readonly pendingProposals: readonly PendingProposal[];
  /** QCs whose block is not here yet (bounded, oldest dropped first). */
  readonly pendingQCs: readonly QC[];
  /** V[b] of Alg. 4 (every node aggregates, votes being broadcast): `${view}/${blockId}` -> distinct voters. */
  readonly votes: ReadonlyMap<string, readonly NodeId[]>;
  /** Timeout senders per view (views >= the current one). */
  readonly timeouts: ReadonlyMap<number, readonly NodeId[]>;
  /** jolteon: per view, the QC each timeout sender reported (for the TC's highest QC); empty elsewhere. */
  readonly timeoutQCs: ReadonlyMap<number, ReadonlyMap<NodeId, QC>>;
}

/** Leader of view v (round robin). */
export function leader(view: number, n: number): NodeId {
  return view % n;
}

export function voteKey(view: number, block: string): string {
  return `${view}/${block}`;
}
