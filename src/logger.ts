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

/**
 * Nest's console logger, taking `logger.warn({ node, reason }, 'message')` as one
 * record: the fields and the message in one line.
 */
class FieldsLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    writeStreamType?: 'stdout' | 'stderr',
  ): void {
    const [first, second] = messages;
    if (messages.length === 2 && isFields(first) && typeof second === 'string') {
      messages = [{ msg: second, ...first }];
    }
    super.printMessages(messages, context, logLevel, writeStreamType);
  }
}

function isFields(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON lines when stdout is not a terminal (production), readable lines on one. */
export function createLogger(levels: LogLevel[]): ConsoleLogger {
  const json = !process.stdout.isTTY;
  return new FieldsLogger('Vixy', { logLevels: levels, json, colors: !json, timestamp: !json });
}
