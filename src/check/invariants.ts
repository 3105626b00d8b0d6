import type { ClusterConfig, NodeId, Protocol } from '../core/types.ts';
import type { StepRecord } from '../sim/step.ts';
import { faultOf } from './guard.ts';
import { type World, allCorrectDecided, describeTimer, isByzantine } from '../sim/world.ts';

/** A broken invariant, with where it broke. */
export interface Violation {
  /** The invariant's name: properties, fixtures and the CLI refer to it by this. */
  readonly invariant: string;
  /** Index of the action (0-based) after which it was detected; -1 for init. */
  readonly step: number;
  readonly node?: NodeId;
  readonly detail: string;
}

/** The generic invariants every protocol gets, by name, with what they mean. */
export const GENERIC_INVARIANTS: Readonly<Record<string, string>> = {
  agreement: 'no two correct nodes decide different values at one height',
  validity: 'a correct node decides only values that satisfy valid(v)',
  integrity: 'a correct node decides at most once per height',
  'no-equivocation': 'no correct node sends two different votes of one type in one round/view',
  termination: 'after GST every correct node decides all target heights within the step bound (protocols without decisions: the network goes quiescent)',
  exception: 'no protocol function (reducer, view, invariant, Byzantine vocabulary, events) throws',
};

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

/**
 * Checks every invariant after every step. Holds the little history the invariants
 * need (the votes correct nodes cast); one instance per run.
 */
export class Checker<S, M> {
  private readonly votes = new Map<string, string>();
  /** Names of the protocol's witnesses seen so far in this run. */
  readonly witnessed = new Set<string>();

  constructor(
    private readonly protocol: Protocol<S, M>,
    private readonly cfg: ClusterConfig,
  ) {}

  afterStep(w: World<S, M>, record: StepRecord<S, M>, stepIndex: number): Violation | undefined {
    const { cfg, protocol } = this;
    const witnesses = protocol.witnesses;
    for (const t of record.transitions) {
      if (isByzantine(cfg, t.node)) continue;
      // Protocol code: a throw is a finding named by the check that threw. One try around each
      // loop, not a guard around every check (guard.ts): these run many times per step.
      let current = '';
      try {
        if (witnesses !== undefined) {
          for (const wit of witnesses) {
            current = `witness ${wit.name}`;
            if (!this.witnessed.has(wit.name) && wit.seen(t, cfg)) this.witnessed.add(wit.name);
          }
        }
        for (const inv of protocol.invariants) {
          current = `invariant ${inv.name}`;
          const bad = inv.check(t, cfg);
          if (bad !== undefined) return { invariant: inv.name, step: stepIndex, node: t.node, detail: bad };
        }
      } catch (e) {
        throw faultOf(current, e);
      }
      for (const e of t.effects) {
        if (e.kind !== 'send' && e.kind !== 'broadcast') continue;
        const vote = protocol.voteSlot(t.node, e.msg);
        if (vote === undefined) continue;
        const prior = this.votes.get(vote.slot);
        if (prior === undefined) this.votes.set(vote.slot, vote.value);
        else if (prior !== vote.value) {
          return {
            invariant: 'no-equivocation',
            step: stepIndex,
            node: t.node,
            detail: `node ${t.node} voted ${JSON.stringify(prior)} and then ${JSON.stringify(vote.value)} in slot ${vote.slot}`,
          };
        }
      }
    }
    for (const inv of protocol.worldInvariants ?? []) {
      const bad = inv.check(w);
      if (bad !== undefined) return { invariant: inv.name, step: stepIndex, detail: bad };
    }
    for (const d of record.decided) {
      if (isByzantine(cfg, d.node)) continue;
      if (d.previous !== undefined) {
        return {
          invariant: 'integrity',
          step: stepIndex,
          node: d.node,
          detail: `node ${d.node} decided twice at height ${d.height}: ${JSON.stringify(d.previous)} then ${JSON.stringify(d.value)}`,
        };
      }
      if (!protocol.isValidValue(d.value)) {
        return { invariant: 'validity', step: stepIndex, node: d.node, detail: `node ${d.node} decided invalid value ${JSON.stringify(d.value)} at height ${d.height}` };
      }
      for (let other = 0; other < cfg.n; other++) {
        if (other === d.node || isByzantine(cfg, other)) continue;
        const theirs = w.decisions[other]![d.height];
        if (theirs !== undefined && theirs !== d.value) {
          return {
            invariant: 'agreement',
            step: stepIndex,
            node: d.node,
            detail: `height ${d.height}: node ${d.node} decided ${JSON.stringify(d.value)} but node ${other} decided ${JSON.stringify(theirs)}`,
          };
        }
      }
    }
    return undefined;
  }

  /** Termination: checked when the post-GST run ends (quiescent or out of step budget). */
  atEnd(w: World<S, M>, stepIndex: number): Violation | undefined {
    if (!w.gst) return undefined;
    for (const inv of this.protocol.finalInvariants ?? []) {
      const correct = w.states.filter((_s, i) => !isByzantine(w.cfg, i));
      const bad = inv.check(correct, w.cfg);
      if (bad !== undefined) return { invariant: inv.name, step: stepIndex, detail: bad };
    }
    if (this.protocol.decides === false) {
      if (w.inFlight.length > 0 || w.timers.length > 0) {
        return { invariant: 'termination', step: stepIndex, detail: `not quiescent after ${w.stepsAfterGst} post-GST steps (bound ${w.cfg.gstStepBound})` };
      }
      return undefined;
    }
    if (allCorrectDecided(w)) return undefined;
    // Say why, node by node: where it is stuck (height, round, step, lock) and what could still
    // move it (messages on the way to it, its pending timers), so the story is in the message.
    const missing: string[] = [];
    for (let i = 0; i < w.cfg.n; i++) {
      if (isByzantine(w.cfg, i)) continue;
      const got = w.decisions[i]!.filter((v) => v !== undefined).length;
      if (got >= w.cfg.heights) continue;
      const v = this.protocol.view(w.states[i]!);
      const inbox = w.inFlight.filter((e) => e.to === i).length;
      const timers = w.timers.filter((t) => t.node === i).map((t) => describeTimer(t.timer));
      missing.push(`node ${i} decided ${got}/${w.cfg.heights} (at h${v.height} r${v.round} ${v.step}, lock ${v.lock}; ` +
        `${inbox} message(s) to it in flight, ${timers.length ? `timers ${timers.join(', ')}` : 'no timer pending'}${w.crashed[i] ? ', crashed' : ''})`);
    }
    const why = w.stepsAfterGst >= w.cfg.gstStepBound ? `still undecided after ${w.stepsAfterGst} post-GST steps (bound ${w.cfg.gstStepBound})` : `quiescent after ${w.stepsAfterGst} post-GST steps`;
    return { invariant: 'termination', step: stepIndex, detail: `${why}: ${missing.join('; ')}` };
  }
}
