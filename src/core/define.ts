/**
 * The contract a user writes: a small node (how one process reacts) and a spec around it
 * (what must hold, what a Byzantine node may say, how to print messages), after
 * stateright's split of Actor (src/actor.rs) from ActorModel (src/actor/model.rs). Every
 * member but the node's init and onMessage has a default. `defineProtocol` turns it into
 * the harness's internal Protocol; nothing else of the harness needs to be known.
 */
import type {
  ByzantineContext,
  Restart,
  ClusterConfig,
  Culprit,
  FinalInvariant,
  FinalView,
  NodeId,
  NodeView,
  Protocol,
  SignedMessage,
  Step,
  StepContext,
  StuckView,
  Timer,
  Transition,
  TransitionInvariant,
  VoteSlot,
  Witness,
  WorldInvariant,
  WorldView,
} from './types.ts';
import { UserError } from './errors.ts';

/**
 * One process: pure reducers returning the next state and effects (send, broadcast,
 * setTimer, decide). T is the node's timer type: any JSON object (e.g. { epoch: number });
 * equal timers are one timer, and the adversary decides when each fires.
 */
export interface NodeSpec<S, M, T extends object = Timer> {
  init(self: NodeId, cfg: ClusterConfig): Step<S, M, T>;
  onMessage(state: S, from: NodeId, msg: M): Step<S, M, T>;
  /** Default: timers are ignored (a protocol that sets none needs no handler). */
  onTimer?(state: S, timer: T): Step<S, M, T>;
  /** Environment events the adversary may fire at a node (e.g. "found a block"). */
  events?(state: S, cfg: ClusterConfig): readonly string[];
  onEvent?(state: S, event: string): Step<S, M, T>;
  /**
   * Crash-recovery: the node after a reboot (its memory and pending timers lost), rebuilt from
   * what it last persisted (Restart). Declare it together with `persist` effects; without it a
   * crash keeps the node's memory (today's behaviour) and the adversary has no reboots.
   */
  recover?(self: NodeId, cfg: ClusterConfig, restart: Restart): Step<S, M, T>;
}

/** A property, in one of stateright's four forms (src/lib.rs, Property). */
export type Property<S, M> =
  | { readonly kind: 'always'; readonly name: string; readonly description: string; check(w: WorldView<S, M>): string | undefined }
  | { readonly kind: 'transition'; readonly name: string; readonly description: string; check(t: Transition<S, M>, cfg: ClusterConfig, ctx: StepContext<S, M>): string | undefined }
  | { readonly kind: 'eventually'; readonly name: string; readonly description: string; check(states: readonly S[], cfg: ClusterConfig, world: FinalView<S, M>): string | undefined }
  | { readonly kind: 'sometimes'; readonly name: string; readonly description: string; seen(t: Transition<S, M>, cfg: ClusterConfig): boolean };

/** Holds after every step, over the whole cluster. Return a message saying what is wrong, or undefined. */
export function always<S, M>(name: string, description: string, check: (w: WorldView<S, M>) => string | undefined): Property<S, M> {
  return { kind: 'always', name, description, check };
}

/**
 * Holds for every reducer call of a correct node (before/after state, input, effects). `ctx`
 * gives the cluster after the step, the node's earlier decisions and the run's memory.
 */
export function transition<S, M>(name: string, description: string, check: (t: Transition<S, M>, cfg: ClusterConfig, ctx: StepContext<S, M>) => string | undefined): Property<S, M> {
  return { kind: 'transition', name, description, check };
}

/**
 * Holds when a run that reached GST has ended: over the final states of the correct nodes
 * (and, for what states do not say, the whole cluster at the end: decisions, messages, timers).
 */
export function eventually<S, M>(name: string, description: string, check: (states: readonly S[], cfg: ClusterConfig, world: FinalView<S, M>) => string | undefined): Property<S, M> {
  return { kind: 'eventually', name, description, check };
}

/** Named transition checks (a protocol's own TransitionInvariant list) as properties, in order. */
export function transitions<S, M>(checks: readonly TransitionInvariant<S, M>[]): Property<S, M>[] {
  return checks.map((c) => transition(c.name, c.description, (t, cfg, ctx) => c.check(t, cfg, ctx)));
}

