import type { ClusterConfig, NodeId, Transition, TransitionInvariant } from '../../core/types.ts';
import { type Block, GENESIS_ID, type HotStuffMessage, type QC, type TC, blockId } from './messages.ts';
import type { HotStuffVariant } from './mutants.ts';
import type { HotStuffState, StoredBlock } from './state.ts';

type T = Transition<HotStuffState, HotStuffMessage>;
type Inv = TransitionInvariant<HotStuffState, HotStuffMessage>;

/*
 * These checks are written from the paper's definitions, not with the reducer's helpers: a
 * rule the reducer gets wrong must not be "confirmed" by the same code.
 */

/** Every ancestor of `id` (itself included) by parent links, down to genesis. */
function ancestors(blocks: ReadonlyMap<string, StoredBlock>, id: string): Set<string> {
  const out = new Set<string>();
  let cur: string | undefined = id;
  while (cur !== undefined && !out.has(cur)) {
    out.add(cur);
    cur = blocks.get(cur)?.block.parent;
  }
  return out;
}

function votesSent(t: T): { view: number; block: string }[] {
  const out: { view: number; block: string }[] = [];
  for (const e of t.effects) if ((e.kind === 'send' || e.kind === 'broadcast') && e.msg.type === 'vote') out.push(e.msg);
  return out;
}

const lockedViewMonotonic: Inv = {
  name: 'locked-view-monotonic',
  description: 'the locked view never decreases (b_lock moves only to a higher view)',
  check(t) {
    if (t.after.lockedView < t.before.lockedView) {
      return `node ${t.node} lock went from ${t.before.lockedBlock}@${t.before.lockedView} to ${t.after.lockedBlock}@${t.after.lockedView}`;
    }
    return undefined;
  },
};

const highQcMonotonic: Inv = {
  name: 'high-qc-monotonic',
  description: 'the view of the highest QC never decreases',
  check(t) {
    if (t.after.highQC.view < t.before.highQC.view) {
      return `node ${t.node} highQC went from view ${t.before.highQC.view} to view ${t.after.highQC.view}`;
    }
    return undefined;
  },
};

/**
 * b_lock is the head of a 2-chain: it has a certified child, so the node holds a QC of a higher
 * view than the lock. A lock on a block whose only QC is the newest one (a 1-chain) fails this.
 */
const lockTwoChain: Inv = {
  name: 'lock-two-chain',
  description: 'a non-genesis lock has a stored child whose justify certifies it, and lies below the highest QC',
  check(t) {
    const s = t.after;
    if (s.lockedBlock === GENESIS_ID && s.lockedView === 0) return undefined;
    const locked = s.blocks.get(s.lockedBlock);
    if (locked === undefined || locked.block.view !== s.lockedView) {
      return `node ${t.node} is locked on ${s.lockedBlock}@${s.lockedView}, which it does not hold at that view`;
    }
    let certified = false;
    for (const { block } of s.blocks.values()) if (block.justify.block === s.lockedBlock && block.justify.view === s.lockedView) certified = true;
    if (!certified) return `node ${t.node} is locked on ${s.lockedBlock}@${s.lockedView} but holds no block whose QC certifies it`;
    if (s.lockedView >= s.highQC.view) {
      return `node ${t.node} is locked on ${s.lockedBlock}@${s.lockedView}, not below its highest QC (view ${s.highQC.view}): a 1-chain lock`;
    }
    return undefined;
  },
};

/**
 * safeNode, from the state before the call: a correct vote is for a block the node holds,
 * of the vote's view, that extends the lock or whose QC is newer than the lock. (A lock raised
 * inside the call is newer, and a vote safe for it is safe for the older one.)
 */
const voteSafeNode: Inv = {
  name: 'vote-safe-node',
  description: 'a correct vote is for a block that extends b_lock or whose justify QC is newer than b_lock',
  check(t) {
    const b0 = t.before;
    for (const v of votesSent(t)) {
      const stored = t.after.blocks.get(v.block);
      if (stored === undefined) return `node ${t.node} voted for ${v.block} in view ${v.view} without holding it`;
      const block: Block = stored.block;
      if (block.view !== v.view) return `node ${t.node} voted in view ${v.view} for ${v.block} of view ${block.view}`;
      if (blockId(block) !== block.id) return `node ${t.node} voted for ${v.block} whose content does not hash to its id`;
      const extendsLock = ancestors(t.after.blocks, block.id).has(b0.lockedBlock);
      if (!extendsLock && block.justify.view <= b0.lockedView) {
        return `node ${t.node} locked on ${b0.lockedBlock}@${b0.lockedView} voted for ${block.id}@${block.view}, which does not extend the lock and justifies view ${block.justify.view}`;
      }
    }
    return undefined;
  },
};

