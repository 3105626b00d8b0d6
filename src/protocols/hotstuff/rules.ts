/**
 * The rules of chained HotStuff (arXiv 1803.05069, Alg. 4 "event-driven HotStuff"), one
 * function each, named after the paper's procedures, and the pacemaker (LibraBFT/DiemBFT
 * style: timeouts carry the highest QC; 2f+1 timeouts form a TC that ends the view).
 *
 * Views stand in for the paper's heights: vheight is the last voted view, "b'.height >
 * b_lock.height" compares views, and the commit rule asks for consecutive views as well as
 * direct parents (LibraBFT's contiguous-round 3-chain).
 *
 * A function takes the state and the call's effect list, pushes its effects and returns the
 * new state; states are never mutated.
 */
import type { Effect, NodeId, Timer } from '../../core/types.ts';
import { type Block, GENESIS_ID, type HotStuffMessage, type QC, type TC, blockId, leaderPayload, makeBlock } from './messages.ts';
import { type HotStuffState, type PendingProposal, leader, voteKey } from './state.ts';

export type Fx = Effect<HotStuffMessage>[];
type Proposal = Extract<HotStuffMessage, { type: 'proposal' }>;
type Timeout = Extract<HotStuffMessage, { type: 'timeout' }>;
type Vote = Extract<HotStuffMessage, { type: 'vote' }>;

/** The pacemaker's one timer. HotStuff has one chain, so `height` is unused (0); round = view. */
export const VIEW_TIMER = 'view-timeout';
export function viewTimer(view: number): Timer {
  return { name: VIEW_TIMER, height: 0, round: view };
}

/**
 * Bound on each pending buffer (a proposal or QC waiting for its block); the oldest entry goes
 * first. Dropping one can only cost liveness (there is no block fetch: the simulator's gossip
 * at GST is what brings missing blocks). The property runs never exceed 7 entries, even with
 * 300-step tapes and 40 injections.
 */
export const MAX_PENDING = 32;

// ---------------------------------------------------------------------------------------------
// Certificates

/** 2f+1 distinct, existing signers. Duplicates and unknown ids do not count. */
function hasQuorum(s: HotStuffState, signers: readonly NodeId[]): boolean {
  const distinct = new Set<NodeId>();
  for (const x of signers) if (Number.isInteger(x) && x >= 0 && x < s.n) distinct.add(x);
  return distinct.size >= s.quorum;
}

/** A QC is genesis's by convention, or 2f+1 votes in a view >= 1. */
export function validQC(s: HotStuffState, qc: QC): boolean {
  if (qc.block === GENESIS_ID && qc.view === 0) return true;
  return qc.view >= 1 && hasQuorum(s, qc.signers);
}

export function validTC(s: HotStuffState, tc: TC): boolean {
  return tc.view >= 1 && hasQuorum(s, tc.signers);
}

// ---------------------------------------------------------------------------------------------
// Block tree

/** "b extends a": a is b or an ancestor of b. Walks parents while the view is above a's. */
export function extendsBlock(s: HotStuffState, id: string, ancestor: string, ancestorView: number): boolean {
  let cur = s.blocks.get(id);
  while (cur !== undefined && cur.block.view > ancestorView) cur = s.blocks.get(cur.block.parent);
  return cur !== undefined && cur.block.id === ancestor;
}

/**
 * Checks every proposal must pass before anything in it is used: the proposer is the leader
 * of the block's view and signed it (from), the id is the hash of the content, the block
 * extends the block its QC certifies (Alg. 2: "m.node extends from m.justify.node") and the
 * QC is valid and older than the block.
 */
export function wellFormed(s: HotStuffState, from: NodeId, b: Block): boolean {
  return (
    b.view >= 1 &&
    b.proposer === from &&
    leader(b.view, s.n) === from &&
    b.parent === b.justify.block &&
    b.justify.view < b.view &&
    b.id === blockId(b) &&
    validQC(s, b.justify)
  );
}

