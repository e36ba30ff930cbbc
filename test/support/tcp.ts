import { readFileSync } from 'node:fs';

/**
 * Established TCP connections whose local port is `port` (the server side of each), from
 * /proc/net/tcp and /proc/net/tcp6 (Linux): how many connections a process listening on
 * that port holds, whoever opened them.
 */
export function establishedOn(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '01' && local?.endsWith(hex)) n += 1;
    }
  }
  return n;
}
