import type { MutantInfo, Protocol } from '../core/types.ts';
import { UserError } from '../core/errors.ts';
import { TENDERMINT_DURABLE_MUTANT_LIST, TENDERMINT_MUTANT_LIST, type TendermintMutant, tendermint } from './tendermint/index.ts';
import { ALG4_MUTANT_LIST, HOTSTUFF_DURABLE_MUTANT_LIST, HOTSTUFF_MUTANT_LIST, JOLTEON_MUTANT_LIST, type HotStuffMutant, hotstuff } from './hotstuff/index.ts';
import { TENDERMINT_LIVENESS_MUTANTS } from './tendermint/mutants.ts';
import { HOTSTUFF_LIVENESS_MUTANTS } from './hotstuff/mutants.ts';
import { POW_MUTANT_LIST, type PowMutant, pow } from './pow/index.ts';
import { IBFT_LIVENESS_MUTANTS, IBFT_MUTANT_LIST, type IbftMutant, ibft } from './ibft/index.ts';
import { QBFT_LIVENESS_MUTANTS, QBFT_MUTANT_LIST, type QbftMutant, qbft } from './qbft/index.ts';

/**
 * A protocol's mutant list with what each needs of the adversary: its liveness mutants (they
 * stall only when a Byzantine node keeps misbehaving after GST) need 'post-gst', its
 * crash-recovery ones 'reboots'.
 */
function withNeeds(list: readonly MutantInfo[], liveness: object = {}, durable: readonly MutantInfo[] = []): MutantInfo[] {
  return [
    ...list.map((m) => (m.name in liveness ? { ...m, needs: 'post-gst' as const } : m)),
    ...durable.map((m) => ({ ...m, needs: 'reboots' as const })),
  ];
}

/** A protocol the harness knows, by name: how to build it (correct or with a mutant). */
export interface ProtocolEntry {
  readonly name: string;
  readonly description: string;
  readonly mutants: readonly MutantInfo[];
  // The registry is heterogeneous: each entry has its own state and message types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  create(mutant?: string): Protocol<any, any>;
}