// ---------------------------------------------------------------------------------------------
// Alg. 4, safety

/** safeNode of Alg. 4 onReceiveProposal: b_new extends b_lock, or its QC is newer than the lock. */
export function safeNode(s: HotStuffState, b: Block): boolean {
  if (s.flags.safeNodeIgnoresLock) return true;
  return extendsBlock(s, b.id, s.lockedBlock, s.lockedView) || b.justify.view > s.lockedView;
}

/** updateQCHigh (Alg. 4/5): keep the QC of the highest view. */
export function updateQCHigh(s: HotStuffState, qc: QC): HotStuffState {
  return qc.view > s.highQC.view ? { ...s, highQC: qc } : s;
}

/** update(), lock line: "if b'.height > b_lock.height then b_lock <- b'" (2-chain b' <- b''). */
export function updateLock(s: HotStuffState, b1: Block, b2: Block): HotStuffState {
  const candidate = s.flags.lockOn1Chain ? b2 : b1;
  if (!s.flags.lockWithoutHigherGuard && candidate.view <= s.lockedView) return s;
  if (candidate.id === s.lockedBlock) return s;
  return { ...s, lockedBlock: candidate.id, lockedView: candidate.view };
}

/**
 * update(), commit line: "if b''.parent = b' and b'.parent = b then onCommit(b)", with
 * LibraBFT's consecutive views b.view + 2 = b'.view + 1 = b''.view.
 */
export function commitRule(s: HotStuffState, b1: Block, b2: Block, fx: Fx): HotStuffState {
  if (s.flags.commitOn2Chain) {
    return b2.parent === b1.id && b2.view === b1.view + 1 ? commit(s, b1, fx) : s;
  }
  if (b1.id === GENESIS_ID) return s;
  const b0 = s.blocks.get(b1.justify.block)!.block;
  const direct = b2.parent === b1.id && b1.parent === b0.id && b2.view === b1.view + 1 && b1.view === b0.view + 1;
  return direct || s.flags.commitWithoutDirectParent ? commit(s, b0, fx) : s;
}

/**
 * onCommit(b): commit b and every uncommitted ancestor, oldest first, each decided at its
 * position in the chain (genesis excluded). A block that does not extend the committed chain
 * can only come from a broken commit rule; the node then overwrites its chain (what a buggy
 * implementation would do), which the commit-extends invariant and agreement report.
 */
export function commit(s: HotStuffState, b: Block, fx: Fx): HotStuffState {
  if (b.id === GENESIS_ID) return s;
  const chain: string[] = [];
  for (let id = b.id; id !== GENESIS_ID; id = s.blocks.get(id)!.block.parent) chain.push(id);
  chain.reverse();
  let same = 0;
  while (same < chain.length && same < s.committed.length && chain[same] === s.committed[same]) same++;
  if (same === chain.length) return s; // already committed
  for (let k = same; k < chain.length; k++) fx.push({ kind: 'decide', height: k, value: chain[k]! });
  return { ...s, committed: chain };
}

/** update(b*) of Alg. 4, driven by a QC (b*.justify, or one formed or received): b'' = qc's block. */
export function update(s: HotStuffState, qc: QC, fx: Fx): HotStuffState {
  const b2 = s.blocks.get(qc.block)!.block;
  let next = updateQCHigh(s, qc); // pre-commit phase on b''
  if (b2.id === GENESIS_ID) return next;
  const b1 = next.blocks.get(b2.justify.block)!.block; // the store is closed under parents
  next = updateLock(next, b1, b2); // commit phase on b'
  return commitRule(next, b1, b2, fx); // decide phase on b
}

// ---------------------------------------------------------------------------------------------
// Certificates in, views forward

function addPendingQC(s: HotStuffState, qc: QC): HotStuffState {
  if (s.pendingQCs.some((q) => q.block === qc.block && q.view === qc.view)) return s;
  return { ...s, pendingQCs: [...s.pendingQCs, qc].slice(-MAX_PENDING) };
}

