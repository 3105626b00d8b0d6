/**
 * Tendermint transition invariants: checked after every reducer call of a correct node.
 *
 * Independence (issue 7): nothing here calls the reducer's code. The certificate size,
 * the proposer of a round, the reading of the message log and every vote count are
 * written again below by another path (senders told apart one by one; the threshold as
 * the smallest size any two sets of which share a correct node; the log read from both of
 * its stores directly), never countVotes/countSenders/roundLog/quorum. What they read:
 * the message log of the state before the call plus the call's input (what the node knew
 * when it acted), the effects of the call, and height, round, step, lockedValue/Round,
 * validValue/Round of the states before and after. id(v) (valueId) and valid(v)
 * (isValidValue) are the paper's definitions, shared on purpose.
 *
 * Trusted, not checked: that the log is a faithful record of what the node received (it
 * is the reducer's data; it does not keep who sent a proposal, only that the reducer
 * accepted it from proposer(h, r)).
 */
import type { ClusterConfig, NodeId, Transition, TransitionInvariant } from '../../core/types.ts';
import type { TendermintMessage } from './messages.ts';
import { isValidValue, valueId } from './messages.ts';
import type { RoundLog, TendermintState } from './state.ts';

type T = Transition<TendermintState, TendermintMessage>;
type Inv = TransitionInvariant<TendermintState, TendermintMessage>;

/**
 * The certificate size: the smallest q for which any two sets of q nodes out of n share
 * at least one correct node (2q - n > f). 2f+1 when n = 3f+1 (paper, section 2). Counted
 * up from f, not taken from core/quorum.ts, which the reducer uses.
 */
export function certificateSize(cfg: Pick<ClusterConfig, 'n' | 'f'>): number {
  let q = cfg.f;
  while (2 * q - cfg.n <= cfg.f) q++;
  return q;
}

/** f+1: a set of this size holds at least one correct node (L55). */
function skipSize(cfg: Pick<ClusterConfig, 'f'>): number {
  return cfg.f + 1;
}

/** proposer(h, r) of the paper, round robin as the reducer is configured (written again here). */
function expectedProposer(height: number, round: number, n: number): NodeId {
  let p = height + round;
  while (p >= n) p -= n;
  return p;
}

/** The log entries the state holds for (height, round), from both stores (dense array, sparse map). */
function storedLogs(s: TendermintState, height: number, round: number): RoundLog[] {
  if (height < s.height) return [];
  const out: RoundLog[] = [];
  if (height === s.height && round < s.rounds.length) {
    const dense = s.rounds[round];
    if (dense !== undefined) out.push(dense);
  }
  const sparse = s.future.size === 0 ? undefined : s.future.get(`${height}/${round}`);
  if (sparse !== undefined) out.push(sparse);
  return out;
}

/** Every round of `height` for which the state holds some log. */
function storedRounds(s: TendermintState, height: number): number[] {
  const rounds: number[] = [];
  if (height === s.height) for (let r = 0; r < s.rounds.length; r++) if (s.rounds[r] !== undefined) rounds.push(r);
  if (s.future.size === 0) return rounds;
  for (const key of s.future.keys()) {
    const [h, r] = key.split('/');
    if (Number(h) === height && !rounds.includes(Number(r))) rounds.push(Number(r));
  }
  return rounds.sort((x, y) => x - y);
}

/** A proposal as evidence: its value and proof-of-lock round. */
interface SeenProposal {
  readonly value: string;
  readonly validRound: number;
}

/** Any vote, whatever its id: for "2f+1 ⟨PREVOTE, h, r, ∗⟩" (L34, L47). */
const ANY = Symbol('any');

/**
 * What a node knew: the log of a state and, in a transition, the message it is handling.
 * A proposal from anyone but proposer(h, r) is no evidence; votes are told apart by sender.
 * Plain loops over small arrays: this runs after every reducer call.
 */
class Knowledge {
  constructor(
    private readonly s: TendermintState,
    private readonly input?: T['input'],
  ) {}

  /** The input message if it belongs to (height, round) and the node could store it. */
  private extra(height: number, round: number): { from: NodeId; msg: TendermintMessage } | undefined {
    const i = this.input;
    if (i?.kind !== 'message' || i.msg.height !== height || i.msg.round !== round || height < this.s.height) return undefined;
    return i;
  }

