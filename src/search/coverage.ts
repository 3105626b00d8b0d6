/**
 * Abstract-state coverage (issue 12, item 1): a run's coverage is the set of abstract
 * cluster states it passed through. A node's abstract state is the protocol's
 * `abstraction(state)` (default: its view as JSON); a cluster's is the multiset of its
 * correct nodes' abstract states, written sorted. Sorted, because the coverage should say
 * "two nodes locked a round ago, one precommitting" whichever nodes they are: keeping the
 * node order would count every permutation of one situation as new coverage and drown the
 * signal (no protocol here is fully symmetric, Tendermint's proposer rotates, but which
 * node holds which abstract state is what the mutations reshuffle anyway). Byzantine nodes
 * and twin instances are left out: their states say nothing about the correct protocol.
 */
import type { ClusterConfig, Protocol } from '../core/types.ts';
import { UserError } from '../core/errors.ts';
import { ProtocolFault } from '../core/errors.ts';
import type { StepObserver } from '../check/execute.ts';

/** The abstract state of one node: the protocol's abstraction, or its view. */
export function nodeAbstraction<S, M>(protocol: Protocol<S, M>): (s: S) => string {
  const abstraction = protocol.abstraction;
  const f = abstraction !== undefined ? (s: S) => abstraction.call(protocol, s) : (s: S) => JSON.stringify(protocol.view(s));
  return (s) => {
    try {
      return f(s);
    } catch (e) {
      // The abstraction is a search aid, not part of the protocol's behaviour: a throw is a
      // bug of the abstraction, to be fixed, not a counterexample (replay runs without it).
      const detail = e instanceof ProtocolFault ? e.message : e instanceof Error ? e.message : String(e);
      throw new UserError(`${protocol.name}: abstraction(state) threw: ${detail}`);
    }
  };
}

/** The correct node ids of a config (the instances whose abstract states count). */
export function correctNodes(cfg: ClusterConfig): number[] {
  const out: number[] = [];
  for (let i = 0; i < cfg.n; i++) if (!cfg.byzantine.includes(i)) out.push(i);
  return out;
}

/**
 * An observer for execute/runTape that adds the abstract cluster state after every step
 * to `into`. A node's abstraction is recomputed only when its state object changed (states
 * are immutable: same object, same abstraction), the cluster key only when a node's did.
 */
export function coverageObserver<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, into: Set<string>): StepObserver<S, M> {
  const abstract = nodeAbstraction(protocol);
  const nodes = correctNodes(cfg);
  const last: (S | undefined)[] = nodes.map(() => undefined);
  const keys: string[] = nodes.map(() => '');
  return (_index, _action, world) => {
    let changed = false;
    for (let k = 0; k < nodes.length; k++) {
      const s = world.states[nodes[k]!]!;
      if (s === last[k]) continue;
      last[k] = s;
      const key = abstract(s);
      if (key !== keys[k]) {
        keys[k] = key;
        changed = true;
      }
    }
    if (changed) into.add([...keys].sort().join(' '));
  };
}
