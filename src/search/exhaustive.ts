/**
 * Exhaustive bounded search (issue 12, item 2): every action sequence of at most `depth`
 * actions from the initial world, breadth first, each distinct world expanded once.
 *
 * Like TLC and stateright's BFS checker: a world is identified by a 64-bit fingerprint of a
 * canonical encoding (fingerprint.ts) and kept in a typed-array set (visited.ts); the first
 * violation found in breadth-first order is a shortest counterexample, returned as an explicit
 * action list that runActions replays to the same violation.
 *
 * What the fingerprint covers, and why that is enough: the next actions, the next states and
 * every verdict of the Checker depend only on the node states, the in-flight messages as a
 * multiset of (sender instance, recipient, content), the pending timers as a set, crashed
 * instances, the partition, the fault budgets used, the decisions, the GST flag and the
 * Checker's own history (the first vote each correct node cast in each slot), so those are
 * hashed. Message ids and the order messages were sent are history (they only name messages)
 * and are left out. The messages lost before GST (resent at GST) and Byzantine gossip only
 * matter at and after GST, so they are hashed only when the search may take the GST action.
 * Checked: the safety invariants after every step (transition, world, vote, decision checks,
 * exactly the Checker's); not termination or final invariants, which judge a finished run.
 *
 * Sleep sets (partial-order reduction: P. Godefroid, Partial-Order Methods for the Verification
 * of Concurrent Systems, LNCS 1032, 1996; on by default, `reduce: false`
 * turns it off). Most of a run's steps are one correct node handling one message or timer;
 * two such steps of different nodes commute, and an unreduced search runs both orders of
 * every such pair only to find the second one's world again. The reduction skips those runs
 * and keeps every reachable state at its own depth, and the depth of the first violation.
 *
 * Local actions: a delivery (no crash inside) of a message from a correct node to a correct
 * node, a timer (no crash inside) or an event of a correct node, taken while no GST choice of
 * Byzantine behaviours or core is in force (world.afterGst null). Every other action
 * (drops, duplicates, injections, crashes, restarts, partitions, heals, reboots and crashes
 * inside a call, GST, anything of a Byzantine node or twin, any delivery from one, every step
 * once GST chose behaviours) is dependent on every action: it is never put to sleep and
 * clears the sleep set of the world it leads to. A local action is further taken as
 * dependent where its step's checks read the world after the step (StepContext.world, or
 * decidedBefore, which reads it): agreement and integrity on a decision, any user property
 * that looks at the cluster. SharedChecker counts those reads.
 *
 * Independence. Local actions a (node i) and b (node j != i) both enabled in world s:
 * - b is still enabled after a: a consumes only its own envelope or timer, sends, sets
 *   timers of i only, changes no crash, partition or budget (deliverability of b unchanged;
 *   the delayed-sender rule exists only with afterGst, excluded).
 * - s.a.b and s.b.a have the same fingerprint: i's state and decisions are changed by a
 *   alone, j's by b alone (reducers are pure, self-messages are handled inside the step);
 *   the messages in flight are hashed as a multiset without ids, and both orders remove
 *   the same two envelopes and add the same sends (only their ids differ); timers are
 *   hashed as a set of (node, timer); disks are per node; lost, byzantineDelivered and
 *   relayed are untouched (correct senders, no crash, before any afterGst); the Checker's
 *   history holds the first vote per slot and a slot belongs to one voter (checked as the
 *   search goes: ownSlots throws otherwise), so both orders record the same votes.
 * - a's step is the same call in both orders (same state of i before, same input: same
 *   after-state, effects, self-deliveries), and its checks see the same: the transition,
 *   cfg, first() answers from i's own slots, and nothing else unless they read the world,
 *   in which case a is dependent (the first read comes at the same point in both orders,
 *   since everything before it is the same). So a step put to sleep has the same verdict
 *   as its run on the path that explored it: per-step properties see every local step.
 * - what names an action across worlds: a delivery by its Envelope object, a timer by its
 *   PendingTimer object (both shared by a step with the next world until consumed), an
 *   event by node and name; where two parents' worlds differ in ids (merging below), by
 *   content (instances and message fingerprint; node and timer). Read the argument below
 *   with content as the name: two equal copies of a message in flight are one action (both
 *   lead to the same state). Naming by object only ever keeps a copy awake that content
 *   would put to sleep: the search then explores an edge more, which is always safe (its
 *   sleep set only narrows what it merges into).
 *
 * The search: a world x explores its enabled actions in listing order, except those in its
 * sleep set Z(x). The child x.a of a local a gets S(x, a) = { c in Z(x) or c local explored
 * at x before a : c of another node than a }; of a dependent a, the empty set. A state first
 * found at level k+1 gets the intersection of S(x, a) over every explored edge x -a-> it
 * from level k (all of level k is expanded before any of level k+1: the level's index of new
 * fingerprints finds the earlier parents' entry). A child already seen at a level <= k is
 * not touched: its sleep set is final and it is never expanded again.
 *
 * Why every state is still found at its depth. Call a path from x "shortest" if its end lies
 * |path| levels below x (then so does every state on it), and write w ~ w' for paths equal
 * up to swapping adjacent independent actions (same length, same end). Lemma: if x was found
 * at its own depth k and w is a shortest path from x such that no c in Z(x) can be moved to
 * the front of w (w ~ c.w''), then some w' ~ w is explored from x (its states are found at
 * their depths). Induction on |w|: among the actions that can be moved to the front of w,
 * take a, the first in x's listing order; a is not asleep, so x -a-> y is explored, w ~ a.w''
 * and y = x.a is at depth k+1 and is found there, with Z(y) a subset of S(x, a). If some c
 * in Z(y) could be moved to the front of w'', then c is independent of a (it is in S(x, a)),
 * so c could be moved to the front of w too: c in Z(x) contradicts the premise, and c
 * explored before a contradicts the choice of a. So w'' satisfies the premise at y; apply the
 * lemma to y. With x the initial world (Z empty) and w any shortest path to a state t, t is
 * found at depth |w|. A state first seen at an earlier level needs no second expansion with a
 * smaller sleep set: the lemma only ever follows shortest paths, and an edge into a state
 * already found at a level <= k is on none (through it, the state's depth would be k+1).
 *
 * Why the first violation is at the same depth. The reduction only leaves edges out, so it
 * reports nothing earlier. Let the unreduced search first break at depth m, on an edge x -a->
 * (x at depth m-1, found, see above). If a is asleep at x, follow the sleep set back: a was
 * put there by a parent where it was asleep or explored, ..., down to a world where a was
 * explored, at a depth < m-1, every action between being local and of other nodes than a's:
 * the same call, checked alike (above), passed there, so it passes at x: no asleep edge
 * breaks. A world invariant breaks on a world, which the search finds at its own depth.
 *
 * Not combined with symmetry (a sleep set names actions of one world, not of its renamings).
 */
