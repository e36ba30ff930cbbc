/** Limits of one session (from `[websocket]`, `[global]` and `[proxy]`). */
export interface SessionLimits {
  readonly maxPendingRequests: number;
  readonly maxQueuedMessages: number;
  readonly maxSubscriptions: number;
  /** An upstream request without an answer after this long is answered with an error. */
  readonly requestTimeoutMs: number;
  /** Sends of one client request (the first one plus re-sends after a lost connection). */
  readonly maxAttempts: number;
  /** Most calls in one batch; 0 = no limit. */
  readonly maxBatchSize: number;
  /** True for a method the proxy refuses (`[proxy].deny_methods`). */
  readonly isDenied: (method: string) => boolean;
  /** The retry-safety rule: may this method be re-sent after it may have reached a node. */
  readonly mayResend: (method: string) => boolean;
}

/**
 * What the core asks its shell to do. Calls are synchronous and must not call back into
 * the core (the shell defers anything that would, such as closing the session).
 */
export interface SessionOutput {
  /** Send a text frame to the client (built text, or upstream bytes forwarded as they came). */
  toClient(data: string | Buffer): void;
  /** Send a text frame on upstream connection `gen`. */
  toUpstream(gen: number, text: string): void;
  /** The core no longer uses connection `gen` (drained, aborted switch): close it. */
  release(gen: number): void;
  /** Connection `gen` now serves the session (`previous`: the one it replaces, if any). */
  servedBy(gen: number, previous: number | null): void;
  /** A planned switch to `gen` was given up (a subscription could not be re-created there). */
  switchAborted(gen: number, reason: string): void;
  /** The session cannot go on; close the client with this code. */
  fatal(code: number, reason: string): void;
  /** Client-visible subscriptions were created (+n) or ended (-n). */
  subscriptions(delta: number): void;
  /**
   * A client call is about to go on connection `gen`: takes a token of that node's
   * budget. 0 when it may go, else the milliseconds until the node has budget again.
   */
  charge(gen: number): number;
}

/** How a planned switch treats the connection it replaces. */
export interface AttachOptions {
  /**
   * true (fail-back: the old node is fine): requests in flight there finish there.
   * false (the old node is unavailable): they are re-sent on the new connection at once.
   */
  readonly drainOld: boolean;
}
