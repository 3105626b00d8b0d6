/**
 * Blocks and the one message of the PoW protocol: a block announcement.
 *
 * Proof of work itself (a header hash below the target) is abstracted: who finds the next
 * block is an adversary event (see reducer.ts), so a block's id is the SHA-256 of its header
 * fields and never has to meet its target. What a node checks is everything else Core checks
 * of a header's work: the parent is known, the height follows it, nBits is in range and
 * equals what the retarget rule demands (ContextualCheckBlockHeader / CheckProofOfWork).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { sha256Hex } from '../../core/hash.ts';
import type { NodeId } from '../../core/types.ts';

export interface BlockHeader {
  /** Id of the parent block (64 hex digits); genesis has NULL_ID. */
  readonly parent: string;
  readonly height: number;
  /** Seconds since the epoch (nTime): parent time plus the offset the mining event chose. */
  readonly time: number;
  /** Compact target (nBits), a uint32. */
  readonly bits: number;
  /** nVersion, a uint32: BIP9 signalling. */
  readonly version: number;
  /** Who mined it (a label only: nothing is signed); -1 for genesis. */
  readonly miner: NodeId;
  /** How many blocks the miner made before this one: keeps every mined block distinct. */
  readonly nonce: number;
}

export interface Block extends BlockHeader {
  /** blockId(header). */
  readonly id: string;
}

export type PowMessage = { readonly type: 'block'; readonly block: Block };

export const NULL_ID = '0'.repeat(64);

/**
 * Entries kept by each memo keyed by block id (reducer, oracle and Byzantine vocabulary alike;
 * each memo is cleared when it reaches this): a run holds a few dozen blocks, so a small memo
 * hits as often as a large one, and stays in the processor's caches. With 100,000-200,000
 * entries the lookups were about twice as costly (profiled, 5,000 default-shape scenarios at
 * n=4: the memo lookups' share of a scenario fell from about 9% to 5%).
 */
export const MEMO_LIMIT = 4096;

function headerText(h: BlockHeader): string {
  return `${h.parent}|${h.height}|${h.time}|${h.bits}|${h.version}|${h.miner}|${h.nonce}`;
}

/**
 * SHA-256 of an ASCII text with noble's hasher, allocating no hasher and no DataView per call:
 * a pristine hasher is cloned into one scratch hasher (state words copied), and the text is fed
 * in pieces shorter than a block (a whole block at once makes noble wrap the input in a new
 * DataView, and a new hasher makes one for its buffer: profiled, those allocations cost more
 * than the compressions).
 */
const blank = sha256.create();
const scratch = sha256.create();
const bytes = new Uint8Array(256);
const HEX_DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const hexCodes: number[] = new Array<number>(64).fill(0);

/** SHA-256 hex of `text` if it is ASCII and short; undefined otherwise. */
function asciiDigest(text: string): string | undefined {
  const n = text.length;
  if (n > bytes.length) return undefined;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return undefined;
    bytes[i] = c;
  }
  blank._cloneInto(scratch);
  for (let i = 0; i < n; i += 63) scratch.update(bytes.subarray(i, Math.min(n, i + 63)));
  const digest = scratch.digest();
  // One flat string from 64 character codes (appending 32 pairs built a rope of 32 pieces).
  for (let i = 0; i < 32; i++) {
    const b = digest[i]!;
    hexCodes[2 * i] = HEX_DIGITS[b >>> 4]!;
    hexCodes[2 * i + 1] = HEX_DIGITS[b & 15]!;
  }
  return String.fromCharCode.apply(null, hexCodes);
}

/** Ids by header text, bounded (MEMO_LIMIT, cleared when full). */
const idByText = new Map<string, string>();

/**
 * The block id: SHA-256 of the header fields (headerText, UTF-8) as 64 hex digits. Memoised by
 * the header text in a small map: runs of one campaign mine the same low blocks over and over
 * (the same miner, offset and nonce on the same parent: 31% of the ids a default-shape
 * campaign asks for were asked for before, within the last 4,096), and the text is cheaper to
 * build and look up than two SHA-256 compressions. (A memo of every id cost more in garbage
 * collection than the hashing it saved.) Text that is not ASCII (only a forged header read from
 * a fixture could have it) is hashed with sha256Hex.
 */
export function blockId(h: BlockHeader): string {
  const text = headerText(h);
  let id = idByText.get(text);
  if (id === undefined) {
    id = asciiDigest(text) ?? sha256Hex(text);
    if (idByText.size >= MEMO_LIMIT) idByText.clear();
    idByText.set(text, id);
  }
  return id;
}

/**
 * Block objects whose id was checked, by id: a message's block is one object however often it
 * is delivered, so `verified.get(b.id) === b` says this very object was made by makeBlock or
 * hashed before. Bounded (cleared when full; a block checked again is hashed again): a run
 * holds a few dozen blocks. A WeakSet of every block cost about 2% of a scenario (its adds, and
 * the collector's work on a large weak table); a small map of strong references costs little.
 */
const verified = new Map<string, Block>();

function markVerified(b: Block): void {
  if (verified.size >= MEMO_LIMIT) verified.clear();
  verified.set(b.id, b);
}

export function makeBlock(h: BlockHeader): Block {
  const b: Block = { parent: h.parent, height: h.height, time: h.time, bits: h.bits, version: h.version, miner: h.miner, nonce: h.nonce, id: blockId(h) };
  markVerified(b);
  return b;
}

/** Does the block's id hash its header? (Blocks are immutable values, so one check per object.) */
export function hasValidId(b: Block): boolean {
  if (verified.get(b.id) === b) return true;
  if (blockId(b) !== b.id) return false;
  markVerified(b);
  return true;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

export function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

export function describeMessage(m: PowMessage): string {
  const b = m.block;
  return `BLOCK h${b.height} ${shortId(b.id)}<-${shortId(b.parent)} bits=${hex32(b.bits)} t=${b.time} v=${hex32(b.version)} by ${b.miner}`;
}

export function messageKey(m: PowMessage): string {
  return `B/${m.block.id}`;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** PoW has no decisions; a "value" would be a block id. */
export function isValidValue(v: string): boolean {
  return HEX64.test(v);
}

function isNat(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function isUint32(x: unknown): x is number {
  return isNat(x) && x <= 0xffffffff;
}

/**
 * Check a message read from a fixture; the error names the field. Only the shape is checked:
 * a block whose id does not match its header is a valid message that the reducer rejects.
 */
export function validateMessage(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return `expected a message object, got ${JSON.stringify(raw)}`;
  const m = raw as Record<string, unknown>;
  if (m['type'] !== 'block') return `type: expected "block", got ${JSON.stringify(m['type'])}`;
  const b = m['block'];
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return `block: expected a block object, got ${JSON.stringify(b)}`;
  const r = b as Record<string, unknown>;
  for (const key of ['id', 'parent'] as const) {
    if (typeof r[key] !== 'string' || !HEX64.test(r[key])) return `block.${key}: expected 64 lowercase hex digits, got ${JSON.stringify(r[key])}`;
  }
  for (const key of ['height', 'time', 'nonce'] as const) {
    if (!isNat(r[key])) return `block.${key}: expected a non-negative integer, got ${JSON.stringify(r[key])}`;
  }
  for (const key of ['bits', 'version'] as const) {
    if (!isUint32(r[key])) return `block.${key}: expected a uint32, got ${JSON.stringify(r[key])}`;
  }
  if (!isNat(r['miner'])) return `block.miner: expected a node id, got ${JSON.stringify(r['miner'])}`;
  return undefined;
}
