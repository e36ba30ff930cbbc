import { WebSocket } from 'ws';
import { type UpstreamFactory } from './ws-session.types';

/**
 * The production upstream factory: a `ws` client per session. Node answers are trusted
 * to be UTF-8 (no re-validation on the hot path); no compression; no redirects. wss://
 * uses Node's CA store, extended with NODE_EXTRA_CA_CERTS for a private CA.
 */
export function createUpstreamFactory(handshakeTimeoutMs: number): UpstreamFactory {
  return (url) =>
    new WebSocket(url, {
      handshakeTimeout: handshakeTimeoutMs,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      followRedirects: false,
    });
}
