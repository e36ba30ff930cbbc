import { type Dispatcher } from 'undici';

/**
 * Per-node check endpoints (a kept-alive pool each), kept in step with the config:
 * `sync` creates the endpoints of new nodes, replaces those whose URL changed and
 * destroys those of removed nodes, leaving the others (and their connections) alone.
 */
export class EndpointSet<E extends { readonly dispatcher: Dispatcher }> {
  private readonly byName = new Map<string, { readonly url: string; readonly endpoint: E }>();

  constructor(private readonly create: (url: string) => E) {}

  get(name: string): E | undefined {
    return this.byName.get(name)?.endpoint;
  }

  sync(nodes: readonly { readonly name: string; readonly url: string }[]): void {
    const wanted = new Map(nodes.map((n) => [n.name, n.url]));
    for (const [name, { url, endpoint }] of this.byName) {
      if (wanted.get(name) === url) continue;
      this.byName.delete(name);
      void endpoint.dispatcher.destroy().catch(() => undefined);
    }
    for (const [name, url] of wanted) {
      if (!this.byName.has(name)) this.byName.set(name, { url, endpoint: this.create(url) });
    }
  }

  /** Destroys every pool; checks after this fail with "closed" instead of throwing. */
  async destroyAll(): Promise<void> {
    const endpoints = [...this.byName.values()];
    await Promise.allSettled(endpoints.map(({ endpoint }) => endpoint.dispatcher.destroy()));
  }
}
