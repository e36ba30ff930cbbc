import { type AnvilNode } from './anvil-node';
import { type BlockMiner, type TxRequest } from './block-miner';
import { waitFor } from './wait';

/**
 * A contract that emits one log per call, hand-assembled (no compiler): LOG1 with
 * LOG_TOPIC and the block number as data. Deployed through a BlockMiner, so that every
 * node of a same-chain fleet has it at the same address.
 */

/** anvil's first dev account (unlocked). */
export const DEV_ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
export const LOG_TOPIC = `0x${'5e'.repeat(32)}`;
/** NUMBER PUSH1 0 MSTORE PUSH32 topic PUSH1 0x20 PUSH1 0 LOG1 STOP (0x2b bytes). */
const RUNTIME = `43600052 7f${LOG_TOPIC.slice(2)} 6020 6000 a1 00`.replace(/ /g, '');
/** Copies the runtime (after these 0x0b bytes) to memory and returns it. */
const INIT = '602b80600b6000396000f3';

/** Deploys the contract on every live node (mining one block); returns its address. */
export async function deployLogEmitter(miner: BlockMiner): Promise<string> {
  const hash = await miner.sendToAll({ from: DEV_ACCOUNT, data: `0x${INIT}${RUNTIME}` });
  await miner.mineNow();
  const [node] = miner.live();
  return waitFor(
    'the log emitter deployed',
    async () => (await receipt(node, hash))?.contractAddress ?? undefined,
    { timeoutMs: 5000 },
  );
}

/** A call of the contract: one log in the block that includes it. */
export function emitLogTx(contract: string): TxRequest {
  return { from: DEV_ACCOUNT, to: contract };
}

async function receipt(
  node: AnvilNode | undefined,
  hash: string,
): Promise<{ contractAddress?: string | null } | null> {
  if (!node) throw new Error('no live node');
  return node.rpc('eth_getTransactionReceipt', [hash]);
}
