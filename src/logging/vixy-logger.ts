import { type LoggerService, type LogLevel } from '@nestjs/common';
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import { redactUrl } from '../config/redact';
import { levelOfNestLevels, type PinoLevelName, PINO_LEVEL, type VixyLogLevel } from './log-levels';
import { formatForTerminal } from './tty-format';

/**
 * Nest's start-up chatter (modules initialised, routes mapped, "application started"):
 * written at debug, so that an info log starts with Vixy's own start-up line.
 */
const BOOTSTRAP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'WebSocketsController',
  'WebSocketsModule',
]);

/** Keys whose value is a secret, or a URL that may hold one (then shown redacted). */
const REDACTED_PATHS = [
  'url',
  'http_url',
  'ws_url',
  'authorization',
  'token',
  'password',
  'api_key',
  'apiKey',
  'secret',
  '*.url',
  '*.http_url',
  '*.ws_url',
  '*.authorization',
  '*.token',
  '*.password',
  '*.api_key',
  '*.apiKey',
  '*.secret',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
];
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

function censor(value: unknown, path: string[]): unknown {
  const key = path[path.length - 1] ?? '';
  if (/url$/i.test(key) && typeof value === 'string') return redactUrl(value);
  return '[redacted]';
}

/** URLs inside a message, redacted (user-info, key-like path segments, query values). */
function redactText(text: string): string {
  return text.includes('://') ? text.replace(URL_IN_TEXT, (url) => redactUrl(url)) : text;
}

export interface VixyLoggerOptions {
  /** Default `info`. */
  readonly level?: VixyLogLevel;
  /**
   * Where lines go. Default: JSON lines on stdout (errors on stderr); readable lines
   * when stdout is a terminal.
   */
  readonly destination?: DestinationStream;
  /** Readable lines instead of JSON; default: stdout is a terminal. */
  readonly pretty?: boolean;
}

type Fields = Record<string, unknown>;

/**
 * Nest's LoggerService over pino: one JSON object per line, level names
 * (`"level":"info"`), the component as `context`, the facts as fields, secrets
 * redacted. `logger.warn({ node, reason }, 'CL event stream moved')` from a Nest
 * `Logger` gives `{"level":"warn",...,"context":"X","node":...,"reason":...,"msg":"CL
 * event stream moved"}`; `logger.log('text')` gives `"msg":"text"`.
 */
export class VixyLogger implements LoggerService {
  readonly pino: Pino;

  constructor(options: VixyLoggerOptions = {}) {
    const level = PINO_LEVEL[options.level ?? 'info'];
    this.pino = pino(
      {
        level,
        base: { pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: REDACTED_PATHS, censor },
      },
      options.destination ?? defaultDestination(options.pretty ?? process.stdout.isTTY === true),
    );
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest's `app.useLogger(levels)` / `Logger.overrideLogger(levels)`. */
  setLogLevels(levels: LogLevel[]): void {
    this.pino.level = PINO_LEVEL[levelOfNestLevels(levels)];
  }

  private write(level: PinoLevelName, message: unknown, params: readonly unknown[]): void {
    let end = params.length;
    let context: string | undefined;
    // Nest's Logger appends its context as the last parameter. A lone string after an
    // object is the message of a context-less logger: `Logger.warn({ node }, 'msg')`.
    if (end > 0 && typeof params[end - 1] === 'string' && !(isFields(message) && end === 1)) {
      context = params[end - 1] as string;
      end -= 1;
    }
    if (level === 'info' && context !== undefined && BOOTSTRAP_CONTEXTS.has(context)) {
      level = 'debug';
    }
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Fields = context === undefined ? {} : { context };
    let msg: string | undefined;
    if (message instanceof Error) {
      fields.err = message;
      msg = message.message;
    } else if (isFields(message)) {
      Object.assign(fields, message);
    } else {
      msg = String(message);
    }
    for (let i = 0; i < end; i++) {
      const param = params[i];
      if (param === undefined) continue;
      if (typeof param === 'string') {
        if (msg === undefined) msg = param;
        else if ((level === 'error' || level === 'fatal') && /\n\s+at /.test(param)) {
          fields.stack = param;
        } else msg = `${msg} ${param}`;
      } else if (param instanceof Error) {
        fields.err = param;
      } else if (isFields(param)) {
        Object.assign(fields, param);
      } else {
        msg = msg === undefined ? String(param) : `${msg} ${String(param)}`;
      }
    }
    this.pino[level](fields, msg === undefined ? undefined : redactText(msg));
  }
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !(value instanceof Error);
}

/** JSON on stdout, errors and fatals on stderr; or readable lines on a terminal. */
function defaultDestination(pretty: boolean): DestinationStream {
  if (pretty) {
    return {
      write(line: string): void {
        const level = /"level":"(\w+)"/.exec(line)?.[1];
        const out = level === 'error' || level === 'fatal' ? process.stderr : process.stdout;
        out.write(formatForTerminal(line, out.isTTY === true));
      },
    };
  }
  return pino.multistream(
    [
      { level: 'trace', stream: pino.destination({ dest: 1, sync: true }) },
      { level: 'error', stream: pino.destination({ dest: 2, sync: true }) },
    ],
    { dedupe: true },
  );
}
