import { LodestarNode } from './lodestar-node';
import { waitFor } from './wait';

/** Lodestar nodes of one chain: a validating node and followers joined over libp2p. */

export { LODESTAR_DIR, ensureLodestarInstalled, isLodestarInstalled } from './lodestar-package';
export {
  LodestarNode,
  SECONDS_PER_SLOT,
  type LodestarOptions,
  type SyncStatus,
} from './lodestar-node';

/**
 * Two nodes of one chain, started in parallel: A runs the validators, B follows A
 * over libp2p. Resolves once B is connected and has followed A past genesis.
 */
export async function startLodestarPair(
  options: { readyTimeoutMs?: number } = {},
): Promise<[LodestarNode, LodestarNode]> {
  const genesisTime = Math.floor(Date.now() / 1000);
  const started = await Promise.allSettled([
    LodestarNode.start({ genesisTime, validators: true, ...options }),
    LodestarNode.start({ genesisTime, validators: false, ...options }),
  ]);
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await Promise.allSettled(nodes.map((node) => node.kill()));
    throw failure.reason;
  }
  const [a, b] = nodes as [LodestarNode, LodestarNode];
  try {
    await joinPeers(b, a);
  } catch (err) {
    await Promise.allSettled([a.kill(), b.kill()]);
    throw err;
  }
  return [a, b];
}

/** follower dials leader until connected, then waits until it is at most one slot behind. */
export async function joinPeers(follower: LodestarNode, leader: LodestarNode): Promise<void> {
  await waitFor(
    `${follower.process.name} to connect to ${leader.process.name}`,
    async () => {
      if ((await follower.peerCount()) > 0) return true;
      await follower.connectPeer(leader);
      return undefined;
    },
    { timeoutMs: 20_000, intervalMs: 500 },
  );
  await waitFor(
    `${follower.process.name} to follow ${leader.process.name}'s head`,
    async () => {
      const [mine, theirs] = await Promise.all([follower.headSlot(), leader.headSlot()]);
      return theirs > 0 && mine >= theirs - 1 ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}
