import type { Effect, NodeId, Timer } from '../../core/types.ts';
import {
  committeeAfter, faultTolerance, honestVote, initialCommittee, lastProposerOf, proposerFor, quorumSize,
} from '../ibft/committee.ts';
import { type IbftMessage, type PreparedCertificate, type SignedRoundChange, makeBlock } from '../ibft/messages.ts';
import { verifyBlock } from '../ibft/rules.ts';
import { type QbftState, updated } from './state.ts';

/*
 * QBFT, one function per upon-rule of the Consensys formal specification
 * (qbft-formal-spec-and-verification, dafny/spec/L1/node.dfy, with the predicates of
 * node_auxiliary_functions.dfy), which is IBFT 2.0 (Saltini & Hyland-Wood, arXiv 1909.10194,
 * Algorithms 1-4): no locks; a ROUND-CHANGE carries the latest prepared certificate; a proposal
 * in round > 0 carries Q round changes and the highest prepared block among them; commit seals
 * are checked on receipt. Each rule returns the next state, or undefined when it does not fire.
 */

export type Fx = Effect<IbftMessage>[];
export type Rule = (s: QbftState, fx: Fx) => QbftState | undefined;

export const ROUND_TIMER = 'roundTimeout';

export function roundTimer(seq: number, round: number): Timer {
  return { name: ROUND_TIMER, height: seq, round };
}

/** roundTimeout(r) grows with the round (IBFT 2.0: t0 * 2^r); here r + 1 timer firings, as for ibft. */
export function roundTimeoutTicks(round: number): number {
  return round + 1;
}

export function isMember(s: QbftState, node: NodeId): boolean {
  return s.committee.includes(node);
}

export function proposerOf(s: Pick<QbftState, 'options' | 'committee' | 'chain'>, seq: number, round: number): NodeId {
  return proposerFor(s.options.proposer, { committee: s.committee, lastProposer: lastProposerOf(s.chain), seq, round });
}

/** Quorum of QBFT (dafny quorum(n) = (2n - 1) / 3 + 1, which is ceil(2n/3) for n >= 4; all of them below). */
function qbftQuorum(size: number): number {
  return quorumSize(size, 'ceil2n3');
}

/** The state at the start of a height whose chain is `chain` (UponCommit / UponNewBlock reset). */
export function heightState(base: QbftState, chain: readonly string[], committee: readonly NodeId[]): QbftState {
  const seq = chain.length;
  return updated(base, {
    seq,
    round: 0,
    ticks: 0,
    chain,
    committee,
    quorum: qbftQuorum(committee.length),
    f: faultTolerance(committee.length),
    accepted: null,
    prepared: null,
    committedRound: -1,
    proposedRound: -1,
    log: base.log.filter((r) => r.msg.seq >= seq),
  });
}

export function initialState(base: QbftState): QbftState {
  return heightState(base, [], initialCommittee(base.n - (base.options.initiallyOutside ?? 0)));
}

function freshBlock(s: QbftState, round: number): string {
  return makeBlock(s.seq, round, s.self, s.options.validatorChanges ? honestVote(s.committee, s.n, s.seq) : null);
}

/** UponBlockTimeout: at the start of a height, the proposer of round 0 proposes a new block, unjustified. */
export function startHeight(s: QbftState, fx: Fx): QbftState {
  fx.push({ kind: 'setTimer', timer: roundTimer(s.seq, 0) });
  if (!isMember(s, s.self) || proposerOf(s, s.seq, 0) !== s.self) return s;
  fx.push({ kind: 'broadcast', msg: { type: 'preprepare', seq: s.seq, round: 0, block: freshBlock(s, 0), rcs: [], cert: null } });
  return updated(s, { proposedRound: 0 });
}

/** Decide a block, move to the next height (UponCommit / UponNewBlock). */
function importBlock(s: QbftState, block: string, fx: Fx): QbftState {
  fx.push({ kind: 'decide', height: s.seq, value: block });
  return startHeight(heightState(s, [...s.chain, block], committeeAfter(s.committee, block)), fx);
}

/** Distinct committee members that sent a message matching `pick`. */
function countSenders(s: QbftState, pick: (m: IbftMessage) => boolean): NodeId[] {
  const who: NodeId[] = [];
  for (const { from, msg } of s.log) if (pick(msg) && isMember(s, from) && !who.includes(from)) who.push(from);
  return who;
}

/** A prepared certificate is valid if Q distinct committee members signed it, in a round below `before`. */
function validCert(s: QbftState, c: PreparedCertificate, before: number): boolean {
  const signers = new Set(c.signers.filter((x) => isMember(s, x)));
  return c.round < before && signers.size >= s.quorum && verifyBlock(s, c.block);
}

/** The round change with the highest prepared round among `rcs`, if any carries one. */
export function highestPrepared(rcs: readonly SignedRoundChange[]): PreparedCertificate | null {
  let best: PreparedCertificate | null = null;
  for (const rc of rcs) if (rc.prepared !== null && (best === null || rc.prepared.round > best.round)) best = rc.prepared;
  return best;
}

