/**
 * Minimizing the explicit action list of a failing run, after the tape shrink (issue 10).
 *
 * Removing one tape entry re-decodes everything after it, so a shrunk tape still carries
 * adversary steps the failure does not need. This stage works on the decoded actions
 * instead, as DEMi does (Scott et al., "Minimizing Faulty Executions of Distributed
 * Systems", NSDI 2016): delta debugging (Zeller and Hildebrandt's ddmin) over the adversary's
 * actions before GST, then one-at-a-time removal. The synchronous tail after GST belongs to
 * the harness and is regenerated, never minimized.
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
import type { World } from '../sim/world.ts';
import { type RunResult, afterRecording, execute } from '../check/execute.ts';
import { violationKey } from '../check/invariants.ts';
import { guarded } from '../check/guard.ts';

/** An action with its message named by content (for deliver, drop, duplicate). */
type Named<M> = { readonly action: Action<M>; readonly message?: string };

function messageName<S, M>(protocol: Protocol<S, M>, w: World<S, M>, id: number): string | undefined {
  const e = w.inFlight.find((x) => x.id === id);
  return e === undefined ? undefined : `${e.src}>${e.to}|${protocol.messageKey(e.msg)}`;
}

/** Run a list of named actions; a named message resolves to the oldest matching envelope in flight. */
function runNamed<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, list: readonly Named<M>[]): RunResult<S, M> {
  let pos = 0;
  return execute(protocol, cfg, (w) => {
    while (pos < list.length) {
      const { action, message } = list[pos++]!;
      if (message === undefined) return action;
      const e = w.inFlight.find((x) => `${x.src}>${x.to}|${protocol.messageKey(x.msg)}` === message);
      if (e !== undefined) return { ...action, id: e.id } as Action<M>;
    }
    return afterRecording(protocol, w);
  }, { onDisabled: () => undefined });
}

export interface Minimized<S, M> {
  readonly result: RunResult<S, M>;
  /** Candidate runs spent. */
  readonly runs: number;
  /** Adversary actions (before GST) before and after. */
  readonly before: number;
  readonly after: number;
}

/** The number of actions up to and including GST (the adversary's part of a run). */
export function adversaryLength(actions: readonly Action<unknown>[]): number {
  const gst = actions.findIndex((a) => a.kind === 'gst');
  return gst < 0 ? actions.length : gst + 1;
}

/**
 * Minimize a failing run's actions. Returns the shortest failing run found (its full action
 * list, tail included) or the input run if nothing could be removed.
 */
export function minimizeActions<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, failing: RunResult<S, M>, budget = 1500): Minimized<S, M> {
  const p = guarded(protocol);
  const v = failing.violation;
  const before = adversaryLength(failing.actions as Action<unknown>[]);
  if (v === undefined) return { result: failing, runs: 0, before, after: before };
  const target = violationKey(v);
  // Name every action by content, replaying the run once to see each message.
  const named: Named<M>[] = [];
  const gstAt = failing.actions.findIndex((a) => a.kind === 'gst');
  const prefix = gstAt < 0 ? failing.actions.length : gstAt;
  let prev: World<S, M> | null = null;
  execute(p, cfg, (_w, i) => failing.actions[i], {
    observe: (index, action, world) => {
      if (action !== null && prev !== null && index < prefix) {
        const id = action.kind === 'deliver' || action.kind === 'drop' || action.kind === 'duplicate' ? action.id : undefined;
        named.push(id === undefined ? { action } : { action, message: messageName(p, prev, id)! });
      }
      prev = world;
    },
  });
  // The failing step itself may be cut short by the violation: keep what was named.
  const tail: Named<M>[] = gstAt < 0 ? [] : [{ action: { kind: 'gst' } }];
  let runs = 0;
  let best = failing;
  const fails = (items: readonly Named<M>[]): boolean => {
    if (runs >= budget) return false;
    runs++;
    const r = runNamed(p, cfg, [...items, ...tail]);
    if (r.violation === undefined || violationKey(r.violation) !== target) return false;
    if (adversaryLength(r.actions as Action<unknown>[]) <= adversaryLength(best.actions as Action<unknown>[])) best = r;
    return true;
  };
  let items = named;
  // ddmin (Zeller and Hildebrandt 2002): try chunks, then complements, at rising granularity.
  let n = 2;
  while (items.length >= 2 && runs < budget) {
    const size = Math.ceil(items.length / n);
    const chunks: Named<M>[][] = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    let reduced = false;
    for (const chunk of chunks) {
      if (fails(chunk)) {
        items = chunk;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && chunks.length > 2) {
      for (let k = 0; k < chunks.length; k++) {
        const complement = chunks.filter((_c, j) => j !== k).flat();
        if (fails(complement)) {
          items = complement;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= items.length) break;
      n = Math.min(n * 2, items.length);
    }
  }
  // One at a time, from the end: what ddmin's granularity left.
  for (let i = items.length - 1; i >= 0 && runs < budget; i--) {
    const without = [...items.slice(0, i), ...items.slice(i + 1)];
    if (fails(without)) items = without;
  }
  return { result: best, runs, before, after: adversaryLength(best.actions as Action<unknown>[]) };
}
