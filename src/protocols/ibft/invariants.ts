import type { Effect, Transition, TransitionInvariant } from '../../core/types.ts';
import { type Logged, checkedCommittee, checkedQuorum, decisionCarriesSeals, knownMessages, roundsOf, senders } from './checks.ts';
import type { IbftMessage } from './messages.ts';
import type { IbftState } from './state.ts';

type T = Transition<IbftState, IbftMessage>;
type Inv = TransitionInvariant<IbftState, IbftMessage>;

function initialOf(s: IbftState): number {
  return s.n - (s.options.initiallyOutside ?? 0);
}

function sent(effects: readonly Effect<IbftMessage>[]): IbftMessage[] {
  const out: IbftMessage[] = [];
  for (const e of effects) if (e.kind === 'broadcast' || e.kind === 'send') out.push(e.msg);
  return out;
}

/**
 * Lock soundness (Klaytn prepare.go/commit.go: LockHash after Q PREPARE-or-COMMIT): a new lock
 * on X at height h is backed, in one round, by Q distinct committee members that sent a
 * PREPARE or a COMMIT for X, as the node's own log shows.
 */
const lockSound: Inv = {
  name: 'lock-sound',
  description: 'a new lock on X is backed by Q distinct committee members that sent PREPARE or COMMIT for X in one round (from the message log)',
  check(t: T) {
    const a = t.after;
    if (a.locked === null || (a.seq === t.before.seq && a.locked === t.before.locked)) return undefined;
    const known = knownMessages(t.before.log, t.input);
    const members = checkedCommittee(initialOf(a), a.chain);
    const q = checkedQuorum(members.size, a.options.quorum);
    let best = 0;
    for (const r of roundsOf(known, a.seq)) {
      const who = senders(known, members, (m) => (m.type === 'prepare' || m.type === 'commit') && m.seq === a.seq && m.round === r && m.digest === a.locked);
      if (who.size >= q) return undefined;
      best = Math.max(best, who.size);
    }
    return `node ${t.node} locked on ${a.locked} at height ${a.seq} backed by at most ${best} distinct PREPARE/COMMIT senders in one round, needs ${q}`;
  },
};

/**
 * The lock is released only by a new height or a failed import: Q COMMITs for the locked block
 * in one round, one of them with a seal that does not verify (core.go commit: "Unlock block
 * when insertion fails").
 */
const lockKept: Inv = {
  name: 'lock-kept',
  description: 'within a height a lock changes only by a failed import (Q COMMITs for it in one round, some with a bad seal)',
  check(t: T) {
    const b = t.before;
    if (b.locked === null || t.after.seq !== b.seq || t.after.locked === b.locked) return undefined;
    const known = knownMessages(b.log, t.input);
    const members = checkedCommittee(initialOf(b), b.chain);
    const q = checkedQuorum(members.size, b.options.quorum);
    for (const r of roundsOf(known, b.seq)) {
      const commits = (m: IbftMessage) => m.type === 'commit' && m.seq === b.seq && m.round === r && m.digest === b.locked;
      const all = senders(known, members, commits);
      const bad = senders(known, members, (m) => commits(m) && m.type === 'commit' && !m.seal);
      if (all.size >= q && bad.size > 0) return undefined;
    }
    return `node ${t.node} went from locked on ${b.locked} to ${t.after.locked ?? 'unlocked'} at height ${b.seq} round ${t.after.round} without a failed import`;
  },
};

/** A locked node votes for nothing else (preprepare.go: a different block gets ROUND-CHANGE). */
const lockRespected: Inv = {
  name: 'lock-respected',
  description: 'a node locked on X sends no PREPARE or COMMIT for another block at that height',
  check(t: T) {
    const b = t.before;
    if (b.locked === null) return undefined;
    for (const m of sent(t.effects)) {
      if ((m.type === 'prepare' || m.type === 'commit') && m.seq === b.seq && m.digest !== b.locked && t.after.seq === b.seq) {
        return `node ${t.node} locked on ${b.locked} sent ${m.type.toUpperCase()} for ${m.digest} at height ${m.seq} round ${m.round}`;
      }
    }
    return undefined;
  },
};

/** Commit soundness: every decision carries Q valid seals of distinct committee members of one round. */
export const commitSoundIbft: Inv = {
  name: 'commit-sound',
  description: 'a decided block carries Q valid committed seals from distinct committee members of one round (from the message log)',
  check(t: T) {
    let known: Logged[] | undefined; // built for the first decision only: most calls decide nothing
    for (const e of t.effects) {
      if (e.kind !== 'decide') continue;
      known ??= knownMessages(t.before.log, t.input);
      const bad = decisionCarriesSeals(t.node, e.height, e.value, known, initialOf(t.before), t.after.chain, t.before.options.quorum);
      if (bad !== undefined) return bad;
    }
    return undefined;
  },
};

export const IBFT_INVARIANTS: readonly Inv[] = [commitSoundIbft, lockSound, lockKept, lockRespected];
