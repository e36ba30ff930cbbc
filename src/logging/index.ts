import { Logger } from '@nestjs/common';
import { nestLevels } from './log-levels';
import { VixyLogger, type VixyLoggerOptions } from './vixy-logger';

export { parseLogLevel, VIXY_LOG_LEVELS, type VixyLogLevel } from './log-levels';
export { VixyLogger, type VixyLoggerOptions } from './vixy-logger';

/**
 * A VixyLogger made the logger of every Nest `Logger` in the process, with Nest's
 * enabled levels set too, so that `Logger.isLevelEnabled('debug')` (which decides
 * once whether a hot path traces at all) answers for this level.
 */
export function installVixyLogger(options: VixyLoggerOptions = {}): VixyLogger {
  const logger = new VixyLogger(options);
  Logger.overrideLogger(logger);
  Logger.overrideLogger(nestLevels(options.level ?? 'info'));
  return logger;
}