import type { ClusterConfig, NodeId, Protocol } from '../core/types.ts';
import { ProtocolFault, UserError } from '../core/errors.ts';
import type { Action } from '../sim/actions.ts';
import { ActionError, type StepRecord, initWorld, step } from '../sim/step.ts';
import { type Envelope, type PendingTimer, type World, isByzantine, sameTimer } from '../sim/world.ts';
import { Checker, type Violation } from '../check/invariants.ts';
import { guarded } from '../check/guard.ts';
import { enabledActions } from './enumerate.ts';
import { type Fp, avalanche, fieldHash, fingerprintOf, isPlainRecord, memberHash } from './fingerprint.ts';
import { FingerprintIndex, FingerprintSet } from './visited.ts';

/**
 * Node-id symmetry: `state(s, perm)` is node state s as it would be had every node i been
 * named perm[i] (its own id, and every id it holds). Valid only if the protocol treats
 * nodes alike (no id-dependent leader rotation, say): the caller vouches for it. Messages
 * are taken to hold no node ids unless `message` renames them too. `permutations`
 * (default: every permutation of the node ids that maps the Byzantine nodes among themselves)
 * is the group to reduce by.
 */
export interface Symmetry<S, M> {
  state(s: S, perm: readonly NodeId[]): S;
  message?(m: M, perm: readonly NodeId[]): M;
  permutations?: readonly (readonly NodeId[])[];
}

export interface ExhaustiveOptions<S, M> {
  /** Check every action sequence of at most this many actions. */
  readonly depth: number;
  /** Stop (incomplete) once this many distinct states are known. Default 2,000,000. */
  readonly maxStates?: number;
  /** Reduce by node-id symmetry; a bare function renames states only. */
  readonly symmetry?: ((s: S, perm: readonly NodeId[]) => S) | Symmetry<S, M>;
  /** Also enumerate the GST action (after it, every delivery and timer order). Default false. */
  readonly gst?: boolean;
  /** Recompute every child's digest from scratch and fail if the incremental one differs (slow: for tests). */
  readonly verifyDigests?: boolean;
  /**
   * Partial-order reduction by sleep sets (see "Sleep sets" below): skip a step of one correct
   * node that is known to commute with the steps taken since it was explored. The same states
   * at the same depths, the same first violation depth; fewer transitions. Default true, except
   * with symmetry (not supported together: true with symmetry is an error).
   */
  readonly reduce?: boolean;
  /** Called after each depth is fully checked, e.g. for progress output. */
  readonly onLevel?: (depth: number, report: ExhaustiveReport<M>) => void;
}

/** A counterexample in the shape of a fixture (trace/fixture.ts Fixture): pass it to writeFixture. */
export interface ExhaustiveFixture<M> {
  readonly format: 1;
  readonly protocol: string;
  readonly mutant: string | null;
  readonly config: ClusterConfig;
  readonly expect: { readonly outcome: 'violates'; readonly invariant: string };
  readonly story: string;
  readonly found: { readonly by: string };
  readonly actions: readonly Action<M>[];
}

export interface ExhaustiveReport<M> {
  readonly protocol: string;
  readonly mutant: string | null;
  readonly config: ClusterConfig;
  /** The depth asked for. */
  readonly depth: number;
  /** Every action sequence of at most this many actions was checked. */
  readonly depthChecked: number;
  /** No state at depthChecked has an enabled action: the whole reachable space was explored. */
  readonly exhausted: boolean;
  /** Stopped at maxStates before reaching the depth asked for. */
  readonly truncated: boolean;
  /**
   * Steps run and checked (edges of the state graph explored). The step to each kept state is
   * run once more, unchecked, when its level is expanded (Entry): not counted here.
   */
  readonly transitions: number;
  /** The sleep-set reduction was on. */
  readonly reduction: boolean;
  /** Enabled actions not run because they were asleep (each one's step is run and checked on an equivalent path). */
  readonly skipped: number;
  /** Distinct states (fingerprints; orbits under symmetry), the initial world included. */
  readonly distinct: number;
  /** New distinct states found at each depth: levels[0] = 1, the initial world. */
  readonly levels: readonly number[];
  /** Wall-clock seconds, and CPU seconds of this process (user + system) over the search. */
  readonly seconds: number;
  readonly cpuSeconds: number;
  /** Per wall-clock second. */
  readonly distinctPerSecond: number;
  readonly transitionsPerSecond: number;
  readonly memory: { readonly heapUsedBytes: number; readonly rssBytes: number; readonly visitedBytes: number };
  /** With symmetry: states the search stands for (sum of orbit sizes) and the reduction factor. */
  readonly symmetry?: { readonly permutations: number; readonly unreduced: number; readonly factor: number };
  readonly violation?: Violation;
  /** A shortest action list from the initial world that breaks `violation` (replays with runActions). */
  readonly counterexample?: readonly Action<M>[];
  /** One line: "no violation up to depth D" or what broke at which depth. */
  readonly verdict: string;
}

/** One vote in a Checker history: slot and first value (the Checker's map entry), and who cast what. */
interface VoteNode<M> {
  readonly voter: NodeId;
  readonly msg: M;
  readonly slot: string;
  readonly value: string;
  readonly prev: VoteNode<M> | null;
}
type VoteChain<M> = VoteNode<M> | null;

/** A frontier entry: a world to expand and the Checker history that goes with it. */
interface Entry<M> {
  readonly id: number;
  /**
   * How to make this entry's world again: `action` from the world of entry `parent` of the
   * previous level (null for the initial world). Worlds are not kept from the level that finds
   * them to the level that expands them: a world (node states, messages in flight) is most of a
   * state's memory, and keeping every world of a level through the young generation's
   * collections cost more (about 40 us per kept state, measured) than one more step per
   * expanded entry. Only the worlds of the level being expanded are kept, for the next level.
   */
  readonly parent: number;
  readonly action: Action<M> | null;
  /**
   * The Checker's history along this entry's path: the first vote of each slot, newest first,
   * sharing its tail with the parent's (a map per entry would cost the garbage collector
   * more than rebuilding one per expanded entry).
   */
  readonly votes: VoteChain<M>;
  readonly digest: Digest;
  /**
   * The sleep set: flat pairs (token, node) of the local actions not to run from this world
   * (tokens as enabledActions names them, in this entry's world). Narrowed (intersected) while
   * other parents at the same level reach the same state; empty without the reduction.
   */
  sleep: readonly unknown[];
}

