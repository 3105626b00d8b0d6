import { match } from 'ts-pattern';
import { sha256Hex } from '../core/hash.ts';
import type { ClusterConfig, NodeView, Protocol, Transition } from '../core/types.ts';
import type { Action, AfterGst } from '../sim/actions.ts';
import { type World, describeTimer, isByzantine } from '../sim/world.ts';
import type { StepRecord } from '../sim/step.ts';
import { type RunResult, runActions } from '../check/execute.ts';

/** One line per action: what the adversary did, in words. */
export function describeAction<S, M>(protocol: Protocol<S, M>, w: World<S, M>, a: Action<M>): string {
  const env = (id: number) => {
    const e = w.inFlight.find((x) => x.id === id);
    return e === undefined ? `#${id}` : `#${id} ${e.from}->${e.to} ${protocol.describe(e.msg)}`;
  };
  // Crash-recovery: a delivery or timer with a crash inside the reducer call.
  const cut = (x: { crashAfter?: number }) => (x.crashAfter === undefined ? '' : `; node CRASHES after ${x.crashAfter} effect(s), memory lost`);
  return match(a as Action<M>)
    .with({ kind: 'deliver' }, (x) => `deliver   ${env(x.id)}${cut(x)}`)
    .with({ kind: 'drop' }, (x) => `DROP      ${env(x.id)}`)
    .with({ kind: 'duplicate' }, (x) => `DUPLICATE ${env(x.id)}`)
    .with({ kind: 'fire' }, (x) => `timer     node ${x.node}: ${describeTimer(x.timer)}${cut(x)}`)
    .with({ kind: 'inject' }, (x) => `BYZANTINE node ${x.from} -> ${x.to}: ${protocol.describe(x.msg)}`)
    .with({ kind: 'crash' }, (x) => `CRASH     node ${x.node}`)
    .with({ kind: 'restart' }, (x) => `RESTART   node ${x.node}`)
    .with({ kind: 'partition' }, (x) => `PARTITION ${sides(x.groups)}`)
    .with({ kind: 'heal' }, () => 'HEAL      the partition')
    .with({ kind: 'event' }, (x) => `event     node ${x.node}: ${x.event}`)
    .with({ kind: 'gst' }, (x) => `GST       network turns synchronous: heal, restart, resend lost messages${afterGstWords(x)}`)
    .with({ kind: 'reboot' }, (x) => `REBOOT    node ${x.node}: crashes, loses its memory and timers (restarts from its disk)`)
    .exhaustive();
}

/** The GST action's choices in words: each Byzantine node's behaviour from now on, and the core. */
export function afterGstWords(a: { readonly byzantine?: Readonly<Record<string, AfterGst>>; readonly core?: readonly number[] }): string {
  const parts = Object.entries(a.byzantine ?? {}).map(([node, b]) =>
    `node ${node} ${typeof b === 'string' ? b.toUpperCase() : `SELECTIVE (reaches only {${b.selective.join(',')}})`}`);
  const byz = parts.length > 0 ? `; Byzantine from now on: ${parts.join(', ')}` : '';
  const core = a.core !== undefined ? `; CORE {${a.core.join(',')}} must decide, the other correct nodes stay cut off` : '';
  return byz + core;
}

function sides(groups: readonly number[]): string {
  const by = new Map<number, number[]>();
  groups.forEach((g, node) => by.set(g, [...(by.get(g) ?? []), node]));
  return [...by.values()].map((ns) => `{${ns.join(',')}}`).join(' | ');
}

function viewChange(before: NodeView, after: NodeView): string {
  const parts: string[] = [];
  if (before.height !== after.height) parts.push(`height ${before.height} -> ${after.height}`);
  if (before.round !== after.round) parts.push(`round ${before.round} -> ${after.round}`);
  if (before.step !== after.step) parts.push(`${before.step} -> ${after.step}`);
  if (before.lock !== after.lock) parts.push(`lock ${before.lock === '-' ? 'none' : before.lock} -> ${after.lock === '-' ? 'none' : after.lock}`);
  return parts.join(', ');
}

function describeTransition<S, M>(protocol: Protocol<S, M>, t: Transition<S, M>): string | undefined {
  const change = viewChange(protocol.view(t.before), protocol.view(t.after));
  const outs: string[] = [];
  for (const e of t.effects) {
    match(e)
      .with({ kind: 'broadcast' }, (x) => outs.push(`sends ${protocol.describe(x.msg)} to all`))
      .with({ kind: 'send' }, (x) => outs.push(`sends ${protocol.describe(x.msg)} to ${x.to}`))
      .with({ kind: 'decide' }, (x) => outs.push(`DECIDES ${x.value} at height ${x.height}`))
      .with({ kind: 'setTimer' }, () => undefined)
      .with({ kind: 'persist' }, () => undefined)
      .exhaustive();
  }
  if (change === '' && outs.length === 0) return undefined;
  const input = match(t.input)
    .with({ kind: 'init' }, () => 'start')
    .with({ kind: 'message' }, (x) => (x.from === t.node ? `own ${protocol.describe(x.msg)}` : `${protocol.describe(x.msg)} from ${x.from}`))
    .with({ kind: 'timer' }, (x) => (typeof x.timer.name === 'string' ? x.timer.name : describeTimer(x.timer)))
    .with({ kind: 'event' }, (x) => x.event)
    .with({ kind: 'recover' }, () => 'restart from disk')
    .exhaustive();
  return `node ${t.node} on ${input}: ${[change, ...outs].filter((s) => s !== '').join('; ')}`;
}

