import { type ElNodeState } from '../../health/node-state';
import { type RoutingStrategy } from '../routing/routing-strategy';
import { type ElNodeSource, WsNodeChooser } from './ws-node-chooser';

function node(name: string, tier: 'primary' | 'backup', healthy = true): ElNodeState {
  return {
    layer: 'el',
    name,
    tier,
    index: 0,
    config: { name, http_url: `http://${name}`, ws_url: `ws://${name}/v2/secret-key` },
    httpUrl: `http://${name}`,
    wsUrl: `ws://${name}/v2/***`,
    blockNumber: 1,
    checkOk: healthy,
    isHealthy: healthy,
    consecutiveFailures: 0,
    lag: 0,
    lastCheckAt: 0,
    lastLatencyMs: 1,
    lastError: null,
    passiveFailure: null,
    drained: false,
  };
}

function source(nodes: ElNodeState[]): ElNodeSource & { reports: string[] } {
  const reports: string[] = [];
  return {
    reports,
    el: () => nodes,
    reportFailure: (_layer, name, reason) => {
      reports.push(`${name}: ${reason}`);
      const n = nodes.find((x) => x.name === name);
      if (n) n.passiveFailure = reason;
    },
  };
}

const last: RoutingStrategy<ElNodeState> = { select: (c) => c[c.length - 1] };

describe('WsNodeChooser', () => {
  it('picks among available primaries with the strategy, with the real URL', () => {
    const nodes = [node('p1', 'primary'), node('p2', 'primary'), node('b1', 'backup')];
    const chooser = new WsNodeChooser(source(nodes), last);
    expect(chooser.pick()).toEqual({ name: 'p2', url: 'ws://p2/v2/secret-key' });
    expect(new WsNodeChooser(source(nodes), undefined).pick()?.name).toBe('p1');
  });

  it('uses backups only while no primary is available', () => {
    const nodes = [node('p1', 'primary', false), node('b1', 'backup'), node('b2', 'backup')];
    const chooser = new WsNodeChooser(source(nodes), last);
    expect(chooser.pick()?.name).toBe('b2');
    nodes[0].isHealthy = true;
    expect(chooser.pick()?.name).toBe('p1');
  });

  it('skips drained and passively failed nodes, and gives nothing when none is left', () => {
    const nodes = [node('p1', 'primary'), node('b1', 'backup')];
    const src = source(nodes);
    const chooser = new WsNodeChooser(src, undefined);
    nodes[0].drained = true;
    expect(chooser.pick()?.name).toBe('b1');
    chooser.reportFailure('b1', 'closed (1006)');
    expect(src.reports).toEqual(['b1: closed (1006)']);
    expect(chooser.pick()).toBeUndefined();
  });

  it('moves a session off an unavailable node and back to a primary, never for the strategy alone', () => {
    const nodes = [node('p1', 'primary'), node('p2', 'primary'), node('b1', 'backup')];
    const chooser = new WsNodeChooser(source(nodes), last);
    expect(chooser.verdict('p1')).toBeNull();
    expect(chooser.verdict('b1')).toBe('fail-back');
    nodes[0].isHealthy = false;
    nodes[1].drained = true;
    expect(chooser.verdict('p1')).toBe('unavailable');
    expect(chooser.verdict('b1')).toBeNull();
    expect(chooser.verdict('gone')).toBe('unavailable');
  });
});
