/**
 * A PoW node's abstract state for coverage-guided search (issue 12): the head's height
 * (capped at 4), the fork depth (how far below the head the deepest side branch leaves the
 * main chain, capped at 3), the reorgs the node went through (side blocks that were its head
 * once: read from arrival order and chainwork, since the state keeps no counter; capped at
 * 2), and whether blocks wait in the orphan pool. Cost: one pass over the node's block tree.
 */
import { type PowState, headEntry } from './state.ts';

export function powAbstraction(s: PowState): string {
  const head = headEntry(s).block;
  const main = new Set<string>();
  for (let e = s.blocks.get(s.head); e !== undefined; e = s.blocks.get(e.block.parent)) main.add(e.block.id);
  let fork = 0;
  let reorgs = 0;
  // Arrival order: a block that raised the best chainwork seen so far was the head then (first-seen wins ties).
  const byArrival = [...s.blocks.values()].sort((a, b) => a.seq - b.seq);
  let best = '';
  for (const e of byArrival) {
    const onMain = main.has(e.block.id);
    if (e.chainwork > best) {
      best = e.chainwork;
      if (!onMain) reorgs++;
    }
    if (onMain) continue;
    // The fork point: the side block's first ancestor on the main chain.
    let a = e;
    while (!main.has(a.block.id)) {
      const parent = s.blocks.get(a.block.parent);
      if (parent === undefined) break;
      a = parent;
    }
    fork = Math.max(fork, head.height - a.block.height);
  }
  return `${Math.min(head.height, 4)}f${Math.min(fork, 3)}r${Math.min(reorgs, 2)}${s.orphans.length > 0 ? 'o' : ''}`;
}
