import { Inject } from '@nestjs/common';
import { type Dispatcher, Pool } from 'undici';

/**
 * Creates the kept-alive connection pool that the health checks of one node use:
 * `origin` is `scheme://host:port` (never credentials). The seam lets a spec swap the
 * transport (undici's MockAgent, a pool with other options).
 */
export type CheckDispatcherFactory = (origin: string, options: Pool.Options) => Dispatcher;

/** Injection token of the `CheckDispatcherFactory`. */
export const CHECK_DISPATCHER_FACTORY = Symbol('CHECK_DISPATCHER_FACTORY');

/** Injects the `CheckDispatcherFactory`. */
export const InjectCheckDispatcherFactory = (): ParameterDecorator =>
  Inject(CHECK_DISPATCHER_FACTORY);

/** One undici `Pool` per node. */
export const poolDispatcherFactory: CheckDispatcherFactory = (origin, options) =>
  new Pool(origin, options);

/** Token of the `Clock` (src/common/clock.ts) whose timers schedule the checks; tests swap it. */
export const HEALTH_CLOCK = Symbol('HEALTH_CLOCK');

export const InjectHealthClock = (): ParameterDecorator => Inject(HEALTH_CLOCK);

/** Largest response body a health check reads; anything longer is an invalid answer. */
export const MAX_CHECK_BODY_BYTES = 64 * 1024;
