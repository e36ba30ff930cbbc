import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LODESTAR_DIR } from './lodestar-package';

/**
 * `@lodestar/api`'s event stream client (the one Lodestar's validator client uses),
 * from the Lodestar 1.5.1 install of the harness, pointed at any beacon API base URL.
 * Its EventSource (the `eventsource` package on Node 20) is wrapped to record what the
 * client itself never shows: every connection it opened and every error it saw (a
 * stream the server closed is an error, after which it reconnects).
 */

export interface ApiEvent {
  readonly type: string;
  readonly slot: number | undefined;
  readonly at: number;
}

interface EventSourceLike {
  addEventListener(type: string, listener: (event: { message?: string }) => void): void;
  emit(type: string, ...args: unknown[]): boolean;
}
type EventSourceClass = new (url: string, init?: unknown) => EventSourceLike;

type EventsClient = {
  eventstream(
    topics: string[],
    signal: AbortSignal,
    onEvent: (event: { type: string; message: { slot?: number } }) => void,
  ): Promise<unknown>;
};

/**
 * A native dynamic import of one of Lodestar's ES modules: ts-node compiles `import()`
 * to `require()` in CommonJS files, which cannot load them on every Node version.
 */
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

function lodestarModule(path: string): Promise<unknown> {
  return importModule(pathToFileURL(join(LODESTAR_DIR, 'node_modules', path)).href);
}

export class LodestarEventClient {
  readonly events: ApiEvent[] = [];
  readonly errors: string[] = [];
  opens = 0;
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();
  private restore: () => void = () => undefined;

  /** Needs Lodestar installed (ensureLodestarInstalled). */
  static async start(baseUrl: string, topics: string[]): Promise<LodestarEventClient> {
    const client = new LodestarEventClient();
    const { getClient } = (await lodestarModule('@lodestar/api/lib/beacon/client/events.js')) as {
      getClient: (config: unknown, baseUrl: string) => EventsClient;
    };
    const { config } = (await lodestarModule('@lodestar/config/lib/default.js')) as {
      config: unknown;
    };
    const Base = createRequire(join(LODESTAR_DIR, 'package.json'))(
      'eventsource',
    ) as EventSourceClass;
    const recording = class extends Base {
      constructor(url: string, init?: unknown) {
        super(url, init);
        this.addEventListener('open', () => (client.opens += 1));
      }

      // Setting `onerror` (as the client does) drops every other error listener.
      override emit(type: string, ...args: unknown[]): boolean {
        if (type === 'error') {
          const event = args[0] as { message?: string; status?: number } | undefined;
          const status = event?.status === undefined ? 'connection closed' : `HTTP ${event.status}`;
          client.errors.push(event?.message ?? status);
        }
        return super.emit(type, ...args);
      }
    };
    const global = globalThis as { EventSource?: unknown };
    const previous = global.EventSource;
    global.EventSource = recording;
    client.restore = () => {
      if (global.EventSource === recording) global.EventSource = previous;
    };
    client.done = getClient(config, baseUrl)
      .eventstream(topics, client.abort.signal, (event) => {
        client.events.push({ type: event.type, slot: event.message.slot, at: performance.now() });
      })
      .then(
        () => undefined,
        (err: unknown) => void client.errors.push(String(err)),
      );
    return client;
  }

  /** Slots of the block events received, in order. */
  slots(type = 'block'): number[] {
    return this.events.filter((e) => e.type === type).map((e) => e.slot ?? -1);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
    this.restore();
  }
}
