import { Inject } from '@nestjs/common';
import { NodeRegistry } from './node-registry.service';

/**
 * The read side of the node registry, for company code: the state of every node (in
 * order of preference), the chain heads, the failover flag, and the stream of changes.
 * Inject it with `@InjectNodeState()`.
 */
export type NodeStateView = Pick<
  NodeRegistry,
  'el' | 'cl' | 'getEl' | 'getCl' | 'elChainHead' | 'clChainHead' | 'elFailoverActive' | 'events$'
>;

/** Injects the NodeStateView (the node registry, read-only). */
export const InjectNodeState = (): ParameterDecorator => Inject(NodeRegistry);
