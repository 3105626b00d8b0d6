import type { NodeId } from '../../core/types.ts';
import type { TendermintFlags } from './mutants.ts';

export type StepName = 'propose' | 'prevote' | 'precommit';

/** A proposal as received: the value, its id (computed once on receipt) and the proof-of-lock round. */
export interface ReceivedProposal {
  readonly value: string;
  readonly id: string;
  readonly validRound: number;
}

export interface Vote {
  readonly from: NodeId;
  /** id(v), or null for nil. */
  readonly id: string | null;
}

/** Everything a node received for one (height, round): the paper's message log, per round. */
export interface RoundLog {
  /**
   * Proposals from proposer(h, r), in arrival order. A correct proposer sends one; a
   * Byzantine one may equivocate, and then every rule may match any of them, as in the
   * paper (keeping only the first one can stall a node forever: fixture tendermint/equivocating-proposer).
   */
  readonly proposals: readonly ReceivedProposal[];
  readonly prevotes: readonly Vote[];
  readonly precommits: readonly Vote[];
  /** Distinct senders of any message in this round (L55). */
  readonly senders: readonly NodeId[];
}

/** The state of process p in Algorithm 1 (L1-L9) plus its message log. */
export interface TendermintState {
  readonly self: NodeId;
  readonly n: number;
  /** 2f+1 (or the mutant's threshold): the reducer's own quorum. */
  readonly quorum: number;
  /** f+1 (L55). */
  readonly weakQuorum: number;
  readonly flags: TendermintFlags;
  readonly height: number;
  readonly round: number;
  readonly step: StepName;
  /** decision_p[]: value decided at each height. */
  readonly decisions: readonly string[];
  readonly lockedValue: string | null;
  readonly lockedRound: number;
  readonly validValue: string | null;
  readonly validRound: number;
  /** Message log keyed by `${height}/${round}`; only the current and future heights are kept (L53). */
  readonly log: ReadonlyMap<string, RoundLog>;
  /** "for the first time" guards of L34, L36, L47, keyed `${rule}/${height}/${round}`. */
  readonly fired: ReadonlySet<string>;
}

export const EMPTY_ROUND: RoundLog = { proposals: [], prevotes: [], precommits: [], senders: [] };

export function roundKey(height: number, round: number): string {
  return `${height}/${round}`;
}

export function roundLog(s: TendermintState, height: number, round: number): RoundLog {
  return s.log.get(roundKey(height, round)) ?? EMPTY_ROUND;
}

/**
 * Votes are kept as distinct (sender, id) pairs: a Byzantine sender that equivocates counts
 * once for each value it voted for, and once in "2f+1 of any kind" (L34, L47). Counting only
 * its first vote instead can stall a proof of lock forever (fixture tendermint/equivocation-stall).
 */
export function countVotes(votes: readonly Vote[], id: string | null): number {
  let c = 0;
  for (const v of votes) if (v.id === id) c++;
  return c;
}

/** Number of distinct senders among the votes (for "2f+1 ⟨PREVOTE, h, r, ∗⟩"). */
export function countSenders(votes: readonly Vote[]): number {
  let c = 0;
  for (let i = 0; i < votes.length; i++) {
    const from = votes[i]!.from;
    let seen = false;
    for (let j = 0; j < i; j++) if (votes[j]!.from === from) { seen = true; break; }
    if (!seen) c++;
  }
  return c;
}
