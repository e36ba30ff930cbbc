import { ConsoleLogger, Logger } from '@nestjs/common';
import { type DestinationStream } from 'pino';
import { installVixyLogger, VixyLogger, type VixyLogLevel } from './index';
import { parseLogLevel } from './log-levels';
import { formatForTerminal } from './tty-format';

/** A destination that keeps every line, parsed. */
function capture(): { lines: Record<string, unknown>[]; stream: DestinationStream } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    stream: { write: (line: string) => void lines.push(JSON.parse(line)) },
  };
}

function install(level: VixyLogLevel = 'info') {
  const out = capture();
  const logger = installVixyLogger({ level, destination: out.stream });
  return { ...out, logger };
}

describe('VixyLogger behind Nest Logger', () => {
  afterEach(() => {
    Logger.overrideLogger(new ConsoleLogger());
    Logger.overrideLogger(['fatal', 'error', 'warn', 'log']);
  });

  it('turns an object and a message into fields, level names and the context', () => {
    const { lines } = install();
    new Logger('ClEvents').warn({ node: 'cl-1', reason: 'silent 24 s' }, 'CL event stream moved');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      context: 'ClEvents',
      node: 'cl-1',
      reason: 'silent 24 s',
      msg: 'CL event stream moved',
    });
    expect(Object.keys(lines[0])).toEqual([
      'level',
      'time',
      'pid',
      'context',
      'node',
      'reason',
      'msg',
    ]);
    expect(new Date(String(lines[0].time)).getTime()).not.toBeNaN();
  });

  it('keeps plain text messages working, with and without a context', () => {
    const { lines } = install();
    new Logger('NodeRegistry').log('el node geth-1 is healthy');
    Logger.log('listening', 'Vixy');
    Logger.warn({ port: 1 }, 'no context');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        context: 'NodeRegistry',
        msg: 'el node geth-1 is healthy',
      }),
      expect.objectContaining({ level: 'info', context: 'Vixy', msg: 'listening' }),
      expect.objectContaining({ level: 'warn', port: 1, msg: 'no context' }),
    ]);
    expect(lines[2]).not.toHaveProperty('context');
  });

  it('writes errors with their stack, from a message and stack or an Error', () => {
    const { lines } = install();
    const err = new Error('boom');
    new Logger('X').error('failed', err.stack);
    new Logger('X').error(err);
    new Logger('X').error({ node: 'n', reason: 'r' }, 'hook failed');
    expect(lines[0]).toMatchObject({ level: 'error', context: 'X', msg: 'failed' });
    expect(String(lines[0].stack)).toContain('Error: boom');
    expect(lines[1]).toMatchObject({ level: 'error', msg: 'boom', err: { message: 'boom' } });
    expect(lines[2]).toMatchObject({ level: 'error', node: 'n', reason: 'r', msg: 'hook failed' });
  });

  it('redacts secrets by key and URLs by redactUrl, in fields and in messages', () => {
    const { lines } = install();
    new Logger('X').log(
      {
        url: 'https://user:pw@node.example/v3/0123456789abcdef0123456789abcdef',
        node: { http_url: 'http://h:1/?apikey=KEY123' },
        token: 'super-secret-token',
        headers: { authorization: 'Bearer abc' },
      },
      'calling https://node.example/v2/KEY999 now',
    );
    const text = JSON.stringify(lines[0]);
    expect(text).not.toMatch(/pw@|0123456789abcdef0123|KEY123|super-secret|Bearer abc|KEY999/);
    expect(lines[0]).toMatchObject({
      url: 'https://***@node.example/v3/***',
      node: { http_url: 'http://h:1/?apikey=***' },
      token: '[redacted]',
      headers: { authorization: '[redacted]' },
      msg: 'calling https://node.example/v2/*** now',
    });
  });

  it("writes Nest's bootstrap chatter at debug", () => {
    const { lines } = install('info');
    new Logger('InstanceLoader').log('AppModule dependencies initialized');
    new Logger('RouterExplorer').log('Mapped {/status, GET} route');
    new Logger('NestApplication').log('Nest application successfully started');
    expect(lines).toEqual([]);
    const debug = install('debug');
    new Logger('RoutesResolver').log('StatusController {/status}:');
    expect(debug.lines).toEqual([
      expect.objectContaining({ level: 'debug', context: 'RoutesResolver' }),
    ]);
  });

  it('follows the level, and tells Nest which levels are enabled', () => {
    const { lines } = install('warn');
    new Logger('X').log('not shown');
    new Logger('X').debug('not shown');
    new Logger('X').warn('shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
    expect(Logger.isLevelEnabled('debug')).toBe(false);
    install('debug');
    expect(Logger.isLevelEnabled('debug')).toBe(true);
    expect(Logger.isLevelEnabled('verbose')).toBe(false);
    const verbose = install('verbose');
    new Logger('X').verbose('very detailed');
    expect(verbose.lines).toEqual([
      expect.objectContaining({ level: 'trace', msg: 'very detailed' }),
    ]);
  });

  it('accepts the LOG_LEVEL names and refuses others', () => {
    expect(parseLogLevel(undefined)).toBe('info');
    expect(parseLogLevel('')).toBe('info');
    expect(parseLogLevel('DEBUG')).toBe('debug');
    expect(parseLogLevel('log')).toBe('info');
    expect(parseLogLevel('trace')).toBe('verbose');
    expect(parseLogLevel('loud')).toBeUndefined();
  });

  it('works without Nest too, on its own pino instance', () => {
    const out = capture();
    const logger = new VixyLogger({ destination: out.stream });
    logger.pino.info({ a: 1 }, 'direct');
    expect(out.lines[0]).toMatchObject({ level: 'info', a: 1, msg: 'direct' });
  });
});

describe('formatForTerminal', () => {
  it('prints time, level, context, message and fields on one line', () => {
    const line = JSON.stringify({
      level: 'warn',
      time: '2026-01-02T12:00:01.234Z',
      pid: 1,
      context: 'NodeRegistry',
      node: 'geth-1',
      reason: 'lag 12 > 5',
      msg: 'el node unhealthy',
    });
    expect(formatForTerminal(line, false)).toBe(
      '12:00:01.234 WARN  [NodeRegistry] el node unhealthy node=geth-1 reason="lag 12 > 5"\n',
    );
    expect(formatForTerminal(line, true)).toContain('\x1b[33mWARN \x1b[0m');
  });

  it('prints the stack of an error below the line', () => {
    const line = JSON.stringify({
      level: 'error',
      time: '2026-01-02T12:00:01.234Z',
      msg: 'boom',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x' },
    });
    expect(formatForTerminal(line, false)).toBe('12:00:01.234 ERROR boom\nError: boom\n    at x\n');
  });
});
