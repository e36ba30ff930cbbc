import { Logger } from '@nestjs/common';

/** What a shutdown acts on: the application, its HTTP server and its readiness. */
export interface ShutdownTarget {
  /** GET /health/ready answers 503 from now on. */
  startDraining(reason: string): void;
  /** Answers from now on carry `Connection: close`: keep-alive clients reconnect elsewhere. */
  refuseKeepAlive(): void;
  /** Closes the connections that have no request in progress. */
  closeIdleConnections(): void;
  /** Nest's shutdown: sessions closed (1001), listener closed, in-flight requests finished. */
  close(): Promise<void>;
}

export interface ShutdownOptions {
  /** `[server].shutdown_delay_ms`: serving on after readiness turned 503. */
  readonly delayMs: number;
  /** `[server].shutdown_grace_ms`: the longest the drain may take. */
  readonly graceMs: number;
  readonly exit: (code: number) => void;
}

/** While the listener closes, connections left idle by a finished request are closed this often. */
export const IDLE_SWEEP_MS = 100;

/**
 * SIGTERM as Kubernetes needs it. At once: readiness turns 503 and answers carry
 * `Connection: close`, so that load balancers and clients move to other instances,
 * while Vixy keeps serving for `delayMs`. Then the drain: Nest's shutdown closes
 * WebSocket sessions with 1001, stops accepting, lets in-flight requests finish and
 * releases the upstream pools; a connection left idle by a finished request is closed
 * within IDLE_SWEEP_MS, so neither an in-flight request nor an idle keep-alive
 * connection holds the exit. After `graceMs` of drain, whatever is left is abandoned
 * and the process exits. SIGINT (Ctrl+C) skips the delay, and so does a second signal.
 */
export class GracefulShutdown {
  private readonly logger = new Logger('Vixy');
  private phase: 'serving' | 'delaying' | 'draining' = 'serving';
  private delayTimer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: ShutdownTarget,
    private readonly options: ShutdownOptions,
  ) {}

  /** Where the shutdown is: `serving` until the first signal. */
  get state(): 'serving' | 'delaying' | 'draining' {
    return this.phase;
  }

  /** Handles one SIGTERM or SIGINT. */
  signal(signal: NodeJS.Signals): void {
    if (this.phase === 'draining') return;
    if (this.phase === 'delaying') {
      this.logger.log({ signal }, 'second signal: draining now');
      clearTimeout(this.delayTimer);
      this.drain();
      return;
    }
    this.phase = 'delaying';
    const delayMs = signal === 'SIGINT' ? 0 : this.options.delayMs;
    this.logger.log({ signal, delay_ms: delayMs, grace_ms: this.options.graceMs }, 'shutting down');
    this.target.startDraining(`${signal} received`);
    this.target.refuseKeepAlive();
    if (delayMs === 0) this.drain();
    else this.delayTimer = setTimeout(() => this.drain(), delayMs);
  }

  private drain(): void {
    this.phase = 'draining';
    const { graceMs, exit } = this.options;
    this.logger.log({ grace_ms: graceMs }, 'draining: listener closing');
    const force = setTimeout(() => {
      this.logger.warn(
        { grace_ms: graceMs },
        'in-flight work still running after the grace period, exiting',
      );
      exit(0);
    }, graceMs);
    force.unref();
    this.sweeper = setInterval(() => this.target.closeIdleConnections(), IDLE_SWEEP_MS);
    this.sweeper.unref();
    this.target.close().then(
      () => {
        this.stopTimers(force);
        this.logger.log('shut down');
        exit(0);
      },
      (err: unknown) => {
        this.stopTimers(force);
        this.logger.error(
          { reason: err instanceof Error ? err.message : String(err) },
          'error during shutdown',
        );
        exit(1);
      },
    );
    this.target.closeIdleConnections();
  }

  private stopTimers(force: NodeJS.Timeout): void {
    clearTimeout(force);
    clearInterval(this.sweeper);
  }
}
