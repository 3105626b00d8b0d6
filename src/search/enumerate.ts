import type { Protocol } from '../core/types.ts';
import type { Action, ActionKind } from '../sim/actions.ts';
import { type World, deliverable, isByzantine } from '../sim/world.ts';
import { enabledKinds, pickOfKind, rebootChoices } from '../adversary/decode.ts';

/**
 * How many actions of one enabled kind there are: the length of the list pickOfKind indexes
 * (adversary/decode.ts), so that pickOfKind(kind, 0 .. count-1) lists each exactly once.
 */
function countOfKind<S, M>(protocol: Protocol<S, M>, w: World<S, M>, kind: ActionKind): number {
  const { cfg } = w;
  switch (kind) {
    case 'deliver':
      return w.partition === null && !w.crashed.includes(true) ? w.inFlight.length : w.inFlight.filter((e) => deliverable(w, e)).length;
    case 'fire':
      return w.crashed.includes(true) ? w.timers.filter((t) => !w.crashed[t.node]).length : w.timers.length;
    case 'drop':
      return w.used.drops < cfg.faults.drops ? w.inFlight.length : w.inFlight.filter((e) => isByzantine(cfg, e.from)).length;
    case 'duplicate':
      return w.inFlight.length;
    case 'inject':
      // Counted and listed together in enabledActions (one call to byzantineMessages).
      return 0;
    case 'crash':
      return w.crashed.filter((c) => !c).length;
    case 'restart':
      return w.crashed.filter((c) => c).length;
    case 'partition':
      return Math.min(2 ** (w.crashed.length - 1) - 1, 0x7fffffff);
    case 'heal':
    case 'gst':
      return 1;
    case 'reboot':
      return rebootChoices(w).length;
    case 'event': {
      let c = 0;
      for (let node = 0; node < w.states.length; node++) if (!w.crashed[node]) c += protocol.events!(w.states[node]!, cfg).length;
      return c;
    }
  }
}

/**
 * Every enabled action of a world, in the canonical order of the tape decoder (kinds in
 * KIND_ORDER, then each kind's own order), so that action i here is the action the decoder
 * names with the same kind and index. With `gst`, the GST action comes last (before GST only).
 */
export function enabledActions<S, M>(protocol: Protocol<S, M>, w: World<S, M>, gst: boolean): Action<M>[] {
  const out: Action<M>[] = [];
  for (const kind of enabledKinds(protocol, w)) {
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
    const count = countOfKind(protocol, w, kind);
    for (let i = 0; i < count; i++) out.push(pickOfKind(protocol, w, kind, i));
  }
  if (gst && !w.gst) out.push({ kind: 'gst' });
  return out;
}
