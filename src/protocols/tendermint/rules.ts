/**
 * The upon-rules of Algorithm 1 ("The latest gossip on BFT consensus", Buchman, Kwon,
 * Milosevic, 2018), one function each, named by the line where the rule starts.
 *
 * A rule reads the state and, if its condition holds, returns the new state and the
 * effects; otherwise undefined. The reducer applies rules until none fires.
 */
import type { Effect, Timer } from '../../core/types.ts';
import type { TendermintMessage } from './messages.ts';
import { freshValue, isValidValue, valueId } from './messages.ts';
import { FIRED_L34, FIRED_L36, FIRED_L47, type TendermintState, type Vote, countSenders, countVotes, currentRounds, logForHeight, roundLog, withRound } from './state.ts';

/** "2f+1 of any kind": distinct senders, or raw messages for the mutant votes-per-message. */
function countAny(s: TendermintState, votes: readonly Vote[]): number {
  return s.flags.votesPerMessage ? votes.length : countSenders(votes);
}

export type Out = { state: TendermintState; effects: Effect<TendermintMessage>[] };

export function proposer(height: number, round: number, n: number): number {
  return (height + round) % n;
}

export function valid(s: TendermintState, v: string): boolean {
  return s.flags.validUnchecked || isValidValue(v);
}

export function timer(name: 'timeoutPropose' | 'timeoutPrevote' | 'timeoutPrecommit', height: number, round: number): Timer {
  return { name, height, round };
}

function markFired(s: TendermintState, bit: number): TendermintState {
  return withRound(s, s.height, s.round, (r) => ({ ...r, fired: r.fired | bit }));
}

/** L11-L21 StartRound(round). */
export function startRound(s: TendermintState, round: number, effects: Effect<TendermintMessage>[]): TendermintState {
  const next: TendermintState = { ...s, round, step: 'propose' }; // L12-L13
  if (proposer(next.height, round, next.n) === next.self) {
    // L14-L19: re-propose the valid value if there is one, so a possible decision is not lost.
    const fresh = freshValue(next.height, round, next.self);
    const proposal = next.flags.proposeIgnoresValidValue ? fresh : next.validValue ?? fresh;
    effects.push({ kind: 'broadcast', msg: { type: 'proposal', height: next.height, round, value: proposal, validRound: next.validRound } });
  } else {
    effects.push({ kind: 'setTimer', timer: timer('timeoutPropose', next.height, round) }); // L21
  }
  return next;
}

/**
 * The liveness mutants of L22 (mutants.ts TENDERMINT_LIVENESS_MUTANTS): in a round r > 0 a
 * new proposal gets a nil prevote when round r-1 lacks a prevote (prevote-needs-all-prevotes)
 * or a precommit (prevote-needs-all-precommits) of some node, or holds two different votes of
 * one sender (prevote-nil-after-equivocation). Safe: a correct node may prevote nil at any
 * time (its timeoutPropose could have fired first), so no invariant sees them.
 */
function mutantPrevotesNil(s: TendermintState): boolean {
  const f = s.flags;
  if (s.round === 0 || (f.prevoteNeedsAllPrevotes !== true && f.prevoteNeedsAllPrecommits !== true && f.prevoteNilAfterEquivocation !== true)) return false;
  const previous = roundLog(s, s.height, s.round - 1);
  if (f.prevoteNeedsAllPrevotes === true) return countSenders(previous.prevotes) < s.n;
  if (f.prevoteNeedsAllPrecommits === true) return countSenders(previous.precommits) < s.n;
  return equivocates(previous.prevotes) || equivocates(previous.precommits);
}

/** Some sender has two votes for different ids among these (votes are distinct (sender, id) pairs). */
function equivocates(votes: readonly Vote[]): boolean {
  for (let i = 0; i < votes.length; i++) for (let j = 0; j < i; j++) if (votes[i]!.from === votes[j]!.from) return true;
  return false;
}

