import type { ClusterConfig, Effect, FaultBudget, NodeId, Protocol, Step, Transition, TransitionInput } from '../core/types.ts';
import { NO_FAULTS } from '../core/config.ts';
import { ProtocolFault } from '../core/errors.ts';
import type { Action } from './actions.ts';
import { type AfterGstState, type Envelope, type PendingTimer, type World, compileAfterGst, deliverable, gstChoiceError, identityOf, instanceCount, isByzantine, isCorrect, sameTimer } from './world.ts';

/** An action that is not enabled in this world. Never silently ignored. */
export class ActionError extends Error {
  override readonly name = 'ActionError';
}

/** What happened in one step, for invariants and traces. */
export interface StepRecord<S, M> {
  /** Every reducer call made in this step, in order (a message to self is handled at once). */
  readonly transitions: readonly Transition<S, M>[];
  /** Envelopes put on the wire in this step. */
  readonly sent: readonly Envelope<M>[];
  /** Decisions made in this step. */
  readonly decided: readonly { node: NodeId; height: number; value: string; previous: string | undefined }[];
}

/** Mutable scratch space used while applying one step; never escapes `step`. */
interface Scratch<S, M> {
  states: S[] | null;
  inFlight: Envelope<M>[] | null;
  timers: PendingTimer[] | null;
  decisions: (string | undefined)[][] | null;
  /** Crash-recovery: what each instance has on disk (copied on the first persist of the step). */
  disk: unknown[] | null;
  nextId: number;
  transitions: Transition<S, M>[];
  sent: Envelope<M>[];
  decided: { node: NodeId; height: number; value: string; previous: string | undefined }[];
}

/** Build the initial world: every node runs init. */
export function initWorld<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig): { world: World<S, M>; record: StepRecord<S, M> } {
  const empty: World<S, M> = {
    cfg,
    states: [],
    inFlight: [],
    lost: [],
    byzantineDelivered: [],
    relayed: new Set(),
    timers: [],
    crashed: Array.from({ length: instanceCount(cfg) }, () => false),
    partition: null,
    used: NO_FAULTS,
    nextId: 0,
    gst: false,
    stepsAfterGst: 0,
    decisions: Array.from({ length: instanceCount(cfg) }, () => []),
    afterGst: null,
    disk: Array.from({ length: instanceCount(cfg) }, () => undefined),
    wiped: Array.from({ length: instanceCount(cfg) }, () => false),
  };
  const sc = scratch(empty);
  sc.states = [];
  const inits: Step<S, M>[] = [];
  for (let i = 0; i < instanceCount(cfg); i++) {
    const st = protocol.init(identityOf(cfg, i), cfg);
    inits.push(st);
    sc.states.push(st.state);
  }
  // init's "before" is its own result: there is no state before a node exists.
  // Effects are applied after every node exists, so that a message to self finds its state.
  for (let i = 0; i < instanceCount(cfg); i++) {
    const st = inits[i]!;
    runNode(protocol, empty, sc, i, { kind: 'init' }, st);
  }
  return finish(empty, sc, {});
}

function scratch<S, M>(w: World<S, M>): Scratch<S, M> {
  return { states: null, inFlight: null, timers: null, decisions: null, disk: null, nextId: w.nextId, transitions: [], sent: [], decided: [] };
}

function statesOf<S, M>(w: World<S, M>, sc: Scratch<S, M>): S[] {
  if (sc.states === null) sc.states = w.states.slice();
  return sc.states;
}
function inFlightOf<S, M>(w: World<S, M>, sc: Scratch<S, M>): Envelope<M>[] {
  if (sc.inFlight === null) sc.inFlight = w.inFlight.slice();
  return sc.inFlight;
}
function timersOf<S, M>(w: World<S, M>, sc: Scratch<S, M>): PendingTimer[] {
  if (sc.timers === null) sc.timers = w.timers.slice();
  return sc.timers;
}

