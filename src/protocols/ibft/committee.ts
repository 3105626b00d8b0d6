import seedrandom from 'seedrandom';
import type { NodeId } from '../../core/types.ts';
import { parseBlock } from './messages.ts';

/*
 * Committee sizes, quorums and proposer selection, as pure functions. The reducers of ibft
 * and qbft take every threshold from here (never inline); the invariants recompute theirs by
 * another formula (invariants.ts), so a slip here is not confirmed by the checks.
 */

/**
 * The quorum rules:
 * - 'ceil2n3': Q = S if S < 4, else ceil(2S/3) (Kaia core.go calcQuorumSize; Klaytn core.go
 *   RequiredMessageCount once isCancunHardforkEnabled, "Adopted QBFT quorum implementation").
 * - '2f1': Q = 2F + 1 (Klaytn's RequiredMessageCount before that fork, the Istanbul rule of
 *   quorum/getamis; for S <= 3, Q = S). Klaytn itself special-cased S = 6 to Q = 4 ("the return
 *   value (int 3) is not safe"); this rule does not, to reproduce the plain 2F + 1.
 */
export type QuorumRule = 'ceil2n3' | '2f1';

/** F = ceil(S/3) - 1 (Kaia core.go calcFaultTolerance; validator/default.go F()). */
export function faultTolerance(size: number): number {
  return Math.ceil(size / 3) - 1;
}

export function quorumSize(size: number, rule: QuorumRule): number {
  if (size < 4) return size;
  return rule === '2f1' ? 2 * faultTolerance(size) + 1 : Math.ceil((2 * size) / 3);
}

/** The committee of the first height: nodes 0..initial-1 (Klaytn sorts validators by address). */
export function initialCommittee(initial: number): NodeId[] {
  return Array.from({ length: initial }, (_, i) => i);
}

/**
 * The committee for height h+1 as a function of the chain up to h (Klaytn: the snapshot's
 * validator set after the votes in the headers, backend/snapshot.go; here a block carries at
 * most one vote, applied from the next height on). Sorted ascending.
 */
export function committeeAfter(committee: readonly NodeId[], block: string): NodeId[] {
  const vote = parseBlock(block)?.vote ?? null;
  if (vote === null) return [...committee];
  if (vote.vote === 'add') return committee.includes(vote.node) ? [...committee] : [...committee, vote.node].sort((a, b) => a - b);
  return committee.filter((x) => x !== vote.node);
}

/** A vote is valid if it adds an existing non-member or removes a member without emptying the committee. */
export function voteIsValid(committee: readonly NodeId[], n: number, block: string): boolean {
  const vote = parseBlock(block)?.vote ?? null;
  if (vote === null) return true;
  if (vote.node >= n) return false;
  return vote.vote === 'add' ? !committee.includes(vote.node) : committee.includes(vote.node) && committee.length > 1;
}

/** The proposer policies of Klaytn (consensus/istanbul/validator/default.go and weighted.go). */
export type ProposerPolicy = 'round-robin' | 'sticky' | 'weighted-random';

export interface ProposerContext {
  /** The committee of the height, sorted. */
  readonly committee: readonly NodeId[];
  /** The proposer of the previous block, or null at the first height. */
  readonly lastProposer: NodeId | null;
  readonly seq: number;
  readonly round: number;
}

/**
 * RoundRobin (default.go roundRobinProposer): with idx the index of the last block's proposer
 * in the committee (calcSeed: 0 if it left the committee), pick V[(idx + round + 1) mod S];
 * at the first height, V[round mod S].
 */
export function roundRobinProposer(ctx: ProposerContext): NodeId {
  const seed = ctx.lastProposer === null ? ctx.round : Math.max(0, ctx.committee.indexOf(ctx.lastProposer)) + ctx.round + 1;
  return ctx.committee[seed % ctx.committee.length]!;
}

/** Sticky (default.go stickyProposer): V[(idx + round) mod S]: the last proposer stays while rounds succeed. */
export function stickyProposer(ctx: ProposerContext): NodeId {
  const seed = ctx.lastProposer === null ? ctx.round : Math.max(0, ctx.committee.indexOf(ctx.lastProposer)) + ctx.round;
  return ctx.committee[seed % ctx.committee.length]!;
}

/** How many heights one WeightedRandom proposer list serves (Klaytn: proposerUpdateInterval, 3600 on mainnet). */
export const PROPOSER_UPDATE_INTERVAL = 4;

/**
 * Stake weight of a node (Klaytn: staking amount from the staking info; here a fixed, uneven
 * example: 1, 2, 3, 1, 2, 3, ...).
 */
export function stakeWeight(node: NodeId): number {
  return (node % 3) + 1;
}

/**
 * WeightedRandom (weighted.go refreshProposers / weightedRandomProposer): every member
 * appears in a list as many times as its stake weight, the list is shuffled by a generator
 * seeded from the height at which the list was last refreshed (Klaytn: the block hash at
 * the update interval), and the proposer of (seq, round) is list[(seq + round) mod length].
 */
export function weightedRandomProposer(ctx: ProposerContext): NodeId {
  const slots: NodeId[] = [];
  for (const v of ctx.committee) for (let w = 0; w < stakeWeight(v); w++) slots.push(v);
  const refresh = ctx.seq - (ctx.seq % PROPOSER_UPDATE_INTERVAL);
  const rng = seedrandom(`weighted-random/${refresh}/${ctx.committee.join(',')}`);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  return slots[(ctx.seq + ctx.round) % slots.length]!;
}

export function proposerFor(policy: ProposerPolicy, ctx: ProposerContext): NodeId {
  switch (policy) {
    case 'round-robin':
      return roundRobinProposer(ctx);
    case 'sticky':
      return stickyProposer(ctx);
    case 'weighted-random':
      return weightedRandomProposer(ctx);
  }
}

/** The last block's proposer (from its name), or null at the first height. */
export function lastProposerOf(chain: readonly string[]): NodeId | null {
  const last = chain[chain.length - 1];
  return last === undefined ? null : parseBlock(last)?.proposer ?? null;
}

/** What the chain decides beyond consensus: the committee and proposer policy, and whether blocks carry votes. */
export interface ChainOptions {
  readonly proposer: ProposerPolicy;
  /** How many nodes start outside the committee (the last ones: the first committee is 0..n-1-k); they follow the chain passively until a vote adds them. Default 0. */
  readonly initiallyOutside?: number;
  /** Correct proposers put a validator vote in their blocks (see honestVote). */
  readonly validatorChanges: boolean;
}

/**
 * The vote a correct proposer puts in its block when validator changes are on: at even
 * heights add the smallest non-member, at odd heights remove the largest member while the
 * committee has more than 4 members (so it stays Byzantine-tolerant). A function of the
 * chain only, so every correct proposer of one height proposes the same kind of change.
 */
export function honestVote(committee: readonly NodeId[], n: number, seq: number): { vote: 'add' | 'remove'; node: NodeId } | null {
  if (seq % 2 === 0) {
    for (let v = 0; v < n; v++) if (!committee.includes(v)) return { vote: 'add', node: v };
    return null;
  }
  return committee.length > 4 ? { vote: 'remove', node: committee[committee.length - 1]! } : null;
}
