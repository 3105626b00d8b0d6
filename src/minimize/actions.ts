/**
 * Minimizing the explicit action list of a failing run, after the tape shrink (issue 10).
 *
 * Removing one tape entry re-decodes everything after it, so a shrunk tape still carries
 * adversary steps the failure does not need. These stages work on the decoded actions
 * instead, as DEMi does (Scott et al., "Minimizing Faulty Executions of Distributed
 * Systems", NSDI 2016): first the causal slice (slice.ts: what the violating step cannot
 * depend on goes), then delta debugging (Zeller and Hildebrandt's ddmin, complement tests:
 * removeChunks) over the adversary's actions before GST, then timers dropped (all, then node
 * by node), then one-at-a-time removal. The synchronous tail after GST belongs to the harness
 * and is regenerated, never minimized; but a safety violation inside it is tried once more
 * with the tail's deliveries made explicit and GST left out (stage "tail"), which can be shorter.
 *
 * Messages are named by content, not by id: ids count envelopes, so dropping one action
 * renumbers every later message. A delivery, drop or duplicate refers to "the oldest
 * message in flight from this sender instance to this recipient with this content"; a
 * candidate action whose message or timer does not exist any more is skipped, not an error.
 * A candidate counts only if it breaks the same invariant (violationKey). Bounded: at most
 * `budget` candidate runs, so the result is deterministic and the time is bounded.
 */
import type { ClusterConfig, Protocol } from '../core/types.ts';
import type { Action } from '../sim/actions.ts';
import type { Envelope } from '../sim/world.ts';
import { type RunResult, afterRecording, execute } from '../check/execute.ts';
import { violationKey } from '../check/invariants.ts';
import { guarded } from '../check/guard.ts';
import { candidateSlices, causality } from './slice.ts';

/** An action with its message named by content (for deliver, drop, duplicate). */
export type Named<M> = { readonly action: Action<M>; readonly message?: string };

/** One stage of a minimization: adversary actions before and after, candidate runs, milliseconds. */
export interface StageReport {
  readonly stage: string;
  readonly before: number;
  readonly after: number;
  readonly runs: number;
  readonly ms: number;
}

/**
 * Candidate runs of the explicit-tail stage. Measured: it shortened 2 of 49 n=4 mutants
 * (stale-timeout 3 -> 2, pol-unchecked 20 -> 17, both within 60 runs) and none of the n=7
 * fixtures, where it spent 550-830 runs for nothing.
 */
const TAIL_RUNS = 300;

/** Default bound on candidate runs of the action stages together. */
export const ACTION_BUDGET = 1500;

/** A message's name: sender instance, recipient instance, content (messageKey, memoized per message object). */
function namer<S, M>(protocol: Protocol<S, M>): (e: Envelope<M>) => string {
  const keys = new WeakMap<object, string>();
  const key = (m: M): string => {
    if (typeof m !== 'object' || m === null) return protocol.messageKey(m);
    let k = keys.get(m);
    if (k === undefined) keys.set(m, (k = protocol.messageKey(m)));
    return k;
  };
  return (e) => `${e.src}>${e.to}|${key(e.msg)}`;
}

function messageId<M>(a: Action<M>): number | undefined {
  return a.kind === 'deliver' || a.kind === 'drop' || a.kind === 'duplicate' ? a.id : undefined;
}

/** Run a list of named actions; a named message resolves to the oldest matching envelope in flight. */
function runNamed<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, list: readonly Named<M>[], name: (e: Envelope<M>) => string): RunResult<S, M> {
  let pos = 0;
  return execute(protocol, cfg, (w) => {
    while (pos < list.length) {
      const { action, message } = list[pos++]!;
      if (message === undefined) return action;
      const e = w.inFlight.find((x) => name(x) === message);
      if (e !== undefined) return { ...action, id: e.id } as Action<M>;
    }
    return afterRecording(protocol, w);
  }, { onDisabled: () => undefined });
}

/** The number of actions up to and including GST (the adversary's part of a run). */
export function adversaryLength(actions: readonly Action<unknown>[]): number {
  const gst = actions.findIndex((a) => a.kind === 'gst');
  return gst < 0 ? actions.length : gst + 1;
}

const lengthOf = <S, M>(r: RunResult<S, M>) => adversaryLength(r.actions as readonly Action<unknown>[]);

/**
 * The candidate runs of one minimization: a list of named actions (GST appended when the run
 * had one) fails if it breaks the same invariant; the shortest failing run seen is kept.
 */
