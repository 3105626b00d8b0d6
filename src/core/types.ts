/**
 * Protocol-agnostic types: the contract every protocol reducer implements, and the
 * vocabulary the simulator, adversary and invariants share.
 *
 * A protocol never sees the scheduler. It is data plus pure functions that return the
 * next state and a list of effects; the simulator interprets the effects.
 */

export type NodeId = number;

/**
 * A timer a node asked for. The adversary (or GST) decides when it fires. This is the shape
 * the built-in protocols use; a protocol may use a timer type of its own (any JSON object,
 * e.g. { epoch: 3 }): the simulator compares timers by value and fixtures store them as is.
 */
export interface Timer {
  readonly name: string;
  readonly height: number;
  readonly round: number;
}

export type Effect<M, T = Timer> =
  | { readonly kind: 'send'; readonly to: NodeId; readonly msg: M }
  /** To every node, the sender included (its own copy is handled locally, at once). */
  | { readonly kind: 'broadcast'; readonly msg: M }
  | { readonly kind: 'setTimer'; readonly timer: T }
  /** A final decision: `height` is the consensus instance (HotStuff/PoW: chain position). */
  | { readonly kind: 'decide'; readonly height: number; readonly value: string }
  /**
   * Write `data` to the node's disk, replacing what it wrote before: what `recover` is given
   * after a reboot. Ordered with the other effects, as writes are on a real disk: a crash may
   * fall between any two effects of one reducer call (the simulator's `crashAfter`).
   */
  | { readonly kind: 'persist'; readonly data: unknown };

export interface Step<S, M, T = Timer> {
  readonly state: S;
  readonly effects: readonly Effect<M, T>[];
}

/** What a node finds when it restarts after a reboot (Protocol.recover). */
export interface Restart {
  /** The data of its last `persist` effect; undefined if it never persisted. */
  readonly durable: unknown;
  /**
   * What the application already received from this node: its decisions by height (as
   * CometBFT's handshake asks the application for its last height, ABCI Info). A decision
   * the node made durable but never output is output by returning its `decide` effect again.
   */
  readonly decided: readonly (string | undefined)[];
}

/** What generic invariants and the trace printer may read of a node's state. */
export interface NodeView {
  readonly height: number;
  readonly round: number;
  readonly step: string;
  /** Human-readable lock, e.g. "v@2" or "-" (for explain output). */
  readonly lock: string;
}

/**
 * A vote is identified by its slot (who, type, height, round); two different values in
 * one slot from a correct node is equivocation.
 */
export interface VoteSlot {
  readonly slot: string;
  readonly value: string;
}

/**
 * A protocol-specific safety check over one reducer call of a correct node.
 * Returns a description of the violation, or undefined if it holds.
 */
export interface TransitionInvariant<S, M> {
  readonly name: string;
  readonly description: string;
  /** `ctx` is always given by the harness; optional so a check can be called by hand in a test. */
  check(t: Transition<S, M>, cfg: ClusterConfig, ctx?: StepContext<S, M>): string | undefined;
}

/**
 * What a transition check may know beyond the one reducer call: the cluster after the step,
 * the node's earlier decisions, and the run's memory (stateright's ActorModel history, as a
 * map from key to the first value recorded under it). The generic properties are written
 * with it (check/generic.ts): integrity asks decidedBefore, no-equivocation keeps the first
 * vote of each slot with `first`.
 */
export interface StepContext<S, M> {
  /** The cluster after this step. */
  readonly world: WorldView<S, M>;
  /** The decision `node` had made at `height` before this reducer call, or undefined. */
  decidedBefore(node: NodeId, height: number): string | undefined;
  /**
   * The run's memory: records `value` under `key` unless a value is there already, and
   * returns the value that was there (undefined the first time). Keys are per property.
   */
  first(key: string, value: string): string | undefined;
  /**
   * Every message a correct node has received so far in the run, with its signer (`from`),
   * oldest first: the evidence a correct node holds. Kept only in runs with more than f
   * Byzantine nodes (accountability); empty otherwise.
   */
  received(): readonly SignedMessage<M>[];
}

/** A message as a correct node received it: the identity that signed it, the receiver, the content. */
export interface SignedMessage<M> {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: M;
}

/** A node proven faulty by messages it signed, and the proof in one line. */
export interface Culprit {
  readonly node: NodeId;
  /** e.g. "equivocation", "amnesia". */
  readonly kind: string;
  readonly evidence: string;
}

/** One reducer call: the input, the state before and after, the effects. */
export interface Transition<S, M> {
  readonly node: NodeId;
  readonly input: TransitionInput<M>;
  readonly before: S;
  readonly after: S;
  readonly effects: readonly Effect<M>[];
}

