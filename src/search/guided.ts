/**
 * Coverage-guided search (issue 12, item 1; after ModelFuzz, Gulzar et al. 2024, and AFL's
 * corpus and energy): scenarios that reached abstract cluster states no earlier scenario
 * reached (coverage.ts) join a corpus, with energy equal to how many new states they
 * added; most later scenarios are mutants of a corpus entry picked by energy (tape entries
 * changed, inserted, deleted, duplicated, appended, spliced with another entry's tape;
 * delivery priorities added or bumped), the rest fresh draws of the mixed fuzzer, so the
 * search keeps the random strategies' reach. A mutant keeps most of its parent's tape, so
 * it replays the parent's schedule to the mutated point and goes on from a state the parent
 * showed to be new: depth is reached step by step, and tapes may grow beyond the shape's
 * bound (up to `maxTape`), which deep bugs at n=7 need.
 *
 * Deterministic: the campaign runs in rounds of `roundSize` scenarios (default 50); a round's scenarios
 * are drawn from the corpus as it stood at the round's start, and its outcomes are learnt
 * in index order at its end. Scenario i is thus a pure function of the seed, i and the
 * earlier rounds, whoever runs it: one thread, or workers each running a slice of a round.
 *
 * With a reboot budget (crash-recovery: `fuzz --mutant` turns it on for a mutant that needs
 * it), three changes, none without one: half the scenarios are fresh (not a quarter); half the
 * mutations start from an entry that reached a crash window (a restarted node whose disk was
 * behind a vote it sent, or that forgot a vote on a Byzantine node's message: coverage.ts
 * rebootMarks); and half of the others cut one signing call of their parent's run with a crash
 * (a crash point, coverage.ts crashPoint). Measured on the crash-recovery mutants, runs to kill,
 * seeds search-1..6, n=4 (before -> after): tendermint lock-persisted-after-precommit 1010,
 * 13153, 11003, 732, 753, >20000 -> 647, 4460, 6229, 2431, 601, 3077; hotstuff
 * forgets-last-voted-view 5979, 1478, 3055, 2896, 11536, 5474 -> 2465, 545, 146, 97, 406, 94;
 * n=7 hotstuff (search-1..3) 195, 4688, 276. Fresh share 1/2 alone (the note's trial) costs the
 * deep n=7 safety mutants 1.5x: here it applies to reboot campaigns only.
 * A fourth: fresh tapes spend the reboot budget early (at n=7 a median of step 6, before any
 * lock), and a run has crash points only while a reboot is left; so a quarter of the other
 * mutations first turn the entries that spent the parent's reboots into plain deliveries
 * (coverage.ts REBOOT_SPENT; withoutReboots). Runs to kill, median / worst over search-1..6
 * (bench/search.ts --strategies guided --cap-runs 20000): tendermint lock-persisted-after-precommit
 * n=4 2,754 / 6,229 -> 1,231 / 2,790; hotstuff forgets-last-voted-view n=4 276 / 2,465 ->
 * 196.5 / 681, n=7 650 / 4,688 -> 560.5 / 1,545; lock-persisted-after-precommit n=7 is still
 * not found within 20,000 (6 of 6).
 */
import seedrandom from 'seedrandom';
import type { Protocol } from '../core/types.ts';
import { type Scenario, type ScenarioShape, DEFAULT_SHAPE, TAPE_VALUE_MAX } from '../adversary/arbitraries.ts';
import { fuzzScenario } from '../adversary/fuzzer.ts';
import type { Priority } from '../adversary/priority.ts';
import { type CampaignSlice, type Outcome, type Scheduler, roundsCampaign } from './scheduler.ts';
import type { CampaignOptions } from './random.ts';
import { CRASH_POINT, REBOOT_SPENT, inCrashWindow } from './coverage.ts';
import { CRASH_POINTS } from '../adversary/decode.ts';

