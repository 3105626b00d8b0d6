/**
 * A HotStuff replica's abstract state for coverage-guided search (issue 12), for all three
 * variants: how far the pacemaker's view runs ahead of qc_high (capped at 3), where the
 * lock stands against qc_high (equal, one or two views behind, further, none), whether the
 * replica voted or timed out in its view, whether it leads it, the number of committed
 * blocks (capped at 3), and whether proposals wait for a missing parent.
 */
import type { HotStuffState } from './state.ts';
import { leader } from './state.ts';

export function hotstuffAbstraction(s: HotStuffState): string {
  const ahead = Math.min(s.view - s.highQC.view, 3);
  const gap = s.highQC.view - s.lockedView;
  const lock = s.lockedView <= 0 ? 'n' : gap <= 0 ? '=' : gap <= 2 ? String(gap) : '+';
  const act = s.timedOutView === s.view ? 't' : s.lastVotedView === s.view ? 'v' : leader(s.view, s.n) === s.self ? 'l' : 'w';
  return `${ahead}${lock}${act}c${Math.min(s.committed.length, 3)}${s.pendingProposals.length > 0 ? 'p' : ''}`;
}
