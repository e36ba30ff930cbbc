import { ConsoleLogger, type LogLevel } from '@nestjs/common';

const LEVELS: Record<string, LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** Log levels from LOG_LEVEL, or undefined when it names no level. */
export function logLevels(value: string | undefined): LogLevel[] | undefined {
  return LEVELS[(value ?? 'info').toLowerCase()];
}

/** JSON lines when stdout is not a terminal (production), readable lines on one. */
export function createLogger(levels: LogLevel[]): ConsoleLogger {
  const json = !process.stdout.isTTY;
  return new ConsoleLogger('Vixy', { logLevels: levels, json, colors: !json, timestamp: !json });
}
