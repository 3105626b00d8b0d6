/**
 * A PoW node's abstract state for coverage-guided search (issue 12, item 1): how far its best
 * chain has grown (the head's height, capped at 24) and where the BIP9 deployment stands on it
 * (the head's state: DEFINED, STARTED, LOCKED_IN, ACTIVE or FAILED), e.g. "9l" for a head at
 * height 9 with the deployment locked in. One lookup per call (the head's entry).
 *
 * Why these two and nothing else. Coverage pays off when a random schedule rarely reaches a
 * state and a mutated tape that already got near it reaches it often: depth. Both are depth:
 *  - a run of the default shape finds about 15 blocks in all, spread over forks and nodes, so a
 *    chain beyond height 8 or so takes a long, mining-heavy schedule; guided search grows tapes
 *    (up to 8x the shape's) from ones that already built high chains;
 *  - LOCKED_IN and ACTIVE take whole 4-block periods with 3 signalling blocks each after the
 *    start time, FAILED a slow chain past the timeout: the deployment's state machine.
 * Features every random schedule varies, breadth, were measured to drown the signal, because a
 * cluster's state is the multiset of its nodes' (search/coverage.ts) and each such feature
 * multiplies the combinations uniform search stumbles on as fast as guided search does. The
 * previous abstraction (height capped at 4, fork depth, inferred reorgs, orphans) reached 0.5-0.95x
 * uniform's distinct cluster states in 5 s; adding a fork flag to this one drops guided/uniform
 * from 2.5-4.0 to 1.2-3.7, a deep-fork flag (two blocks or more) to 1.1-1.7 (bench/pow.ts
 * --coverage, figures in its header). Forks, reorgs and orphans are the business of the
 * invariants and of the rule witnesses (coverage.ts), which see them in every run anyway.
 *
 * Small: at most 25 x 5 = 125 values per node, never unique per run (a run of the default shape
 * adds a handful of new cluster states, not one per step).
 */
import type { DeploymentState } from './bip9.ts';
import { type PowState, headEntry } from './state.ts';

/** Heights above this look alike: far beyond what the default shape reaches, within what guided tapes grow to. */
export const ABSTRACT_HEIGHT_CAP = 24;

const DEPLOYMENT_LETTER: Readonly<Record<DeploymentState, string>> = { DEFINED: 'd', STARTED: 's', LOCKED_IN: 'l', ACTIVE: 'a', FAILED: 'x' };

export function powAbstraction(s: PowState): string {
  const head = headEntry(s);
  return `${Math.min(head.block.height, ABSTRACT_HEIGHT_CAP)}${DEPLOYMENT_LETTER[head.deployment]}`;
}
