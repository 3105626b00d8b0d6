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
  /** "for the first time" guards of L34, L36, L47 for this round (bits FIRED_L34 | FIRED_L36 | FIRED_L47). */
  readonly fired: number;
}

export const FIRED_L34 = 1;
export const FIRED_L36 = 2;
export const FIRED_L47 = 4;

/**
 * Rounds up to this far ahead of the node's own round live in the dense per-round array;
 * later ones (a node that fell far behind, or a Byzantine node's made-up round) go to the
 * sparse map, so that one message can never make the array huge. Nothing is dropped.
 */
export const MAX_ROUNDS_AHEAD = 64;

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
  /** The message log of the current height, indexed by round (L53 empties it at a new height). */
  readonly rounds: readonly (RoundLog | undefined)[];
  /**
   * The sparse rest of the log, keyed `${height}/${round}`: messages for later heights, and
   * for rounds of this height beyond round + MAX_ROUNDS_AHEAD. The array wins where both hold
   * a round.
   */
  readonly future: ReadonlyMap<string, RoundLog>;
}

export const EMPTY_ROUND: RoundLog = { proposals: [], prevotes: [], precommits: [], senders: [], fired: 0 };

export function roundKey(height: number, round: number): string {
  return `${height}/${round}`;
}

export function roundLog(s: TendermintState, height: number, round: number): RoundLog {
  if (height < s.height) return EMPTY_ROUND;
  if (height === s.height) {
    const dense = s.rounds[round];
    if (dense !== undefined || s.future.size === 0) return dense ?? EMPTY_ROUND;
  }
  return s.future.get(roundKey(height, round)) ?? EMPTY_ROUND;
}

/** Every round log of the current height with its round, dense ones first. */
export function currentRounds(s: TendermintState): { round: number; log: RoundLog }[] {
  const out: { round: number; log: RoundLog }[] = [];
  for (let r = 0; r < s.rounds.length; r++) {
    const log = s.rounds[r];
    if (log !== undefined) out.push({ round: r, log });
  }
  if (s.future.size > 0) {
    const prefix = `${s.height}/`;
    for (const [key, log] of s.future) {
      const round = Number(key.slice(prefix.length));
      if (key.startsWith(prefix) && s.rounds[round] === undefined) out.push({ round, log });
    }
  }
  return out;
}

/** The state with the log of (height, round) replaced; height must be current or future. */
export function withRound(s: TendermintState, height: number, round: number, update: (r: RoundLog) => RoundLog): TendermintState {
  const before = roundLog(s, height, round);
  const after = update(before);
  if (after === before) return s;
  if (height === s.height && round <= s.round + MAX_ROUNDS_AHEAD) {
    const rounds = s.rounds.slice();
    while (rounds.length < round) rounds.push(undefined);
    rounds[round] = after;
    const key = roundKey(height, round);
    if (!s.future.has(key)) return { ...s, rounds };
    // The round came near: its log moves from the sparse map to the array.
    const future = new Map(s.future);
    future.delete(key);
    return { ...s, rounds, future };
  }
  const future = new Map(s.future);
  future.set(roundKey(height, round), after);
  return { ...s, future };
}

/** Move to a new height: its early messages become the log, older ones are forgotten (L53). */
export function logForHeight(s: TendermintState, height: number): Pick<TendermintState, 'rounds' | 'future'> {
  const rounds: (RoundLog | undefined)[] = [];
  const future = new Map<string, RoundLog>();
  for (const [key, log] of s.future) {
    const slash = key.indexOf('/');
    const h = Number(key.slice(0, slash));
    const r = Number(key.slice(slash + 1));
    if (h === height && r <= MAX_ROUNDS_AHEAD) {
      while (rounds.length < r) rounds.push(undefined);
      rounds[r] = log;
    } else if (h >= height) future.set(key, log);
  }
  return { rounds, future };
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