/** Is reached by at least one run of a campaign (a witness that the search got there). */
export function sometimes<S, M>(name: string, description: string, seen: (t: Transition<S, M>, cfg: ClusterConfig) => boolean): Property<S, M> {
  return { kind: 'sometimes', name, description, seen };
}

export interface ProtocolSpec<S, M, T extends object = Timer> {
  /** The name fixtures and reports use. */
  readonly name: string;
  readonly node: NodeSpec<S, M, T>;
  /** Checked besides the generic agreement, validity, integrity, no-equivocation, termination. */
  readonly properties?: readonly Property<S, M>[];
  /** valid(v): decisions of correct nodes must satisfy it. Default: every value is valid. */
  isValidValue?(value: string): boolean;
  /** If `msg` is a vote, its slot (who, kind, instance) and value: two values in one slot is equivocation. Default: no votes. */
  voteSlot?(from: NodeId, msg: M): VoteSlot | undefined;
  /** What a Byzantine node may sign now, in a canonical order. Default: nothing (Byzantine nodes only drop). */
  byzantineMessages?(ctx: ByzantineContext<S, M>): readonly M[];
  /** One line for a message in traces. Default: canonical JSON. */
  describe?(msg: M): string;
  /** Equality of messages. Default: canonical JSON. */
  messageKey?(msg: M): string;
  /** What traces show of a node. Default: height = number of decisions is unknown, so 0; step "-". */
  view?(state: S): NodeView;
  /** Check a message read from a fixture; return an error text or undefined. */
  validateMessage?(raw: unknown): string | undefined;
  /** Whether correct nodes decide (default true); false: runs go until quiescent, liveness by `eventually` properties. */
  readonly decides?: boolean;
  /**
   * Proof of misbehaviour beyond equivocation (which the harness finds itself from voteSlot),
   * from the messages correct nodes received: e.g. Tendermint's amnesia. Used when a run has
   * more than f Byzantine nodes and agreement breaks (the accountability property).
   */
  evidence?(received: readonly SignedMessage<M>[], cfg: ClusterConfig): readonly Culprit[];
  /**
   * A short key abstracting one node's state for coverage-guided search (`fuzz --strategy
   * guided`): equal keys are the same abstract state. Default: the node's view.
   */
  abstraction?(state: S): string;
  /**
   * When termination fails: one short sentence saying what a stuck node waits for and from whom
   * ("waits for a PROPOSAL of h0 r4 from node 0 (Byzantine, silent after GST)"), read from its
   * state and the cluster at the end (`stuck`: messages in flight, timers, each node's standing).
   * The termination story appends it per stuck node. Default: none.
   */
  waitingFor?(state: S, cfg: ClusterConfig, stuck: StuckView<S, M>): string | undefined;
}

/**
 * JSON with object keys sorted, so equal values print equally whatever their key order.
 * Written here (a dozen lines) rather than adding a dependency for it.
 */
export function canonicalJson(x: unknown): string {
  return JSON.stringify(x, (_key, value: unknown) => {
    if (value instanceof Map) return [...value.entries()];
    if (value instanceof Set) return [...value];
    if (typeof value === 'bigint') return `${value}n`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]]));
    }
    return value;
  });
}

const DEFAULT_VIEW: NodeView = { height: 0, round: 0, step: '-', lock: '-' };

