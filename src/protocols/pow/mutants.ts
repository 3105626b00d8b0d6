import type { MutantInfo } from '../../core/types.ts';
import type { RetargetOptions, WorkOptions } from './arith.ts';

/**
 * Deliberate bugs, as options of the one reducer (never copies of it). Each names the rule
 * of Bitcoin Core it breaks. The properties must kill every one within a fixed budget.
 */
export const POW_MUTANTS = {
  'fork-choice-by-height': 'the head is the highest block, not the one with most chainwork (Nakamoto section 4: "longest" means most work; Core CBlockIndexWorkComparator)',
  'ties-latest-arrival': 'equal chainwork switches to the block that arrived last, not the first seen (Core: nSequenceId breaks ties)',
  'retarget-no-clamp': 'the measured timespan is not clamped to [T/4, 4T] (pow.cpp CalculateNextWorkRequired)',
  'retarget-no-powlimit-cap': 'an easing retarget may exceed powLimit (pow.cpp: if (bnNew > bnPowLimit) bnNew = bnPowLimit)',
  'compact-no-sign-fix': 'GetCompact keeps a mantissa with the 0x00800000 bit set, so the bits read back negative (arith_uint256.cpp)',
  'block-work-no-plus-one': 'block work drops the final + 1 of (~target / (target + 1)) + 1, so every block counts one hash less than 2^256 / (target + 1) (chain.cpp GetBlockProof)',
  'retarget-full-interval': 'from the second retarget on, the period is measured from one block before its first block, interval block intervals instead of Core\'s interval - 1 (pow.cpp GetNextWorkRequired; Litecoin\'s rule)',
  'retarget-parent-height': 'the retarget boundary is tested on the parent\'s height, not the new block\'s ((pindexLast->nHeight + 1) % interval in pow.cpp), so difficulty changes one block early',
  'no-orphan-pool': 'a block whose parent is unknown is validated at once instead of being held until the parent arrives (Core keeps such blocks aside: mapBlocksUnlinked, the orphan pool), so a block that overtakes its parent is rejected for good',
} as const satisfies Record<string, string>;

export type PowMutant = keyof typeof POW_MUTANTS;

export const POW_MUTANT_LIST: readonly MutantInfo[] = Object.entries(POW_MUTANTS).map(([name, description]) => ({ name, description }));

/** The reducer's behaviour switches; the defaults are Bitcoin Core's rules. */
export interface PowFlags {
  /** What "best chain" means: most chainwork (correct) or most blocks. */
  readonly forkChoice: 'work' | 'height';
  /** Among equal candidates: keep the first seen (correct) or take the latest arrival. */
  readonly tieBreak: 'first-seen' | 'latest';
  /** Options of the retarget and compact encoding (arith.ts); all true is Core. */
  readonly retarget: Required<RetargetOptions>;
  /** Options of the block work (arith.ts blockWork); all true is Core. */
  readonly work: Required<WorkOptions>;
  /** Hold blocks with an unknown parent until it arrives (correct), or process them at once. */
  readonly holdOrphans: boolean;
}

export function flagsFor(mutant: PowMutant | undefined): PowFlags {
  return {
    forkChoice: mutant === 'fork-choice-by-height' ? 'height' : 'work',
    tieBreak: mutant === 'ties-latest-arrival' ? 'latest' : 'first-seen',
    retarget: {
      clamp: mutant !== 'retarget-no-clamp',
      capAtPowLimit: mutant !== 'retarget-no-powlimit-cap',
      signFix: mutant !== 'compact-no-sign-fix',
      measureFrom: mutant === 'retarget-full-interval' ? 'full-interval' : 'period-start',
      boundary: mutant === 'retarget-parent-height' ? 'parent' : 'new-block',
    },
    work: { plusOne: mutant !== 'block-work-no-plus-one' },
    holdOrphans: mutant !== 'no-orphan-pool',
  };
}
