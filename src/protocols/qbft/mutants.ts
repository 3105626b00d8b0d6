import type { MutantInfo } from '../../core/types.ts';

/**
 * Deliberate bugs of QBFT, as options of its one reducer, each breaking a rule that IBFT 2.0
 * added to Istanbul BFT (Saltini & Hyland-Wood, arXiv 1909.10194; Consensys
 * qbft-formal-spec-and-verification dafny/spec/L1). properties/qbft.test.ts kills each one.
 */
export const QBFT_MUTANTS = {
  'seal-unchecked': 'UponCommit counts COMMITs whatever their committed seal (validCommitsForHeightRoundAndDigest without the seal check), so a block is decided with fewer than Q valid seals',
  'prepared-value-ignored': 'UponRoundChange and isValidProposal: a round > 0 proposal need not carry the highest prepared block of its round changes (the proposer proposes fresh, the others accept it)',
  'round-change-drops-prepared': 'createRoundChange: ROUND-CHANGE carries no prepared certificate, so the next proposer cannot learn a value that may have been decided',
} as const satisfies Record<string, string>;

/**
 * Liveness bugs: safe (more votes than Q, never fewer), and every correct node still decides
 * when the Byzantine node behaves honestly after GST; only the adversary that persists after
 * GST (sim/actions.ts AfterGst) kills them. Killed in properties/qbft.test.ts.
 */
export const QBFT_LIVENESS_MUTANTS = {
  'commit-needs-all-prepares': 'UponPrepare: the node is prepared on a quorum of PREPAREs (its certificate as written) but sends its COMMIT only once PREPAREs from every committee member arrived',
  'round-change-needs-all': 'UponRoundChange: the proposer of a round proposes only on ROUND-CHANGEs from every committee member instead of a quorum (hasReceivedProposalJustification with all n)',
} as const satisfies Record<string, string>;

export type QbftMutant = keyof typeof QBFT_MUTANTS;
export type QbftLivenessMutant = keyof typeof QBFT_LIVENESS_MUTANTS;

/** Every mutant, the liveness ones last (the registry's list). */
export const QBFT_MUTANT_LIST: readonly MutantInfo[] = Object.entries({ ...QBFT_MUTANTS, ...QBFT_LIVENESS_MUTANTS }).map(([name, description]) => ({ name, description }));

export interface QbftFlags {
  readonly sealUnchecked: boolean;
  readonly preparedValueIgnored: boolean;
  readonly roundChangeDropsPrepared: boolean;
  // Present only when on, so every fixture's final states (and replay fingerprints) stay as they were.
  readonly roundChangeNeedsAll?: true;
  readonly commitNeedsAllPrepares?: true;
}

export function qbftFlagsFor(mutant: QbftMutant | QbftLivenessMutant | undefined): QbftFlags {
  return {
    sealUnchecked: mutant === 'seal-unchecked',
    preparedValueIgnored: mutant === 'prepared-value-ignored',
    roundChangeDropsPrepared: mutant === 'round-change-drops-prepared',
    ...(mutant === 'round-change-needs-all' ? { roundChangeNeedsAll: true } : {}),
    ...(mutant === 'commit-needs-all-prepares' ? { commitNeedsAllPrepares: true } : {}),
  };
}
