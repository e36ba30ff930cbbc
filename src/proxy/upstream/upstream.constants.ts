import { Inject } from '@nestjs/common';
import { type Dispatcher, Pool } from 'undici';

/**
 * Creates the kept-alive connection pool of one node for proxied requests: `origin` is
 * `scheme://host:port` (never credentials). A seam for specs (undici's MockAgent, other
 * pool options).
 */
export type UpstreamPoolFactory = (origin: string, options: Pool.Options) => Dispatcher;

export const UPSTREAM_POOL_FACTORY = Symbol('UPSTREAM_POOL_FACTORY');

export const InjectUpstreamPoolFactory = (): ParameterDecorator => Inject(UPSTREAM_POOL_FACTORY);

export const undiciPoolFactory: UpstreamPoolFactory = (origin, options) =>
  new Pool(origin, options);

/** Token of the SocketFactory that opens a node's shared WebSocket connections (tests swap it). */
export const UPSTREAM_SOCKET_FACTORY = Symbol('UPSTREAM_SOCKET_FACTORY');

export const InjectUpstreamSocketFactory = (): ParameterDecorator =>
  Inject(UPSTREAM_SOCKET_FACTORY);