/**
 * The committed chain only grows, each new block a child of the previous one, and every
 * growth is announced by decide effects at the new positions, in order.
 */
const commitExtends: Inv = {
  name: 'commit-extends',
  description: 'the committed chain is only extended (never rewritten), parent by parent, with one decide per new block in order',
  check(t) {
    const before = t.before.committed;
    const after = t.after.committed;
    for (let k = 0; k < before.length; k++) {
      if (after[k] !== before[k]) {
        return `node ${t.node} rewrote its committed chain at height ${k}: ${before[k]} became ${after[k] ?? 'nothing'}`;
      }
    }
    for (let k = before.length; k < after.length; k++) {
      const parent = t.after.blocks.get(after[k]!)?.block.parent;
      const expected = k === 0 ? GENESIS_ID : after[k - 1];
      if (parent !== expected) return `node ${t.node} committed ${after[k]} at height ${k} whose parent ${parent ?? '?'} is not ${expected}`;
    }
    const decides = t.effects.filter((e) => e.kind === 'decide');
    if (decides.length !== after.length - before.length) {
      return `node ${t.node} committed ${after.length - before.length} blocks but decided ${decides.length} times`;
    }
    for (let i = 0; i < decides.length; i++) {
      const d = decides[i]!;
      const k = before.length + i;
      if (d.kind === 'decide' && (d.height !== k || d.value !== after[k])) {
        return `node ${t.node} decided ${d.value} at height ${d.height}, expected ${after[k]} at height ${k}`;
      }
    }
    return undefined;
  },
};

// ---------------------------------------------------------------------------------------------
// Certificates (issue 7: every QC and TC a correct node forms or accepts has a quorum)

/**
 * The smallest k such that two sets of k among n nodes share more than f nodes (2k - n > f),
 * counted up from f + 1, not taken from core/quorum.ts.
 */
function quorumSize(cfg: ClusterConfig): number {
  let k = cfg.f + 1;
  while (2 * k - cfg.n <= cfg.f) k++;
  return k;
}

/** How many distinct node ids of the cluster are in `signers`. */
function distinctValid(cfg: ClusterConfig, signers: readonly NodeId[]): number {
  const seen: NodeId[] = [];
  for (const x of signers) if (Number.isInteger(x) && x >= 0 && x < cfg.n && !seen.includes(x)) seen.push(x);
  return seen.length;
}

function badQC(cfg: ClusterConfig, qc: QC): string | undefined {
  if (qc.view === 0 && qc.block === GENESIS_ID && qc.signers.length === 0) return undefined; // genesis, by convention
  const k = distinctValid(cfg, qc.signers);
  return k >= quorumSize(cfg) ? undefined : `QC ${qc.block}@${qc.view} with ${k} distinct valid signers [${qc.signers.join(',')}]; a quorum is ${quorumSize(cfg)}`;
}

function badTC(cfg: ClusterConfig, tc: TC): string | undefined {
  const k = distinctValid(cfg, tc.signers);
  if (k < quorumSize(cfg)) return `TC for view ${tc.view} with ${k} distinct valid signers [${tc.signers.join(',')}]; a quorum is ${quorumSize(cfg)}`;
  if (tc.highQC !== undefined) {
    const inner = badQC(cfg, tc.highQC);
    if (inner !== undefined) return `TC for view ${tc.view} carries a bad ${inner}`;
    const views = tc.qcViews ?? [];
    if (views.length !== tc.signers.length || !views.every((v) => v <= tc.highQC!.view) || !views.includes(tc.highQC.view)) {
      return `TC for view ${tc.view} carries QC view ${tc.highQC.view}, not the highest of the reported views [${views.join(',')}]`;
    }
  }
  return undefined;
}

/**
 * Every certificate a correct node holds after a call and did not hold before (qc_high, the
 * highest TC and its QC, the QCs of newly stored blocks, QCs waiting for their block) has a
 * quorum of distinct signers among the n nodes.
 */
