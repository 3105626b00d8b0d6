import type { ClusterConfig, FinalInvariant, NodeId, Protocol, SignedMessage, StepContext, TransitionInvariant, Witness, WorldView } from '../core/types.ts';
import type { StepRecord } from '../sim/step.ts';
import { compileProperties } from '../core/define.ts';
import { faultOf } from './guard.ts';
import { GENERIC_INVARIANTS, beyondF, genericProperties } from './generic.ts';
import { type World, isByzantine, mustDecide } from '../sim/world.ts';

export { GENERIC_INVARIANTS };

/** A broken invariant, with where it broke. */
export interface Violation {
  /** The invariant's name: properties, fixtures and the CLI refer to it by this. */
  readonly invariant: string;
  /** Index of the action (0-based) after which it was detected; -1 for init. */
  readonly step: number;
  readonly node?: NodeId;
  readonly detail: string;
}

/** Every invariant name a protocol can report: generic, per transition, whole world, at the end. */
export function invariantNames(protocol: Protocol<unknown, unknown>): { name: string; when: 'step' | 'end' }[] {
  return [
    ...Object.keys(GENERIC_INVARIANTS).map((name) => ({ name, when: 'step' as const })),
    ...protocol.invariants.map((i) => ({ name: i.name, when: 'step' as const })),
    ...(protocol.worldInvariants ?? []).map((i) => ({ name: i.name, when: 'step' as const })),
    ...(protocol.finalInvariants ?? []).map((i) => ({ name: i.name, when: 'end' as const })),
  ];
}

/**
 * What "the same failure" means while shrinking and deduplicating: the invariant, and for
 * an exception also which function threw what kind of error (not the message's numbers).
 */
export function violationKey(v: Violation): string {
  if (v.invariant !== 'exception') return v.invariant;
  const m = /^(.*? threw \w+)/.exec(v.detail);
  return `exception: ${m ? m[1] : v.detail}`;
}

/** A protocol's generic properties, compiled once per protocol object (a Checker is made per run). */
const genericCache = new WeakMap<object, { invariants: TransitionInvariant<unknown, unknown>[]; finals: FinalInvariant<unknown, unknown>[] }>();

function genericOf<S, M>(p: Protocol<S, M>): { invariants: TransitionInvariant<S, M>[]; finals: FinalInvariant<S, M>[] } {
  let hit = genericCache.get(p);
  if (hit === undefined) {
    const c = compileProperties(genericProperties(p));
    hit = { invariants: c.invariants as TransitionInvariant<unknown, unknown>[], finals: c.finalInvariants as FinalInvariant<unknown, unknown>[] };
    genericCache.set(p, hit);
  }
  return hit as unknown as { invariants: TransitionInvariant<S, M>[]; finals: FinalInvariant<S, M>[] };
}

const NO_DECISIONS: readonly (string | undefined)[] = [];
const NO_MESSAGES: readonly SignedMessage<never>[] = [];

/**
 * Checks every property after every step: the protocol's transition properties, then the
 * generic ones (check/generic.ts), per reducer call of a correct node; then the protocol's
 * world properties. Holds the run's memory (StepContext.first: the first vote each correct
 * node cast in each slot, for no-equivocation) and serves as the StepContext of every check.
 * One instance per run.
 */
export class Checker<S, M> implements StepContext<S, M> {
  /**
   * The run's memory (key -> first value). No-equivocation keys are the protocol's vote slots
   * as they are (the exhaustive search reads them as the run's history); other properties'
   * keys are prefixed with the property's name.
   */
  private readonly votes = new Map<string, string>();
  /** Names of the protocol's witnesses seen so far in this run. */
  readonly witnessed = new Set<string>();
  /** The protocol's witnesses not seen yet in this run. */
  private readonly pending: Witness<S, M>[];
  private readonly checks: readonly TransitionInvariant<S, M>[];
  /** How many of `checks` are the protocol's own (the rest are generic). */
  private readonly own: number;
  /** Memory key prefix of each check (its name; none for no-equivocation, whose keys are vote slots). */
  private readonly prefixes: readonly string[];
  private readonly finals: readonly FinalInvariant<S, M>[];
  /** During afterStep: the world after the step, and what decisions looked like before it. */
  world!: WorldView<S, M>;
  private keyPrefix = '';
  /** Decisions first set in this step ("node|height"), and those made by calls already checked. */
  private setInStep: Set<string> | null = null;
  private madeInStep: Map<string, string> | null = null;
  /** Beyond f Byzantine nodes only: every message a correct node received (accountability's evidence). */
  private readonly log: SignedMessage<M>[] | null;

