/**
 * What a Streamlet node that has not finalized enough after GST waits for: the spec's
 * `waitingFor`, one sentence for the termination story. In its epoch a node waits for the
 * leader's proposal, then for votes from a quorum (2n/3) on it; finalizing takes three
 * notarized blocks of consecutive epochs in a row. Counts are read from what the node heard
 * (distinct voters), so a node that holds a quorum and still does not move says so.
 */
import type { ClusterConfig, StuckView } from 'consensus-harness';
import type { StreamletMessage } from './messages.ts';
import { type StreamletState, leader } from './node.ts';

/** The third argument of waitingFor: the final cluster and the standing of each node. */
type Stuck = StuckView<StreamletState, StreamletMessage>;

export function waitingFor(s: StreamletState, cfg: ClusterConfig, stuck: Stuck): string {
  const e = s.epoch;
  const done = `finalized ${s.final.length} of ${cfg.heights}, longest notarized chain ${s.longest}`;
  if (s.handled < e) return `waits for the PROPOSAL of epoch ${e} from leader ${stuck.who(leader(e, s.n))}; ${done}`;
  let proposal: string | undefined;
  for (const [id, b] of s.blocks) if (b.epoch === e && b.payload === `p${leader(e, s.n)}`) proposal = id;
  proposal ??= [...s.blocks].find(([, b]) => b.epoch === e)?.[0];
  if (proposal === undefined) return `handled epoch ${e} but holds no block of it; ${done}`;
  const voters = s.heard.get(proposal) ?? [];
  const everyone = Array.from({ length: s.n }, (_, i) => i);
  return `${s.votedIn === e ? 'voted for' : 'refused'} the epoch-${e} block ${proposal.slice(0, 8)}: ` +
    `VOTEs from ${new Set(voters).size} node(s), ${s.quorum} notarize it, ${stuck.senders(voters, everyone)}; ${done}`;
}
