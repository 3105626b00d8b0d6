import type { ByzantineContext, NodeId } from '../../core/types.ts';
import { lastProposerOf, proposerFor } from './committee.ts';
import { type IbftMessage, alternativeBlock, makeBlock } from './messages.ts';
import type { IbftState } from './state.ts';

/**
 * What a Byzantine node may sign in the Klaytn design, for every height some node is at and
 * rounds from the lowest current round there to the highest (one more for proposals and
 * round changes): where it proposes, PREPREPAREs of every block in play (some node's
 * preprepare or lock), a fresh one and a malformed one (equivocation, invalid blocks);
 * PREPAREs and COMMITs for every block in play, COMMITs with a valid and with an invalid
 * committed seal (the invalid-seal attack); ROUND-CHANGEs above the lowest round. Kept this
 * small on purpose: every candidate dilutes the tape's chance of picking the few that matter.
 */
export function ibftByzantineMessages(ctx: ByzantineContext<IbftState, IbftMessage>): IbftMessage[] {
  const { states, self } = ctx;
  const out: IbftMessage[] = [];
  const seqs = [...new Set(states.map((s) => s.seq))].sort((a, b) => a - b);
  for (const seq of seqs) {
    const here = states.filter((s) => s.seq === seq);
    const lo = Math.min(...here.map((s) => s.round));
    const hi = Math.max(...here.map((s) => s.round)) + 1;
    const blocks = new Set<string>();
    for (const s of here) {
      if (s.preprepare !== null) blocks.add(s.preprepare);
      if (s.locked !== null) blocks.add(s.locked);
    }
    const inPlay = [...blocks].sort();
    const ref = here[0]!;
    for (let r = lo; r <= hi + 1; r++) {
      const proposer: NodeId = proposerFor(ref.options.proposer, { committee: ref.committee, lastProposer: lastProposerOf(ref.chain), seq, round: r });
      if (proposer === self) {
        const fresh = makeBlock(seq, r, self);
        for (const block of [...new Set([...inPlay, fresh, alternativeBlock(seq, r, self)])].sort().concat(`bad-h${seq}p${self}`)) {
          out.push({ type: 'preprepare', seq, round: r, block, rcs: [], cert: null });
        }
      }
      if (r <= hi) {
        for (const digest of inPlay) {
          out.push({ type: 'prepare', seq, round: r, digest });
          out.push({ type: 'commit', seq, round: r, digest, seal: true });
          out.push({ type: 'commit', seq, round: r, digest, seal: false });
        }
      }
      if (r > lo) out.push({ type: 'roundchange', seq, round: r, prepared: null });
    }
  }
  return out;
}
