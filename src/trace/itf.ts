/**
 * ITF export: a run written as an Informal Trace Format trace, the JSON trace format of
 * Apalache and Quint, so a counterexample can be opened in their tools (the ITF trace viewer,
 * itf-rs / itf-py readers, Quint's model-based testing drivers).
 *
 * The format, as used here (facts from the format's definition, not copied code):
 * - Apalache ADR-015 "Informal Trace Format in JSON" (apalache-mc/apalache,
 *   docs/src/adr/015adr-trace.md): a trace is `{ "#meta", "vars", "states" }`; every state
 *   has an optional `#meta` and a value for every name in `vars`; values are strings,
 *   booleans, lists, records (plain objects whose fields do not start with '#'),
 *   `{"#bigint": "[-][0-9]+"}`, `{"#tup": [...]}`, `{"#set": [...]}` and
 *   `{"#map": [[key, value], ...]}`.
 * - Quint's ITF writer (@informalsystems/quint, src/itf.ts): every integer as `#bigint`,
 *   `#meta.index` on each state, `{"#unserializable": ...}` for a value the format cannot
 *   hold, and the model-based-testing variables `mbt::actionTaken` (the action's name) and
 *   `mbt::nondetPicks` (a record of the action's parameters, each an Option variant
 *   `{"tag": "Some", "value": v}` or `{"tag": "None", "value": {"#tup": []}}`).
 *
 * One state per action plus the initial state. The variables:
 *   nodes        #map instance -> { identity, byzantine, height, round, step, lock, decisions: #map height -> value }
 *   inFlight     #map id -> { from, src, to, message (protocol.describe), json (canonical JSON of the message) }
 *   timers       #set of { node, timer }
 *   crashed      #set of instances
 *   partition    #map instance -> side (empty when the network is whole)
 *   gst          whether the network has turned synchronous
 *   action       the action in words, as `explain` prints it ("init" for the initial state)
 *   mbt::actionTaken, mbt::nondetPicks   as in Quint (the action's kind and its parameters)
 * The trace `#meta` holds the protocol, mutant, config and the broken invariant as plain JSON;
 * `fromItf` rebuilds the action list from `mbt::actionTaken` + `mbt::nondetPicks` exactly.
 * Deterministic: no timestamp, so one run gives one text.
 */
import type { ClusterConfig, NodeId, Protocol, Timer } from '../core/types.ts';
import { canonicalJson } from '../core/define.ts';
import { UserError } from '../core/errors.ts';
import { validateConfig } from '../core/config.ts';
import { type Action, ACTION_KINDS, type ActionKind } from '../sim/actions.ts';
import { type Envelope, type World, identityOf, isByzantine } from '../sim/world.ts';
import { runActions } from '../check/execute.ts';
import type { Violation } from '../check/invariants.ts';
import { describeAction } from './explain.ts';

export const ITF_FORMAT_DESCRIPTION = 'https://apalache-mc.org/docs/adr/015adr-trace.html';

/** An ITF expression (ADR-015). Plain JSON numbers are legal ITF but this writer never emits them in states. */
export type ItfValue =
  | string
  | boolean
  | number
  | readonly ItfValue[]
  | { readonly '#bigint': string }
  | { readonly '#tup': readonly ItfValue[] }
  | { readonly '#set': readonly ItfValue[] }
  | { readonly '#map': readonly (readonly [ItfValue, ItfValue])[] }
  | { readonly '#unserializable': string }
  | { readonly [field: string]: ItfValue };

export interface ItfStateMeta {
  readonly index: number;
  /** Set on the state of an action whose reducer threw: there is no world after it, the values are the world before. */
  readonly exception?: string;
  /** Set on the state after which the run's first broken invariant was detected: its name. */
  readonly violation?: string;
}

export interface ItfState {
  readonly '#meta': ItfStateMeta;
  readonly [variable: string]: ItfValue | ItfStateMeta;
}

export interface ItfTraceMeta {
  readonly format: 'ITF';
  readonly 'format-description': string;
  readonly source: string;
  readonly description: string;
  readonly protocol: string;
  readonly mutant: string | null;
  readonly config: ClusterConfig;
  /** The first broken invariant, as the harness reports it, or null if every invariant held. */
  readonly violation: Violation | null;
  /** Recorded actions that were no longer enabled and were skipped (not in the trace). */
  readonly skipped: readonly { readonly position: number; readonly reason: string }[];
  readonly [key: string]: unknown;
}

