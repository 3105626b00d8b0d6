/**
 * A reference fork choice over a set of blocks, written from the rules and nothing else: no
 * reducer state, no arrival order. A block is valid if its parent is valid (genesis is) and
 * its header follows Core's rules; the best tips are the valid blocks of maximal chainwork.
 * With a unique best tip, every node that received exactly these blocks, in any order, must
 * have it as its head (properties/pow.test.ts).
 *
 * Its arithmetic is the independent oracle's (oracle.ts), never the reducer's arith.ts.
 */
import type { Block } from './messages.ts';
import { type OracleParams, oracleBitsInRange, oracleRequiredBits, oracleWork } from './oracle.ts';

export interface ReferenceChoice {
  /** Ids of the valid blocks (genesis included). */
  readonly valid: ReadonlySet<string>;
  /** Ids of blocks that are invalid or descend from an invalid block. */
  readonly invalid: ReadonlySet<string>;
  /** Ids of blocks whose ancestry does not reach genesis through the set. */
  readonly unconnected: ReadonlySet<string>;
  readonly bestWork: bigint;
  /** The valid blocks with chainwork bestWork, by id. */
  readonly best: readonly string[];
}

export function referenceForkChoice(genesis: Block, blocks: readonly Block[], params: OracleParams): ReferenceChoice {
  const byId = new Map<string, Block>([[genesis.id, genesis]]);
  for (const b of blocks) byId.set(b.id, b);
  const children = new Map<string, Block[]>();
  for (const b of byId.values()) {
    if (b.id === genesis.id) continue;
    const list = children.get(b.parent);
    if (list === undefined) children.set(b.parent, [b]);
    else list.push(b);
  }
  const valid = new Set<string>([genesis.id]);
  const invalid = new Set<string>();
  const work = new Map<string, bigint>([[genesis.id, oracleWork(genesis.bits)]]);
  // Breadth first from genesis: a block is judged once its parent is.
  const queue: Block[] = [genesis];
  for (let i = 0; i < queue.length; i++) {
    const parent = queue[i]!;
    for (const b of children.get(parent.id) ?? []) {
      queue.push(b);
      if (!valid.has(parent.id)) {
        invalid.add(b.id);
        continue;
      }
      const ancestor = (h: number): Block => {
        let x: Block = parent;
        while (x.height > h) x = byId.get(x.parent)!;
        return x;
      };
      const ok = b.height === parent.height + 1 &&
        b.bits === oracleRequiredBits(b.height, ancestor, params) &&
        oracleBitsInRange(b.bits, params);
      if (ok) {
        valid.add(b.id);
        work.set(b.id, work.get(parent.id)! + oracleWork(b.bits));
      } else invalid.add(b.id);
    }
  }
  const unconnected = new Set<string>();
  for (const id of byId.keys()) if (!valid.has(id) && !invalid.has(id)) unconnected.add(id);
  let bestWork = -1n;
  let best: string[] = [];
  for (const [id, w] of work) {
    if (w > bestWork) {
      bestWork = w;
      best = [id];
    } else if (w === bestWork) best.push(id);
  }
  return { valid, invalid, unconnected, bestWork, best };
}
