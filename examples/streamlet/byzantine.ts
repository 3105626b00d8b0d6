/**
 * What a Byzantine node may sign: proposals for the epochs it leads (two payloads per
 * parent, so it can equivocate; parents: the tips of the longest notarized chains correct
 * nodes have seen, their parents, and genesis, i.e. also blocks a correct node must refuse
 * to vote for), and votes for any block some correct node knows (the latest ones).
 */
import type { ByzantineContext } from 'consensus-harness';
import { type Block, GENESIS_ID, type StreamletMessage } from './messages.ts';
import { type StreamletState, leader, longestTips } from './node.ts';

/** How many of the latest known blocks a Byzantine node offers votes for. */
const VOTE_CHOICES = 12;

export function byzantineMessages(ctx: ByzantineContext<StreamletState, StreamletMessage>): StreamletMessage[] {
  const { cfg, self, states } = ctx;
  const correct = states.filter((_s, i) => i < cfg.n && !cfg.byzantine.includes(i));
  const epochs = correct.map((s) => s.epoch);
  // The next epoch it leads from the slowest correct node's epoch, and from the fastest one's.
  const leads = new Set<number>();
  for (const from of [Math.min(...epochs), Math.max(...epochs)]) {
    let e = from;
    while (leader(e, cfg.n) !== self) e++;
    leads.add(e);
  }
  const parents = new Set<string>([GENESIS_ID]);
  const known = new Map<string, Block>();
  for (const s of correct) {
    for (const tip of longestTips(s)) {
      parents.add(tip);
      if (tip !== GENESIS_ID) parents.add(s.blocks.get(tip)!.parent);
    }
    for (const [id, b] of s.blocks) if (id !== GENESIS_ID) known.set(id, b);
  }
  const out: StreamletMessage[] = [];
  for (const epoch of [...leads].sort((a, b) => a - b)) {
    for (const parent of [...parents].sort()) {
      const pe = parent === GENESIS_ID ? 0 : correct.map((s) => s.blocks.get(parent)).find((b) => b !== undefined)!.epoch;
      if (pe >= epoch) continue;
      for (const payload of ['x', 'y']) out.push({ kind: 'propose', block: { epoch, parent, payload } });
    }
  }
  const latest = [...known].sort((a, b) => b[1].epoch - a[1].epoch || (a[0] < b[0] ? -1 : 1)).slice(0, VOTE_CHOICES);
  for (const [, block] of latest) out.push({ kind: 'vote', block });
  return out;
}
