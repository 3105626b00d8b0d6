import type { NodeId, Protocol, VoteSlot } from '../../core/types.ts';
import { ibftByzantineMessages } from './byzantine.ts';
import { IBFT_INVARIANTS } from './invariants.ts';
import { lockSplit } from './liveness.ts';
import { always, defineProtocol, sometimes, transitions } from '../../core/define.ts';
import { type IbftMessage, describeMessage, isValidBlock, messageKey, validateMessage } from './messages.ts';
import { type IbftLivenessMutant, type IbftMutant, ibftFlagsFor } from './mutants.ts';
import { init, onMessage, onTimer } from './reducer.ts';
import type { IbftOptions, IbftState } from './state.ts';
import { ibftAbstraction } from './abstraction.ts';
import { ibftWaitingFor } from './story.ts';
import { IBFT_RULES } from './coverage.ts';

export { IBFT_LIVENESS_MUTANTS, IBFT_MUTANTS, IBFT_MUTANT_LIST, type IbftLivenessMutant, type IbftMutant } from './mutants.ts';
export type { IbftMessage } from './messages.ts';
export type { IbftOptions, IbftState } from './state.ts';
export { lockSplit, watchLockSplit } from './liveness.ts';

/** One vote per (signer, type, height, round); a correct node never signs two different ones. */
export function voteSlot(from: NodeId, m: IbftMessage): VoteSlot {
  switch (m.type) {
    case 'preprepare':
      return { slot: `preprepare/${from}/h${m.seq}/r${m.round}`, value: m.block };
    case 'prepare':
      return { slot: `prepare/${from}/h${m.seq}/r${m.round}`, value: m.digest };
    case 'commit':
      // A COMMIT whose committed seal does not verify is another vote than the valid one (only
      // a Byzantine node signs one): an equivocating node after GST sends it as its second version.
      return { slot: `commit/${from}/h${m.seq}/r${m.round}`, value: m.seal ? m.digest : `${m.digest} (invalid seal)` };
    case 'roundchange':
      return { slot: `roundchange/${from}/h${m.seq}/r${m.round}`, value: m.prepared === null ? '-' : `${m.prepared.block}@${m.prepared.round}` };
  }
}

/** The Klaytn design as configured; the seed study's design is the default. */
export const KLAYTN_OPTIONS: IbftOptions = { quorum: 'ceil2n3', sealCheck: 'import', proposer: 'round-robin', validatorChanges: false };

/**
 * Istanbul BFT as Klaytn runs it (klaytn/klaytn, kaiachain/kaia consensus/istanbul/core).
 * `name` is the registry name the instance answers to (fixtures replay by it).
 */
export function ibft(name = 'ibft', options: Partial<IbftOptions> = {}, mutant?: IbftMutant | IbftLivenessMutant): Protocol<IbftState, IbftMessage> {
  const flags = ibftFlagsFor(mutant);
  const opts: IbftOptions = { ...KLAYTN_OPTIONS, ...options };
  return defineProtocol<IbftState, IbftMessage>({
    name,
    node: { init: (self, cfg) => init(self, cfg, opts, flags), onMessage, onTimer },
    properties: [
      ...transitions(IBFT_INVARIANTS),
      // The IBFT 1.0 liveness flaw caught when it happens, not at the post-GST step bound.
      always('lock-split', 'the nodes of a height do not hold locks that leave no block able to reach Q PREPARE-or-COMMIT senders (IBFT 1.0 stuck for ever)', lockSplit),
      ...IBFT_RULES.map((r) => sometimes<IbftState, IbftMessage>(r.name, r.description, r.seen)),
    ],
    view: (s) => ({
      height: s.seq,
      round: s.round,
      step: s.waiting ? `${s.phase}/waiting` : s.phase,
      lock: s.locked ?? '-',
    }),
    isValidValue: isValidBlock,
    voteSlot,
    describe: describeMessage,
    messageKey,
    byzantineMessages: ibftByzantineMessages,
    validateMessage,
    abstraction: ibftAbstraction,
    waitingFor: ibftWaitingFor,
  }, mutant);
}
