import type { Protocol } from '../core/types.ts';
import type { Action, ActionKind } from '../sim/actions.ts';
import { type World, deliverable, isByzantine } from '../sim/world.ts';
import { enabledKinds, pickOfKind, rebootChoices } from '../adversary/decode.ts';

/** How many actions of a kind listKind does not list (pickOfKind indexes 0 .. count-1 of them). */
function countOfKind<S, M>(w: World<S, M>, kind: ActionKind): number {
  switch (kind) {
    case 'crash':
      return w.crashed.filter((c) => !c).length;
    case 'restart':
      return w.crashed.filter((c) => c).length;
    case 'partition':
      return Math.min(2 ** (w.crashed.length - 1) - 1, 0x7fffffff);
    case 'heal':
    case 'gst':
      return 1;
    default:
      throw new Error(`enumerate: kind ${kind} is listed by listKind or enabledActions`);
  }
}

/**
 * The kinds whose pickOfKind rebuilds its whole list on every call (filtered messages, timers,
 * every node's events): listed here in one pass, in pickOfKind's order (its list, index 0 up).
 * False for the other kinds (pickOfKind is cheap for them).
 */
function listKind<S, M>(protocol: Protocol<S, M>, w: World<S, M>, kind: ActionKind, out: Action<M>[], tokens: unknown[] | undefined): boolean {
  const { cfg } = w;
  const anyCrashed = w.crashed.includes(true);
  switch (kind) {
    case 'deliver':
      for (const e of w.inFlight) {
        if ((w.partition === null && !anyCrashed) || deliverable(w, e)) {
          out.push({ kind: 'deliver', id: e.id });
          tokens?.push(e);
        }
      }
      return true;
    case 'fire':
      for (const t of w.timers) {
        if (!anyCrashed || !w.crashed[t.node]) {
          out.push({ kind: 'fire', node: t.node, timer: t.timer });
          tokens?.push(t);
        }
      }
      return true;
    case 'drop': {
      const all = w.used.drops < cfg.faults.drops;
      for (const e of w.inFlight) if (all || isByzantine(cfg, e.from)) out.push({ kind: 'drop', id: e.id });
      return true;
    }
    case 'duplicate':
      for (const e of w.inFlight) out.push({ kind: 'duplicate', id: e.id });
      return true;
    case 'event':
      for (let node = 0; node < w.states.length; node++) {
        if (w.crashed[node]) continue;
        for (const event of protocol.events!(w.states[node]!, cfg)) {
          out.push({ kind: 'event', node, event });
          tokens?.push(`${node}\u0000${event}`);
        }
      }
      return true;
    default:
      return false;
  }
}

/**
 * Every enabled action of a world, in the canonical order of the tape decoder (kinds in
 * KIND_ORDER, then each kind's own order), so that action i here is the action the decoder
 * names with the same kind and index. With `gst`, the GST action comes last (before GST only).
 *
 * With `tokens`, also fills tokens[i] with what names action i across the worlds a step
 * leaves it enabled in (exhaustive.ts's sleep sets): for a plain delivery its Envelope object,
 * for a plain timer its PendingTimer object (a step shares both with the next world until it
 * consumes them), for an event the string "node NUL event"; null for every other action (a
 * fault, an injection, a delivery or timer with a crash inside, GST).
 */
export function enabledActions<S, M>(protocol: Protocol<S, M>, w: World<S, M>, gst: boolean, tokens?: unknown[]): Action<M>[] {
  const out: Action<M>[] = [];
  for (const kind of enabledKinds(protocol, w)) {
    // The kinds before this one listed no token for some of their actions: none.
    if (tokens !== undefined) while (tokens.length < out.length) tokens.push(null);
    if (kind === 'inject') {
      const { cfg } = w;
      for (const from of cfg.byzantine) {
        const msgs = protocol.byzantineMessages!({ cfg, self: from, states: w.states, seen: w.inFlight.map((e) => e.msg) });
        for (const msg of msgs) {
          for (let to = 0; to < cfg.n; to++) if (to !== from) out.push({ kind: 'inject', from, to, msg });
        }
      }
      continue;
    }
    if (kind === 'reboot') {
      out.push(...rebootChoices(w));
      continue;
    }
    if (listKind(protocol, w, kind, out, tokens)) continue;
    const count = countOfKind(w, kind);
    for (let i = 0; i < count; i++) out.push(pickOfKind(protocol, w, kind, i));
  }
  if (gst && !w.gst) out.push({ kind: 'gst' });
  // Every action listed without a token (faults, injections, reboot choices, GST) has none.
  if (tokens !== undefined) while (tokens.length < out.length) tokens.push(null);
  return out;
}
