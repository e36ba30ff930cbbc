import { EventEmitter2 } from '@nestjs/event-emitter';
import { type Config, ConfigStore } from '../config';
import {
  hang,
  healthConfig,
  json,
  type LocalServer,
  refusedPort,
  rpcResult,
  startServer,
} from '../../test/health-fixtures';
import { ElChecker } from './el-checker.service';
import { poolDispatcherFactory } from './health.constants';
import { type ElCheckResult } from './node-state';

const TIMEOUT_MS = 1000;

describe('ElChecker against a local node', () => {
  let server: LocalServer;
  let checker: ElChecker;
  let config: Config;

  beforeEach(async () => {
    server = await startServer(rpcResult('0x10'));
    config = healthConfig(
      { primary: [server.url], cl: ['http://127.0.0.1:1'] },
      { health_check_timeout_ms: TIMEOUT_MS },
    );
    checker = new ElChecker(
      new ConfigStore(config, null, new EventEmitter2()),
      poolDispatcherFactory,
    );
  });

  afterEach(async () => {
    await checker.onModuleDestroy();
    await server.close();
  });

  const check = (): Promise<ElCheckResult> => checker.check('el-p1');
  const failure = async (): Promise<string> => {
    const result = await check();
    if (result.ok) throw new Error(`expected a failed check, got block ${result.blockNumber}`);
    return result.reason;
  };

  it('reads the block number of eth_blockNumber', async () => {
    const result = await check();
    expect(result).toEqual({ ok: true, blockNumber: 16, latencyMs: expect.any(Number) });
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/json' },
    });
  });

  it('sends a JSON-RPC 2.0 eth_blockNumber request', async () => {
    let seen: unknown;
    server.handler = (req, body, res) => {
      seen = JSON.parse(body);
      rpcResult('0x1')(req, body, res);
    };
    await check();
    expect(seen).toEqual({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] });
  });

  it('keeps one connection alive across checks', async () => {
    const clientPorts: number[] = [];
    server.handler = (req, body, res) => {
      clientPorts.push(req.socket.remotePort ?? 0);
      rpcResult('0x2')(req, body, res);
    };
    for (let i = 0; i < 3; i++) expect((await check()).ok).toBe(true);
    expect(clientPorts).toHaveLength(3);
    expect(new Set(clientPorts).size).toBe(1);
  });

  it('reports a JSON-RPC error with its code and message', async () => {
    server.handler = (_req, _body, res) =>
      json(res, 200, {
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32000, message: 'header not found' },
      });
    expect(await failure()).toBe('JSON-RPC error -32000: header not found');
  });

  it.each([
    ['a non-hex result', '0xzz', 'invalid block number "0xzz"'],
    ['a leading zero', '0x010', 'invalid block number "0x010"'],
    ['a decimal number', 16, 'invalid block number 16'],
    ['null', null, 'invalid block number null'],
    ['an absurd height', '0xffffffffffffffff', 'invalid block number "0xffffffffffffffff"'],
  ])('fails on %s, never block 0', async (_what, result, reason) => {
    server.handler = rpcResult(result);
    expect(await failure()).toBe(reason);
  });

  it('fails on an answer without a result', async () => {
    server.handler = (_req, _body, res) => json(res, 200, { jsonrpc: '2.0', id: 1 });
    expect(await failure()).toBe('invalid block number missing');
  });

  it('fails on a body that is not JSON', async () => {
    server.handler = (_req, _body, res) => res.end('<html>gateway</html>');
    expect(await failure()).toBe('invalid JSON-RPC response (not JSON)');
  });

  it('fails on a JSON body that is not an object', async () => {
    server.handler = (_req, _body, res) => json(res, 200, [{ result: '0x1' }]);
    expect(await failure()).toBe('invalid JSON-RPC response (not an object)');
  });

  it('fails on an HTTP error status', async () => {
    server.handler = (_req, _body, res) => json(res, 503, { message: 'overloaded' });
    expect(await failure()).toBe('HTTP 503');
  });

  it('fails on an oversized body', async () => {
    server.handler = (_req, _body, res) => res.end('x'.repeat(200 * 1024));
    expect(await failure()).toMatch(/^invalid response \(more than \d+ bytes\)$/);
  });

  it('gives up on a node that never answers, after the timeout', async () => {
    server.handler = hang;
    expect(await failure()).toBe(`timeout after ${TIMEOUT_MS} ms`);
  });

  it('gives up on a body that never ends (the timeout covers the body)', async () => {
    server.handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"jsonrpc":"2.0",');
    };
    expect(await failure()).toBe(`timeout after ${TIMEOUT_MS} ms`);
  });

  it('answers again after a timeout (the pool recovers)', async () => {
    server.handler = hang;
    await failure();
    server.handler = rpcResult('0x3');
    expect(await check()).toMatchObject({ ok: true, blockNumber: 3 });
  });

  it('says "unknown node" for a name that is not configured', async () => {
    expect(await checker.check('nope')).toEqual({
      ok: false,
      reason: 'unknown node',
      latencyMs: 0,
    });
  });

  it('does not throw once closed', async () => {
    await checker.onModuleDestroy();
    expect(await failure()).toBe('connection pool closed');
  });
});

describe('ElChecker and node URLs', () => {
  it('reports a refused connection', async () => {
    const port = await refusedPort();
    const config = healthConfig({ primary: [`http://127.0.0.1:${port}`], cl: ['http://x:1'] });
    const checker = new ElChecker(
      new ConfigStore(config, null, new EventEmitter2()),
      poolDispatcherFactory,
    );
    try {
      expect(await checker.check('el-p1')).toMatchObject({
        ok: false,
        reason: 'connection refused',
      });
    } finally {
      await checker.onModuleDestroy();
    }
  });

  it('sends the path, query and credentials of the URL, and shows none of them', async () => {
    const server = await startServer((_req, _body, res) => json(res, 503, {}));
    const url = `http://alice:s3cr%40t@127.0.0.1:${server.port}/v2/0123456789abcdef0123456789abcdef?apikey=TOPSECRET`;
    const config = healthConfig({ primary: [url], cl: ['http://x:1'] });
    const checker = new ElChecker(
      new ConfigStore(config, null, new EventEmitter2()),
      poolDispatcherFactory,
    );
    try {
      const result = await checker.check('el-p1');
      expect(result).toMatchObject({ ok: false, reason: 'HTTP 503' });
      expect(server.requests[0].path).toBe('/v2/0123456789abcdef0123456789abcdef?apikey=TOPSECRET');
      expect(server.requests[0].headers.authorization).toBe(
        `Basic ${Buffer.from('alice:s3cr@t').toString('base64')}`,
      );
      expect(JSON.stringify(result)).not.toMatch(/TOPSECRET|alice|0123456789abcdef/);
    } finally {
      await checker.onModuleDestroy();
      await server.close();
    }
  });
});