/**
 * The reducer call an input makes: onMessage, onTimer or onEvent; undefined for the inputs no
 * rule handles (init, recover). Also used on the side by coverage.ts, to probe a rebuilt node.
 */
export function reducerCall<S, M>(protocol: Protocol<S, M>, s: S, input: TransitionInput<M>): Step<S, M> | undefined {
  return input.kind === 'message'
    ? protocol.onMessage(s, input.from, input.msg)
    : input.kind === 'timer'
      ? protocol.onTimer(s, input.timer)
      : input.kind === 'event'
        ? protocol.onEvent!(s, input.event)
        : undefined;
}

/** Run one reducer call on `node` and everything it causes locally (messages to itself). */
function runNode<S, M>(
  protocol: Protocol<S, M>,
  w: World<S, M>,
  sc: Scratch<S, M>,
  node: NodeId,
  input: TransitionInput<M>,
  initial?: Step<S, M>,
  /** Crash-recovery: the node goes down after this many of the call's effects (recovery.ts). */
  crashAfter?: number,
): void {
  const states = statesOf(w, sc);
  const before = states[node]!;
  const st = initial ?? reducerCall(protocol, before, input) ?? { state: before, effects: [] };
  states[node] = st.state;
  // A crash inside the call: only the effects before it happened, and the node handles nothing more.
  const effects = crashAfter === undefined ? st.effects : st.effects.slice(0, crashAfter);
  sc.transitions.push({ node, input, before, after: st.state, effects });
  const local = applyEffects(protocol, w, sc, node, effects);
  if (crashAfter !== undefined) return;
  // A node's messages to itself are handled at once, in order, breadth first (a queue, not recursion).
  for (let i = 0; i < local.length; i++) {
    if (sc.transitions.length > MAX_LOCAL_CHAIN) {
      throw new ProtocolFault('onMessage', `node ${node} made more than ${MAX_LOCAL_CHAIN} reducer calls in one step (messages to itself without end): unbounded local progress`, undefined);
    }
    const m = local[i]!;
    const inner = statesOf(w, sc)[node]!;
    const next = protocol.onMessage(inner, identityOf(w.cfg, node), m);
    statesOf(w, sc)[node] = next.state;
    sc.transitions.push({ node, input: { kind: 'message', from: identityOf(w.cfg, node), msg: m }, before: inner, after: next.state, effects: next.effects });
    for (const more of applyEffects(protocol, w, sc, node, next.effects)) local.push(more);
  }
}

// A bound on local self-deliveries per step: a protocol that keeps messaging itself is a bug.
const MAX_LOCAL_CHAIN = 10_000;

/** Apply effects; return the messages the node sent to itself (the caller delivers them). */
function applyEffects<S, M>(protocol: Protocol<S, M>, w: World<S, M>, sc: Scratch<S, M>, node: NodeId, effects: readonly Effect<M>[]): M[] {
  const local: M[] = [];
  const self = identityOf(w.cfg, node);
  const instances = instanceCount(w.cfg);
  // After a GST that chose behaviours or a core, every send goes through the router (the hot path stays direct).
  const after = w.afterGst;
  for (const e of effects) {
    switch (e.kind) {
      case 'send':
        // To an identity: every instance of it (a twin's pair gets one copy each), never to oneself by wire.
        if (e.to === self) local.push(e.msg);
        else if (after !== null) {
          const alt = { msg: e.msg, conflicting: undefined as M | undefined };
          route(protocol, w, sc, after, node, e.to, alt);
          for (let k = 0; k < w.cfg.twins.length; k++) if (w.cfg.twins[k] === e.to) route(protocol, w, sc, after, node, w.cfg.n + k, alt);
        } else {
          send(w, sc, node, e.to, e.msg);
          for (let k = 0; k < w.cfg.twins.length; k++) if (w.cfg.twins[k] === e.to) send(w, sc, node, w.cfg.n + k, e.msg);
        }
        break;
      case 'broadcast': {
        const alt = after === null ? undefined : { msg: e.msg, conflicting: undefined as M | undefined };
        for (let to = 0; to < instances; to++) {
          if (to === node) local.push(e.msg);
          else if (identityOf(w.cfg, to) !== self) {
            if (alt === undefined) send(w, sc, node, to, e.msg);
            else route(protocol, w, sc, after!, node, to, alt);
          }
        }
        break;
      }
      case 'setTimer': {
        const timers = timersOf(w, sc);
        if (!timers.some((t) => t.node === node && sameTimer(t.timer, e.timer))) timers.push({ node, timer: e.timer });
        break;
      }
      case 'decide': {
        if (sc.decisions === null) sc.decisions = w.decisions.map((d) => d.slice());
        const mine = sc.decisions[node]!;
        sc.decided.push({ node, height: e.height, value: e.value, previous: mine[e.height] });
        // Integrity is checked by the invariants; the world keeps the first decision.
        if (mine[e.height] === undefined) mine[e.height] = e.value;
        break;
      }
      case 'persist':
        // Kept only when a reboot can read it back (a budget of 0: nothing to do, the hot path stays as it was).
        if ((w.cfg.faults.reboots ?? 0) > 0) {
          if (sc.disk === null) sc.disk = w.disk.slice();
          sc.disk[node] = e.data;
        }
        break;
      default:
        assertNever(e);
    }
  }
  return local;
}

