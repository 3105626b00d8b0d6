import type { MutantInfo } from '../../core/types.ts';

/**
 * The HotStuff family, as options of one reducer (never copies of it):
 * - `libra`: chained HotStuff the LibraBFT way (a block's parent is its QC's block, views
 *   stand in for heights, commit on a 3-chain of direct parents in consecutive views).
 * - `alg4`: Algorithm 4 of the HotStuff paper (Yin et al., arXiv 1803.05069, "event-driven
 *   HotStuff") as printed: heights distinct from views, the leader extends its own leaf
 *   b_leaf (createLeaf(b_leaf, cmd, qc_high)), vheight over heights, commit on a 3-chain of
 *   direct parents whatever the views.
 * - `jolteon`: the 2-chain DiemBFT v4 / Jolteon (Gelashvili, Kokoris-Kogias, Sonnino,
 *   Spiegelman, Xiang, "Jolteon and Ditto", FC 2022; diem/diem
 *   consensus/safety-rules/src/safety_rules_2chain.rs): 2-chain commit in consecutive
 *   rounds, timeouts raise the last voted round, TCs carry the highest QC, and the voting
 *   rule "round = qc.round + 1, or round = tc.round + 1 and qc.round >= the TC's highest
 *   QC round".
 */
export type HotStuffVariant = 'libra' | 'alg4' | 'jolteon';
export const HOTSTUFF_VARIANTS: readonly HotStuffVariant[] = ['libra', 'alg4', 'jolteon'];

/**
 * Deliberate bugs of the libra variant. Each names the rule of chained HotStuff it breaks
 * (arXiv 1803.05069 Alg. 4; LibraBFT's contiguous-round commit rule).
 * The properties in properties/hotstuff.test.ts must kill every one within a fixed budget.
 */
export const HOTSTUFF_MUTANTS = {
  'commit-on-2-chain': 'update(): commit b\' as soon as b\' <- b\'\' is a certified direct chain (a 2-chain), instead of b on the 3-chain b <- b\' <- b\'\'',
  'safe-node-ignores-lock': 'safeNode(): vote for any proposal of the view, whether or not it extends b_lock or carries a QC newer than the lock',
  // The switch skips the whole direct-chain test, but in this variant a block's parent is always
  // its QC's block, so the parent tests were true anyway: what it removes is the view test.
  'commit-without-direct-parent': 'update(): commit b on a 3-chain b <- b\' <- b\'\' of direct parents whose views are not consecutive (the test b.view + 2 = b\'.view + 1 = b\'\'.view is gone; the parent tests it also skips always hold in this variant)',
  'lock-on-1-chain': 'update(): lock on b\'\' (the block the QC certifies, a 1-chain) instead of b\' (the head of the 2-chain)',
  'lock-without-higher-guard': 'update(): b_lock <- b\' unconditionally, without "if b\'.height > b_lock.height", so an old QC moves the lock back',
  'vheight-not-enforced': 'onReceiveProposal(): the "b_new.height > vheight" test is gone, so a node votes for every proposal of its view',
  'qc-before-block': 'a QC whose block has not arrived yet is applied at once instead of being kept until the block arrives: update() looks up the missing block and the reducer throws (a missing-ancestor crash)',
} as const satisfies Record<string, string>;

/**
 * Liveness bugs of the libra variant: safe (no invariant sees them); they stall when a node
 * stays away for good, which the adversary that persists after GST (a silent node, a core
 * leaving nodes cut off; sim/actions.ts AfterGst) does at once. qc-needs-all survives honest
 * behaviour after GST (every later view collects all n votes); tc-needs-all is also caught
 * with it, about 50 times later (a Byzantine node's timeout withheld before GST in the view
 * current at GST); vote-to-next-leader too in scenarios of two heights, about 500 times later
 * (a Byzantine leader whose own block was replaced by an injected one never gets that block,
 * there being no block fetch, so it can neither certify nor lead on the chain for good), never
 * in scenarios of one height. properties/liveness.test.ts has the figures. Listed with the
 * libra mutants in the registry, kept apart from HOTSTUFF_MUTANTS (whose kill table runs the
 * default shape).
 */
export const HOTSTUFF_LIVENESS_MUTANTS = {
  'qc-needs-all': 'onReceiveVote: a QC needs votes from all n nodes, not 2f+1 (safe; one silent node stops every QC, so nothing commits)',
  'tc-needs-all': 'pacemaker: a TC needs timeouts from all n nodes, not 2f+1 (safe; after a silent leader\'s view nobody moves on)',
  // Alg. 4 of arXiv 1803.05069 as printed. With round-robin leaders and n = 4 there are only
  // three correct leaders in a row, and the QC of the third block of their 3-chain is formed by
  // the fourth, so one leader that keeps it stalls every commit (rules.ts onVote says why the
  // correct model broadcasts votes).
  'vote-to-next-leader': 'onReceiveProposal: the vote goes to the next view\'s leader only ("send voteMsg to leader(curView + 1)"), not to every node, so the QC of a chain\'s third block exists only at the leader after it (safe; one silent leader in every n views stops every commit)',
} as const satisfies Record<string, string>;

/** Bugs of the alg4 variant (arXiv 1803.05069 Alg. 4 and the pacemaker of Alg. 5). */
export const ALG4_MUTANTS = {
  'commit-on-justify-chain': 'update(): the decide test reads justify links for parent links (b\'\'.justify.node = b\' and b\'.justify.node = b, true of every 3-chain of QCs) instead of "b\'\'.parent = b\' and b\'.parent = b", so b commits through a chain with an uncertified or foreign block in between',
  'vheight-not-updated': 'onReceiveProposal(): "vheight <- b_new.height" is missing, so a node votes again at a height it already voted at (two conflicting blocks of one height can both be certified)',
  'vheight-by-view': 'onReceiveProposal(): vheight records and compares the block\'s view instead of its height (LibraBFT\'s habit), so after a timeout a node votes for a second block at a height it already voted at',
} as const satisfies Record<string, string>;