const certificateQuorum: Inv = {
  name: 'certificate-quorum',
  description: 'every QC and TC a correct node forms or accepts has a quorum of distinct valid signers (TC: and carries the highest reported QC)',
  check(t, cfg) {
    const { before, after } = t;
    const found: string[] = [];
    if (after.highQC !== before.highQC) found.push(badQC(cfg, after.highQC) ?? '');
    if (after.highTC !== before.highTC && after.highTC !== null) found.push(badTC(cfg, after.highTC) ?? '');
    if (after.pendingQCs !== before.pendingQCs) for (const q of after.pendingQCs) found.push(badQC(cfg, q) ?? '');
    if (after.blocks !== before.blocks) {
      for (const [id, { block }] of after.blocks) if (!before.blocks.has(id)) found.push(badQC(cfg, block.justify) ?? '');
    }
    const bad = found.find((x) => x !== '');
    return bad === undefined ? undefined : `node ${t.node} holds a ${bad}`;
  },
};

// ---------------------------------------------------------------------------------------------
// What a node knows: heights by parent links, and the certified blocks

/** Height of `id` by counting parent links down to genesis (not the stored height); -1 if a link is missing. */
function heightByParents(blocks: ReadonlyMap<string, StoredBlock>, id: string): number {
  let h = 0;
  for (let cur = id; cur !== GENESIS_ID; h++) {
    const b = blocks.get(cur);
    if (b === undefined || h > blocks.size) return -1;
    cur = b.block.parent;
  }
  return h;
}

/**
 * Every QC the node can point to after the call, as `block@view`: its qc_high (before and
 * after), the QCs of the blocks it holds and of those waiting, the highest TC's QC, the
 * certificates in the input message, and the vote collectors that reached a quorum.
 */
function knownQCs(t: T, cfg: ClusterConfig): Set<string> {
  const out = new Set<string>();
  const add = (q: QC | undefined): void => {
    if (q !== undefined && badQC(cfg, q) === undefined) out.add(`${q.block}@${q.view}`);
  };
  for (const s of [t.before, t.after]) {
    add(s.highQC);
    add(s.highTC?.highQC);
    for (const q of s.pendingQCs) add(q);
  }
  for (const { block } of t.after.blocks.values()) add(block.justify);
  if (t.input.kind === 'message') {
    const m = t.input.msg;
    if (m.type === 'proposal') {
      add(m.block.justify);
      add(m.tc?.highQC);
    } else if (m.type === 'timeout') {
      add(m.highQC);
      add(m.tc?.highQC);
    }
  }
  const k = quorumSize(cfg);
  for (const [key, voters] of t.after.votes) {
    if (distinctValid(cfg, voters) >= k) {
      const slash = key.indexOf('/');
      out.add(`${key.slice(slash + 1)}@${key.slice(0, slash)}`);
    }
  }
  return out;
}

/** The block ids committed by this call (the new tip), or undefined if the chain did not grow. */
function newTip(t: T): string | undefined {
  const a = t.after.committed;
  return a.length > t.before.committed.length ? a[a.length - 1] : undefined;
}

/** Held blocks whose parent and QC are both `id`: its direct, directly certified children. */
function directChildren(s: HotStuffState, id: string): Block[] {
  const out: Block[] = [];
  for (const { block } of s.blocks.values()) if (block.id !== GENESIS_ID && block.parent === id && block.justify.block === id) out.push(block);
  return out;
}

/**
 * The certified 3-chains tip <- c1 <- c2 of direct parents (each a child of the one before by
 * both its parent link and its QC) that the node can show after the call: what Alg. 4's
 * decide line asks for. Exported for the witnesses.
 */