export interface GuidedOptions {
  /**
   * Scenarios per round (default 50): the corpus grows between rounds only. Measured on
   * Tendermint old-pol-accepted at n=7 (seeds search-1..4, runs to kill, median): rounds of
   * 100: 2,114; 50: 1,113; 25: 1,353 (fresher feedback helps, until rounds get too short
   * to add much each).
   */
  readonly roundSize?: number;
  /** Share of fresh random scenarios (default 0.25). */
  readonly explore?: number;
  /** Longest tape a mutation may grow (default 8x the shape's maxTape). */
  readonly maxTape?: number;
}

/**
 * explore: the share of fresh scenarios (0.1 measured no better than 0.25 on old-pol-accepted
 * at n=7: median 1,978 vs 2,114 runs with rounds of 100). tapeGrowth: mutated tapes may grow
 * to this multiple of the shape's maxTape.
 */
export const GUIDED_DEFAULTS = { roundSize: 50, explore: 0.25, exploreWithReboots: 0.5, crashWindowFocus: 0.5, crashShare: 0.5, freeShare: 0.25, deliverShare: 0.5, tapeGrowth: 8 } as const;

/** What one round adds: corpus entries (in index order) and the abstract states they reached first. */
export interface GuidedDelta {
  /**
   * `window`: how many of the entry's new states have a node in a crash window (coverage.ts
   * inCrashWindow), absent when 0; `crashes`: its run's crash points (coverage.ts crashPoint),
   * absent when none. Both only with a reboot budget.
   */
  readonly entries: readonly { readonly scenario: Scenario; readonly energy: number; readonly window?: number; readonly crashes?: readonly string[]; readonly spent?: readonly number[] }[];
  readonly keys: readonly string[];
}

type Rng = () => number;

function randomInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function randomValues(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => randomInt(rng, 0, TAPE_VALUE_MAX));
}

