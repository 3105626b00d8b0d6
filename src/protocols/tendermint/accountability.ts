/**
 * Tendermint's proof of amnesia, for the accountability property (check/generic.ts): what
 * correct nodes received proves that a node forgot its lock. The rule it breaks is L28 of
 * Algorithm 1 ("The latest gossip on BFT consensus"): a node that precommitted id(v) in round
 * r1 (and so locked v at r1, L36-L41) may prevote another value v' in a later round r2 only on
 * a proof of lock for v' from a round vr with r1 <= vr < r2 (2f+1 PREVOTEs for id(v') in vr).
 * This is the amnesia of the fork-accountability analysis (tendermint/tendermint,
 * spec/light-client/accountability, TendermintAcc_004_draft.tla); equivocation, the other
 * kind, the harness finds itself from voteSlot.
 *
 * Independent of the reducer: it reads only the messages correct nodes received.
 */
import type { ClusterConfig, Culprit, SignedMessage } from '../../core/types.ts';
import type { TendermintMessage } from './messages.ts';

export function tendermintAmnesia(received: readonly SignedMessage<TendermintMessage>[], cfg: ClusterConfig): Culprit[] {
  const pol = 2 * cfg.f + 1;
  // Distinct signers of PREVOTE(h, r, id): key "h/r/id".
  const prevoters = new Map<string, Set<number>>();
  const precommits: SignedMessage<TendermintMessage>[] = [];
  const prevotes: SignedMessage<TendermintMessage>[] = [];
  for (const r of received) {
    const m = r.msg;
    if (m.type === 'proposal' || m.id === null) continue;
    if (m.type === 'prevote') {
      const key = `${m.height}/${m.round}/${m.id}`;
      let set = prevoters.get(key);
      if (set === undefined) prevoters.set(key, (set = new Set()));
      set.add(r.from);
      prevotes.push(r);
    } else precommits.push(r);
  }
  const out: Culprit[] = [];
  const blamed = new Set<number>();
  for (const c of precommits) {
    if (blamed.has(c.from) || c.msg.type !== 'precommit') continue;
    const { height, round: r1, id: id1 } = c.msg;
    for (const v of prevotes) {
      if (v.from !== c.from || v.msg.type !== 'prevote' || v.msg.height !== height) continue;
      const { round: r2, id: id2 } = v.msg;
      if (r2 <= r1 || id2 === id1 || id2 === null) continue;
      let justified = false;
      for (let vr = r1; vr < r2 && !justified; vr++) justified = (prevoters.get(`${height}/${vr}/${id2}`)?.size ?? 0) >= pol;
      if (justified) continue;
      out.push({
        node: c.from,
        kind: 'amnesia',
        evidence: `precommitted ${id1} at h${height} r${r1} (received by node ${c.to}), then prevoted ${id2} at r${r2} (received by node ${v.to}) with no ${pol} prevotes for ${id2} in rounds ${r1}..${r2 - 1}`,
      });
      blamed.add(c.from);
      break;
    }
  }
  return out;
}
