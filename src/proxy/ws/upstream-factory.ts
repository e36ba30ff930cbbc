import { WebSocket } from 'ws';
import { type UpstreamFactory } from './ws-session.types';

/**
 * The production upstream factory: a `ws` client per session. Node answers are trusted
 * to be UTF-8 (no re-validation on the hot path); no compression; no redirects. wss://
 * uses Node's CA store, extended with NODE_EXTRA_CA_CERTS for a private CA.
 */
export function createUpstreamFactory(
  options: () => { readonly handshakeTimeoutMs: number; readonly maxPayload: number },
): UpstreamFactory {
  return (url) => {
    const { handshakeTimeoutMs, maxPayload } = options();
    return new WebSocket(url, {
      handshakeTimeout: handshakeTimeoutMs,
      // Answers over [proxy] max_response_bytes close the connection with 1009.
      maxPayload,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      followRedirects: false,
    });
  };
}
