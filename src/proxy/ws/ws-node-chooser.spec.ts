import { type ElNodeState } from '../../health/node-state';
import { LayerSelector } from '../routing/layer-selector';
import { type RoutingStrategy } from '../routing/routing-strategy';
import { FirstHealthyStrategy } from '../routing/strategies/first-healthy.strategy';
import { RoundRobinStrategy } from '../routing/strategies/round-robin.strategy';
import { WsNodeChooser } from './ws-node-chooser';
import { elNode, upstreamOf } from '../../../test/http-proxy.fixtures';

function setup(
  nodes: ElNodeState[],
  strategy: RoutingStrategy<ElNodeState> = new FirstHealthyStrategy(),
  limits: { max_qps?: number }[] = [],
) {
  const upstreams = nodes.map((n, i) => upstreamOf(n, limits[i] ?? {}));
  const reports: string[] = [];
  let now = 10_000;
  const chooser = new WsNodeChooser({
    selector: new LayerSelector(
      'el',
      () => upstreams,
      strategy,
      () => 0,
    ),
    upstreams: () => upstreams,
    reportFailure: (name, reason) => {
      reports.push(`${name}: ${reason}`);
      const n = nodes.find((x) => x.name === name);
      if (n) n.passiveFailure = reason;
    },
    failbackDelayMs: () => 3000,
    now: () => now,
    budgetNow: () => 0,
  });
  return { chooser, reports, advance: (ms: number) => (now += ms) };
}

const withWs = (n: ElNodeState) => ({
  ...n,
  config: { ...n.config, ws_url: `ws://${n.name}/v2/secret-key` },
});

describe('WsNodeChooser', () => {
  it('picks through the selector and the strategy, with the real URL', () => {
    const nodes = [
      elNode('p1', 'primary', 0),
      elNode('p2', 'primary', 1),
      elNode('b1', 'backup', 2),
    ].map(withWs);
    const { chooser } = setup(nodes);
    expect(chooser.pick()).toEqual({ name: 'p1', url: 'ws://p1/v2/secret-key' });
    const rr = setup(nodes, new RoundRobinStrategy()).chooser;
    expect([rr.pick()?.name, rr.pick()?.name, rr.pick()?.name]).toEqual(['p1', 'p2', 'p1']);
  });

  it('uses backups only while no primary is available, and skips drained and reported nodes', () => {
    const nodes = [
      elNode('p1', 'primary', 0, { isHealthy: false }),
      elNode('b1', 'backup', 1),
      elNode('b2', 'backup', 2),
    ];
    const { chooser, reports } = setup(nodes);
    expect(chooser.pick()?.name).toBe('b1');
    nodes[1].drained = true;
    expect(chooser.pick()?.name).toBe('b2');
    chooser.reportFailure('b2', 'closed (1006)');
    expect(reports).toEqual(['b2: closed (1006)']);
    // Only reported nodes left: they are tried rather than nothing.
    expect(chooser.pick()?.name).toBe('b2');
    nodes[2].isHealthy = false;
    expect(chooser.pick()).toBeUndefined();
  });

  it('moves a session off an unavailable node, never for the strategy alone', () => {
    const nodes = [elNode('p1', 'primary', 0), elNode('p2', 'primary', 1)];
    const { chooser } = setup(nodes, new RoundRobinStrategy());
    expect(chooser.verdict('p1')).toBeNull();
    expect(chooser.verdict('p2')).toBeNull();
    nodes[0].isHealthy = false;
    expect(chooser.verdict('p1')).toBe('unavailable');
    expect(chooser.verdict('gone')).toBe('unavailable');
  });

  it('fails back to a primary only once it has been available for failback_delay_ms', () => {
    const nodes = [
      elNode('p1', 'primary', 0, { availableSince: null, isHealthy: false }),
      elNode('b1', 'backup', 1),
    ];
    const { chooser, advance } = setup(nodes);
    expect(chooser.verdict('b1')).toBeNull();
    nodes[0].isHealthy = true;
    nodes[0].availableSince = 10_000;
    expect(chooser.verdict('b1')).toBeNull();
    advance(2999);
    expect(chooser.verdict('b1')).toBeNull();
    advance(1);
    expect(chooser.verdict('b1')).toBe('fail-back');
  });

  it('charges calls to the node budget and says how long to wait when it is out', () => {
    const nodes = [elNode('p1', 'primary', 0)];
    const { chooser } = setup(nodes, undefined, [{ max_qps: 2 }]);
    expect([chooser.charge('p1'), chooser.charge('p1')]).toEqual([0, 0]);
    expect(chooser.charge('p1')).toBe(500);
  });
});
