/**
 * A Tendermint node's abstract state for coverage-guided search (issue 12): what the lock
 * rules of Algorithm 1 depend on, with every number bounded so the space stays small.
 * Step; the round within the height (rounds restart at 0 on each height: capped at 3); the
 * lock's age (round - lockedRound, capped at 2) and where validRound stands against it
 * (L36 sets both together, L36 without a lock change moves only validRound); which of the
 * "for the first time" rules L34/L36/L47 already fired in this round (the RoundLog's bits,
 * free to read); the height, capped at 2.
 */
import type { TendermintState } from './state.ts';

export function tendermintAbstraction(s: TendermintState): string {
  const lock = s.lockedRound < 0 ? 'n' : String(Math.min(s.round - s.lockedRound, 2));
  const valid = s.validRound < 0 ? 'n' : s.validRound === s.lockedRound ? '=' : s.validRound > s.lockedRound ? '>' : '<';
  const fired = s.rounds[s.round]?.fired ?? 0;
  return `${s.step[2]}${Math.min(s.round, 3)}${lock}${valid}${fired}h${Math.min(s.height, 2)}`;
}