export type TransitionInput<M> =
  | { readonly kind: 'init' }
  | { readonly kind: 'message'; readonly from: NodeId; readonly msg: M }
  | { readonly kind: 'timer'; readonly timer: Timer }
  | { readonly kind: 'event'; readonly event: string }
  /**
   * A restart after a reboot (memory lost): the call is the protocol's `recover`. `before` is
   * what the node held in memory when it went down (lost), `after` what it rebuilt from disk.
   * No rule of the protocol ran: only the generic properties judge it (the Checker skips the
   * protocol's own transition properties and witnesses).
   */
  | { readonly kind: 'recover' };

/** Read-only knowledge handed to a protocol when it lists what a Byzantine node may say. */
export interface ByzantineContext<S, M> {
  readonly cfg: ClusterConfig;
  readonly self: NodeId;
  /** Every node's current state (a Byzantine node may know what it has seen; we are generous). */
  readonly states: readonly S[];
  /** Messages on the wire right now (in flight), for replaying or mixing their content. */
  readonly seen: readonly M[];
}

export interface MutantInfo {
  readonly name: string;
  /** One line: what the bug is and which rule of the paper it breaks. */
  readonly description: string;
  /**
   * The adversary it takes to show the bug, beyond the default shape: 'reboots' (a crash-recovery
   * bug: nodes must restart from disk) or 'post-gst' (a liveness bug: a Byzantine node must keep
   * misbehaving after GST). `fuzz --mutant` turns it on and says so; absent: the default shape.
   */
  readonly needs?: 'reboots' | 'post-gst';
}

export interface Protocol<S, M> {
  readonly name: string;
  /** The mutant this instance carries, or undefined for the correct protocol. */
  readonly mutant: string | undefined;
  init(self: NodeId, cfg: ClusterConfig): Step<S, M>;
  onMessage(s: S, from: NodeId, m: M): Step<S, M>;
  onTimer(s: S, t: Timer): Step<S, M>;
  view(s: S): NodeView;
  /** valid(v) of the paper: decisions of correct nodes must satisfy it. */
  isValidValue(v: string): boolean;
  /** If `m` is a vote, its slot; used for the no-equivocation invariant. */
  voteSlot(from: NodeId, m: M): VoteSlot | undefined;
  /** Short human-readable rendering for traces, e.g. "PREVOTE h0 r1 v=h0r0p1". */
  describe(m: M): string;
  /** A stable key for a message's content (equality of messages). */
  messageKey(m: M): string;
  /** Protocol-specific transition invariants, checked after every reducer call of a correct node. */
  readonly invariants: readonly TransitionInvariant<S, M>[];
  /** Candidate messages a Byzantine node could sign now, in a canonical order. */
  byzantineMessages?(ctx: ByzantineContext<S, M>): readonly M[];
  /** Environment events the adversary may fire at a node (PoW: "this node finds a block"). */
  events?(s: S, cfg: ClusterConfig): readonly string[];
  onEvent?(s: S, event: string): Step<S, M>;
  /** Validate a message read from a fixture; return an error text or undefined. */
  validateMessage?(m: unknown): string | undefined;
  /**
   * Crash-recovery (define.ts NodeSpec.recover): rebuild a node after a reboot from the data
   * of its last `persist` effect (undefined: it never persisted). Without it the protocol
   * declares no durable state: the adversary has no reboots, and a crash keeps its memory.
   */
  recover?(self: NodeId, cfg: ClusterConfig, restart: Restart): Step<S, M>;
  /**
   * Whether correct nodes emit `decide` effects (default true). A protocol without final
   * decisions (PoW) sets false: the post-GST phase then runs until the network is quiescent,
   * and its liveness is checked by `finalInvariants` instead of `termination`.
   */
  readonly decides?: boolean;
  /** Checked once, when a run that reached GST ends (PoW: correct nodes converge on one head). */
  readonly finalInvariants?: readonly FinalInvariant<S, M>[];
  /** Checks over the whole cluster after every step. */
  readonly worldInvariants?: readonly WorldInvariant<S, M>[];
  /** What the search should reach at least once; counted per run, reported per campaign. */
  readonly witnesses?: readonly Witness<S, M>[];
  /**
   * Protocol-specific proof of misbehaviour (Tendermint: amnesia) from the messages correct
   * nodes received; the harness adds equivocation (two values in one vote slot) itself.
   * Used by the accountability property when a run has more than f Byzantine nodes.
   */
  evidence?(received: readonly SignedMessage<M>[], cfg: ClusterConfig): readonly Culprit[];
  /**
   * A small abstraction of one node's state for coverage-guided search (e.g. Tendermint:
   * step, round relative to the height's start, lock vs valid round): equal strings are the
   * same abstract node state. Optional: without it the search falls back to `view`.
   */
  abstraction?(s: S): string;
  /**
   * One short sentence: what a node that has not decided when a run ends after GST is waiting
   * for, and from whom ("waits for a PROPOSAL of h0 r4 from node 0 (Byzantine, silent after
   * GST)"; "has 3 of 3 VOTEs for b=1a2b@v57 from nodes 1, 2, 3"), from its state and the cluster
   * at the end. Called only when termination fails, once per stuck node; the termination story
   * appends it. Optional: without it the story says where the node is stuck, not why.
   */
  waitingFor?(state: S, cfg: ClusterConfig, stuck: StuckView<S, M>): string | undefined;
}

