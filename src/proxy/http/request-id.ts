import { randomBytes } from 'node:crypto';

/** A request id a client may give (X-Request-Id): printable, no spaces, at most 128 characters. */
const ACCEPTED = /^[\w.:/+=@-]{1,128}$/;

// Ids Vixy makes: a random prefix per process (replicas differ) and a counter.
const PREFIX = randomBytes(4).toString('hex');
let counter = 0;

/** The client's X-Request-Id when it is a sensible one, else a new id. */
export function requestIdOf(given: string | undefined): string {
  if (given !== undefined && ACCEPTED.test(given)) return given;
  counter = counter >= Number.MAX_SAFE_INTEGER ? 1 : counter + 1;
  return `${PREFIX}-${counter.toString(36)}`;
}
