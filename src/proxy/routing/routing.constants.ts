import { Inject } from '@nestjs/common';

/** Token of the EL `RoutingStrategy<ElNodeState>`; provide your own to replace the built-in one. */
export const EL_ROUTING_STRATEGY = Symbol('EL_ROUTING_STRATEGY');
/** Token of the CL `RoutingStrategy<ClNodeState>`. */
export const CL_ROUTING_STRATEGY = Symbol('CL_ROUTING_STRATEGY');

export const InjectElRouting = (): ParameterDecorator => Inject(EL_ROUTING_STRATEGY);
export const InjectClRouting = (): ParameterDecorator => Inject(CL_ROUTING_STRATEGY);

/**
 * Provide a `RoutingStrategy<ElNodeState>` under this token, from a `@Global()` module
 * added to the application, to replace the built-in EL strategy: Vixy then provides it
 * as EL_ROUTING_STRATEGY (to the HTTP proxy and the WebSocket sessions alike).
 */
export const CUSTOM_EL_ROUTING_STRATEGY = Symbol('CUSTOM_EL_ROUTING_STRATEGY');
/** The same for the CL strategy (`RoutingStrategy<ClNodeState>`). */
export const CUSTOM_CL_ROUTING_STRATEGY = Symbol('CUSTOM_CL_ROUTING_STRATEGY');
