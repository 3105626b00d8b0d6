/**
 * Which handlers of Klaytn's Istanbul BFT core a run reached, as `sometimes` properties (the
 * way tendermint/coverage.ts does it for Algorithm 1): a campaign reports how many runs reached
 * each and names every rule no run reached.
 *
 * Each rule is recognised from the outside of one reducer call: its input, the messages it
 * broadcast, its decisions, and a few fields of the state before and after (phase, lock,
 * round, waiting); never by calling rules.ts. One call may run several handlers (the backlog
 * is replayed after each event), so a witness asks only what its handler alone produces. The
 * handlers are klaytn/klaytn consensus/istanbul/core's, cited per rule (file and function).
 *
 * Allocation-free on the hot path (every witness runs on every reducer call until seen): plain
 * loops over the call's effects with predicates made once.
 */
import type { Effect, Transition } from '../../core/types.ts';
import { type IbftMessage, parseBlock } from './messages.ts';
import type { IbftState } from './state.ts';

type T = Transition<IbftState, IbftMessage>;
type Kind = IbftMessage['type'];

export interface IbftRuleWitness {
  readonly name: string;
  readonly description: string;
  seen(t: T): boolean;
}

/** Does the call broadcast a message of this type that satisfies `ok`? */
export function broadcasts<S>(t: Transition<S, IbftMessage>, type: Kind, ok?: (m: IbftMessage, t: Transition<S, IbftMessage>) => boolean): boolean {
  const fx = t.effects as readonly Effect<IbftMessage>[];
  for (let i = 0; i < fx.length; i++) {
    const e = fx[i]!;
    if (e.kind === 'broadcast' && e.msg.type === type && (ok === undefined || ok(e.msg, t))) return true;
  }
  return false;
}

/** Does the call decide? */
export function decides<S>(t: Transition<S, IbftMessage>): { value: string } | undefined {
  for (const e of t.effects) if (e.kind === 'decide') return e;
  return undefined;
}

/** Is the input a message of this type? */
export function received<S>(t: Transition<S, IbftMessage>, type: Kind): boolean {
  return t.input.kind === 'message' && t.input.msg.type === type;
}

const roundAbove = (m: IbftMessage, t: T) => m.round > t.before.round;
const twoAbove = (m: IbftMessage, t: T) => m.round > t.before.round + 1;
const notLocked = (m: IbftMessage, t: T) => m.type === 'commit' && m.digest !== t.before.locked;
/** A PREPREPARE of a round > 0 carrying a block built in an earlier round (its name says the round it was made in). */
const reProposal = (m: IbftMessage) => m.type === 'preprepare' && m.round > 0 && (parseBlock(m.block)?.round ?? m.round) < m.round;
const olderHeight = (m: IbftMessage, t: T) => m.seq < t.before.seq;

/** The new round R started by this call: a round-change timer of R > 0 set without a ROUND-CHANGE of R sent. */
function startsRound(t: T): boolean {
  const fx = t.effects as readonly Effect<IbftMessage>[];
  for (let i = 0; i < fx.length; i++) {
    const e = fx[i]!;
    if (e.kind !== 'setTimer' || e.timer.round === 0 || e.timer.height !== t.before.seq) continue;
    let announced = false;
    for (let j = 0; j < fx.length; j++) {
      const o = fx[j]!;
      if (o.kind === 'broadcast' && o.msg.type === 'roundchange' && o.msg.round === e.timer.round) announced = true;
    }
    if (!announced) return true;
  }
  return false;
}

/** Did the node decide by the normal path: Q COMMITs of its own round while it held the proposal? */
function decidesOnCommits(t: T): boolean {
  return received(t, 'commit') && decides(t) !== undefined && !t.before.waiting && (t.before.phase === 'Preprepared' || t.before.phase === 'Prepared');
}