function prevote(s: TendermintState, id: string | null): Out {
  return {
    state: { ...s, step: 'prevote' },
    effects: [{ kind: 'broadcast', msg: { type: 'prevote', height: s.height, round: s.round, id } }],
  };
}

/** L22-L27: a new proposal (vr = -1) in step propose: prevote it unless locked on something else. */
export function ruleL22(s: TendermintState): Out | undefined {
  if (s.step !== 'propose') return undefined;
  const p = roundLog(s, s.height, s.round).proposals.find((x) => x.validRound === -1);
  if (p === undefined) return undefined;
  if (mutantPrevotesNil(s)) return prevote(s, null);
  return prevoteOnNewProposal(s, p.value);
}

/** The body of L23-L26; the mutant prevote-any-step reaches it outside step propose too. */
export function prevoteOnNewProposal(s: TendermintState, v: string): Out {
  const lockAllows = s.flags.lockIgnored || s.lockedRound === -1 || s.lockedValue === v; // L23
  return prevote(s, valid(s, v) && lockAllows ? valueId(v) : null); // L24 / L26
}

/** L28-L33: a re-proposal with a proof of lock (2f+1 prevotes in round vr < round_p). */
export function ruleL28(s: TendermintState): Out | undefined {
  if (s.step !== 'propose') return undefined;
  const p = roundLog(s, s.height, s.round).proposals.find((x) =>
    x.validRound >= 0 && x.validRound < s.round && (s.flags.polUnchecked || countVotes(roundLog(s, s.height, x.validRound).prevotes, x.id) >= s.quorum));
  if (p === undefined) return undefined;
  // L29: unlock only on a proof of lock at least as new as the lock.
  const lockAllows = (s.flags.oldPolAccepted || s.lockedRound <= p.validRound) || s.lockedValue === p.value;
  return prevote(s, valid(s, p.value) && lockAllows ? p.id : null); // L30 / L32
}

/** L34-L35: 2f+1 prevotes of any kind in step prevote, first time: start timeoutPrevote. */
export function ruleL34(s: TendermintState): Out | undefined {
  if (s.step !== 'prevote') return undefined;
  const log = roundLog(s, s.height, s.round);
  if (log.fired & FIRED_L34) return undefined;
  if (countAny(s, log.prevotes) < s.quorum) return undefined;
  return {
    state: markFired(s, FIRED_L34),
    effects: [{ kind: 'setTimer', timer: timer('timeoutPrevote', s.height, s.round) }],
  };
}

/** L36-L43: proposal plus 2f+1 prevotes for it, step >= prevote, first time: lock and precommit. */
export function ruleL36(s: TendermintState): Out | undefined {
  if (s.step === 'propose') return undefined;
  const log = roundLog(s, s.height, s.round);
  if (log.fired & FIRED_L36) return undefined;
  const p = log.proposals.find((x) => valid(s, x.value) && countVotes(log.prevotes, x.id) >= s.quorum);
  if (p === undefined) return undefined;
  let next: TendermintState = markFired(s, FIRED_L36);
  const effects: Effect<TendermintMessage>[] = [];
  if (s.step === 'prevote') {
    if (!s.flags.lockNotSet) next = { ...next, lockedValue: p.value, lockedRound: s.round }; // L38-L39
    effects.push({ kind: 'broadcast', msg: { type: 'precommit', height: s.height, round: s.round, id: p.id } }); // L40
    next = { ...next, step: 'precommit' }; // L41
  } else if (s.flags.validOnlyWhenLocking) {
    return { state: next, effects };
  }
  next = { ...next, validValue: p.value, validRound: s.round }; // L42-L43
  return { state: next, effects };
}

