import 'reflect-metadata';
import { EL_ROUTING_STRATEGY } from '../../src/proxy/routing/routing.constants';
import {
  type BootedApp,
  type BootOptions,
  MockNode,
  boot,
  configFor,
  rpc,
} from '../http-proxy.support';
import { ArchiveRoutingModule } from './archive-routing.module';
import { ARCHIVE_NODE, ArchiveRouting } from './archive-routing.strategy';

// The README's custom routing example, booted in the whole service against mocked
// nodes that answer with their own name.

const JSON_CT = { 'content-type': 'application/json' };

describe.each([
  ['added as a module (CUSTOM_EL_ROUTING_STRATEGY)', { imports: [ArchiveRoutingModule] }],
  [
    'overriding the EL_ROUTING_STRATEGY provider',
    {
      customize: (builder) =>
        builder.overrideProvider(EL_ROUTING_STRATEGY).useClass(ArchiveRouting),
    },
  ],
] as [string, BootOptions][])('archive routing %s', (_, options) => {
  let p1: MockNode;
  let p2: MockNode;
  let archive: MockNode;
  let booted: BootedApp;

  beforeAll(async () => {
    [p1, p2, archive] = await Promise.all(['p1', 'p2', ARCHIVE_NODE].map((n) => MockNode.start(n)));
    const config = await configFor({
      primary: [p1, p2].map((n) => ({ name: n.name, url: n.url })),
      backup: [{ name: ARCHIVE_NODE, url: archive.url }],
      proxy: 'el_routing = "round_robin"',
    });
    booted = await boot(config, options);
  });
  afterAll(async () => {
    await booted.close();
    await Promise.all([p1, p2, archive].map((n) => n.close()));
  });
  beforeEach(() => booted.setEl(['p1', 'p2', ARCHIVE_NODE]));

  async function servedBy(payload: string): Promise<unknown> {
    const res = await booted.app.inject({ method: 'POST', url: '/el', payload, headers: JSON_CT });
    const body = JSON.parse(res.body);
    return Array.isArray(body) ? body.map((a: { result: unknown }) => a.result) : body.result;
  }

  it('sends debug_* and trace_* to the archive node', async () => {
    expect(await servedBy(rpc('debug_traceTransaction', 1, ['0xabc']))).toBe(ARCHIVE_NODE);
    expect(await servedBy(rpc('trace_block', 2, ['latest']))).toBe(ARCHIVE_NODE);
    expect(await servedBy(`[${rpc('trace_block', 3)},${rpc('debug_traceCall', 4)}]`)).toEqual([
      ARCHIVE_NODE,
      ARCHIVE_NODE,
    ]);
  });

  it('sends everything else to the configured strategy (round_robin over the primaries)', async () => {
    const served = [];
    for (let id = 1; id <= 4; id++) served.push(await servedBy(rpc('eth_blockNumber', id)));
    expect(new Set(served)).toEqual(new Set(['p1', 'p2']));
    // A batch that mixes both kinds is not archive-only.
    const mixed = await servedBy(`[${rpc('trace_block', 5)},${rpc('eth_chainId', 6)}]`);
    expect((mixed as string[])[0]).not.toBe(ARCHIVE_NODE);
  });

  it('falls back to the configured strategy while the archive node is down', async () => {
    booted.setEl(['p1', 'p2']);
    expect(['p1', 'p2']).toContain(await servedBy(rpc('debug_traceTransaction', 1, ['0xabc'])));
  });
});
