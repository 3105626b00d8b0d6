import type { Effect, NodeId, Timer } from '../../core/types.ts';
import {
  type ChainOptions, committeeAfter, faultTolerance, honestVote, initialCommittee, lastProposerOf, proposerFor, quorumSize, voteIsValid,
} from './committee.ts';
import { type IbftMessage, makeBlock, parseBlock } from './messages.ts';
import { type IbftState, MAX_BACKLOG_SEQUENCES_AHEAD, PHASE_ORDER, updated } from './state.ts';

/*
 * The Klaytn design of Istanbul BFT, one handler per event of consensus/istanbul/core
 * (klaytn/klaytn, and kaiachain/kaia where it differs; the file is cited on each). Each
 * returns the next state and pushes its effects; none reads the raw message log.
 */

export type Fx = Effect<IbftMessage>[];

export const ROUND_CHANGE_TIMER = 'roundChange';

/**
 * How many firings of its timer a round lasts. Klaytn's round-change timeout grows with the
 * round (core.go newRoundChangeTimer: base + 2^round seconds), which is what lets a node that
 * fell behind catch up with one that raced ahead; timers here have no duration, so a round
 * lasts round + 1 firings (each one re-arms the timer). With equal timeouts the nodes' rounds
 * never converge after GST (measured: a no-fault run with a partition before GST cycled
 * through 40 rounds without deciding).
 */
export function roundTimeoutTicks(round: number): number {
  return round + 1;
}

/** The round-change timer of a view (core.go newRoundChangeTimer); its target is round + 1. */
export function roundChangeTimer(seq: number, round: number): Timer {
  return { name: ROUND_CHANGE_TIMER, height: seq, round };
}

export function isMember(s: IbftState, node: NodeId): boolean {
  return s.committee.includes(node);
}

function proposerOf(s: Pick<IbftState, 'options' | 'committee' | 'chain'>, seq: number, round: number): NodeId {
  return proposerFor(s.options.proposer, { committee: s.committee, lastProposer: lastProposerOf(s.chain), seq, round });
}

/** The block this node builds when it proposes fresh (request.go: the miner's pending request for the sequence). */
export function pendingRequest(s: IbftState, round: number): string {
  const vote = s.options.validatorChanges ? honestVote(s.committee, s.n, s.seq) : null;
  return makeBlock(s.seq, round, s.self, vote);
}

/** backend.Verify of a proposal: well formed, of this sequence, and a vote that fits the committee. */
export function verifyBlock(s: { readonly seq: number; readonly committee: readonly NodeId[]; readonly n: number; readonly options: ChainOptions }, block: string): boolean {
  const p = parseBlock(block);
  if (p === undefined || p.seq !== s.seq) return false;
  if (p.vote !== null && !s.options.validatorChanges) return false;
  return voteIsValid(s.committee, s.n, block);
}

/** A fresh state for a height with the given chain (core.go startNewRound for a new sequence). */
export function heightState(base: IbftState, chain: readonly string[], committee: readonly NodeId[]): IbftState {
  const seq = chain.length;
  return updated(base, {
    seq,
    round: 0,
    phase: 'AcceptRequest',
    waiting: false,
    ticks: 0,
    chain,
    committee,
    quorum: quorumSize(committee.length, base.options.quorum),
    f: faultTolerance(committee.length),
    proposer: proposerOf({ options: base.options, committee, chain }, seq, 0),
    preprepare: null,
    locked: null,
    prepares: [],
    commits: [],
    roundChanges: [],
    heardCommits: base.heardCommits.filter((c) => c.seq >= seq),
    backlog: base.backlog.filter((r) => r.msg.seq >= seq),
    log: base.log.filter((r) => r.msg.seq >= seq),
  });
}

export function initialState(base: IbftState): IbftState {
  const size = base.n - (base.options.initiallyOutside ?? 0);
  return heightState(base, [], initialCommittee(size));
}

/** request.go handleRequest -> preprepare.go sendPreprepare: the proposer of round 0 proposes its pending request. */
export function proposeAtRoundZero(s: IbftState, fx: Fx): void {
  fx.push({ kind: 'setTimer', timer: roundChangeTimer(s.seq, 0) });
  if (isMember(s, s.self) && s.proposer === s.self) sendPreprepare(s, pendingRequest(s, 0), fx);
}

/** preprepare.go sendPreprepare. */
function sendPreprepare(s: IbftState, block: string, fx: Fx): void {
  fx.push({ kind: 'broadcast', msg: { type: 'preprepare', seq: s.seq, round: s.round, block, rcs: [], cert: null } });
}

