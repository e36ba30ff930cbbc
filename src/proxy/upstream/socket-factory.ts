import { WebSocket } from 'ws';
import { type SocketFactory } from './node-sockets';

/**
 * The production factory of a node's shared WebSocket connections. Node answers are
 * trusted to be UTF-8 (no re-validation on the hot path); no compression; no redirects.
 * wss:// uses Node's CA store, extended with NODE_EXTRA_CA_CERTS for a private CA.
 */
export function createSocketFactory(
  options: () => { readonly handshakeTimeoutMs: number; readonly maxPayload: number },
): SocketFactory {
  return (url) => {
    const { handshakeTimeoutMs, maxPayload } = options();
    return new WebSocket(url, {
      // A hung upgrade fails after this long (the node is out of WebSocket rotation).
      handshakeTimeout: handshakeTimeoutMs,
      // A frame over [proxy] max_response_bytes closes the connection with 1009.
      maxPayload,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      followRedirects: false,
    });
  };
}
