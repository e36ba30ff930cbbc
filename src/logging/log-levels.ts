import { type LogLevel } from '@nestjs/common';

/** LOG_LEVEL values: Nest's names and pino's. */
export const VIXY_LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'verbose'] as const;
export type VixyLogLevel = (typeof VIXY_LOG_LEVELS)[number];

/** The pino level a Nest level is written at (Nest's `log` is pino's `info`). */
export type PinoLevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

const ALIASES: Readonly<Record<string, VixyLogLevel>> = {
  error: 'error',
  warn: 'warn',
  info: 'info',
  log: 'info',
  debug: 'debug',
  verbose: 'verbose',
  trace: 'verbose',
};

/** The level LOG_LEVEL names (default `info`), or undefined when it names none. */
export function parseLogLevel(value: string | undefined): VixyLogLevel | undefined {
  return ALIASES[(value === undefined || value === '' ? 'info' : value).toLowerCase()];
}

const NEST_LEVELS: Readonly<Record<VixyLogLevel, LogLevel[]>> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** Nest's list of enabled levels for a level. */
export function nestLevels(level: VixyLogLevel): LogLevel[] {
  return [...NEST_LEVELS[level]];
}

export const PINO_LEVEL: Readonly<Record<VixyLogLevel, PinoLevelName>> = {
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** The lowest level enabled in a Nest level list. */
export function levelOfNestLevels(levels: readonly LogLevel[]): VixyLogLevel {
  for (const level of ['verbose', 'debug', 'log', 'warn', 'error'] as const) {
    if (levels.includes(level)) return level === 'log' ? 'info' : level;
  }
  return 'error';
}
