/**
 * The generic properties every deciding protocol gets (agreement, validity, integrity,
 * no-equivocation, termination), written in the same public forms a user writes
 * (core/define.ts: `transition`, `eventually`), over what the protocol declares: its
 * decisions (decide effects), valid(v), its vote slots and its view. Nothing here knows a
 * protocol's arithmetic: each property reads effects and the cluster, never the reducer.
 */
import type { ClusterConfig, Culprit, FinalView, NodeId, NodeView, Protocol, SignedMessage, StuckView, VoteSlot } from '../core/types.ts';
import { type Property, eventually, transition } from '../core/define.ts';
import { type World, allCorrectDecided, cutOff, describeTimer, isByzantine, mustDecide } from '../sim/world.ts';

/** The generic property names, with what they mean (`list` prints these). */
export const GENERIC_INVARIANTS: Readonly<Record<string, string>> = {
  agreement: 'no two correct nodes decide different values at one height',
  validity: 'a correct node decides only values that satisfy valid(v)',
  integrity: 'a correct node decides at most once per height',
  'no-equivocation': 'no correct node sends two different votes of one type in one round/view',
  accountability: 'with more than f Byzantine nodes (a config that says so): when two correct nodes decide differently, at least f+1 nodes are proven faulty by messages correct nodes received, and none of them is correct',
  termination: 'after GST every correct node decides all target heights within the step bound (protocols without decisions: the network goes quiescent)',
  exception: 'no protocol function (reducer, view, invariant, Byzantine vocabulary, events) throws',
};

/** A correct node never casts two different votes in one slot (the slot is the protocol's: voteSlot). */
export function noEquivocation<S, M>(voteSlot: (from: number, msg: M) => VoteSlot | undefined): Property<S, M> {
  return transition('no-equivocation', GENERIC_INVARIANTS['no-equivocation']!, (t, _cfg, ctx) => {
    for (const e of t.effects) {
      if (e.kind !== 'send' && e.kind !== 'broadcast') continue;
      const vote = voteSlot(t.node, e.msg);
      if (vote === undefined) continue;
      const prior = ctx.first(vote.slot, vote.value);
      if (prior !== undefined && prior !== vote.value) {
        return `node ${t.node} voted ${JSON.stringify(prior)} and then ${JSON.stringify(vote.value)} in slot ${vote.slot}`;
      }
    }
    return undefined;
  });
}

/** A correct node decides at most once per height (a second decide, even of the same value, breaks it). */
export function integrity<S, M>(): Property<S, M> {
  return transition('integrity', GENERIC_INVARIANTS['integrity']!, (t, _cfg, ctx) => {
    let seen: Map<number, string> | undefined;
    for (const e of t.effects) {
      if (e.kind !== 'decide') continue;
      const prior = seen?.get(e.height) ?? ctx.decidedBefore(t.node, e.height);
      if (prior !== undefined) return `node ${t.node} decided twice at height ${e.height}: ${JSON.stringify(prior)} then ${JSON.stringify(e.value)}`;
      (seen ??= new Map()).set(e.height, e.value);
    }
    return undefined;
  });
}

/** A correct node decides only values that satisfy valid(v). */
export function validity<S, M>(isValidValue: (value: string) => boolean): Property<S, M> {
  return transition('validity', GENERIC_INVARIANTS['validity']!, (t) => {
    for (const e of t.effects) {
      if (e.kind === 'decide' && !isValidValue(e.value)) return `node ${t.node} decided invalid value ${JSON.stringify(e.value)} at height ${e.height}`;
    }
    return undefined;
  });
}

/** More Byzantine nodes than the protocol tolerates: agreement is not promised, accountability is. */
export function beyondF(cfg: ClusterConfig): boolean {
  return cfg.byzantine.length > cfg.f;
}

/** The first decision at `height` of another correct node that differs from `value`, as [node, value]. */
function conflicting(cfg: ClusterConfig, decisions: readonly (readonly (string | undefined)[])[], self: NodeId, height: number, value: string): [NodeId, string] | undefined {
  for (let other = 0; other < cfg.n; other++) {
    if (other === self || isByzantine(cfg, other)) continue;
    const theirs = decisions[other]![height];
    if (theirs !== undefined && theirs !== value) return [other, theirs];
  }
  return undefined;
}

/**
 * No two correct nodes decide different values at one height: each decision against every
 * other correct node's. Beyond f Byzantine nodes it is not promised (accountability is).
 */
export function agreement<S, M>(): Property<S, M> {
  return transition('agreement', GENERIC_INVARIANTS['agreement']!, (t, cfg, ctx) => {
    if (beyondF(cfg)) return undefined;
    for (const e of t.effects) {
      if (e.kind !== 'decide') continue;
      const other = conflicting(cfg, ctx.world.decisions, t.node, e.height, e.value);
      if (other !== undefined) return forkText(t.node, e.height, e.value, other);
    }
    return undefined;
  });
}

