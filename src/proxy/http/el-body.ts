import { type IncomingMessage } from 'node:http';

export type BodyOutcome =
  | { readonly ok: true; readonly body: Buffer | undefined }
  | { readonly ok: false; readonly tooLarge: boolean };

const NO_BODY: BodyOutcome = { ok: true, body: undefined };
const TOO_LARGE: BodyOutcome = { ok: false, tooLarge: true };
const ABORTED: BodyOutcome = { ok: false, tooLarge: false };

/**
 * The value of a request header read from `rawHeaders` (first occurrence), so that
 * Node does not build the whole `req.headers` object for the two headers /el needs.
 * `name` is lower case.
 */
export function rawHeader(req: IncomingMessage, name: string): string | undefined {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i];
    if (key.length === name.length && key.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

/**
 * Reads a whole request body into one Buffer, refusing more than `limit` bytes
 * (declared or received). Calls back once: with the body (undefined when empty), or
 * with a failure (too large, or the client went away). After that, further events of
 * the request are ignored (its listeners go with it).
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  done: (o: BodyOutcome) => void,
): void {
  const declared = rawHeader(req, 'content-length');
  if (declared !== undefined && Number(declared) > limit) {
    done(TOO_LARGE);
    return;
  }
  const chunks: Buffer[] = [];
  let length = 0;
  let finished = false;
  req.on('data', (chunk: Buffer) => {
    if (finished) return;
    length += chunk.length;
    if (length > limit) {
      finished = true;
      done(TOO_LARGE);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (finished) return;
    finished = true;
    if (length === 0) done(NO_BODY);
    else done({ ok: true, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length) });
  });
  req.on('error', () => {
    if (finished) return;
    finished = true;
    done(ABORTED);
  });
}