/** Build the harness's protocol from a user's spec, filling in defaults; bad specs are a UserError naming the member. */
export function defineProtocol<S, M, T extends object = Timer>(spec: ProtocolSpec<S, M, T>, mutant?: string): Protocol<S, M> {
  const problem = specProblem(spec);
  if (problem !== undefined) throw new UserError(problem);
  const props = spec.properties ?? [];
  // Timers are opaque to the harness (compared by value, stored as JSON): a node's own timer
  // type needs no conversion, only this one cast.
  const node = spec.node as unknown as NodeSpec<S, M>;
  const names = new Set<string>();
  for (const p of props) {
    if (names.has(p.name)) throw new UserError(`protocol ${spec.name}: two properties are named ${JSON.stringify(p.name)}`);
    names.add(p.name);
  }
  const { invariants, worldInvariants, finalInvariants, witnesses } = compileProperties(props);
  const key = spec.messageKey ?? canonicalJson;
  return {
    name: spec.name,
    mutant,
    // Bound, not wrapped: the reducers are the hot path (a node may be a class instance).
    init: node.init.bind(node),
    onMessage: node.onMessage.bind(node),
    onTimer: node.onTimer ? node.onTimer.bind(node) : (s) => ({ state: s, effects: [] }),
    ...(node.events && node.onEvent ? { events: node.events.bind(node), onEvent: node.onEvent.bind(node) } : {}),
    ...(node.recover ? { recover: node.recover.bind(node) } : {}),
    view: spec.view ?? (() => DEFAULT_VIEW),
    isValidValue: spec.isValidValue ?? (() => true),
    voteSlot: spec.voteSlot ?? (() => undefined),
    describe: spec.describe ?? key,
    messageKey: key,
    invariants,
    ...(worldInvariants.length ? { worldInvariants } : {}),
    ...(finalInvariants.length ? { finalInvariants } : {}),
    ...(witnesses.length ? { witnesses } : {}),
    ...(spec.byzantineMessages ? { byzantineMessages: spec.byzantineMessages } : {}),
    ...(spec.validateMessage ? { validateMessage: spec.validateMessage } : {}),
    ...(spec.decides !== undefined ? { decides: spec.decides } : {}),
    ...(spec.abstraction ? { abstraction: spec.abstraction } : {}),
    ...(spec.evidence ? { evidence: spec.evidence } : {}),
    ...(spec.waitingFor ? { waitingFor: spec.waitingFor } : {}),
  };
}

/** Properties sorted into the harness's four lists (by form), in declaration order. */
export function compileProperties<S, M>(props: readonly Property<S, M>[]): {
  invariants: TransitionInvariant<S, M>[];
  worldInvariants: WorldInvariant<S, M>[];
  finalInvariants: FinalInvariant<S, M>[];
  witnesses: Witness<S, M>[];
} {
  const out = { invariants: [] as TransitionInvariant<S, M>[], worldInvariants: [] as WorldInvariant<S, M>[], finalInvariants: [] as FinalInvariant<S, M>[], witnesses: [] as Witness<S, M>[] };
  for (const p of props) {
    switch (p.kind) {
      case 'always':
        out.worldInvariants.push({ name: p.name, description: p.description, check: p.check });
        break;
      case 'transition':
        out.invariants.push({ name: p.name, description: p.description, check: p.check });
        break;
      case 'eventually':
        out.finalInvariants.push({ name: p.name, description: p.description, check: p.check });
        break;
      case 'sometimes':
        out.witnesses.push({ name: p.name, description: p.description, seen: p.seen });
        break;
    }
  }
  return out;
}

/** What is wrong with a value that should be a ProtocolSpec, naming the missing member; undefined if nothing. */
export function specProblem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null) return `expected a protocol spec object, got ${typeof x}`;
  const r = x as Record<string, unknown>;
  if (typeof r['name'] !== 'string' || r['name'] === '') return 'protocol spec: missing "name" (a non-empty string)';
  const node = r['node'] as Record<string, unknown> | undefined;
  if (typeof node !== 'object' || node === null) return `protocol ${r['name']}: missing "node" (an object with init and onMessage)`;
  for (const fn of ['init', 'onMessage'] as const) {
    if (typeof node[fn] !== 'function') return `protocol ${r['name']}: node.${fn} is not a function`;
  }
  for (const fn of ['onTimer', 'events', 'onEvent', 'recover'] as const) {
    if (node[fn] !== undefined && typeof node[fn] !== 'function') return `protocol ${r['name']}: node.${fn} is not a function`;
  }
  if ((node['events'] === undefined) !== (node['onEvent'] === undefined)) return `protocol ${r['name']}: node.events and node.onEvent go together`;
  if (r['properties'] !== undefined && !Array.isArray(r['properties'])) return `protocol ${r['name']}: properties must be a list (always/transition/eventually/sometimes)`;
  for (const [i, p] of ((r['properties'] as unknown[] | undefined) ?? []).entries()) {
    const q = p as Record<string, unknown>;
    if (typeof q !== 'object' || q === null || !['always', 'transition', 'eventually', 'sometimes'].includes(q['kind'] as string)) {
      return `protocol ${r['name']}: properties[${i}] is not made by always/transition/eventually/sometimes`;
    }
  }
  return undefined;
}
