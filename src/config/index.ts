export * from './config.constants';
export * from './config-store.service';
export * from './config.events';
export * from './config.loader';
export * from './config.module';
export * from './config.schema';
export { parseListen, type ListenAddress } from './config.validators';
export { redactUrl } from './redact';
export { configuredLayers, type ConfiguredLayers } from './layers';
