import type { ByzantineContext, ClusterConfig, NodeId, Protocol, Timer, VoteSlot } from '../../core/types.ts';
import { type TendermintMessage, describeMessage, freshValue, isValidValue, messageKey, validateMessage, valueId } from './messages.ts';
import { type TendermintMutant, flagsFor } from './mutants.ts';
import { init, onMessage, onTimer } from './reducer.ts';
import type { TendermintState } from './state.ts';
import { TENDERMINT_INVARIANTS } from './invariants.ts';
import { proposer } from './rules.ts';
import { defineProtocol, sometimes, transitions } from '../../core/define.ts';
import { TENDERMINT_RULES } from './coverage.ts';
import { tendermintAmnesia } from './accountability.ts';
import { tendermintAbstraction } from './abstraction.ts';
import { tendermintWaitingFor } from './story.ts';
import { writeAhead } from '../../core/durable.ts';
import { type TendermintDurableMutant, isTendermintDurableMutant, tendermintDurability } from './durable.ts';

export { TENDERMINT_MUTANTS, TENDERMINT_MUTANT_LIST, type TendermintMutant } from './mutants.ts';
export { TENDERMINT_DURABLE_MUTANTS, TENDERMINT_DURABLE_MUTANT_LIST, type TendermintDurableMutant } from './durable.ts';
export type { TendermintMessage } from './messages.ts';
export type { TendermintState } from './state.ts';

function voteSlot(from: NodeId, m: TendermintMessage): VoteSlot {
  return m.type === 'proposal'
    ? { slot: `proposal/${from}/h${m.height}/r${m.round}`, value: `${m.value}@${m.validRound}` }
    : { slot: `${m.type}/${from}/h${m.height}/r${m.round}`, value: m.id ?? 'nil' };
}

/**
 * What a Byzantine node may sign: for every height some node is at (its own included) and
 * rounds from the lowest current round there to one past the highest (rounds everyone has
 * left are not offered: widening to round 0 did not kill old-pol-accepted any faster), prevotes and precommits for nil, for
 * every value in play and for a value of its own; and, where it is the proposer, proposals
 * of those values with any validRound below the round (stale or forged proofs of lock),
 * plus one invalid value to test valid(v).
 */
function byzantineMessages(ctx: ByzantineContext<TendermintState, TendermintMessage>): TendermintMessage[] {
  const { states, self, cfg } = ctx;
  const out: TendermintMessage[] = [];
  const heights = [...new Set(states.map((s) => s.height))].sort((a, b) => a - b);
  for (const h of heights) {
    const here = states.filter((s) => s.height === h);
    const lo = Math.min(...here.map((s) => s.round));
    const hi = Math.max(...here.map((s) => s.round)) + 1;
    const values = new Set<string>();
    for (const s of here) {
      if (s.lockedValue !== null) values.add(s.lockedValue);
      if (s.validValue !== null) values.add(s.validValue);
      for (const log of s.rounds) for (const p of log?.proposals ?? []) values.add(p.value);
    }
    for (let r = lo; r <= hi; r++) {
      values.add(freshValue(h, r, self));
    }
    const sorted = [...values].sort();
    for (let r = lo; r <= hi; r++) {
      for (const type of ['prevote', 'precommit'] as const) {
        out.push({ type, height: h, round: r, id: null });
        for (const v of sorted) out.push({ type, height: h, round: r, id: valueId(v) });
      }
      if (proposer(h, r, cfg.n) === self) {
        for (const v of [...sorted, `invalid-${self}`]) {
          for (let vr = -1; vr < r; vr++) out.push({ type: 'proposal', height: h, round: r, value: v, validRound: vr });
        }
      }
    }
  }
  return out;
}

export function tendermint(mutant?: TendermintMutant | TendermintDurableMutant): Protocol<TendermintState, TendermintMessage> {
  // Crash-recovery mutants (durable.ts) change where the node writes to disk, not its rules.
  const durableMutant = isTendermintDurableMutant(mutant) ? mutant : undefined;
  const flags = flagsFor(durableMutant ? undefined : (mutant as TendermintMutant | undefined));
  return defineProtocol<TendermintState, TendermintMessage>({
    name: 'tendermint',
    node: writeAhead({
      init: (self: NodeId, cfg: ClusterConfig) => init(self, cfg, flags),
      onMessage,
      onTimer: (s: TendermintState, t: Timer) => onTimer(s, t),
    }, tendermintDurability(durableMutant)),
    properties: [
      ...transitions(TENDERMINT_INVARIANTS),
      ...TENDERMINT_RULES.map((r) => sometimes<TendermintState, TendermintMessage>(r.name, r.description, (t) => r.seen(t))),
    ],
    view: (s) => ({
      height: s.height,
      round: s.round,
      step: s.step,
      lock: s.lockedValue === null ? '-' : `${s.lockedValue}@${s.lockedRound}`,
    }),
    isValidValue,
    voteSlot,
    describe: describeMessage,
    messageKey,
    byzantineMessages,
    validateMessage,
    abstraction: tendermintAbstraction,
    evidence: tendermintAmnesia,
    waitingFor: tendermintWaitingFor,
  }, mutant);
}