/**
 * After a GST that chose behaviours or a core: put a node's own message on the wire as its
 * behaviour says (actions.ts AfterGst). Nothing goes to a correct node outside the core (it
 * stays cut off). `alt` carries the message and, for an equivocator, its conflicting version
 * (looked up once per effect).
 */
function route<S, M>(protocol: Protocol<S, M>, w: World<S, M>, sc: Scratch<S, M>, after: AfterGstState, node: NodeId, to: number, alt: { msg: M; conflicting: M | undefined }): void {
  if (after.core !== null && !after.core[to] && isCorrect(w.cfg, to)) return;
  const b = after.behaviour[identityOf(w.cfg, node)];
  if (b === undefined || b === 'honest' || b === 'delayed' || !isCorrect(w.cfg, to)) {
    send(w, sc, node, to, alt.msg);
    return;
  }
  if (b === 'silent') return;
  if (b === 'equivocating') {
    if (!after.secondHalf[to]) send(w, sc, node, to, alt.msg);
    else {
      if (alt.conflicting === undefined) alt.conflicting = conflicting(protocol, w, sc, node, alt.msg);
      send(w, sc, node, to, alt.conflicting);
    }
    return;
  }
  if (b.selective.includes(to)) send(w, sc, node, to, alt.msg);
}

/**
 * The equivocator's second version of `msg`: the first message of the protocol's Byzantine
 * vocabulary with the same vote slot and another value; `msg` itself when there is none (no
 * slot, no vocabulary, or nothing conflicting offered): then both halves get the honest message.
 */
function conflicting<S, M>(protocol: Protocol<S, M>, w: World<S, M>, sc: Scratch<S, M>, node: NodeId, msg: M): M {
  const self = identityOf(w.cfg, node);
  const slot = protocol.voteSlot(self, msg);
  if (slot === undefined || protocol.byzantineMessages === undefined) return msg;
  const offered = protocol.byzantineMessages({ cfg: w.cfg, self, states: statesOf(w, sc), seen: (sc.inFlight ?? w.inFlight).map((e) => e.msg) });
  for (const m of offered) {
    const other = protocol.voteSlot(self, m);
    if (other !== undefined && other.slot === slot.slot && other.value !== slot.value) return m;
  }
  return msg;
}

/** Put a message from instance `src` to instance `to` on the wire. */
function send<S, M>(w: World<S, M>, sc: Scratch<S, M>, src: number, to: number, msg: M): void {
  const env: Envelope<M> = { id: sc.nextId++, from: identityOf(w.cfg, src), src, to, msg };
  inFlightOf(w, sc).push(env);
  sc.sent.push(env);
}