function forkText(node: NodeId, height: number, value: string, [other, theirs]: [NodeId, string]): string {
  return `height ${height}: node ${node} decided ${JSON.stringify(value)} but node ${other} decided ${JSON.stringify(theirs)}`;
}

/**
 * Who is proven faulty by the messages correct nodes received: every signer of two different
 * values in one vote slot (equivocation, found through the protocol's voteSlot), and whatever
 * the protocol's own evidence finds (e.g. Tendermint's amnesia). One entry per node, the first
 * proof found; in node order.
 */
export function culprits<M>(
  p: { voteSlot(from: NodeId, msg: M): VoteSlot | undefined; describe(msg: M): string; evidence?(received: readonly SignedMessage<M>[], cfg: ClusterConfig): readonly Culprit[] },
  received: readonly SignedMessage<M>[],
  cfg: ClusterConfig,
): Culprit[] {
  const found = new Map<NodeId, Culprit>();
  const firstVote = new Map<string, SignedMessage<M> & { value: string }>();
  for (const r of received) {
    if (found.has(r.from)) continue;
    const vote = p.voteSlot(r.from, r.msg);
    if (vote === undefined) continue;
    const prior = firstVote.get(vote.slot);
    if (prior === undefined) firstVote.set(vote.slot, { ...r, value: vote.value });
    else if (prior.value !== vote.value) {
      found.set(r.from, {
        node: r.from,
        kind: 'equivocation',
        evidence: `signed ${p.describe(prior.msg)} (received by node ${prior.to}) and ${p.describe(r.msg)} (received by node ${r.to}), one slot ${vote.slot}`,
      });
    }
  }
  for (const c of p.evidence?.(received, cfg) ?? []) if (!found.has(c.node)) found.set(c.node, c);
  return [...found.values()].sort((a, b) => a.node - b.node);
}

/**
 * Accountability (Tendermint's fork accountability; the Quint spec's `accountability` on
 * n4_f2, informalsystems/tendermint-spec tendermint.qnt): with more than f Byzantine nodes
 * agreement may break, but then at least f+1 nodes are proven faulty by signed messages that
 * correct nodes received, and no correct node is among them. Checked at each decision that
 * conflicts with another correct node's.
 */
export function accountability<S, M>(p: Parameters<typeof culprits<M>>[0]): Property<S, M> {
  return transition('accountability', GENERIC_INVARIANTS['accountability']!, (t, cfg, ctx) => {
    if (!beyondF(cfg)) return undefined;
    for (const e of t.effects) {
      if (e.kind !== 'decide') continue;
      const other = conflicting(cfg, ctx.world.decisions, t.node, e.height, e.value);
      if (other === undefined) continue;
      const found = culprits(p, ctx.received(), cfg);
      const wrong = found.filter((c) => !isByzantine(cfg, c.node));
      const proven = found.filter((c) => isByzantine(cfg, c.node));
      const fork = forkText(t.node, e.height, e.value, other);
      const list = (cs: Culprit[]) => cs.map((c) => `node ${c.node} (${c.kind}: ${c.evidence})`).join('; ');
      if (wrong.length > 0) return `${fork}; correct node(s) proven faulty: ${list(wrong)}`;
      if (proven.length < cfg.f + 1) {
        return `${fork}; only ${proven.length} of the f+1 = ${cfg.f + 1} culprits needed are proven${proven.length ? `: ${list(proven)}` : ''}`;
      }
    }
    return undefined;
  });
}

/**
 * After GST every correct node decides every target height within the step bound (for a
 * protocol without decisions: the cluster goes quiescent). A failure says, node by node,
 * where it is stuck (the protocol's view) and what could still move it (messages on the way
 * to it, pending timers); with the protocol's `waitingFor`, also what each stuck node waits
 * for and from whom, after a "   · " mark: that part is commentary on the run, which the
 * replay fingerprint leaves out (trace/explain.ts strips a "   · " suffix, as for rule tags),
 * so stories can be improved without changing any fixture's fingerprint.
 */
