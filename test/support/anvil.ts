import { type AnvilOptions, AnvilNode, DEFAULT_CHAIN_ID } from './anvil-node';

/** Starting several anvil nodes at once: distinct chains, or one chain on several nodes. */

export { anvilBinary } from './anvil-binary';
export { AnvilNode, DEFAULT_CHAIN_ID, type AnvilOptions } from './anvil-node';
export { JsonRpcError } from './json-rpc';

/**
 * n nodes of one chain (same chain id, genesis timestamp and hashes), mining only
 * on request: mineInStep() keeps them identical, mining one node alone makes it lead.
 */
export async function startSameChainCluster(
  n: number,
  options: { chainId?: number; number?: number; blockInterval?: number } = {},
): Promise<AnvilNode[]> {
  return startAnvilCluster(n, {
    chainId: options.chainId ?? DEFAULT_CHAIN_ID,
    timestamp: Math.floor(Date.now() / 1000),
    noMining: true,
    fixedBlockInterval: options.blockInterval ?? 12,
    ...(options.number === undefined ? {} : { number: options.number }),
  });
}

/** Mines n identical blocks on every node. */
export async function mineInStep(nodes: readonly AnvilNode[], n = 1): Promise<void> {
  await Promise.all(nodes.map((node) => node.mine(n)));
}

export interface AnvilClusterOptions extends Omit<AnvilOptions, 'chainId' | 'port'> {
  /** Every node uses this chain id. Default: each its own, 31337 + i. */
  readonly chainId?: number;
  /** Explicit chain id per node (wins over chainId). */
  readonly chainIds?: readonly number[];
}

/** n anvil nodes started in parallel; each has its own chain id unless told otherwise. */
export async function startAnvilCluster(
  n: number,
  options: AnvilClusterOptions = {},
): Promise<AnvilNode[]> {
  const { chainIds, chainId, ...rest } = options;
  const started = await Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      AnvilNode.start({ ...rest, chainId: chainIds?.[i] ?? chainId ?? DEFAULT_CHAIN_ID + i }),
    ),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await Promise.allSettled(nodes.map((node) => node.kill()));
    throw failure.reason;
  }
  return nodes;
}
