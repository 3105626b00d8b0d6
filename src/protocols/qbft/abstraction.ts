/**
 * A QBFT node's abstract state for coverage-guided search (issue 12): the round (capped at
 * 3), whether it accepted a proposal in it, where its prepared certificate stands (none,
 * of this round, older: the round-change justification depends on it), whether it
 * committed in this round or before, whether it proposed in this round, and the sequence
 * (capped at 2).
 */
import type { QbftState } from './state.ts';

export function qbftAbstraction(s: QbftState): string {
  const prepared = s.prepared === null ? 'n' : s.prepared.round === s.round ? '=' : Math.min(s.round - s.prepared.round, 2);
  const committed = s.committedRound < 0 ? 'n' : s.committedRound === s.round ? '=' : 'o';
  return `${Math.min(s.round, 3)}${s.accepted === null ? 'w' : 'a'}${prepared}${committed}${s.proposedRound === s.round ? 'p' : ''}${Math.min(s.seq, 2)}`;
}
