/**
 * What a Tendermint node keeps on disk, and the crash-recovery mutants.
 *
 * CometBFT persists, before a vote leaves the node: the privval last-sign state (height, round,
 * step and the signature; privval/file.go FilePVLastSignState, saved in signVote before the
 * signature is returned, so a restarted validator refuses to sign another vote in that slot),
 * and every consensus input in its WAL (consensus/wal.go; its own votes with WriteSync), which
 * it replays on restart up to the last height it committed (consensus/replay.go catchupReplay),
 * rebuilding the round state: step, lock, valid value and the votes received. Committed blocks
 * are in the block store, handed again to the application from the height it reports
 * (Handshake, ABCI Info). So the durable projection here is the whole round state (the WAL
 * replayed), written before any effect of the call (core/durable.ts writeAhead); what a restart
 * loses is its pending timeouts (set again from the state, as enterNewRound/enterPrevote do
 * after replay) and whatever a call did after a crash cut it.
 */
import type { Effect, Timer } from '../../core/types.ts';
import type { MutantInfo } from '../../core/types.ts';
import type { WriteAhead } from '../../core/durable.ts';
import type { TendermintMessage } from './messages.ts';
import { proposer, timer } from './rules.ts';
import { FIRED_L34, FIRED_L47, type TendermintState, roundLog } from './state.ts';

export const TENDERMINT_DURABLE_MUTANTS = {
  'vote-before-persist': 'a call that casts a prevote or precommit writes its record after sending the vote (CometBFT saves the privval last-sign state and WAL-syncs its own vote before the vote leaves): a crash between them makes it forget the vote and sign another in the same slot',
  'lock-persisted-after-precommit': 'L36-L40: the call that locks on v and precommits v writes the lock after the precommit is sent: a crash between them restarts the node unlocked, before the precommit, free to precommit nil in the same round',
} as const satisfies Record<string, string>;

export type TendermintDurableMutant = keyof typeof TENDERMINT_DURABLE_MUTANTS;

export const TENDERMINT_DURABLE_MUTANT_LIST: readonly MutantInfo[] = Object.entries(TENDERMINT_DURABLE_MUTANTS).map(([name, description]) => ({ name, description }));

export function isTendermintDurableMutant(m: string | undefined): m is TendermintDurableMutant {
  return m !== undefined && m in TENDERMINT_DURABLE_MUTANTS;
}

type Fx = readonly Effect<TendermintMessage>[];

function castsVote(effects: Fx): boolean {
  return effects.some((e) => e.kind === 'broadcast' && (e.msg.type === 'prevote' || e.msg.type === 'precommit'));
}

/** The timeouts a node in this state waits for (L21, L34-L35, L47-L48), set again after a restart. */
export function pendingTimeouts(s: TendermintState): Timer[] {
  const out: Timer[] = [];
  const fired = roundLog(s, s.height, s.round).fired;
  if (s.step === 'propose' && proposer(s.height, s.round, s.n) !== s.self) out.push(timer('timeoutPropose', s.height, s.round));
  if (s.step === 'prevote' && (fired & FIRED_L34) !== 0) out.push(timer('timeoutPrevote', s.height, s.round));
  if ((fired & FIRED_L47) !== 0) out.push(timer('timeoutPrecommit', s.height, s.round));
  return out;
}

export function tendermintDurability(mutant: TendermintDurableMutant | undefined): WriteAhead<TendermintState, TendermintMessage, Timer, TendermintState> {
  return {
    // No projection: the whole round state is what replaying the WAL rebuilds (states are immutable: no copy).
    restore: (_self, _cfg, s) => s,
    timers: pendingTimeouts,
    ...(mutant === 'vote-before-persist' ? { order: (_b: TendermintState, _a: TendermintState, effects: Fx) => (castsVote(effects) ? 'last' as const : 'first' as const) } : {}),
    ...(mutant === 'lock-persisted-after-precommit'
      ? { order: (b: TendermintState, a: TendermintState, effects: Fx) => (a.height === b.height && a.lockedRound > b.lockedRound && castsVote(effects) ? 'last' as const : 'first' as const) }
      : {}),
  };
}