const NO_SLEEP: readonly unknown[] = Object.freeze([]);

/**
 * One Checker for the whole search, run on each frontier entry's history in turn. The
 * Checker's only history is its private votes map (check/invariants.ts: slot -> first value);
 * it exposes no way to start from a given history, so the map is swapped in here, and a step
 * that adds votes leaves the parent's map as it was (the child gets a copy). Fails loudly if
 * the Checker changes shape, rather than check less.
 */
class SharedChecker<S, M> {
  private readonly checker: Checker<S, M>;
  private readonly slot: { votes: Map<string, string> };

  constructor(p: Protocol<S, M>, cfg: ClusterConfig) {
    // Witnesses are never reported here; unseen ones would run on every call of the search.
    this.checker = new Checker(p, cfg, { witnesses: false });
    this.slot = this.checker as unknown as { votes: Map<string, string> };
    if (!(this.slot.votes instanceof Map)) throw new Error('exhaustive: Checker has no votes map any more; src/search/exhaustive.ts must follow check/invariants.ts');
    // StepContext.world (and decidedBefore, which reads it) is the one way a check sees
    // more than its own node's call and history: count the reads, so that a step whose
    // checks looked at the cluster is never taken as independent of other nodes' steps.
    let view: unknown;
    Object.defineProperty(this.checker, 'world', {
      configurable: true,
      enumerable: true,
      get: () => {
        this.worldReads++;
        return view;
      },
      set: (v: unknown) => {
        view = v;
      },
    });
    // A vote cast in a slot that holds one already: the search checks who cast that one.
    const first = this.checker.first;
    (this.checker as { first: typeof first }).first = (key: string, value: string) => {
      const prior = first.call(this.checker, key, value);
      if (prior !== undefined) this.hitPrior = true;
      return prior;
    };
  }

  /** The last afterStep's checks found a vote already in a slot (StepContext.first answered). */
  hitPrior = false;

  /** How many vote slots the last afterStep added (then took out of the map again). */
  added = 0;
  private worldReads = 0;
  /** The last afterStep's checks read the world after the step (StepContext.world or decidedBefore). */
  readWorld = false;

  /** Check one step on top of `votes` (left as it was); sets `added`. */
  afterStep(votes: Map<string, string>, w: World<S, M>, record: StepRecord<S, M>, index: number): Violation | undefined {
    const before = votes.size;
    const reads = this.worldReads;
    this.hitPrior = false;
    this.slot.votes = votes;
    let violation: Violation | undefined;
    let added = 0;
    this.added = 0;
    try {
      violation = this.checker.afterStep(w, record, index);
    } finally {
      this.slot.votes = EMPTY_VOTES;
      added = votes.size - before;
      if (added > 0) {
        // New slots are appended (a Map keeps insertion order): take them out again.
        let i = 0;
        const fresh: string[] = [];
        for (const k of votes.keys()) if (i++ >= before) fresh.push(k);
        for (const k of fresh) votes.delete(k);
      }
      this.added = added;
      this.readWorld = this.worldReads !== reads;
    }
    return violation;
  }
}

/** Parked in the shared Checker between steps; a step never runs on it. */
const EMPTY_VOTES = new Map<string, string>();

function allPermutations(n: number, byzantine: readonly NodeId[]): NodeId[][] {
  const out: NodeId[][] = [];
  const perm: NodeId[] = [];
  const used = new Array<boolean>(n).fill(false);
  const rec = (i: number): void => {
    if (i === n) {
      out.push(perm.slice());
      return;
    }
    for (let j = 0; j < n; j++) {
      if (used[j] || byzantine.includes(i) !== byzantine.includes(j)) continue;
      used[j] = true;
      perm.push(j);
      rec(i + 1);
      perm.pop();
      used[j] = false;
    }
  };
  rec(0);
  return out;
}

const SEED_A = 0x3c6ef372;
const SEED_B = 0x1f83d9ab;
/** 30 bits: a small integer in V8 (unboxed) even with pointer compression. */
const SMALL = 0x3fffffff;
const NODE_WORDS = 5;

/**
 * The parts of a world's fingerprint that a step mostly leaves alone, kept per frontier entry
 * so a child re-hashes only the node states it replaced and the messages that came or went.
 * One plain array of numbers (one allocation per kept state; a child that is not kept is
 * digested into a scratch array):
 * - [FLIGHT, FLIGHT+3): the in-flight multiset: count and the two lanes' sums of member hashes;
 * - [VOTES, VOTES+3): the vote history: count and sums;
 * - [TIMERS, TIMERS+3): the pending timers (a set of (node, timer)): count and sums;
 * - from NODES, per instance, NODE_WORDS 30-bit words: the hash of (state, decisions) in two
 *   words, then the state's field count and field-hash sums, so a child re-hashes only the
 *   fields of a node state that a step replaced.
 */
type Digest = number[];
const FLIGHT = 0;
const VOTES = 3;
const TIMERS = 6;
const NODES = 9;

/** Hashes worlds; one per search. */
class WorldHasher<S, M> {
  private readonly fp: Fp = { a: 0, b: 0 };
  private readonly fp2: Fp = { a: 0, b: 0 };
  private lastMsg: M | undefined = undefined;
  private lastMsgFp: Fp = { a: 0, b: 0 };
  private readonly words: number[] = [];
  private readonly sums: number[] = [0, 0, 0, 0, 0, 0];
  private readonly inv: number[] = [];
  /**
   * Per instance: the field hashes of one node state already computed (keys and two words
   * each). A parent's state is compared with each of its children's: its replaced fields are
   * hashed once per parent, not once per child.
   */
  private readonly memoOf: unknown[] = [];
  private readonly memoKeys: string[][] = [];
  private readonly memoHashes: number[][] = [];

  constructor(
    private readonly gst: boolean,
    private readonly sym: Symmetry<S, M> | undefined,
    /** The config has a reboot budget: what each node wrote to disk and whether it is down wiped are state. */
    private readonly reboots = false,
  ) {}

  private msgFp(m: M, perm: readonly NodeId[] | null): Fp {
    if (perm !== null && this.sym?.message) return fingerprintOf(this.sym.message(m, perm), this.fp2);
    // A broadcast puts one message object in several envelopes: hash it once.
    if (m !== this.lastMsg) {
      this.lastMsg = m;
      this.lastMsgFp = fingerprintOf(m, { a: 0, b: 0 });
    }
    return this.lastMsgFp;
  }

