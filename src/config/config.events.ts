import { type Config } from './config.schema';

/**
 * Published once for each valid reload that changed something (SIGHUP, POST
 * /admin/reload), after `ConfigStore.current` is the new config. Each consumer handles
 * it in one `@OnEvent(CONFIG_UPDATE)` method. Order: the node registry first (it is the
 * only listener registered with `prependListener`), so that every other listener
 * already sees the new node list; the others do not depend on each other.
 */
export const CONFIG_UPDATE = 'config.update';

export class ConfigUpdateEvent {
  constructor(
    readonly previous: Config,
    readonly next: Config,
    /** What changed, e.g. `el node geth-3 added`, `global.max_retries 2 -> 3`. */
    readonly changes: readonly string[],
  ) {}
}
