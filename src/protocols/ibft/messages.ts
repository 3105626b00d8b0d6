import type { NodeId } from '../../core/types.ts';

/*
 * Messages of Istanbul BFT (Klaytn/Kaia consensus/istanbul/core: preprepare.go, prepare.go,
 * commit.go, roundchange.go; the view is (sequence, round), core.go currentView) and of its
 * IBFT 2.0 / QBFT successor (Saltini & Hyland-Wood, arXiv 1909.10194; Consensys
 * qbft-formal-spec-and-verification dafny/spec/L1/types.dfy), which adds the round-change
 * justification fields. Both protocols share these types; IBFT leaves the QBFT fields empty.
 *
 * A block is named by what makes it unique, `h<seq>r<round>p<proposer>`, optionally followed
 * by a validator vote `+k` (add node k from the next height) or `-k` (remove it); a `b` after
 * the proposer marks a second, equally valid block a Byzantine proposer built for the same
 * view (to equivocate with). The name is its own digest: two blocks with one name are one block. Byzantine nodes may also make up
 * `bad-...` blocks, which no correct node accepts (backend.Verify fails).
 */

/** A round change as it is carried inside a QBFT proposal's justification (signed by `from`). */
export interface SignedRoundChange {
  readonly from: NodeId;
  readonly round: number;
  readonly prepared: PreparedCertificate | null;
}

/** QBFT: the latest round in which a node saw a quorum of PREPAREs for its accepted block, and who signed them. */
export interface PreparedCertificate {
  readonly round: number;
  readonly block: string;
  readonly signers: readonly NodeId[];
}

export type IbftMessage =
  /** PREPREPARE{view, proposal} (preprepare.go sendPreprepare); QBFT PROPOSAL with its justification. */
  | {
    readonly type: 'preprepare';
    readonly seq: number;
    readonly round: number;
    readonly block: string;
    /** QBFT only: the round changes that justify a proposal in round > 0 (empty in IBFT). */
    readonly rcs: readonly SignedRoundChange[];
    /** QBFT only: the prepared certificate of the highest prepared block among rcs, or null. */
    readonly cert: PreparedCertificate | null;
  }
  /** PREPARE{view, digest} (prepare.go sendPrepare). */
  | { readonly type: 'prepare'; readonly seq: number; readonly round: number; readonly digest: string }
  /**
   * COMMIT{view, digest} with the committed seal (core.go finalizeMessage: the sender's
   * signature over the block hash). `seal` false is a seal that does not verify: only a
   * Byzantine node sends one.
   */
  | { readonly type: 'commit'; readonly seq: number; readonly round: number; readonly digest: string; readonly seal: boolean }
  /** ROUND-CHANGE{view} (roundchange.go sendRoundChange); QBFT adds the prepared certificate. */
  | { readonly type: 'roundchange'; readonly seq: number; readonly round: number; readonly prepared: PreparedCertificate | null };

export type Vote = { readonly vote: 'add' | 'remove'; readonly node: NodeId } | null;

export interface ParsedBlock {
  readonly seq: number;
  readonly round: number;
  readonly proposer: NodeId;
  readonly vote: Vote;
}

const BLOCK = /^h(\d+)r(\d+)p(\d+)b?(?:([+-])(\d+))?$/;

/** The fields of a well-formed block name, or undefined for anything else (a made-up block). */
export function parseBlock(block: string): ParsedBlock | undefined {
  const m = BLOCK.exec(block);
  if (m === null) return undefined;
  const vote: Vote = m[4] === undefined ? null : { vote: m[4] === '+' ? 'add' : 'remove', node: Number(m[5]) };
  return { seq: Number(m[1]), round: Number(m[2]), proposer: Number(m[3]), vote };
}

/** A Byzantine proposer's second valid block for a view, different from its pending request. */
export function alternativeBlock(seq: number, round: number, proposer: NodeId): string {
  return `h${seq}r${round}p${proposer}b`;
}

/** The block a proposer builds for (seq, round) (the pending request of request.go), with an optional vote. */
export function makeBlock(seq: number, round: number, proposer: NodeId, vote: Vote = null): string {
  const base = `h${seq}r${round}p${proposer}`;
  return vote === null ? base : `${base}${vote.vote === 'add' ? '+' : '-'}${vote.node}`;
}

/** Well-formed block names are valid values; `bad-...` blocks made up by a Byzantine node are not. */
export function isValidBlock(v: string): boolean {
  return BLOCK.test(v);
}

function describeCert(c: PreparedCertificate | null): string {
  return c === null ? 'none' : `${c.block}@r${c.round} by [${c.signers.join(',')}]`;
}

