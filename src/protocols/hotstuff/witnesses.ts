/**
 * Witnesses: "sometimes" properties that show a search reached what a variant's rules are
 * about. Each is a named predicate over one transition of a correct node (state before and
 * after, input, effects), shaped like TransitionInvariant so that the generic `sometimes`
 * form can take them over; until then properties/hotstuff-variants.test.ts counts them
 * through the executor's `observe` hook and fails if one is never reached.
 *
 * Like the invariants, they read states and messages and do not call the reducer's helpers.
 */
import type { ClusterConfig, Transition } from '../../core/types.ts';
import { certifiedThreeChains } from './invariants.ts';
import type { HotStuffMessage } from './messages.ts';
import type { HotStuffVariant } from './mutants.ts';
import type { HotStuffState } from './state.ts';

export interface TransitionWitness<S, M> {
  readonly name: string;
  readonly description: string;
  /** True when this transition is an instance of what the witness looks for. */
  check(t: Transition<S, M>, cfg: ClusterConfig): boolean;
}

type Witness = TransitionWitness<HotStuffState, HotStuffMessage>;

/**
 * alg4: a commit through a view gap. The new committed tip b has certified 3-chains
 * b <- b' <- b'' of direct parents above it, and every one of them skips a view (b'.view >
 * b.view + 1 or b''.view > b'.view + 1): Alg. 4's decide line committed where LibraBFT's
 * consecutive-view rule would not have.
 */
const commitAcrossViewGap: Witness = {
  name: 'alg4-commit-across-view-gap',
  description: 'a commit whose every certified direct-parent 3-chain skips a view (Alg. 4 decide line, not LibraBFT\'s)',
  check(t, cfg) {
    const a = t.after.committed;
    if (a.length <= t.before.committed.length) return false;
    const tip = a[a.length - 1]!;
    const tipView = t.after.blocks.get(tip)?.block.view;
    if (tipView === undefined) return false;
    const chains = certifiedThreeChains(t, cfg, tip);
    return chains.length > 0 && chains.every(([c1, c2]) => c1.view !== tipView + 1 || c2.view !== c1.view + 1);
  },
};

/**
 * alg4: a leader extends an uncertified leaf. The proposal it broadcasts has a parent other
 * than its QC's block (createLeaf(b_leaf, cmd, qc_high) with b_leaf its own earlier proposal).
 */
const leaderExtendsLeaf: Witness = {
  name: 'alg4-leader-extends-uncertified-leaf',
  description: 'a correct leader proposes on its own leaf, a block its QC does not certify (parent != justify.node)',
  check(t) {
    for (const e of t.effects) {
      if (e.kind === 'broadcast' && e.msg.type === 'proposal' && e.msg.block.parent !== e.msg.block.justify.block) return true;
    }
    return false;
  },
};

/**
 * jolteon: a vote justified by a TC. The block voted for in round r carries a QC older than
 * r - 1, so only the second clause of safe_to_vote ("round = tc.round + 1 and qc.round >= the
 * TC's highest QC round") can have allowed it.
 */
const voteJustifiedByTC: Witness = {
  name: 'jolteon-vote-justified-by-tc',
  description: 'a correct vote for a block whose QC is not from the previous round (allowed only by a TC)',
  check(t) {
    for (const e of t.effects) {
      if ((e.kind !== 'send' && e.kind !== 'broadcast') || e.msg.type !== 'vote') continue;
      const b = t.after.blocks.get(e.msg.block)?.block;
      if (b !== undefined && b.justify.view + 1 !== e.msg.view) return true;
    }
    return false;
  },
};

/** jolteon: a commit in the 2-chain rule's shape that the 3-chain rule would not have made yet (a sanity witness). */
const twoChainCommit: Witness = {
  name: 'jolteon-commit',
  description: 'a correct node commits (the 2-chain rule fired)',
  check(t) {
    return t.after.committed.length > t.before.committed.length;
  },
};

/**
 * libra (and alg4's safeNode too, but counted for libra): a vote through safeNode's liveness
 * clause. The block does not extend b_lock (by parent links) and its QC is newer than the lock
 * (Alg. 4 onReceiveProposal: "b_new extends b_lock or b_new.justify.node ... > b_lock ...").
 */
const voteUnlockedByNewerQC: Witness = {
  name: 'libra-vote-on-newer-qc-off-lock',
  description: 'a correct vote for a block that does not extend b_lock, allowed by a QC newer than the lock',
  check(t) {
    const lock = t.before.lockedBlock;
    for (const e of t.effects) {
      if ((e.kind !== 'send' && e.kind !== 'broadcast') || e.msg.type !== 'vote') continue;
      const b = t.after.blocks.get(e.msg.block)?.block;
      if (b === undefined || b.justify.view <= t.before.lockedView) continue;
      let cur: string | undefined = b.id;
      const seen = new Set<string>();
      while (cur !== undefined && cur !== lock && !seen.has(cur)) {
        seen.add(cur);
        const next: string | undefined = t.after.blocks.get(cur)?.block.parent;
        cur = next === cur ? undefined : next;
      }
      if (cur !== lock) return true;
    }
    return false;
  },
};

const WITNESSES: Readonly<Record<HotStuffVariant, readonly Witness[]>> = {
  libra: [voteUnlockedByNewerQC],
  alg4: [commitAcrossViewGap, leaderExtendsLeaf],
  jolteon: [voteJustifiedByTC, twoChainCommit],
};

export function witnessesOf(variant: HotStuffVariant): readonly Witness[] {
  return WITNESSES[variant];
}