  proposals(height: number, round: number): SeenProposal[] {
    const out: SeenProposal[] = [];
    for (const log of storedLogs(this.s, height, round)) for (const p of log.proposals) out.push({ value: p.value, validRound: p.validRound });
    const x = this.extra(height, round);
    if (x?.msg.type === 'proposal' && x.from === expectedProposer(height, round, this.s.n)) out.push({ value: x.msg.value, validRound: x.msg.validRound });
    return out;
  }

  /** Distinct senders of a vote of `type` for `id` (null: nil; ANY: any id). */
  voters(type: 'prevote' | 'precommit', height: number, round: number, id: string | null | typeof ANY): NodeId[] {
    const who: NodeId[] = [];
    const field = type === 'prevote' ? 'prevotes' : 'precommits';
    for (const log of storedLogs(this.s, height, round)) {
      for (const v of log[field]) if ((id === ANY || v.id === id) && !who.includes(v.from)) who.push(v.from);
    }
    const x = this.extra(height, round);
    if (x !== undefined && x.msg.type === type && (id === ANY || x.msg.id === id) && !who.includes(x.from)) who.push(x.from);
    return who;
  }

  /**
   * Proposed values of (height, round) with at least q distinct votes of `type` for their
   * id; only valid ones if `validOnly`. (Where valid(v) is left out, the generic validity
   * invariant judges it: with at most f Byzantine nodes an invalid value never gathers
   * 2f+1 votes, since f+1 of them would be correct nodes voting for it.)
   */
  certified(type: 'prevote' | 'precommit', height: number, round: number, q: number, validOnly: boolean): string[] {
    const out: string[] = [];
    for (const p of this.proposals(height, round)) {
      if (out.includes(p.value) || (validOnly && !isValidValue(p.value))) continue;
      if (this.voters(type, height, round, valueId(p.value)).length >= q) out.push(p.value);
    }
    return out.sort();
  }

  /**
   * Senders of (height, round) messages (L55): voters, and the proposer if its proposal is
   * here. (The log does not say who sent a proposal it refused, so this may be fewer than
   * the reducer's own count, never more.)
   */
  senders(height: number, round: number): NodeId[] {
    const who = this.voters('prevote', height, round, ANY);
    for (const p of this.voters('precommit', height, round, ANY)) if (!who.includes(p)) who.push(p);
    const proposer = expectedProposer(height, round, this.s.n);
    if (!who.includes(proposer) && this.proposals(height, round).length > 0) who.push(proposer);
    return who;
  }
}

/** What the node knew when it made this call: its log before the call plus the input. */
function knew(t: T): Knowledge {
  return new Knowledge(t.before, t.input);
}

/** Raw entries (not distinct) stored for (height, round): an upper bound used to skip rounds cheaply. */
function rawCount(s: TendermintState, height: number, round: number, field: 'prevotes' | 'precommits'): number {
  let c = 0;
  for (const log of storedLogs(s, height, round)) c += log[field].length;
  return c;
}

/** The messages of one type a transition broadcast or sent. */
function sent<K extends TendermintMessage['type']>(t: T, type: K): Extract<TendermintMessage, { type: K }>[] {
  const out: Extract<TendermintMessage, { type: K }>[] = [];
  for (const e of t.effects) {
    if ((e.kind === 'broadcast' || e.kind === 'send') && e.msg.type === type) out.push(e.msg as Extract<TendermintMessage, { type: K }>);
  }
  return out;
}

