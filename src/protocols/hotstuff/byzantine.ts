import type { ByzantineContext } from '../../core/types.ts';
import { type Block, GENESIS_ID, GENESIS_QC, type HotStuffMessage, type QC, type TC, leaderPayload, makeBlock, makeLeaf, qcKey } from './messages.ts';
import { type HotStuffState, leader } from './state.ts';

/** How many QCs a Byzantine leader may build on: the newest few (stale ones included) and genesis. */
const QC_CHOICES = 3;
/** How many recent blocks a Byzantine voter may vote for. */
const VOTE_CHOICES = 12;

/**
 * What a Byzantine node may sign now, in a canonical order (a few dozen at most):
 * - where it leads one of the views correct nodes are in (or the next one), proposals on each
 *   of the newest QCs in play and on genesis (a stale QC), each with two payloads
 *   (equivocation: two blocks in one view);
 * - votes for every recent block in play, whatever it voted before (double votes);
 * - a timeout for each of those views, carrying the newest QC.
 * Certificates are never forged: only QCs and TCs some node holds or some message carries
 * are used (a QC stands for 2f+1 signatures). Withholding is the adversary dropping its
 * messages, which the simulator already allows for free.
 * alg4: each proposal either sits on its QC's block or extends the newest block in play that
 * descends from it (an uncertified leaf, as Alg. 4 lets a leader do), with the right height;
 * votes name the block's height.
 */
export function byzantineMessages(ctx: ByzantineContext<HotStuffState, HotStuffMessage>): HotStuffMessage[] {
  const { cfg, self, states, seen } = ctx;
  const qcs = new Map<string, QC>();
  const tcs = new Map<number, TC>();
  const blocks = new Map<string, Block>();
  const addQC = (q: QC): void => {
    const k = `${q.block}@${q.view}`;
    const old = qcs.get(k);
    if (old === undefined || qcKey(q) < qcKey(old)) qcs.set(k, q);
  };
  const addTC = (t: TC | null): void => {
    if (t === null) return;
    const old = tcs.get(t.view);
    if (old === undefined || t.signers.join(',') < old.signers.join(',')) tcs.set(t.view, t);
  };
  for (const s of states) {
    addQC(s.highQC);
    addTC(s.highTC);
    for (const { block } of s.blocks.values()) {
      addQC(block.justify);
      if (block.view > 0) blocks.set(block.id, block);
    }
  }
  for (const m of seen) {
    if (m.type === 'proposal') {
      addQC(m.block.justify);
      addTC(m.tc);
      blocks.set(m.block.id, m.block);
    } else if (m.type === 'timeout') {
      addQC(m.highQC);
      addTC(m.tc);
    }
  }

  const byView = (a: QC, b: QC): number => b.view - a.view || (a.block < b.block ? -1 : a.block > b.block ? 1 : 0);
  const choices = [...qcs.values()].sort(byView).slice(0, QC_CHOICES);
  if (!choices.some((q) => q.view === 0)) choices.push(GENESIS_QC);
  const newest = choices[0] ?? GENESIS_QC;

  // Instances n.. are Twins of Byzantine nodes (sim/world.ts): not correct either.
  const correctViews = states.filter((_, i) => i < cfg.n && !cfg.byzantine.includes(i)).map((s) => s.view);
  const views = [...new Set([...correctViews, Math.max(...correctViews) + 1])].sort((a, b) => a - b);
  const lo = views[0] ?? 1;

  const alg4 = states[0]?.flags.variant === 'alg4';
  const heightOf = (id: string): number => (id === GENESIS_ID ? 0 : (blocks.get(id)?.height ?? -1));
  /** The newest block in play of a view below w that descends from `root` by parent links (not root itself). */
  const leafOver = (root: string, w: number): Block | undefined => {
    let best: Block | undefined;
    for (const b of blocks.values()) {
      if (b.view >= w || b.id === root || heightOf(b.id) < 0) continue;
      let cur: Block | undefined = b;
      while (cur !== undefined && cur.id !== root && cur.view > 0) cur = blocks.get(cur.parent);
      if (cur?.id !== root) continue;
      if (best === undefined || b.view > best.view || (b.view === best.view && b.id < best.id)) best = b;
    }
    return best;
  };

  const out: HotStuffMessage[] = [];
  for (const w of views) {
    if (leader(w, cfg.n) !== self) continue;
    const tc = tcs.get(w - 1) ?? null;
    for (const q of choices) {
      if (q.view >= w) continue;
      for (const payload of [leaderPayload(w, self), `${leaderPayload(w, self)}'`]) {
        if (!alg4) {
          out.push({ type: 'proposal', block: makeBlock(w, q, self, payload), tc });
          continue;
        }
        const h = heightOf(q.block);
        if (h >= 0) out.push({ type: 'proposal', block: makeLeaf(w, q.block, h + 1, q, self, payload), tc });
        const leaf = leafOver(q.block, w);
        if (leaf !== undefined) out.push({ type: 'proposal', block: makeLeaf(w, leaf.id, heightOf(leaf.id) + 1, q, self, payload), tc });
      }
    }
  }
  const recent = [...blocks.values()]
    .filter((b) => b.view >= lo - 1)
    .sort((a, b) => a.view - b.view || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(-VOTE_CHOICES);
  for (const b of recent) out.push(b.height === undefined ? { type: 'vote', view: b.view, block: b.id } : { type: 'vote', view: b.view, block: b.id, height: b.height });
  for (const w of views) out.push({ type: 'timeout', view: w, highQC: newest, tc: tcs.get(w - 1) ?? null });
  return out;
}
