import type { MutantInfo } from '../../core/types.ts';

/**
 * Deliberate bugs, as options of the one reducer (never copies of it). Each names the rule of
 * chained HotStuff it breaks (arXiv 1803.05069 Alg. 4; LibraBFT's contiguous-round commit rule).
 * The properties in properties/hotstuff.test.ts must kill every one within a fixed budget.
 */
export const HOTSTUFF_MUTANTS = {
  'commit-on-2-chain': 'update(): commit b\' as soon as b\' <- b\'\' is a certified direct chain (a 2-chain), instead of b on the 3-chain b <- b\' <- b\'\'',
  'safe-node-ignores-lock': 'safeNode(): vote for any proposal of the view, whether or not it extends b_lock or carries a QC newer than the lock',
  'commit-without-direct-parent': 'update(): commit b on any 3-chain of QCs, without checking b\'\'.parent = b\', b\'.parent = b and consecutive views',
  'lock-on-1-chain': 'update(): lock on b\'\' (the block the QC certifies, a 1-chain) instead of b\' (the head of the 2-chain)',
  'lock-without-higher-guard': 'update(): b_lock <- b\' unconditionally, without "if b\'.height > b_lock.height", so an old QC moves the lock back',
  'vheight-not-enforced': 'onReceiveProposal(): the "b_new.height > vheight" test is gone, so a node votes for every proposal of its view',
} as const satisfies Record<string, string>;

export type HotStuffMutant = keyof typeof HOTSTUFF_MUTANTS;

export const HOTSTUFF_MUTANT_LIST: readonly MutantInfo[] = Object.entries(HOTSTUFF_MUTANTS).map(([name, description]) => ({ name, description }));

/** The reducer's behaviour switches; all false is the protocol as written. */
export interface HotStuffFlags {
  readonly commitOn2Chain: boolean;
  readonly safeNodeIgnoresLock: boolean;
  readonly commitWithoutDirectParent: boolean;
  readonly lockOn1Chain: boolean;
  readonly lockWithoutHigherGuard: boolean;
  readonly vheightNotEnforced: boolean;
}

export function flagsFor(mutant: HotStuffMutant | undefined): HotStuffFlags {
  return {
    commitOn2Chain: mutant === 'commit-on-2-chain',
    safeNodeIgnoresLock: mutant === 'safe-node-ignores-lock',
    commitWithoutDirectParent: mutant === 'commit-without-direct-parent',
    lockOn1Chain: mutant === 'lock-on-1-chain',
    lockWithoutHigherGuard: mutant === 'lock-without-higher-guard',
    vheightNotEnforced: mutant === 'vheight-not-enforced',
  };
}

export const CORRECT_FLAGS: HotStuffFlags = flagsFor(undefined);
