import type { MutantInfo } from '../../core/types.ts';

/**
 * Deliberate bugs of the Klaytn design, as options of the one reducer (never copies of it),
 * each from the history of Istanbul BFT implementations and naming the Klaytn file it breaks.
 * properties/ibft.test.ts kills every one within a measured budget. (The older quorum rule
 * 2F+1 is not a mutant here but the registered variant ibft-2f1: its fork needs a campaign
 * too long for a kill budget in npm test, see properties/ibft.test.ts.)
 */
export const IBFT_MUTANTS = {
  'lock-dropped-in-catch-up': 'core.go catchUpRound: the round state is renewed without the locked hash ("Need to keep block locked for round catching up" is ignored)',
  'prepares-commits-double-counted': 'roundstate.go GetPrepareOrCommitSize: PREPAREs and COMMITs are added without removing senders that sent both, so a node locks on fewer than Q distinct senders',
  'locked-node-prepares-other': 'preprepare.go handlePreprepare: a hash-locked node accepts a PREPREPARE of another block and PREPAREs it instead of sending ROUND-CHANGE',
  'import-skips-seal-check': 'backend/engine.go verifyCommittedSeals: the block is imported with whatever committed seals the COMMITs carried, valid or not',
} as const satisfies Record<string, string>;

export type IbftMutant = keyof typeof IBFT_MUTANTS;

export const IBFT_MUTANT_LIST: readonly MutantInfo[] = Object.entries(IBFT_MUTANTS).map(([name, description]) => ({ name, description }));

/** The reducer's behaviour switches; all false is the design as written. */
export interface IbftFlags {
  readonly lockDroppedInCatchUp: boolean;
  readonly prepareCommitDoubleCounted: boolean;
  readonly lockedNodePreparesOther: boolean;
  readonly importSkipsSealCheck: boolean;
}

export function ibftFlagsFor(mutant: IbftMutant | undefined): IbftFlags {
  return {
    lockDroppedInCatchUp: mutant === 'lock-dropped-in-catch-up',
    prepareCommitDoubleCounted: mutant === 'prepares-commits-double-counted',
    lockedNodePreparesOther: mutant === 'locked-node-prepares-other',
    importSkipsSealCheck: mutant === 'import-skips-seal-check',
  };
}
