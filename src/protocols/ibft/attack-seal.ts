import type { ByzantineContext, Protocol } from '../../core/types.ts';
import { lastProposerOf, proposerFor } from './committee.ts';
import { type IbftMessage, alternativeBlock } from './messages.ts';
import type { IbftMutant } from './mutants.ts';
import type { IbftState } from './state.ts';
import { ibft } from './index.ts';

/**
 * The attack class "invalid committed seal" (issue 9): what a Byzantine node says when it
 * tries to make correct nodes fail the import of a block they committed, unlock, and commit
 * another one in the next round. Narrower than byzantine.ts (the focused vocabulary), so the
 * tape's few injections land on the attack's messages; in the order the attack uses them:
 * 1. a COMMIT with an invalid committed seal of each block some correct node has preprepared
 *    and not yet committed, in its round (counted as a PREPARE-or-COMMIT and as a COMMIT, it
 *    completes Q COMMITs that carry fewer than Q valid seals: the import fails, the lock is
 *    released, the node asks for the next round: commit.go, backend/engine.go verifyCommittedSeals);
 * 2. a ROUND-CHANGE for each round correct nodes wait in, and for the next round (its vote
 *    completes the Q round changes that start the round);
 * 3. where it proposes (a round correct nodes are in, or the next): its second block of that
 *    round, then its valid COMMIT of that block (the third vote the round needs).
 * The fresh block its own reducer proposes is not offered (its honest half proposes it).
 * Measured (properties/ibft.test.ts, SEAL_SHAPE): with this vocabulary the fuzzer forks the
 * Klaytn design in 4 of 6 seeds within 40,000 scenarios, with the focused one in 1 of 6.
 */
export function ibftSealAttackMessages(ctx: ByzantineContext<IbftState, IbftMessage>): IbftMessage[] {
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
    const subjects = new Map<string, IbftMessage>();
    for (const s of here) {
      if (s.preprepare === null || s.phase === 'Committed') continue;
      const key = `${String(s.round).padStart(6, '0')}/${s.preprepare}`;
      if (!subjects.has(key)) subjects.set(key, { type: 'commit', seq, round: s.round, digest: s.preprepare, seal: false });
    }
    for (const key of [...subjects.keys()].sort()) out.push(subjects.get(key)!);
    const waitedIn = [...new Set(here.filter((s) => s.waiting && s.round !== next).map((s) => s.round))].sort((a, b) => a - b);
    for (const round of [...waitedIn, next]) out.push({ type: 'roundchange', seq, round, prepared: null });
    for (const round of [...rounds, next]) {
      if (round === 0 || !proposes(round)) continue;
      const block = alternativeBlock(seq, round, self);
      out.push({ type: 'preprepare', seq, round, block, rcs: [], cert: null });
      out.push({ type: 'commit', seq, round, digest: block, seal: true });
    }
  }
  return out;
}

/**
 * The Klaytn design (registry name 'ibft', so what it finds replays as an ibft fixture) whose
 * Byzantine nodes speak the seal attack's vocabulary. The default export makes this file a
 * protocol module for the command line: `npm run fuzz -- --protocol src/protocols/ibft/attack-seal.ts`.
 */
export function ibftUnderSealAttack(mutant?: IbftMutant): Protocol<IbftState, IbftMessage> {
  return { ...ibft('ibft', {}, mutant), byzantineMessages: ibftSealAttackMessages };
}

export default ibftUnderSealAttack;
