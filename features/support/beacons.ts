import { ensureLodestarInstalled, joinPeers, LodestarNode } from '../../test/support';

// Lodestar nodes take seconds to start: scenarios share one block-producing node
// (started on first use, stopped after the run) unless they need their own.

let shared: Promise<LodestarNode> | undefined;
let follower: Promise<LodestarNode> | undefined;

/** A running Lodestar dev node with validators: its slot advances every 2 s. */
export function sharedBeacon(): Promise<LodestarNode> {
  shared ??= ensureLodestarInstalled().then(async () => {
    const node = await LodestarNode.start({ validators: true });
    await node.waitForSlot(1);
    return node;
  });
  return shared;
}

export interface BeaconPair {
  /** The shared node with the validators: the only one that produces blocks. */
  readonly producer: LodestarNode;
  /** A node without validators on the same chain, following the producer over libp2p. */
  readonly follower: LodestarNode;
}

/**
 * The shared producer and a follower on its chain (same genesis time, dialled over
 * libp2p). The follower is shared too; one that a scenario killed is replaced by a
 * new one on the next call.
 */
export async function sharedBeaconPair(): Promise<BeaconPair> {
  const producer = await sharedBeacon();
  const current = await follower?.catch(() => undefined);
  if (current === undefined || !current.running) {
    follower = LodestarNode.start({
      genesisTime: producer.genesisTime,
      validators: false,
      singleNode: false,
    }).then(async (node) => {
      try {
        await joinPeers(node, producer);
        return node;
      } catch (err) {
        await node.kill();
        throw err;
      }
    });
  }
  return { producer, follower: await (follower as Promise<LodestarNode>) };
}

export async function stopSharedBeacons(): Promise<void> {
  const nodes = [follower, shared];
  follower = undefined;
  shared = undefined;
  for (const node of nodes) {
    const running = await node?.catch(() => undefined);
    if (running?.running) await running.stop();
  }
}