function list(who: readonly NodeId[]): string {
  return `[${[...who].sort((a, b) => a - b).join(',')}]`;
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

const precommitBacked: Inv = {
  name: 'precommit-backed',
  description: 'a correct precommit for v is backed by its proposal and 2f+1 distinct prevotes for v in that round (L36)',
  check(t, cfg) {
    const q = certificateSize(cfg);
    for (const m of sent(t, 'precommit')) {
      if (m.id === null) continue;
      const k = knew(t);
      if (!k.proposals(m.height, m.round).some((p) => valueId(p.value) === m.id)) {
        return `node ${t.node} precommitted ${m.id} at h${m.height} r${m.round} without holding its proposal`;
      }
      const who = k.voters('prevote', m.height, m.round, m.id);
      if (who.length < q) {
        return `node ${t.node} precommitted ${m.id} at h${m.height} r${m.round} backed by ${who.length} distinct prevotes ${list(who)}, needs ${q}`;
      }
    }
    return undefined;
  },
};

const nilPrecommitBacked: Inv = {
  name: 'nil-precommit-backed',
  description: 'a correct nil precommit in round r follows timeoutPrevote(h, r) (L61) or 2f+1 distinct nil prevotes in r (L44)',
  check(t, cfg) {
    const q = certificateSize(cfg);
    for (const m of sent(t, 'precommit')) {
      if (m.id !== null) continue;
      const input = t.input;
      if (input.kind === 'timer' && input.timer.name === 'timeoutPrevote' && input.timer.height === m.height && input.timer.round === m.round) continue;
      const who = knew(t).voters('prevote', m.height, m.round, null);
      if (who.length < q) {
        return `node ${t.node} precommitted nil at h${m.height} r${m.round} without timeoutPrevote, backed by ${who.length} distinct nil prevotes ${list(who)}, needs ${q}`;
      }
    }
    return undefined;
  },
};

const timeoutBacked: Inv = {
  name: 'timeout-backed',
  description: 'timeoutPrevote(h, r) is set only after 2f+1 distinct prevoters in r (L34), timeoutPrecommit(h, r) after 2f+1 distinct precommitters (L47)',
  check(t, cfg) {
    const q = certificateSize(cfg);
    for (const e of t.effects) {
      if (e.kind !== 'setTimer') continue;
      const { name, height, round } = e.timer;
      const type = name === 'timeoutPrevote' ? 'prevote' : name === 'timeoutPrecommit' ? 'precommit' : undefined;
      if (type === undefined) continue; // timeoutPropose: StartRound sets it unconditionally (L21)
      const who = knew(t).voters(type, height, round, ANY);
      if (who.length < q) {
        return `node ${t.node} set ${name} for h${height} r${round} after ${who.length} distinct ${type} senders ${list(who)}, needs ${q}`;
      }
    }
    return undefined;
  },
};

const precommitLocks: Inv = {
  name: 'precommit-locks',
  description: 'a correct node that precommits v in round r is locked on v at round r (L38-L40)',
  check(t) {
    for (const m of sent(t, 'precommit')) {
      if (m.id === null) continue;
      if (t.after.height !== m.height) continue; // decided in the same call: L53 reset the lock
      const lockedId = t.after.lockedValue === null ? null : valueId(t.after.lockedValue);
      if (t.after.lockedRound < m.round || (t.after.lockedRound === m.round && lockedId !== m.id)) {
        return `node ${t.node} precommitted ${m.id} at h${m.height} r${m.round} but is locked on ${lockedId ?? 'nil'}@${t.after.lockedRound}`;
      }
    }
    return undefined;
  },
};

/** Whether a proposal carries a proof of lock: vr < r and 2f+1 distinct prevotes for id(v) in vr. */
function hasProofOfLock(t: T, height: number, round: number, p: SeenProposal, q: number): boolean {
  return p.validRound >= 0 && p.validRound < round && knew(t).voters('prevote', height, p.validRound, valueId(p.value)).length >= q;
}

const prevoteBacked: Inv = {
  name: 'prevote-backed',
  description: 'a correct prevote for v in round r follows a proposal of v in r that is new (vr = -1, L22) or carries a proof of lock: 2f+1 distinct prevotes for v in vr < r (L28)',
  check(t, cfg) {
    const q = certificateSize(cfg);
    for (const m of sent(t, 'prevote')) {
      if (m.id === null) continue;
      const story = `node ${t.node} prevoted ${m.id} at h${m.height} r${m.round}`;
      const mine = knew(t).proposals(m.height, m.round).filter((p) => valueId(p.value) === m.id);
      if (mine.length === 0) return `${story} without its proposal`;
      if (!mine.some((p) => p.validRound === -1 || hasProofOfLock(t, m.height, m.round, p, q))) {
        const vrs = mine.map((p) => `vr=${p.validRound} (${knew(t).voters('prevote', m.height, p.validRound, m.id).length} prevotes)`).join(', ');
        return `${story} for a re-proposal without a proof of lock: ${vrs}, needs ${q} distinct prevotes at vr < r`;
      }
    }
    return undefined;
  },
};

const prevoteRespectsLock: Inv = {
  name: 'prevote-respects-lock',
  description: 'a correct node locked on v prevotes another value only for a proposal with a proof of lock at round vr, lockedRound <= vr < r (L28-L29)',
  check(t, cfg) {
    const q = certificateSize(cfg);
    const b = t.before;
    if (b.lockedValue === null) return undefined;
    const lockedId = valueId(b.lockedValue);
    for (const m of sent(t, 'prevote')) {
      if (m.id === null || m.id === lockedId || m.height !== b.height) continue;
      const story = `node ${t.node} locked on ${lockedId}@${b.lockedRound} prevoted ${m.id} at h${m.height} r${m.round}`;
      const candidates = knew(t).proposals(m.height, m.round).filter((x) => valueId(x.value) === m.id);
      if (candidates.length === 0) return `${story} without its proposal`;
      // Some proposal of that value must carry a newer proof of lock: lockedRound <= vr < r, 2f+1 prevotes at vr.
      const justified = candidates.some((p) => p.validRound >= b.lockedRound && hasProofOfLock(t, m.height, m.round, p, q));
      if (!justified) {
        const vrs = candidates.map((p) => `vr=${p.validRound} (${knew(t).voters('prevote', m.height, p.validRound, m.id).length} prevotes)`).join(', ');
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
    const q = certificateSize(cfg);
    for (const m of sent(t, 'proposal')) {
      const story = `node ${t.node} proposed ${m.value} with vr=${m.validRound} at h${m.height} r${m.round}`;
      if (m.validRound >= 0) {
        if (m.validRound >= m.round) return `${story}: vr is not below the round`;
        const who = knew(t).voters('prevote', m.height, m.validRound, valueId(m.value));
        if (who.length < q) return `${story}, but it knows ${who.length} prevotes for it at r${m.validRound}, needs ${q}`;
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

const decisionBacked: Inv = {
  name: 'decision-backed',
  description: 'a correct node decides v at height h only holding, for some round r of h, a proposal of v and 2f+1 distinct precommits for v in r (L49; valid(v) is the validity invariant\'s)',
  check(t, cfg) {
    const q = certificateSize(cfg);
    for (const e of t.effects) {
      if (e.kind !== 'decide') continue;
      const id = valueId(e.value);
      const rounds = new Set(storedRounds(t.before, e.height));
      if (t.input.kind === 'message' && t.input.msg.height === e.height) rounds.add(t.input.msg.round);
      const k = knew(t);
      let best = 0;
      for (const r of rounds) {
        if (k.certified('precommit', e.height, r, q, false).includes(e.value)) return undefined;
        best = Math.max(best, k.voters('precommit', e.height, r, id).length);
      }
      return `node ${t.node} decided ${e.value} at h${e.height} holding no round with its proposal and ${q} distinct precommits (best: ${best})`;
    }
    return undefined;
  },
};

/**
 * The rounds of the node's height whose log may have changed in this call: every round
 * at a new height, else the input message's round (the log changes only by receiving).
 * The fixpoint invariants below look only at these: they hold after every earlier call
 * (checked from init on), and the other rounds' logs are as they were then.
 */
function changedRounds(t: T): number[] {
  const s = t.after;
  if (s.height !== t.before.height || t.input.kind === 'init') return storedRounds(s, s.height);
  return t.input.kind === 'message' && t.input.msg.height === s.height ? [t.input.msg.round] : [];
}

const decidesOnCertificate: Inv = {
  name: 'decides-on-certificate',
  description: 'after a call, no round of the node\'s height holds a proposal of a valid v with 2f+1 distinct precommits for v: L49 has no round condition, so the node must have decided',
  check(t, cfg) {
    const q = certificateSize(cfg);
    const s = t.after;
    const k = new Knowledge(s);
    for (const r of changedRounds(t)) {
      if (rawCount(s, s.height, r, 'precommits') < q) continue; // cannot hold q distinct precommits
      const values = k.certified('precommit', s.height, r, q, true);
      if (values.length > 0) {
        return `node ${t.node} at h${s.height} r${s.round} holds ${values[0]} with ${q} precommits in round ${r} but has not decided`;
      }
    }
    return undefined;
  },
};

/**
 * validValue/validRound are the latest round r in which the node, at step prevote or
 * later of round r, held a proposal of v with 2f+1 prevotes for id(v) (L36,
 * L42-L43). Checked by induction over calls: a node gets past step propose in round r by
 * voting in r, and its log does not change within a call, so the rounds this call could
 * update are the one it started in (if already past propose there), those it voted in and
 * the one it ends in; validRound becomes the latest of them with a polka, or stays.
 * This holds whatever order the rules are tried in: within one call L55 is never enabled
 * next to L36 (a call starts at a fixpoint and L55 lands on the highest skippable round).
 */
const validRoundLatest: Inv = {
  name: 'valid-round-latest',
  description: 'validValue/validRound are the latest round in which the node, past its prevote, held a proposal of v with 2f+1 distinct prevotes for v (L36, L42-L43)',
  check(t, cfg) {
    const q = certificateSize(cfg);
    const b = t.before;
    const a = t.after;
    const h = a.height;
    // Rounds this call may have updated, in increasing order (rounds only grow within a height).
    const rounds: number[] = [];
    // Already past propose in its round when the call began: the previous check saw no
    // polka there (or validRound would be that round), so only an input of that round can add one.
    const wasPast = h === b.height && b.step !== 'propose';
    const input = t.input;
    if (wasPast && input.kind === 'message' && input.msg.height === h && input.msg.round === b.round && input.msg.type !== 'precommit') rounds.push(b.round);
    // Rounds in which the node voted in this call (a prevote or precommit is cast past step propose).
    for (const e of t.effects) {
      if ((e.kind === 'broadcast' || e.kind === 'send') && e.msg.type !== 'proposal' && e.msg.height === h) rounds.push(e.msg.round);
    }
    // The round it ends in, if it got past propose there in this call without voting (a stale timer, say).
    if (a.step !== 'propose' && !(wasPast && a.round === b.round)) rounds.push(a.round);
    let round = h === b.height ? b.validRound : -1;
    let values: string[] = h === b.height && b.validValue !== null ? [b.validValue] : [];
    for (const r of rounds) {
      if (r <= round) continue; // validRound is already r (or later): L36 fires once per round
      if (rawCount(b, h, r, 'prevotes') + 1 < q) continue; // the log plus the input cannot reach q
      const polka = knew(t).certified('prevote', h, r, q, false);
      if (polka.length > 0) {
        round = r;
        values = polka;
      }
    }
    if (a.validRound !== round || (round >= 0 && !values.includes(a.validValue ?? ''))) {
      return `node ${t.node} at h${h} r${a.round} has valid ${a.validValue ?? 'nil'}@${a.validRound}, expected ${round < 0 ? 'nil@-1' : `${values.join('|')}@${round}`}`;
    }
    return undefined;
  },
};

const roundSkipTaken: Inv = {
  name: 'round-skip-taken',
  description: 'after a call, no round above the node\'s round in its height has messages from f+1 distinct senders: L55 must have moved it there',
  check(t, cfg) {
    const s = t.after;
    const k = new Knowledge(s);
    for (const r of changedRounds(t)) {
      if (r <= s.round) continue;
      if (rawCount(s, s.height, r, 'prevotes') + rawCount(s, s.height, r, 'precommits') + 1 < skipSize(cfg)) continue;
      const who = k.senders(s.height, r);
      if (who.length >= skipSize(cfg)) {
        return `node ${t.node} stays in h${s.height} r${s.round} although round ${r} has ${who.length} distinct senders ${list(who)}`;
      }
    }
    return undefined;
  },
};

export const TENDERMINT_INVARIANTS: readonly Inv[] = [
  proposalCarriesValid,
  lockedRoundMonotonic,
  lockConsistent,
  prevoteBacked,
  precommitBacked,
  nilPrecommitBacked,
  timeoutBacked,
  precommitLocks,
  prevoteRespectsLock,
  decisionBacked,
  validRoundLatest,
  decidesOnCertificate,
  roundSkipTaken,
];
