/**
 * An IBFT node's abstract state for coverage-guided search (issue 12): the phase (and
 * whether it waits for a round change), the round (capped at 3), whether it holds a lock
 * and whether the lock is the block preprepared in this round, how many PREPAREs and
 * COMMITs it counted against the quorum (none, some, quorum), round changes heard for
 * later rounds (none, some, f+1 or more), and the sequence (capped at 2).
 */
import type { IbftState } from './state.ts';

function level(count: number, quorum: number): string {
  return count === 0 ? '0' : count < quorum ? 's' : 'q';
}

export function ibftAbstraction(s: IbftState): string {
  const lock = s.locked === null ? 'n' : s.locked === s.preprepare ? '=' : 'o';
  let later = 0;
  for (const rc of s.roundChanges) if (rc.round > s.round) later++;
  const changes = later === 0 ? '0' : later <= s.f ? 's' : 'w';
  return `${s.phase[0]}${s.waiting ? 'w' : ''}${Math.min(s.round, 3)}${lock}${level(s.prepares.length, s.quorum)}${level(s.commits.length, s.quorum)}${changes}${Math.min(s.seq, 2)}`;
}
