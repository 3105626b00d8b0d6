import type { ClusterConfig, FaultBudget, NodeId, Timer } from '../core/types.ts';
import { canonicalJson } from '../core/define.ts';

/** A message on the wire. `id` is stable: the n-th envelope created in a run has id n. */
export interface Envelope<M> {
  readonly id: number;
  /** The sender's identity (what the recipient's reducer sees). */
  readonly from: NodeId;
  /** The sending instance (differs from `from` only for a twin); partitions route by it. */
  readonly src: number;
  /** The receiving instance. */
  readonly to: number;
  readonly msg: M;
}

export interface PendingTimer {
  readonly node: NodeId;
  readonly timer: Timer;
}

/**
 * The whole cluster as one value. Nothing in it is ever mutated: `step` returns a new
 * World that shares whatever did not change.
 */
export interface World<S, M> {
  readonly cfg: ClusterConfig;
  readonly states: readonly S[];
  /** Messages in flight, ordered by id (so index 0 is the oldest: FIFO). */
  readonly inFlight: readonly Envelope<M>[];
  /**
   * Messages of correct senders that were dropped or lost to a crash. The paper's gossip
   * assumption (every message of a correct process reaches every correct process after GST)
   * means they are sent again at GST. Safety never relies on them.
   */
  readonly lost: readonly Envelope<M>[];
  /** Messages of Byzantine senders that some correct node received before GST: relayed to all at GST (gossip). */
  readonly byzantineDelivered: readonly Envelope<M>[];
  /** After GST: keys (sender|message) of Byzantine messages already relayed to every correct node. */
  readonly relayed: ReadonlySet<string>;
  readonly timers: readonly PendingTimer[];
  /** Per instance (nodes, then twins). */
  readonly crashed: readonly boolean[];
  /** Partition group of each instance, or null when the network is whole. */
  readonly partition: readonly number[] | null;
  readonly used: FaultBudget;
  readonly nextId: number;
  /** True once the network turned synchronous. */
  readonly gst: boolean;
  readonly stepsAfterGst: number;
  /** decisions[node][height] = value decided, for every node (Byzantine ones included, unchecked). */
  readonly decisions: readonly (readonly (string | undefined)[])[];
  /** Crash-recovery: per instance, the data of its last `persist` effect (undefined: none); kept only with a reboot budget. */
  readonly disk: readonly unknown[];
  /** Crash-recovery: per instance, down with its memory lost (a reboot): it restarts through `recover`. */
  readonly wiped: readonly boolean[];
}

/**
 * Equal timers: the built-in shape {name, height, round} field by field (the hot path);
 * a protocol's own timer type, by its canonical JSON.
 */
export function sameTimer(a: Timer, b: Timer): boolean {
  if (a === b) return true;
  if (a.name !== b.name || a.height !== b.height || a.round !== b.round) return false;
  return isClassicTimer(a) && isClassicTimer(b) ? true : canonicalJson(a) === canonicalJson(b);
}

function isClassicTimer(t: Timer): boolean {
  return typeof t.name === 'string' && Object.keys(t).length === 3;
}

/** How traces print a timer: "name(h1, r2)" for the built-in shape, else its canonical JSON. */
export function describeTimer(t: Timer): string {
  return isClassicTimer(t) && typeof t.height === 'number' && typeof t.round === 'number' ? `${t.name}(h${t.height}, r${t.round})` : canonicalJson(t);
}

/** Node instances in the world: one per node, plus one per twin (instance n+k twins cfg.twins[k]). */
export function instanceCount(cfg: ClusterConfig): number {
  return cfg.n + cfg.twins.length;
}

/** The identity (NodeId it signs as) of an instance. */
export function identityOf(cfg: ClusterConfig, instance: number): NodeId {
  return instance < cfg.n ? instance : cfg.twins[instance - cfg.n]!;
}

/** Byzantine identity, or a twin instance (twins are Byzantine by definition). */
export function isByzantine(cfg: ClusterConfig, node: NodeId): boolean {
  return node >= cfg.n || cfg.byzantine.includes(node);
}

/**
 * Is this instance a correct node (what safety and liveness are promised to)? States in a
 * world list every instance: nodes 0..n-1, then twin instances; Byzantine ones are not correct.
 */
export function isCorrect(cfg: ClusterConfig, instance: number): boolean {
  return !isByzantine(cfg, instance);
}

/** Can this envelope be delivered now: recipient up, and sender and recipient on one side of any partition. */
export function deliverable<S, M>(w: World<S, M>, e: Envelope<M>): boolean {
  if (w.crashed[e.to]) return false;
  const p = w.partition;
  return p === null || p[e.src] === p[e.to];
}

/** Every correct node has decided `cfg.heights` values. */
export function allCorrectDecided<S, M>(w: World<S, M>): boolean {
  for (let i = 0; i < w.cfg.n; i++) {
    if (w.cfg.byzantine.includes(i)) continue;
    const d = w.decisions[i]!;
    for (let h = 0; h < w.cfg.heights; h++) if (d[h] === undefined) return false;
  }
  return true;
}
