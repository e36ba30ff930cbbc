import { ConsoleLogger, Logger } from '@nestjs/common';
import { GracefulShutdown, IDLE_SWEEP_MS, type ShutdownTarget } from './shutdown';

/** A target that records what was done to it, with a close() the test settles. */
function fakeTarget() {
  const events: string[] = [];
  let settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const target: ShutdownTarget = {
    startDraining: (reason) => void events.push(`draining: ${reason}`),
    refuseKeepAlive: () => void events.push('connection: close'),
    closeIdleConnections: () => void events.push('close idle'),
    close: () => {
      events.push('close');
      return new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    },
  };
  return {
    events,
    target,
    finishClose: () => settle?.resolve(),
    failClose: (err: Error) => settle?.reject(err),
  };
}

describe('GracefulShutdown', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('turns readiness 503 at once, keeps serving for the delay, then drains', async () => {
    const t = fakeTarget();
    const exit = jest.fn();
    const shutdown = new GracefulShutdown(t.target, { delayMs: 5000, graceMs: 10000, exit });
    shutdown.signal('SIGTERM');
    expect(t.events).toEqual(['draining: SIGTERM received', 'connection: close']);
    expect(shutdown.state).toBe('delaying');

    jest.advanceTimersByTime(4999);
    expect(t.events).not.toContain('close');
    jest.advanceTimersByTime(1);
    expect(shutdown.state).toBe('draining');
    expect(t.events.slice(2)).toEqual(['close', 'close idle']);

    t.finishClose();
    await Promise.resolve();
    await Promise.resolve();
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('closes idle connections while the drain runs, so a finished request does not hold the exit', () => {
    const t = fakeTarget();
    new GracefulShutdown(t.target, { delayMs: 0, graceMs: 10000, exit: jest.fn() }).signal(
      'SIGTERM',
    );
    const sweeps = () => t.events.filter((e) => e === 'close idle').length;
    expect(sweeps()).toBe(1);
    jest.advanceTimersByTime(IDLE_SWEEP_MS * 3);
    expect(sweeps()).toBe(4);
  });

  it('stops sweeping once closed', async () => {
    const t = fakeTarget();
    new GracefulShutdown(t.target, { delayMs: 0, graceMs: 10000, exit: jest.fn() }).signal(
      'SIGTERM',
    );
    t.finishClose();
    await Promise.resolve();
    await Promise.resolve();
    const before = t.events.length;
    jest.advanceTimersByTime(IDLE_SWEEP_MS * 5);
    expect(t.events.length).toBe(before);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('exits after the grace period when the drain does not finish', () => {
    const t = fakeTarget();
    const exit = jest.fn();
    new GracefulShutdown(t.target, { delayMs: 1000, graceMs: 3000, exit }).signal('SIGTERM');
    jest.advanceTimersByTime(1000 + 2999);
    expect(exit).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('exits 1 when the shutdown fails', async () => {
    const t = fakeTarget();
    const exit = jest.fn();
    new GracefulShutdown(t.target, { delayMs: 0, graceMs: 3000, exit }).signal('SIGTERM');
    t.failClose(new Error('boom'));
    await Promise.resolve();
    await Promise.resolve();
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('skips the delay for SIGINT and for a second signal', () => {
    const sigint = fakeTarget();
    new GracefulShutdown(sigint.target, { delayMs: 5000, graceMs: 1000, exit: jest.fn() }).signal(
      'SIGINT',
    );
    expect(sigint.events).toContain('close');

    const twice = fakeTarget();
    const shutdown = new GracefulShutdown(twice.target, {
      delayMs: 5000,
      graceMs: 1000,
      exit: jest.fn(),
    });
    shutdown.signal('SIGTERM');
    jest.advanceTimersByTime(100);
    shutdown.signal('SIGTERM');
    expect(twice.events.filter((e) => e === 'close')).toHaveLength(1);
    shutdown.signal('SIGTERM');
    jest.advanceTimersByTime(10000);
    expect(twice.events.filter((e) => e === 'close')).toHaveLength(1);
  });
});
