import { type ClCheckResult, type ElCheckResult } from '../src/health/node-state';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import { stringify } from 'smol-toml';
import { type Config, parseConfig } from '../src/config';

// Fixtures of the health specs: real configs through the real validator, and local
// HTTP servers on 127.0.0.1 that stand in for nodes (answering, failing or hanging).

export interface NodeUrls {
  readonly primary: readonly string[];
  readonly backup?: readonly string[];
  readonly cl: readonly string[];
}

/** A validated config with EL nodes `el-p<i>`/`el-b<i>` and CL nodes `cl-<i>`. */
export function healthConfig(urls: NodeUrls, global: Record<string, number> = {}): Config {
  const el = (url: string, name: string) => ({
    name,
    http_url: url,
    ws_url: url.replace(/^http/, 'ws'),
  });
  const toml = stringify({
    global: { health_check_timeout_ms: 1000, health_check_max_failures: 2, ...global },
    metrics: { enabled: false },
    el: {
      primary: urls.primary.map((u, i) => el(u, `el-p${i + 1}`)),
      backup: (urls.backup ?? []).map((u, i) => el(u, `el-b${i + 1}`)),
    },
    cl: urls.cl.map((url, i) => ({ name: `cl-${i + 1}`, url })),
  });
  return parseConfig(toml, 'health-spec.toml');
}

export type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  /** Requests seen: method, path (with query) and headers. */
  readonly requests: { method: string; path: string; headers: IncomingMessage['headers'] }[];
  handler: Handler;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 and a free port; `close()` also drops hung connections. */
export async function startServer(handler: Handler): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  const requests: LocalServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
      local.handler(req, Buffer.concat(chunks).toString('utf8'), res);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const local: LocalServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return local;
}

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A handler that never answers (the request hangs until the client gives up). */
export const hang: Handler = () => undefined;

/** An EL node answering eth_blockNumber with `result` (any JSON value). */
export function rpcResult(result: unknown): Handler {
  return (_req, body, res) => {
    const { id } = JSON.parse(body) as { id: unknown };
    json(res, 200, { jsonrpc: '2.0', id, result });
  };
}

/** The parts of a beacon node the CL checker reads. */
export interface BeaconAnswers {
  health?: number;
  syncing?: { is_syncing: unknown; is_optimistic?: unknown; sync_distance?: unknown } | number;
  slot?: unknown;
  headStatus?: number;
}

export function beacon(answers: BeaconAnswers, prefix = ''): Handler {
  return (req, _body, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === `${prefix}/eth/v1/node/health`) {
      res.writeHead(answers.health ?? 200);
      res.end();
    } else if (path === `${prefix}/eth/v1/node/syncing`) {
      const syncing = answers.syncing ?? { is_syncing: false, is_optimistic: false };
      if (typeof syncing === 'number') json(res, syncing, { message: 'error' });
      else json(res, 200, { data: { head_slot: '1', sync_distance: '0', ...syncing } });
    } else if (path === `${prefix}/eth/v1/beacon/headers/head`) {
      const slot = 'slot' in answers ? answers.slot : '100';
      json(res, answers.headStatus ?? 200, {
        data: { root: '0x00', canonical: true, header: { message: { slot }, signature: '0x' } },
      });
    } else {
      json(res, 404, { code: 404, message: 'not found' });
    }
  };
}

/** Applies one check result per node, in the order given (what a round of checks does). */
export function applyChecks(
  registry: {
    applyElCheck(name: string, result: ElCheckResult, now?: number): void;
    applyClCheck(name: string, result: ClCheckResult, now?: number): void;
  },
  results: {
    readonly el?: ReadonlyMap<string, ElCheckResult> | Record<string, ElCheckResult>;
    readonly cl?: ReadonlyMap<string, ClCheckResult> | Record<string, ClCheckResult>;
  },
  now?: number,
): void {
  const entries = <R>(m: ReadonlyMap<string, R> | Record<string, R> | undefined) =>
    m === undefined ? [] : m instanceof Map ? [...m] : Object.entries(m as Record<string, R>);
  for (const [name, result] of entries(results.el)) registry.applyElCheck(name, result, now);
  for (const [name, result] of entries(results.cl)) registry.applyClCheck(name, result, now);
}
