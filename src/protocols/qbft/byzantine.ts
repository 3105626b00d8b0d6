import type { ByzantineContext, NodeId } from '../../core/types.ts';
import { type IbftMessage, type PreparedCertificate, type SignedRoundChange, alternativeBlock, makeBlock } from '../ibft/messages.ts';
import { highestPrepared, proposerOf } from './rules.ts';
import type { QbftState } from './state.ts';

/**
 * What a Byzantine QBFT node may sign. It cannot forge others' signatures, so the round
 * changes and certificates it puts in a proposal are ones some node received (or its own
 * round change with nothing prepared). For every height some node is at, rounds from the
 * lowest current round to one past the highest: PREPAREs and COMMITs (valid and bad seals) for
 * every block in play; ROUND-CHANGEs with no certificate or a real one; where it proposes,
 * proposals of every block in play, a fresh and a malformed one, and in rounds > 0 two
 * justifications: all the round changes it knows, and a quorum chosen to leave out the
 * prepared ones (the attack IBFT 2.0's "highest prepared" rule stops).
 */
export function qbftByzantineMessages(ctx: ByzantineContext<QbftState, IbftMessage>): IbftMessage[] {
  const { states, self } = ctx;
  const out: IbftMessage[] = [];
  const seqs = [...new Set(states.map((s) => s.seq))].sort((a, b) => a - b);
  for (const seq of seqs) {
    const here = states.filter((s) => s.seq === seq);
    const ref = here[0]!;
    const lo = Math.min(...here.map((s) => s.round));
    const hi = Math.max(...here.map((s) => s.round));
    const blocks = new Set<string>();
    const certs = new Map<string, PreparedCertificate>();
    for (const s of here) {
      if (s.accepted !== null) blocks.add(s.accepted);
      if (s.prepared !== null) certs.set(JSON.stringify(s.prepared), s.prepared);
      for (const { msg } of s.log) if (msg.type === 'roundchange' && msg.seq === seq && msg.prepared !== null) certs.set(JSON.stringify(msg.prepared), msg.prepared);
    }
    for (const c of certs.values()) blocks.add(c.block);
    const inPlay = [...blocks].sort();
    const certList = [...certs.values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    for (let r = lo; r <= hi + 1; r++) {
      if (r <= hi) {
        for (const digest of inPlay) {
          out.push({ type: 'prepare', seq, round: r, digest });
          out.push({ type: 'commit', seq, round: r, digest, seal: true });
          out.push({ type: 'commit', seq, round: r, digest, seal: false });
        }
      }
      if (r > lo) {
        out.push({ type: 'roundchange', seq, round: r, prepared: null });
        for (const c of certList) if (c.round < r) out.push({ type: 'roundchange', seq, round: r, prepared: c });
      }
      if (proposerOf(ref, seq, r) !== self) continue;
      const fresh = makeBlock(seq, r, self);
      if (r === 0) {
        for (const block of [...new Set([...inPlay, fresh, alternativeBlock(seq, r, self)])].sort().concat(`bad-h${seq}p${self}`)) out.push({ type: 'preprepare', seq, round: 0, block, rcs: [], cert: null });
        continue;
      }
      // The round changes of round r that some node received, one per sender, plus its own.
      const rcs = new Map<NodeId, SignedRoundChange>();
      rcs.set(self, { from: self, round: r, prepared: null });
      for (const s of here) {
        for (const { from, msg } of s.log) {
          if (msg.type === 'roundchange' && msg.seq === seq && msg.round === r && !rcs.has(from)) rcs.set(from, { from, round: r, prepared: msg.prepared });
        }
      }
      const all = [...rcs.values()].sort((a, b) => a.from - b.from);
      if (all.length < ref.quorum) continue;
      const best = highestPrepared(all);
      out.push({ type: 'preprepare', seq, round: r, block: best?.block ?? fresh, rcs: all, cert: best });
      const unprepared = [...all.filter((x) => x.prepared === null), ...all.filter((x) => x.prepared !== null)].slice(0, ref.quorum);
      const partial = highestPrepared(unprepared);
      out.push({ type: 'preprepare', seq, round: r, block: partial?.block ?? fresh, rcs: unprepared, cert: partial });
    }
  }
  return out;
}
