import { memoDigest } from '../../core/hash.ts';

/** Messages of Algorithm 1 (Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus"). */
export type TendermintMessage =
  /** ⟨PROPOSAL, h, r, v, vr⟩ (L19) */
  | { readonly type: 'proposal'; readonly height: number; readonly round: number; readonly value: string; readonly validRound: number }
  /** ⟨PREVOTE, h, r, id(v)⟩ or nil (L24, L26) */
  | { readonly type: 'prevote'; readonly height: number; readonly round: number; readonly id: string | null }
  /** ⟨PRECOMMIT, h, r, id(v)⟩ or nil (L40, L45) */
  | { readonly type: 'precommit'; readonly height: number; readonly round: number; readonly id: string | null };

/** id(v) of the paper: a short SHA-256 digest of the value. Memoised: it is a pure function. */
export const valueId: (v: string) => string = memoDigest(12);

/** getValue() of L18: a fresh, valid value that names its proposer, height and round. */
export function freshValue(height: number, round: number, proposer: number): string {
  return `h${height}r${round}p${proposer}`;
}

const VALID = /^h\d+r\d+p\d+$/;
/** valid(v) of the paper: values built by getValue() are valid; anything else a Byzantine node made up is not. */
export function isValidValue(v: string): boolean {
  return VALID.test(v);
}

export function describeMessage(m: TendermintMessage): string {
  switch (m.type) {
    case 'proposal':
      return `PROPOSAL h${m.height} r${m.round} v=${m.value} vr=${m.validRound}`;
    case 'prevote':
      return `PREVOTE h${m.height} r${m.round} ${m.id ?? 'nil'}`;
    case 'precommit':
      return `PRECOMMIT h${m.height} r${m.round} ${m.id ?? 'nil'}`;
  }
}

export function messageKey(m: TendermintMessage): string {
  return m.type === 'proposal'
    ? `P/${m.height}/${m.round}/${m.value}/${m.validRound}`
    : `${m.type === 'prevote' ? 'V' : 'C'}/${m.height}/${m.round}/${m.id ?? 'nil'}`;
}

function isNat(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

/** Check a message read from a fixture; the error names the field. */
export function validateMessage(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return `expected a message object, got ${JSON.stringify(raw)}`;
  const m = raw as Record<string, unknown>;
  if (m['type'] !== 'proposal' && m['type'] !== 'prevote' && m['type'] !== 'precommit') {
    return `type: expected proposal, prevote or precommit, got ${JSON.stringify(m['type'])}`;
  }
  if (!isNat(m['height'])) return `height: expected a non-negative integer, got ${JSON.stringify(m['height'])}`;
  if (!isNat(m['round'])) return `round: expected a non-negative integer, got ${JSON.stringify(m['round'])}`;
  if (m['type'] === 'proposal') {
    if (typeof m['value'] !== 'string') return `value: expected a string, got ${JSON.stringify(m['value'])}`;
    const vr = m['validRound'];
    if (typeof vr !== 'number' || !Number.isInteger(vr) || vr < -1) return `validRound: expected an integer >= -1, got ${JSON.stringify(vr)}`;
  } else if (m['id'] !== null && typeof m['id'] !== 'string') {
    return `id: expected a string or null, got ${JSON.stringify(m['id'])}`;
  }
  return undefined;
}