export interface ItfTrace {
  readonly '#meta': ItfTraceMeta;
  readonly vars: readonly string[];
  readonly states: readonly ItfState[];
}

export const ACTION_TAKEN = 'mbt::actionTaken';
export const NONDET_PICKS = 'mbt::nondetPicks';

export const ITF_VARS: readonly string[] = ['nodes', 'inFlight', 'timers', 'crashed', 'partition', 'gst', 'action', ACTION_TAKEN, NONDET_PICKS];

/** Every parameter an action may carry: the fields of `mbt::nondetPicks`, the same in every state. */
// afterGst: a GST action's choices for after it (Byzantine behaviours, the core), as JSON text.
// crashAfter: a delivery or timer whose node crashed after that many effects (crash-recovery).
const PICKS = ['id', 'node', 'timer', 'from', 'to', 'msg', 'groups', 'event', 'afterGst', 'crashAfter'] as const;
type Pick = (typeof PICKS)[number];

export interface ItfOptions {
  /** `#meta.source` (default: the protocol's name and mutant). */
  readonly source?: string;
  /** `#meta.description` (default: what run this is). */
  readonly description?: string;
}

// ---------------------------------------------------------------- values

export function itfInt(n: number | bigint): { '#bigint': string } {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new UserError(`ITF: ${n} is not an integer`);
  return { '#bigint': String(n) };
}

const NONE = { tag: 'None', value: { '#tup': [] } } as const;
const some = (value: ItfValue) => ({ tag: 'Some', value });

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
}

/**
 * Plain JSON as an ITF value: integers as #bigint, strings, booleans, lists, records. What ITF
 * cannot hold (null, fractions, a field starting with '#') becomes {"#unserializable": its JSON}.
 */
export function jsonToItf(x: unknown): ItfValue {
  if (typeof x === 'string' || typeof x === 'boolean') return x;
  if ((typeof x === 'number' && Number.isSafeInteger(x)) || typeof x === 'bigint') return itfInt(x);
  if (Array.isArray(x)) return x.map(jsonToItf);
  if (isPlainObject(x) && Object.keys(x).every((k) => !k.startsWith('#'))) {
    return Object.fromEntries(Object.keys(x).sort().map((k) => [k, jsonToItf(x[k])]));
  }
  return { '#unserializable': canonicalJson(x) };
}

/**
 * An ITF value as plain JS: #bigint as a number (a bigint beyond 2^53), #set and #tup as
 * arrays, #map as an array of [key, value] pairs, #unserializable parsed back from its JSON.
 */
export function itfToJson(v: ItfValue): unknown {
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(itfToJson);
  const r = v as Record<string, unknown>;
  if ('#bigint' in r) {
    const b = BigInt(r['#bigint'] as string);
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  }
  if ('#set' in r) return (r['#set'] as ItfValue[]).map(itfToJson);
  if ('#tup' in r) return (r['#tup'] as ItfValue[]).map(itfToJson);
  if ('#map' in r) return (r['#map'] as [ItfValue, ItfValue][]).map(([k, x]) => [itfToJson(k), itfToJson(x)]);
  if ('#unserializable' in r) return JSON.parse(r['#unserializable'] as string);
  return Object.fromEntries(Object.entries(r).map(([k, x]) => [k, itfToJson(x as ItfValue)]));
}

// ---------------------------------------------------------------- export