  /** Fill node `at`'s words: (count, sums) of the state's fields (a plain object), then the hash. */
  private nodeHash(s: S, decisions: unknown, out: number[], at: number): void {
    const o = NODES + NODE_WORDS * at;
    if (isPlainRecord(s)) {
      let count = 0;
      let sa = 0;
      let sb = 0;
      for (const k in s) {
        const v = s[k];
        if (v === undefined) continue;
        const h = fieldHash(k, v, this.fp);
        sa = (sa + h.a) & SMALL;
        sb = (sb + h.b) & SMALL;
        count++;
      }
      out[o + 2] = count;
      out[o + 3] = sa;
      out[o + 4] = sb;
    } else {
      const h = fingerprintOf(s, this.fp);
      out[o + 2] = -1;
      out[o + 3] = h.a & SMALL;
      out[o + 4] = (h.a >>> 30) ^ (h.b & SMALL);
    }
    this.finishNode(decisions, out, o);
  }

  private finishNode(decisions: unknown, out: number[], o: number): void {
    const d = fingerprintOf(decisions, this.fp);
    const x = out[o + 2]! ^ (out[o + 3]! << 2);
    out[o] = memberHash(SEED_A, x, out[o + 4]!, d.a, d.b) & SMALL;
    out[o + 1] = memberHash(SEED_B, x, out[o + 4]!, d.a, d.b) & SMALL;
  }