class Candidates<S, M> {
  runs = 0;
  best: RunResult<S, M>;
  private readonly name: (e: Envelope<M>) => string;
  constructor(
    private readonly protocol: Protocol<S, M>,
    private readonly cfg: ClusterConfig,
    failing: RunResult<S, M>,
    /** Appended to every candidate: GST, when the failing run had one. */
    public tail: readonly Named<M>[],
    private readonly budget: number,
    /** Also require the violation's detail to stay the same (a fixture whose story tells it). */
    private readonly exact = false,
  ) {
    this.best = failing;
    this.name = namer(protocol);
  }
  get spent(): boolean {
    return this.runs >= this.budget;
  }
  fails(items: readonly Named<M>[]): boolean {
    if (this.runs >= this.budget) return false;
    this.runs++;
    const r = runNamed(this.protocol, this.cfg, [...items, ...this.tail], this.name);
    const v = this.best.violation!;
    if (r.violation === undefined || violationKey(r.violation) !== violationKey(v) || (this.exact && r.violation.detail !== v.detail)) return false;
    // Fewer adversary actions; at equal length, the later candidate, unless it breaks later
    // (the tail a reader scrolls through grows with the violation's step).
    const [l, b] = [lengthOf(r), lengthOf(this.best)];
    if (l < b || (l === b && r.violation.step <= this.best.violation!.step)) this.best = r;
    return true;
  }
  /**
   * Name by content every action before `end` but GST, replaying the run once to see each
   * message (the adversary's part: `end` = the GST position; the whole run: one past the violation).
   */
  named(actions: readonly Action<M>[], end: number): Named<M>[] {
    const named: Named<M>[] = [];
    execute(this.protocol, this.cfg, (w, i) => {
      const action = actions[i];
      if (action !== undefined && i < end && action.kind !== 'gst') {
        const id = messageId(action);
        const e = id === undefined ? undefined : w.inFlight.find((x) => x.id === id);
        named.push(e === undefined ? { action } : { action, message: this.name(e) });
      }
      return action;
    });
    return named;
  }
}

/**
 * ddmin restricted to its complement tests (remove one chunk, keep the rest) at halving
 * granularity without restarting, chunks taken from the end (the later an action, the fewer
 * depend on it); the last pass removes one action at a time. About 2N candidate runs for N
 * actions, where ddmin proper (subsets, then complements, granularity reset after each
 * success) spends O(N^2) on long runs. Measured on fixtures (the action stages alone, budget
 * 1,500 runs): hotstuff commit-without-direct-parent-n7 311 -> 251 with ddmin (budget spent)
 * vs 157 in 508 runs; tendermint old-pol-accepted-n7 517 -> 402 (budget spent) vs 333 in 815;
 * commit-without-direct-parent (n=4) 138 -> 74 vs 51 in 215; old-pol-accepted 63 -> 36 both
 * (1,034 vs 105 runs).
 */
export function removeChunks<T>(input: readonly T[], fails: (items: readonly T[]) => boolean, stop: () => boolean): readonly T[] {
  let items = input;
  for (let size = 2 ** Math.floor(Math.log2(Math.max(1, items.length / 2))); size >= 1 && !stop(); size = Math.floor(size / 2)) {
    for (let end = items.length; end > 0 && !stop();) {
      const start = Math.max(0, end - size);
      const without = [...items.slice(0, start), ...items.slice(end)];
      if (fails(without)) items = without;
      end = start;
    }
  }
  return items;
}

/** One at a time, from the end: what ddmin's granularity left. */
export function oneAtATime<T>(input: readonly T[], fails: (items: readonly T[]) => boolean, stop: () => boolean): readonly T[] {
  let items = input;
  for (let i = items.length - 1; i >= 0 && !stop(); i--) {
    const without = [...items.slice(0, i), ...items.slice(i + 1)];
    if (fails(without)) items = without;
  }
  return items;
}

/** Timers: every timer fire at once, then each node's fires (a node's timeouts hang together: one sets the next). */
function dropTimers<M>(input: readonly Named<M>[], fails: (items: readonly Named<M>[]) => boolean, stop: () => boolean): readonly Named<M>[] {
  let items = input;
  const isFire = (x: Named<M>) => x.action.kind === 'fire';
  if (!items.some(isFire)) return items;
  const none = items.filter((x) => !isFire(x));
  if (fails(none)) return none;
  const nodes = [...new Set(items.filter(isFire).map((x) => (x.action as { node: number }).node))].sort((a, b) => a - b);
  for (const node of nodes) {
    if (stop()) break;
    const without = items.filter((x) => !(isFire(x) && (x.action as { node: number }).node === node));
    if (fails(without)) items = without;
  }
  return items;
}

export interface ActionStages<S, M> {
  readonly result: RunResult<S, M>;
  readonly stages: readonly StageReport[];
  /** Candidate runs spent, all stages together. */
  readonly runs: number;
}

