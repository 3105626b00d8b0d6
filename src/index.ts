/**
 * consensus-harness: the public API. Everything exported here is the contract of the 0.x
 * series (semantic versioning: a breaking change bumps the minor version while we are at
 * 0.x); anything imported from deeper paths is internal and may change. The fixture
 * format version (FIXTURE_FORMAT) is part of the contract.
 */

// Writing a protocol: a node plus a spec, and its properties.
export { defineProtocol, always, transition, eventually, sometimes, canonicalJson } from './core/define.ts';
export type { NodeSpec, ProtocolSpec, Property } from './core/define.ts';
export type {
  NodeId,
  Effect,
  Step,
  Timer,
  NodeView,
  VoteSlot,
  Transition,
  TransitionInput,
  ByzantineContext,
  ClusterConfig,
  FaultBudget,
  WorldView,
  StepContext,
  FinalView,
  SignedMessage,
  Culprit,
  Restart,
  Protocol,
  MutantInfo,
  StuckView,
} from './core/types.ts';
export { quorum, weakQuorum, maxFaulty } from './core/quorum.ts';
// Crash-recovery: a node that writes ahead (persist before its effects) and rebuilds from its disk.
export { writeAhead } from './core/durable.ts';
export type { WriteAhead, WalRecord } from './core/durable.ts';
export { clusterConfig, validateConfig } from './core/config.ts';
export { UserError, ProtocolFault } from './core/errors.ts';

// Scenarios and campaigns.
export { DEFAULT_SHAPE } from './adversary/arbitraries.ts';
export type { ScenarioShape, Scenario } from './adversary/arbitraries.ts';
export { fuzzScenario } from './adversary/fuzzer.ts';
export { fuzz, fixtureFileName, campaignShape } from './api/campaign.ts';
export type { FuzzOptions, FuzzReport, FoundFailure } from './api/campaign.ts';
export { check, replay, explain, readFixture, asProtocol } from './api/run.ts';
export type { ProtocolSource, ReplayReport } from './api/run.ts';
export type { RunResult, SkippedAction } from './check/execute.ts';
export type { Violation } from './check/invariants.ts';
export { GENERIC_INVARIANTS } from './check/invariants.ts';
// The generic properties every deciding protocol is checked against, in the same forms a user writes.
export { agreement, validity, integrity, noEquivocation, accountability, termination, genericProperties, culprits } from './check/generic.ts';
export type { Action } from './sim/actions.ts';
export type { World, Envelope } from './sim/world.ts';
export { isCorrect } from './sim/world.ts';

// Fixtures.
export { FIXTURE_FORMAT, writeFixture, formatFixture, validateFixture } from './trace/fixture.ts';
export type { Fixture, Expectation, Provenance } from './trace/fixture.ts';
export { sequenceChart } from './trace/chart.ts';
export { toItf, itfText, fromItf } from './trace/itf.ts';
export type { ItfTrace, ItfRun, ItfOptions } from './trace/itf.ts';

// The built-in protocols.
export { tendermint } from './protocols/tendermint/index.ts';
export { hotstuff } from './protocols/hotstuff/index.ts';
export { pow } from './protocols/pow/index.ts';
export { PROTOCOLS, createProtocol } from './protocols/registry.ts';
export { loadProtocol } from './protocols/load.ts';
export { exhaustive, exhaustiveFixture } from './search/exhaustive.ts';
export type { ExhaustiveOptions, ExhaustiveReport } from './search/exhaustive.ts';