  /** fieldHash(k, before[k]) for instance `at`, memoised while `before` stays the same object. */
  private oldField(before: object, k: string, old: unknown, at: number): Fp {
    let keys = this.memoKeys[at];
    let hashes = this.memoHashes[at]!;
    if (this.memoOf[at] !== before || keys === undefined) {
      this.memoOf[at] = before;
      keys = this.memoKeys[at] = [];
      hashes = this.memoHashes[at] = [];
    }
    const fp = this.fp;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === k) {
        fp.a = hashes[2 * i]!;
        fp.b = hashes[2 * i + 1]!;
        return fp;
      }
    }
    fieldHash(k, old, fp);
    keys.push(k);
    hashes.push(fp.a, fp.b);
    return fp;
  }

  /** A node whose state object changed: update the field sums by the fields that differ. */
  private nodeUpdate(before: S, s: S, decisions: unknown, out: number[], at: number): void {
    const o = NODES + NODE_WORDS * at;
    if (!isPlainRecord(before) || !isPlainRecord(s) || out[o + 2]! < 0) {
      this.nodeHash(s, decisions, out, at);
      return;
    }
    let count = out[o + 2]!;
    let sa = out[o + 3]!;
    let sb = out[o + 4]!;
    for (const k in s) {
      const v = s[k];
      const old = before[k];
      if (v === old) continue;
      if (old !== undefined) {
        const h = this.oldField(before, k, old, at);
        sa = (sa - h.a) & SMALL;
        sb = (sb - h.b) & SMALL;
        count--;
      }
      if (v !== undefined) {
        const h = fieldHash(k, v, this.fp);
        sa = (sa + h.a) & SMALL;
        sb = (sb + h.b) & SMALL;
        count++;
      }
    }
    for (const k in before) {
      if (k in s) continue;
      const old = before[k];
      if (old === undefined) continue;
      const h = this.oldField(before, k, old, at);
      sa = (sa - h.a) & SMALL;
      sb = (sb - h.b) & SMALL;
      count--;
    }
    out[o + 2] = count;
    out[o + 3] = sa;
    out[o + 4] = sb;
    this.finishNode(decisions, out, o);
  }

  /** Count and sums of a list of envelopes (a multiset of (src, to, message)) into out[at..at+3). */
  private envelopeSums(list: readonly Envelope<M>[], perm: readonly NodeId[] | null, out: number[], at: number): void {
    let sa = 0;
    let sb = 0;
    for (const e of list) {
      const m = this.msgFp(e.msg, perm);
      const src = perm === null || e.src >= perm.length ? e.src : perm[e.src]!;
      const to = perm === null || e.to >= perm.length ? e.to : perm[e.to]!;
      sa = (sa + memberHash(SEED_A, src, to, m.a, m.b)) | 0;
      sb = (sb + memberHash(SEED_B, src, to, m.a, m.b)) | 0;
    }
    out[at] = list.length;
    out[at + 1] = sa;
    out[at + 2] = sb;
  }

  /** Count and sums of the pending timers (a set of (node, timer)) into out[TIMERS..]. */
  private timerSums(list: readonly PendingTimer[], perm: readonly NodeId[] | null, out: number[]): void {
    let ta = 0;
    let tb = 0;
    for (const t of list) {
      const h = fingerprintOf(t.timer, this.fp);
      const node = perm === null || t.node >= perm.length ? t.node : perm[t.node]!;
      ta = (ta + memberHash(SEED_A, node, h.a, h.b, 0)) | 0;
      tb = (tb + memberHash(SEED_B, node, h.a, h.b, 0)) | 0;
    }
    out[TIMERS] = list.length;
    out[TIMERS + 1] = ta;
    out[TIMERS + 2] = tb;
  }

  /** out[TIMERS..] from the parent's words: the timers that left (not in `now`, by identity) and came. */
  private timerUpdate(before: readonly PendingTimer[], now: readonly PendingTimer[], out: number[]): void {
    let ta = out[TIMERS + 1]!;
    let tb = out[TIMERS + 2]!;
    for (const t of before) {
      if (now.includes(t)) continue;
      const h = fingerprintOf(t.timer, this.fp);
      ta = (ta - memberHash(SEED_A, t.node, h.a, h.b, 0)) | 0;
      tb = (tb - memberHash(SEED_B, t.node, h.a, h.b, 0)) | 0;
    }
    for (const t of now) {
      if (before.includes(t)) continue;
      const h = fingerprintOf(t.timer, this.fp);
      ta = (ta + memberHash(SEED_A, t.node, h.a, h.b, 0)) | 0;
      tb = (tb + memberHash(SEED_B, t.node, h.a, h.b, 0)) | 0;
    }
    out[TIMERS] = now.length;
    out[TIMERS + 1] = ta;
    out[TIMERS + 2] = tb;
  }

  /** Add the count and sums of the votes from `head` back to (not including) `stop` to out[VOTES..]. */
  private voteSums(head: VoteChain<M>, perm: readonly NodeId[] | null, stop: VoteChain<M>, out: number[]): void {
    let count = out[VOTES]!;
    let va = out[VOTES + 1]!;
    let vb = out[VOTES + 2]!;
    for (let v = head; v !== stop && v !== null; v = v.prev) {
      const m = this.msgFp(v.msg, perm);
      const voter = perm === null ? v.voter : perm[v.voter]!;
      va = (va + memberHash(SEED_A, voter, m.a, m.b, 1)) | 0;
      vb = (vb + memberHash(SEED_B, voter, m.a, m.b, 1)) | 0;
      count++;
    }
    out[VOTES] = count;
    out[VOTES + 1] = va;
    out[VOTES + 2] = vb;
  }

  /** The digest of a world from scratch (the initial world, or a renamed one). */
  full(w: World<S, M>, votes: VoteChain<M>, perm: readonly NodeId[] | null): Digest {
    const k = w.states.length;
    const d: Digest = new Array<number>(NODES + NODE_WORDS * k).fill(0);
    for (let i = 0; i < k; i++) {
      const s = w.states[i]!;
      const at = perm === null || i >= perm.length ? i : perm[i]!;
      this.nodeHash(perm === null || this.sym === undefined ? s : this.sym.state(s, perm), w.decisions[i], d, at);
    }
    this.envelopeSums(w.inFlight, perm, d, FLIGHT);
    this.voteSums(votes, perm, null, d);
    this.timerSums(w.timers, perm, d);
    return d;
  }

  /**
   * The digest of a child world from its parent's, into `out` (a scratch array, or a new one):
   * only what the step replaced is hashed.
   */
  child(parent: World<S, M>, pd: Digest, w: World<S, M>, votes: VoteChain<M>, parentVotes: VoteChain<M>, out: Digest): Digest {
    const k = w.states.length;
    out.length = pd.length;
    for (let i = 0; i < pd.length; i++) out[i] = pd[i]!;
    for (let i = 0; i < k; i++) {
      if (w.states[i] === parent.states[i] && w.decisions[i] === parent.decisions[i]) continue;
      if (w.states[i] === parent.states[i]) this.finishNode(w.decisions[i], out, NODES + NODE_WORDS * i);
      else this.nodeUpdate(parent.states[i]!, w.states[i]!, w.decisions[i], out, i);
    }
    // In-flight lists are sorted by id and ids are never reused: a merge finds what left and what came.
    const P = parent.inFlight;
    const C = w.inFlight;
    if (P !== C) {
      let count = out[FLIGHT]!;
      let sa = out[FLIGHT + 1]!;
      let sb = out[FLIGHT + 2]!;
      let i = 0;
      let j = 0;
      while (i < P.length || j < C.length) {
        const p = P[i];
        const c = C[j];
        if (p !== undefined && c !== undefined && p.id === c.id) {
          i++;
          j++;
          continue;
        }
        if (c === undefined || (p !== undefined && p.id < c.id)) {
          const m = this.msgFp(p!.msg, null);
          sa = (sa - memberHash(SEED_A, p!.src, p!.to, m.a, m.b)) | 0;
          sb = (sb - memberHash(SEED_B, p!.src, p!.to, m.a, m.b)) | 0;
          count--;
          i++;
        } else {
          const m = this.msgFp(c.msg, null);
          sa = (sa + memberHash(SEED_A, c.src, c.to, m.a, m.b)) | 0;
          sb = (sb + memberHash(SEED_B, c.src, c.to, m.a, m.b)) | 0;
          count++;
          j++;
        }
      }
      out[FLIGHT] = count;
      out[FLIGHT + 1] = sa;
      out[FLIGHT + 2] = sb;
    }
    if (votes !== parentVotes) this.voteSums(votes, null, parentVotes, out);
    if (w.timers !== parent.timers) this.timerUpdate(parent.timers, w.timers, out);
    return out;
  }

  /** The world's 64-bit fingerprint from its digest, under `perm` (null: as it is). */
  hash(w: World<S, M>, d: Digest, perm: readonly NodeId[] | null, out: Fp): Fp {
    const words = this.words;
    words.length = 0;
    const k = w.states.length;
    for (let j = 0; j < k; j++) words.push(d[NODES + NODE_WORDS * j]!, d[NODES + NODE_WORDS * j + 1]!);
    // Position j of the renamed world holds what instance inv[j] had.
    const inv = this.inv;
    inv.length = k;
    for (let i = 0; i < k; i++) inv[perm === null || i >= perm.length ? i : perm[i]!] = i;
    for (let j = 0; j < k; j++) words.push(w.crashed[inv[j]!] ? 1 : 0);
    words.push(d[FLIGHT]!, d[FLIGHT + 1]!, d[FLIGHT + 2]!);
    words.push(d[TIMERS]!, d[TIMERS + 1]!, d[TIMERS + 2]!);
    if (w.partition === null) words.push(-1);
    else {
      // Sides renamed in order of first appearance, so a swap of side labels is the same partition.
      const names = new Map<number, number>();
      for (let j = 0; j < k; j++) {
        const g = w.partition[inv[j]!]!;
        if (!names.has(g)) names.set(g, names.size);
        words.push(names.get(g)!);
      }
    }
    const u = w.used;
    words.push(u.drops, u.duplicates, u.crashes, u.partitions, u.injections, w.gst ? 1 : 0);
    words.push(d[VOTES]!, d[VOTES + 1]!, d[VOTES + 2]!);
    if (this.gst) {
      const sums = this.sums;
      this.envelopeSums(w.lost, perm, sums, 0);
      this.envelopeSums(w.byzantineDelivered, perm, sums, 3);
      for (const x of sums) words.push(x);
      const r = fingerprintOf(w.relayed, this.fp);
      words.push(r.a, r.b);
    }
    if (this.reboots) {
      // Two worlds equal but for a node's disk restart differently (recover reads the disk).
      words.push(u.reboots ?? 0);
      for (let j = 0; j < k; j++) {
        const i = inv[j]!;
        const h = w.disk[i] === undefined ? { a: -1, b: -1 } : fingerprintOf(w.disk[i], this.fp);
        words.push(w.wiped[i] ? 1 : 0, h.a, h.b);
      }
    }
    let a = 0x6a09e667 ^ words.length;
    let b = 0xbb67ae85;
    for (const x of words) {
      a = Math.imul(a ^ x, 0x01000193);
      b = Math.imul((b << 5) | (b >>> 27), 0x9e3779b1) ^ x;
    }
    out.a = avalanche(a);
    out.b = avalanche(b ^ a);
    return out;
  }
}

/**
 * Enumerate every action sequence of at most `options.depth` actions breadth first, check
 * every step, and stop at the first violation (a shortest counterexample).
 */
