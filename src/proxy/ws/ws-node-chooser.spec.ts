import { type ElNodeState } from '../../health/node-state';
import { WsNodeChooser } from './ws-node-chooser';
import { elNode, upstreamOf } from '../../../test/http-proxy.fixtures';

function setup(nodes: ElNodeState[]) {
  const upstreams = nodes.map((n) => upstreamOf(n, {}));
  let now = 10_000;
  const chooser = new WsNodeChooser({
    upstreams: () => upstreams,
    failbackDelayMs: () => 3000,
    now: () => now,
  });
  return { chooser, upstreams, advance: (ms: number) => (now += ms) };
}

const withWs = (n: ElNodeState) => ({
  ...n,
  config: { ...n.config, ws_url: `ws://${n.name}/v2/secret-key` },
});

describe('WsNodeChooser', () => {
  it('picks the first available node in order of preference, whatever the routing strategy', () => {
    const nodes = [
      elNode('p1', 'primary', 0),
      elNode('p2', 'primary', 1),
      elNode('b1', 'backup', 2),
    ].map(withWs);
    const { chooser } = setup(nodes);
    expect(chooser.pick()?.name).toBe('p1');
    expect([chooser.pick()?.name, chooser.pick()?.name]).toEqual(['p1', 'p1']);
    nodes[0].drained = true;
    expect(chooser.pick()?.name).toBe('p2');
  });

  it('uses backups only while no primary is available, and skips drained and reported nodes', () => {
    const nodes = [
      elNode('p1', 'primary', 0, { isHealthy: false }),
      elNode('b1', 'backup', 1),
      elNode('b2', 'backup', 2),
    ];
    const { chooser } = setup(nodes);
    expect(chooser.pick()?.name).toBe('b1');
    nodes[1].drained = true;
    expect(chooser.pick()?.name).toBe('b2');
    nodes[2].passiveFailure = 'closed (1006)';
    // Only reported nodes left: they are tried rather than nothing.
    expect(chooser.pick()?.name).toBe('b2');
    nodes[2].isHealthy = false;
    expect(chooser.pick()).toBeUndefined();
  });

  it('moves a session off an unavailable node, never for the strategy alone', () => {
    const nodes = [elNode('p1', 'primary', 0), elNode('p2', 'primary', 1)];
    const { chooser } = setup(nodes);
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

  it('keeps a node without WebSocket connection out of rotation, a primary too, while another has one', () => {
    const nodes = [elNode('p1', 'primary', 0), elNode('p2', 'backup', 1)];
    const { chooser, upstreams } = setup(nodes);
    const open = new Map([
      ['p1', false],
      ['p2', true],
    ]);
    for (const u of upstreams) {
      Object.defineProperty(u, 'sockets', {
        value: {
          get available() {
            return open.get(u.name);
          },
        },
      });
    }
    expect(chooser.pick()?.name).toBe('p2');
    expect(chooser.verdict('p1')).toBe('unavailable');
    open.set('p1', true);
    expect(chooser.pick()?.name).toBe('p1');
    expect(chooser.verdict('p2')).toBe('fail-back'); // p1 is back in WebSocket rotation
    open.set('p1', false);
    open.set('p2', false);
    // No node has a connection: any available node (its HTTP feeds the head log).
    expect(chooser.pick()?.name).toBe('p1');
    expect(chooser.verdict('p1')).toBeNull();
  });
});
