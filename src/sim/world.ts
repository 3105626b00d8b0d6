import type { ClusterConfig, FaultBudget, NodeId, Timer } from '../core/types.ts';
import { canonicalJson } from '../core/define.ts';
import type { Action, AfterGst } from './actions.ts';

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
  /** From GST on: the Byzantine behaviours and the core the GST action chose; null = all honest, no core. */
  readonly afterGst: AfterGstState | null;
  /** Crash-recovery: per instance, the data of its last `persist` effect (undefined: none); kept only with a reboot budget. */
  readonly disk: readonly unknown[];
  /** Crash-recovery: per instance, down with its memory lost (a reboot): it restarts through `recover`. */
  readonly wiped: readonly boolean[];
}

/** The GST action's choices, compiled for the simulator's hot paths (step.ts). */
export interface AfterGstState {
  /** Per identity 0..n-1: a Byzantine node's behaviour other than honest, else undefined. */
  readonly behaviour: readonly (AfterGst | undefined)[];
  /** Per instance: in the core (must decide). Null: every correct node is. */
  readonly core: readonly boolean[] | null;
  /** Per instance: gets the conflicting version of an equivocator's message (the second half of the correct nodes). */
  readonly secondHalf: readonly boolean[];
  /** Some node is delayed (the scheduler then looks for other messages first). */
  readonly anyDelayed: boolean;
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

/**
 * Must this node decide (termination is owed to it)? Every correct node, or, when the GST
 * action chose a core (VOPR's random_core), the correct nodes of the core only: the others
 * stay cut off after GST.
 */
export function mustDecide<S, M>(w: World<S, M>, node: number): boolean {
  if (node >= w.cfg.n || w.cfg.byzantine.includes(node)) return false;
  const core = w.afterGst?.core;
  return core === undefined || core === null || core[node] === true;
}

/** Every node that must decide (mustDecide: the correct nodes, or the core's) has decided `cfg.heights` values. */
export function allCorrectDecided<S, M>(w: World<S, M>): boolean {
  for (let i = 0; i < w.cfg.n; i++) {
    if (!mustDecide(w, i)) continue;
    const d = w.decisions[i]!;
    for (let h = 0; h < w.cfg.heights; h++) if (d[h] === undefined) return false;
  }
  return true;
}

/** The quorum a core must reach: n - f correct nodes (2f+1 when n = 3f+1). */
export function coreQuorum(cfg: ClusterConfig): number {
  return cfg.n - cfg.f;
}

/**
 * What is wrong with a GST action's choices for this config, or undefined. Shared by the
 * simulator (ActionError) and fixture validation (UserError): behaviours only for Byzantine
 * nodes, a selective node reaching correct nodes only, a core of at least n - f distinct
 * correct nodes.
 */
export function gstChoiceError(cfg: ClusterConfig, a: Extract<Action<unknown>, { kind: 'gst' }>): string | undefined {
  const correct = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < cfg.n && !cfg.byzantine.includes(x);
  for (const [key, b] of Object.entries(a.byzantine ?? {})) {
    const node = Number(key);
    if (!cfg.byzantine.includes(node) || String(node) !== key) return `byzantine.${key}: node ${key} is not Byzantine (Byzantine: ${cfg.byzantine.join(',') || 'none'})`;
    if (typeof b === 'string') {
      if (b !== 'honest' && b !== 'silent' && b !== 'equivocating' && b !== 'delayed') {
        return `byzantine.${key}: unknown behaviour ${JSON.stringify(b)} (known: honest, silent, equivocating, delayed, { "selective": [nodes] })`;
      }
    } else {
      const to = (b as { selective?: unknown })?.selective;
      if (!Array.isArray(to) || !to.every(correct) || new Set(to).size !== to.length) {
        return `byzantine.${key}: expected { "selective": [distinct correct node ids] }, got ${JSON.stringify(b)}`;
      }
    }
  }
  if (a.core !== undefined) {
    if (!Array.isArray(a.core) || !a.core.every(correct) || new Set(a.core).size !== a.core.length) {
      return `core: expected distinct correct node ids, got ${JSON.stringify(a.core)}`;
    }
    if (a.core.length < coreQuorum(cfg)) return `core: ${a.core.length} node(s) ${JSON.stringify(a.core)}, fewer than a quorum n - f = ${coreQuorum(cfg)}`;
  }
  return undefined;
}

/** Compile a valid GST action's choices; null when every Byzantine node stays honest and there is no core. */
export function compileAfterGst(cfg: ClusterConfig, a: Extract<Action<unknown>, { kind: 'gst' }>): AfterGstState | null {
  const behaviour: (AfterGst | undefined)[] = Array.from({ length: cfg.n }, () => undefined);
  let any = false;
  for (const [key, b] of Object.entries(a.byzantine ?? {})) {
    if (b === 'honest') continue;
    behaviour[Number(key)] = b;
    any = true;
  }
  if (!any && a.core === undefined) return null;
  const instances = instanceCount(cfg);
  const correct: number[] = [];
  for (let i = 0; i < cfg.n; i++) if (!cfg.byzantine.includes(i)) correct.push(i);
  const secondHalf = Array.from({ length: instances }, () => false);
  for (let k = Math.ceil(correct.length / 2); k < correct.length; k++) secondHalf[correct[k]!] = true;
  const core = a.core === undefined ? null : Array.from({ length: instances }, (_, i) => a.core!.includes(i));
  return { behaviour, core, secondHalf, anyDelayed: behaviour.includes('delayed') };
}

/** Is this instance cut off after GST (a correct node outside the core)? */
export function cutOff<S, M>(w: World<S, M>, instance: number): boolean {
  const core = w.afterGst?.core;
  return core !== undefined && core !== null && !core[instance] && isCorrect(w.cfg, instance);
}
