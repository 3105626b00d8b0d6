/**
 * Streamlet's blocks and messages (Chan and Shi, "Streamlet: Textbook Streamlined
 * Blockchains", AFT 2020, section 3). A block names its epoch, its parent and a payload;
 * its id is a hash of those three (the paper's H(b)), so two messages about one id speak
 * of one block. Messages carry whole blocks: whoever hears a vote learns the block too.
 */
import { createHash } from 'node:crypto';

export interface Block {
  readonly epoch: number;
  /** Id of the parent block; the genesis block's id is GENESIS_ID. */
  readonly parent: string;
  /** The transactions, abstracted: honest leaders write `p<id>`, Byzantine ones what they like. */
  readonly payload: string;
}

export type StreamletMessage =
  /** The epoch's leader proposes a block (section 3, "Propose"). */
  | { readonly kind: 'propose'; readonly block: Block }
  /** A node votes for a block (section 3, "Vote"); votes are broadcast. */
  | { readonly kind: 'vote'; readonly block: Block };

/** The genesis block: epoch 0, notarized by definition (section 3). */
export const GENESIS_ID = 'genesis';
export const GENESIS: Block = { epoch: 0, parent: '', payload: '' };

// blockId is a pure function; the cache only saves hashing the same block again (bounded).
const idCache = new Map<string, string>();
const ID_CACHE_LIMIT = 100_000;

/** H(b): "e<epoch>." and 8 hex digits of SHA-256 over the block's fields. */
export function blockId(b: Block): string {
  if (b.epoch === 0 && b.parent === '') return GENESIS_ID;
  const text = `${b.epoch}|${b.parent}|${b.payload}`;
  let id = idCache.get(text);
  if (id === undefined) {
    id = `e${b.epoch}.${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
    if (idCache.size >= ID_CACHE_LIMIT) idCache.clear();
    idCache.set(text, id);
  }
  return id;
}

export function describeMessage(m: StreamletMessage): string {
  const id = blockId(m.block);
  return `${m.kind === 'propose' ? 'PROPOSE' : 'VOTE'} ${id} (parent ${m.block.parent}${m.block.payload.startsWith('p') ? '' : `, payload ${JSON.stringify(m.block.payload)}`})`;
}

/** A message read from a fixture: the shape above, or an error naming the field. */
export function validateMessage(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return `expected a message object, got ${JSON.stringify(raw)}`;
  const m = raw as Record<string, unknown>;
  if (m['kind'] !== 'propose' && m['kind'] !== 'vote') return `kind: expected "propose" or "vote", got ${JSON.stringify(m['kind'])}`;
  const b = m['block'] as Record<string, unknown> | null;
  if (typeof b !== 'object' || b === null) return `block: expected an object, got ${JSON.stringify(b)}`;
  if (typeof b['epoch'] !== 'number' || !Number.isInteger(b['epoch']) || b['epoch'] < 1) return `block: epoch must be an integer >= 1, got ${JSON.stringify(b['epoch'])}`;
  if (typeof b['parent'] !== 'string' || b['parent'] === '') return `block: parent must be a block id, got ${JSON.stringify(b['parent'])}`;
  if (typeof b['payload'] !== 'string') return `block: payload must be a string, got ${JSON.stringify(b['payload'])}`;
  return undefined;
}