function finish<S, M>(w: World<S, M>, sc: Scratch<S, M>, patch: Partial<World<S, M>>): { world: World<S, M>; record: StepRecord<S, M> } {
  // Every field spelled out (no spread): one object shape for every World, which V8 builds
  // quickly; this function runs once per step.
  const world: World<S, M> = {
    cfg: w.cfg,
    states: sc.states ?? w.states,
    inFlight: sc.inFlight ?? patch.inFlight ?? w.inFlight,
    lost: patch.lost ?? w.lost,
    byzantineDelivered: patch.byzantineDelivered ?? w.byzantineDelivered,
    relayed: patch.relayed ?? w.relayed,
    timers: sc.timers ?? patch.timers ?? w.timers,
    crashed: patch.crashed ?? w.crashed,
    partition: patch.partition !== undefined ? patch.partition : w.partition,
    used: patch.used ?? w.used,
    nextId: sc.nextId,
    gst: patch.gst ?? w.gst,
    stepsAfterGst: w.gst ? w.stepsAfterGst + 1 : (patch.gst ? 0 : w.stepsAfterGst),
    decisions: sc.decisions ?? w.decisions,
    afterGst: patch.afterGst !== undefined ? patch.afterGst : w.afterGst,
    disk: sc.disk ?? w.disk,
    wiped: patch.wiped ?? w.wiped,
  };
  return { world, record: { transitions: sc.transitions, sent: sc.sent, decided: sc.decided } };
}