/**
 * What a world invariant may read of the cluster after a step (the simulator's World
 * satisfies it): configuration, every node's state (instances: nodes, then twins), the
 * decisions, the messages on the wire, crashes, and whether GST has passed.
 */
export interface WorldView<S, M> {
  readonly cfg: ClusterConfig;
  readonly states: readonly S[];
  readonly decisions: readonly (readonly (string | undefined)[])[];
  readonly inFlight: readonly { readonly id: number; readonly from: NodeId; readonly to: number; readonly msg: M }[];
  readonly crashed: readonly boolean[];
  readonly gst: boolean;
  /**
   * From GST on, what each Byzantine node keeps doing (`fuzz --post-gst`): per node id, its
   * behaviour ('silent', 'equivocating', 'delayed', { selective }), undefined for honest;
   * null or absent when every node is honest after GST.
   */
  readonly afterGst?: { readonly behaviour: readonly (string | { readonly selective: readonly NodeId[] } | undefined)[] } | null;
}

/** A named check over the whole cluster, after every step (stateright's `always`). */
export interface WorldInvariant<S, M> {
  readonly name: string;
  readonly description: string;
  check(w: WorldView<S, M>): string | undefined;
}

/**
 * Something the search must reach at least once (stateright's `sometimes`): a predicate
 * over one reducer call of a correct node. A campaign reports every witness it never saw:
 * a rule no run reaches is not tested, however many runs pass.
 */
export interface Witness<S, M> {
  readonly name: string;
  readonly description: string;
  seen(t: Transition<S, M>, cfg: ClusterConfig): boolean;
}

/** A named check over the final states of a run that reached GST and went quiescent. */
export interface FinalInvariant<S, M = unknown> {
  readonly name: string;
  readonly description: string;
  /** `states`: the final states of the nodes owed liveness (the correct ones, or the core chosen at GST); `world`: the whole cluster at the end. */
  check(states: readonly S[], cfg: ClusterConfig, world?: FinalView<S, M>): string | undefined;
}

/** The cluster when a run ends: the world view plus the timers still pending and the time since GST. */
export interface FinalView<S, M> extends WorldView<S, M> {
  readonly timers: readonly { readonly node: NodeId; readonly timer: object }[];
  /** Steps taken since GST (the run ends when every correct node decided, quiescent, or at cfg.gstStepBound). */
  readonly stepsAfterGst: number;
}

/**
 * What a stuck node's story may read (Protocol.waitingFor): the cluster at the end, which node
 * is stuck, and the standing of the others (who will not send: crashed, cut off, silent).
 */
export interface StuckView<S, M> extends FinalView<S, M> {
  /** The node that has not decided. */
  readonly node: NodeId;
  /**
   * Why `other` may not send to the stuck node, in a few words ("Byzantine, silent after GST",
   * "crashed", "cut off after GST", "Byzantine, honest after GST"), or undefined for a correct
   * node that takes part.
   */
  standing(other: NodeId): string | undefined;
  /** "node 0 (cut off after GST)", or "node 1": a node named with its standing. */
  who(other: NodeId): string;
  /**
   * Who of `expected` sent (`have`) and who did not, with their standing: "from nodes 1, 2, 3;
   * none from node 0 (cut off after GST)".
   */
  senders(have: readonly NodeId[], expected: readonly NodeId[]): string;
}

export interface FaultBudget {
  readonly drops: number;
  readonly duplicates: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly injections: number;
  /**
   * Reboots of correct nodes: crashes that lose memory (the node restarts through the
   * protocol's `recover`), including crashes between the effects of one reducer call.
   * Absent means 0 (configs and fixtures from before crash-recovery).
   */
  readonly reboots?: number;
}

export interface ClusterConfig {
  readonly n: number;
  /** Fault threshold the protocol is configured for (quorum = 2f+1 when n = 3f+1). */
  readonly f: number;
  /** Nodes the adversary controls. At most f unless a test says otherwise. */
  readonly byzantine: readonly NodeId[];
  /**
   * Twins (Bano et al., "Twins: BFT Systems Made Robust", 2020): Byzantine identities that
   * run as two honest instances with the same keys. Instance n+k is the twin of twins[k];
   * partitions decide which instance talks to whom, so the pair equivocates naturally.
   */
  readonly twins: readonly NodeId[];
  /** How many decisions (heights) each correct node must reach after GST. */
  readonly heights: number;
  readonly faults: FaultBudget;
  /** After GST every correct node must decide `heights` values within this many steps. */
  readonly gstStepBound: number;
}
