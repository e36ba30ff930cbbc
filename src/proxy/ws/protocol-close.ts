import { type WebSocket } from 'ws';

/** Reasons for the closes `ws` itself makes on a protocol violation (it sends none). */
function protocolReasons(maxMessageBytes: number): ReadonlyMap<number, string> {
  return new Map([
    [1002, 'protocol error'],
    [1007, 'invalid UTF-8 in a text frame'],
    [1009, `message larger than ${maxMessageBytes} bytes`],
  ]);
}

/**
 * Every user-visible close has a code and a reason: `ws` closes a client that sends an
 * oversized frame (1009), invalid UTF-8 (1007) or a malformed frame (1002) with a code
 * only, so the client's `close` is wrapped to add the reason when none is given.
 */
export function giveProtocolClosesAReason(
  client: Pick<WebSocket, 'close'>,
  maxMessageBytes: number,
): void {
  const reasons = protocolReasons(maxMessageBytes);
  const close = client.close.bind(client);
  client.close = (code?: number, reason?: string | Buffer) =>
    close(code, reason ?? (code === undefined ? undefined : reasons.get(code)));
}
