import type { ClusterConfig, NodeId, Protocol } from '../core/types.ts';
import { ProtocolFault } from '../core/errors.ts';
import { postGstOn } from '../core/config.ts';
import { type Action, type ActionKind, AFTER_GST_NAMES, type AfterGst } from '../sim/actions.ts';
import { type Envelope, type World, coreQuorum, deliverable, isByzantine } from '../sim/world.ts';

/**
 * The action space, in canonical order. Each kind lists its enabled actions in a fixed
 * order (messages by id, timers by the order they were set, nodes by id), so that one
 * tape integer names one action and the same tape always names the same schedule.
 *
 * Kind 0 is `deliver` and its first action is the oldest message: the all-zero tape is
 * the FIFO schedule, and shrinking a tape toward zeros shrinks toward the plain network.
 */
export const KIND_ORDER: readonly ActionKind[] = [
  'deliver', 'fire', 'drop', 'duplicate', 'inject', 'crash', 'restart', 'partition', 'heal', 'event',
  // Appended (crash-recovery): enabled only with a reboot budget, so older tapes keep their meaning.
  'reboot',
];

/**
 * The kinds with at least one enabled action, in KIND_ORDER. Cheap: nothing is listed here
 * (this runs once per step; listing Byzantine messages in particular is costly).
 */
export function enabledKinds<S, M>(protocol: Protocol<S, M>, w: World<S, M>): ActionKind[] {
  const out: ActionKind[] = [];
  const { cfg, used } = w;
  const whole = w.partition === null && !w.crashed.includes(true);
  if (whole ? w.inFlight.length > 0 : w.inFlight.some((e) => deliverable(w, e))) out.push('deliver');
  if (w.crashed.includes(true) ? w.timers.some((t) => !w.crashed[t.node]) : w.timers.length > 0) out.push('fire');
  if (w.gst) return out;
  if (used.drops < cfg.faults.drops ? w.inFlight.length > 0 : cfg.byzantine.length > 0 && w.inFlight.some((e) => isByzantine(cfg, e.from))) {
    out.push('drop');
  }
  if (used.duplicates < cfg.faults.duplicates && w.inFlight.length > 0) out.push('duplicate');
  // A protocol must offer at least one message to a Byzantine node whenever asked.
  if (used.injections < cfg.faults.injections && cfg.byzantine.length > 0 && protocol.byzantineMessages) out.push('inject');
  if (used.crashes < cfg.faults.crashes && w.crashed.includes(false)) out.push('crash');
  if (w.crashed.includes(true)) out.push('restart');
  if (w.partition === null && used.partitions < cfg.faults.partitions) out.push('partition');
  if (w.partition !== null) out.push('heal');
  if (protocol.events && protocol.onEvent) {
    for (let node = 0; node < w.states.length; node++) {
      if (!w.crashed[node] && protocol.events(w.states[node]!, cfg).length > 0) {
        out.push('event');
        break;
      }
    }
  }
  if ((used.reboots ?? 0) < (cfg.faults.reboots ?? 0) && protocol.recover && rebootable(w).length > 0) out.push('reboot');
  return out;
}

/** Crash points offered inside one reducer call: after 0, 1 or 2 of its effects (write-ahead: before the write, between it and the sends, after the first send). */
export const CRASH_POINTS = 3;

/** Correct nodes that are up: who may reboot. */
function rebootable<S, M>(w: World<S, M>): number[] {
  const out: number[] = [];
  for (let node = 0; node < w.cfg.n; node++) if (!w.crashed[node] && !w.cfg.byzantine.includes(node)) out.push(node);
  return out;
}

/**
 * The actions of kind `reboot`, in canonical order: a reboot of each correct node that is up;
 * then each delivery to one of them, with a crash after 0..CRASH_POINTS-1 effects of its
 * reducer call; then each of their timers, likewise.
 */
export function rebootChoices<S, M>(w: World<S, M>): Action<M>[] {
  const nodes = rebootable(w);
  const out: Action<M>[] = nodes.map((node) => ({ kind: 'reboot', node }));
  for (const e of w.inFlight) {
    if (!nodes.includes(e.to) || !deliverable(w, e)) continue;
    for (let k = 0; k < CRASH_POINTS; k++) out.push({ kind: 'deliver', id: e.id, crashAfter: k });
  }
  for (const t of w.timers) {
    if (!nodes.includes(t.node)) continue;
    for (let k = 0; k < CRASH_POINTS; k++) out.push({ kind: 'fire', node: t.node, timer: t.timer, crashAfter: k });
  }
  return out;
}

