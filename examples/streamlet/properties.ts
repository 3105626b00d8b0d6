/**
 * Streamlet's properties, written apart from the reducer: they recount notarization from
 * the votes a node received (its `heard` record and `blocks`), with their own threshold
 * (ceil(2n/3), the paper's "at least 2n/3 votes") and their own chain walk, and read the
 * reducer's conclusions (votes sent, `final`) only to judge them.
 */
import { type ClusterConfig, type Effect, type Property, type Transition, always, sometimes, transition } from 'consensus-harness';
import { type Block, GENESIS_ID, type StreamletMessage, blockId } from './messages.ts';
import type { StreamletState } from './node.ts';

type S = StreamletState;
type M = StreamletMessage;

/**
 * Length of the notarized chain ending at each block, from the votes `s` received:
 * blocks in epoch order (a parent is always of an earlier epoch), a block counts when
 * ceil(2n/3) distinct nodes voted for it and its parent is on a notarized chain.
 */
export function notarizedChains(s: S, n: number): Map<string, number> {
  const need = Math.ceil((2 * n) / 3);
  const length = new Map<string, number>([[GENESIS_ID, 0]]);
  const byEpoch = [...s.blocks].filter(([id]) => id !== GENESIS_ID).sort((a, b) => a[1].epoch - b[1].epoch);
  for (const [id, b] of byEpoch) {
    if (new Set(s.heard.get(id) ?? []).size < need) continue;
    const p = s.blocks.get(b.parent);
    const pl = length.get(b.parent);
    if (p !== undefined && pl !== undefined && p.epoch < b.epoch) length.set(id, pl + 1);
  }
  return length;
}

function votesIn(effects: readonly Effect<M>[]): Block[] {
  const out: Block[] = [];
  for (const e of effects) if (e.kind === 'broadcast' && e.msg.kind === 'vote') out.push(e.msg.block);
  return out;
}

/** A vote answers the proposal being handled, from that epoch's leader, in the voter's current epoch. */
function votesLeaderProposal(t: Transition<S, M>, cfg: ClusterConfig): string | undefined {
  for (const b of votesIn(t.effects)) {
    const id = blockId(b);
    const i = t.input;
    if (i.kind !== 'message' || i.msg.kind !== 'propose' || blockId(i.msg.block) !== id) {
      return `node ${t.node} voted for ${id} while handling ${i.kind === 'message' ? `a ${i.msg.kind} from ${i.from}` : `a ${i.kind}`}, not its proposal`;
    }
    if (i.from !== b.epoch % cfg.n) return `node ${t.node} voted for ${id} proposed by node ${i.from}, not by epoch ${b.epoch}'s leader ${b.epoch % cfg.n}`;
    if (t.after.epoch !== b.epoch) return `node ${t.node} voted for ${id} of epoch ${b.epoch} while in epoch ${t.after.epoch}`;
  }
  return undefined;
}

/** "Vote ... if it extends from one of the longest notarized chains the node has seen" (section 3). */
function votesExtendLongest(t: Transition<S, M>, cfg: ClusterConfig): string | undefined {
  const votes = votesIn(t.effects);
  if (votes.length === 0) return undefined;
  const length = notarizedChains(t.after, cfg.n);
  let longest = 0;
  for (const l of length.values()) longest = Math.max(longest, l);
  for (const b of votes) {
    const pl = length.get(b.parent);
    if (pl === undefined) return `node ${t.node} voted for ${blockId(b)} whose parent ${b.parent} is not on a notarized chain it has seen`;
    if (pl !== longest) return `node ${t.node} voted for ${blockId(b)} extending a notarized chain of length ${pl}, but it has seen one of length ${longest}`;
    if (t.after.blocks.get(b.parent)!.epoch >= b.epoch) return `node ${t.node} voted for ${blockId(b)} of epoch ${b.epoch} on a parent of epoch ${t.after.blocks.get(b.parent)!.epoch}`;
  }
  return undefined;
}

/**
 * "Finalize": the finalized chain only grows, every change of it is decided, and its tip
 * is the middle of three adjacent blocks of consecutive epochs notarized in the node's view.
 */
