import type { MutantInfo } from '../../core/types.ts';

/**
 * Deliberate bugs, as options of the one reducer (never copies of it). Each names the
 * rule of Algorithm 1 it breaks. The properties must kill every one within a fixed budget.
 */
export const TENDERMINT_MUTANTS = {
  'lock-ignored': 'L23: prevote for a new proposal (vr = -1) whatever the lock says',
  'quorum-too-small': 'every 2f+1 threshold is one vote short (2f when n = 3f+1) (L28, L34, L36, L44, L47, L49)',
  'old-pol-accepted': 'L29: accept a proof of lock older than lockedRound (the lockedRound <= vr test is gone)',
  'votes-per-message': 'votes counted per message, not per sender: a duplicated vote counts twice',
  'stale-timeout': 'L58/L62/L66: timeouts act without checking height, round and step',
  'lock-not-set': 'L38-L39: precommit for v without locking on v',
  'prevote-any-step': 'L22: a proposal is prevoted whenever it arrives, not only in step propose',
  'valid-unchecked': 'L23/L29/L36/L50: valid(v) is never checked, so invalid values can be decided',
  'propose-ignores-valid-value': 'L15-L16: the proposer always proposes a fresh value, still sending validRound (a proof of lock it does not have)',
  'decide-current-round-only': 'L49: a decision certificate (proposal + 2f+1 precommits) counts only in the current round, though L49 has no round condition',
  'valid-only-when-locking': 'L42-L43: validValue/validRound are updated only when the node locks (step prevote), not when the polka completes after it precommitted',
  'skip-needs-quorum': 'L55: a node skips to a higher round only on 2f+1 senders there instead of f+1',
  'pol-unchecked': 'L28: a re-proposal (vr >= 0) is prevoted without counting the 2f+1 prevotes of round vr (only the lock test of L29 remains)',
} as const satisfies Record<string, string>;

/**
 * Liveness bugs: safe (no invariant sees them: each only adds nil prevotes, L22's freedom);
 * they stall once a node keeps misbehaving after GST, which the adversary that persists after
 * GST does (sim/actions.ts AfterGst; properties/liveness.test.ts has the figures):
 * - the two needs-all ones stall while one node stays silent (or out of the core). With
 *   honest behaviour after GST they are caught only in scenarios of two heights, two orders
 *   of magnitude later: a Byzantine node whose injected proposal decided height 0 without it
 *   never gets that proposal (there is no catch-up in this model), so it is absent from height
 *   1 for good; in scenarios of one height, never (3,000 scenarios on each of six seeds).
 * - prevote-nil-after-equivocation stalls only while a node keeps equivocating: silence and
 *   honesty leave it alone, and equivocation injected before GST costs one round.
 * Kept apart from TENDERMINT_MUTANTS, whose kill table runs the default shape.
 */
export const TENDERMINT_LIVENESS_MUTANTS = {
  'prevote-needs-all-prevotes': 'L22-L26: in a round r > 0 a node prevotes a new proposal only if it holds prevotes of round r-1 from all n nodes, else nil',
  // cosmos-sdk#17393 (v0.50 ValidateVoteExtensions): the proposal check demanded a valid vote
  // extension for every vote of the last commit, absent and nil ones too, so "if any active
  // validator goes down ... the block at the next height will fail to pass Process / Prepare
  // proposal" (a liveness failure). Here the commit is the previous round's precommits.
  'prevote-needs-all-precommits': 'L22-L26: in a round r > 0 a node prevotes a new proposal only if it holds precommits of round r-1 from all n nodes, else nil (a proposal check that wants every validator\'s vote, as in cosmos-sdk#17393)',
  // A double-signing validator stalling Tendermint with fewer than n/3 faulty is a known class
  // (tendermint#210, #229: found by a BFT fuzz test with Byzantine behaviour); there gossip
  // occluded the other vote, which in this model is the simulator's part. Here the reducer
  // over-reacts to the evidence instead.
  'prevote-nil-after-equivocation': 'L22-L26: in a round r > 0 a node prevotes nil on a new proposal if it holds two different votes of one sender in round r-1 (it distrusts the round after seeing an equivocation)',
} as const satisfies Record<string, string>;

export type TendermintMutant = keyof typeof TENDERMINT_MUTANTS;
export type TendermintLivenessMutant = keyof typeof TENDERMINT_LIVENESS_MUTANTS;

/** Every mutant, the liveness ones last (the registry's list). */
export const TENDERMINT_MUTANT_LIST: readonly MutantInfo[] = Object.entries({ ...TENDERMINT_MUTANTS, ...TENDERMINT_LIVENESS_MUTANTS }).map(([name, description]) => ({ name, description }));

/** The reducer's behaviour switches; all false is Algorithm 1 as written. */
export interface TendermintFlags {
  readonly lockIgnored: boolean;
  readonly quorumTooSmall: boolean;
  readonly oldPolAccepted: boolean;
  readonly votesPerMessage: boolean;
  readonly staleTimeout: boolean;
  readonly lockNotSet: boolean;
  readonly prevoteAnyStep: boolean;
  readonly validUnchecked: boolean;
  readonly proposeIgnoresValidValue: boolean;
  readonly decideCurrentRoundOnly: boolean;
  readonly validOnlyWhenLocking: boolean;
  readonly skipNeedsQuorum: boolean;
  readonly polUnchecked: boolean;
  // The liveness switches are present only when on, so that every other state (and so every
  // fixture's replay fingerprint, which hashes the final states) is what it was before them.
  readonly prevoteNeedsAllPrevotes?: true;
  readonly prevoteNeedsAllPrecommits?: true;
  readonly prevoteNilAfterEquivocation?: true;
}

export function flagsFor(mutant: TendermintMutant | TendermintLivenessMutant | undefined): TendermintFlags {
  return {
    lockIgnored: mutant === 'lock-ignored',
    quorumTooSmall: mutant === 'quorum-too-small',
    oldPolAccepted: mutant === 'old-pol-accepted',
    votesPerMessage: mutant === 'votes-per-message',
    staleTimeout: mutant === 'stale-timeout',
    lockNotSet: mutant === 'lock-not-set',
    prevoteAnyStep: mutant === 'prevote-any-step',
    validUnchecked: mutant === 'valid-unchecked',
    proposeIgnoresValidValue: mutant === 'propose-ignores-valid-value',
    decideCurrentRoundOnly: mutant === 'decide-current-round-only',
    validOnlyWhenLocking: mutant === 'valid-only-when-locking',
    skipNeedsQuorum: mutant === 'skip-needs-quorum',
    polUnchecked: mutant === 'pol-unchecked',
    ...(mutant === 'prevote-needs-all-prevotes' ? { prevoteNeedsAllPrevotes: true } : {}),
    ...(mutant === 'prevote-needs-all-precommits' ? { prevoteNeedsAllPrecommits: true } : {}),
    ...(mutant === 'prevote-nil-after-equivocation' ? { prevoteNilAfterEquivocation: true } : {}),
  };
}
