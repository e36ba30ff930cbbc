import { type EventEmitter } from 'node:events';
import { type IncomingMessage } from 'node:http';

/**
 * Makes `<path>/` (with or without a query) reach the WebSocket server of `<path>`:
 * platform-ws matches upgrade paths exactly, so the request URL is normalised by an
 * `upgrade` listener that runs before the adapter's.
 */
export function acceptTrailingSlash(httpServer: EventEmitter, path: string): void {
  const slashed = `${path}/`;
  httpServer.prependListener('upgrade', (req: IncomingMessage) => {
    const url = req.url ?? '';
    if (url === slashed || url.startsWith(`${slashed}?`))
      req.url = path + url.slice(slashed.length);
  });
}
