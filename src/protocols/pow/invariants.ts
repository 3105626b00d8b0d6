/**
 * Fork-choice and validity invariants of the PoW protocol (DESIGN.md, "Invariants").
 *
 * Every check recomputes what it needs from block headers with the independent oracle
 * (oracle.ts: work, compact nBits and the retarget written from Core's definitions, unlike
 * the reducer's arith.ts) and never trusts what the reducer derived: its recorded chainwork is
 * compared with the oracle's (chainwork-recorded), never used. Besides the headers, only the
 * tree's membership, each block's connection order (`seq`, the node's first-seen record), the
 * head, the recorded BIP9 state and the blocks a transition sends are read.
 *
 * BIP9 states are recomputed by bip9-oracle.ts, likewise independent of the reducer's bip9.ts.
 * Nothing here may import arith.ts, bip9.ts, rules.ts, state.ts or reducer.ts (type-only
 * imports excepted); properties/pow-oracle.test.ts checks the import graph.
 */
import type { FinalInvariant, Transition, TransitionInvariant } from '../../core/types.ts';
import type { Deployment } from './bip9.ts';
import { deploymentStateOf } from './bip9-oracle.ts';
import { type Block, MEMO_LIMIT, type PowMessage, shortId } from './messages.ts';
import { type OracleParams, blockBelow, oracleBitsInRange, oracleRequiredBits, oracleWork } from './oracle.ts';
import type { BlockEntry, PowState } from './state.ts';

type T = Transition<PowState, PowMessage>;
type Inv = TransitionInvariant<PowState, PowMessage>;

/**
 * What the oracle established about one block, by id, each fact filled in when first asked:
 * the recomputed chainwork and its 64-digit text, the header verdict for one parameter set and
 * the expected BIP9 state for one deployment. Each is a function of the block's chain, which
 * its id fixes (the id hashes the header, parent id included, down to genesis), so every node
 * connecting the block reuses them. One record, so a check of a connected block costs one
 * lookup instead of one per kind of fact.
 */
interface Facts {
  work: bigint | undefined;
  text: string | undefined;
  faultParams: OracleParams | undefined;
  /** headerFault's verdict under faultParams (null: none), valid once the parent is connected. */
  fault: string | null;
  deploymentOf: Deployment | undefined;
  deployment: string;
}

const factsById = new Map<string, Facts>();

/**
 * The record asked for last, by id: the checks of one transition ask about the block it
 * connected over and over (about ten times: its verdict, chainwork, BIP9 state, the head's
 * chainwork), and each asking the large map again was a measurable part of a transition.
 */
let lastId = '';
let lastFacts: Facts | undefined;

/** The facts record of a block if there is one (see lastId). */
function knownFacts(id: string): Facts | undefined {
  if (id === lastId) return lastFacts;
  const f = factsById.get(id);
  if (f !== undefined) {
    lastId = id;
    lastFacts = f;
  }
  return f;
}

/** The facts record of a block (empty when new). */
function factsOf(id: string): Facts {
  let f = knownFacts(id);
  if (f === undefined) {
    if (factsById.size >= MEMO_LIMIT) factsById.clear();
    f = { work: undefined, text: undefined, faultParams: undefined, fault: null, deploymentOf: undefined, deployment: '' };
    factsById.set(id, f);
    lastId = id;
    lastFacts = f;
  }
  return f;
}

/** The facts record of a connected block, its chainwork recomputed if not known yet. */
function withWork(s: PowState, id: string): Facts & { work: bigint } {
  const known = knownFacts(id);
  if (known?.work !== undefined) return known as Facts & { work: bigint };
  // Walk down to the first block with a known value, then add back up (no recursion).
  const path: Block[] = [];
  let cur: string | undefined = id;
  let base = 0n;
  while (cur !== undefined) {
    const c = knownFacts(cur)?.work;
    if (c !== undefined) {
      base = c;
      break;
    }
    const e = s.blocks.get(cur);
    if (e === undefined) throw new Error(`node ${s.self}: block ${cur} is in the tree without its parent`);
    path.push(e.block);
    cur = e.block.height === 0 ? undefined : e.block.parent;
  }
  let total = base;
  let f: Facts | undefined;
  for (let i = path.length - 1; i >= 0; i--) {
    const b = path[i]!;
    total += oracleWork(b.bits);
    f = factsOf(b.id);
    f.work = total;
  }
  return f as Facts & { work: bigint };
}

/**
 * Chainwork of a connected block: the sum of the oracle's work over it and its ancestors. Memoised by
 * id, which is sound because an id hashes the header, parent id included, down to genesis.
 */
export function recomputedChainwork(s: PowState, id: string): bigint {
  return withWork(s, id).work;
}