export function describeMessage(m: IbftMessage): string {
  switch (m.type) {
    case 'preprepare': {
      const just = m.rcs.length === 0 ? '' : ` rcs=[${m.rcs.map((r) => `${r.from}:${r.prepared === null ? '-' : `${r.prepared.block}@r${r.prepared.round}`}`).join(',')}] cert=${describeCert(m.cert)}`;
      return `PREPREPARE h${m.seq} r${m.round} ${m.block}${just}`;
    }
    case 'prepare':
      return `PREPARE h${m.seq} r${m.round} ${m.digest}`;
    case 'commit':
      return `COMMIT h${m.seq} r${m.round} ${m.digest}${m.seal ? '' : ' BAD-SEAL'}`;
    case 'roundchange':
      return `ROUND-CHANGE h${m.seq} r${m.round}${m.prepared === null ? '' : ` prepared=${describeCert(m.prepared)}`}`;
  }
}

function certKey(c: PreparedCertificate | null): string {
  return c === null ? '-' : `${c.round}:${c.block}:${c.signers.join('.')}`;
}

export function messageKey(m: IbftMessage): string {
  switch (m.type) {
    case 'preprepare':
      return `PP/${m.seq}/${m.round}/${m.block}/${m.rcs.map((r) => `${r.from}:${r.round}:${certKey(r.prepared)}`).join(';')}/${certKey(m.cert)}`;
    case 'prepare':
      return `P/${m.seq}/${m.round}/${m.digest}`;
    case 'commit':
      return `C/${m.seq}/${m.round}/${m.digest}/${m.seal ? 1 : 0}`;
    case 'roundchange':
      return `RC/${m.seq}/${m.round}/${certKey(m.prepared)}`;
  }
}

function isNat(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function validateCert(raw: unknown, where: string): string | undefined {
  if (raw === null) return undefined;
  if (typeof raw !== 'object') return `${where}: expected a prepared certificate or null, got ${JSON.stringify(raw)}`;
  const c = raw as Record<string, unknown>;
  if (!isNat(c['round'])) return `${where}.round: expected a non-negative integer, got ${JSON.stringify(c['round'])}`;
  if (typeof c['block'] !== 'string') return `${where}.block: expected a string, got ${JSON.stringify(c['block'])}`;
  if (!Array.isArray(c['signers']) || !c['signers'].every(isNat)) return `${where}.signers: expected a list of node ids, got ${JSON.stringify(c['signers'])}`;
  return undefined;
}

/** Check a message read from a fixture; the error names the field. */
export function validateMessage(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return `expected a message object, got ${JSON.stringify(raw)}`;
  const m = raw as Record<string, unknown>;
  const type = m['type'];
  if (type !== 'preprepare' && type !== 'prepare' && type !== 'commit' && type !== 'roundchange') {
    return `type: expected preprepare, prepare, commit or roundchange, got ${JSON.stringify(type)}`;
  }
  if (!isNat(m['seq'])) return `seq: expected a non-negative integer, got ${JSON.stringify(m['seq'])}`;
  if (!isNat(m['round'])) return `round: expected a non-negative integer, got ${JSON.stringify(m['round'])}`;
  switch (type) {
    case 'preprepare': {
      if (typeof m['block'] !== 'string') return `block: expected a string, got ${JSON.stringify(m['block'])}`;
      const rcs = m['rcs'];
      if (!Array.isArray(rcs)) return `rcs: expected a list of round changes, got ${JSON.stringify(rcs)}`;
      for (let i = 0; i < rcs.length; i++) {
        const r = rcs[i] as Record<string, unknown> | null;
        if (typeof r !== 'object' || r === null) return `rcs[${i}]: expected an object, got ${JSON.stringify(r)}`;
        if (!isNat(r['from'])) return `rcs[${i}].from: expected a node id, got ${JSON.stringify(r['from'])}`;
        if (!isNat(r['round'])) return `rcs[${i}].round: expected a non-negative integer, got ${JSON.stringify(r['round'])}`;
        const e = validateCert(r['prepared'], `rcs[${i}].prepared`);
        if (e !== undefined) return e;
      }
      return validateCert(m['cert'], 'cert');
    }
    case 'prepare':
      return typeof m['digest'] === 'string' ? undefined : `digest: expected a string, got ${JSON.stringify(m['digest'])}`;
    case 'commit':
      if (typeof m['digest'] !== 'string') return `digest: expected a string, got ${JSON.stringify(m['digest'])}`;
      return typeof m['seal'] === 'boolean' ? undefined : `seal: expected true or false, got ${JSON.stringify(m['seal'])}`;
    case 'roundchange':
      return validateCert(m['prepared'], 'prepared');
  }
  return undefined;
}
