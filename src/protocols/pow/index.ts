import type { ByzantineContext, NodeId, Protocol, Timer } from '../../core/types.ts';
import { defineProtocol, eventually, sometimes, transition } from '../../core/define.ts';
import type { PowParams } from './arith.ts';
import type { Deployment } from './bip9.ts';
import { byzantineMessages } from './byzantine.ts';
import { POW_FINAL_INVARIANTS, powInvariants } from './invariants.ts';
import { type PowMessage, describeMessage, isValidValue, messageKey, shortId, validateMessage } from './messages.ts';
import { type PowMutant, flagsFor } from './mutants.ts';
import { POW_DEPLOYMENT, POW_PARAMS, TIME_OFFSETS } from './params.ts';
import { events, init, onEvent, onMessage } from './reducer.ts';
import type { PowConfig } from './rules.ts';
import { type PowState, headEntry } from './state.ts';
import { powAbstraction } from './abstraction.ts';
import { powRules } from './coverage.ts';
import { writeAhead } from '../../core/durable.ts';
import { POW_DURABILITY } from './durable.ts';

export { POW_MUTANTS, POW_MUTANT_LIST, type PowMutant } from './mutants.ts';
export type { Block, BlockHeader, PowMessage } from './messages.ts';
export type { BlockEntry, PowState } from './state.ts';
export type { PowConfig } from './rules.ts';
export { POW_DEPLOYMENT, POW_PARAMS, TIME_OFFSETS } from './params.ts';

export interface PowOptions {
  /** Chain parameters (default POW_PARAMS: a retarget every 2 blocks). */
  readonly params?: PowParams;
  readonly deployment?: Deployment;
  /** Timestamp offsets a mining event may choose (default TIME_OFFSETS). */
  readonly offsets?: readonly number[];
  /** Relative hash power per node (small integers; default 1 each; 0: never mines). */
  readonly shares?: readonly number[];
}

/**
 * Nakamoto consensus: every node keeps a block tree and follows the chain with the most
 * work; mining is an adversary-fired event. No final decisions (`decides: false`): liveness
 * is convergence after GST, a final invariant.
 */
export function pow(mutant?: PowMutant, options: PowOptions = {}): Protocol<PowState, PowMessage> {
  const cfg: PowConfig = {
    flags: flagsFor(mutant),
    params: options.params ?? POW_PARAMS,
    deployment: options.deployment ?? POW_DEPLOYMENT,
    offsets: options.offsets ?? TIME_OFFSETS,
    ...(options.shares !== undefined ? { shares: options.shares } : {}),
  };
  // No timers (the contract's default handler ignores one); mining is an environment event.
  return defineProtocol<PowState, PowMessage>({
    name: 'pow',
    node: writeAhead<PowState, PowMessage, Timer, PowState>({
      init: (self: NodeId) => init(cfg, self),
      onMessage: (s, from, m) => onMessage(cfg, s, from, m),
      events: (s, cluster) => events(cfg, s, cluster),
      onEvent: (s, event) => onEvent(cfg, s, event),
    }, POW_DURABILITY),
    properties: [
      // Each check registered as it is (no wrapper closure: one call less per invariant per reducer call).
      ...powInvariants(cfg.params, cfg.deployment).map((i) => transition<PowState, PowMessage>(i.name, i.description, i.check)),
      ...POW_FINAL_INVARIANTS.map((f) => eventually<PowState, PowMessage>(f.name, f.description, (states, c) => f.check(states, c))),
      ...powRules(cfg.params).map((r) => sometimes<PowState, PowMessage>(r.name, r.description, r.seen)),
    ],
    view: (s) => ({ height: headEntry(s).block.height, round: 0, step: shortId(s.head), lock: '-' }),
    isValidValue,
    describe: describeMessage,
    messageKey,
    decides: false,
    byzantineMessages: (ctx: ByzantineContext<PowState, PowMessage>) => byzantineMessages(cfg, ctx),
    validateMessage,
    abstraction: powAbstraction,
  }, mutant);
}