export function exhaustive<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, options: ExhaustiveOptions<S, M>): ExhaustiveReport<M> {
  const { depth } = options;
  if (!Number.isInteger(depth) || depth < 0) throw new UserError(`exhaustive: depth must be a non-negative integer, got ${depth}`);
  const maxStates = options.maxStates ?? 2_000_000;
  if (!Number.isInteger(maxStates) || maxStates < 1) throw new UserError(`exhaustive: maxStates must be a positive integer, got ${maxStates}`);
  const gst = options.gst ?? false;
  const sym: Symmetry<S, M> | undefined = options.symmetry === undefined ? undefined
    : typeof options.symmetry === 'function' ? { state: options.symmetry } : options.symmetry;
  if (sym !== undefined && cfg.twins.length > 0) throw new UserError('exhaustive: symmetry reduction with twins is not supported (a twin instance has no id of its own)');
  if (sym !== undefined && gst) throw new UserError('exhaustive: symmetry reduction with gst is not supported (relayed gossip keys hold node ids)');
  const reboots = (cfg.faults.reboots ?? 0) > 0;
  if (sym !== undefined && reboots) throw new UserError('exhaustive: symmetry reduction with reboots is not supported (a node\'s durable data is not renamed by the symmetry)');
  // The accountability evidence is a per-run log the one shared Checker cannot keep per path.
  if (cfg.byzantine.length > cfg.f) throw new UserError(`exhaustive: more Byzantine nodes (${cfg.byzantine.length}) than f=${cfg.f} is not supported (accountability needs each path's received messages); use fuzz --byzantine`);
  if (options.reduce === true && sym !== undefined) throw new UserError('exhaustive: the sleep-set reduction with symmetry is not supported (a sleep set names actions of one world, not of its renamings); pass reduce: false');
  const reduce = options.reduce ?? sym === undefined;
  const perms = sym === undefined ? [] : (sym.permutations ?? allPermutations(cfg.n, cfg.byzantine)).filter((p) => p.some((x, i) => x !== i));

  const p = guarded(protocol);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const hasher = new WorldHasher<S, M>(gst, sym, reboots);
  const visited = new FingerprintSet();
  // The search tree as two flat arrays: each state's parent id and the index of the action
  // (in enabledActions order) that reached it; a path is re-derived by replaying them.
  const parents: number[] = [];
  const via: number[] = [];
  const levels: number[] = [];
  const fp: Fp = { a: 0, b: 0 };
  const fpPerm: Fp = { a: 0, b: 0 };
  let transitions = 0;
  let skipped = 0;
  // Sleep sets: the states first found at the level being built (fingerprint -> index in
  // `next`), who cast each vote slot (each slot must have one voter), the scratch lists.
  const levelIndex = new FingerprintIndex();
  const slotVoter = new Map<string, NodeId>();
  const tokens: unknown[] | undefined = reduce ? [] : undefined;
  const explored: unknown[] = [];
  // A child's digest is made here and copied only if the child is kept.
  const scratch: Digest = [];
  let unreduced = 0;
  let violation: Violation | undefined;
  let counterexample: Action<M>[] | undefined;
  let depthChecked = 0;
  let truncated = false;
  let exhausted = false;

  /** The actions from the initial world to state `id`, replayed from the action indices. */
  const pathTo = (id: number): Action<M>[] => {
    const indices: number[] = [];
    for (let at = id; parents[at]! >= 0; at = parents[at]!) indices.push(via[at]!);
    const out: Action<M>[] = [];
    let w = init.world;
    for (let i = indices.length - 1; i >= 0; i--) {
      const action = enabledActions(p, w, gst)[indices[i]!]!;
      out.push(action);
      w = step(p, w, action).world;
    }
    return out;
  };

  /** Canonical fingerprint into `fp` (minimum over the symmetry group); returns the orbit size. */
  const canonical = (w: World<S, M>, digest: Digest, votes: VoteChain<M>): number => {
    hasher.hash(w, digest, null, fp);
    if (perms.length === 0) return 1;
    const seen = new Set<string>([`${fp.a},${fp.b}`]);
    for (const perm of perms) {
      hasher.hash(w, hasher.full(w, votes, perm), perm, fpPerm);
      seen.add(`${fpPerm.a},${fpPerm.b}`);
      if ((fpPerm.a >>> 0) < (fp.a >>> 0) || (fpPerm.a === fp.a && (fpPerm.b >>> 0) < (fp.b >>> 0))) {
        fp.a = fpPerm.a;
        fp.b = fpPerm.b;
      }
    }
    return seen.size;
  };

  let init: { world: World<S, M>; record: StepRecord<S, M> };
  try {
    init = initWorld(p, cfg);
  } catch (e) {
    if (!(e instanceof ProtocolFault)) throw e;
    throw new UserError(`${protocol.name}: init failed: ${e.message}`);
  }
  const checker = new SharedChecker(p, cfg);
  try {
    violation = checker.afterStep(new Map(), init.world, init.record, -1);
  } catch (e) {
    if (!(e instanceof ProtocolFault)) throw e;
    violation = { invariant: 'exception', step: -1, detail: e.message };
  }
  const initVotes = newVotes(p, cfg, init.record, new Map(), null);
  const initDigest = hasher.full(init.world, initVotes, null);
  unreduced += canonical(init.world, initDigest, initVotes);
  visited.add(fp.a, fp.b);
  parents.push(-1);
  via.push(-1);
  levels.push(1);
  if (violation === undefined) {
    const listingFault = probeListing(p, init.world);
    if (listingFault !== undefined) violation = { invariant: 'exception', step: -1, detail: listingFault };
  }
  if (violation !== undefined) counterexample = [];

  if (reduce) ownSlots(p, cfg, init.record, slotVoter);
  let frontier: Entry<M>[] = [{ id: 0, parent: -1, action: null, votes: initVotes, digest: initDigest, sleep: NO_SLEEP }];
  // The worlds of the previous level's entries, by index (to make this level's again).
  let previous: World<S, M>[] = [];
  for (let d = 0; d < depth && violation === undefined && !truncated; d++) {
    const next: Entry<M>[] = [];
    // The last level's worlds are counted and checked but never expanded: not kept.
    const last = d === depth - 1;
    const worlds: World<S, M>[] = [];
    levelIndex.clear();
    let found = 0;
    outer: for (let ei = 0; ei < frontier.length; ei++) {
      const entry = frontier[ei]!;
      // The same step as when this entry was found (step is deterministic): the same world, ids included.
      const world = entry.action === null ? init.world : step(p, previous[entry.parent]!, entry.action).world;
      if (!last) worlds.push(world);
      let actions: Action<M>[];
      if (tokens !== undefined) tokens.length = 0;
      try {
        actions = enabledActions(p, world, gst, tokens);
      } catch (e) {
        if (!(e instanceof ProtocolFault)) throw e;
        // As in execute: a throw while the adversary lists its choices counts after the last action.
        violation = { invariant: 'exception', step: d - 1, detail: e.message };
        counterexample = pathTo(entry.id);
        break;
      }
      // The Checker's map for this entry, rebuilt once from its chain.
      const history = new Map<string, string>();
      for (let v = entry.votes; v !== null; v = v.prev) history.set(v.slot, v.value);
      const sleep = entry.sleep;
      explored.length = 0;
      for (let ai = 0; ai < actions.length; ai++) {
        const action = actions[ai]!;
        // The correct node whose own step this action is (a local action), or -1.
        const token = tokens === undefined ? null : tokens[ai];
        const node = token === null ? -1 : localNode(world, action, token);
        if (node >= 0 && sleep.length > 0 && asleep(sleep, token)) {
          skipped++;
          continue;
        }
        transitions++;
        let child: { world: World<S, M>; record: StepRecord<S, M> };
        let added = 0;
        try {
          child = step(p, world, action);
          violation = checker.afterStep(history, child.world, child.record, d);
          added = checker.added;
        } catch (e) {
          if (e instanceof ActionError) throw new Error(`exhaustive: listed action ${JSON.stringify(action)} is not enabled (${e.message}): a harness bug in src/search/enumerate.ts`);
          if (!(e instanceof ProtocolFault)) throw e;
          violation = { invariant: 'exception', step: d, detail: e.message };
        }
        if (violation !== undefined) {
          counterexample = [...pathTo(entry.id), action];
          break outer;
        }
        // Independent of other nodes' steps only if its checks read nothing but the call and its node's history.
        const local = node >= 0 && !checker.readWorld;
        const votes = added === 0 ? entry.votes : newVotes(p, cfg, child!.record, history, entry.votes);
        if (added > 0 && chainLength(votes, entry.votes) !== added) {
          throw new Error(`exhaustive: the Checker recorded ${added} new vote slot(s) but the step's effects show ${chainLength(votes, entry.votes)}: src/search/exhaustive.ts must follow check/invariants.ts`);
        }
        if (reduce && (added > 0 || checker.hitPrior)) ownSlots(p, cfg, child!.record, slotVoter);
        const digest = hasher.child(world, entry.digest, child!.world, votes, entry.votes, scratch);
        if (options.verifyDigests) verifyDigest(hasher, child!.world, digest, votes, action);
        const orbit = canonical(child!.world, digest, votes);
        if (!visited.add(fp.a, fp.b)) {
          if (reduce && !last) {
            // Another parent at this level reached a state found at this level: it may run only
            // what both leave awake (a state first found at an earlier level is never expanded again).
            const at = levelIndex.get(fp.a, fp.b);
            if (at >= 0 && next[at]!.sleep.length > 0) next[at]!.sleep = intersect(next[at]!.sleep, local ? childSleep(sleep, explored, node) : NO_SLEEP);
          }
          if (local) explored.push(token, node);
          continue;
        }
        // The adversary's listing calls protocol code (Byzantine vocabulary, events): a throw
        // there is found with the world that causes it, at its depth, the last level included.
        const listingFault = probeListing(p, child!.world);
        if (listingFault !== undefined) {
          violation = { invariant: 'exception', step: d, detail: listingFault };
          counterexample = [...pathTo(entry.id), action];
          break outer;
        }
        unreduced += orbit;
        found++;
        const id = parents.length;
        parents.push(entry.id);
        via.push(ai);
        if (!last) {
          if (reduce) levelIndex.set(fp.a, fp.b, next.length);
          next.push({ id, parent: ei, action, votes, digest: digest.slice(), sleep: local ? childSleep(sleep, explored, node) : NO_SLEEP });
        }
        if (local) explored.push(token, node);
        if (visited.size >= maxStates) {
          truncated = true;
          break outer;
        }
      }
    }
    if (violation !== undefined || truncated) break;
    levels.push(found);
    depthChecked = d + 1;
    frontier = next;
    previous = worlds;
    if (found === 0) {
      exhausted = true;
      break;
    }
    options.onLevel?.(depthChecked, report());
  }

  function report(): ExhaustiveReport<M> {
    const seconds = (performance.now() - t0) / 1000;
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage(cpu0);
    const distinct = visited.size;
    const verdict = violation !== undefined
      ? `${violation.invariant} violated at depth ${counterexample!.length} (${violation.detail})`
      : truncated
        ? `stopped at ${distinct} distinct states (maxStates): no violation up to depth ${depthChecked}`
        : exhausted
          ? `no violation in the whole reachable space (${distinct} states, all within depth ${depthChecked})`
          : `no violation up to depth ${depthChecked}`;
    return {
      protocol: protocol.name,
      mutant: protocol.mutant ?? null,
      config: cfg,
      depth,
      depthChecked,
      exhausted,
      truncated,
      transitions,
      reduction: reduce,
      skipped,
      distinct,
      levels: levels.slice(),
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      distinctPerSecond: distinct / Math.max(seconds, 1e-9),
      transitionsPerSecond: transitions / Math.max(seconds, 1e-9),
      memory: { heapUsedBytes: mem.heapUsed, rssBytes: mem.rss, visitedBytes: visited.bytes },
      ...(sym !== undefined ? { symmetry: { permutations: perms.length + 1, unreduced, factor: unreduced / distinct } } : {}),
      ...(violation !== undefined ? { violation, counterexample: counterexample! } : {}),
      verdict,
    };
  }
  return report();
}

