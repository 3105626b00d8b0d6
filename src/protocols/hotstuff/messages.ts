import { memoDigest } from '../../core/hash.ts';
import type { NodeId } from '../../core/types.ts';

/**
 * Messages of chained HotStuff (Yin, Malkhi, Reiter, Gueta, Abraham, "HotStuff: BFT Consensus
 * in the Lens of Blockchain", arXiv 1803.05069, Alg. 4 "event-driven HotStuff") with the
 * LibraBFT/DiemBFT pacemaker (timeouts carrying the highest QC, timeout certificates).
 *
 * There are no signatures in the simulator: a certificate lists its signers, and a correct
 * node accepts it when they are 2f+1 distinct nodes. Byzantine nodes are only offered real
 * certificates (byzantine.ts), so a signer list stands for the aggregated signature.
 */

/** A quorum certificate: 2f+1 distinct votes for `block` cast in `view` (the block's own view). */
export interface QC {
  readonly block: string;
  readonly view: number;
  /** Distinct voters, ascending. */
  readonly signers: readonly NodeId[];
}

/**
 * A timeout certificate: 2f+1 distinct timeouts for `view` (LibraBFT's TC). The jolteon
 * variant's TC also carries, per signer, the view of the QC its timeout carried, and the
 * highest of those QCs (diem consensus-types/src/timeout_2chain.rs,
 * TwoChainTimeoutCertificate: `highest_hqc_round()` is the round of the QC it carries, and
 * `verify` checks it is the highest round signed).
 */
export interface TC {
  readonly view: number;
  readonly signers: readonly NodeId[];
  /** jolteon: qcViews[i] is the view of the highest QC signers[i] reported. */
  readonly qcViews?: readonly number[];
  /** jolteon: the QC of view max(qcViews). */
  readonly highQC?: QC;
}

/**
 * A block (the paper's node). In the libra and jolteon variants its parent is always the
 * block its justify QC certifies (LibraBFT/DiemBFT: a block extends the block of its QC),
 * so `parent` is redundant with `justify.block` and receivers check they agree. In the alg4
 * variant the parent is the leader's leaf b_leaf (Alg. 4 onPropose: createLeaf(b_leaf, cmd,
 * qc_high, b_leaf.height + 1)), which extends the QC's block but may be an uncertified
 * descendant of it; the block then carries its height.
 */
export interface Block {
  /** id = a short SHA-256 of every other field (blockId). */
  readonly id: string;
  readonly view: number;
  readonly parent: string;
  readonly justify: QC;
  readonly proposer: NodeId;
  /** The command; a correct leader proposes `v<view>p<self>`. */
  readonly payload: string;
  /** alg4 only: the paper's b.height, parent's height + 1 (genesis 0); absent elsewhere. */
  readonly height?: number;
}

export type HotStuffMessage =
  /** MSG(generic, b_new, ⊥) of Alg. 4 onPropose; `tc` proves the view when it was entered by timeout. */
  | { readonly type: 'proposal'; readonly block: Block; readonly tc: TC | null }
  /**
   * voteMsg(generic, b, ⊥) of Alg. 4 onReceiveProposal; broadcast, not sent to the next leader
   * only (rules.ts onVote). `view` is the block's view; alg4 votes also carry its height.
   */
  | { readonly type: 'vote'; readonly view: number; readonly block: string; readonly height?: number }
  /** The pacemaker's new-view/timeout message: the sender gave up `view`; it carries its highest QC and TC. */
  | { readonly type: 'timeout'; readonly view: number; readonly highQC: QC; readonly tc: TC | null };

const digest = memoDigest(12);

export function qcKey(qc: QC): string {
  return `${qc.block}@${qc.view}#${qc.signers.join(',')}`;
}

function tcKey(tc: TC | null): string {
  if (tc === null) return '-';
  const base = `${tc.view}#${tc.signers.join(',')}`;
  return tc.highQC === undefined ? base : `${base}#${(tc.qcViews ?? []).join(',')}#${qcKey(tc.highQC)}`;
}

/**
 * The block hash: every field but the id, the justify QC's signers included. Memoised: a pure
 * function. The height enters only when present (alg4), so libra block ids are unchanged.
 */
export function blockId(b: Omit<Block, 'id'>): string {
  const base = `${b.view}|${b.parent}|${qcKey(b.justify)}|${b.proposer}|${b.payload}`;
  return digest(b.height === undefined ? base : `${base}|h${b.height}`);
}

export const GENESIS_ID: string = digest('hotstuff-genesis');

/** The genesis QC certifies the genesis block by convention; it has no signers. */
export const GENESIS_QC: QC = { block: GENESIS_ID, view: 0, signers: [] };

/** The genesis block: view 0, its own parent and justify; committed by every node from the start. */
export const GENESIS: Block = { id: GENESIS_ID, view: 0, parent: GENESIS_ID, justify: GENESIS_QC, proposer: -1, payload: 'genesis' };

/** Build a block on top of `justify`'s block (libra and jolteon: the parent is the QC's block). */
export function makeBlock(view: number, justify: QC, proposer: NodeId, payload: string): Block {
  const content = { view, parent: justify.block, justify, proposer, payload };
  return { id: blockId(content), ...content };
}

/** createLeaf(parent, cmd, qc, height) of Alg. 4 (alg4): any parent that extends the QC's block. */
export function makeLeaf(view: number, parent: string, height: number, justify: QC, proposer: NodeId, payload: string): Block {
  const content = { view, parent, justify, proposer, payload, height };
  return { id: blockId(content), ...content };
}

