import { Inject } from '@nestjs/common';

/** Token of the EL `RoutingStrategy<ElNodeState>`; provide your own to replace the built-in one. */
export const EL_ROUTING_STRATEGY = Symbol('EL_ROUTING_STRATEGY');
/** Token of the CL `RoutingStrategy<ClNodeState>`. */
export const CL_ROUTING_STRATEGY = Symbol('CL_ROUTING_STRATEGY');

export const InjectElRouting = (): ParameterDecorator => Inject(EL_ROUTING_STRATEGY);
export const InjectClRouting = (): ParameterDecorator => Inject(CL_ROUTING_STRATEGY);