function verifyDigest<S, M>(hasher: WorldHasher<S, M>, w: World<S, M>, d: Digest, votes: VoteChain<M>, action: Action<M>): void {
  const f = hasher.full(w, votes, null);
  const same = f.length === d.length && f.every((x, i) => x === d[i]);
  if (!same) throw new Error(`exhaustive: incremental digest differs from the full one after ${JSON.stringify(action)}`);
}

/**
 * The message of a protocol fault raised while listing a world's actions, if any. Listing runs
 * protocol code only in events (every node that is up, before GST) and the Byzantine
 * vocabulary (each Byzantine node, every message read, when an injection is enabled): those
 * exact calls are made here (the rest of enabledActions is the harness's own).
 */
function probeListing<S, M>(p: Protocol<S, M>, w: World<S, M>): string | undefined {
  const { cfg } = w;
  const events = p.events !== undefined && p.onEvent !== undefined && !w.gst;
  const inject = p.byzantineMessages !== undefined && !w.gst && w.used.injections < cfg.faults.injections && cfg.byzantine.length > 0;
  if (!events && !inject) return undefined;
  try {
    if (events) for (let node = 0; node < w.states.length; node++) if (!w.crashed[node]) p.events!(w.states[node]!, cfg);
    if (inject) {
      // Each message read: a lazily built list makes it then.
      for (const self of cfg.byzantine) for (const m of p.byzantineMessages!({ cfg, self, states: w.states, seen: w.inFlight.map((e) => e.msg) })) void m;
    }
    return undefined;
  } catch (e) {
    if (!(e instanceof ProtocolFault)) throw e;
    return e.message;
  }
}

