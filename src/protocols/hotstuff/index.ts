import type { ClusterConfig, NodeId, Protocol, Timer, VoteSlot } from '../../core/types.ts';
import { byzantineMessages } from './byzantine.ts';
import { HOTSTUFF_INVARIANTS } from './invariants.ts';
import { GENESIS_ID, type HotStuffMessage, describeMessage, isValidValue, messageKey, validateMessage } from './messages.ts';
import { type HotStuffMutant, flagsFor } from './mutants.ts';
import { init, onMessage, onTimer } from './reducer.ts';
import { type HotStuffState, leader } from './state.ts';

export { HOTSTUFF_MUTANTS, HOTSTUFF_MUTANT_LIST, type HotStuffMutant } from './mutants.ts';
export type { Block, HotStuffMessage, QC, TC } from './messages.ts';
export type { HotStuffState } from './state.ts';

/**
 * One slot per signer, kind and view: a correct node proposes at most one block, votes for at
 * most one block and sends at most one timeout per view.
 */
function voteSlot(from: NodeId, m: HotStuffMessage): VoteSlot {
  switch (m.type) {
    case 'proposal':
      return { slot: `proposal/${from}/v${m.block.view}`, value: m.block.id };
    case 'vote':
      return { slot: `vote/${from}/v${m.view}`, value: m.block };
    case 'timeout':
      return { slot: `timeout/${from}/v${m.view}`, value: messageKey(m) };
  }
}

function phase(s: HotStuffState): string {
  if (s.timedOutView === s.view) return 'timeout';
  if (s.lastVotedView === s.view) return 'voted';
  return leader(s.view, s.n) === s.self ? 'lead' : 'wait';
}

/**
 * Chained HotStuff (LibraBFT-style pipelining). Votes are broadcast and every node forms QCs
 * (rules.ts onVote says why); the pacemaker broadcasts timeouts carrying the highest QC.
 */
export function hotstuff(mutant?: HotStuffMutant): Protocol<HotStuffState, HotStuffMessage> {
  const flags = flagsFor(mutant);
  return {
    name: 'hotstuff',
    mutant,
    init: (self: NodeId, cfg: ClusterConfig) => init(self, cfg, flags),
    onMessage,
    onTimer: (s: HotStuffState, t: Timer) => onTimer(s, t),
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
    invariants: HOTSTUFF_INVARIANTS,
    byzantineMessages,
    validateMessage,
  };
}
