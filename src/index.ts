// The public API of the `vixy` package: everything a company needs to run Vixy as its
// own service and extend it (routing, request hooks, node state, config). Importing it
// starts nothing: no listener, no timer. Every name is exported on purpose; anything
// not listed here is internal and may change. The `vixy` command is dist/main.js.

// Running Vixy
export { createVixyApp, type VixyAppOptions } from './bootstrap';
export { startVixy, type StartVixyOptions, type VixyServer } from './server';
export { AppModule as VixyModule } from './app.module';
export { VIXY_VERSION } from './version';

// Configuration
export {
  type ClNode,
  type Config,
  ConfigError,
  type ConfigIssue,
  type ConfigOverrides,
  type ConfigSource,
  configuredLayers,
  type ConfiguredLayers,
  ConfigStore,
  CONFIG_UPDATE,
  ConfigUpdateEvent,
  type ElNode,
  InjectConfig,
  loadConfigFile,
  parseConfig,
  redactUrl,
  type RoutingStrategyName,
  VIXY_CONFIG,
} from './config';

// Routing: replace or extend node selection
export {
  CL_ROUTING_STRATEGY,
  CUSTOM_CL_ROUTING_STRATEGY,
  CUSTOM_EL_ROUTING_STRATEGY,
  EL_ROUTING_STRATEGY,
  InjectClRouting,
  InjectElRouting,
} from './proxy/routing/routing.constants';
export { type RoutingRequest, type RoutingStrategy } from './proxy/routing/routing-strategy';
export { createRoutingStrategy } from './proxy/routing/routing-strategy.factory';
export { LatencyTracker } from './proxy/routing/latency-tracker.service';
export { RoutingModule } from './proxy/routing/routing.module';

// Request hooks: API keys, tenants, quotas in front of /el, /el/ws and /cl/*
export {
  refuse,
  VIXY_REQUEST_HOOK,
  type VixyHookResult,
  type VixyRefusal,
  type VixyRequestHook,
  type VixyRoute,
} from './gate/request-hook';

// Node state (read-only)
export { InjectNodeState, type NodeStateView } from './health/node-state-view';
export { NodeRegistry } from './health/node-registry.service';
export {
  type ClNodeState,
  type ElNodeState,
  isAvailable,
  type Layer,
  type NodeState,
  type RegistryEvent,
  type Tier,
} from './health/node-state';

// Logging
export {
  installVixyLogger,
  parseLogLevel,
  VixyLogger,
  type VixyLoggerOptions,
  type VixyLogLevel,
} from './logging';
