import { type Exposition, parseExposition } from '../../test/metrics-exposition';
import { httpRequest } from '../../test/support';
import { type VixyWorld } from './world';

// Which node served what, on a fleet whose nodes are one chain (eth_chainId cannot tell
// them apart): the metrics of Vixy around a call.

export async function scrape(world: VixyWorld): Promise<Exposition> {
  const res = await httpRequest(world.requireVixy().url('/metrics'), { timeoutMs: 2000 });
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  return parseExposition(res.text);
}

function sumByNode(e: Exposition, name: string, labels: Record<string, string> = {}) {
  const out = new Map<string, number>();
  for (const s of e.samples) {
    if (s.name !== name || s.labels.node === undefined) continue;
    if (Object.entries(labels).some(([k, v]) => s.labels[k] !== v)) continue;
    out.set(s.labels.node, (out.get(s.labels.node) ?? 0) + s.value);
  }
  return out;
}

/**
 * Upstream attempts of each EL node that did not fail: vixy_el_requests_total (every
 * attempt) less vixy_upstream_errors_total{layer="el"} (the failed ones).
 */
export function answeredByNode(e: Exposition): Map<string, number> {
  const attempts = sumByNode(e, 'vixy_el_requests_total');
  const failed = sumByNode(e, 'vixy_upstream_errors_total', { layer: 'el' });
  return new Map([...attempts].map(([node, n]) => [node, n - (failed.get(node) ?? 0)]));
}

/** What each EL node answered while `action` ran (nodes that answered nothing left out). */
export async function answeredDuring<T>(
  world: VixyWorld,
  action: () => Promise<T>,
): Promise<{ value: T; answered: Map<string, number> }> {
  const before = answeredByNode(await scrape(world));
  const value = await action();
  const after = answeredByNode(await scrape(world));
  const answered = new Map<string, number>();
  for (const [node, n] of after) {
    const delta = n - (before.get(node) ?? 0);
    if (delta !== 0) answered.set(node, delta);
  }
  return { value, answered };
}

/** Sessions pointed at each EL node (vixy_ws_upstream_node) and the open sessions. */
export async function sessionsByNode(
  world: VixyWorld,
): Promise<{ byNode: Map<string, number>; active: number }> {
  const e = await scrape(world);
  const active = e.samples.find((s) => s.name === 'vixy_ws_connections_active')?.value ?? NaN;
  return { byNode: sumByNode(e, 'vixy_ws_upstream_node'), active };
}

/** Checks that EL node `node`, and no other, answered at least `calls` calls of `answered`. */
export function expectAnsweredBy(
  answered: ReadonlyMap<string, number>,
  node: string,
  calls: number,
): void {
  const others = [...answered].filter(([n, v]) => n !== node && v > 0);
  if ((answered.get(node) ?? 0) < calls || others.length > 0) {
    const seen = JSON.stringify([...answered]);
    throw new Error(`expected ${calls} calls answered by ${node} alone, answered: ${seen}`);
  }
}