function nondetPicks<M>(a: Action<M> | null): ItfValue {
  const picks: Record<Pick, ItfValue> = { id: NONE, node: NONE, timer: NONE, from: NONE, to: NONE, msg: NONE, groups: NONE, event: NONE, afterGst: NONE, crashAfter: NONE };
  if (a === null) return picks;
  // Crash-recovery: a delivery or timer with a crash inside the call.
  if ((a.kind === 'deliver' || a.kind === 'fire') && a.crashAfter !== undefined) picks.crashAfter = some(itfInt(a.crashAfter));
  switch (a.kind) {
    case 'deliver':
    case 'drop':
    case 'duplicate':
      picks.id = some(itfInt(a.id));
      break;
    case 'fire':
      picks.node = some(itfInt(a.node));
      picks.timer = some(jsonToItf(a.timer));
      break;
    case 'inject':
      picks.from = some(itfInt(a.from));
      picks.to = some(itfInt(a.to));
      picks.msg = some(canonicalJson(a.msg));
      break;
    case 'crash':
    case 'restart':
    case 'reboot':
      picks.node = some(itfInt(a.node));
      break;
    case 'partition':
      picks.groups = some(a.groups.map(itfInt));
      break;
    case 'event':
      picks.node = some(itfInt(a.node));
      picks.event = some(a.event);
      break;
    case 'gst':
      if (a.byzantine !== undefined || a.core !== undefined) {
        picks.afterGst = some(canonicalJson({ ...(a.byzantine !== undefined ? { byzantine: a.byzantine } : {}), ...(a.core !== undefined ? { core: a.core } : {}) }));
      }
      break;
    case 'heal':
      break;
    default: {
      const never: never = a;
      throw new Error(`ITF: unknown action ${JSON.stringify(never)}`);
    }
  }
  return picks;
}

/**
 * Replay `actions` (as a fixture replays: disabled ones are skipped, a run that reached GST
 * goes on with the synchronous tail) and write every state of the run as ITF.
 */
export function toItf<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, actions: readonly Action<M>[], options: ItfOptions = {}): ItfTrace {
  // An envelope never changes once on the wire: encode each id once and share it between states.
  const envelopes = new Map<number, ItfValue>();
  const envelope = (e: Envelope<M>): ItfValue => {
    let v = envelopes.get(e.id);
    if (v === undefined) {
      v = { from: itfInt(e.from), src: itfInt(e.src), to: itfInt(e.to), message: protocol.describe(e.msg), json: canonicalJson(e.msg) };
      envelopes.set(e.id, v);
    }
    return v;
  };
  const stateOf = (w: World<S, M>, action: Action<M> | null, words: string): Record<string, ItfValue> => ({
    nodes: {
      '#map': w.states.map((s, i) => {
        const view = protocol.view(s);
        const decisions: [ItfValue, ItfValue][] = [];
        (w.decisions[i] ?? []).forEach((value, height) => {
          if (value !== undefined) decisions.push([itfInt(height), value]);
        });
        const node: ItfValue = {
          identity: itfInt(identityOf(cfg, i)),
          byzantine: isByzantine(cfg, i),
          height: itfInt(view.height),
          round: itfInt(view.round),
          step: view.step,
          lock: view.lock,
          decisions: { '#map': decisions },
        };
        return [itfInt(i), node] as const;
      }),
    },
    inFlight: { '#map': w.inFlight.map((e) => [itfInt(e.id), envelope(e)] as const) },
    timers: { '#set': w.timers.map((t) => ({ node: itfInt(t.node), timer: jsonToItf(t.timer) })) },
    crashed: { '#set': w.crashed.flatMap((c, i) => (c ? [itfInt(i)] : [])) },
    partition: { '#map': (w.partition ?? []).map((side, i) => [itfInt(i), itfInt(side)] as const) },
    gst: w.gst,
    action: words,
    [ACTION_TAKEN]: action === null ? 'init' : action.kind,
    [NONDET_PICKS]: nondetPicks(action),
  });

  const states: ItfState[] = [];
  let prev: World<S, M> | undefined;
  const result = runActions(protocol, cfg, actions, {
    observe: (index, action, w) => {
      const words = action === null || prev === undefined ? 'init' : describeAction(protocol, prev, action).replace(/ +/, ' ');
      states.push({ '#meta': { index: index + 1 }, ...stateOf(w, action, words) });
      prev = w;
    },
  });
  // An action whose reducer threw is part of the run but has no world after it (the executor
  // observes none): its state repeats the world before, marked in #meta.
  if (result.actions.length === states.length && prev !== undefined) {
    const last = result.actions[result.actions.length - 1]!;
    const detail = result.violation?.invariant === 'exception' ? result.violation.detail : 'the step failed';
    states.push({ '#meta': { index: states.length, exception: detail }, ...stateOf(prev, last, describeAction(protocol, prev, last).replace(/ +/, ' ')) });
  }
  if (states.length !== result.actions.length + 1) {
    throw new Error(`ITF: ${states.length} states for ${result.actions.length} actions (expected one more state than actions)`);
  }
  const name = `${protocol.name}${protocol.mutant ? ` (mutant ${protocol.mutant})` : ''}`;
  const v = result.violation;
  // Violation.step is the index of the action (-1: init); its state is the one after it.
  const broken = v === undefined ? undefined : states[v.step + 1];
  if (v !== undefined && broken !== undefined) states[v.step + 1] = { ...broken, '#meta': { ...broken['#meta'], violation: v.invariant } };
  return {
    '#meta': {
      format: 'ITF',
      'format-description': ITF_FORMAT_DESCRIPTION,
      source: options.source ?? name,
      description: options.description ??
        `consensus-harness run of ${name}, n=${cfg.n}, ${result.actions.length} actions: ${v === undefined ? 'every invariant held' : `${v.invariant} broke at step ${v.step}`}`,
      protocol: protocol.name,
      mutant: protocol.mutant ?? null,
      config: cfg,
      violation: v ?? null,
      skipped: result.skipped.map((s) => ({ position: s.position, reason: s.reason })),
    },
    vars: ITF_VARS,
    states,
  };
}

