import type { ByzantineContext } from '../../core/types.ts';
import { decodeCompact, encodeCompact, nextWorkRequired } from './arith.ts';
import { type Block, NULL_ID, type PowMessage, blockId, makeBlock } from './messages.ts';
import { VERSION_BASE } from './params.ts';
import type { PowConfig } from './rules.ts';
import { type PowState, powLookup } from './state.ts';

/** Parents a Byzantine node builds on: the highest known blocks (bounded, so listing stays cheap). */
const MAX_PARENTS = 8;
/** Nonces of Byzantine blocks start here, away from the node's own mined blocks. */
const BYZANTINE_NONCE = 1_000_000_000;

/**
 * What a Byzantine miner may announce (it controls hash power, so it can withhold and release
 * blocks at will): on each of the highest blocks any node holds, for each timestamp offset,
 *  - a valid block (Core's nBits): a private fork it may release late, or to some nodes only;
 *  - a block claiming twice the work (half the target) with nBits the rule does not allow,
 *    which every correct node must reject;
 * and one block on an unknown parent, which correct nodes keep as an orphan forever.
 */
export function byzantineMessages(cfg: PowConfig, ctx: ByzantineContext<PowState, PowMessage>): PowMessage[] {
  const holders = new Map<string, PowState>();
  for (const s of ctx.states) for (const id of s.blocks.keys()) if (!holders.has(id)) holders.set(id, s);
  const parents = [...holders.entries()]
    .map(([id, s]) => s.blocks.get(id)!.block)
    .sort((a, b) => b.height - a.height || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, MAX_PARENTS);
  const out: PowMessage[] = [];
  for (const parent of parents) {
    const holder = holders.get(parent.id)!;
    const height = parent.height + 1;
    const bits = nextWorkRequired(height, powLookup(holder.blocks, parent.id), cfg.params);
    const greedy = encodeCompact(decodeCompact(bits).target / 2n);
    cfg.offsets.forEach((offset, i) => {
      // The nonce names the candidate, so one candidate keeps its id however many are listed.
      const base = { parent: parent.id, height, time: parent.time + offset, version: VERSION_BASE, miner: ctx.self };
      out.push(block(makeBlock({ ...base, bits, nonce: BYZANTINE_NONCE + 2 * i })));
      out.push(block(makeBlock({ ...base, bits: greedy, nonce: BYZANTINE_NONCE + 2 * i + 1 })));
    });
  }
  const unknownParent = blockId({ parent: NULL_ID, height: 0, time: 0, bits: 0, version: 0, miner: ctx.self, nonce: BYZANTINE_NONCE });
  out.push(block(makeBlock({ parent: unknownParent, height: 1, time: 0, bits: encodeCompact(cfg.params.powLimit), version: VERSION_BASE, miner: ctx.self, nonce: BYZANTINE_NONCE })));
  return out;
}

function block(b: Block): PowMessage {
  return { type: 'block', block: b };
}
