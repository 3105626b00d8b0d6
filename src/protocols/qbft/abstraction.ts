/**
 * A QBFT node's abstract state for coverage-guided search (issue 12): its round (capped at
 * 12), whether it accepted a proposal in it, where its prepared certificate stands (none, of
 * this round, of an earlier one: what its ROUND-CHANGE carries and the next proposal must
 * honour), and whether it is past the first height. At most 13 x 2 x 3 x 2 = 156 values per node.
 *
 * Why these. QBFT's safety rests on prepared certificates carried through round changes into
 * justified proposals of later rounds; the runs that test it are the ones that go many rounds
 * deep with certificates from earlier rounds. Round up to 12 (not 3) keeps that depth visible
 * (reaching round r takes about r^2/2 timer firings per node: grown guided tapes get there,
 * short uniform ones rarely). Whether the node committed or proposed in the round, and the
 * exact age of its certificate, split the same situations further and were dropped
 * (measured, 2 cores loaded, 12 s per strategy, seeds search-1 and -2, guided/uniform distinct
 * states at n=7: the former abstraction, round capped at 3 with those fields, 1.7-2.1; this one
 * 2.6-3.4).
 */
import type { QbftState } from './state.ts';

export function qbftAbstraction(s: QbftState): string {
  const prepared = s.prepared === null ? 'n' : s.prepared.round === s.round ? '=' : 'o';
  return `${Math.min(s.round, 12)}${s.accepted === null ? 'w' : 'a'}${prepared}${Math.min(s.seq, 1)}`;
}