function chainLength<M>(head: VoteChain<M>, stop: VoteChain<M>): number {
  let c = 0;
  for (let v = head; v !== stop && v !== null; v = v.prev) c++;
  return c;
}

/**
 * The votes a step added to the Checker's history: the first vote of each correct node in
 * each slot not voted before, as the Checker's map records it, with who cast what message.
 */
function newVotes<S, M>(p: Protocol<S, M>, cfg: ClusterConfig, record: StepRecord<S, M>, before: ReadonlyMap<string, string>, head: VoteChain<M>): VoteChain<M> {
  let added: Set<string> | undefined;
  for (const t of record.transitions) {
    if (isByzantine(cfg, t.node)) continue;
    for (const e of t.effects) {
      if (e.kind !== 'send' && e.kind !== 'broadcast') continue;
      const vote = p.voteSlot(t.node, e.msg);
      if (vote === undefined || before.has(vote.slot) || added?.has(vote.slot)) continue;
      (added ??= new Set()).add(vote.slot);
      head = { voter: t.node, msg: e.msg, slot: vote.slot, value: vote.value, prev: head };
    }
  }
  return head;
}

/** The counterexample of a report as a fixture (write it with trace/fixture.ts writeFixture). */
export function exhaustiveFixture<M>(report: ExhaustiveReport<M>, story?: string): ExhaustiveFixture<M> {
  if (report.violation === undefined || report.counterexample === undefined) throw new UserError('exhaustive: no counterexample to save (no violation found)');
  return {
    format: 1,
    protocol: report.protocol,
    mutant: report.mutant,
    config: report.config,
    expect: { outcome: 'violates', invariant: report.violation.invariant },
    story: story ?? `${report.mutant ? `mutant ${report.mutant}: ` : ''}${report.violation.detail} (shortest: ${report.counterexample.length} actions, exhaustive search)`,
    found: { by: `exhaustive --depth ${report.depth}` },
    actions: report.counterexample,
  };
}

/**
 * The correct node whose own step `action` is, when it is a local action: a plain delivery
 * from a correct node to a correct node, a plain timer or an event of a correct node, before
 * any GST choice of Byzantine behaviours or core (afterGst null). Else -1 (a dependent action).
 */
function localNode<S, M>(w: World<S, M>, action: Action<M>, token: unknown): number {
  if (w.afterGst !== null) return -1;
  const { cfg } = w;
  let node: number;
  if (action.kind === 'deliver') {
    const e = token as Envelope<M>;
    if (isByzantine(cfg, e.from) || e.src >= cfg.n) return -1;
    node = e.to;
  } else if (action.kind === 'fire') node = (token as PendingTimer).node;
  else if (action.kind === 'event') node = action.node;
  else return -1;
  return isByzantine(cfg, node) ? -1 : node;
}

function asleep(sleep: readonly unknown[], token: unknown): boolean {
  for (let i = 0; i < sleep.length; i += 2) if (sleep[i] === token) return true;
  return false;
}

/** A child's sleep set after the local action of `node`: the parent's and the explored siblings', those of other nodes. */
function childSleep(sleep: readonly unknown[], explored: readonly unknown[], node: number): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < sleep.length; i += 2) if (sleep[i + 1] !== node) (out ??= []).push(sleep[i], sleep[i + 1]);
  for (let i = 0; i < explored.length; i += 2) if (explored[i + 1] !== node) (out ??= []).push(explored[i], explored[i + 1]);
  return out ?? NO_SLEEP;
}

/**
 * The tokens of `kept` (of the kept world) that name the same action as a token of `other`
 * (of another parent's world of the same state): the same object, or a delivery of an equal
 * message between the same instances, or the same node's equal timer, or the same event.
 */
function intersect(kept: readonly unknown[], other: readonly unknown[]): readonly unknown[] {
  if (other.length === 0) return NO_SLEEP;
  let out: unknown[] | undefined;
  for (let i = 0; i < kept.length; i += 2) {
    for (let j = 0; j < other.length; j += 2) {
      if (sameAction(kept[i], other[j])) {
        (out ??= []).push(kept[i], kept[i + 1]);
        break;
      }
    }
  }
  return out ?? NO_SLEEP;
}

const fpX: Fp = { a: 0, b: 0 };
const fpY: Fp = { a: 0, b: 0 };

function sameAction(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if ('msg' in x && 'msg' in y) {
    const e = x as Envelope<unknown>;
    const f = y as Envelope<unknown>;
    if (e.src !== f.src || e.to !== f.to) return false;
    fingerprintOf(e.msg, fpX);
    fingerprintOf(f.msg, fpY);
    return fpX.a === fpY.a && fpX.b === fpY.b;
  }
  if ('timer' in x && 'timer' in y) {
    const t = x as PendingTimer;
    const u = y as PendingTimer;
    return t.node === u.node && sameTimer(t.timer, u.timer);
  }
  return false;
}

/**
 * Record who cast each vote slot a step voted in; a vote in a slot another node cast first
 * breaks the reduction's premise (no-equivocation's history would depend on the order of the
 * two nodes' steps). Run on every step that cast a new vote or voted in a known slot.
 */
function ownSlots<S, M>(p: Protocol<S, M>, cfg: ClusterConfig, record: StepRecord<S, M>, owners: Map<string, NodeId>): void {
  for (const t of record.transitions) {
    if (isByzantine(cfg, t.node)) continue;
    for (const e of t.effects) {
      if (e.kind !== 'send' && e.kind !== 'broadcast') continue;
      const vote = p.voteSlot(t.node, e.msg);
      if (vote === undefined) continue;
      const voter = owners.get(vote.slot);
      if (voter === undefined) owners.set(vote.slot, t.node);
      else if (voter !== t.node) {
        throw new UserError(`exhaustive: vote slot ${vote.slot} is cast by node ${voter} and node ${t.node}; the sleep-set reduction needs every vote slot to belong to one voter (no-equivocation's history would depend on the order of their steps): pass reduce: false (check --no-reduction)`);
      }
    }
  }
}
