import type { NodeId, Protocol } from '../core/types.ts';
import type { Action, ActionKind } from '../sim/actions.ts';
import { type Envelope, type World, deliverable, isByzantine } from '../sim/world.ts';

/**
 * The action space, in canonical order. Each kind lists its enabled actions in a fixed
 * order (messages by id, timers by the order they were set, nodes by id), so that one
 * tape integer names one action and the same tape always names the same schedule.
 *
 * Kind 0 is `deliver` and its first action is the oldest message: the all-zero tape is
 * the FIFO schedule, and shrinking a tape toward zeros shrinks toward the plain network.
 */
export const KIND_ORDER: readonly ActionKind[] = [
  'deliver', 'fire', 'drop', 'duplicate', 'inject', 'crash', 'restart', 'partition', 'heal', 'event',
];

interface KindChoice<M> {
  readonly kind: ActionKind;
  /** Number of enabled actions of this kind (>= 1); a function, as listing injections is costly. */
  count(): number;
  pick(i: number): Action<M>;
}

/** The kinds with at least one enabled action, each with a lazy picker (listing injections is costly). */
export function enabledKinds<S, M>(protocol: Protocol<S, M>, w: World<S, M>): KindChoice<M>[] {
  const out: KindChoice<M>[] = [];
  const { cfg, used } = w;

  const deliverableList = w.partition === null && !w.crashed.includes(true) ? w.inFlight : w.inFlight.filter((e) => deliverable(w, e));
  if (deliverableList.length > 0) {
    out.push({ kind: 'deliver', count: () => deliverableList.length, pick: (i) => ({ kind: 'deliver', id: deliverableList[i]!.id }) });
  }
  const timers = w.crashed.includes(true) ? w.timers.filter((t) => !w.crashed[t.node]) : w.timers;
  if (timers.length > 0) {
    out.push({ kind: 'fire', count: () => timers.length, pick: (i) => ({ kind: 'fire', node: timers[i]!.node, timer: timers[i]!.timer }) });
  }
  if (w.gst) return out;

  const droppable: readonly Envelope<M>[] = used.drops < cfg.faults.drops
    ? w.inFlight
    : cfg.byzantine.length > 0 ? w.inFlight.filter((e) => isByzantine(cfg, e.from)) : [];
  if (droppable.length > 0) {
    out.push({ kind: 'drop', count: () => droppable.length, pick: (i) => ({ kind: 'drop', id: droppable[i]!.id }) });
  }
  if (used.duplicates < cfg.faults.duplicates && w.inFlight.length > 0) {
    out.push({ kind: 'duplicate', count: () => w.inFlight.length, pick: (i) => ({ kind: 'duplicate', id: w.inFlight[i]!.id }) });
  }
  if (used.injections < cfg.faults.injections && cfg.byzantine.length > 0 && protocol.byzantineMessages) {
    const recipients = cfg.n - 1;
    let candidates: readonly M[][] | null = null;
    const list = (): readonly M[][] => {
      candidates ??= cfg.byzantine.map((self) =>
        [...protocol.byzantineMessages!({ cfg, self, states: w.states, seen: w.inFlight.map((e) => e.msg) })]);
      return candidates;
    };
    // Listing is only done if this kind is picked: a protocol must offer at least one message.
    out.push({
        kind: 'inject',
        count: () => {
          const total = list().reduce((a, c) => a + c.length * recipients, 0);
          if (total === 0) throw new Error(`${protocol.name}: byzantineMessages offered nothing to inject`);
          return total;
        },
        pick: (i) => {
          let rest = i;
          for (let b = 0; b < cfg.byzantine.length; b++) {
            const msgs = list()[b]!;
            const here = msgs.length * recipients;
            if (rest < here) {
              const from = cfg.byzantine[b]!;
              const r = rest % recipients;
              const to = r >= from ? r + 1 : r;
              return { kind: 'inject', from, to, msg: msgs[Math.floor(rest / recipients)]! };
            }
            rest -= here;
          }
          throw new Error('inject index out of range');
        },
    });
  }
  if (used.crashes < cfg.faults.crashes) {
    const up: NodeId[] = [];
    for (let i = 0; i < cfg.n; i++) if (!w.crashed[i]) up.push(i);
    if (up.length > 0) out.push({ kind: 'crash', count: () => up.length, pick: (i) => ({ kind: 'crash', node: up[i]! }) });
  }
  const down: NodeId[] = [];
  for (let i = 0; i < cfg.n; i++) if (w.crashed[i]) down.push(i);
  if (down.length > 0) out.push({ kind: 'restart', count: () => down.length, pick: (i) => ({ kind: 'restart', node: down[i]! }) });
  if (w.partition === null && used.partitions < cfg.faults.partitions && cfg.n > 1) {
    // Two-sided splits with node 0 on side 0: masks 1 .. 2^(n-1)-1 over nodes 1..n-1.
    const count = Math.min(2 ** (cfg.n - 1) - 1, 0x7fffffff);
    out.push({
      kind: 'partition',
      count: () => count,
      pick: (i) => ({ kind: 'partition', groups: Array.from({ length: cfg.n }, (_, node) => (node === 0 ? 0 : ((i + 1) >> (node - 1)) & 1)) }),
    });
  }
  if (w.partition !== null) out.push({ kind: 'heal', count: () => 1, pick: () => ({ kind: 'heal' }) });
  if (protocol.events) {
    const evs: { node: NodeId; event: string }[] = [];
    for (let node = 0; node < cfg.n; node++) {
      if (w.crashed[node]) continue;
      for (const event of protocol.events(w.states[node]!, cfg)) evs.push({ node, event });
    }
    if (evs.length > 0) out.push({ kind: 'event', count: () => evs.length, pick: (i) => ({ kind: 'event', ...evs[i]! }) });
  }
  return out;
}

/**
 * Decode one tape integer into an action: the integer first picks a kind (x mod #kinds),
 * then an action of that kind (x div #kinds, mod #actions of that kind).
 * Returns undefined if nothing at all is enabled.
 */
export function decodeChoice<S, M>(protocol: Protocol<S, M>, w: World<S, M>, x: number): Action<M> | undefined {
  const kinds = enabledKinds(protocol, w);
  if (kinds.length === 0) return undefined;
  const k = kinds[x % kinds.length]!;
  return k.pick(Math.floor(x / kinds.length) % k.count());
}

/**
 * The synchronous network after GST: deliver the oldest message; fire a timer (the one set
 * first) only when nothing is in flight. Undefined when the cluster is quiescent.
 */
export function synchronousAction<S, M>(w: World<S, M>): Action<M> | undefined {
  const first = w.inFlight[0];
  if (first !== undefined) return { kind: 'deliver', id: first.id };
  const t = w.timers[0];
  if (t !== undefined) return { kind: 'fire', node: t.node, timer: t.timer };
  return undefined;
}