/** prepare.go sendPrepare: only committee members send (CheckInSubList / committee.Contains). */
function sendPrepare(s: IbftState, fx: Fx): void {
  if (s.preprepare === null || !isMember(s, s.self)) return;
  fx.push({ kind: 'broadcast', msg: { type: 'prepare', seq: s.seq, round: s.round, digest: s.preprepare } });
}

/** commit.go sendCommit: COMMIT with this node's committed seal over the block (core.go finalizeMessage). */
function sendCommit(s: IbftState, fx: Fx): void {
  if (s.preprepare === null || !isMember(s, s.self)) return;
  fx.push({ kind: 'broadcast', msg: { type: 'commit', seq: s.seq, round: s.round, digest: s.preprepare, seal: true } });
}

/**
 * The round state of a new round of this sequence (core.go updateRoundState): the lock and its
 * preprepare survive; `also` are the caller's other changes, made in the same copy.
 */
function renewRoundState(s: IbftState, round: number, keepLock: boolean, also: Pick<Partial<IbftState>, 'waiting' | 'phase' | 'roundChanges'>): IbftState {
  const locked = keepLock ? s.locked : null;
  return updated(s, {
    round,
    ticks: 0,
    proposer: proposerOf(s, s.seq, round),
    locked,
    preprepare: locked === null ? null : s.preprepare,
    prepares: [],
    commits: [],
    waiting: also.waiting,
    phase: also.phase,
    roundChanges: also.roundChanges,
  });
}

/**
 * core.go startNewRound for a round change (same sequence): ignored for round 0 or a round
 * below the current one; renews the round state keeping the lock, clears the round-change set,
 * leaves waiting, enters AcceptRequest; the proposer re-proposes its locked block, else its
 * pending request; a new round-change timer.
 */
export function startNewRound(s: IbftState, round: number, fx: Fx): IbftState {
  if (round === 0 || round < s.round) return s;
  const next = renewRoundState(s, round, true, { roundChanges: [], waiting: false, phase: 'AcceptRequest' });
  if (next.proposer === next.self && isMember(next, next.self)) {
    sendPreprepare(next, next.locked !== null && next.preprepare !== null ? next.preprepare : pendingRequest(next, round), fx);
  }
  fx.push({ kind: 'setTimer', timer: roundChangeTimer(next.seq, round) });
  return next;
}

/**
 * core.go catchUpRound: move to `round` and wait for round changes, keeping the lock
 * ("Need to keep block locked for round catching up"); roundChangeSet.Clear drops rounds below.
 */
function catchUpRound(s: IbftState, round: number, fx: Fx): IbftState {
  const keep = !s.flags.lockDroppedInCatchUp;
  const next = renewRoundState(s, round, keep, { waiting: true, roundChanges: s.roundChanges.filter((x) => x.round >= round) });
  fx.push({ kind: 'setTimer', timer: roundChangeTimer(next.seq, round) });
  return next;
}

/** roundchange.go sendRoundChange: only to a higher round; catch up to it, then broadcast ROUND-CHANGE. */
export function sendRoundChange(s: IbftState, round: number, fx: Fx): IbftState {
  if (s.round >= round || !isMember(s, s.self)) return s;
  const next = catchUpRound(s, round, fx);
  fx.push({ kind: 'broadcast', msg: { type: 'roundchange', seq: next.seq, round, prepared: null } });
  return next;
}

/** roundchange.go sendNextRoundChange. */
export function sendNextRoundChange(s: IbftState, fx: Fx): IbftState {
  return sendRoundChange(s, s.round + 1, fx);
}

export type Check = 'ok' | 'future' | 'old';

/** backlog.go checkMessage: is a message of this view to be handled now, kept for later, or dropped? */
export function checkMessage(s: IbftState, type: IbftMessage['type'], seq: number, round: number): Check {
  if (type === 'roundchange') {
    if (seq > s.seq) return 'future';
    if (seq < s.seq || round < s.round) return 'old';
    return 'ok';
  }
  if (seq > s.seq || (seq === s.seq && round > s.round)) return 'future';
  if (seq < s.seq || round < s.round) return 'old';
  if (s.waiting) return 'future';
  // StateAcceptRequest only accepts PREPREPARE; other messages are future messages.
  if (s.phase === 'AcceptRequest' && type !== 'preprepare') return 'future';
  return 'ok';
}

/**
 * preprepare.go handlePreprepare (view checked): only from the proposer of the round; a block
 * that fails Verify gets ROUND-CHANGE; in AcceptRequest, a locked node COMMITs its locked block
 * (and goes to Prepared) or asks for the next round on any other, an unlocked node PREPAREs.
 */
