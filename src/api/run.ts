/**
 * The one-run functions of the public API: check a scenario, replay or explain a fixture,
 * read a fixture against a user's protocol. Thin wrappers over the executor and trace
 * layers, with the same determinism as the CLI.
 */
import type { ClusterConfig, Protocol } from '../core/types.ts';
import { UserError } from '../core/errors.ts';
import type { Action } from '../sim/actions.ts';
import type { Priority } from '../adversary/priority.ts';
import { type RunResult, runActions, runTape } from '../check/execute.ts';
import { type Fixture, type ProtocolResolver, driftReport, expectationMismatch, readFixture as readFixtureFile } from '../trace/fixture.ts';
import { timeline } from '../trace/explain.ts';
import { createProtocol, PROTOCOLS } from '../protocols/registry.ts';
import { protocolFromExport } from '../protocols/load.ts';
import type { ProtocolSpec } from '../core/define.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProtocol = Protocol<any, any>;
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Your protocol, in any of the shapes a module may export: a protocol, a spec (defineProtocol's
 * input), or a factory taking a mutant name and returning either.
 */
export type ProtocolSource = AnyProtocol | ProtocolSpec<any, any> | ((mutant?: string) => AnyProtocol | ProtocolSpec<any, any>);

/** Build a protocol (for a mutant, if given) from any ProtocolSource shape. */
export function asProtocol(source: ProtocolSource, mutant?: string): AnyProtocol {
  return protocolFromExport(source, mutant, 'protocol');
}

/** A fixture's protocol and mutant resolved against the given source, falling back to the built-ins. */
export function resolverFor(source?: ProtocolSource): ProtocolResolver {
  return (name, mutant) => {
    if (source !== undefined) {
      const base = asProtocol(source);
      if (base.name === name) {
        if (mutant === null || mutant === base.mutant) return base;
        if (typeof source === 'function') return asProtocol(source, mutant);
        throw new UserError(`fixture needs protocol ${name} with mutant ${JSON.stringify(mutant)}: pass a factory (mutant => protocol) instead of a protocol value`);
      }
      if (PROTOCOLS[name] === undefined) throw new UserError(`fixture is for protocol ${JSON.stringify(name)}, not ${JSON.stringify(base.name)}`);
    }
    return createProtocol(name, mutant);
  };
}

/** Read and validate a fixture file; its protocol is looked up in `source` (your protocol) or the built-ins. */
export function readFixture(path: string, source?: ProtocolSource): Fixture {
  return readFixtureFile(path, resolverFor(source));
}

/** Run one scenario: a choice tape (as the fuzzer draws it) or an explicit action list. */
export function check<S, M>(
  protocol: Protocol<S, M>,
  scenario: { readonly cfg: ClusterConfig; readonly tape: readonly number[]; readonly priority?: Priority } | { readonly cfg: ClusterConfig; readonly actions: readonly Action<M>[] },
): RunResult<S, M> {
  return 'tape' in scenario ? runTape(protocol, scenario.cfg, scenario.tape, { priority: scenario.priority }) : runActions(protocol, scenario.cfg, scenario.actions);
}

export interface ReplayReport {
  readonly result: RunResult<unknown, unknown>;
  /** Undefined when the run ends as the fixture expects; else what differs. */
  readonly mismatch: string | undefined;
  /** Undefined when every recorded action ran as recorded; else which were skipped. */
  readonly drift: string | undefined;
  /** SHA-256 of the timeline and final states: equal fingerprints, equal runs. */
  readonly fingerprint: string;
}

/** Replay a fixture and check its expected outcome. */
export function replay(fixture: Fixture, source?: ProtocolSource): ReplayReport {
  const protocol = resolverFor(source)(fixture.protocol, fixture.mutant);
  const t = timeline(protocol, fixture.config, fixture.actions, { quiet: true });
  return { result: t.result, mismatch: expectationMismatch(fixture, t.result), drift: driftReport(t.result), fingerprint: t.fingerprint };
}

/** A fixture's run as readable lines: every action, each node's reaction, the broken invariant. */
export function explain(fixture: Fixture, source?: ProtocolSource, options: { quiet?: boolean; foldTail?: boolean } = {}): { lines: readonly string[]; fingerprint: string } {
  const protocol = resolverFor(source)(fixture.protocol, fixture.mutant);
  const t = timeline(protocol, fixture.config, fixture.actions, options);
  return { lines: [`story: ${fixture.story}`, ...t.lines], fingerprint: t.fingerprint };
}