export function certifiedThreeChains(t: T, cfg: ClusterConfig, tip: string): [Block, Block][] {
  const qcs = knownQCs(t, cfg);
  const out: [Block, Block][] = [];
  for (const c1 of directChildren(t.after, tip)) {
    for (const c2 of directChildren(t.after, c1.id)) if (qcs.has(`${c2.id}@${c2.view}`)) out.push([c1, c2]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// alg4: heights, not views

const lockedHeightMonotonic: Inv = {
  name: 'locked-height-monotonic',
  description: 'the height of b_lock (counted by parent links) never decreases ("if b\'.height > b_lock.height then b_lock <- b\'")',
  check(t) {
    if (t.after.lockedBlock === t.before.lockedBlock) return undefined; // a stored block's ancestry never changes
    const hb = heightByParents(t.before.blocks, t.before.lockedBlock);
    const ha = heightByParents(t.after.blocks, t.after.lockedBlock);
    return ha < hb ? `node ${t.node} lock went from ${t.before.lockedBlock} (height ${hb}) to ${t.after.lockedBlock} (height ${ha})` : undefined;
  },
};

const highQcHeightMonotonic: Inv = {
  name: 'high-qc-height-monotonic',
  description: 'the height of qc_high\'s block (counted by parent links) never decreases',
  check(t) {
    if (t.after.highQC.block === t.before.highQC.block) return undefined;
    const hb = heightByParents(t.before.blocks, t.before.highQC.block);
    const ha = heightByParents(t.after.blocks, t.after.highQC.block);
    return ha < hb ? `node ${t.node} qc_high went from height ${hb} to height ${ha}` : undefined;
  },
};

const lockTwoChainByHeight: Inv = {
  name: 'lock-two-chain',
  description: 'a non-genesis lock is certified by the QC of a block the node holds, and lies below qc_high\'s block in height',
  check(t) {
    const s = t.after;
    if (s.lockedBlock === GENESIS_ID) return undefined;
    // Blocks are only ever added: with the lock and qc_high unchanged, what held before holds now.
    if (s.lockedBlock === t.before.lockedBlock && s.highQC === t.before.highQC) return undefined;
    let certified = false;
    for (const { block } of s.blocks.values()) if (block.justify.block === s.lockedBlock && block.justify.view === s.lockedView) certified = true;
    if (!certified) return `node ${t.node} is locked on ${s.lockedBlock}@${s.lockedView} but holds no block whose QC certifies it`;
    const hl = heightByParents(s.blocks, s.lockedBlock);
    const hq = heightByParents(s.blocks, s.highQC.block);
    if (hl >= hq) return `node ${t.node} is locked on ${s.lockedBlock} at height ${hl}, not below qc_high's block (height ${hq}): a 1-chain lock`;
    return undefined;
  },
};

/**
 * onReceiveProposal of Alg. 4 from the state before the call: a correct vote is for a block
 * the node holds, whose height (by parent links) the vote names, that extends b_lock or whose
 * QC's block is higher than b_lock.
 */
const voteSafeNodeByHeight: Inv = {
  name: 'vote-safe-node',
  description: 'a correct vote is for a held block of the named height that extends b_lock or whose justify block is higher than b_lock',
  check(t) {
    const b0 = t.before;
    for (const e of t.effects) {
      if ((e.kind !== 'send' && e.kind !== 'broadcast') || e.msg.type !== 'vote') continue;
      const v = e.msg;
      const block = t.after.blocks.get(v.block)?.block;
      if (block === undefined) return `node ${t.node} voted for ${v.block} without holding it`;
      if (block.view !== v.view || blockId(block) !== block.id) return `node ${t.node} voted for ${v.block} in view ${v.view}, a block of view ${block.view}`;
      const h = heightByParents(t.after.blocks, block.id);
      if (v.height !== h) return `node ${t.node} voted for ${v.block} at height ${v.height ?? '?'}, its height is ${h}`;
      const extendsLock = ancestors(t.after.blocks, block.id).has(b0.lockedBlock);
      const jh = heightByParents(t.after.blocks, block.justify.block);
      const lh = heightByParents(b0.blocks, b0.lockedBlock);
      if (!extendsLock && jh <= lh) {
        return `node ${t.node} locked on ${b0.lockedBlock} (height ${lh}) voted for ${block.id}, which does not extend the lock and justifies height ${jh}`;
      }
    }
    return undefined;
  },
};

/** Alg. 4 decide line: a commit needs a certified 3-chain of direct parents above the new tip. */
const commitThreeChain: Inv = {
  name: 'commit-three-chain',
  description: 'a block is committed only with a certified 3-chain b <- b\' <- b\'\' above it, each the parent and the QC\'s block of the next',
  check(t, cfg) {
    const tip = newTip(t);
    if (tip === undefined) return undefined;
    if (certifiedThreeChains(t, cfg, tip).length > 0) return undefined;
    return `node ${t.node} committed ${tip} without a certified 3-chain of direct parents above it`;
  },
};

// ---------------------------------------------------------------------------------------------
// jolteon: the 2-chain rules (diem safety_rules_2chain.rs)

/** The highest QC view a TC's signers reported, from the per-signer list (not from the QC it carries). */
function tcHighestReported(tc: TC): number {
  let max = -1;
  for (const v of tc.qcViews ?? []) if (v > max) max = v;
  return max;
}

/**
 * safe_to_vote, recomputed: a vote in round r is for a held block of round r, the node's
 * current round, and either its QC is of round r - 1, or the node holds a TC for r - 1 (its
 * highest, or the one the proposal carried) whose signers reported no QC newer than the block's.
 */
const voteSafeTwoChain: Inv = {
  name: 'vote-safe-2chain',
  description: 'a correct vote in round r is for a block of round r whose QC is of round r-1, or that a TC for r-1 justifies (block QC round >= every QC round the TC reports)',
  check(t) {
    for (const e of t.effects) {
      if ((e.kind !== 'send' && e.kind !== 'broadcast') || e.msg.type !== 'vote') continue;
      const v = e.msg;
      const block = t.after.blocks.get(v.block)?.block;
      if (block === undefined) return `node ${t.node} voted for ${v.block} without holding it`;
      // The round may move on later in the same call (a QC that waited for this block), never before the vote.
      if (block.view !== v.view || v.view < t.before.view || v.view > t.after.view) return `node ${t.node} in rounds ${t.before.view}..${t.after.view} voted in round ${v.view} for a block of round ${block.view}`;
      if (block.justify.view + 1 === v.view) continue;
      const tcs: TC[] = [];
      if (t.after.highTC !== null) tcs.push(t.after.highTC);
      if (t.input.kind === 'message' && t.input.msg.type === 'proposal' && t.input.msg.tc !== null) tcs.push(t.input.msg.tc);
      const ok = tcs.some((tc) => tc.view + 1 === v.view && tcHighestReported(tc) >= 0 && block.justify.view >= tcHighestReported(tc));
      if (!ok) return `node ${t.node} voted in round ${v.view} for a block with a QC of round ${block.justify.view} and no TC for round ${v.view - 1} that allows it`;
    }
    return undefined;
  },
};

/** A node that gave up a round (sent a timeout for it) never votes in it afterwards. */
const noVoteAfterTimeout: Inv = {
  name: 'no-vote-after-timeout',
  description: 'a correct node never votes in a round after it sent a timeout for that round',
  check(t) {
    let timedOut = t.before.timedOutView;
    for (const e of t.effects) {
      if (e.kind !== 'send' && e.kind !== 'broadcast') continue;
      if (e.msg.type === 'timeout') timedOut = Math.max(timedOut, e.msg.view);
      else if (e.msg.type === 'vote' && e.msg.view <= timedOut) return `node ${t.node} voted in round ${e.msg.view} after its timeout for round ${timedOut}`;
    }
    return undefined;
  },
};

/** The 2-chain commit rule, recomputed: a commit needs a certified direct child in the next round. */
const commitTwoChain: Inv = {
  name: 'commit-two-chain',
  description: 'a block B0 is committed only with a certified child B1 (parent and QC block B0) of round round(B0) + 1',
  check(t, cfg) {
    const tip = newTip(t);
    if (tip === undefined) return undefined;
    const b0 = t.after.blocks.get(tip)?.block;
    const qcs = knownQCs(t, cfg);
    const ok = b0 !== undefined && directChildren(t.after, tip).some((b1) => b1.view === b0.view + 1 && qcs.has(`${b1.id}@${b1.view}`));
    return ok ? undefined : `node ${t.node} committed ${tip} without a certified child in the next round`;
  },
};

/** libra: the invariants it always had, then the certificate check (last, so a fixture's first failure is unchanged). */
export const HOTSTUFF_INVARIANTS: readonly Inv[] = [
  lockedViewMonotonic,
  highQcMonotonic,
  lockTwoChain,
  voteSafeNode,
  commitExtends,
  certificateQuorum,
];

export const ALG4_INVARIANTS: readonly Inv[] = [
  lockedHeightMonotonic,
  highQcHeightMonotonic,
  lockTwoChainByHeight,
  voteSafeNodeByHeight,
  commitExtends,
  commitThreeChain,
  certificateQuorum,
];

export const JOLTEON_INVARIANTS: readonly Inv[] = [
  lockedViewMonotonic,
  highQcMonotonic,
  voteSafeTwoChain,
  noVoteAfterTimeout,
  commitExtends,
  commitTwoChain,
  certificateQuorum,
];

export function invariantsOf(variant: HotStuffVariant): readonly Inv[] {
  switch (variant) {
    case 'libra':
      return HOTSTUFF_INVARIANTS;
    case 'alg4':
      return ALG4_INVARIANTS;
    case 'jolteon':
      return JOLTEON_INVARIANTS;
  }
}