/** How rule tags end a transition's line ("   · L36-lock-and-precommit, L34-schedule-prevote-timeout"). */
const RULES_SUFFIX = /   · [^\n]*$/;

/**
 * The protocol's `sometimes` properties (its rules, e.g. Tendermint's upon-rules by line) that
 * this reducer call of a correct node is an instance of, as a suffix of its line; empty if none.
 * A witness that throws is left out here (the run itself reports it).
 */
function rulesOf<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, t: Transition<S, M>): string {
  const ws = protocol.witnesses;
  // As the Checker: a restart runs no rule of the protocol.
  if (ws === undefined || isByzantine(cfg, t.node) || t.input.kind === 'recover') return '';
  const fired: string[] = [];
  for (const w of ws) {
    try {
      if (w.seen(t, cfg)) fired.push(w.name);
    } catch {
      // reported by the Checker as an exception of that witness
    }
  }
  return fired.length ? `   · ${fired.join(', ')}` : '';
}

export interface Timeline {
  readonly lines: readonly string[];
  readonly result: RunResult<unknown, unknown>;
  /** SHA-256 of the timeline text plus every node's final state: equal fingerprints, equal runs. */
  readonly fingerprint: string;
}

/**
 * Replay an action list and narrate it: who sent what, what was delivered, dropped or
 * duplicated, lock changes and decisions, and the first broken invariant.
 */
export function timeline<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, actions: readonly Action<M>[], options: { quiet?: boolean; foldTail?: boolean } = {}): Timeline {
  const lines: string[] = [];
  lines.push(`protocol ${protocol.name}${protocol.mutant ? ` (mutant ${protocol.mutant})` : ''}, n=${cfg.n}, f=${cfg.f}` +
    `${cfg.byzantine.length ? `, Byzantine ${cfg.byzantine.join(',')}` : ''}, heights=${cfg.heights}, ${actions.length} actions`);
  let prev: World<S, M> | null = null;
  // The synchronous tail after GST is the harness's, not the adversary's: folded into one line
  // (decisions and the last action still shown) unless asked for with `tail`.
  const fold = options.foldTail === true;
  let folded = 0;
  const flush = () => {
    if (folded > 0) lines.push(`      ... ${folded} post-GST action(s) in FIFO order (the synchronous network), folded; --tail shows them`);
    folded = 0;
  };
  const observe = (index: number, action: Action<M> | null, w: World<S, M>, rec: StepRecord<S, M>) => {
    if (fold && action !== null && prev !== null && prev.gst && index < actions.length - 1) {
      folded++;
      for (const d of rec.decided) {
        flush();
        lines.push(`        node ${d.node} DECIDES ${d.value} at height ${d.height}`);
      }
      prev = w;
      return;
    }
    flush();
    if (action !== null && prev !== null) lines.push(`${String(index).padStart(4)}  ${describeAction(protocol, prev, action)}`);
    if (!options.quiet || action === null) {
      for (const t of rec.transitions) {
        const d = describeTransition(protocol, t);
        if (d !== undefined) lines.push(`        ${d}${rulesOf(protocol, cfg, t)}`);
      }
    } else {
      for (const d of rec.decided) lines.push(`        node ${d.node} DECIDES ${d.value} at height ${d.height}`);
    }
    prev = w;
  };
  const result = runActions(protocol, cfg, actions, { observe });
  flush();
  // An action whose reducer threw has no world after it: show it against the world before.
  const last = result.actions.length - 1;
  if (result.violation?.invariant === 'exception' && last >= 0 && prev !== null && result.violation.step === last && !lines.some((l) => l.startsWith(`${String(last).padStart(4)}  `))) {
    lines.push(`${String(last).padStart(4)}  ${describeAction(protocol, prev, result.actions[last]!)}`);
  }
  for (const sk of result.skipped) lines.push(`      skipped recorded action #${sk.position} ${JSON.stringify(sk.action)}: ${sk.reason}`);
  const v = result.violation;
  lines.push(v === undefined
    ? `every invariant held; decisions: ${result.world.decisions.map((d, i) => `node ${i} [${d.join(', ')}]`).join('; ')}`
    : `VIOLATION ${v.invariant} at step ${v.step}: ${v.detail}`);
  const finalStates = JSON.stringify(result.world.states, (_k, val) =>
    val instanceof Map ? [...val.entries()] : val instanceof Set ? [...val] : typeof val === 'bigint' ? `${val}n` : val);
  // The rule tags are commentary on the run, not the run: left out, so fingerprints stay what they were.
  const fingerprint = sha256Hex(`${lines.map((l) => l.replace(RULES_SUFFIX, '')).join('\n')}\n${finalStates}`);
  return { lines, result: result as RunResult<unknown, unknown>, fingerprint };
}