/** The tape kind an action is decoded from: a delivery or timer with a crash inside is a `reboot` choice. */
export function tapeKindOf<M>(a: Action<M>): ActionKind {
  return (a.kind === 'deliver' || a.kind === 'fire') && a.crashAfter !== undefined ? 'reboot' : a.kind;
}

/** The i-th enabled action of one kind (i taken modulo the number of such actions). */
export function pickOfKind<S, M>(protocol: Protocol<S, M>, w: World<S, M>, kind: ActionKind, i: number): Action<M> {
  const { cfg } = w;
  switch (kind) {
    case 'deliver': {
      const list = w.partition === null && !w.crashed.includes(true) ? w.inFlight : w.inFlight.filter((e) => deliverable(w, e));
      return { kind: 'deliver', id: list[i % list.length]!.id };
    }
    case 'fire': {
      const list = w.crashed.includes(true) ? w.timers.filter((t) => !w.crashed[t.node]) : w.timers;
      const t = list[i % list.length]!;
      return { kind: 'fire', node: t.node, timer: t.timer };
    }
    case 'drop': {
      const list: readonly Envelope<M>[] = w.used.drops < cfg.faults.drops ? w.inFlight : w.inFlight.filter((e) => isByzantine(cfg, e.from));
      return { kind: 'drop', id: list[i % list.length]!.id };
    }
    case 'duplicate':
      return { kind: 'duplicate', id: w.inFlight[i % w.inFlight.length]!.id };
    case 'inject': {
      // Index over (Byzantine node, recipient, message), recipients skipping the sender itself.
      const recipients = cfg.n - 1;
      const lists = cfg.byzantine.map((self) => protocol.byzantineMessages!({ cfg, self, states: w.states, seen: w.inFlight.map((e) => e.msg) }));
      const total = lists.reduce((a, l) => a + l.length * recipients, 0);
      if (total === 0) throw new ProtocolFault('byzantineMessages', `${protocol.name}: offered nothing to inject (a protocol with Byzantine support must offer at least one message)`, undefined);
      let rest = i % total;
      for (let b = 0; b < lists.length; b++) {
        const msgs = lists[b]!;
        const here = msgs.length * recipients;
        if (rest < here) {
          const from = cfg.byzantine[b]!;
          const r = rest % recipients;
          return { kind: 'inject', from, to: r >= from ? r + 1 : r, msg: msgs[Math.floor(rest / recipients)]! };
        }
        rest -= here;
      }
      throw new Error('unreachable: inject index out of range');
    }
    case 'crash':
    case 'restart': {
      const nodes: NodeId[] = [];
      for (let node = 0; node < w.crashed.length; node++) if (w.crashed[node] === (kind === 'restart')) nodes.push(node);
      return { kind, node: nodes[i % nodes.length]! };
    }
    case 'partition': {
      // Two-sided splits of the instances (nodes, then twins) with node 0 on side 0:
      // masks 1 .. 2^(k-1)-1 over instances 1..k-1.
      const k = w.crashed.length;
      const mask = (i % Math.min(2 ** (k - 1) - 1, 0x7fffffff)) + 1;
      return { kind: 'partition', groups: Array.from({ length: k }, (_, node) => (node === 0 ? 0 : Math.floor(mask / 2 ** (node - 1)) % 2)) };
    }
    case 'heal':
      return { kind: 'heal' };
    case 'event': {
      const evs: { node: NodeId; event: string }[] = [];
      for (let node = 0; node < w.states.length; node++) {
        if (w.crashed[node]) continue;
        for (const event of protocol.events!(w.states[node]!, cfg)) evs.push({ node, event });
      }
      const e = evs[i % evs.length]!;
      return { kind: 'event', node: e.node, event: e.event };
    }
    case 'gst':
      return { kind: 'gst' };
    case 'reboot': {
      const list = rebootChoices(w);
      return list[i % list.length]!;
    }
  }
}

/**
 * Decode one tape integer into an action: the integer first picks a kind (x mod #kinds),
 * then an action of that kind (x div #kinds, mod #actions of that kind).
 * Returns undefined if nothing at all is enabled.
 */