/** L44-L46: 2f+1 nil prevotes in step prevote: precommit nil. */
export function ruleL44(s: TendermintState): Out | undefined {
  if (s.step !== 'prevote') return undefined;
  if (countVotes(roundLog(s, s.height, s.round).prevotes, null) < s.quorum) return undefined;
  return {
    state: { ...s, step: 'precommit' },
    effects: [{ kind: 'broadcast', msg: { type: 'precommit', height: s.height, round: s.round, id: null } }],
  };
}

/** L47-L48: 2f+1 precommits of any kind, first time: start timeoutPrecommit. */
export function ruleL47(s: TendermintState): Out | undefined {
  const log = roundLog(s, s.height, s.round);
  if (log.fired & FIRED_L47) return undefined;
  if (countAny(s, log.precommits) < s.quorum) return undefined;
  return {
    state: markFired(s, FIRED_L47),
    effects: [{ kind: 'setTimer', timer: timer('timeoutPrecommit', s.height, s.round) }],
  };
}

/** L49-L54: a proposal of any round r with 2f+1 precommits for it: decide, next height, StartRound(0). */
export function ruleL49(s: TendermintState): Out | undefined {
  if (s.decisions[s.height] !== undefined) return undefined;
  for (const { round, log } of currentRounds(s)) {
    if (s.flags.decideCurrentRoundOnly && round !== s.round) continue;
    const p = log.proposals.find((x) => countVotes(log.precommits, x.id) >= s.quorum);
    if (p === undefined || !valid(s, p.value)) continue; // L50
    const effects: Effect<TendermintMessage>[] = [{ kind: 'decide', height: s.height, value: p.value }]; // L51
    const height = s.height + 1; // L52
    // L53: reset locks and valid value; forget the log of the decided height (keep future heights).
    const reset: TendermintState = {
      ...s,
      decisions: [...s.decisions, p.value],
      height,
      lockedValue: null,
      lockedRound: -1,
      validValue: null,
      validRound: -1,
      ...logForHeight(s, height),
    };
    return { state: startRound(reset, 0, effects), effects }; // L54
  }
  return undefined;
}

/** L55-L56: f+1 distinct senders in a higher round of this height: skip to that round. */
export function ruleL55(s: TendermintState): Out | undefined {
  let best = -1;
  for (const { round, log } of currentRounds(s)) {
    if (round > s.round && round > best && log.senders.length >= (s.flags.skipNeedsQuorum ? s.quorum : s.weakQuorum)) best = round;
  }
  if (best < 0) return undefined;
  const effects: Effect<TendermintMessage>[] = [];
  return { state: startRound(s, best, effects), effects };
}

/** In the order the reducer tries them. Progress rules before timeout scheduling; L55 last. */
export const RULES: readonly ((s: TendermintState) => Out | undefined)[] = [
  ruleL22, ruleL28, ruleL36, ruleL44, ruleL34, ruleL47, ruleL49, ruleL55,
];

/** L57-L60 OnTimeoutPropose. */
export function onTimeoutPropose(s: TendermintState, height: number, round: number): Out | undefined {
  if (!s.flags.staleTimeout && !(height === s.height && round === s.round && s.step === 'propose')) return undefined;
  return prevote(s, null);
}

/** L61-L64 OnTimeoutPrevote. */
export function onTimeoutPrevote(s: TendermintState, height: number, round: number): Out | undefined {
  if (!s.flags.staleTimeout && !(height === s.height && round === s.round && s.step === 'prevote')) return undefined;
  return {
    state: { ...s, step: 'precommit' },
    effects: [{ kind: 'broadcast', msg: { type: 'precommit', height: s.height, round: s.round, id: null } }],
  };
}

/** L65-L67 OnTimeoutPrecommit. */
export function onTimeoutPrecommit(s: TendermintState, height: number, round: number): Out | undefined {
  if (!s.flags.staleTimeout && !(height === s.height && round === s.round)) return undefined;
  const effects: Effect<TendermintMessage>[] = [];
  return { state: startRound(s, s.round + 1, effects), effects };
}