  /**
   * `witnesses: false` leaves the protocol's rule witnesses out (the exhaustive search never
   * reports them: its witnesses never seen would otherwise run on every call of the search).
   */
  constructor(
    private readonly protocol: Protocol<S, M>,
    private readonly cfg: ClusterConfig,
    options: { readonly witnesses?: boolean } = {},
  ) {
    const generic = genericOf(protocol);
    this.checks = [...protocol.invariants, ...generic.invariants];
    this.own = protocol.invariants.length;
    this.prefixes = this.checks.map((c) => (c.name === 'no-equivocation' ? '' : `${c.name}\u0000`));
    this.finals = [...(protocol.finalInvariants ?? []), ...generic.finals];
    this.log = beyondF(cfg) ? [] : null;
    this.pending = options.witnesses === false ? [] : [...(protocol.witnesses ?? [])];
  }

  received(): readonly SignedMessage<M>[] {
    return this.log ?? NO_MESSAGES;
  }

  decidedBefore(node: NodeId, height: number): string | undefined {
    const key = `${node}|${height}`;
    const made = this.madeInStep?.get(key);
    if (made !== undefined) return made;
    if (this.setInStep?.has(key)) return undefined;
    return (this.world.decisions[node] ?? NO_DECISIONS)[height];
  }

  first(key: string, value: string): string | undefined {
    const k = this.keyPrefix + key;
    const prior = this.votes.get(k);
    if (prior === undefined) this.votes.set(k, value);
    return prior;
  }

  afterStep(w: World<S, M>, record: StepRecord<S, M>, stepIndex: number): Violation | undefined {
    const { cfg, protocol, checks } = this;
    this.world = w;
    if (record.decided.length > 0) {
      this.setInStep = new Set(record.decided.filter((d) => d.previous === undefined).map((d) => `${d.node}|${d.height}`));
      this.madeInStep = new Map();
    } else {
      this.setInStep = null;
      this.madeInStep = null;
    }
    for (const t of record.transitions) {
      if (this.log !== null && t.input.kind === 'message' && !isByzantine(cfg, t.node)) this.log.push({ from: t.input.from, to: t.node, msg: t.input.msg });
      if (!isByzantine(cfg, t.node)) {
        // A restart (crash-recovery) rebuilds a node from its disk: no rule of the protocol ran, so
        // its own checks and witnesses skip the call; the generic ones (no-equivocation across
        // restarts, integrity) still judge what it resends and decides.
        const restart = t.input.kind === 'recover';
        // Protocol code: a throw is a finding named by the check that threw. One try around each
        // loop, not a guard around every check (guard.ts): these run many times per step.
        let current = '';
        let kind = 'witness';
        try {
          // Only the witnesses not yet seen in this run (most are seen early: the rest run on every call).
          const pending = this.pending;
          for (let k = 0; k < pending.length && !restart; k++) {
            const wit = pending[k]!;
            current = wit.name;
            if (wit.seen(t, cfg)) {
              this.witnessed.add(wit.name);
              pending.splice(k--, 1);
            }
          }
          kind = 'invariant';
          for (let c = restart ? this.own : 0; c < checks.length; c++) {
            const inv = checks[c]!;
            current = inv.name;
            this.keyPrefix = this.prefixes[c]!;
            const bad = inv.check(t, cfg, this);
            if (bad !== undefined) return { invariant: inv.name, step: stepIndex, node: t.node, detail: bad };
          }
        } catch (e) {
          throw faultOf(`${kind} ${current}`, e);
        }
      }
      if (this.madeInStep !== null) {
        for (const e of t.effects) {
          if (e.kind === 'decide' && !this.madeInStep.has(`${t.node}|${e.height}`)) this.madeInStep.set(`${t.node}|${e.height}`, e.value);
        }
      }
    }
    for (const inv of protocol.worldInvariants ?? []) {
      const bad = inv.check(w);
      if (bad !== undefined) return { invariant: inv.name, step: stepIndex, detail: bad };
    }
    return undefined;
  }

  /** The end of a run that reached GST: the protocol's `eventually` properties, then termination. */
  atEnd(w: World<S, M>, stepIndex: number): Violation | undefined {
    if (!w.gst) return undefined;
    // Liveness is owed by the correct nodes, or by the core chosen at GST (the others stay cut off).
    const correct = w.states.filter((_s, i) => mustDecide(w, i));
    for (const inv of this.finals) {
      const bad = inv.check(correct, w.cfg, w);
      if (bad !== undefined) return { invariant: inv.name, step: stepIndex, detail: bad };
    }
    return undefined;
  }
}