export const PROTOCOLS: Readonly<Record<string, ProtocolEntry>> = {
  tendermint: {
    name: 'tendermint',
    description: 'Tendermint, Algorithm 1 of "The latest gossip on BFT consensus" (Buchman, Kwon, Milosevic)',
    mutants: withNeeds(TENDERMINT_MUTANT_LIST, TENDERMINT_LIVENESS_MUTANTS, TENDERMINT_DURABLE_MUTANT_LIST),
    create: (mutant) => tendermint(mutant as TendermintMutant | undefined),
  },
  hotstuff: {
    name: 'hotstuff',
    description: 'Chained HotStuff, LibraBFT-style pipelining (Yin et al., "HotStuff: BFT Consensus in the Lens of Blockchain", Alg. 4) with a timeout-certificate pacemaker',
    mutants: withNeeds(HOTSTUFF_MUTANT_LIST, HOTSTUFF_LIVENESS_MUTANTS, HOTSTUFF_DURABLE_MUTANT_LIST),
    create: (mutant) => hotstuff(mutant as HotStuffMutant | undefined),
  },
  'hotstuff-alg4': {
    name: 'hotstuff-alg4',
    description: 'Event-driven HotStuff, Algorithm 4 of Yin et al. (arXiv 1803.05069) as printed: heights distinct from views, the leader extends its leaf b_leaf, vheight by height, commit on a direct-parent 3-chain across view gaps; same pacemaker',
    mutants: ALG4_MUTANT_LIST,
    create: (mutant) => hotstuff(mutant as HotStuffMutant | undefined, 'alg4'),
  },
  'hotstuff-jolteon': {
    name: 'hotstuff-jolteon',
    description: '2-chain HotStuff, Jolteon / DiemBFT v4 (Gelashvili et al., FC 2022; diem safety_rules_2chain.rs): 2-chain commit in consecutive rounds, timeouts raise the last voted round, TCs carry the highest QC',
    mutants: JOLTEON_MUTANT_LIST,
    create: (mutant) => hotstuff(mutant as HotStuffMutant | undefined, 'jolteon'),
  },
  pow: {
    name: 'pow',
    description: 'Proof-of-work fork choice: most chainwork, first-seen ties, Bitcoin retarget and BIP9 (Nakamoto 2008; Bitcoin Core)',
    mutants: POW_MUTANT_LIST,
    create: (mutant) => pow(mutant as PowMutant | undefined),
  },
  ibft: {
    name: 'ibft',
    description: 'Istanbul BFT as Klaytn runs it (klaytn/klaytn consensus/istanbul/core): Q = ceil(2S/3), hash locks released only by a new height or a failed import, F+1 round-change catch-up, committed seals checked at block import, round-robin proposer',
    mutants: withNeeds(IBFT_MUTANT_LIST, IBFT_LIVENESS_MUTANTS),
    create: (mutant) => ibft('ibft', {}, mutant as IbftMutant | undefined),
  },
  'ibft-2f1': {
    name: 'ibft-2f1',
    description: 'ibft with the Istanbul quorum 2F+1 of Klaytn before the Cancun fork (without its S = 6 special case): unsafe at S = 5 and 6',
    mutants: [],
    create: () => ibft('ibft-2f1', { quorum: '2f1' }),
  },
  'ibft-kaia': {
    name: 'ibft-kaia',
    description: 'ibft with committed seals also checked on receipt of a COMMIT, as kaiachain/kaia commit.go does (errInvalidCommittedSeal)',
    mutants: [],
    create: () => ibft('ibft-kaia', { sealCheck: 'receipt' }),
  },
  'ibft-sticky': {
    name: 'ibft-sticky',
    description: 'ibft with the Sticky proposer policy (validator/default.go stickyProposer: V[(idx + round) mod S])',
    mutants: [],
    create: () => ibft('ibft-sticky', { proposer: 'sticky' }),
  },
  'ibft-weighted': {
    name: 'ibft-weighted',
    description: 'ibft with a seeded WeightedRandom proposer policy (validator/weighted.go: stake-weighted slots, shuffled per update interval)',
    mutants: [],
    create: () => ibft('ibft-weighted', { proposer: 'weighted-random' }),
  },
  'ibft-valset': {
    name: 'ibft-valset',
    description: 'ibft with validator-set changes: the last node starts outside the committee; blocks carry add/remove votes applied from the next height',
    mutants: [],
    create: () => ibft('ibft-valset', { validatorChanges: true, initiallyOutside: 1 }),
  },
  qbft: {
    name: 'qbft',
    description: 'IBFT 2.0 / QBFT (Saltini & Hyland-Wood, arXiv 1909.10194; Consensys qbft-formal-spec-and-verification): no locks, round changes carry prepared certificates, justified proposals, seals checked on receipt',
    mutants: withNeeds(QBFT_MUTANT_LIST, QBFT_LIVENESS_MUTANTS),
    create: (mutant) => qbft('qbft', {}, mutant as QbftMutant | undefined),
  },
  'qbft-valset': {
    name: 'qbft-valset',
    description: 'qbft with validator-set changes: the last node starts outside the committee; blocks carry add/remove votes applied from the next height',
    mutants: [],
    create: () => qbft('qbft-valset', { validatorChanges: true, initiallyOutside: 1 }),
  },
};

export const DEFAULT_PROTOCOL = 'tendermint';

export function protocolEntry(name: string): ProtocolEntry {
  const entry = PROTOCOLS[name];
  if (entry === undefined) {
    throw new UserError(`unknown protocol ${JSON.stringify(name)} (known: ${Object.keys(PROTOCOLS).join(', ')})`);
  }
  return entry;
}

/** Build a protocol by name, with an optional mutant; unknown names are a clear error. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createProtocol(name: string, mutant?: string | null): Protocol<any, any> {
  const entry = protocolEntry(name);
  if (mutant !== undefined && mutant !== null && !entry.mutants.some((m) => m.name === mutant)) {
    throw new UserError(
      `protocol ${name} has no mutant ${JSON.stringify(mutant)} (known: ${entry.mutants.map((m) => m.name).join(', ')})`,
    );
  }
  return entry.create(mutant ?? undefined);
}
