/**
 * Streamlet (Chan and Shi, "Streamlet: Textbook Streamlined Blockchains", AFT 2020) as a
 * user of consensus-harness writes it: a node (node.ts), properties (properties.ts) and a
 * Byzantine vocabulary (byzantine.ts), put together here. The default export builds the
 * spec for a mutant name (undefined: the correct protocol), so the CLI can load this file:
 *
 *   npx consensus-harness fuzz --protocol ./examples/streamlet/protocol.ts --mutant finalize-on-two
 *
 * Decisions: every position of the finalized chain is decided once, height = position - 1
 * (the first block after genesis is height 0), value = block id; so the harness's
 * agreement, integrity and termination (cfg.heights positions after GST) apply as they are.
 */
import { type NodeView, type ProtocolSpec, type VoteSlot, UserError } from 'consensus-harness';
import { type StreamletMessage, blockId, describeMessage, validateMessage } from './messages.ts';
import { type Bug, type StreamletState, init, onEpochTimer, onMessage } from './node.ts';
import { properties } from './properties.ts';
import { byzantineMessages } from './byzantine.ts';
import { waitingFor } from './story.ts';

export type { StreamletState } from './node.ts';
export type { Block, StreamletMessage } from './messages.ts';

export const mutants: readonly { readonly name: Bug; readonly description: string }[] = [
  { name: 'finalize-on-two', description: 'finalizes on two adjacent notarized blocks of consecutive epochs (the second of them) instead of three' },
  { name: 'vote-any-notarized', description: 'votes for a proposal extending any notarized chain it has seen, not only a longest one' },
  { name: 'count-duplicate-votes', description: 'counts vote messages instead of distinct voters when notarizing' },
];

/** One slot per node and epoch for votes, and for proposals: a correct node signs at most one of each. */
function voteSlot(from: number, m: StreamletMessage): VoteSlot {
  return { slot: `${m.kind}/${from}/e${m.block.epoch}`, value: blockId(m.block) };
}

function view(s: StreamletState): NodeView {
  const step = s.votedIn === s.epoch ? 'voted' : s.handled === s.epoch ? 'refused' : s.epoch % s.n === s.self ? 'lead' : 'wait';
  const tip = s.final.length > 0 ? s.final[s.final.length - 1]! : '-';
  return { height: s.final.length, round: s.epoch, step, lock: `final ${tip}, notarized length ${s.longest}` };
}

export default function streamlet(mutant?: string): ProtocolSpec<StreamletState, StreamletMessage> {
  if (mutant !== undefined && !mutants.some((m) => m.name === mutant)) {
    throw new UserError(`streamlet has no mutant ${JSON.stringify(mutant)} (known: ${mutants.map((m) => m.name).join(', ')})`);
  }
  const bug = mutant as Bug | undefined;
  return {
    name: 'streamlet',
    node: {
      init: (self, cfg) => init(self, cfg, bug),
      onMessage,
      onTimer: onEpochTimer,
    },
    properties,
    voteSlot,
    byzantineMessages,
    describe: describeMessage,
    view,
    validateMessage,
    waitingFor,
  };
}
