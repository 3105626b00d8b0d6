/**
 * The rules of the HotStuff family, one function each, named after the paper's procedures
 * (Yin, Malkhi, Reiter, Gueta, Abraham, "HotStuff: BFT Consensus in the Lens of Blockchain",
 * arXiv 1803.05069, Alg. 4 "event-driven HotStuff" and the pacemaker of Alg. 5), with a
 * LibraBFT/DiemBFT-style pacemaker: timeouts carry the highest QC; 2f+1 timeouts form a TC
 * that ends the view. The variant (mutants.ts) chooses between:
 *
 * - libra: views stand in for the paper's heights: vheight is the last voted view, "b'.height
 *   > b_lock.height" compares views, a block's parent is its QC's block, and the commit rule
 *   asks for consecutive views as well as direct parents (LibraBFT's contiguous-round 3-chain).
 * - alg4: Alg. 4 as printed: heights (parent's + 1) distinct from views; the leader proposes
 *   createLeaf(b_leaf, cmd, qc_high, b_leaf.height + 1) where b_leaf is its own last proposal
 *   or qc_high's block (Alg. 5 updateQCHigh: "b_leaf <- qc_high.node"); vheight, the lock and
 *   qc_high compare heights; commit on "b''.parent = b' and b'.parent = b" whatever the views.
 * - jolteon: the 2-chain DiemBFT v4 (Gelashvili et al., "Jolteon and Ditto", FC 2022, the
 *   Jolteon protocol; diem/diem consensus/safety-rules/src/safety_rules_2chain.rs): commit
 *   B0 when a certified B1 extends it in round(B0) + 1; a timeout raises last_voted_round;
 *   TCs carry the highest QC of their timeouts; the voting rule safe_to_vote.
 *
 * A function takes the state and the call's effect list, pushes its effects and returns the
 * new state; states are never mutated.
 */
import type { Effect, NodeId, Timer } from '../../core/types.ts';
import { type Block, GENESIS_ID, type HotStuffMessage, type QC, type TC, blockId, leaderPayload, makeBlock, makeLeaf } from './messages.ts';
import { type HotStuffState, type PendingProposal, type StoredBlock, leader, voteKey } from './state.ts';

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

/** `size` distinct, existing signers (2f+1 by default). Duplicates and unknown ids do not count. */
function hasQuorum(s: HotStuffState, signers: readonly NodeId[], size = s.quorum): boolean {
  const distinct = new Set<NodeId>();
  for (const x of signers) if (Number.isInteger(x) && x >= 0 && x < s.n) distinct.add(x);
  return distinct.size >= size;
}

/** Timeouts that form a TC: 2f+1 (f+1 under the tc-on-weak-quorum mutant, n under tc-needs-all). */
function tcThreshold(s: HotStuffState): number {
  return s.flags.tcNeedsAll === true ? s.n : s.flags.tcOnWeakQuorum ? s.weakQuorum : s.quorum;
}

/** A QC is genesis's by convention, or 2f+1 votes in a view >= 1. */
export function validQC(s: HotStuffState, qc: QC): boolean {
  if (qc.block === GENESIS_ID && qc.view === 0) return true;
  return qc.view >= 1 && hasQuorum(s, qc.signers);
}

/**
 * 2f+1 timeouts for a view >= 1. jolteon: the TC also carries one reported QC view per signer
 * and the highest reported QC, which must be valid, older than the TC and of the highest
 * reported view (diem timeout_2chain.rs, TwoChainTimeoutCertificate::verify: "hqc_round ==
 * signed_round").
 */
export function validTC(s: HotStuffState, tc: TC): boolean {
  if (!(tc.view >= 1 && hasQuorum(s, tc.signers, tcThreshold(s)))) return false;
  if (s.flags.variant !== 'jolteon') return true;
  const views = tc.qcViews;
  const high = tc.highQC;
  if (views === undefined || high === undefined || views.length !== tc.signers.length) return false;
  return validQC(s, high) && high.view < tc.view && high.view === Math.max(...views);
}

// ---------------------------------------------------------------------------------------------
// Block tree

/** "b extends a": a is b or an ancestor of b. Walks parents while the view is above a's. */
export function extendsBlock(s: HotStuffState, id: string, ancestor: string, ancestorView: number): boolean {
  let cur = s.blocks.get(id);
  while (cur !== undefined && cur.block.view > ancestorView) cur = s.blocks.get(cur.block.parent);
  return cur !== undefined && cur.block.id === ancestor;
}

