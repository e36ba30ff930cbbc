import { type NodeState } from '../../health/node-state';

/**
 * The candidates of the best tier present: the primaries when there is one, else the
 * backups. CL nodes have no tier: all of them. Candidates come in config order,
 * primaries first, so the best tier is a prefix; the array itself is returned when it
 * holds a single tier (the usual case), without copying.
 */
export function bestTier<N extends NodeState>(
  candidates: readonly Readonly<N>[],
): readonly Readonly<N>[] {
  if (candidates.length === 0) return candidates;
  const first = candidates[0];
  if (first.layer !== 'el') return candidates;
  let end = 0;
  while (end < candidates.length && tierOf(candidates[end]) === tierOf(first)) end++;
  return end === candidates.length ? candidates : candidates.slice(0, end);
}

function tierOf(node: Readonly<NodeState>): string | undefined {
  return node.layer === 'el' ? node.tier : undefined;
}
