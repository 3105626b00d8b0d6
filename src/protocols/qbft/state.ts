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

/**
 * `s` with the fields of `change` replaced (a field given as undefined is left as it was: no
 * field of the state is ever undefined). Written out field by field, in the order init lists
 * them (the order traces print, so fixtures keep their fingerprints), because an object spread
 * `{ ...s, x }` of a reducer state measured several times slower in V8 than one literal (see
 * ibft/state.ts updated).
 */
export function updated(s: QbftState, change: Partial<QbftState>): QbftState {
  return {
    self: s.self,
    n: s.n,
    options: s.options,
    flags: s.flags,
    seq: change.seq ?? s.seq,
    round: change.round ?? s.round,
    ticks: change.ticks ?? s.ticks,
    committee: change.committee ?? s.committee,
    quorum: change.quorum ?? s.quorum,
    f: change.f ?? s.f,
    accepted: change.accepted !== undefined ? change.accepted : s.accepted,
    prepared: change.prepared !== undefined ? change.prepared : s.prepared,
    committedRound: change.committedRound ?? s.committedRound,
    proposedRound: change.proposedRound ?? s.proposedRound,
    chain: change.chain ?? s.chain,
    log: change.log ?? s.log,
  };
}