/**
 * isValidProposal / isProposalJustification: from the proposer of its round, a valid block,
 * and for round > 0: Q round changes of that round from distinct members with valid
 * certificates; if any carries a prepared block, the proposal is the highest prepared one,
 * with its certificate.
 */
function justified(s: QbftState, from: NodeId, m: Extract<IbftMessage, { type: 'preprepare' }>): boolean {
  if (from !== proposerOf(s, m.seq, m.round) || !verifyBlock(s, m.block)) return false;
  if (m.round === 0) return true;
  const senders = new Set<NodeId>();
  for (const rc of m.rcs) {
    if (rc.round !== m.round || !isMember(s, rc.from)) return false;
    if (rc.prepared !== null && !validCert(s, rc.prepared, m.round)) return false;
    senders.add(rc.from);
  }
  if (senders.size < s.quorum) return false;
  if (s.flags.preparedValueIgnored) return true;
  const best = highestPrepared(m.rcs);
  if (best === null) return true;
  return m.cert !== null && m.block === best.block && m.cert.round === best.round && m.cert.block === best.block && validCert(s, m.cert, m.round);
}

/**
 * UponProposal: a justified proposal of this height for the current round (none accepted yet)
 * or a later one: move to its round, accept it, PREPARE it.
 */
export const uponProposal: Rule = (s, fx) => {
  for (const { from, msg } of s.log) {
    if (msg.type !== 'preprepare' || msg.seq !== s.seq) continue;
    if (!(msg.round > s.round || (msg.round === s.round && s.accepted === null))) continue;
    if (!justified(s, from, msg)) continue;
    if (msg.round > s.round) fx.push({ kind: 'setTimer', timer: roundTimer(s.seq, msg.round) });
    fx.push({ kind: 'broadcast', msg: { type: 'prepare', seq: s.seq, round: msg.round, digest: msg.block } });
    return updated(s, { round: msg.round, ticks: msg.round > s.round ? 0 : s.ticks, accepted: msg.block });
  }
  return undefined;
};

/** UponPrepare: Q PREPAREs for the accepted block in this round, no COMMIT sent yet in it: prepared; COMMIT with a seal. */
export const uponPrepare: Rule = (s, fx) => {
  if (s.accepted === null || s.committedRound === s.round) return undefined;
  const block = s.accepted;
  const who = countSenders(s, (m) => m.type === 'prepare' && m.seq === s.seq && m.round === s.round && m.digest === block);
  if (who.length < s.quorum) return undefined;
  const prepared = { round: s.round, block, signers: [...who].sort((a, b) => a - b) };
  // Mutant commit-needs-all-prepares: prepared on a quorum as written, but COMMIT only on PREPAREs from every member.
  if (s.flags.commitNeedsAllPrepares === true && who.length < s.committee.length) {
    const p = s.prepared;
    return p !== null && p.round === s.round && p.block === block && p.signers.length === who.length ? undefined : updated(s, { prepared });
  }
  fx.push({ kind: 'broadcast', msg: { type: 'commit', seq: s.seq, round: s.round, digest: block, seal: true } });
  return updated(s, { prepared, committedRound: s.round });
};

/** UponCommit: Q COMMITs with valid seals for the accepted block in this round: decide it. */
export const uponCommit: Rule = (s, fx) => {
  if (s.accepted === null) return undefined;
  const block = s.accepted;
  const who = countSenders(s, (m) => m.type === 'commit' && m.seq === s.seq && m.round === s.round && m.digest === block && (m.seal || s.flags.sealUnchecked));
  return who.length >= s.quorum ? importBlock(s, block, fx) : undefined;
};

/** UponNewBlock: a block of this height with Q valid seals of distinct members from one round is imported, by anyone. */
export const uponNewBlock: Rule = (s, fx) => {
  // Tried after every input: first the cheap count that no group can reach Q without.
  let sealed = 0;
  for (const { msg } of s.log) if (msg.type === 'commit' && msg.seq === s.seq && msg.seal) sealed++;
  if (sealed < s.quorum) return undefined;
  const groups = new Map<string, Set<NodeId>>();
  for (const { from, msg } of s.log) {
    if (msg.type !== 'commit' || msg.seq !== s.seq || !msg.seal || !isMember(s, from)) continue;
    const key = `${msg.round}/${msg.digest}`;
    const who = groups.get(key) ?? new Set<NodeId>();
    who.add(from);
    groups.set(key, who);
    if (who.size >= s.quorum && verifyBlock(s, msg.digest)) return importBlock(s, msg.digest, fx);
  }
  return undefined;
};

/** createRoundChange: the latest prepared certificate rides along (the mutant drops it). */
function roundChange(s: QbftState, round: number): IbftMessage {
  return { type: 'roundchange', seq: s.seq, round, prepared: s.flags.roundChangeDropsPrepared ? null : s.prepared };
}

