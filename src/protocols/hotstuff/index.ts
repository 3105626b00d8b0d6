import type { ClusterConfig, NodeId, Protocol, Timer, VoteSlot } from '../../core/types.ts';
import { byzantineMessages } from './byzantine.ts';
import { witnessesOf } from './witnesses.ts';
import { defineProtocol, sometimes, transitions } from '../../core/define.ts';
import { invariantsOf } from './invariants.ts';
import { GENESIS_ID, type HotStuffMessage, describeMessage, isValidValue, messageKey, validateMessage } from './messages.ts';
import { type HotStuffMutant, type HotStuffVariant, flagsFor } from './mutants.ts';
import { init, onMessage, onTimer } from './reducer.ts';
import { type HotStuffState, leader } from './state.ts';
import { hotstuffAbstraction } from './abstraction.ts';
import { hotstuffWaitingFor } from './story.ts';
import { writeAhead } from '../../core/durable.ts';
import { type HotStuffDurableMutant, hotstuffDurability, isHotStuffDurableMutant } from './durable.ts';
export { HOTSTUFF_DURABLE_MUTANTS, HOTSTUFF_DURABLE_MUTANT_LIST, type HotStuffDurableMutant } from './durable.ts';

export {
  ALG4_MUTANT_LIST,
  HOTSTUFF_MUTANTS,
  HOTSTUFF_MUTANT_LIST,
  HOTSTUFF_VARIANTS,
  JOLTEON_MUTANT_LIST,
  type Alg4Mutant,
  type HotStuffMutant,
  type HotStuffVariant,
  type JolteonMutant,
  type LibraMutant,
} from './mutants.ts';
export type { Block, HotStuffMessage, QC, TC } from './messages.ts';
export type { HotStuffState } from './state.ts';

/**
 * One slot per signer, kind and view: a correct node proposes at most one block, votes for at
 * most one block and sends at most one timeout per view. alg4 votes are per height instead
 * (vheight strictly increases; a late proposal of an older view may still get a vote).
 */
function voteSlot(from: NodeId, m: HotStuffMessage): VoteSlot {
  switch (m.type) {
    case 'proposal':
      return { slot: `proposal/${from}/v${m.block.view}`, value: m.block.id };
    case 'vote':
      return m.height === undefined ? { slot: `vote/${from}/v${m.view}`, value: m.block } : { slot: `vote/${from}/h${m.height}`, value: m.block };
    case 'timeout':
      return { slot: `timeout/${from}/v${m.view}`, value: messageKey(m) };
  }
}

function phase(s: HotStuffState): string {
  if (s.timedOutView === s.view) return 'timeout';
  if (s.lastVotedView === s.view) return 'voted';
  return leader(s.view, s.n) === s.self ? 'lead' : 'wait';
}

/** The registry name of a variant: `hotstuff` is the libra variant (its fixtures predate the others). */
export function hotstuffName(variant: HotStuffVariant): string {
  return variant === 'libra' ? 'hotstuff' : `hotstuff-${variant}`;
}

/**
 * The HotStuff family (mutants.ts HotStuffVariant): libra (LibraBFT-style chained HotStuff,
 * the default), alg4 (Algorithm 4 of the paper as printed) or jolteon (2-chain DiemBFT v4).
 * Votes are broadcast and every node forms QCs (rules.ts onVote says why); the pacemaker
 * broadcasts timeouts carrying the highest QC.
 */
export function hotstuff(mutant?: HotStuffMutant | HotStuffDurableMutant, variant: HotStuffVariant = 'libra'): Protocol<HotStuffState, HotStuffMessage> {
  // Crash-recovery mutants (durable.ts) change what the node writes to disk, not its rules.
  const durableMutant = isHotStuffDurableMutant(mutant) ? mutant : undefined;
  const flags = flagsFor(durableMutant ? undefined : (mutant as HotStuffMutant | undefined), variant);
  return defineProtocol<HotStuffState, HotStuffMessage>({
    name: hotstuffName(variant),
    node: writeAhead({
      init: (self: NodeId, cfg: ClusterConfig) => init(self, cfg, flags),
      onMessage,
      onTimer: (s: HotStuffState, t: Timer) => onTimer(s, t),
    }, hotstuffDurability(durableMutant)),
    properties: [
      ...transitions(invariantsOf(variant)),
      // Sometimes-properties: a campaign reports those no run reached.
      ...witnessesOf(variant).map((w) => sometimes<HotStuffState, HotStuffMessage>(w.name, w.description, (t, cfg) => w.check(t, cfg))),
    ],
    view: (s) => ({
      height: s.committed.length,
      round: s.view,
      step: phase(s),
      lock: s.lockedBlock === GENESIS_ID ? '-' : `${s.lockedBlock}@${s.lockedView}`,
    }),
    isValidValue,
    voteSlot,
    describe: describeMessage,
    messageKey,
    byzantineMessages,
    validateMessage,
    abstraction: hotstuffAbstraction,
    waitingFor: hotstuffWaitingFor,
  }, mutant);
}
