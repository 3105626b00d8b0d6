/**
 * The causal slice of a failing run (DEMi, Scott et al., "Minimizing Faulty Executions of
 * Distributed Systems", NSDI 2016, section 4: remove first what the violation cannot depend on).
 *
 * Happens-before over the actions of one run (Lamport): an action depends on the previous action
 * that ran a reducer at the same node (its state is the node's state so far), on the action that
 * put its message on the wire (deliver, drop, duplicate), and GST depends on what made the
 * messages it resends (the drops and crashes that lost them, the deliveries of Byzantine
 * messages it relays). An action outside the past of the violating step changed no state the
 * violating node read: it can go. Crashes, partitions and heals run no reducer, so they enter a
 * slice only through the messages they lost.
 *
 * Which steps the violation reads is not known in general (agreement reads two nodes' decisions,
 * made at different steps), so slices come in rising order of what they keep: the violating step
 * alone, then also every step that decided, then also every node's last step. The caller keeps
 * the first slice that still breaks the same invariant.
 */
import type { ClusterConfig, Protocol } from '../core/types.ts';
import type { Action } from '../sim/actions.ts';
import type { World } from '../sim/world.ts';
import { execute } from '../check/execute.ts';

export interface Causality {
  /** deps[i]: the earlier steps step i directly depends on. */
  readonly deps: readonly (readonly number[])[];
  /** Steps that made a decision. */
  readonly decided: readonly number[];
  /** The last step that ran a reducer at each node instance (absent: none). */
  readonly lastAt: readonly number[];
}

function touchesMessage<M>(a: Action<M>): number | undefined {
  return a.kind === 'deliver' || a.kind === 'drop' || a.kind === 'duplicate' ? a.id : undefined;
}

/** The node instance whose reducer an action runs, if any (known before it runs). */
function actorOf<S, M>(w: World<S, M>, a: Action<M>): number | undefined {
  if (a.kind === 'fire' || a.kind === 'event') return a.node;
  if (a.kind === 'deliver') return w.inFlight.find((e) => e.id === a.id)?.to;
  return undefined;
}

/** Replay a run's own action list (every action enabled) once and record, for every step, the steps it depends on. */
export function causality<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, actions: readonly Action<M>[]): Causality {
  const deps: number[][] = [];
  const decided: number[] = [];
  // Envelope id -> the step that put it on the wire (init's messages: none).
  const creator = new Map<number, number>();
  // Envelope id -> the step that lost it (a drop, or a crash of its recipient).
  const lostBy = new Map<number, number>();
  // Envelope id -> the step that delivered this Byzantine message to a correct node (gossiped at GST).
  const deliveredBy = new Map<number, number>();
  const lastAt: number[] = [];
  const add = (d: Set<number>, m: Map<number, number>, id: number) => {
    const s = m.get(id);
    if (s !== undefined) d.add(s);
  };
  let prev: World<S, M> | null = null;
  execute(protocol, cfg, (w, i) => {
    const a = actions[i];
    if (a === undefined) return undefined;
    // What the action depends on before it runs: kept even if its reducer throws (no observe then).
    const d = new Set<number>();
    const id = touchesMessage(a);
    if (id !== undefined) add(d, creator, id);
    const actor = actorOf(w, a);
    if (actor !== undefined && lastAt[actor] !== undefined) d.add(lastAt[actor]!);
    if (a.kind === 'gst') {
      for (const e of w.lost) {
        add(d, creator, e.id);
        add(d, lostBy, e.id);
      }
      for (const e of w.byzantineDelivered) {
        add(d, creator, e.id);
        add(d, deliveredBy, e.id);
      }
    }
    deps[i] = [...d];
    return a;
  }, {
    observe: (i, action, world, record) => {
      if (action !== null && prev !== null) {
        const d = new Set(deps[i]);
        for (const t of record.transitions) {
          const last = lastAt[t.node];
          if (last !== undefined && last !== i) d.add(last);
          lastAt[t.node] = i;
        }
        for (const e of record.sent) creator.set(e.id, i);
        for (let k = prev.lost.length; k < world.lost.length; k++) lostBy.set(world.lost[k]!.id, i);
        for (let k = prev.byzantineDelivered.length; k < world.byzantineDelivered.length; k++) deliveredBy.set(world.byzantineDelivered[k]!.id, i);
        if (record.decided.length > 0) decided.push(i);
        deps[i] = [...d];
      }
      prev = world;
    },
  });
  return { deps, decided, lastAt };
}

/** The steps in the causal past of `targets` (targets included), ascending. */
export function causalPast(c: Causality, targets: Iterable<number>): number[] {
  const seen = new Set<number>();
  const stack = [...targets].filter((t) => t >= 0 && t < c.deps.length);
  for (const t of stack) seen.add(t);
  while (stack.length > 0) {
    const s = stack.pop()!;
    for (const d of c.deps[s] ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        stack.push(d);
      }
    }
  }
  return [...seen].sort((a, b) => a - b);
}

/**
 * Candidate slices of a run violating at step `violating`, smallest first (duplicates removed):
 * the past of the violating step; with every deciding step; with every node's last step.
 */
export function candidateSlices(c: Causality, violating: number): number[][] {
  const targets = [[violating], [violating, ...c.decided], [violating, ...c.decided, ...c.lastAt.filter((x) => x !== undefined)]];
  const out: number[][] = [];
  for (const t of targets) {
    const s = causalPast(c, t);
    if (!out.some((o) => o.length === s.length)) out.push(s);
  }
  return out;
}