interface Tips {
  readonly work: bigint;
  readonly ids: readonly string[];
}

/**
 * The last tips computed per node (by its id): a node's block map keeps its identity until the
 * node connects a block (the map is persistent), so head-max-chainwork, head-first-seen and
 * the node's next transition find them here. A plain slot per node, not a WeakMap keyed by
 * every map: those entries cost the collector more than the scans they saved.
 */
const tipsByNode: { blocks: PowState['blocks']; tips: Tips }[] = [];

/**
 * The maximal recomputed chainwork in the tree, and the blocks achieving it (in the tree's
 * order). When `before` is the state this one followed and its tips are the node's last, only
 * the blocks connected since are scanned: the same fold over the same order, resumed where it
 * stopped. Anything else (another run, a Twin sharing the id) scans the whole tree.
 */
export function bestTips(s: PowState, before?: PowState): Tips {
  const slot = tipsByNode[s.self];
  if (slot !== undefined && slot.blocks === s.blocks) return slot.tips;
  const added = before !== undefined && slot !== undefined && slot.blocks === before.blocks ? appendedSince(s, before) : undefined;
  const tips = added === undefined ? scanTips(s, -1n, [], s.blocks.values()) : scanTips(s, slot!.tips.work, slot!.tips.ids, added);
  tipsByNode[s.self] = { blocks: s.blocks, tips };
  return tips;
}

function scanTips(s: PowState, work: bigint, ids: readonly string[], entries: Iterable<BlockEntry>): Tips {
  let best = work;
  let out: string[] | undefined;
  for (const e of entries) {
    const w = recomputedChainwork(s, e.block.id);
    if (w > best) {
      best = w;
      out = [e.block.id];
    } else if (w === best) (out ??= ids.slice()).push(e.block.id);
  }
  return out === undefined ? { work: best, ids } : { work: best, ids: out };
}

/**
 * Blocks connected by this transition: those the tree gained, as the node's entries. The tree
 * is a persistent map, so when it grew by insertions only these are the entries appended since
 * `before` (no scan of the rest); otherwise every block whose seq is at least the node's next
 * seq before it.
 */
function connected(t: T): readonly BlockEntry[] {
  if (t.after.blocks === t.before.blocks) return NONE;
  // Three invariants ask in a row about the same transition.
  if (lastConnected.after === t.after && lastConnected.before === t.before) return lastConnected.entries;
  const added = appendedSince(t.after, t.before);
  const next = t.before.nextSeq;
  let out: readonly BlockEntry[];
  if (added !== undefined) {
    // Every appended entry passes in the usual case: then the list is used as it is.
    let all = true;
    for (let i = 0; i < added.length && all; i++) all = added[i]!.seq >= next;
    out = all ? added : added.filter((e) => e.seq >= next);
  } else {
    const some: BlockEntry[] = [];
    for (const e of t.after.blocks.values()) if (e.seq >= next) some.push(e);
    out = some;
  }
  lastConnected.before = t.before;
  lastConnected.after = t.after;
  lastConnected.entries = out;
  return out;
}

const NONE: readonly BlockEntry[] = [];
const lastConnected: { before: PowState | null; after: PowState | null; entries: readonly BlockEntry[] } = { before: null, after: null, entries: NONE };

/**
 * The entries `after`'s tree appended since `before`'s (PersistentMap.appendedSince), asked by
 * connected() and bestTips() about one transition: the second gets the first one's answer.
 */
function appendedSince(after: PowState, before: PowState): readonly BlockEntry[] | undefined {
  if (lastAppended.after === after.blocks && lastAppended.before === before.blocks) return lastAppended.entries;
  const entries = after.blocks.appendedSince(before.blocks);
  lastAppended.before = before.blocks;
  lastAppended.after = after.blocks;
  lastAppended.entries = entries;
  return entries;
}

const lastAppended: { before: PowState['blocks'] | null; after: PowState['blocks'] | null; entries: readonly BlockEntry[] | undefined } = { before: null, after: null, entries: undefined };

/**
 * Why `b` does not follow Core's header rules on `blocks`, or undefined. Once the parent is
 * connected the verdict reads only the block's chain, which its id fixes: it is kept in the
 * block's facts record (per parameter set), for the miner's check and every connection alike.
 */
function headerFault(params: OracleParams, blocks: PowState['blocks'], b: Block): string | undefined {
  const parent = blocks.get(b.parent);
  if (parent === undefined) return `its parent ${shortId(b.parent)} is not connected`;
  const facts = factsOf(b.id);
  if (facts.faultParams !== params) {
    facts.fault = parentFault(params, blocks, parent.block, b) ?? null;
    facts.faultParams = params;
  }
  return facts.fault ?? undefined;
}

