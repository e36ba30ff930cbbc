import { type NodeState, isAvailable } from '../health/node-state';
import { type AdminNodeDto } from './admin.dto';

/** The full state of a node as the admin API shows it (URLs already redacted by the registry). */
export function toAdminNode(node: Readonly<NodeState>): AdminNodeDto {
  const common = {
    name: node.name,
    lag: node.lag,
    check_ok: node.checkOk,
    is_healthy: node.isHealthy,
    available: isAvailable(node),
    drained: node.drained,
    consecutive_failures: node.consecutiveFailures,
    passive_failure: node.passiveFailure,
    last_error: node.lastError,
    last_check_at: node.lastCheckAt === null ? null : new Date(node.lastCheckAt).toISOString(),
    latency_ms: node.lastLatencyMs,
  };
  return node.layer === 'el'
    ? {
        layer: 'el',
        tier: node.tier,
        url: node.httpUrl,
        ws_url: node.wsUrl,
        height: node.blockNumber,
        ...common,
      }
    : { layer: 'cl', url: node.url, height: node.slot, ...common };
}
