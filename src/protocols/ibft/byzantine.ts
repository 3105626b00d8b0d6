import type { ByzantineContext, NodeId } from '../../core/types.ts';
import { lastProposerOf, proposerFor } from './committee.ts';
import { type IbftMessage, alternativeBlock, makeBlock } from './messages.ts';
import type { IbftState } from './state.ts';

/**
 * What a Byzantine node may sign in the Klaytn design: only what can still move a correct
 * node, so that the tape's few injections land on the messages that make the known attacks.
 * For every height some correct node is at, and the rounds correct nodes are in there:
 * - where it is the proposer (of one of those rounds, or of the next one, which correct nodes
 *   keep in their backlog until they get there): first a second block for the view (the
 *   equivocation), then a re-proposal of every other block a correct node holds there (the
 *   fresh block is what its own honest reducer proposes, a malformed block only makes correct
 *   nodes ask for the next round, as a timeout does);
 * - per round: a COMMIT with a valid committed seal of each block it proposes there (the other
 *   half of the equivocation, or the vote that locks nodes on a re-proposal), then, per block a
 *   correct node has preprepared in that round, a COMMIT with an invalid seal (the invalid
 *   committed seal attack) and one with a valid seal. No PREPAREs: in IBFT a COMMIT counts
 *   wherever a PREPARE does (roundstate.go GetPrepareOrCommitSize), and more;
 * - ROUND-CHANGEs for the rounds correct nodes are in above the lowest, and the next round.
 * The order is the canonical one the shrinker walks toward (first entries first) and the one
 * an equivocating node after GST draws its second version from (the first entry of the same
 * vote slot with another value): a proposer's PREPREPARE gets its second block and its COMMIT
 * the valid COMMIT of that block; a non-proposer's COMMIT gets the invalid seal.
 * Measured (properties/ibft.test.ts): the previous vocabulary, every round from the lowest to
 * two above the highest with PREPAREs, fresh and malformed blocks, offered ~11-17 messages at
 * n = 5 and the fuzzer never split the cluster at n = 5; this one offers 3 at the start of a
 * round the Byzantine node proposes.
 */
export function ibftByzantineMessages(ctx: ByzantineContext<IbftState, IbftMessage>): IbftMessage[] {
  const { states, self, cfg } = ctx;
  const correct: IbftState[] = [];
  for (let i = 0; i < cfg.n && i < states.length; i++) if (!cfg.byzantine.includes(i)) correct.push(states[i]!);
  const out: IbftMessage[] = [];
  const seqs = [...new Set(correct.map((s) => s.seq))].sort((a, b) => a - b);
  for (const seq of seqs) {
    const here = correct.filter((s) => s.seq === seq);
    const rounds = [...new Set(here.map((s) => s.round))].sort((a, b) => a - b);
    const next = rounds[rounds.length - 1]! + 1;
    const ref = here[0]!;
    const proposes = (round: number): boolean =>
      proposerFor(ref.options.proposer, { committee: ref.committee, lastProposer: lastProposerOf(ref.chain), seq, round }) === self;
    const held = new Set<string>();
    for (const s of here) {
      if (s.preprepare !== null) held.add(s.preprepare);
      if (s.locked !== null) held.add(s.locked);
    }
    // Proposals, and the valid COMMIT of each (a proposal of the next round and its vote wait in
    // correct nodes' backlogs until they get there).
    const proposed = new Map<number, string[]>();
    for (const round of [...rounds, next]) {
      if (!proposes(round)) continue;
      const alt = alternativeBlock(seq, round, self);
      const fresh = makeBlock(seq, round, self);
      const blocks = [alt, ...[...held].sort().filter((b) => b !== alt && b !== fresh)];
      for (const block of blocks) out.push({ type: 'preprepare', seq, round, block, rcs: [], cert: null });
      proposed.set(round, blocks);
    }
    for (const round of [...rounds, next]) {
      const own = proposed.get(round) ?? [];
      for (const digest of own) out.push({ type: 'commit', seq, round, digest, seal: true });
      if (round === next) continue;
      const subjects = [...new Set(here.filter((s) => s.round === round && s.preprepare !== null).map((s) => s.preprepare!))].sort();
      for (const digest of subjects) {
        out.push({ type: 'commit', seq, round, digest, seal: false });
        if (!own.includes(digest)) out.push({ type: 'commit', seq, round, digest, seal: true });
      }
    }
    for (const round of rounds.slice(1)) out.push({ type: 'roundchange', seq, round, prepared: null });
    out.push({ type: 'roundchange', seq, round: next, prepared: null });
  }
  return out;
}

/**
 * The wider vocabulary this file offered before the one above (kept for the record of what it
 * found: the IBFT 1.0 split locks, properties/ibft.test.ts, scenario 139,669 of seed s7): what
 * a Byzantine node may sign in the Klaytn design, for every height some node is at and
 * rounds from the lowest current round there to the highest (one more for proposals and
 * round changes): where it proposes, PREPREPAREs of every block in play (some node's
 * preprepare or lock), a fresh one and a malformed one (equivocation, invalid blocks);
 * PREPAREs and COMMITs for every block in play, COMMITs with a valid and with an invalid
 * committed seal (the invalid-seal attack); ROUND-CHANGEs above the lowest round. It offers
 * 11 to 17 messages where the one above offers 3 to 6, and with it the fuzzer never split the
 * cluster at n = 5; with the one above it has not re-found the split locks (150,000 runs of
 * seed s7, shape N4_INJECT of the test).
 */
export function ibftWideByzantineMessages(ctx: ByzantineContext<IbftState, IbftMessage>): IbftMessage[] {
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
