/**
 * Which upon-rules of Algorithm 1 ("The latest gossip on BFT consensus") a run reached, as
 * `sometimes` properties: a campaign reports how many runs reached each and names every rule
 * no run reached (a rule no run reaches is not tested, however many runs pass).
 *
 * Each rule is recognised from the outside of one reducer call (its input, its effects, the
 * state before and after), never by calling the reducer's rule functions: the line numbers
 * are the paper's, the recognition is ours.
 */
import type { Effect, Transition } from '../../core/types.ts';
import type { TendermintMessage } from './messages.ts';
import type { TendermintState } from './state.ts';

type T = Transition<TendermintState, TendermintMessage>;

export interface RuleWitness {
  readonly name: string;
  readonly description: string;
  seen(t: T): boolean;
}

/** Does the call send a vote of this type whose id satisfies `ok`? (No allocation: this runs on every call until seen.) */
function votes(t: T, type: 'prevote' | 'precommit', ok: (id: string | null) => boolean): boolean {
  for (const e of t.effects as readonly Effect<TendermintMessage>[]) {
    if ((e.kind === 'broadcast' || e.kind === 'send') && e.msg.type === type && ok(e.msg.id)) return true;
  }
  return false;
}

const isNil = (id: string | null) => id === null;
const notNil = (id: string | null) => id !== null;

function setsTimer(t: T, name: string): boolean {
  return t.effects.some((e) => e.kind === 'setTimer' && (e.timer as { name?: string }).name === name);
}

function firedBy(t: T, name: string): boolean {
  return t.input.kind === 'timer' && t.input.timer.name === name;
}

/** The proposal of the node's current round (after the call) that carries `id`, if the node holds one. */
function proposalFor(s: TendermintState, id: string): { validRound: number } | undefined {
  return s.rounds[s.round]?.proposals.find((p) => p.id === id);
}

/** The upon-rules of Algorithm 1, by line. */
export const TENDERMINT_RULES: readonly RuleWitness[] = [
  {
    name: 'L22-prevote-fresh-proposal',
    description: 'L22: a proposal with vr = -1 answered by a prevote for it (no lock, or locked on it)',
    seen: (t) => votes(t, 'prevote', (id) => id !== null && proposalFor(t.after, id)?.validRound === -1),
  },
  {
    name: 'L28-prevote-on-proof-of-lock',
    description: 'L28: a proposal with 0 <= vr < round and 2f+1 prevotes of round vr answered by a prevote for it',
    seen: (t) => votes(t, 'prevote', (id) => id !== null && (proposalFor(t.after, id)?.validRound ?? -1) >= 0),
  },
  {
    name: 'L26-L32-prevote-nil-on-proposal',
    description: 'L26/L32: a proposal refused (invalid, or the lock forbids it): prevote nil without a timeout',
    seen: (t) => t.input.kind !== 'timer' && votes(t, 'prevote', isNil),
  },
  {
    name: 'L34-schedule-prevote-timeout',
    description: 'L34: 2f+1 prevotes of any kind in the current round schedule timeoutPrevote',
    seen: (t) => setsTimer(t, 'timeoutPrevote'),
  },
  {
    name: 'L36-lock-and-precommit',
    description: 'L36: a proposal with 2f+1 prevotes while in step prevote: lock it and precommit it',
    seen: (t) => t.after.lockedRound > t.before.lockedRound && votes(t, 'precommit', notNil),
  },
  {
    name: 'L36-relock-other-value',
    description: 'L36 again in a later round: a locked node locks on a different value (its lock is released by a newer proof of lock)',
    seen: (t) => t.before.lockedValue !== null && t.after.lockedValue !== null && t.after.lockedValue !== t.before.lockedValue && t.after.height === t.before.height,
  },
  {
    name: 'L36-valid-value-only',
    description: 'L36 in step precommit: validValue/validRound updated without locking',
    seen: (t) => t.after.validRound > t.before.validRound && t.after.lockedRound === t.before.lockedRound && t.after.height === t.before.height,
  },
  {
    name: 'L44-precommit-nil',
    description: 'L44: 2f+1 nil prevotes in step prevote: precommit nil without a timeout',
    seen: (t) => t.input.kind !== 'timer' && votes(t, 'precommit', isNil),
  },
  {
    name: 'L47-schedule-precommit-timeout',
    description: 'L47: 2f+1 precommits of any kind in the current round schedule timeoutPrecommit',
    seen: (t) => setsTimer(t, 'timeoutPrecommit'),
  },
  {
    name: 'L49-decide',
    description: 'L49: a proposal with 2f+1 precommits for it: decide',
    seen: (t) => t.effects.some((e) => e.kind === 'decide'),
  },
  {
    name: 'L49-decide-after-round-0',
    description: 'L49 in a round > 0: a decision that needed at least one round change',
    seen: (t) => t.effects.some((e) => e.kind === 'decide') && t.before.round > 0,
  },
  {
    name: 'L55-round-skip',
    description: 'L55: f+1 messages of a higher round move the node there without a timeout',
    seen: (t) => t.input.kind === 'message' && t.after.height === t.before.height && t.after.round > t.before.round,
  },
  {
    name: 'L57-timeout-propose',
    description: 'L57: timeoutPropose in step propose: prevote nil',
    seen: (t) => firedBy(t, 'timeoutPropose') && votes(t, 'prevote', isNil),
  },
  {
    name: 'L61-timeout-prevote',
    description: 'L61: timeoutPrevote in step prevote: precommit nil',
    seen: (t) => firedBy(t, 'timeoutPrevote') && votes(t, 'precommit', isNil),
  },
  {
    name: 'L65-timeout-precommit',
    description: 'L65: timeoutPrecommit: start the next round',
    seen: (t) => firedBy(t, 'timeoutPrecommit') && t.after.round > t.before.round,
  },
];