/**
 * Any valid QC, whatever carried it: update() if its block is here (else keep it until the
 * block arrives), then move to the view after it.
 */
export function onQC(s: HotStuffState, qc: QC, fx: Fx): HotStuffState {
  if (!validQC(s, qc)) return s;
  const stored = s.blocks.get(qc.block);
  let next: HotStuffState;
  if (stored === undefined) next = addPendingQC(s, qc);
  else if (stored.block.view !== qc.view) return s; // a QC certifies a block of its own view
  else next = update(s, qc, fx);
  return enterView(next, qc.view + 1, fx);
}

/** A valid TC for view v ends v: move to v + 1. */
export function onTC(s: HotStuffState, tc: TC, fx: Fx): HotStuffState {
  if (!validTC(s, tc)) return s;
  const next = s.highTC === null || tc.view > s.highTC.view ? { ...s, highTC: tc } : s;
  return enterView(next, tc.view + 1, fx);
}

/**
 * Pacemaker: enter a higher view. Drop the collectors of views left behind, start the view's
 * timer, and if this node leads the view, propose on qc_high (onBeat / onPropose).
 */
export function enterView(s: HotStuffState, view: number, fx: Fx): HotStuffState {
  if (view <= s.view) return s;
  const votes = new Map<string, readonly NodeId[]>();
  for (const [key, voters] of s.votes) if (Number(key.slice(0, key.indexOf('/'))) >= view - 1) votes.set(key, voters);
  const timeouts = new Map<number, readonly NodeId[]>();
  for (const [v, senders] of s.timeouts) if (v >= view) timeouts.set(v, senders);
  const next: HotStuffState = { ...s, view, votes, timeouts };
  fx.push({ kind: 'setTimer', timer: viewTimer(view) });
  if (leader(view, s.n) === s.self) propose(next, fx);
  return next;
}

/**
 * onPropose of Alg. 4: a leaf on qc_high's block, broadcast (the leader's own copy comes back
 * to it at once, and it votes like everyone else). The TC goes along when the view was
 * entered by timeout, so that receivers can follow.
 */
export function propose(s: HotStuffState, fx: Fx): void {
  const block = makeBlock(s.view, s.highQC, s.self, leaderPayload(s.view, s.self));
  const tc = s.highTC !== null && s.highTC.view + 1 === s.view ? s.highTC : null;
  fx.push({ kind: 'broadcast', msg: { type: 'proposal', block, tc } });
}

// ---------------------------------------------------------------------------------------------
// Messages

/** onReceiveProposal of Alg. 4: vote if this is the current view, b_new.view > vheight and safeNode. */
export function tryVote(s: HotStuffState, b: Block, fx: Fx): HotStuffState {
  if (b.view !== s.view) return s; // pacemaker: only the current view's proposal
  if (!s.flags.vheightNotEnforced && b.view <= s.lastVotedView) return s;
  if (!safeNode(s, b)) return s;
  fx.push({ kind: 'broadcast', msg: { type: 'vote', view: b.view, block: b.id } }); // see onVote: to all, not to the next leader
  return { ...s, lastVotedView: Math.max(s.lastVotedView, b.view) };
}

function addPendingProposal(s: HotStuffState, p: PendingProposal): HotStuffState {
  if (s.pendingProposals.some((q) => q.msg.block.id === p.msg.block.id)) return s;
  return { ...s, pendingProposals: [...s.pendingProposals, p].slice(-MAX_PENDING) };
}

/**
 * A proposal: its certificates first (they may move the view and update(b*)), then the block
 * joins the tree if its parent is here (else it waits), and the node considers voting.
 */