function parentFault(params: OracleParams, blocks: PowState['blocks'], parent: Block, b: Block): string | undefined {
  if (b.height !== parent.height + 1) return `height ${b.height} on a parent at height ${parent.height}`;
  const expected = oracleRequiredBits(b.height, (h) => blockBelow(blocks, parent, h), params);
  if (b.bits !== expected) return `bits ${b.bits.toString(16)}, the retarget rule requires ${expected.toString(16)}`;
  if (!oracleBitsInRange(b.bits, params)) return `bits ${b.bits.toString(16)} are out of range`;
  return undefined;
}

function blockBits(params: OracleParams): Inv {
  return {
    name: 'block-bits',
    description: 'every block a correct node mines or connects has a connected parent, the next height and the nBits that Core\'s retarget rule (clamp, powLimit cap, compact encoding with the sign fix) requires',
    check(t) {
      // The blocks this transition mined (broadcast).
      for (const e of t.effects) {
        if (e.kind !== 'broadcast' && e.kind !== 'send') continue;
        const b = e.msg.block;
        const why = headerFault(params, t.before.blocks, b);
        if (why !== undefined) return `node ${t.node} mined block ${shortId(b.id)} at height ${b.height} with ${why}`;
      }
      for (const { block: b } of connected(t)) {
        const why = headerFault(params, t.after.blocks, b);
        if (why !== undefined) return `node ${t.node} connected block ${shortId(b.id)} at height ${b.height} with ${why}`;
      }
      return undefined;
    },
  };
}

const headMaxChainwork: Inv = {
  name: 'head-max-chainwork',
  description: 'a correct node\'s head has the maximal chainwork (recomputed from nBits) among the valid tips it knows',
  check(t) {
    if (t.after === t.before) return undefined;
    const s = t.after;
    const { work: best, ids } = bestTips(s, t.before);
    const head = recomputedChainwork(s, s.head);
    if (head !== best) {
      const tip = s.blocks.get(ids[0]!)!.block;
      const h = s.blocks.get(s.head)!.block;
      return `node ${t.node} has head ${shortId(s.head)} (height ${h.height}, chainwork ${head}) but tip ${shortId(tip.id)} (height ${tip.height}) has chainwork ${best}`;
    }
    return undefined;
  },
};

const headFirstSeen: Inv = {
  name: 'head-first-seen',
  description: 'of several tips with the maximal chainwork, a correct node\'s head is the one it connected first',
  check(t) {
    if (t.after === t.before) return undefined;
    const s = t.after;
    const { ids } = bestTips(s, t.before);
    if (!ids.includes(s.head) || ids.length < 2) return undefined; // head-max-chainwork's business
    let first = ids[0]!;
    for (const id of ids) if (s.blocks.get(id)!.seq < s.blocks.get(first)!.seq) first = id;
    if (first !== s.head) {
      return `node ${t.node} has head ${shortId(s.head)} (seen #${s.blocks.get(s.head)!.seq}) but ${shortId(first)} has the same chainwork and was seen first (#${s.blocks.get(first)!.seq})`;
    }
    return undefined;
  },
};

const chainworkMonotonic: Inv = {
  name: 'chainwork-monotonic',
  description: 'a correct node\'s head chainwork never decreases',
  check(t) {
    // The same head has the same recomputed chainwork (it is memoised by id).
    if (t.after === t.before || t.input.kind === 'init' || t.after.head === t.before.head) return undefined;
    const before = recomputedChainwork(t.before, t.before.head);
    const after = recomputedChainwork(t.after, t.after.head);
    if (after < before) {
      return `node ${t.node} moved its head from ${shortId(t.before.head)} (chainwork ${before}) to ${shortId(t.after.head)} (chainwork ${after})`;
    }
    return undefined;
  },
};


const chainworkRecorded: Inv = {
  name: 'chainwork-recorded',
  description: 'the chainwork a correct node records for each block it connects equals the sum of 2^256 / (target + 1) over the block and its ancestors (oracle.ts)',
  check(t) {
    for (const { block: b, chainwork: got } of connected(t)) {
      const facts = withWork(t.after, b.id);
      // The record is Core's nChainWork as 64 lowercase hex digits (state.ts BlockEntry).
      facts.text ??= facts.work.toString(16).padStart(64, '0');
      if (got !== facts.text) return `node ${t.node} records chainwork 0x${got} for block ${shortId(b.id)} at height ${b.height}, its chain has ${facts.work} (0x${facts.work.toString(16)})`;
    }
    return undefined;
  },
};

/**
 * The chain ending at `tip`, by height, walked down lazily (the invariants' own walk): each
 * block below is visited once however the heights are asked for; asking above `tip` throws.
 */
