import { type Config } from './config.schema';

/** The layers a config serves: EL when it has `[[el.primary]]` nodes, CL when it has `[[cl]]` nodes. */
export interface ConfiguredLayers {
  readonly el: boolean;
  readonly cl: boolean;
}

/** Which layers `config` serves (the loader guarantees at least one). */
export function configuredLayers(config: Config): ConfiguredLayers {
  return { el: config.el.primary.length > 0, cl: config.cl.length > 0 };
}
