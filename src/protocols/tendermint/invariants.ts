import type { ClusterConfig, NodeId, Transition, TransitionInvariant } from '../../core/types.ts';
import { quorum } from '../../core/quorum.ts';
import type { TendermintMessage } from './messages.ts';
import { valueId } from './messages.ts';
import { type TendermintState, roundLog } from './state.ts';
import { proposer } from './rules.ts';

type T = Transition<TendermintState, TendermintMessage>;
type Inv = TransitionInvariant<TendermintState, TendermintMessage>;

/** The votes a transition broadcast or sent, of one type. */
function sentVotes(t: T, type: 'prevote' | 'precommit' | 'proposal'): TendermintMessage[] {
  const out: TendermintMessage[] = [];
  for (const e of t.effects) if ((e.kind === 'broadcast' || e.kind === 'send') && e.msg.type === type) out.push(e.msg);
  return out;
}

/**
 * Distinct senders whose prevote for `id` at (height, round) the node knew when it acted:
 * its log before the call plus the message that triggered it. Counted by sender with the
 * true 2f+1, whatever the reducer's own counting does (that is what exposes its bugs).
 */
function knownPrevoters(t: T, height: number, round: number, id: string): Set<NodeId> {
  const who = new Set<NodeId>();
  // The log holds the current height and any future height (messages that arrived early).
  for (const v of roundLog(t.before, height, round).prevotes) if (v.id === id) who.add(v.from);
  const input = t.input;
  if (input.kind === 'message' && input.msg.type === 'prevote' && input.msg.height === height && input.msg.round === round && input.msg.id === id) {
    who.add(input.from);
  }
  return who;
}

/** The proposals for (height, round) the node knew when it acted. */
function knownProposals(t: T, height: number, round: number): { value: string; validRound: number }[] {
  const out: { value: string; validRound: number }[] = [];
  out.push(...roundLog(t.before, height, round).proposals);
  const input = t.input;
  // Only proposer(h, r) may propose: a proposal from anyone else is no evidence.
  if (input.kind === 'message' && input.msg.type === 'proposal' && input.msg.height === height && input.msg.round === round &&
    input.from === proposer(height, round, t.before.n)) {
    out.push(input.msg);
  }
  return out;
}

const lockedRoundMonotonic: Inv = {
  name: 'locked-round-monotonic',
  description: 'within a height, lockedRound never decreases (a lock is released only by a newer one)',
  check(t) {
    if (t.after.height !== t.before.height) return undefined; // L53 resets the lock at a new height
    if (t.after.lockedRound < t.before.lockedRound) {
      return `node ${t.node} lockedRound went from ${t.before.lockedRound} to ${t.after.lockedRound} at height ${t.after.height}`;
    }
    return undefined;
  },
};

const lockConsistent: Inv = {
  name: 'lock-consistent',
  description: 'lockedRound = -1 iff lockedValue = nil (and likewise validRound/validValue)',
  check(t) {
    const s = t.after;
    if ((s.lockedRound === -1) !== (s.lockedValue === null)) {
      return `node ${t.node} has lockedRound=${s.lockedRound} but lockedValue=${JSON.stringify(s.lockedValue)}`;
    }
    if ((s.validRound === -1) !== (s.validValue === null)) {
      return `node ${t.node} has validRound=${s.validRound} but validValue=${JSON.stringify(s.validValue)}`;
    }
    return undefined;
  },
};

function precommitBacked(cfg: ClusterConfig, t: T): string | undefined {
  const q = quorum(cfg.n, cfg.f);
  for (const m of sentVotes(t, 'precommit')) {
    if (m.type !== 'precommit' || m.id === null) continue;
    const p = knownProposals(t, m.height, m.round).find((x) => valueId(x.value) === m.id);
    if (p === undefined) {
      return `node ${t.node} precommitted ${m.id} at h${m.height} r${m.round} without holding its proposal`;
    }
    const who = knownPrevoters(t, m.height, m.round, m.id);
    if (who.size < q) {
      return `node ${t.node} precommitted ${m.id} at h${m.height} r${m.round} backed by ${who.size} distinct prevotes [${[...who].join(',')}], needs ${q}`;
    }
  }
  return undefined;
}

