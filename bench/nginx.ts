import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../test/support/ports';
import { type ManagedProcess, spawnManaged } from '../test/support/processes';
import { makeTempDir } from '../test/support/tempdirs';
import { waitFor } from '../test/support/wait';
import { probe } from './probe';

/** nginx as a reference reverse proxy: one worker, kept-alive upstream connections. */
export async function startNginx(
  nginx: string,
  upstream: { host: string; port: number },
): Promise<{ url: string; proc: ManagedProcess }> {
  const dir = makeTempDir('nginx');
  const port = await freePort();
  const conf = `
daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream node { server ${upstream.host}:${upstream.port}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://node;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf);
  const proc = spawnManaged(`nginx:${port}`, nginx, ['-p', dir, '-c', path]);
  const url = `http://127.0.0.1:${port}/`;
  await waitFor('nginx to answer', () => probe(url), {
    timeoutMs: 10_000,
    intervalMs: 50,
    abortIf: () => (proc.running ? undefined : proc.describe()),
  });
  return { url, proc };
}