export function termination<S, M>(view: (state: S) => NodeView, decides = true, waitingFor?: Protocol<S, M>['waitingFor']): Property<S, M> {
  return eventually('termination', GENERIC_INVARIANTS['termination']!, (_states, cfg: ClusterConfig, w) => {
    // Liveness is promised with at most f faulty nodes only.
    if (beyondF(cfg)) return undefined;
    if (!decides) {
      if (w.inFlight.length > 0 || w.timers.length > 0) return `not quiescent after ${w.stepsAfterGst} post-GST steps (bound ${cfg.gstStepBound})`;
      return undefined;
    }
    // The harness hands the simulator's world here (a FinalView is a view of it). Termination is
    // owed by the nodes that must decide: every correct node, or the core chosen at GST.
    const world = w as unknown as World<S, M>;
    if (allCorrectDecided(world)) return undefined;
    const missing: string[] = [];
    const waits: string[] = [];
    for (let i = 0; i < cfg.n; i++) {
      if (!mustDecide(world, i)) continue;
      const got = w.decisions[i]!.filter((v) => v !== undefined).length;
      if (got >= cfg.heights) continue;
      const v = view(w.states[i]!);
      const inbox = w.inFlight.filter((e) => e.to === i).length;
      const timers = w.timers.filter((t) => t.node === i).map((t) => describeTimer(t.timer as never));
      missing.push(`node ${i} decided ${got}/${cfg.heights} (at h${v.height} r${v.round} ${v.step}, lock ${v.lock}; ` +
        `${inbox} message(s) to it in flight, ${timers.length ? `timers ${timers.join(', ')}` : 'no timer pending'}${w.crashed[i] ? ', crashed' : ''})`);
      if (waitingFor !== undefined) waits.push(`node ${i} ${waitingOf(waitingFor, world, w, i)}`);
    }
    const why = w.stepsAfterGst >= cfg.gstStepBound ? `still undecided after ${w.stepsAfterGst} post-GST steps (bound ${cfg.gstStepBound})` : `quiescent after ${w.stepsAfterGst} post-GST steps`;
    return `${why}: ${missing.join('; ')}${waits.length ? `   · ${waits.join(' · ')}` : ''}`;
  });
}

/** Why a node may not send, as stories name it (StuckView.standing). */
function standingOf<S, M>(world: World<S, M>, other: NodeId): string | undefined {
  const cfg = world.cfg;
  if (other < 0 || other >= cfg.n) return undefined;
  if (isByzantine(cfg, other)) {
    const b = world.afterGst?.behaviour[other];
    const how = b === undefined ? 'honest' : typeof b === 'string' ? b : `sends only to ${b.selective.length ? `node(s) ${b.selective.join(', ')}` : 'nobody'}`;
    return `Byzantine, ${how} after GST`;
  }
  // A node left out of the core is cut off (the simulator keeps it down): say why, not how.
  if (world.gst && cutOff(world, other)) return 'cut off after GST';
  if (world.crashed[other]) return world.wiped[other] ? 'rebooting' : 'crashed';
  return undefined;
}

/** The stuck node's sentence from the protocol's waitingFor; a story that throws does not change the verdict. */
function waitingOf<S, M>(waitingFor: NonNullable<Protocol<S, M>['waitingFor']>, world: World<S, M>, final: FinalView<S, M>, node: NodeId): string {
  const standing = (other: NodeId) => standingOf(world, other);
  const who = (other: NodeId) => {
    const st = standing(other);
    return `node ${other}${st === undefined ? '' : ` (${st})`}`;
  };
  const stuck: StuckView<S, M> = {
    ...final,
    node,
    standing,
    who,
    senders(have, expected) {
      const got = [...new Set(have)].sort((a, b) => a - b);
      const none = [...new Set(expected)].filter((x) => !got.includes(x)).sort((a, b) => a - b);
      const from = got.length === 0 ? 'from nobody' : `from node${got.length > 1 ? 's' : ''} ${got.join(', ')}`;
      return none.length === 0 ? from : `${from}; none from ${none.map(who).join(', ')}`;
    },
  };
  try {
    return waitingFor(final.states[node]!, final.cfg, stuck) ?? 'waits for nothing the protocol can name';
  } catch (e) {
    // The harness's guard already names the function that threw ("waitingFor threw ...").
    return `(story failed: ${e instanceof Error ? e.message : String(e)})`;
  }
}

/**
 * The generic properties of a protocol, in the order they are checked after its own:
 * per reducer call no-equivocation, integrity, validity, agreement (accountability instead
 * beyond f Byzantine nodes); at the end termination.
 */
export function genericProperties<S, M>(p: Pick<Protocol<S, M>, 'voteSlot' | 'isValidValue' | 'view' | 'decides' | 'describe' | 'evidence' | 'waitingFor'>): Property<S, M>[] {
  return [
    noEquivocation<S, M>((from, msg) => p.voteSlot(from, msg)),
    integrity<S, M>(),
    validity<S, M>((v) => p.isValidValue(v)),
    agreement<S, M>(),
    accountability<S, M>(p),
    termination<S, M>((s) => p.view(s), p.decides !== false, p.waitingFor ? (s, cfg, stuck) => p.waitingFor!(s, cfg, stuck) : undefined),
  ];
}
