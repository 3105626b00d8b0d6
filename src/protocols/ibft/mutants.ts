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

/**
 * Liveness bugs: safe (they ask for more votes than Q, never fewer), and every correct node
 * still decides when the Byzantine node behaves honestly after GST; only the adversary that
 * persists after GST (a node silent or selective for good, a core that leaves a node cut off;
 * sim/actions.ts AfterGst) kills them. Each waits for every committee member where Klaytn
 * waits for Q. Killed in properties/ibft.test.ts; kept apart from IBFT_MUTANTS, whose kill
 * table runs the default shape.
 */
export const IBFT_LIVENESS_MUTANTS = {
  'prepared-needs-all': 'prepare.go handlePrepare / commit.go handleCommit: the Prepared transition (lock and COMMIT) waits for PREPARE-or-COMMIT from every committee member instead of Q (GetPrepareOrCommitSize compared with the committee size)',
  'round-change-needs-all': 'roundchange.go handleRoundChange: a new round starts only on ROUND-CHANGEs from every committee member instead of Q',
} as const satisfies Record<string, string>;

export type IbftMutant = keyof typeof IBFT_MUTANTS;
export type IbftLivenessMutant = keyof typeof IBFT_LIVENESS_MUTANTS;

/** Every mutant, the liveness ones last (the registry's list). */
export const IBFT_MUTANT_LIST: readonly MutantInfo[] = Object.entries({ ...IBFT_MUTANTS, ...IBFT_LIVENESS_MUTANTS }).map(([name, description]) => ({ name, description }));

/** The reducer's behaviour switches; all false is the design as written. */
export interface IbftFlags {
  readonly lockDroppedInCatchUp: boolean;
  readonly prepareCommitDoubleCounted: boolean;
  readonly lockedNodePreparesOther: boolean;
  readonly importSkipsSealCheck: boolean;
  // The liveness switches are present only when on, so that every other state (and so every
  // fixture's replay fingerprint, which hashes the final states) is what it was before them.
  readonly preparedNeedsAll?: true;
  readonly roundChangeNeedsAll?: true;
}

export function ibftFlagsFor(mutant: IbftMutant | IbftLivenessMutant | undefined): IbftFlags {
  return {
    lockDroppedInCatchUp: mutant === 'lock-dropped-in-catch-up',
    prepareCommitDoubleCounted: mutant === 'prepares-commits-double-counted',
    lockedNodePreparesOther: mutant === 'locked-node-prepares-other',
    importSkipsSealCheck: mutant === 'import-skips-seal-check',
    ...(mutant === 'prepared-needs-all' ? { preparedNeedsAll: true } : {}),
    ...(mutant === 'round-change-needs-all' ? { roundChangeNeedsAll: true } : {}),
  };
}
