/**
 * What a PoW node keeps on disk.
 *
 * Bitcoin Core keeps the block index (blocks/index: every header it accepted, with its chain
 * work, sequence and validity flags, BLOCK_FAILED_VALID included) and the chainstate (the UTXO
 * set and the best block) on disk, and since headers-first (0.10) stores a block's data when it
 * arrives, connected or not, fetching what is missing from peers; on restart it reloads them
 * (LoadBlockIndex, LoadChainTip) and re-activates the best chain. What a restart loses is the
 * mempool (written only on a clean shutdown, mempool.dat) and orphan transactions: neither
 * exists in this model. So the whole node state is durable here: connected blocks, head,
 * invalid ids, and the blocks waiting for their parent (they stand in for blocks on disk
 * awaiting connection; without a way to ask peers for a lost one, dropping them would strand the
 * node). Each call writes before its effects (core/durable.ts writeAhead): a miner's block
 * counter is on disk before its block leaves, so a restarted miner never reuses a nonce; a
 * crash between the write and the broadcast loses the block (the restart sends it again).
 * PoW has no timers.
 */
import type { Timer } from '../../core/types.ts';
import type { WriteAhead } from '../../core/durable.ts';
import type { PowMessage } from './messages.ts';
import type { PowState } from './state.ts';

export const POW_DURABILITY: WriteAhead<PowState, PowMessage, Timer, PowState> = {
  restore: (_self, _cfg, s) => s,
  timers: () => [],
};