export function handlePreprepare(s: IbftState, from: NodeId, block: string, fx: Fx): IbftState {
  if (from !== s.proposer) return s; // errNotFromProposer
  if (!verifyBlock(s, block)) return sendNextRoundChange(s, fx);
  if (s.phase !== 'AcceptRequest') return s;
  if (s.locked !== null && !s.flags.lockedNodePreparesOther) {
    if (block === s.locked) {
      const next = updated(s, { preprepare: block, phase: 'Prepared' });
      sendCommit(next, fx);
      return next;
    }
    return sendNextRoundChange(s, fx);
  }
  const next = updated(s, { preprepare: block, phase: 'Preprepared' });
  sendPrepare(next, fx);
  return next;
}

/**
 * preprepare.go handlePreprepare, the errOldMessage branch: a PREPREPARE of an earlier
 * sequence, from the proposer of its view, for the block this node already imported at that
 * height, is answered with a COMMIT for that view (commit.go sendCommitForOldBlock), so that
 * nodes still at that height can gather the seals.
 */
export function handleOldPreprepare(s: IbftState, from: NodeId, m: { seq: number; round: number; block: string }, fx: Fx): IbftState {
  if (s.chain[m.seq] !== m.block) return s;
  let committee = initialCommittee(s.n - (s.options.initiallyOutside ?? 0));
  for (let h = 0; h < m.seq; h++) committee = committeeAfter(committee, s.chain[h]!);
  if (!committee.includes(s.self)) return s;
  const proposer = proposerFor(s.options.proposer, { committee, lastProposer: lastProposerOf(s.chain.slice(0, m.seq)), seq: m.seq, round: m.round });
  if (from !== proposer) return s;
  fx.push({ kind: 'broadcast', msg: { type: 'commit', seq: m.seq, round: m.round, digest: m.block, seal: true } });
  return s;
}

/** roundstate.go GetPrepareOrCommitSize: distinct senders of PREPARE or COMMIT for the subject. */
export function prepareOrCommitSize(s: IbftState): number {
  if (s.flags.prepareCommitDoubleCounted) return s.prepares.length + s.commits.length;
  let size = s.prepares.length;
  for (const c of s.commits) if (!s.prepares.includes(c.from)) size++;
  return size;
}

/**
 * prepare.go / commit.go, the Prepared transition: before Prepared, a PREPARE or COMMIT of the
 * locked block moves a locked node to Prepared (it COMMITs again), and Q distinct senders of
 * PREPARE-or-COMMIT lock the block and COMMIT it.
 */
function maybePrepared(s: IbftState, digest: string, fx: Fx): IbftState {
  if (PHASE_ORDER[s.phase] >= PHASE_ORDER.Prepared) return s;
  if (s.locked !== null && digest === s.locked) {
    const next = updated(s, { phase: 'Prepared' });
    sendCommit(next, fx);
    return next;
  }
  // Mutant prepared-needs-all: every committee member instead of Q.
  if (prepareOrCommitSize(s) >= (s.flags.preparedNeedsAll === true ? s.committee.length : s.quorum)) {
    const next = updated(s, { locked: s.preprepare, phase: 'Prepared' });
    sendCommit(next, fx);
    return next;
  }
  return s;
}

/** prepare.go handlePrepare (view and state checked): the subject must match (verifyPrepare), then count. */
export function handlePrepare(s: IbftState, from: NodeId, digest: string, fx: Fx): IbftState {
  if (digest !== s.preprepare) return s; // errInconsistentSubject
  const next = s.prepares.includes(from) ? s : updated(s, { prepares: [...s.prepares, from] });
  return maybePrepared(next, digest, fx);
}

/**
 * commit.go handleCommit (view and state checked): the subject must match (verifyCommit); with
 * sealCheck 'receipt' a bad seal is refused (Kaia: errInvalidCommittedSeal); the Prepared
 * transition; then Q COMMITs lock the block ("state can skip Prepared") and commit it.
 */
export function handleCommit(s: IbftState, from: NodeId, digest: string, seal: boolean, fx: Fx): IbftState {
  if (digest !== s.preprepare) return s;
  if (s.options.sealCheck === 'receipt' && !seal) return s;
  let next = s.commits.some((c) => c.from === from) ? s : updated(s, { commits: [...s.commits, { from, seal }] });
  next = maybePrepared(next, digest, fx);
  if (PHASE_ORDER[next.phase] < PHASE_ORDER.Committed && next.commits.length >= next.quorum) {
    return commitProposal(next, fx);
  }
  return next;
}

/**
 * core.go commit(): lock the block, enter Committed and import the block with the seals of the
 * COMMITs held. backend/engine.go verifyCommittedSeals refuses a block without Q valid seals of
 * distinct committee members: then the lock is released ("Unlock block when insertion fails")
 * and the node asks for the next round. (An import starts the next height, which renews every
 * field the lock and the phase live in: they are set only on the failing path.)
 */