function randomPriority(rng: Rng, instances: number, length: number): Priority {
  const order = Array.from({ length: instances }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = randomInt(rng, 0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return { order, changes: Array.from({ length: randomInt(rng, 1, 3) }, () => randomInt(rng, 0, Math.max(0, length - 1))) };
}

/** Delivery priorities bumped: two nodes swap places, or a change point is added or moved. */
function bumpPriority(rng: Rng, p: Priority, length: number): Priority {
  const order = [...p.order];
  const changes = [...p.changes];
  const what = randomInt(rng, 0, 2);
  if (what === 0 && order.length > 1) {
    const i = randomInt(rng, 0, order.length - 1);
    const j = randomInt(rng, 0, order.length - 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  } else if (what === 1 || changes.length === 0) changes.push(randomInt(rng, 0, Math.max(0, length - 1)));
  else changes[randomInt(rng, 0, changes.length - 1)] = randomInt(rng, 0, Math.max(0, length - 1));
  return { order, changes };
}

/** A scenario with the given tape and delivery priorities (none when undefined), under sc's config. */
function withTape(sc: Scenario, tape: number[], priority: Priority | undefined): Scenario {
  return priority === undefined ? { cfg: sc.cfg, tape } : { cfg: sc.cfg, tape, priority };
}

/**
 * One to three stacked mutations of a corpus scenario (the config is kept: a tape means
 * something only under its config). `other` is a second corpus entry for splicing.
 */
export function mutateScenario(rng: Rng, sc: Scenario, other: Scenario, maxTape: number): Scenario {
  let tape = [...sc.tape];
  let priority = sc.priority;
  const instances = sc.cfg.n + sc.cfg.twins.length;
  const ops = randomInt(rng, 1, 3);
  for (let k = 0; k < ops; k++) {
    const at = randomInt(rng, 0, tape.length);
    switch (randomInt(rng, 0, 6)) {
      case 0: // change a few entries
        for (let c = randomInt(rng, 1, 4); c > 0 && tape.length > 0; c--) tape[randomInt(rng, 0, tape.length - 1)] = randomInt(rng, 0, TAPE_VALUE_MAX);
        break;
      case 1: // insert a block of fresh entries
        tape.splice(at, 0, ...randomValues(rng, randomInt(rng, 1, 16)));
        break;
      case 2: // delete a block
        tape.splice(at, randomInt(rng, 1, 16));
        break;
      case 3: { // splice: this prefix, the other's suffix
        const from = randomInt(rng, 0, other.tape.length);
        tape = [...tape.slice(0, at), ...other.tape.slice(from)];
        break;
      }
      case 4: // extend: more adversarial steps before GST
        tape.push(...randomValues(rng, randomInt(rng, 1, 32)));
        break;
      case 5: // priorities: add some, or bump the ones there are
        priority = priority === undefined ? randomPriority(rng, instances, tape.length) : bumpPriority(rng, priority, tape.length);
        break;
      default: { // repeat a block of the tape elsewhere (a pattern that worked, again)
        const from = randomInt(rng, 0, Math.max(0, tape.length - 1));
        tape.splice(at, 0, ...tape.slice(from, from + randomInt(rng, 1, 16)));
      }
    }
  }
  if (tape.length > maxTape) tape.length = maxTape;
  return withTape(sc, tape, priority);
}

/** The first index among the first `size` whose cumulative weight exceeds x (binary search). */
function pickIndex(cumulative: readonly number[], x: number, size: number): number {
  let lo = 0;
  let hi = size - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * A corpus scenario with one of its signing calls cut by a crash (a crash point of its run,
 * coverage.ts crashPoint): the tape up to that call is kept, so the call happens as before,
 * now with the node rebooting after 0, 1 or 2 of its effects; the rest of the tape follows.
 */
function withCrash(rng: Rng, sc: Scenario, crashes: readonly string[]): Scenario {
  const [at, x, kinds] = crashes[randomInt(rng, 0, crashes.length - 1)]!.slice(CRASH_POINT.length).split(':').map(Number) as [number, number, number];
  const tape = [...sc.tape];
  tape[at] = x + kinds * randomInt(rng, 0, CRASH_POINTS - 1);
  return withTape(sc, tape, sc.priority);
}

/**
 * A corpus scenario with the tape entries that spent its reboots before GST made plain
 * deliveries (value 0: the next message), so the budget is still there later in the run, where
 * its crash points (signing calls a reboot could cut) can be found; then mutated as usual.
 */
function withoutReboots(rng: Rng, sc: Scenario, spent: readonly number[], other: Scenario, maxTape: number): Scenario {
  const tape = [...sc.tape];
  for (const at of spent) if (at < tape.length) tape[at] = 0;
  return mutateScenario(rng, withTape(sc, tape, sc.priority), other, maxTape);
}

/**
 * The guided scheduler. The corpus only grows, and the length it had at each round's start
 * is kept, so scenario(i) can be re-derived after later rounds (to shrink a failure).
 */
export class GuidedScheduler implements Scheduler<GuidedDelta> {
  readonly name = 'guided';
  readonly observes = true;
  readonly roundSize: number;
  readonly maxTape: number;
  readonly sizes: readonly number[];
  private readonly explore: number;
  private readonly shape: ScenarioShape;
  /** The shape with deliverShare 0.5, for half the fresh scenarios (undefined when the shape sets one). */
  private readonly quiet: ScenarioShape | undefined;
  private readonly corpus: { scenario: Scenario; energy: number; crashes?: readonly string[]; spent?: readonly number[] }[] = [];
  /** Crash-window entries (only with a reboot budget): corpus indices and their cumulative window weights. */
  private readonly windowEntries: number[] = [];
  private readonly windowCumulative: number[] = [];
  /** windowEntries' length at the start of each round. */
  private readonly windowLengths: number[] = [0];
  /** Share of mutations whose parent is a crash-window entry (0 without a reboot budget). */
  private readonly focus: number;
  /** cumulative[k]: total energy of corpus entries 0..k. */
  private readonly cumulative: number[] = [];
  private readonly coverage = new Set<string>();
  /** Corpus length at the start of each round (round 0: empty). */
  private readonly lengths: number[] = [0];

  constructor(
    private readonly seed: string,
    /** The shape of fresh scenarios (its strategy: uniform, priority or mixed delivery). */
    shape: ScenarioShape,
    /** The campaign's first index: round k is start + k*roundSize .. */
    private readonly start: number,
    options: GuidedOptions = {},
  ) {
    // Half the fresh scenarios deliver the next message at half their tape entries, unless the
    // shape sets a share itself (ScenarioShape.deliverShare): with uniform tapes about one entry in
    // four fires a timer, so rounds end before their votes are counted, and the corpus rarely
    // holds a round in which a quorum formed before GST, which the deep n=7 bugs grow from. Half,
    // not all: bugs that need many timers (valid-unchecked) got slower with all of them quiet.
    // Runs to kill, seeds search-1..6 (bench/search.ts --strategies guided --cap-runs 20000),
    // median / worst, none quiet -> half quiet: n=7 hotstuff commit-on-2-chain 5,470 / 2 misses
    // in 30,000 -> 1,013 / 4,443; jolteon tc-vote-without-hqc-check 2,662.5 / 8,412 -> 289 / 367;
    // tendermint decide-current-round-only 931.5 / 1,817 -> 146 / 338; old-pol-accepted 1,953.5 /
    // 2,763 -> 1,568.5 / 2,900; commit-without-direct-parent 1,798 / 2,157 -> 1,588.5 / 2,929; alg4
    // commit-on-justify-chain 465 / 623 -> 322.5 / 384; n=4 tendermint valid-unchecked 1,016.5 /
    // 5,045 -> 3,681 / 7,315 (all quiet: 4,388 / 1 miss), old-pol-accepted 383.5 / 1,105 ->
    // 249.5 / 474, hotstuff commit-without-direct-parent 245 / 425 -> 326 / 932.
    this.shape = shape;
    this.quiet = shape.deliverShare === undefined ? { ...shape, deliverShare: GUIDED_DEFAULTS.deliverShare } : undefined;
    this.sizes = shape.sizes;
    this.roundSize = options.roundSize ?? GUIDED_DEFAULTS.roundSize;
    const reboots = (shape.maxFaults.reboots ?? 0) > 0;
    this.explore = options.explore ?? (reboots ? GUIDED_DEFAULTS.exploreWithReboots : GUIDED_DEFAULTS.explore);
    this.focus = reboots ? GUIDED_DEFAULTS.crashWindowFocus : 0;
    this.maxTape = Math.max(shape.maxTape, options.maxTape ?? shape.maxTape * GUIDED_DEFAULTS.tapeGrowth);
  }

  get covered(): number {
    return this.coverage.size;
  }

  get corpusSize(): number {
    return this.corpus.length;
  }

  scenario(index: number): Scenario {
    const round = Math.floor((index - this.start) / this.roundSize);
    const size = this.lengths[Math.min(round, this.lengths.length - 1)]!;
    const rng = seedrandom(`${this.seed}/guided/${index}`);
    if (size === 0 || rng() < this.explore) return fuzzScenario(this.seed, index, this.quiet !== undefined && rng() < 0.5 ? this.quiet : this.shape);
    // With a reboot budget, a share of the mutations start from a crash-window entry (drawn only then: without reboots the stream is as it was).
    const windowSize = this.focus > 0 ? this.windowLengths[Math.min(round, this.windowLengths.length - 1)]! : 0;
    if (windowSize > 0 && rng() < this.focus) {
      const parent = this.corpus[this.windowEntries[pickIndex(this.windowCumulative, rng() * this.windowCumulative[windowSize - 1]!, windowSize)]!]!.scenario;
      return mutateScenario(rng, parent, this.pick(rng, size), this.maxTape);
    }
    const entry = this.corpus[pickIndex(this.cumulative, rng() * this.cumulative[size - 1]!, size)]!;
    if (this.focus > 0 && entry.crashes !== undefined && rng() < GUIDED_DEFAULTS.crashShare) return withCrash(rng, entry.scenario, entry.crashes);
    if (this.focus > 0 && entry.spent !== undefined && rng() < GUIDED_DEFAULTS.freeShare) return withoutReboots(rng, entry.scenario, entry.spent, this.pick(rng, size), this.maxTape);
    const parent = entry.scenario;
    const other = this.pick(rng, size);
    return mutateScenario(rng, parent, other, this.maxTape);
  }

  /** A corpus entry among the first `size`, with probability proportional to its energy. */
  private pick(rng: Rng, size: number): Scenario {
    return this.corpus[pickIndex(this.cumulative, rng() * this.cumulative[size - 1]!, size)]!.scenario;
  }

  novel(coverage: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const key of coverage) if (!this.coverage.has(key)) out.push(key);
    return out;
  }

  learn(outcomes: readonly Outcome[]): GuidedDelta {
    const entries: { scenario: Scenario; energy: number; window?: number; crashes?: string[] }[] = [];
    const keys: string[] = [];
    const fresh = new Set<string>();
    for (const o of [...outcomes].sort((a, b) => a.index - b.index)) {
      let energy = 0;
      let window = 0;
      const crashes: string[] = [];
      const spent: number[] = [];
      for (const key of o.novel) {
        if (key.startsWith(CRASH_POINT)) {
          crashes.push(key);
          continue;
        }
        if (key.startsWith(REBOOT_SPENT)) {
          spent.push(Number(key.slice(REBOOT_SPENT.length)));
          continue;
        }
        if (fresh.has(key)) continue;
        fresh.add(key);
        keys.push(key);
        energy++;
        if (this.focus > 0 && inCrashWindow(key)) window++;
      }
      // A failing scenario ends the campaign; it is not worth mutating.
      if (energy > 0 && !o.failed) entries.push({ scenario: this.scenario(o.index), energy, ...(window > 0 ? { window } : {}), ...(crashes.length > 0 ? { crashes } : {}), ...(spent.length > 0 ? { spent } : {}) });
    }
    const delta = { entries, keys };
    this.apply(delta);
    return delta;
  }

  apply(delta: GuidedDelta): void {
    for (const key of delta.keys) this.coverage.add(key);
    for (const e of delta.entries) {
      if (e.window !== undefined && e.window > 0) {
        this.windowEntries.push(this.corpus.length);
        this.windowCumulative.push((this.windowCumulative[this.windowCumulative.length - 1] ?? 0) + e.window);
      }
      this.corpus.push({ scenario: e.scenario, energy: e.energy, ...(e.crashes !== undefined ? { crashes: e.crashes } : {}), ...(e.spent !== undefined ? { spent: e.spent } : {}) });
      this.cumulative.push((this.cumulative[this.cumulative.length - 1] ?? 0) + e.energy);
    }
    this.lengths.push(this.corpus.length);
    this.windowLengths.push(this.windowEntries.length);
  }
}

export interface GuidedCampaign<S, M> extends CampaignSlice<S, M> {
  /** Distinct abstract cluster states reached. */
  readonly covered: number;
  readonly corpus: number;
  /** The scheduler, to re-derive a failing index's scenario (keep-going). */
  readonly scheduler: GuidedScheduler;
}

/**
 * A guided campaign in this thread (api/campaign.ts runs the same rounds over workers).
 * Options as fuzzCampaign's, plus the guided ones; `shape.strategy` is the delivery of the
 * fresh scenarios (default mixed).
 */
export function guidedCampaign<S, M>(
  protocol: Protocol<S, M>,
  options: CampaignOptions & {
    readonly guided?: GuidedOptions;
    /** After each round: distinct abstract states so far (for coverage-over-time measurements). */
    readonly onRound?: (p: { runs: number; covered: number; corpus: number }) => void;
  },
): GuidedCampaign<S, M> {
  const shape = { ...(options.shape ?? DEFAULT_SHAPE), strategy: options.shape?.strategy ?? 'mixed' } as ScenarioShape;
  const scheduler = new GuidedScheduler(options.seed, shape, options.start, options.guided);
  const out = roundsCampaign(protocol, scheduler, options);
  return { ...out, corpus: scheduler.corpusSize, scheduler };
}
