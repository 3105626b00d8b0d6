/**
 * An IBFT node's abstract state for coverage-guided search (issue 12): whether it waits for
 * round changes (catchUpRound), its round (capped at 12), whether it holds a lock, and whether
 * it is past the first height. At most 2 x 13 x 2 x 2 = 104 values per node.
 *
 * Why these and nothing else. In IBFT a node leaves a round by the round-change machinery
 * (Q to start a round, F+1 to catch up, timeouts that grow with the round), and a Klaytn lock
 * is kept across every round of a height: what deep runs reach, and what the liveness and
 * lock bugs need, is rounds far from 0 with locks carried into them and nodes drifting apart
 * in rounds. Round up to 12 (not 3) keeps that depth visible: reaching round r takes about
 * r^2/2 timer firings per node, which short uniform tapes do not give and grown guided tapes
 * do. What changes at every message (PREPARE and COMMIT counts, round changes heard, the
 * phase within a round) is left out: those made almost every run's cluster states new to
 * uniform search as much as to guided (measured, 2 cores loaded, 12 s per strategy, seeds
 * search-1 and -2, guided/uniform distinct states: phase, counts and round capped at 3 gave
 * 1.1-1.6 at n=7; with the phase added to these fields 1.8-2.3; these fields 4.2-4.4).
 */
import type { IbftState } from './state.ts';

export function ibftAbstraction(s: IbftState): string {
  return `${s.waiting ? 'w' : ''}${Math.min(s.round, 12)}${s.locked === null ? 'n' : 'l'}${Math.min(s.seq, 1)}`;
}