/** The payload a correct leader proposes in `view`. */
export function leaderPayload(view: number, proposer: NodeId): string {
  return `v${view}p${proposer}`;
}

const BLOCK_ID = /^[0-9a-f]{12}$/;
/**
 * Decisions are block ids: valid when they have the form of one. Every block a correct node
 * stores had its id recomputed from its content, so a decided id names a real block.
 */
export function isValidValue(v: string): boolean {
  return BLOCK_ID.test(v);
}

function short(id: string): string {
  return id.slice(0, 6);
}

function describeQC(qc: QC): string {
  return `${short(qc.block)}@${qc.view}`;
}

export function describeMessage(m: HotStuffMessage): string {
  switch (m.type) {
    case 'proposal': {
      const b = m.block;
      const leaf = b.height === undefined ? '' : ` h${b.height}${b.parent === b.justify.block ? '' : ` parent=${short(b.parent)}`}`;
      return `PROPOSE v${b.view} b=${short(b.id)}${leaf} qc=${describeQC(b.justify)} ${b.payload}${m.tc === null ? '' : ` tc=${m.tc.view}`}`;
    }
    case 'vote':
      return `VOTE v${m.view} b=${short(m.block)}${m.height === undefined ? '' : ` h${m.height}`}`;
    case 'timeout':
      return `TIMEOUT v${m.view} qc=${describeQC(m.highQC)}${m.tc === null ? '' : ` tc=${m.tc.view}`}`;
  }
}

export function messageKey(m: HotStuffMessage): string {
  switch (m.type) {
    case 'proposal':
      return `P/${m.block.id}/${tcKey(m.tc)}`;
    case 'vote':
      return m.height === undefined ? `V/${m.view}/${m.block}` : `V/${m.view}/${m.block}/h${m.height}`;
    case 'timeout':
      return `T/${m.view}/${qcKey(m.highQC)}/${tcKey(m.tc)}`;
  }
}

function isNat(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function show(x: unknown): string {
  return JSON.stringify(x) ?? String(x);
}

function validateSigners(raw: unknown, where: string): string | undefined {
  if (!Array.isArray(raw) || !raw.every(isNat)) return `${where}: expected a list of node ids, got ${show(raw)}`;
  return undefined;
}

function validateQC(raw: unknown, where: string): string | undefined {
  if (typeof raw !== 'object' || raw === null) return `${where}: expected a QC object, got ${show(raw)}`;
  const q = raw as Record<string, unknown>;
  if (typeof q['block'] !== 'string') return `${where}.block: expected a block id string, got ${show(q['block'])}`;
  if (!isNat(q['view'])) return `${where}.view: expected a non-negative integer, got ${show(q['view'])}`;
  return validateSigners(q['signers'], `${where}.signers`);
}

function validateTC(raw: unknown, where: string): string | undefined {
  if (raw === null) return undefined;
  if (typeof raw !== 'object') return `${where}: expected a TC object or null, got ${show(raw)}`;
  const t = raw as Record<string, unknown>;
  if (!isNat(t['view'])) return `${where}.view: expected a non-negative integer, got ${show(t['view'])}`;
  if (t['qcViews'] !== undefined && (!Array.isArray(t['qcViews']) || !t['qcViews'].every(isNat))) {
    return `${where}.qcViews: expected a list of views, got ${show(t['qcViews'])}`;
  }
  if (t['highQC'] !== undefined) {
    const bad = validateQC(t['highQC'], `${where}.highQC`);
    if (bad !== undefined) return bad;
  }
  return validateSigners(t['signers'], `${where}.signers`);
}

/** Check a message read from a fixture; the error names the field. Content (hashes, quorums) is the receiver's business. */
export function validateMessage(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return `expected a message object, got ${show(raw)}`;
  const m = raw as Record<string, unknown>;
  switch (m['type']) {
    case 'proposal': {
      const b = m['block'];
      if (typeof b !== 'object' || b === null) return `block: expected a block object, got ${show(b)}`;
      const r = b as Record<string, unknown>;
      for (const f of ['id', 'parent', 'payload'] as const) {
        if (typeof r[f] !== 'string') return `block.${f}: expected a string, got ${show(r[f])}`;
      }
      if (!isNat(r['view'])) return `block.view: expected a non-negative integer, got ${show(r['view'])}`;
      if (typeof r['proposer'] !== 'number' || !Number.isInteger(r['proposer'])) {
        return `block.proposer: expected a node id, got ${show(r['proposer'])}`;
      }
      if (r['height'] !== undefined && !isNat(r['height'])) return `block.height: expected a non-negative integer, got ${show(r['height'])}`;
      return validateQC(r['justify'], 'block.justify') ?? validateTC(m['tc'], 'tc');
    }
    case 'vote':
      if (!isNat(m['view'])) return `view: expected a non-negative integer, got ${show(m['view'])}`;
      if (typeof m['block'] !== 'string') return `block: expected a block id string, got ${show(m['block'])}`;
      if (m['height'] !== undefined && !isNat(m['height'])) return `height: expected a non-negative integer, got ${show(m['height'])}`;
      return undefined;
    case 'timeout':
      if (!isNat(m['view'])) return `view: expected a non-negative integer, got ${show(m['view'])}`;
      return validateQC(m['highQC'], 'highQC') ?? validateTC(m['tc'], 'tc');
    default:
      return `type: expected proposal, vote or timeout, got ${show(m['type'])}`;
  }
}