function chainBelow(blocks: PowState['blocks'], tip: Block): (height: number) => Block {
  const byHeight: Block[] = [];
  byHeight[tip.height] = tip;
  let low = tip;
  return (h) => {
    if (h >= low.height && h <= tip.height) return byHeight[h]!;
    if (h < 0 || h > tip.height) throw new RangeError(`no ancestor at height ${h} below height ${tip.height}`);
    while (low.height > h) {
      low = blockBelow(blocks, low, low.height - 1);
      byHeight[low.height] = low;
    }
    return low;
  };
}

/** The oracle's BIP9 state for a block at `height` on `parent` (memoised in the block's facts by the caller). */
function expectedDeployment(blocks: PowState['blocks'], parent: Block, height: number, deployment: Deployment): string {
  if (height !== parent.height + 1) throw new RangeError(`a block at height ${height} needs ${height} ancestors, got ${parent.height + 1}`);
  return deploymentStateOf(chainBelow(blocks, parent), height, deployment);
}

function bip9State(deployment: Deployment): Inv {
  return {
    name: 'bip9-state',
    description: 'the BIP9 state a correct node records for a block equals the state recomputed over the block\'s chain (bip9-oracle.ts, independent of the reducer\'s bip9.ts)',
    check(t) {
      for (const { block: b, deployment: got } of connected(t)) {
        const facts = factsOf(b.id);
        if (facts.deploymentOf !== deployment) {
          facts.deployment = expectedDeployment(t.after.blocks, t.after.blocks.get(b.parent)!.block, b.height, deployment);
          facts.deploymentOf = deployment;
        }
        const expected = facts.deployment;
        if (got !== expected) return `node ${t.node} records ${got} for block ${shortId(b.id)} at height ${b.height}, its chain says ${expected}`;
      }
      return undefined;
    },
  };
}

export function powInvariants(params: OracleParams, deployment: Deployment): readonly Inv[] {
  return [blockBits(params), headMaxChainwork, headFirstSeen, chainworkMonotonic, bip9State(deployment), chainworkRecorded];
}

/**
 * After GST every block is delivered (sim/step.ts gossip), so correct nodes hold the same
 * blocks and their heads have equal chainwork: one head, unless several tips tie for the most
 * work; then each node keeps the one it saw first, as Bitcoin does until the next block
 * breaks the tie (no block is mined after GST).
 */
const convergence: FinalInvariant<PowState> = {
  name: 'convergence',
  description: 'after GST and delivery of every block, correct nodes hold the same blocks and have one head (or, on a tie for the most chainwork, heads of equal chainwork)',
  check(states) {
    const first = states[0];
    if (first === undefined) return undefined;
    for (const s of states) {
      if (s.blocks.size !== first.blocks.size || [...s.blocks.keys()].some((id) => !first.blocks.has(id))) {
        const missing = [...first.blocks.keys()].filter((id) => !s.blocks.has(id)).map(shortId);
        const extra = [...s.blocks.keys()].filter((id) => !first.blocks.has(id)).map(shortId);
        return `node ${s.self} holds ${s.blocks.size} blocks, node ${first.self} ${first.blocks.size} (node ${s.self} lacks [${missing.join(', ')}], has extra [${extra.join(', ')}])`;
      }
    }
    const { work: best, ids } = bestTips(first);
    for (const s of states) {
      const w = recomputedChainwork(s, s.head);
      if (w !== best) return `node ${s.self} has head ${shortId(s.head)} with chainwork ${w}, the most is ${best}`;
      if (ids.length === 1 && s.head !== ids[0]) return `node ${s.self} has head ${shortId(s.head)}, node ${first.self} and the most chainwork say ${shortId(ids[0]!)}`;
    }
    return undefined;
  },
};

/** Nodes on one chain agree on the BIP9 state: every block two correct nodes hold has one recorded state. */
const bip9Agreement: FinalInvariant<PowState> = {
  name: 'bip9-agreement',
  description: 'correct nodes record the same BIP9 state for every block they both hold (so nodes on the same chain agree on the deployment)',
  check(states) {
    const seen = new Map<string, { node: number; state: string }>();
    for (const s of states) {
      for (const [id, e] of s.blocks) {
        const other = seen.get(id);
        if (other === undefined) seen.set(id, { node: s.self, state: e.deployment });
        else if (other.state !== e.deployment) {
          return `block ${shortId(id)} at height ${e.block.height}: node ${other.node} records ${other.state}, node ${s.self} ${e.deployment}`;
        }
      }
    }
    return undefined;
  },
};

export const POW_FINAL_INVARIANTS: readonly FinalInvariant<PowState>[] = [convergence, bip9Agreement];