/** The trace as text: the header, then one state per line (reviewable diffs, like fixtures). */
export function itfText(trace: ItfTrace): string {
  const head = JSON.stringify({ '#meta': trace['#meta'], vars: trace.vars }, null, 2);
  const states = trace.states.map((s) => `    ${JSON.stringify(s)}`).join(',\n');
  return `${head.slice(0, -2)},\n  "states": [\n${states}\n  ]\n}\n`;
}

// ---------------------------------------------------------------- import

function fail(where: string, what: string): never {
  throw new UserError(`${where}: ${what}`);
}

function record(x: unknown, where: string): Record<string, unknown> {
  if (!isPlainObject(x)) fail(where, `expected an object, got ${JSON.stringify(x)}`);
  return x;
}

/** An Option variant of `mbt::nondetPicks`: the value of Some, undefined for None. */
function option(x: unknown, where: string): ItfValue | undefined {
  const r = record(x, where);
  if (r['tag'] === 'None') return undefined;
  if (r['tag'] === 'Some') return r['value'] as ItfValue;
  return fail(`${where}.tag`, `expected "Some" or "None", got ${JSON.stringify(r['tag'])}`);
}

function int(x: ItfValue | undefined, where: string): number {
  const n = x === undefined ? undefined : itfToJson(x);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || typeof x !== 'object' || !('#bigint' in (x as object))) {
    return fail(where, `expected a non-negative {"#bigint"}, got ${JSON.stringify(x)}`);
  }
  return n;
}

