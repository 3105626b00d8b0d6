/**
 * The PoW node as a pure reducer.
 *
 * Mining is an environment event the adversary fires before GST: `mine:<k>` at node i means
 * "node i finds the next block, on its current head, timestamped k seconds after its parent"
 * (`mine:<k>:signal` also signals the BIP9 deployment). So the adversary chooses who mines and
 * when, which makes forks, difficulty and timestamps vary, across retargets too; hash power
 * shares weight the choice (rules.ts PowConfig.shares). The miner broadcasts the block and
 * handles its own copy at once, through the same validation as anyone else's.
 *
 * Blocks are not relayed: the simulator's gossip assumption already delivers every block a
 * correct node sent, and every Byzantine block some correct node received, to every correct
 * node by GST (sim/step.ts), which is what convergence needs; relaying would multiply the
 * post-GST deliveries by n for nothing.
 */
import { PersistentMap } from '../../core/persistent.ts';
import type { ClusterConfig, NodeId, Step } from '../../core/types.ts';
import type { PowMessage } from './messages.ts';
import { blockVersion } from './params.ts';
import { type PowConfig, genesisEntry, mineBlock, mineEventName, parseMineEvent, perInstance, receiveBlock } from './rules.ts';
import { type PowState, nextState } from './state.ts';

type PStep = Step<PowState, PowMessage>;

/**
 * The tree every node starts from, per protocol instance: genesis alone. One immutable value
 * shared by every node of every run (the map is persistent: a node's first block makes its
 * own version), so starting a run hashes and allocates nothing for it.
 */
const genesisTrees = perInstance<PowConfig, { tree?: PowState['blocks'] }>(() => ({}));

function genesisTree(cfg: PowConfig): PowState['blocks'] {
  const slot = genesisTrees(cfg);
  if (slot.tree === undefined) {
    const genesis = genesisEntry(cfg.params, cfg.flags);
    slot.tree = PersistentMap.of([[genesis.block.id, genesis]]);
  }
  return slot.tree;
}

export function init(cfg: PowConfig, self: NodeId): PStep {
  const blocks = genesisTree(cfg);
  const genesis = blocks.at(0)![1];
  return {
    state: {
      self,
      genesis: genesis.block.id,
      blocks,
      head: genesis.block.id,
      orphans: [],
      invalid: new Set(),
      nextSeq: 1,
      mined: 0,
    },
    effects: [],
  };
}

export function onMessage(cfg: PowConfig, s: PowState, _from: NodeId, m: PowMessage): PStep {
  return { state: receiveBlock(cfg, s, m.block), effects: [] };
}

export function onEvent(cfg: PowConfig, s: PowState, event: string): PStep {
  const e = parseMineEvent(cfg, event);
  const block = mineBlock(cfg, s, e, blockVersion(e.signal, cfg.deployment));
  return { state: nextState(s, s.blocks, s.head, s.orphans, s.invalid, s.nextSeq, s.mined + 1), effects: [{ kind: 'broadcast', msg: { type: 'block', block } }] };
}

const eventLists = perInstance<PowConfig, Map<number, readonly string[]>>(() => new Map());

/**
 * The mining events a node offers: every offset, signalling or not, `share` times over.
 * Asked for every node at every adversary step, so the lists are built once per share.
 */
export function events(cfg: PowConfig, s: PowState, cluster: ClusterConfig): readonly string[] {
  if (cfg.shares !== undefined && cfg.shares.length !== cluster.n) {
    throw new Error(`pow: ${cfg.shares.length} hash power shares for ${cluster.n} nodes`);
  }
  const share = cfg.shares?.[s.self] ?? 1;
  const byShare = eventLists(cfg);
  let list = byShare.get(share);
  if (list === undefined) {
    const one: string[] = [];
    for (const offset of cfg.offsets) {
      for (const signal of [false, true]) one.push(mineEventName({ offset, signal }));
    }
    const out: string[] = [];
    for (let i = 0; i < share; i++) out.push(...one);
    list = Object.freeze(out);
    byShare.set(share, list);
  }
  return list;
}