export const IBFT_RULES: readonly IbftRuleWitness[] = [
  {
    name: 'preprepare-accepted',
    description: 'preprepare.go handlePreprepare: an unlocked node accepts the proposer\'s block (acceptPreprepare) and sends PREPARE',
    seen: (t) => broadcasts(t, 'prepare'),
  },
  {
    name: 'prepared-lock-and-commit',
    description: 'prepare.go handlePrepare / commit.go handleCommit: Q PREPARE-or-COMMIT senders lock the block (LockHash), enter Prepared, send COMMIT',
    seen: (t) => (received(t, 'prepare') || received(t, 'commit')) && broadcasts(t, 'commit', notLocked),
  },
  {
    name: 'commit-quorum-decide',
    description: 'commit.go handleCommit -> core.go commit(): Q COMMITs of the round, the block imported with their seals',
    seen: decidesOnCommits,
  },
  {
    name: 'block-sync-import',
    description: 'handler.go handleChainHead (catch-up on future messages): a block of this height with Q valid seals imported outside the round\'s own COMMIT count',
    seen: (t) => decides(t) !== undefined && !decidesOnCommits(t),
  },
  {
    name: 'round-change-catch-up',
    description: 'roundchange.go handleRoundChange: a node waiting for round change reaches F+1 ROUND-CHANGEs of a higher round and sends its own for that round',
    seen: (t) => received(t, 'roundchange') && t.before.waiting && broadcasts(t, 'roundchange', roundAbove),
  },
  {
    name: 'new-round-on-quorum',
    description: 'roundchange.go handleRoundChange: Q ROUND-CHANGEs of a round start it (core.go startNewRound)',
    seen: (t) => received(t, 'roundchange') && startsRound(t),
  },
  {
    name: 'locked-proposer-re-proposes',
    description: 'core.go startNewRound: a locked proposer of a later round proposes its locked block again (sendPreprepare of the locked proposal)',
    seen: (t) => broadcasts(t, 'preprepare', reProposal),
  },
  {
    name: 'locked-commits-locked-block',
    description: 'preprepare.go handlePreprepare: a locked node given its locked block enters Prepared and sends COMMIT at once',
    seen: (t) => t.input.kind === 'message' && t.input.msg.type === 'preprepare' && t.before.locked !== null && t.input.msg.block === t.before.locked && broadcasts(t, 'commit'),
  },
  {
    name: 'locked-refuses-other-block',
    description: 'preprepare.go handlePreprepare: a locked node given a valid block other than its lock answers with ROUND-CHANGE (sendNextRoundChange)',
    seen: (t) => t.input.kind === 'message' && t.input.msg.type === 'preprepare' && t.before.locked !== null && t.input.msg.seq === t.before.seq &&
      t.input.msg.block !== t.before.locked && parseBlock(t.input.msg.block) !== undefined && broadcasts(t, 'roundchange'),
  },
  {
    name: 'failed-import-unlocks',
    description: 'core.go commit(): the block fails import (verifyCommittedSeals: fewer than Q valid seals), the lock is released (UnlockHash) and ROUND-CHANGE sent',
    seen: (t) => received(t, 'commit') && decides(t) === undefined && t.after.phase === 'Committed' && t.after.locked === null && broadcasts(t, 'roundchange'),
  },
  {
    name: 'timeout-round-change',
    description: 'handler.go handleTimeoutMsg: the round-change timer of the current round runs out: ROUND-CHANGE for a later round (sendNextRoundChange)',
    seen: (t) => t.input.kind === 'timer' && broadcasts(t, 'roundchange'),
  },
  {
    name: 'timeout-jumps-to-f1-round',
    description: 'handler.go handleTimeoutMsg: not waiting, F+1 ROUND-CHANGEs of a round beyond the next: jump there (roundChangeSet.MaxRound(F+1))',
    seen: (t) => t.input.kind === 'timer' && !t.before.waiting && broadcasts(t, 'roundchange', twoAbove),
  },
  {
    name: 'stale-timeout-ignored',
    description: 'core.go newRoundChangeTimer stops the previous timer: a timer of an earlier view fires and nothing happens',
    seen: (t) => t.input.kind === 'timer' && (t.input.timer.height !== t.before.seq || t.input.timer.round !== t.before.round) && t.after === t.before && t.effects.length === 0,
  },
  {
    name: 'old-block-commit-resent',
    description: 'preprepare.go handlePreprepare (errOldMessage) -> commit.go sendCommitForOldBlock: a PREPREPARE of an imported height answered with a COMMIT for it',
    seen: (t) => t.input.kind === 'message' && t.input.msg.type === 'preprepare' && broadcasts(t, 'commit', olderHeight),
  },
];
