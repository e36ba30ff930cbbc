import { countClientAnswer } from '../../metrics/http-responses';
import { type ServerResponse } from 'node:http';

// Answers to GET /cl/eth/v1/events that do not open a stream, in the beacon API's
// error shape: `{"code": <status>, "message": "..."}` (the messages of ANY /cl/* where
// the situation is the same).

export const EVENTS_ERRORS = {
  shuttingDown: 'Server shutting down, retry on another instance',
  tooManyStreams: (limit: number) => `Too many event streams (max_event_streams = ${limit})`,
  tooManyTopicSets: (limit: number) =>
    `Too many distinct topic sets in use (at most ${limit} besides block, head and finalized_checkpoint)`,
  noNode: 'No healthy node available',
} as const;

export function writeEventsError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ code: status, message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  countClientAnswer('cl_events', status);
  res.end(body);
}

/** The message of a node's refusal: its JSON `message`, else the start of its body. */
export function refusalMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string' && parsed.message !== '') return parsed.message;
  } catch {
    // Not JSON: the text itself.
  }
  const text = body.trim().slice(0, 500);
  return text === '' ? 'Refused by the beacon node' : text;
}
