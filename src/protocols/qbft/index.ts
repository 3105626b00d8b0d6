import type { Protocol } from '../../core/types.ts';
import type { ChainOptions } from '../ibft/committee.ts';
import { voteSlot } from '../ibft/index.ts';
import { type IbftMessage, describeMessage, isValidBlock, messageKey, validateMessage } from '../ibft/messages.ts';
import { qbftByzantineMessages } from './byzantine.ts';
import { QBFT_INVARIANTS } from './invariants.ts';
import { type QbftLivenessMutant, type QbftMutant, qbftFlagsFor } from './mutants.ts';
import { init, onMessage, onTimer } from './reducer.ts';
import type { QbftState } from './state.ts';
import { defineProtocol, sometimes, transitions } from '../../core/define.ts';
import { qbftAbstraction } from './abstraction.ts';
import { qbftWaitingFor } from './story.ts';
import { QBFT_RULES } from './coverage.ts';

export { QBFT_LIVENESS_MUTANTS, QBFT_MUTANTS, QBFT_MUTANT_LIST, type QbftLivenessMutant, type QbftMutant } from './mutants.ts';
export type { QbftState } from './state.ts';

export const QBFT_OPTIONS: ChainOptions = { proposer: 'round-robin', validatorChanges: false };

/** IBFT 2.0 / QBFT (Saltini & Hyland-Wood, arXiv 1909.10194; Consensys qbft-formal-spec-and-verification). */
export function qbft(name = 'qbft', options: Partial<ChainOptions> = {}, mutant?: QbftMutant | QbftLivenessMutant): Protocol<QbftState, IbftMessage> {
  const flags = qbftFlagsFor(mutant);
  const opts: ChainOptions = { ...QBFT_OPTIONS, ...options };
  return defineProtocol<QbftState, IbftMessage>({
    name,
    node: { init: (self, cfg) => init(self, cfg, opts, flags), onMessage, onTimer },
    properties: [
      ...transitions(QBFT_INVARIANTS),
      ...QBFT_RULES.map((r) => sometimes<QbftState, IbftMessage>(r.name, r.description, r.seen)),
    ],
    view: (s) => ({
      height: s.seq,
      round: s.round,
      step: s.accepted === null ? 'wait' : s.committedRound === s.round ? 'committed' : 'accepted',
      lock: s.prepared === null ? '-' : `prepared ${s.prepared.block}@${s.prepared.round}`,
    }),
    isValidValue: isValidBlock,
    voteSlot,
    describe: describeMessage,
    messageKey,
    byzantineMessages: qbftByzantineMessages,
    validateMessage,
    abstraction: qbftAbstraction,
    waitingFor: qbftWaitingFor,
  }, mutant);
}