/** The action a state says was taken, from `mbt::actionTaken` and `mbt::nondetPicks`. */
function actionOf(state: Record<string, unknown>, where: string): Action<unknown> {
  const kind = state[ACTION_TAKEN];
  if (!ACTION_KINDS.includes(kind as ActionKind)) fail(`${where}.${ACTION_TAKEN}`, `expected one of ${ACTION_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  const picks = record(state[NONDET_PICKS], `${where}.${NONDET_PICKS}`);
  const get = (p: Pick) => option(picks[p], `${where}.${NONDET_PICKS}.${p}`);
  const need = (p: Pick) => get(p) ?? fail(`${where}.${NONDET_PICKS}.${p}`, `a ${String(kind)} action needs it (got None)`);
  const nat = (p: Pick) => int(need(p), `${where}.${NONDET_PICKS}.${p}.value`);
  // Absent in traces written before crash-recovery.
  const cut = picks['crashAfter'] === undefined || get('crashAfter') === undefined ? {} : { crashAfter: nat('crashAfter') };
  switch (kind as ActionKind) {
    case 'deliver':
      return { kind: 'deliver', id: nat('id'), ...cut };
    case 'drop':
    case 'duplicate':
      return { kind: kind as 'drop' | 'duplicate', id: nat('id') };
    case 'fire':
      return { kind: 'fire', node: nat('node'), timer: itfToJson(need('timer')) as Timer, ...cut };
    case 'inject': {
      const msg = need('msg');
      if (typeof msg !== 'string') fail(`${where}.${NONDET_PICKS}.msg.value`, 'expected the message as its JSON text');
      return { kind: 'inject', from: nat('from'), to: nat('to'), msg: JSON.parse(msg) as unknown };
    }
    case 'crash':
    case 'restart':
    case 'reboot':
      return { kind: kind as 'crash' | 'restart' | 'reboot', node: nat('node') };
    case 'partition': {
      const g = need('groups');
      if (!Array.isArray(g)) fail(`${where}.${NONDET_PICKS}.groups.value`, 'expected a list of sides');
      return { kind: 'partition', groups: (g as ItfValue[]).map((x, i) => int(x, `${where}.${NONDET_PICKS}.groups.value[${i}]`)) };
    }
    case 'event': {
      const e = need('event');
      if (typeof e !== 'string') fail(`${where}.${NONDET_PICKS}.event.value`, 'expected a string');
      return { kind: 'event', node: nat('node') as NodeId, event: e };
    }
    case 'heal':
      return { kind: 'heal' };
    case 'gst': {
      const after = get('afterGst');
      if (after === undefined) return { kind: 'gst' };
      if (typeof after !== 'string') fail(`${where}.${NONDET_PICKS}.afterGst.value`, 'expected the GST choices as their JSON text');
      const c = JSON.parse(after as string) as { byzantine?: Record<string, unknown>; core?: number[] };
      return { kind: 'gst', ...(c.byzantine !== undefined ? { byzantine: c.byzantine } : {}), ...(c.core !== undefined ? { core: c.core } : {}) } as Action<unknown>;
    }
    default:
      return fail(`${where}.${ACTION_TAKEN}`, `unknown action ${JSON.stringify(kind)}`);
  }
}

export interface ItfRun {
  readonly protocol: string;
  readonly mutant: string | null;
  readonly config: ClusterConfig;
  /** The run's action list (what was executed, synchronous tail included), rebuilt exactly. */
  readonly actions: readonly Action<unknown>[];
  readonly trace: ItfTrace;
}

/** Parse an ITF text written by `itfText` and rebuild the run's action list. Errors name the field. */
export function fromItf(text: string, where = 'itf'): ItfRun {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail(where, `not valid JSON (${(e as Error).message})`);
  }
  const r = record(raw, where);
  const meta = record(r['#meta'], `${where}.#meta`);
  if (meta['format'] !== 'ITF') fail(`${where}.#meta.format`, `expected "ITF", got ${JSON.stringify(meta['format'])}`);
  if (typeof meta['protocol'] !== 'string') fail(`${where}.#meta.protocol`, 'expected the protocol name');
  const mutant = meta['mutant'] ?? null;
  if (mutant !== null && typeof mutant !== 'string') fail(`${where}.#meta.mutant`, 'expected a mutant name or null');
  const config = validateConfig(meta['config'], `${where}.#meta.config`);
  const vars = r['vars'];
  if (!Array.isArray(vars) || !vars.every((v) => typeof v === 'string')) fail(`${where}.vars`, 'expected a list of variable names');
  for (const v of [ACTION_TAKEN, NONDET_PICKS]) if (!vars.includes(v)) fail(`${where}.vars`, `missing ${v}`);
  const states = r['states'];
  if (!Array.isArray(states) || states.length === 0) fail(`${where}.states`, 'expected a non-empty list of states');
  const actions: Action<unknown>[] = [];
  states.forEach((s, i) => {
    const st = record(s, `${where}.states[${i}]`);
    for (const v of vars as string[]) if (!(v in st)) fail(`${where}.states[${i}]`, `missing variable ${v}`);
    const index = record(st['#meta'], `${where}.states[${i}].#meta`)['index'];
    if (index !== i) fail(`${where}.states[${i}].#meta.index`, `expected ${i}, got ${JSON.stringify(index)}`);
    if (i === 0) {
      if (st[ACTION_TAKEN] !== 'init') fail(`${where}.states[0].${ACTION_TAKEN}`, `expected "init", got ${JSON.stringify(st[ACTION_TAKEN])}`);
    } else {
      actions.push(actionOf(st, `${where}.states[${i}]`));
    }
  });
  return { protocol: meta['protocol'], mutant: mutant as string | null, config, actions, trace: raw as ItfTrace };
}
