// The Node floor (DESIGN.md, performance targets): the least a proxy for POST /el can
// do, with no framework and no features: read the body, dispatch it to one kept-alive
// undici Pool, write the answer back. Vixy's throughput is measured against it.
// Usage: node -r ts-node/register/transpile-only bench/floor-proxy.ts <upstream-url> <port>
import { createServer } from 'node:http';
import { type Dispatcher, Pool } from 'undici';

const [upstream, port] = process.argv.slice(2);
const pool = new Pool(upstream);

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let status = 0;
    const parts: Buffer[] = [];
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: () => undefined,
      onResponseStart: (_c, code) => void (status = code),
      onResponseData: (_c, chunk) => void parts.push(chunk),
      onResponseEnd: () => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(Buffer.concat(parts));
      },
      onResponseError: () => void res.writeHead(502).end(),
    };
    const headers = { 'content-type': 'application/json' };
    pool.dispatch({ method: 'POST', path: '/', headers, body: Buffer.concat(chunks) }, handler);
  });
}).listen(Number(port), '127.0.0.1', () => process.stdout.write(`floor proxy on ${port}\n`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
