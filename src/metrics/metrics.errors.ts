/** Stable codes of the errors the metrics module throws. */
export const METRICS_ERROR = {
  listenFailed: 'VIXY_METRICS_LISTEN_FAILED',
} as const;

/** `[metrics].port` could not be listened on: the service does not start. */
export class MetricsListenError extends Error {
  readonly code = METRICS_ERROR.listenFailed;

  private constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MetricsListenError';
  }

  /** The port is the one of `[server].listen`: both listeners cannot have it. */
  static samePortAsServer(port: number): MetricsListenError {
    return new MetricsListenError(
      `metrics.port: ${port} is also the port of [server].listen; choose another port or remove metrics.port`,
    );
  }

  /** The operating system refused the listener (port in use, permission...). */
  static cannotListen(host: string, port: number, cause: unknown): MetricsListenError {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? String(cause);
    return new MetricsListenError(`metrics.port: cannot listen on ${host}:${port} (${code})`, {
      cause,
    });
  }
}
