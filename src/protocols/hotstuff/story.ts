/**
 * What a HotStuff node (any variant) that has not committed enough after GST waits for
 * (Protocol.waitingFor), in one sentence for the termination story: the proposal of its view
 * and the leader that owes it, the votes it collected for a block of its view and the timeouts
 * of its view, each against the n - f a certificate needs (the paper's count, not the
 * reducer's, so a node that holds enough and still does not move says so), and who has not
 * sent them. Read from the node's block tree and its vote and timeout collectors. Runs only
 * when termination fails.
 */
import type { ClusterConfig, StuckView } from '../../core/types.ts';
import type { HotStuffMessage } from './messages.ts';
import type { HotStuffState } from './state.ts';

const short = (id: string) => id.slice(0, 6);

export function hotstuffWaitingFor(s: HotStuffState, cfg: ClusterConfig, stuck: StuckView<HotStuffState, HotStuffMessage>): string {
  const v = s.view;
  // A QC or TC holds n - f = 2f+1 signatures (n = 3f+1).
  const q = cfg.n - cfg.f;
  // The leader of view v: round robin over the nodes.
  const leaderId = v % cfg.n;
  const everyone = Array.from({ length: cfg.n }, (_, i) => i);
  const parts: string[] = [];
  let proposal: string | undefined;
  for (const { block } of s.blocks.values()) if (block.view === v) proposal = block.id;
  if (proposal === undefined) {
    const orphan = s.pendingProposals.find((p) => p.msg.block.view === v);
    parts.push(orphan === undefined
      ? `waits for a PROPOSAL of v${v} from leader ${stuck.who(leaderId)}`
      : `holds the PROPOSAL of v${v} b=${short(orphan.msg.block.id)} but not its parent ${short(orphan.msg.block.parent)}`);
  } else {
    parts.push(`${s.lastVotedView >= v && s.timedOutView !== v ? 'voted' : 'holds'} the PROPOSAL of v${v} b=${short(proposal)}`);
  }
  // The block of view v with the most votes (votes are keyed `${view}/${block}`).
  let best: { block: string; voters: readonly number[] } | undefined;
  const prefix = `${v}/`;
  for (const [key, voters] of s.votes) {
    if (key.startsWith(prefix) && (best === undefined || voters.length > best.voters.length)) best = { block: key.slice(prefix.length), voters };
  }
  if (best !== undefined) parts.push(`VOTEs for b=${short(best.block)} of v${v}: ${best.voters.length}, n-f = ${q} needed for a QC; ${stuck.senders(best.voters, everyone)}`);
  const timeouts = s.timeouts.get(v) ?? [];
  if (s.timedOutView === v || timeouts.length > 0) {
    parts.push(`${s.timedOutView === v ? 'timed out in' : 'has not timed out in'} v${v}; TIMEOUTs of v${v}: ${timeouts.length}, n-f = ${q} needed for a TC; ${stuck.senders(timeouts, everyone)}`);
  }
  parts.push(`committed ${s.committed.length}, highest QC @v${s.highQC.view}${s.highTC === null ? '' : `, highest TC @v${s.highTC.view}`}${s.lockedView > 0 ? `, locked on ${short(s.lockedBlock)}@v${s.lockedView}` : ''}`);
  return parts.join('; ');
}
