import { ensureLodestarInstalled, LodestarNode } from '../../test/support';

// Lodestar nodes take seconds to start: scenarios share one block-producing node
// (started on first use, stopped after the run) unless they need their own.

let shared: Promise<LodestarNode> | undefined;

/** A running Lodestar dev node with validators: its slot advances every 2 s. */
export function sharedBeacon(): Promise<LodestarNode> {
  shared ??= ensureLodestarInstalled().then(async () => {
    const node = await LodestarNode.start({ validators: true });
    await node.waitForSlot(1);
    return node;
  });
  return shared;
}

export async function stopSharedBeacons(): Promise<void> {
  const node = shared;
  shared = undefined;
  if (node) await (await node.catch(() => undefined))?.stop();
}