export function findEnvelope<M>(inFlight: readonly Envelope<M>[], id: number): number {
  // inFlight is sorted by id: binary search.
  let lo = 0;
  let hi = inFlight.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = inFlight[mid]!.id;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function useBudget(w: World<unknown, unknown>, kind: Exclude<keyof FaultBudget, 'reboots'>): FaultBudget {
  if (w.used[kind] >= w.cfg.faults[kind]) {
    throw new ActionError(`${kind} budget exhausted (${w.cfg.faults[kind]})`);
  }
  return { ...w.used, [kind]: w.used[kind] + 1 };
}

function requireNode(w: World<unknown, unknown>, node: NodeId): void {
  const count = instanceCount(w.cfg);
  if (!Number.isInteger(node) || node < 0 || node >= count) {
    throw new ActionError(`no node ${node} (n=${w.cfg.n}${w.cfg.twins.length ? `, plus ${w.cfg.twins.length} twin instance(s)` : ''})`);
  }
}

function requireBeforeGst(w: World<unknown, unknown>, kind: string): void {
  if (w.gst) throw new ActionError(`${kind} is not enabled after GST: the network is synchronous`);
}

/**
 * Apply one action. Pure and total over enabled actions: the input world is never
 * changed, and an action that is not enabled throws ActionError.
 */
export function step<S, M>(protocol: Protocol<S, M>, w: World<S, M>, action: Action<M>): { world: World<S, M>; record: StepRecord<S, M> } {
  const sc = scratch(w);
  switch (action.kind) {
    case 'deliver': {
      const i = findEnvelope(w.inFlight, action.id);
      if (i < 0) throw new ActionError(`deliver: no message ${action.id} in flight`);
      const env = w.inFlight[i]!;
      if (!deliverable(w, env)) throw new ActionError(`deliver: message ${action.id} cannot reach node ${env.to} now (crashed or partitioned)`);
      const after = w.afterGst;
      if (after !== null && after.anyDelayed && after.behaviour[env.from] === 'delayed' &&
        w.inFlight.some((e) => after.behaviour[e.from] !== 'delayed' && deliverable(w, e))) {
        throw new ActionError(`deliver: message ${action.id} is from node ${env.from}, delayed after GST: every other message in flight goes first`);
      }
      const inFlight = inFlightOf(w, sc);
      inFlight.splice(i, 1);
      let byzantineDelivered = w.byzantineDelivered;
      let relayed = w.relayed;
      if (isByzantine(w.cfg, env.from) && !isByzantine(w.cfg, env.to)) {
        if (!w.gst) byzantineDelivered = [...byzantineDelivered, env];
        else {
          // Gossip after GST: what one correct node received, every correct node receives.
          const key = `${env.from}|${protocol.messageKey(env.msg)}`;
          if (!relayed.has(key)) {
            relayed = new Set(relayed).add(key);
            for (let to = 0; to < w.cfg.n; to++) {
              if (to !== env.to && !isByzantine(w.cfg, to) && !w.crashed[to]) send(w, sc, env.src, to, env.msg);
            }
          }
        }
      }
      if (action.crashAfter !== undefined) {
        const used = rebootBudget(protocol, w, env.to, 'deliver', action.crashAfter);
        runNode(protocol, w, sc, env.to, { kind: 'message', from: env.from, msg: env.msg }, undefined, action.crashAfter);
        // The message died with the node's memory: the gossip brings it again after GST (a
        // Byzantine one too: a correct node received it, so every correct node will).
        return finish(w, sc, { byzantineDelivered, relayed, used, ...goDown(w, sc, env.to, [env]) });
      }
      runNode(protocol, w, sc, env.to, { kind: 'message', from: env.from, msg: env.msg });
      return finish(w, sc, { byzantineDelivered, relayed });
    }
    case 'drop': {
      requireBeforeGst(w, 'drop');
      const i = findEnvelope(w.inFlight, action.id);
      if (i < 0) throw new ActionError(`drop: no message ${action.id} in flight`);
      const env = w.inFlight[i]!;
      // Withholding a Byzantine node's own message is free; losing a correct node's message costs budget.
      const byz = isByzantine(w.cfg, env.from);
      const used = byz ? w.used : useBudget(w, 'drops');
      inFlightOf(w, sc).splice(i, 1);
      return finish(w, sc, { used, lost: byz ? w.lost : [...w.lost, env] });
    }
    case 'duplicate': {
      requireBeforeGst(w, 'duplicate');
      const i = findEnvelope(w.inFlight, action.id);
      if (i < 0) throw new ActionError(`duplicate: no message ${action.id} in flight`);
      const used = useBudget(w, 'duplicates');
      const env = w.inFlight[i]!;
      send(w, sc, env.src, env.to, env.msg);
      return finish(w, sc, { used });
    }
    case 'fire': {
      requireNode(w, action.node);
      if (w.crashed[action.node]) throw new ActionError(`fire: node ${action.node} is crashed`);
      const i = w.timers.findIndex((t) => t.node === action.node && sameTimer(t.timer, action.timer));
      if (i < 0) throw new ActionError(`fire: node ${action.node} has no pending timer ${JSON.stringify(action.timer)}`);
      if (action.crashAfter !== undefined) {
        const used = rebootBudget(protocol, w, action.node, 'fire', action.crashAfter);
        timersOf(w, sc).splice(i, 1);
        runNode(protocol, w, sc, action.node, { kind: 'timer', timer: action.timer }, undefined, action.crashAfter);
        return finish(w, sc, { used, ...goDown(w, sc, action.node, []) });
      }
      timersOf(w, sc).splice(i, 1);
      runNode(protocol, w, sc, action.node, { kind: 'timer', timer: action.timer });
      return finish(w, sc, {});
    }
    case 'inject': {
      requireBeforeGst(w, 'inject');
      requireNode(w, action.from);
      requireNode(w, action.to);
      if (!isByzantine(w.cfg, action.from)) throw new ActionError(`inject: node ${action.from} is not Byzantine; only Byzantine nodes say what they like`);
      if (action.from === action.to) throw new ActionError(`inject: node ${action.from} sending to itself has no effect on correct nodes`);
      const used = useBudget(w, 'injections');
      send(w, sc, action.from, action.to, action.msg);
      return finish(w, sc, { used });
    }
    case 'crash': {
      requireBeforeGst(w, 'crash');
      requireNode(w, action.node);
      if (w.crashed[action.node]) throw new ActionError(`crash: node ${action.node} is already crashed`);
      const used = useBudget(w, 'crashes');
      const crashed = w.crashed.slice();
      crashed[action.node] = true;
      // Messages in flight to a crashed node are lost (resent at GST by gossip).
      const lostNow = w.inFlight.filter((e) => e.to === action.node && !isByzantine(w.cfg, e.from));
      const inFlight = w.inFlight.filter((e) => e.to !== action.node);
      return finish(w, sc, { used, crashed, inFlight, lost: lostNow.length ? [...w.lost, ...lostNow] : w.lost });
    }
    case 'restart': {
      requireBeforeGst(w, 'restart');
      requireNode(w, action.node);
      if (!w.crashed[action.node]) throw new ActionError(`restart: node ${action.node} is not crashed`);
      const crashed = w.crashed.slice();
      crashed[action.node] = false;
      if (!w.wiped[action.node]) return finish(w, sc, { crashed });
      const wiped = w.wiped.slice();
      wiped[action.node] = false;
      recoverNode(protocol, w, sc, action.node);
      return finish(w, sc, { crashed, wiped });
    }
    case 'partition': {
      requireBeforeGst(w, 'partition');
      if (w.partition !== null) throw new ActionError('partition: the network is already partitioned; heal first');
      if (action.groups.length !== instanceCount(w.cfg) || !action.groups.every((g) => Number.isInteger(g) && g >= 0)) {
        throw new ActionError(`partition: groups must give a side to each of the ${instanceCount(w.cfg)} node instances, got ${JSON.stringify(action.groups)}`);
      }
      const used = useBudget(w, 'partitions');
      return finish(w, sc, { used, partition: action.groups.slice() });
    }
    case 'heal': {
      requireBeforeGst(w, 'heal');
      if (w.partition === null) throw new ActionError('heal: the network is not partitioned');
      return finish(w, sc, { partition: null });
    }
    case 'event': {
      requireBeforeGst(w, 'event');
      requireNode(w, action.node);
      if (!protocol.events || !protocol.onEvent) throw new ActionError(`event: protocol ${protocol.name} has no environment events`);
      if (w.crashed[action.node]) throw new ActionError(`event: node ${action.node} is crashed`);
      const enabled = protocol.events(w.states[action.node]!, w.cfg);
      if (!enabled.includes(action.event)) throw new ActionError(`event: ${action.event} is not enabled at node ${action.node}`);
      runNode(protocol, w, sc, action.node, { kind: 'event', event: action.event });
      return finish(w, sc, {});
    }
    case 'gst': {
      requireBeforeGst(w, 'gst');
      const err = gstChoiceError(w.cfg, action);
      if (err !== undefined) throw new ActionError(`gst: ${err}`);
      const after = compileAfterGst(w.cfg, action);
      // Correct nodes outside the core stay down (cut off): nothing is sent to them from now on.
      const cut = (to: number) => after !== null && after.core !== null && !after.core[to] && isCorrect(w.cfg, to);
      if (after !== null) {
        // What a Byzantine node had in flight obeys its behaviour from now on; nothing reaches the cut-off nodes.
        sc.inFlight = w.inFlight.filter((e) => !cut(e.to) && !withheld(w, after, e));
      }
      // Gossip (paper, section 2): after GST every message a correct process sent, and every
      // message some correct process received, reaches every correct process.
      for (const e of w.lost) if (!cut(e.to)) send(w, sc, e.src, e.to, e.msg);
      const key = (e: Envelope<M>) => `${e.from}|${protocol.messageKey(e.msg)}`;
      const relayed = new Set<string>(w.relayed);
      const received = new Set(w.byzantineDelivered.map((e) => `${key(e)}|${e.to}`));
      for (const e of w.byzantineDelivered) {
        const k = key(e);
        if (relayed.has(k)) continue;
        relayed.add(k);
        for (let to = 0; to < w.cfg.n; to++) {
          if (!isByzantine(w.cfg, to) && !received.has(`${k}|${to}`) && !cut(to)) send(w, sc, e.src, to, e.msg);
        }
      }
      // Rebooted nodes come back from their disks (after the resends: their own messages follow).
      for (let node = 0; node < w.wiped.length; node++) if (w.wiped[node]) recoverNode(protocol, w, sc, node);
      return finish(w, sc, {
        gst: true,
        partition: null,
        crashed: w.crashed.map((_c, i) => cut(i)),
        wiped: w.wiped.includes(true) ? w.wiped.map(() => false) : w.wiped,
        lost: [],
        byzantineDelivered: [],
        relayed,
        afterGst: after,
      });
    }
    case 'reboot': {
      requireNode(w, action.node);
      const used = rebootBudget(protocol, w, action.node, 'reboot', undefined);
      if (w.crashed[action.node]) throw new ActionError(`reboot: node ${action.node} is already crashed`);
      return finish(w, sc, { used, ...goDown(w, sc, action.node, []) });
    }
    default:
      return assertNever(action);
  }
}

/** Does a Byzantine node's behaviour withhold this envelope of its own after GST (silent, or selective and not to this node)? */
function withheld<S, M>(w: World<S, M>, after: AfterGstState, e: Envelope<M>): boolean {
  const b = after.behaviour[e.from];
  if (b === undefined || typeof b === 'string') return b === 'silent';
  return isCorrect(w.cfg, e.to) && !b.selective.includes(e.to);
}

/**
 * Crash-recovery: is a reboot of `node` (alone, or after `crashAfter` effects of a call)
 * enabled? Returns the budget used after it. Only correct nodes of a protocol that declares
 * `recover`, before GST, within the reboot budget.
 */
function rebootBudget<S, M>(protocol: Protocol<S, M>, w: World<S, M>, node: NodeId, kind: string, crashAfter: number | undefined): FaultBudget {
  requireBeforeGst(w, kind === 'reboot' ? 'reboot' : `${kind} with crashAfter`);
  if (!protocol.recover) throw new ActionError(`${kind}: protocol ${protocol.name} declares no durable state (recover), so its nodes cannot reboot`);
  if (isByzantine(w.cfg, node)) throw new ActionError(`${kind}: node ${node} is Byzantine; only correct nodes reboot`);
  if (crashAfter !== undefined && !(Number.isInteger(crashAfter) && crashAfter >= 0)) throw new ActionError(`${kind}: crashAfter must be a non-negative integer, got ${crashAfter}`);
  const budget = w.cfg.faults.reboots ?? 0;
  const used = w.used.reboots ?? 0;
  if (used >= budget) throw new ActionError(`reboots budget exhausted (${budget})`);
  return { ...w.used, reboots: used + 1 };
}

/** The node goes down with its memory: its timers are lost, messages in flight to it too (with `dead`, resent at GST). */
function goDown<S, M>(w: World<S, M>, sc: Scratch<S, M>, node: NodeId, dead: readonly Envelope<M>[]): Partial<World<S, M>> {
  const crashed = w.crashed.slice();
  crashed[node] = true;
  const wiped = w.wiped.slice();
  wiped[node] = true;
  sc.timers = timersOf(w, sc).filter((t) => t.node !== node);
  const inFlight = inFlightOf(w, sc);
  const lostNow = [...dead, ...inFlight.filter((e) => e.to === node && !isByzantine(w.cfg, e.from))];
  sc.inFlight = inFlight.filter((e) => e.to !== node);
  return { crashed, wiped, lost: lostNow.length ? [...w.lost, ...lostNow] : w.lost };
}

/** A rebooted node restarts: the protocol rebuilds it from its disk (a reducer call with input `recover`). */
function recoverNode<S, M>(protocol: Protocol<S, M>, w: World<S, M>, sc: Scratch<S, M>, node: NodeId): void {
  const decided = (sc.decisions ?? w.decisions)[node]!;
  const st = protocol.recover!(identityOf(w.cfg, node), w.cfg, { durable: (sc.disk ?? w.disk)[node], decided });
  runNode(protocol, w, sc, node, { kind: 'recover' }, st);
}

export function assertNever(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}