function commitProposal(s: IbftState, fx: Fx): IbftState {
  const block = s.preprepare!;
  let valid = 0;
  for (const c of s.commits) if ((c.seal || s.flags.importSkipsSealCheck) && isMember(s, c.from)) valid++;
  if (valid >= s.quorum) return importBlock(s, block, fx);
  return sendNextRoundChange(updated(s, { phase: 'Committed', locked: null }), fx);
}

/** A block is in the chain: decide it, and start the next sequence at round 0 (handler.go handleChainHead -> startNewRound). */
export function importBlock(s: IbftState, block: string, fx: Fx): IbftState {
  fx.push({ kind: 'decide', height: s.seq, value: block });
  const next = heightState(s, [...s.chain, block], committeeAfter(s.committee, block));
  proposeAtRoundZero(next, fx);
  return next;
}

/**
 * roundchange.go handleRoundChange (view checked: this sequence, round >= ours). Note the
 * equalities of Klaytn: a new round starts when the count reaches exactly Q (and we wait, or
 * the round is ahead); a waiting node catches up when it reaches exactly F+1.
 */
export function handleRoundChange(s: IbftState, from: NodeId, round: number, fx: Fx): IbftState {
  const known = s.roundChanges.some((x) => x.round === round && x.from === from);
  // messageSet.Add of a sender already there overwrites it: the count is unchanged, and the tests below run again.
  const next = known ? s : updated(s, { roundChanges: [...s.roundChanges, { round, from }] });
  const num = next.roundChanges.filter((x) => x.round === round).length;
  // Mutant round-change-needs-all: every committee member instead of Q.
  const needed = next.flags.roundChangeNeedsAll === true ? next.committee.length : next.quorum;
  if (num === needed && (next.waiting || next.round < round)) return startNewRound(next, round, fx);
  if (next.waiting && num === next.f + 1) {
    if (next.round < round) return sendRoundChange(next, round, fx);
    return next;
  }
  return next;
}

/**
 * handler.go handleTimeoutMsg for a round-change timer. Klaytn stops the previous timer on
 * every newRoundChangeTimer and ignores a timeout of a sequence already imported, so a timer
 * of an older view does nothing here. Not waiting: catch up to the highest round with F+1
 * round changes if it is ahead; otherwise ask for the next round.
 */
export function handleTimeout(s: IbftState, t: Timer, fx: Fx): IbftState {
  if (!isMember(s, s.self) || t.height !== s.seq || t.round !== s.round) return s;
  if (s.ticks + 1 < roundTimeoutTicks(s.round)) {
    fx.push({ kind: 'setTimer', timer: t });
    return updated(s, { ticks: s.ticks + 1 });
  }
  if (!s.waiting) {
    let maxRound = -1;
    const rounds = new Set(s.roundChanges.map((x) => x.round));
    for (const r of rounds) {
      if (s.roundChanges.filter((x) => x.round === r).length >= s.f + 1 && r > maxRound) maxRound = r;
    }
    if (maxRound > s.round) return sendRoundChange(s, maxRound, fx);
  }
  return sendRoundChange(s, s.round + 1, fx);
}

/**
 * Block sync (handler.go: catch-up on a future message and handleChainHead; QBFT UponNewBlock):
 * a block of this sequence with Q valid seals of distinct committee members from one round is
 * final and gets imported, by any node, member or not. This is how a node that missed the
 * round, or is not in the committee, follows the chain.
 */
export function syncFromSeals(s: IbftState, fx: Fx): IbftState | undefined {
  // Runs after every input: first the cheap count that no group can reach Q without.
  let sealed = 0;
  for (const c of s.heardCommits) if (c.seq === s.seq && c.seal) sealed++;
  if (sealed < s.quorum) return undefined;
  const groups = new Map<string, Set<NodeId>>();
  for (const c of s.heardCommits) {
    if (c.seq !== s.seq || !c.seal || !isMember(s, c.from)) continue;
    const key = `${c.round}/${c.digest}`;
    const who = groups.get(key) ?? new Set<NodeId>();
    who.add(c.from);
    groups.set(key, who);
    if (who.size >= s.quorum && verifyBlock(s, c.digest)) return importBlock(s, c.digest, fx);
  }
  return undefined;
}

/** Is a message of a later sequence worth keeping (backlog.go isBacklogSequenceTooFar)? */
export function keepFuture(s: IbftState, seq: number): boolean {
  return seq <= s.seq + MAX_BACKLOG_SEQUENCES_AHEAD;
}
