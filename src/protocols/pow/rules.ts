/**
 * The rules of a Bitcoin node's block handling, one function each, after Bitcoin Core:
 *  - validation.cpp ContextualCheckBlockHeader: the parent is known, nBits is what
 *    GetNextWorkRequired demands; pow.cpp CheckProofOfWork: nBits is in range;
 *  - validation.cpp CChainState::FindMostWorkChain / CBlockIndexWorkComparator: the best
 *    chain has the most chainwork, ties go to the block seen first (smaller nSequenceId);
 *  - versionbits.cpp: the BIP9 state of each block, cached per block as Core caches it per
 *    period boundary.
 * Nakamoto ("Bitcoin: A Peer-to-Peer Electronic Cash System", 2008), section 4: "the majority
 * decision is represented by the longest chain, which has the greatest proof-of-work effort".
 */
import { type PowParams, blockWork, checkProofOfWorkBits, encodeCompact, nextWorkRequired } from './arith.ts';
import { type Deployment, type DeploymentState, nextPeriodState } from './bip9.ts';
import { type Block, MEMO_LIMIT, NULL_ID, hasValidId, makeBlock } from './messages.ts';
import type { PowFlags } from './mutants.ts';
import { GENESIS_TIME } from './params.ts';
import { type BlockEntry, type PowState, entryOf, nextState, parseWork, powLookup, versionLookup, workHex, workOf } from './state.ts';

/** Everything a node's rules depend on besides its state: fixed per protocol instance. */
export interface PowConfig {
  readonly flags: PowFlags;
  readonly params: PowParams;
  readonly deployment: Deployment;
  /** Timestamp offsets (seconds after the parent) a mining event may choose. */
  readonly offsets: readonly number[];
  /**
   * Relative hash power of each node, as small integers (default 1 each; 0: does not mine).
   * A node with share w offers each mining event w times, so a uniform pick among enabled
   * events finds node i's block with probability share_i / sum(shares).
   */
  readonly shares?: readonly number[];
}

/**
 * Orphans kept per node. Core bounds its orphan pool too (and evicts at random); we evict the
 * oldest, deterministically. A bounded run never comes near it: a run mines at most one block
 * per tape entry, and the harness's tapes are far shorter.
 */
export const MAX_ORPHANS = 1000;

/**
 * A value per protocol instance (or parameter set), made on first use. The last instance asked
 * for is kept at hand: the hot paths ask for the same one call after call, and a WeakMap lookup
 * on each was measurable.
 */
export function perInstance<K extends object, V>(make: () => V): (key: K) => V {
  const byKey = new WeakMap<K, V>();
  let lastKey: K | undefined;
  let lastValue: V | undefined;
  return (key) => {
    if (key === lastKey) return lastValue!;
    let v = byKey.get(key);
    if (v === undefined) byKey.set(key, (v = make()));
    lastKey = key;
    lastValue = v;
    return v;
  };
}

/** The genesis block: hard-coded, as in Core (its nBits encodes powLimit). */
export function genesisBlock(params: PowParams): Block {
  return makeBlock({ parent: NULL_ID, height: 0, time: GENESIS_TIME, bits: encodeCompact(params.powLimit), version: 1, miner: -1, nonce: 0 });
}

export function genesisEntry(params: PowParams, flags?: PowFlags): BlockEntry {
  const block = genesisBlock(params);
  return { block, chainwork: workHex(blockWorkOf(flags, block.bits)), seq: 0, deployment: 'DEFINED' };
}

/** GetBlockProof with the instance's work options (memoised for Core's). */
function blockWorkOf(flags: PowFlags | undefined, bits: number): bigint {
  return flags === undefined || flags.work.plusOne ? workOf(bits) : blockWork(bits, flags.work);
}

/**
 * nBits required of a child of a block, by the block's id, per protocol instance: a function of
 * the parent's chain (which its id fixes) and the instance's rules. The miner computes it and
 * then validates its own block against it, and so does every node receiving a sibling.
 */
const bitsByParent = perInstance<PowConfig, Map<string, { readonly height: number; readonly bits: number }>>(() => new Map());