/** The height of a held block (genesis 0); -1 if not held. */
function heightOf(s: HotStuffState, id: string): number {
  return s.blocks.get(id)?.height ?? -1;
}

/**
 * Checks every proposal must pass before anything in it is used: the proposer is the leader
 * of the block's view and signed it (from), the id is the hash of the content, the block
 * extends the block its QC certifies (Alg. 2: "m.node extends from m.justify.node") and the
 * QC is valid and older than the block. alg4: the parent need not be the QC's block (it is
 * checked to extend it once the parent is here, fitsParent), and the block names its height.
 */
export function wellFormed(s: HotStuffState, from: NodeId, b: Block): boolean {
  if (s.flags.variant === 'alg4') {
    return (
      b.view >= 1 &&
      b.proposer === from &&
      leader(b.view, s.n) === from &&
      b.height !== undefined &&
      Number.isInteger(b.height) &&
      b.height >= 1 &&
      b.justify.view < b.view &&
      b.id === blockId(b) &&
      validQC(s, b.justify)
    );
  }
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

/**
 * A proposal's block against its (held) parent. libra/jolteon: the QC names the parent with
 * its view. alg4: the height is the parent's + 1 (createLeaf), the parent is of an older view,
 * and the parent extends the QC's block (b_leaf extends qc_high.node, Alg. 5 updateQCHigh).
 */
function fitsParent(s: HotStuffState, b: Block, parent: StoredBlock): boolean {
  if (s.flags.variant !== 'alg4') return parent.block.view === b.justify.view;
  return b.height === parent.height + 1 && parent.block.view < b.view && extendsBlock(s, parent.block.id, b.justify.block, b.justify.view);
}

// ---------------------------------------------------------------------------------------------
// Alg. 4, safety

/**
 * safeNode of Alg. 4 onReceiveProposal: b_new extends b_lock, or its QC is newer than the
 * lock. libra compares views; alg4 compares heights ("b_new.justify.node.height >
 * b_lock.height").
 */
export function safeNode(s: HotStuffState, b: Block): boolean {
  if (s.flags.safeNodeIgnoresLock) return true;
  if (s.flags.variant === 'alg4') {
    return extendsBlock(s, b.id, s.lockedBlock, s.lockedView) || heightOf(s, b.justify.block) > heightOf(s, s.lockedBlock);
  }
  return extendsBlock(s, b.id, s.lockedBlock, s.lockedView) || b.justify.view > s.lockedView;
}

/**
 * safe_to_vote of diem safety_rules_2chain.rs (jolteon): "block.round == block.qc.round + 1,
 * or block.round == tc.round + 1 and block.qc.round >= tc.highest_hqc_round". The TC is the
 * node's highest, which the proposal brought if the view was entered by timeout.
 */
export function safeToVote(s: HotStuffState, b: Block): boolean {
  if (b.view === b.justify.view + 1) return true;
  const tc = s.highTC;
  if (tc === null || b.view !== tc.view + 1) return false;
  return s.flags.tcVoteWithoutHqcCheck || b.justify.view >= (tc.highQC?.view ?? Number.POSITIVE_INFINITY);
}

/**
 * updateQCHigh (Alg. 5): keep the QC of the highest view (libra, jolteon); alg4 compares the
 * heights of the certified blocks and moves b_leaf to qc_high's block
 * ("if qc'_high.node.height > qc_high.node.height then qc_high <- qc'_high; b_leaf <- qc_high.node").
 */
export function updateQCHigh(s: HotStuffState, qc: QC): HotStuffState {
  if (s.flags.variant === 'alg4') {
    const h = heightOf(s, qc.block);
    if (h <= heightOf(s, s.highQC.block)) return s;
    return { ...s, highQC: qc, leaf: qc.block, leafHeight: h };
  }
  return qc.view > s.highQC.view ? { ...s, highQC: qc } : s;
}

/** update(), lock line: "if b'.height > b_lock.height then b_lock <- b'" (2-chain b' <- b''). */
export function updateLock(s: HotStuffState, b1: Block, b2: Block): HotStuffState {
  if (s.flags.variant === 'alg4') {
    if (heightOf(s, b1.id) <= heightOf(s, s.lockedBlock)) return s;
    return { ...s, lockedBlock: b1.id, lockedView: b1.view };
  }
  const candidate = s.flags.lockOn1Chain ? b2 : b1;
  if (!s.flags.lockWithoutHigherGuard && candidate.view <= s.lockedView) return s;
  if (candidate.id === s.lockedBlock) return s;
  return { ...s, lockedBlock: candidate.id, lockedView: candidate.view };
}

/**
 * update(), commit line: "if b''.parent = b' and b'.parent = b then onCommit(b)". libra adds
 * LibraBFT's consecutive views b.view + 2 = b'.view + 1 = b''.view; alg4 tests the parent
 * links only, so a 3-chain of direct parents commits across a view gap.
 */
export function commitRule(s: HotStuffState, b1: Block, b2: Block, fx: Fx): HotStuffState {
  if (s.flags.commitOn2Chain) {
    return b2.parent === b1.id && b2.view === b1.view + 1 ? commit(s, b1, fx) : s;
  }
  if (b1.id === GENESIS_ID) return s;
  const b0 = s.blocks.get(b1.justify.block)!.block;
  if (s.flags.variant === 'alg4') {
    const direct = s.flags.commitOnJustifyChain
      ? b2.justify.block === b1.id && b1.justify.block === b0.id
      : b2.parent === b1.id && b1.parent === b0.id;
    return direct ? commit(s, b0, fx) : s;
  }
  const direct = b2.parent === b1.id && b1.parent === b0.id && b2.view === b1.view + 1 && b1.view === b0.view + 1;
  return direct || s.flags.commitWithoutDirectParent ? commit(s, b0, fx) : s;
}

/**
 * The 2-chain commit rule (jolteon; diem safety_rules_2chain.rs construct_ledger_info_2chain):
 * "B0 and its prefixes can be committed if there exists a certified block B1 with B0 <- B1
 * and round(B0) + 1 = round(B1)". b1 is the certified block, b0 its QC's block (its parent).
 */
export function commitRule2Chain(s: HotStuffState, b0: Block, b1: Block, fx: Fx): HotStuffState {
  if (b0.id === GENESIS_ID || b1.parent !== b0.id) return s;
  return b1.view === b0.view + 1 || s.flags.commitWithoutConsecutiveRounds ? commit(s, b0, fx) : s;
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

/**
 * update(b*) of Alg. 4, driven by a QC (b*.justify, or one formed or received): b'' = qc's block.
 * jolteon: the lock is the highest QC (one_chain_round of diem's SafetyData, observed with
 * every QC), and the 2-chain rule commits.
 */
export function update(s: HotStuffState, qc: QC, fx: Fx): HotStuffState {
  const b2 = s.blocks.get(qc.block)!.block;
  let next = updateQCHigh(s, qc); // pre-commit phase on b''
  if (s.flags.variant === 'jolteon') {
    if (next.highQC !== s.highQC) next = { ...next, lockedBlock: next.highQC.block, lockedView: next.highQC.view };
    if (b2.id === GENESIS_ID) return next;
    return commitRule2Chain(next, next.blocks.get(b2.justify.block)!.block, b2, fx);
  }
  if (b2.id === GENESIS_ID) return next;
  const b1 = next.blocks.get(b2.justify.block)!.block; // the store is closed under parents, and b2 extends its QC's block
  next = updateLock(next, b1, b2); // commit phase on b'
  return commitRule(next, b1, b2, fx); // decide phase on b
}

// ---------------------------------------------------------------------------------------------
// Certificates in, views forward

function addPendingQC(s: HotStuffState, qc: QC): HotStuffState {
  if (s.pendingQCs.some((q) => q.block === qc.block && q.view === qc.view)) return s;
  return { ...s, pendingQCs: [...s.pendingQCs, qc].slice(-MAX_PENDING) };
}

/** A valid QC: update() if its block is here (else keep it until the block arrives); the view does not move. */
function absorbQC(s: HotStuffState, qc: QC, fx: Fx): HotStuffState {
  if (!validQC(s, qc)) return s;
  const stored = s.blocks.get(qc.block);
  if (stored === undefined && !s.flags.qcBeforeBlock) return addPendingQC(s, qc);
  if (stored !== undefined && stored.block.view !== qc.view) return s; // a QC certifies a block of its own view
  return update(s, qc, fx);
}

/**
 * Any valid QC, whatever carried it: update() if its block is here (else keep it until the
 * block arrives), then move to the view after it.
 */
export function onQC(s: HotStuffState, qc: QC, fx: Fx): HotStuffState {
  if (!validQC(s, qc)) return s;
  const stored = s.blocks.get(qc.block);
  if (stored !== undefined && stored.block.view !== qc.view) return s;
  return enterView(absorbQC(s, qc, fx), qc.view + 1, fx);
}

/**
 * A valid TC for view v ends v: move to v + 1. jolteon: first adopt the TC's highest QC, so
 * that a leader entering v + 1 proposes on a QC its voters' safe_to_vote accepts.
 */
export function onTC(s: HotStuffState, tc: TC, fx: Fx): HotStuffState {
  if (!validTC(s, tc)) return s;
  let next = s.highTC === null || tc.view > s.highTC.view ? { ...s, highTC: tc } : s;
  if (s.flags.variant === 'jolteon' && tc.highQC !== undefined) next = absorbQC(next, tc.highQC, fx);
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
  let next: HotStuffState = { ...s, view, votes, timeouts };
  if (s.timeoutQCs.size > 0) {
    const timeoutQCs = new Map<number, ReadonlyMap<NodeId, QC>>();
    for (const [v, reports] of s.timeoutQCs) if (v >= view) timeoutQCs.set(v, reports);
    next = { ...next, timeoutQCs };
  }
  fx.push({ kind: 'setTimer', timer: viewTimer(view) });
  if (leader(view, s.n) === s.self) return propose(next, fx);
  return next;
}

/**
 * onPropose of Alg. 4, broadcast (the leader's own copy comes back to it at once, and it votes
 * like everyone else). libra/jolteon: a leaf on qc_high's block. alg4: createLeaf(b_leaf, cmd,
 * qc_high, b_leaf.height + 1), and the new block becomes b_leaf (onBeat: "b_leaf <-
 * onPropose(b_leaf, cmd, qc_high)"). The TC goes along when the view was entered by timeout,
 * so that receivers can follow.
 */
export function propose(s: HotStuffState, fx: Fx): HotStuffState {
  const tc = s.highTC !== null && s.highTC.view + 1 === s.view ? s.highTC : null;
  if (s.flags.variant === 'alg4') {
    const block = makeLeaf(s.view, s.leaf, s.leafHeight + 1, s.highQC, s.self, leaderPayload(s.view, s.self));
    fx.push({ kind: 'broadcast', msg: { type: 'proposal', block, tc } });
    return { ...s, leaf: block.id, leafHeight: s.leafHeight + 1 };
  }
  const block = makeBlock(s.view, s.highQC, s.self, leaderPayload(s.view, s.self));
  fx.push({ kind: 'broadcast', msg: { type: 'proposal', block, tc } });
  return s;
}

// ---------------------------------------------------------------------------------------------
// Messages

/**
 * onReceiveProposal: vote if the rules allow, to everyone (see onVote).
 * - libra: only the current view's proposal (the pacemaker's guard), b_new.view > vheight, safeNode.
 * - alg4 (Alg. 4 onReceiveProposal, as printed): "b_new.height > vheight and (b_new extends
 *   b_lock or b_new.justify.node.height > b_lock.height)", then "vheight <- b_new.height";
 *   there is no view guard, so a late proposal of an older view still gets a vote.
 * - jolteon (safety_rules_2chain.rs guarded_construct_and_sign_vote_two_chain): the current
 *   round only, round > last_voted_round (verify_and_update_last_vote_round), safe_to_vote.
 */
export function tryVote(s: HotStuffState, b: Block, fx: Fx): HotStuffState {
  if (s.flags.variant === 'alg4') {
    const height = b.height!;
    const mark = s.flags.vheightByView ? b.view : height;
    if (mark <= s.vheight) return s;
    if (!safeNode(s, b)) return s;
    fx.push({ kind: 'broadcast', msg: { type: 'vote', view: b.view, block: b.id, height } });
    return { ...s, vheight: s.flags.vheightNotUpdated ? s.vheight : mark, lastVotedView: Math.max(s.lastVotedView, b.view) };
  }
  if (s.flags.variant === 'jolteon') {
    if (b.view !== s.view || b.view <= s.lastVotedView) return s;
    if (!safeToVote(s, b)) return s;
    fx.push({ kind: 'broadcast', msg: { type: 'vote', view: b.view, block: b.id } });
    return { ...s, lastVotedView: b.view };
  }
  if (b.view !== s.view) return s; // pacemaker: only the current view's proposal
  if (!s.flags.vheightNotEnforced && b.view <= s.lastVotedView) return s;
  if (!safeNode(s, b)) return s;
  const vote: Vote = { type: 'vote', view: b.view, block: b.id };
  // See onVote: to all, not to the next leader (the mutant vote-to-next-leader sends it there only).
  fx.push(s.flags.voteToNextLeader === true ? { kind: 'send', to: leader(b.view + 1, s.n), msg: vote } : { kind: 'broadcast', msg: vote });
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
  if (!fitsParent(next, b, parent)) return next; // libra: the QC names the parent with a wrong view
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
  const voters = s.votes.get(key) ?? NO_VOTERS;
  if (voters.includes(from)) return s;
  const now = withVoter(voters, from);
  const next: HotStuffState = { ...s, votes: new Map(s.votes).set(key, now) };
  if (now.length !== (s.flags.qcNeedsAll === true ? s.n : s.quorum)) return next;
  return onQC(next, { block: m.block, view: m.view, signers: now }, fx);
}

const NO_VOTERS: readonly NodeId[] = [];

/**
 * Distinct voters in ascending order, with one more: what [...voters, from].sort() gives,
 * without a sort (this runs once per vote received; a profile of alg4 showed the sort).
 */
function withVoter(voters: readonly NodeId[], from: NodeId): NodeId[] {
  const out: NodeId[] = [];
  let placed = false;
  for (const v of voters) {
    if (!placed && from < v) {
      out.push(from);
      placed = true;
    }
    out.push(v);
  }
  if (!placed) out.push(from);
  return out;
}

/**
 * Give up the current view: broadcast a timeout with qc_high (and the TC that opened the view).
 * Once per view. jolteon: the timeout raises last_voted_round to the view, so the node never
 * votes in a round it gave up (safety_rules_2chain.rs guarded_sign_timeout_with_qc:
 * "if timeout.round() > safety_data.last_voted_round { verify_and_update_last_vote_round }").
 */
export function localTimeout(s: HotStuffState, fx: Fx): HotStuffState {
  if (s.timedOutView >= s.view) return s;
  fx.push({ kind: 'broadcast', msg: { type: 'timeout', view: s.view, highQC: s.highQC, tc: s.highTC } });
  if (s.flags.variant === 'jolteon' && !s.flags.timeoutKeepsVoteRound) {
    return { ...s, timedOutView: s.view, lastVotedView: Math.max(s.lastVotedView, s.view) };
  }
  return { ...s, timedOutView: s.view };
}

/**
 * The TC for `view` from its senders. jolteon: with each sender's reported QC view and the
 * highest reported QC (the first signer's, in signer order, among equals).
 */
function formTC(s: HotStuffState, view: number, signers: readonly NodeId[]): TC {
  if (s.flags.variant !== 'jolteon') return { view, signers };
  const reports = s.timeoutQCs.get(view)!;
  let highQC = reports.get(signers[0]!)!;
  for (const x of signers) if (reports.get(x)!.view > highQC.view) highQC = reports.get(x)!;
  return { view, signers, qcViews: signers.map((x) => reports.get(x)!.view), highQC };
}

/**
 * A timeout: its certificates first (qc_high travels to the next leader this way, and a
 * lagging node catches up), then count it. 2f+1 for a view form a TC; f+1 for the current
 * view mean a correct node gave up, so give up too (the view's leader is not getting through).
 * jolteon: a timeout whose QC is not valid is not counted (its QC would go into the TC).
 */
export function onTimeout(s: HotStuffState, from: NodeId, m: Timeout, fx: Fx): HotStuffState {
  let next = onQC(s, m.highQC, fx);
  if (m.tc !== null) next = onTC(next, m.tc, fx);
  if (m.view < next.view) return next;
  const senders = next.timeouts.get(m.view) ?? [];
  if (senders.includes(from)) return next;
  const jolteon = next.flags.variant === 'jolteon';
  if (jolteon && !validQC(next, m.highQC)) return next;
  const now = [...senders, from].sort((a, b) => a - b);
  next = { ...next, timeouts: new Map(next.timeouts).set(m.view, now) };
  if (jolteon) {
    const reports = new Map(next.timeoutQCs.get(m.view) ?? []).set(from, m.highQC);
    next = { ...next, timeoutQCs: new Map(next.timeoutQCs).set(m.view, reports) };
  }
  if (now.length >= tcThreshold(next)) return onTC(next, formTC(next, m.view, now), fx);
  if (now.length >= next.weakQuorum && m.view === next.view) return localTimeout(next, fx);
  return next;
}