export function decodeChoice<S, M>(
  protocol: Protocol<S, M>,
  w: World<S, M>,
  x: number,
  /** A delivery strategy (priority.ts) that replaces the tape's choice of message. */
  deliver?: (w: World<S, M>) => Action<M> | undefined,
): Action<M> | undefined {
  const kinds = enabledKinds(protocol, w);
  if (kinds.length === 0) return undefined;
  const kind = kinds[x % kinds.length]!;
  if (kind === 'deliver' && deliver !== undefined) return deliver(w);
  return pickOfKind(protocol, w, kind, Math.floor(x / kinds.length));
}

/**
 * The synchronous network after GST: deliver the oldest message; fire a timer (the one set
 * first) only when nothing is in flight. Undefined when the cluster is quiescent.
 * When the GST action chose behaviours or a core: a delayed node's messages wait until no
 * other message is in flight, and the cut-off nodes neither receive nor fire timers.
 */
export function synchronousAction<S, M>(w: World<S, M>): Action<M> | undefined {
  const after = w.afterGst;
  if (after === null) {
    const first = w.inFlight[0];
    if (first !== undefined) return { kind: 'deliver', id: first.id };
    const t = w.timers[0];
    if (t !== undefined) return { kind: 'fire', node: t.node, timer: t.timer };
    return undefined;
  }
  let delayed: Envelope<M> | undefined;
  for (const e of w.inFlight) {
    if (w.crashed[e.to]) continue;
    if (!after.anyDelayed || after.behaviour[e.from] !== 'delayed') return { kind: 'deliver', id: e.id };
    delayed ??= e;
  }
  if (delayed !== undefined) return { kind: 'deliver', id: delayed.id };
  const t = w.timers.find((x) => !w.crashed[x.node]);
  if (t !== undefined) return { kind: 'fire', node: t.node, timer: t.timer };
  return undefined;
}

/**
 * The GST action a tape chooses. Without cfg.postGst: plain GST, as always. With it, the
 * choices come from the high bits of the tape's first entries. Decoding is untouched (the
 * same tape gives the same schedule before GST, flag or not); those bits also take part in
 * picking the entry's action (x div #kinds mod #actions), so shrinking one may change both:
 * - Byzantine node j (j-th in cfg.byzantine) behaves as AFTER_GST_NAMES[(tape[j] >>> 12) mod 5]
 *   (0 = honest, so a tape shrunk toward zeros, or too short, is today's behaviour); a
 *   selective node reaches the non-empty proper subset of correct nodes given by the bits of
 *   1 + (tape[j] >>> 3) mod (2^c - 2), over the c correct nodes in id order;
 * - with fewer than f Byzantine nodes, entry b = #Byzantine chooses a core when bit 12 is set:
 *   1 + (x >>> 13) mod (c - q) correct nodes, consecutive in id order from (x >>> 3) mod c,
 *   stay cut off, the other c - L >= q = n - f form the core.
 */
export function gstChoice(cfg: ClusterConfig, tape: readonly number[]): Extract<Action<never>, { kind: 'gst' }> {
  if (!postGstOn(cfg)) return { kind: 'gst' };
  const correct: NodeId[] = [];
  for (let i = 0; i < cfg.n; i++) if (!cfg.byzantine.includes(i)) correct.push(i);
  const c = correct.length;
  const byzantine: Record<string, AfterGst> = {};
  cfg.byzantine.forEach((node, j) => {
    const x = tape[j] ?? 0;
    const name = AFTER_GST_NAMES[(x >>> 12) % AFTER_GST_NAMES.length]!;
    if (name === 'honest') return;
    if (name !== 'selective') {
      byzantine[String(node)] = name;
      return;
    }
    const subsets = Math.max(1, Math.min(2 ** c - 2, 0x3fffffff));
    const mask = 1 + ((x >>> 3) % subsets);
    byzantine[String(node)] = { selective: correct.filter((_n, k) => k < 30 && Math.floor(mask / 2 ** k) % 2 === 1) };
  });
  const q = coreQuorum(cfg);
  let core: NodeId[] | undefined;
  const x = tape[cfg.byzantine.length] ?? 0;
  if (c > q && ((x >>> 12) & 1) === 1) {
    const out = 1 + ((x >>> 13) % (c - q));
    const start = (x >>> 3) % c;
    const left = new Set(Array.from({ length: out }, (_v, i) => correct[(start + i) % c]!));
    core = correct.filter((node) => !left.has(node));
  }
  return {
    kind: 'gst',
    ...(Object.keys(byzantine).length > 0 ? { byzantine } : {}),
    ...(core !== undefined ? { core } : {}),
  };
}