/** Core's GetNextWorkRequired for a block at `height` extending `parent`, with the instance's retarget options. */
export function requiredBits(cfg: PowConfig, blocks: PowState['blocks'], parent: string, height: number): number {
  const memo = bitsByParent(cfg);
  const hit = memo.get(parent);
  if (hit !== undefined && hit.height === height) return hit.bits;
  const bits = nextWorkRequired(height, powLookup(blocks, parent), cfg.params, cfg.flags.retarget);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(parent, { height, bits });
  return bits;
}

/**
 * ContextualCheckBlockHeader + CheckProofOfWork for a block whose parent is connected.
 * Returns why the block is invalid, or undefined. The time rules (median time past, future
 * limit) are not modelled: mined timestamps are always later than the parent's.
 */
export function invalidReason(cfg: PowConfig, blocks: PowState['blocks'], block: Block): string | undefined {
  const parent = blocks.get(block.parent);
  if (parent === undefined) return `unknown parent ${block.parent}`;
  if (block.height !== parent.block.height + 1) return `height ${block.height} does not follow parent height ${parent.block.height}`;
  const bits = requiredBits(cfg, blocks, block.parent, block.height);
  if (block.bits !== bits) return `bad-diffbits: ${block.bits.toString(16)}, required ${bits.toString(16)}`;
  if (!bitsInRange(cfg.params, block.bits)) return `bits ${block.bits.toString(16)} out of range`;
  return undefined;
}

const rangeCache = perInstance<PowParams, Map<number, boolean>>(() => new Map());

/** CheckProofOfWork's range check, memoised per parameter set and nBits. */
function bitsInRange(params: PowParams, bits: number): boolean {
  const byBits = rangeCache(params);
  let ok = byBits.get(bits);
  if (ok === undefined) {
    if (byBits.size >= 100_000) byBits.clear();
    ok = checkProofOfWorkBits(bits, params);
    byBits.set(bits, ok);
  }
  return ok;
}

/** BIP9 state of a block at `height` on `parent`: the parent's, or a transition at a period start. */
export function deploymentOf(cfg: PowConfig, blocks: PowState['blocks'], parent: BlockEntry, height: number): DeploymentState {
  if (height % cfg.deployment.period !== 0) return parent.deployment;
  return nextPeriodState(parent.deployment, versionLookup(blocks, parent.block.id), height - 1, cfg.deployment);
}

/**
 * Should `candidate` replace `head` as the tip of the best chain? Connecting blocks one at a
 * time and switching only on strictly more work makes the head the first-connected block of
 * maximal chainwork, which is Core's comparator (work, then sequence id).
 */