/** The round changes of (seq, round) received, one per committee member (its first). */
function roundChangesFor(s: QbftState, round: number): SignedRoundChange[] {
  const out: SignedRoundChange[] = [];
  for (const { from, msg } of s.log) {
    if (msg.type !== 'roundchange' || msg.seq !== s.seq || msg.round !== round || !isMember(s, from)) continue;
    if (msg.prepared !== null && !validCert(s, msg.prepared, round)) continue;
    if (!out.some((x) => x.from === from)) out.push({ from, round, prepared: msg.prepared });
  }
  return out;
}

/**
 * UponRoundChange, first branch (hasReceivedProposalJustification): Q round changes for a round
 * r >= ours of which this node is the proposer, not yet proposed in: propose the highest
 * prepared block among them with its certificate, or a new block if none is prepared.
 */
export const uponRoundChangeQuorum: Rule = (s, fx) => {
  // Tried after every input: no round has Q round changes unless all of them together reach Q.
  let count = 0;
  for (const { msg } of s.log) if (msg.type === 'roundchange' && msg.seq === s.seq && msg.round >= s.round && msg.round > s.proposedRound) count++;
  if (count < s.quorum) return undefined;
  const rounds = new Set<number>();
  for (const { msg } of s.log) if (msg.type === 'roundchange' && msg.seq === s.seq && msg.round >= s.round && msg.round > s.proposedRound) rounds.add(msg.round);
  for (const r of [...rounds].sort((a, b) => b - a)) {
    if (r === 0 || proposerOf(s, s.seq, r) !== s.self) continue;
    const rcs = roundChangesFor(s, r);
    // Mutant round-change-needs-all: every committee member instead of a quorum.
    if (rcs.length < (s.flags.roundChangeNeedsAll === true ? s.committee.length : s.quorum)) continue;
    const best = s.flags.preparedValueIgnored ? null : highestPrepared(rcs);
    const block = best === null ? freshBlock(s, r) : best.block;
    fx.push({ kind: 'broadcast', msg: { type: 'preprepare', seq: s.seq, round: r, block, rcs, cert: best } });
    if (r > s.round) fx.push({ kind: 'setTimer', timer: roundTimer(s.seq, r) });
    return updated(s, { round: r, ticks: r > s.round ? 0 : s.ticks, accepted: r > s.round ? null : s.accepted, proposedRound: r });
  }
  return undefined;
};

/**
 * UponRoundChange, second branch: F+1 members sent round changes for rounds above ours: move to
 * the smallest round among such a set (here the F+1 senders of the highest rounds, the largest
 * jump the rule allows) and send a round change for it.
 */
export const uponRoundChangeCatchUp: Rule = (s, fx) => {
  // Tried after every input: F+1 senders need at least F+1 such messages.
  let count = 0;
  for (const { msg } of s.log) if (msg.type === 'roundchange' && msg.seq === s.seq && msg.round > s.round) count++;
  if (count < s.f + 1) return undefined;
  const highest = new Map<NodeId, number>();
  for (const { from, msg } of s.log) {
    if (msg.type !== 'roundchange' || msg.seq !== s.seq || msg.round <= s.round || !isMember(s, from)) continue;
    highest.set(from, Math.max(highest.get(from) ?? -1, msg.round));
  }
  if (highest.size < s.f + 1) return undefined;
  const rounds = [...highest.values()].sort((a, b) => b - a).slice(0, s.f + 1);
  const round = Math.min(...rounds);
  fx.push({ kind: 'broadcast', msg: roundChange(s, round) });
  fx.push({ kind: 'setTimer', timer: roundTimer(s.seq, round) });
  return updated(s, { round, ticks: 0, accepted: null });
};

/** UponRoundTimeout: the timer of the current round ran out: next round, send a round change. */
export function uponRoundTimeout(s: QbftState, t: Timer, fx: Fx): QbftState | undefined {
  if (!isMember(s, s.self) || t.height !== s.seq || t.round !== s.round) return undefined;
  if (s.ticks + 1 < roundTimeoutTicks(s.round)) {
    fx.push({ kind: 'setTimer', timer: t });
    return updated(s, { ticks: s.ticks + 1 });
  }
  const round = s.round + 1;
  fx.push({ kind: 'broadcast', msg: roundChange(s, round) });
  fx.push({ kind: 'setTimer', timer: roundTimer(s.seq, round) });
  return updated(s, { round, ticks: 0, accepted: null });
}

/** In the order the reducer tries them (NodeNextSubStep lists them without order; decisions first). */
export const MEMBER_RULES: readonly Rule[] = [uponNewBlock, uponCommit, uponPrepare, uponProposal, uponRoundChangeQuorum, uponRoundChangeCatchUp];
/** A node outside the committee only imports blocks (NodeNextSubStep: UponNewBlock needs no membership). */
export const FOLLOWER_RULES: readonly Rule[] = [uponNewBlock];
