// Kept free of dependencies: the Docker health check (healthcheck.ts) reads it too.

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `host:port`, `[v6]:port` or `:port` with a port in 1..65535; null otherwise. */
export function parseListen(value: string): ListenAddress | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(value);
  if (!match) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  const host = match[1] ?? (match[2] || '0.0.0.0');
  return { host, port };
}

/** The address to reach a listener on from the same host: a wildcard becomes loopback. */
export function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}