function finalJustified(t: Transition<S, M>, cfg: ClusterConfig): string | undefined {
  const before = t.input.kind === 'init' ? [] : t.before.final;
  const after = t.after.final;
  const decided = t.effects.filter((e) => e.kind === 'decide');
  if (after === before && decided.length === 0) return undefined;
  for (let i = 0; i < before.length; i++) {
    if (after[i] !== before[i]) return `node ${t.node} changed its finalized block at height ${i} from ${before[i]} to ${after[i] ?? 'nothing'}`;
  }
  const expected = after.slice(before.length).map((id, k) => `${before.length + k}=${id}`).join(' ');
  const got = decided.map((e) => `${e.height}=${e.value}`).join(' ');
  if (got !== expected) return `node ${t.node} decided [${got}] but its finalized chain grew by [${expected}]`;
  if (after.length === 0) return undefined;
  const tip = after[after.length - 1]!;
  // The finalized chain is the chain to its tip.
  let id = tip;
  for (let i = after.length - 1; i >= 0; i--) {
    if (after[i] !== id) return `node ${t.node}'s finalized chain is not a chain: position ${i + 1} holds ${after[i]}, the ancestor of ${tip} there is ${id}`;
    id = t.after.blocks.get(id)?.parent ?? '?';
  }
  if (id !== GENESIS_ID) return `node ${t.node}'s finalized chain does not start at genesis`;
  const length = notarizedChains(t.after, cfg.n);
  const b = t.after.blocks.get(tip)!;
  const parent = t.after.blocks.get(b.parent)!;
  const third = [...t.after.blocks].find(([cid, c]) => c.parent === tip && c.epoch === b.epoch + 1 && length.has(cid));
  if (!length.has(tip) || !length.has(b.parent) || parent.epoch !== b.epoch - 1 || third === undefined) {
    return `node ${t.node} finalized up to ${tip} (epoch ${b.epoch}) without three adjacent notarized blocks of consecutive epochs around it` +
      ` (notarized: parent ${length.has(b.parent)} of epoch ${parent.epoch}, itself ${length.has(tip)}, a child of epoch ${b.epoch + 1} ${third !== undefined})`;
  }
  return undefined;
}

/** Correct nodes' finalized chains are prefixes of one another (Theorem 3, consistency), read from their states. */
function finalChainsConsistent(w: { readonly cfg: ClusterConfig; readonly states: readonly S[] }): string | undefined {
  let longest: readonly string[] = [];
  let owner = -1;
  for (let i = 0; i < w.cfg.n; i++) {
    if (w.cfg.byzantine.includes(i)) continue;
    if (w.states[i]!.final.length > longest.length) {
      longest = w.states[i]!.final;
      owner = i;
    }
  }
  for (let i = 0; i < w.cfg.n; i++) {
    if (w.cfg.byzantine.includes(i)) continue;
    const f = w.states[i]!.final;
    for (let k = 0; k < f.length; k++) {
      if (f[k] !== longest[k]) return `node ${i} finalized ${f[k]} at height ${k}, node ${owner} finalized ${longest[k]}`;
    }
  }
  return undefined;
}

/** A correct node finalizes while it knows a notarized block that is off its finalized chain: a fork was resolved. */
function finalizedAfterFork(t: Transition<S, M>): boolean {
  if (!t.effects.some((e) => e.kind === 'decide')) return false;
  const final = t.after.final;
  for (const [id, len] of t.after.chainLength) {
    if (id !== GENESIS_ID && len <= final.length && final[len - 1] !== id) return true;
  }
  return false;
}

export const properties: readonly Property<S, M>[] = [
  transition('votes-leader-proposal', "a correct node votes only for the proposal it is handling, from the epoch's leader, in its current epoch", votesLeaderProposal),
  transition('votes-extend-longest', 'a correct node votes only for a block extending one of the longest notarized chains it has seen (recounted from the votes it received)', votesExtendLongest),
  transition('final-justified', 'the finalized chain only grows, each change is decided, and its tip is the middle of three adjacent notarized blocks of consecutive epochs (recounted)', finalJustified),
  always('final-chains-consistent', "correct nodes' finalized chains are prefixes of one another", finalChainsConsistent),
  sometimes('finalized-after-fork', 'a node finalizes while it knows a notarized block off its finalized chain', finalizedAfterFork),
  sometimes('proposal-refused', "a node refuses to vote for its epoch's first proposal: it does not extend a longest notarized chain", (t) =>
    t.input.kind === 'message' && t.input.msg.kind === 'propose' && t.after.handled > t.before.handled && votesIn(t.effects).length === 0),
  sometimes('epoch-jump', 'a node enters a later epoch on its leader\'s proposal, not by its timer', (t) =>
    t.input.kind === 'message' && t.after.epoch > t.before.epoch),
];