export function isBetter(flags: PowFlags, candidate: BlockEntry, head: BlockEntry): boolean {
  const c = flags.forkChoice === 'work' ? compare(candidate.chainwork, head.chainwork) : candidate.block.height - head.block.height;
  return flags.tieBreak === 'first-seen' ? c > 0 : c >= 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A node's state being changed in one reducer call; frozen back into a PowState. */
interface Draft {
  /** Persistent: each connection makes a new version, sharing the rest with the input state's. */
  blocks: PowState['blocks'];
  head: string;
  orphans: Block[];
  invalid: Set<string> | null;
  nextSeq: number;
}

/** Is this block already connected, waiting as an orphan, or known to be invalid? */
export function isKnown(s: PowState, id: string): boolean {
  if (s.blocks.has(id) || s.invalid.has(id)) return true;
  for (const o of s.orphans) if (o.id === id) return true;
  return false;
}

/**
 * A block arrives (from the network, or the node's own freshly mined one).
 * Unknown parent: held as an orphan until the parent connects (or is found invalid).
 * Known parent: validated; if valid, connected, the head updated, and any orphans waiting on
 * it connected in turn (breadth first, in their arrival order).
 */
export function receiveBlock(cfg: PowConfig, s: PowState, block: Block): PowState {
  if (isKnown(s, block.id)) return s;
  // A header whose id is not its hash is garbage, not an invalid block: ignore it without
  // marking the id, so that a forger cannot poison the id of a real block.
  if (!hasValidId(block)) return s;
  const parent = s.blocks.get(block.parent);
  if (parent === undefined && !s.invalid.has(block.parent) && cfg.flags.holdOrphans) {
    const orphans = s.orphans.length >= MAX_ORPHANS ? s.orphans.slice(1) : s.orphans.slice();
    orphans.push(block);
    return nextState(s, s.blocks, s.head, orphans, s.invalid, s.nextSeq, s.mined);
  }
  if (parent !== undefined && !awaited(s.orphans, block.id) && !s.invalid.has(block.parent)) {
    // The common case, the loop below in short: no orphan is waiting on this block.
    const derived = derive(cfg, s.blocks, parent, block);
    if (derived.invalid !== undefined) return nextState(s, s.blocks, s.head, s.orphans, new Set(s.invalid).add(block.id), s.nextSeq, s.mined);
    const entry: BlockEntry = { block, chainwork: derived.chainwork, seq: s.nextSeq, deployment: derived.deployment };
    const current = headOf(s);
    const better = isBetter(cfg.flags, entry, current);
    const blocks = s.blocks.set(block.id, entry);
    rememberHead(s.self, blocks, better ? entry : current);
    return nextState(s, blocks, better ? block.id : s.head, s.orphans, s.invalid, s.nextSeq + 1, s.mined);
  }
  const d: Draft = { blocks: s.blocks, head: s.head, orphans: s.orphans.length === 0 ? [] : s.orphans.slice(), invalid: null, nextSeq: s.nextSeq };
  // A child of an invalid block is invalid, and so are the orphans waiting on it
  // (fast-check found the missing cascade: properties/pow.test.ts, delivery order).
  if (s.invalid.has(block.parent)) {
    markInvalid(d, s, block.id);
    return nextState(s, s.blocks, s.head, d.orphans, d.invalid ?? s.invalid, s.nextSeq, s.mined);
  }
  const queue: Block[] = [block];
  // Each block is taken from the queue once: from the message, or removed from the orphan pool.
  for (let i = 0; i < queue.length; i++) {
    const b = queue[i]!;
    const parent = d.blocks.get(b.parent);
    const derived = parent === undefined ? undefined : derive(cfg, d.blocks, parent, b);
    if (derived === undefined || derived.invalid !== undefined) {
      markInvalid(d, s, b.id);
      continue;
    }
    connect(cfg, d, b, derived);
    // Bounded by the orphan pool (MAX_ORPHANS).
    for (let j = 0; j < d.orphans.length; ) {
      const o = d.orphans[j]!;
      if (o.parent === b.id) {
        queue.push(o);
        d.orphans.splice(j, 1);
      } else j++;
    }
  }
  return nextState(s, d.blocks, d.head, d.orphans, d.invalid ?? s.invalid, d.nextSeq, s.mined);
}

/** Does an orphan wait on `id` (is `id` its parent)? */
function awaited(orphans: readonly Block[], id: string): boolean {
  for (let i = 0; i < orphans.length; i++) if (orphans[i]!.parent === id) return true;
  return false;
}

/**
 * The head entry of the last tree each node made, by node id: the next block the node
 * receives is compared with it, and looking it up again in the tree was one trie walk per block.
 * Used only when the tree is that very version (a persistent map changes identity on every write).
 */
const lastHead: { blocks: PowState['blocks']; entry: BlockEntry }[] = [];

function headOf(s: PowState): BlockEntry {
  const last = lastHead[s.self];
  if (last !== undefined && last.blocks === s.blocks && last.entry.block.id === s.head) return last.entry;
  return entryOf(s, s.head);
}

function rememberHead(self: number, blocks: PowState['blocks'], entry: BlockEntry): void {
  const last = lastHead[self];
  if (last === undefined) lastHead[self] = { blocks, entry };
  else {
    last.blocks = blocks;
    last.entry = entry;
  }
}

/** An invalid block, and every orphan descending from it, is remembered as invalid. */
function markInvalid(d: Draft, s: PowState, id: string): void {
  d.invalid ??= new Set(s.invalid);
  const bad = [id];
  for (let i = 0; i < bad.length; i++) {
    const x = bad[i]!;
    d.invalid.add(x);
    for (let j = 0; j < d.orphans.length; ) {
      const o = d.orphans[j]!;
      if (o.parent === x) {
        bad.push(o.id);
        d.orphans.splice(j, 1);
      } else j++;
    }
  }
}

/** What a node derives from a block whose parent it holds: validity, then chainwork and BIP9 state. */
interface Derived {
  readonly invalid: string | undefined;
  readonly chainwork: string;
  readonly deployment: DeploymentState;
}

/**
 * Derived values by block id, per protocol instance. Each is a function of the block's chain
 * and the instance's rules only (an id hashes its header, parent id included, so it fixes the
 * chain; a node holds a block's parent only with its whole chain): every node connecting the
 * block computes the same, so the first one's result is kept (bounded, cleared when full).
 * The bigint chainwork and the retarget were a large part of each connection's cost.
 */
const derivedByConfig = perInstance<PowConfig, Map<string, Derived>>(() => new Map());

function derive(cfg: PowConfig, blocks: PowState['blocks'], parent: BlockEntry, b: Block): Derived {
  const memo = derivedByConfig(cfg);
  let v = memo.get(b.id);
  if (v === undefined) {
    const invalid = invalidReason(cfg, blocks, b);
    v = invalid !== undefined
      ? { invalid, chainwork: '', deployment: 'DEFINED' }
      : {
        invalid,
        chainwork: workHex(parseWork(parent.chainwork) + blockWorkOf(cfg.flags, b.bits)),
        deployment: deploymentOf(cfg, blocks, parent, b.height),
      };
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(b.id, v);
  }
  return v;
}

/** Connect a valid block: chainwork, sequence id, BIP9 state; then the fork choice. */
function connect(cfg: PowConfig, d: Draft, b: Block, derived: Derived): void {
  const entry: BlockEntry = { block: b, chainwork: derived.chainwork, seq: d.nextSeq++, deployment: derived.deployment };
  d.blocks = d.blocks.set(b.id, entry);
  if (isBetter(cfg.flags, entry, d.blocks.get(d.head)!)) d.head = b.id;
}

/** What a mining event says: the timestamp offset and whether the block signals for BIP9. */
export interface MineEvent {
  readonly offset: number;
  readonly signal: boolean;
}

const MINE = /^mine:(\d+)(:signal)?$/;

const parsedEvents = perInstance<PowConfig, Map<string, MineEvent>>(() => new Map());

/** What a mining event says (memoised per instance: a run parses the same six names over and over). */
export function parseMineEvent(cfg: PowConfig, event: string): MineEvent {
  const byName = parsedEvents(cfg);
  let e = byName.get(event);
  if (e === undefined) {
    e = parseMineEventUncached(cfg, event);
    if (byName.size >= 1000) byName.clear();
    byName.set(event, e);
  }
  return e;
}

function parseMineEventUncached(cfg: PowConfig, event: string): MineEvent {
  const m = MINE.exec(event);
  const offset = m === null ? NaN : Number(m[1]);
  if (m === null || !cfg.offsets.includes(offset)) {
    throw new Error(`pow: unknown event ${JSON.stringify(event)} (expected mine:<k>[:signal] with k in ${cfg.offsets.join(', ')})`);
  }
  return { offset, signal: m[2] !== undefined };
}

export function mineEventName(e: MineEvent): string {
  return `mine:${e.offset}${e.signal ? ':signal' : ''}`;
}

/** The block this node finds on its head: time = parent time + offset, nBits as the rule demands. */
export function mineBlock(cfg: PowConfig, s: PowState, e: MineEvent, version: number): Block {
  const parent = entryOf(s, s.head).block;
  const height = parent.height + 1;
  return makeBlock({
    parent: parent.id,
    height,
    time: parent.time + e.offset,
    bits: requiredBits(cfg, s.blocks, parent.id, height),
    version,
    miner: s.self,
    nonce: s.mined,
  });
}