const precommitBackedInv: Inv = {
  name: 'precommit-backed',
  description: 'a correct precommit for v is backed by 2f+1 distinct prevotes for v in that round (L36)',
  check: (t, cfg) => precommitBacked(cfg, t),
};

const precommitLocks: Inv = {
  name: 'precommit-locks',
  description: 'a correct node that precommits v in round r is locked on v at round r (L38-L40)',
  check(t) {
    for (const m of sentVotes(t, 'precommit')) {
      if (m.type !== 'precommit' || m.id === null) continue;
      if (t.after.height !== m.height) continue; // decided in the same call: L53 reset the lock
      const lockedId = t.after.lockedValue === null ? null : valueId(t.after.lockedValue);
      if (t.after.lockedRound < m.round || (t.after.lockedRound === m.round && lockedId !== m.id)) {
        return `node ${t.node} precommitted ${m.id} at h${m.height} r${m.round} but is locked on ${lockedId ?? 'nil'}@${t.after.lockedRound}`;
      }
    }
    return undefined;
  },
};

const prevoteRespectsLock: Inv = {
  name: 'prevote-respects-lock',
  description: 'a correct node locked on v prevotes another value only for a proposal with a proof of lock at round vr, lockedRound <= vr < r (L28-L29)',
  check(t, cfg) {
    const q = quorum(cfg.n, cfg.f);
    const b = t.before;
    if (b.lockedValue === null) return undefined;
    const lockedId = valueId(b.lockedValue);
    for (const m of sentVotes(t, 'prevote')) {
      if (m.type !== 'prevote' || m.id === null || m.id === lockedId || m.height !== b.height) continue;
      const story = `node ${t.node} locked on ${lockedId}@${b.lockedRound} prevoted ${m.id} at h${m.height} r${m.round}`;
      const id = m.id;
      const candidates = knownProposals(t, m.height, m.round).filter((x) => valueId(x.value) === id);
      if (candidates.length === 0) return `${story} without its proposal`;
      // Some proposal of that value must carry a newer proof of lock: lockedRound <= vr < r, 2f+1 prevotes at vr.
      const justified = candidates.some((p) =>
        p.validRound >= b.lockedRound && p.validRound < m.round && knownPrevoters(t, m.height, p.validRound, id).size >= q);
      if (!justified) {
        const vrs = candidates.map((p) => `vr=${p.validRound} (${knownPrevoters(t, m.height, Math.max(p.validRound, 0), id).size} prevotes)`).join(', ');
        return `${story} without a newer proof of lock: its proposals have ${vrs}, needs ${b.lockedRound} <= vr < ${m.round} with ${q} prevotes`;
      }
    }
    return undefined;
  },
};

const proposalCarriesValid: Inv = {
  name: 'proposal-carries-valid',
  description: 'a correct proposal re-proposes validValue with a real proof of lock (2f+1 prevotes at vr < r), and is new (vr = -1) only when there is no validValue (L15-L19)',
  check(t, cfg) {
    const q = quorum(cfg.n, cfg.f);
    for (const m of sentVotes(t, 'proposal')) {
      if (m.type !== 'proposal') continue;
      const story = `node ${t.node} proposed ${m.value} with vr=${m.validRound} at h${m.height} r${m.round}`;
      if (m.validRound >= 0) {
        if (m.validRound >= m.round) return `${story}: vr is not below the round`;
        const who = knownPrevoters(t, m.height, m.validRound, valueId(m.value));
        if (who.size < q) return `${story}, but it knows ${who.size} prevotes for it at r${m.validRound}, needs ${q}`;
      } else if (t.after.height === m.height && t.after.round === m.round && t.after.validValue !== null) {
        // Only when this proposal's round is still the node's round after the call: then no rule
        // changed validValue after the proposal (L36 needs this round's proposal, which reaches
        // the proposer itself only in the next call). A later round in the same call (buffered
        // messages, L55) may set validValue after the proposal: fixture decide-then-propose-*.
        return `${story} although its validValue is ${t.after.validValue}@${t.after.validRound}`;
      }
    }
    return undefined;
  },
};

export const TENDERMINT_INVARIANTS: readonly Inv[] = [
  proposalCarriesValid,
  lockedRoundMonotonic,
  lockConsistent,
  precommitBackedInv,
  precommitLocks,
  prevoteRespectsLock,
];
