import type { ByzantineContext } from '../../core/types.ts';
import { decodeCompact, encodeCompact, nextWorkRequired } from './arith.ts';
import { type Block, MEMO_LIMIT, NULL_ID, type PowMessage, blockId, makeBlock } from './messages.ts';
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
 * parent's chain only, which its id fixes, so every listing after the first reuses them. Each
 * is made when first asked for (see byzantineMessages): a listing offers about 50 and the
 * adversary takes one.
 */
interface Candidates {
  readonly parent: Block;
  /** nBits the rule requires on the parent, and half its target's (computed once, on first use). */
  bits?: { readonly valid: number; readonly greedy: number };
  readonly made: (PowMessage | undefined)[];
}

const candidatesByParent = perInstance<PowConfig, Map<string, Candidates[]>>(() => new Map());
const unknownParentBlock = perInstance<PowConfig, Map<number, PowMessage>>(() => new Map());

function candidates(cfg: PowConfig, self: number, parent: Block): Candidates {
  const memo = candidatesByParent(cfg);
  let bySelf = memo.get(parent.id);
  if (bySelf === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(parent.id, (bySelf = []));
  }
  return (bySelf[self] ??= { parent, made: new Array<PowMessage | undefined>(2 * cfg.offsets.length).fill(undefined) });
}

/** Candidate k on its parent: for offset k / 2 (rounded down), the valid block, then (k odd) the greedy one. */
function candidate(cfg: PowConfig, self: number, c: Candidates, k: number, holder: () => PowState): PowMessage {
  const hit = c.made[k];
  if (hit !== undefined) return hit;
  const { parent } = c;
  const height = parent.height + 1;
  if (c.bits === undefined) {
    const valid = nextWorkRequired(height, powLookup(holder().blocks, parent.id), cfg.params);
    c.bits = { valid, greedy: encodeCompact(decodeCompact(valid).target / 2n) };
  }
  const i = k >> 1;
  // The nonce names the candidate, so one candidate keeps its id however many are listed.
  const m = block(makeBlock({
    parent: parent.id,
    height,
    time: parent.time + cfg.offsets[i]!,
    bits: k % 2 === 0 ? c.bits.valid : c.bits.greedy,
    version: VERSION_BASE,
    miner: self,
    nonce: BYZANTINE_NONCE + k,
  }));
  c.made[k] = m;
  return m;
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
  const sets = parents.map((parent) => candidates(cfg, ctx.self, parent));
  const per = 2 * cfg.offsets.length;
  const last = unknownParent(cfg, ctx.self);
  // Any node holding a parent holds its whole chain: the first one will do (looked for only when needed).
  const holder = (parent: Block) => () => ctx.states.find((s) => s.blocks.has(parent.id))!;
  // The list is an array whose candidate blocks are made (hashed) when an element is first read:
  // the decoder reads its length and the one message it picks. Array methods and iteration read
  // every element through the proxy, so every reader sees the same values.
  const list: (PowMessage | undefined)[] = new Array<PowMessage | undefined>(sets.length * per + 1).fill(undefined);
  list[list.length - 1] = last;
  return new Proxy(list, {
    get(target, key, receiver) {
      if (typeof key === 'string') {
        const k = toIndex(key);
        if (k !== undefined && k < target.length) {
          let m = target[k];
          if (m === undefined) {
            const set = sets[Math.floor(k / per)]!;
            m = target[k] = candidate(cfg, ctx.self, set, k % per, holder(set.parent));
          }
          return m;
        }
      }
      return Reflect.get(target, key, receiver);
    },
  }) as PowMessage[];
}

/** An array index written as a property key ("0", "17"), or undefined. */
function toIndex(key: string): number | undefined {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return undefined;
  const k = Number(key);
  return Number.isInteger(k) && String(k) === key ? k : undefined;
}

function block(b: Block): PowMessage {
  return { type: 'block', block: b };
}
