import type { ByzantineContext } from '../../core/types.ts';
import { decodeCompact, encodeCompact, nextWorkRequired } from './arith.ts';
import { type Block, NULL_ID, type PowMessage, blockId, makeBlock } from './messages.ts';
import { VERSION_BASE } from './params.ts';
import { type PowConfig, perInstance } from './rules.ts';
import { type PowState, powLookup } from './state.ts';

/** Parents a Byzantine node builds on: the highest known blocks (bounded, so listing stays cheap). */
const MAX_PARENTS = 8;
/** Nonces of Byzantine blocks start here, away from the node's own mined blocks. */
const BYZANTINE_NONCE = 1_000_000_000;

/** Highest first, then by id: the order Byzantine parents are taken in. */
function byHeightThenId(a: Block, b: Block): number {
  return b.height - a.height || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The MAX_PARENTS first blocks of one tree in that order, per tree (trees are persistent maps: one scan each). */
const topByBlocks = new WeakMap<PowState['blocks'], readonly Block[]>();

/**
 * The last tree listed per node id and its top blocks: a node's next tree is usually that one
 * plus a block or two (PersistentMap.appendedSince), merged into the top in a few comparisons
 * instead of sorting the whole tree again.
 */
const lastTop: { blocks: PowState['blocks']; top: readonly Block[] }[] = [];

function topBlocks(self: number, blocks: PowState['blocks']): readonly Block[] {
  let top = topByBlocks.get(blocks);
  if (top === undefined) {
    const last = lastTop[self];
    const added = last !== undefined ? blocks.appendedSince(last.blocks) : undefined;
    if (added !== undefined) {
      const merged = [...last!.top];
      for (const e of added) merged.push(e.block);
      top = merged.sort(byHeightThenId).slice(0, MAX_PARENTS);
    } else {
      const all: Block[] = [];
      for (const e of blocks.values()) all.push(e.block);
      top = all.sort(byHeightThenId).slice(0, MAX_PARENTS);
    }
    topByBlocks.set(blocks, top);
  }
  lastTop[self] = { blocks, top };
  return top;
}

/**
 * The candidate blocks on one parent, by (config, parent id, Byzantine node): they depend on the
 * parent's chain only, which its id fixes, so every listing after the first reuses them.
 */
const candidatesByParent = perInstance<PowConfig, Map<string, (readonly PowMessage[])[]>>(() => new Map());
const unknownParentBlock = perInstance<PowConfig, Map<number, PowMessage>>(() => new Map());
const CANDIDATE_LIMIT = 100_000;

function candidates(cfg: PowConfig, self: number, parent: Block, holder: () => PowState): readonly PowMessage[] {
  const memo = candidatesByParent(cfg);
  let bySelf = memo.get(parent.id);
  if (bySelf === undefined) {
    if (memo.size >= CANDIDATE_LIMIT) memo.clear();
    memo.set(parent.id, (bySelf = []));
  }
  const hit = bySelf[self];
  if (hit !== undefined) return hit;
  const height = parent.height + 1;
  const bits = nextWorkRequired(height, powLookup(holder().blocks, parent.id), cfg.params);
  const greedy = encodeCompact(decodeCompact(bits).target / 2n);
  const out: PowMessage[] = [];
  cfg.offsets.forEach((offset, i) => {
    // The nonce names the candidate, so one candidate keeps its id however many are listed.
    const base = { parent: parent.id, height, time: parent.time + offset, version: VERSION_BASE, miner: self };
    out.push(block(makeBlock({ ...base, bits, nonce: BYZANTINE_NONCE + 2 * i })));
    out.push(block(makeBlock({ ...base, bits: greedy, nonce: BYZANTINE_NONCE + 2 * i + 1 })));
  });
  bySelf[self] = out;
  return out;
}

function unknownParent(cfg: PowConfig, self: number): PowMessage {
  const memo = unknownParentBlock(cfg);
  let m = memo.get(self);
  if (m === undefined) {
    const parent = blockId({ parent: NULL_ID, height: 0, time: 0, bits: 0, version: 0, miner: self, nonce: BYZANTINE_NONCE });
    m = block(makeBlock({ parent, height: 1, time: 0, bits: encodeCompact(cfg.params.powLimit), version: VERSION_BASE, miner: self, nonce: BYZANTINE_NONCE }));
    memo.set(self, m);
  }
  return m;
}

/**
 * What a Byzantine miner may announce (it controls hash power, so it can withhold and release
 * blocks at will): on each of the highest blocks any node holds, for each timestamp offset,
 *  - a valid block (Core's nBits): a private fork it may release late, or to some nodes only;
 *  - a block claiming twice the work (half the target) with nBits the rule does not allow,
 *    which every correct node must reject;
 * and one block on an unknown parent, which correct nodes keep as an orphan forever.
 * The highest blocks of the union of the trees are among the highest of each tree, so only
 * each tree's first MAX_PARENTS (cached per tree) are merged.
 */
export function byzantineMessages(cfg: PowConfig, ctx: ByzantineContext<PowState, PowMessage>): PowMessage[] {
  const seen = new Set<string>();
  const pool: Block[] = [];
  for (const s of ctx.states) {
    for (const b of topBlocks(s.self, s.blocks)) {
      if (!seen.has(b.id)) {
        seen.add(b.id);
        pool.push(b);
      }
    }
  }
  const parents = pool.sort(byHeightThenId).slice(0, MAX_PARENTS);
  const out: PowMessage[] = [];
  for (const parent of parents) {
    // Any node holding the parent holds its whole chain: the first one will do (looked for only when needed).
    out.push(...candidates(cfg, ctx.self, parent, () => ctx.states.find((s) => s.blocks.has(parent.id))!));
  }
  out.push(unknownParent(cfg, ctx.self));
  return out;
}

function block(b: Block): PowMessage {
  return { type: 'block', block: b };
}
