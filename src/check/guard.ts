/**
 * Exceptions thrown by protocol code are findings, not crashes of the harness.
 *
 * Every function a protocol hands us (reducers, view, invariants, Byzantine vocabulary,
 * events, presentation) runs inside a guard that turns a throw into a `ProtocolFault`
 * naming the function and the frame of protocol code that threw. The executor reports it
 * as the violation `exception`, which is shrunk, saved and replayed like any other. A
 * throw that is not a ProtocolFault (and not a UserError) is a bug of the harness itself.
 */
import { relative } from 'node:path';
import type { FinalInvariant, Protocol } from '../core/types.ts';
import { ProtocolFault } from '../core/errors.ts';

export { ProtocolFault };

const GUARDED = Symbol('guarded');

/** The first stack frame of a thrown error, without column, relative to the cwd. */
export function topFrame(e: unknown): string | undefined {
  const stack = e instanceof Error ? e.stack : undefined;
  if (stack === undefined) return undefined;
  for (const line of stack.split('\n')) {
    const m = /^\s+at (?:.*? \()?(?:file:\/\/)?(.+?):(\d+):\d+\)?$/.exec(line);
    if (m === null || m[1]!.startsWith('node:')) continue;
    const file = m[1]!.startsWith('/') ? relative(process.cwd(), m[1]!) : m[1]!;
    return `${file}:${m[2]}`;
  }
  return undefined;
}

export function faultOf(fn: string, e: unknown): ProtocolFault {
  if (e instanceof ProtocolFault) return e;
  const error = e instanceof Error ? `${e.name}: ${e.message}` : `a non-Error value ${JSON.stringify(e) ?? String(e)}`;
  return new ProtocolFault(fn, error, topFrame(e));
}

/**
 * A member of at most three parameters (every member of the contract) wrapped so that a throw
 * becomes a ProtocolFault. Fixed arity and a direct call: a rest/spread wrapper measured
 * 5-20% slower on the hot path (reducers, voteSlot, messageKey run at every step).
 */
function wrap<R>(fn: string, f: (a?: unknown, b?: unknown, c?: unknown) => R, self: unknown): (a?: unknown, b?: unknown, c?: unknown) => R {
  return (a, b, c) => {
    try {
      return f.call(self, a, b, c);
    } catch (e) {
      throw faultOf(fn, e);
    }
  };
}

const cache = new WeakMap<object, object>();

/**
 * The same protocol with every function member guarded. Cached per protocol object, so
 * the executor can call it once per run for free; guarding twice is a no-op.
 */
export function guarded<S, M>(p: Protocol<S, M>): Protocol<S, M> {
  if ((p as { [GUARDED]?: true })[GUARDED]) return p;
  const hit = cache.get(p);
  if (hit !== undefined) return hit as Protocol<S, M>;
  const out: Record<string | symbol, unknown> = { [GUARDED]: true };
  for (const [key, value] of Object.entries(p)) {
    out[key] = typeof value === 'function' ? wrap(key, value as (a?: unknown, b?: unknown, c?: unknown) => unknown, p) : value;
  }
  // Transition invariants and witnesses run many times per step: the Checker catches their
  // throws itself (one try per loop) and names the check, so they are not wrapped here.
  if (p.finalInvariants) {
    out['finalInvariants'] = p.finalInvariants.map((inv: FinalInvariant<S>) => ({ ...inv, check: wrap(`final invariant ${inv.name}`, inv.check as never, inv) }));
  }
  if (p.worldInvariants) {
    out['worldInvariants'] = p.worldInvariants.map((inv) => ({ ...inv, check: wrap(`invariant ${inv.name}`, inv.check as never, inv) }));
  }
  const g = out as unknown as Protocol<S, M>;
  cache.set(p, g);
  return g;
}
