import type { NodeId } from '../../core/types.ts';
import type { ChainOptions } from '../ibft/committee.ts';
import type { PreparedCertificate } from '../ibft/messages.ts';
import type { Received } from '../ibft/state.ts';
import type { QbftFlags } from './mutants.ts';

/** A QBFT node (dafny/spec/L1/types.dfy NodeState), with the committee of its height cached. */
export interface QbftState {
  readonly self: NodeId;
  readonly n: number;
  readonly options: ChainOptions;
  readonly flags: QbftFlags;
  /** |blockchain|: the height being decided. */
  readonly seq: number;
  readonly round: number;
  /** Round-timer firings so far in this round (roundTimeout grows with the round). */
  readonly ticks: number;
  readonly committee: readonly NodeId[];
  readonly quorum: number;
  readonly f: number;
  /** proposalAcceptedForCurrentRound: the block, or null. */
  readonly accepted: string | null;
  /** lastPreparedRound / lastPreparedBlock, with the signers of the PREPAREs that prepared it. */
  readonly prepared: PreparedCertificate | null;
  /** The round of this height in which this node sent its COMMIT, or -1 (UponPrepare sends one per round). */
  readonly committedRound: number;
  /** The highest round of this height this node proposed in, or -1. */
  readonly proposedRound: number;
  readonly chain: readonly string[];
  /** messagesReceived: every message of this height or later, as received. */
  readonly log: readonly Received[];
}