/** Bugs of the jolteon variant (Jolteon/DiemBFT v4; diem safety_rules_2chain.rs). */
export const JOLTEON_MUTANTS = {
  'timeout-keeps-vote-round': 'sign timeout: the timeout does not raise last_voted_round (guarded_sign_timeout_with_qc), so a node votes in a round it already gave up; its timeout and its vote both count, and a TC can hide a QC from the next leader',
  'commit-without-consecutive-rounds': 'construct_ledger_info_2chain: commit B0 on any certified child B1, without round(B0) + 1 = round(B1)',
  'tc-vote-without-hqc-check': 'safe_to_vote: a block justified by a TC for round - 1 is voted for without "qc.round >= the TC\'s highest QC round", so a leader may build on a QC older than one 2f+1 nodes reported',
  'tc-on-weak-quorum': 'timeout collector: f+1 timeouts (instead of 2f+1) form a TC, so a TC no longer proves that a quorum gave up the round',
} as const satisfies Record<string, string>;

export type LibraMutant = keyof typeof HOTSTUFF_MUTANTS;
export type HotStuffLivenessMutant = keyof typeof HOTSTUFF_LIVENESS_MUTANTS;
export type Alg4Mutant = keyof typeof ALG4_MUTANTS;
export type JolteonMutant = keyof typeof JOLTEON_MUTANTS;
export type HotStuffMutant = LibraMutant | HotStuffLivenessMutant | Alg4Mutant | JolteonMutant;

const list = (m: Record<string, string>): readonly MutantInfo[] => Object.entries(m).map(([name, description]) => ({ name, description }));

/** The libra variant's mutants (the registry's `hotstuff` entry). */
export const HOTSTUFF_MUTANT_LIST: readonly MutantInfo[] = list({ ...HOTSTUFF_MUTANTS, ...HOTSTUFF_LIVENESS_MUTANTS });
export const ALG4_MUTANT_LIST: readonly MutantInfo[] = list(ALG4_MUTANTS);
export const JOLTEON_MUTANT_LIST: readonly MutantInfo[] = list(JOLTEON_MUTANTS);

export function mutantsOf(variant: HotStuffVariant): readonly MutantInfo[] {
  switch (variant) {
    case 'libra':
      return HOTSTUFF_MUTANT_LIST;
    case 'alg4':
      return ALG4_MUTANT_LIST;
    case 'jolteon':
      return JOLTEON_MUTANT_LIST;
  }
}

/** The reducer's behaviour switches; a variant with all bug switches false is the protocol as written. */
export interface HotStuffFlags {
  readonly variant: HotStuffVariant;
  readonly commitOn2Chain: boolean;
  readonly safeNodeIgnoresLock: boolean;
  readonly commitWithoutDirectParent: boolean;
  readonly lockOn1Chain: boolean;
  readonly lockWithoutHigherGuard: boolean;
  readonly vheightNotEnforced: boolean;
  readonly commitOnJustifyChain: boolean;
  readonly vheightNotUpdated: boolean;
  readonly vheightByView: boolean;
  readonly timeoutKeepsVoteRound: boolean;
  readonly commitWithoutConsecutiveRounds: boolean;
  readonly tcVoteWithoutHqcCheck: boolean;
  readonly tcOnWeakQuorum: boolean;
  readonly qcBeforeBlock: boolean;
  // The liveness switches are present only when on, so that every other state (and so every
  // fixture's replay fingerprint, which hashes the final states) is what it was before them.
  readonly qcNeedsAll?: true;
  readonly tcNeedsAll?: true;
  readonly voteToNextLeader?: true;
}

export function flagsFor(mutant: HotStuffMutant | undefined, variant: HotStuffVariant = 'libra'): HotStuffFlags {
  if (mutant !== undefined && !mutantsOf(variant).some((m) => m.name === mutant)) {
    throw new Error(`hotstuff: mutant ${mutant} does not belong to the ${variant} variant`);
  }
  return {
    variant,
    commitOn2Chain: mutant === 'commit-on-2-chain',
    safeNodeIgnoresLock: mutant === 'safe-node-ignores-lock',
    commitWithoutDirectParent: mutant === 'commit-without-direct-parent',
    lockOn1Chain: mutant === 'lock-on-1-chain',
    lockWithoutHigherGuard: mutant === 'lock-without-higher-guard',
    vheightNotEnforced: mutant === 'vheight-not-enforced',
    commitOnJustifyChain: mutant === 'commit-on-justify-chain',
    vheightNotUpdated: mutant === 'vheight-not-updated',
    vheightByView: mutant === 'vheight-by-view',
    timeoutKeepsVoteRound: mutant === 'timeout-keeps-vote-round',
    commitWithoutConsecutiveRounds: mutant === 'commit-without-consecutive-rounds',
    tcVoteWithoutHqcCheck: mutant === 'tc-vote-without-hqc-check',
    tcOnWeakQuorum: mutant === 'tc-on-weak-quorum',
    qcBeforeBlock: mutant === 'qc-before-block',
    ...(mutant === 'qc-needs-all' ? { qcNeedsAll: true } : {}),
    ...(mutant === 'tc-needs-all' ? { tcNeedsAll: true } : {}),
    ...(mutant === 'vote-to-next-leader' ? { voteToNextLeader: true } : {}),
  };
}

export const CORRECT_FLAGS: HotStuffFlags = flagsFor(undefined);