/**
 * The action stages on one failing run: slice, ddmin, timers, one at a time (each reported).
 * Returns the shortest failing run found, its full action list (tail included).
 */
export function actionStages<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, failing: RunResult<S, M>, budget = ACTION_BUDGET, exact = false): ActionStages<S, M> {
  const p = guarded(protocol);
  const v = failing.violation;
  if (v === undefined) return { result: failing, stages: [], runs: 0 };
  const gstAt = failing.actions.findIndex((a) => a.kind === 'gst');
  const prefix = gstAt < 0 ? failing.actions.length : gstAt;
  // GST is kept as the run had it (it may carry choices of its own: treated as opaque).
  const tail: Named<M>[] = gstAt < 0 ? [] : [{ action: failing.actions[gstAt]! }];
  const c = new Candidates(p, cfg, failing, tail, budget, exact);
  const stop = () => c.spent;
  const fails = (items: readonly Named<M>[]) => c.fails(items);
  const stages: StageReport[] = [];
  let items: readonly Named<M>[] = c.named(failing.actions, prefix);
  const stage = (name: string, run: () => readonly Named<M>[]) => {
    const before = lengthOf(c.best);
    const runs = c.runs;
    const t0 = performance.now();
    items = run();
    stages.push({ stage: name, before, after: lengthOf(c.best), runs: c.runs - runs, ms: performance.now() - t0 });
  };
  stage('slice', () => {
    const all = items;
    for (const slice of candidateSlices(causality(p, cfg, failing.actions), v.step)) {
      const kept = slice.filter((i) => i < prefix).map((i) => all[i]!);
      if (kept.length >= all.length) break;
      if (fails(kept)) return kept;
    }
    return all;
  });
  // ddmin's complement tests at halving granularity (removeChunks): its last pass removes one
  // action at a time, so the one-at-a-time stage has work only if the timers stage cut more.
  stage('ddmin', () => removeChunks(items, fails, stop));
  const afterChunks = items;
  stage('timers', () => dropTimers(items, fails, stop));
  stage('one-at-a-time', () => (items === afterChunks ? items : oneAtATime(items, fails, stop)));
  // A safety violation in the synchronous tail: the tail's deliveries up to it, made explicit
  // adversary actions without GST, may be cut to fewer actions than the adversary's part plus
  // GST (the tail is FIFO, the violation may need only a few of its deliveries).
  stage('tail', () => {
    const run = c.best;
    const gst = run.actions.findIndex((a) => a.kind === 'gst');
    const step = run.violation!.step;
    if (gst < 0 || step <= gst || v.invariant === 'termination' || c.spent) return items;
    const explicit = c.named(run.actions, step + 1);
    c.tail = [];
    // Without GST nothing is resent, healed or restarted: the explicit run may not fail at all.
    if (!fails(explicit)) return items;
    // At most TAIL_RUNS candidates: on long runs (n=7) it seldom wins and would spend the budget.
    const start = c.runs;
    const kept = removeChunks(explicit, fails, () => stop() || c.runs - start >= TAIL_RUNS);
    return c.best === run ? items : kept;
  });
  return { result: c.best, stages, runs: c.runs };
}

export interface Minimized<S, M> {
  readonly result: RunResult<S, M>;
  /** Candidate runs spent. */
  readonly runs: number;
  /** Adversary actions (before GST) before and after. */
  readonly before: number;
  readonly after: number;
}

/**
 * Minimize a failing run's actions. Returns the shortest failing run found (its full action
 * list, tail included) or the input run if nothing could be removed.
 */
export function minimizeActions<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, failing: RunResult<S, M>, budget = ACTION_BUDGET): Minimized<S, M> {
  const { result, runs } = actionStages(protocol, cfg, failing, budget);
  return { result, runs, before: lengthOf(failing), after: lengthOf(result) };
}

/**
 * A failing run's adversary actions (up to GST, messages named by content) run under another
 * config: how the config stage checks a simpler config keeps the failure. Node instances keep
 * their numbers, so an action the new config does not allow is skipped.
 */
export function transplant<S, M>(protocol: Protocol<S, M>, from: ClusterConfig, run: RunResult<S, M>, to: ClusterConfig): RunResult<S, M> {
  const p = guarded(protocol);
  const gstAt = run.actions.findIndex((a) => a.kind === 'gst');
  const prefix = gstAt < 0 ? run.actions.length : gstAt;
  const c = new Candidates(p, from, run, [], 0);
  const list = c.named(run.actions, prefix);
  return runNamed(p, to, gstAt < 0 ? list : [...list, { action: run.actions[gstAt]! }], namer(p));
}