export function onProposal(s: HotStuffState, from: NodeId, m: Proposal, fx: Fx): HotStuffState {
  const b = m.block;
  if (!wellFormed(s, from, b)) return s;
  let next = s;
  if (m.tc !== null) next = onTC(next, m.tc, fx);
  next = onQC(next, b.justify, fx);
  const parent = next.blocks.get(b.parent);
  if (parent === undefined) return addPendingProposal(next, { from, msg: m });
  if (parent.block.view !== b.justify.view) return next; // the QC names the parent with a wrong view
  if (!next.blocks.has(b.id)) {
    next = { ...next, blocks: new Map(next.blocks).set(b.id, { block: b, height: parent.height + 1 }) };
  }
  next = tryVote(next, b, fx);
  return resolvePending(next, b.id, fx);
}

/** A block arrived: QCs that waited for it, then proposals that waited for it as their parent. */
function resolvePending(s: HotStuffState, id: string, fx: Fx): HotStuffState {
  const qcs = s.pendingQCs.filter((q) => q.block === id);
  const children = s.pendingProposals.filter((p) => p.msg.block.parent === id);
  if (qcs.length === 0 && children.length === 0) return s;
  let next: HotStuffState = {
    ...s,
    pendingQCs: s.pendingQCs.filter((q) => q.block !== id),
    pendingProposals: s.pendingProposals.filter((p) => p.msg.block.parent !== id),
  };
  for (const qc of qcs) next = onQC(next, qc, fx);
  for (const p of children) next = onProposal(next, p.from, p.msg, fx);
  return next;
}

/**
 * onReceiveVote of Alg. 4: 2f+1 distinct voters for one block form a QC. Votes are broadcast
 * and every node aggregates them, where the paper sends them to the next leader only. With
 * round-robin leaders and n = 3f+1 = 4 there are only three correct leaders in a row, and a
 * 3-chain needs a fourth to carry the QC of its last block: a Byzantine next leader that keeps
 * that QC to itself stalls every commit forever, even after GST (found by the n=4 Byzantine
 * survival property). With broadcast votes every correct node sees that QC itself.
 */
export function onVote(s: HotStuffState, from: NodeId, m: Vote, fx: Fx): HotStuffState {
  if (m.view < 1 || m.view < s.view - 1) return s;
  const key = voteKey(m.view, m.block);
  const voters = s.votes.get(key) ?? [];
  if (voters.includes(from)) return s;
  const now = [...voters, from].sort((a, b) => a - b);
  const next: HotStuffState = { ...s, votes: new Map(s.votes).set(key, now) };
  if (now.length !== s.quorum) return next;
  return onQC(next, { block: m.block, view: m.view, signers: now }, fx);
}

/** Give up the current view: broadcast a timeout with qc_high (and the TC that opened the view). Once per view. */
export function localTimeout(s: HotStuffState, fx: Fx): HotStuffState {
  if (s.timedOutView >= s.view) return s;
  fx.push({ kind: 'broadcast', msg: { type: 'timeout', view: s.view, highQC: s.highQC, tc: s.highTC } });
  return { ...s, timedOutView: s.view };
}

/**
 * A timeout: its certificates first (qc_high travels to the next leader this way, and a
 * lagging node catches up), then count it. 2f+1 for a view form a TC; f+1 for the current
 * view mean a correct node gave up, so give up too (the view's leader is not getting through).
 */
export function onTimeout(s: HotStuffState, from: NodeId, m: Timeout, fx: Fx): HotStuffState {
  let next = onQC(s, m.highQC, fx);
  if (m.tc !== null) next = onTC(next, m.tc, fx);
  if (m.view < next.view) return next;
  const senders = next.timeouts.get(m.view) ?? [];
  if (senders.includes(from)) return next;
  const now = [...senders, from].sort((a, b) => a - b);
  next = { ...next, timeouts: new Map(next.timeouts).set(m.view, now) };
  if (now.length >= next.quorum) return onTC(next, { view: m.view, signers: now }, fx);
  if (now.length >= next.weakQuorum && m.view === next.view) return localTimeout(next, fx);
  return next;
}
