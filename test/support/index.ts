/** The real-node test harness: anvil (EL), Lodestar (CL), redis-server and Vixy as child processes. */
export * from './anvil';
export * from './block-miner';
export * from './http';
export * from './json-rpc';
export * from './log-emitter';
export * from './log-match';
export * from './lodestar';
export * from './ports';
export * from './processes';
export * from './redis';
export * from './tempdirs';
export * from './vixy';
export * from './wait';
