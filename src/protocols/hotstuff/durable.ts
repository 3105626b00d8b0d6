/**
 * What a HotStuff node keeps on disk, and the crash-recovery mutant.
 *
 * DiemBFT persists, before a vote or a timeout is returned: SafetyRules' SafetyData (epoch,
 * last_voted_round, preferred_round, one_chain_round, last_vote, highest_timeout_round;
 * consensus/safety-rules/src/persistent_safety_storage.rs set_safety_data, called from
 * verify_and_update_last_vote_round / guarded_sign_timeout before the signature leaves), and in
 * ConsensusDB the blocks and quorum certificates it inserted and the highest timeout certificate
 * (consensus/src/persistent_liveness_storage.rs save_tree, save_highest_2chain_timeout_cert).
 * On restart it rebuilds the block tree and the round from them (RecoveryData); the vote and
 * timeout collectors (round_state.rs PendingVotes) are memory only. So here: everything but the
 * collectors (votes, timeouts and their QCs) is durable, written before the call's effects
 * (core/durable.ts writeAhead). Proposals and QCs waiting for a missing parent stay durable:
 * they stand in for DiemBFT's block retrieval, which a restarted node still does. The view
 * timer is set again unless the node already gave up its view (then it waits for a TC).
 */
import type { MutantInfo, Timer } from '../../core/types.ts';
import type { WriteAhead } from '../../core/durable.ts';
import type { HotStuffMessage } from './messages.ts';
import { viewTimer } from './rules.ts';
import type { HotStuffState } from './state.ts';

export const HOTSTUFF_DURABLE_MUTANTS = {
  'forgets-last-voted-view': 'the last voted view (SafetyData last_voted_round) is not persisted; a restarted node takes its highest QC\'s view instead, so it votes again in the view it voted in before the crash (for another block of an equivocating leader)',
} as const satisfies Record<string, string>;

export type HotStuffDurableMutant = keyof typeof HOTSTUFF_DURABLE_MUTANTS;

export const HOTSTUFF_DURABLE_MUTANT_LIST: readonly MutantInfo[] = Object.entries(HOTSTUFF_DURABLE_MUTANTS).map(([name, description]) => ({ name, description }));

export function isHotStuffDurableMutant(m: string | undefined): m is HotStuffDurableMutant {
  return m !== undefined && m in HOTSTUFF_DURABLE_MUTANTS;
}

/** The durable part: the state without its collectors (and, for the mutant, without lastVotedView). */
export type HotStuffDisk = Omit<HotStuffState, 'votes' | 'timeouts' | 'timeoutQCs' | 'lastVotedView'> & { readonly lastVotedView?: number };

export function hotstuffDurability(mutant: HotStuffDurableMutant | undefined): WriteAhead<HotStuffState, HotStuffMessage, Timer, HotStuffDisk> {
  const forget = mutant === 'forgets-last-voted-view';
  return {
    durable: (s) => {
      const { votes: _votes, timeouts: _timeouts, timeoutQCs: _qcs, lastVotedView, ...disk } = s;
      return forget ? disk : { ...disk, lastVotedView };
    },
    restore: (_self, _cfg, d) => ({ ...d, lastVotedView: d.lastVotedView ?? d.highQC.view, votes: new Map(), timeouts: new Map(), timeoutQCs: new Map() }),
    timers: (s) => (s.timedOutView < s.view ? [viewTimer(s.view)] : []),
  };
}
