import type { Transition, TransitionInvariant } from '../../core/types.ts';
import { type Block, GENESIS_ID, type HotStuffMessage, blockId } from './messages.ts';
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

export const HOTSTUFF_INVARIANTS: readonly Inv[] = [
  lockedViewMonotonic,
  highQcMonotonic,
  lockTwoChain,
  voteSafeNode,
  commitExtends,
];
