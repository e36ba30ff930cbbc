import { Injectable, Logger } from '@nestjs/common';

/**
 * Whether this instance should receive new traffic, apart from node health. Shutdown
 * calls `startDraining()` first thing on SIGTERM: `/health/ready` then answers 503 so
 * that the load balancer stops sending, while in-flight requests finish.
 */
@Injectable()
export class ReadinessState {
  private readonly logger = new Logger(ReadinessState.name);
  private drainReason: string | null = null;

  get draining(): boolean {
    return this.drainReason !== null;
  }

  /** Why the instance is draining (e.g. `shutting down`), or null. */
  get reason(): string | null {
    return this.drainReason;
  }

  startDraining(reason = 'shutting down'): void {
    if (this.drainReason !== null) return;
    this.drainReason = reason;
    this.logger.log({ reason }, 'not ready any more');
  }
}
