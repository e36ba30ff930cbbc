/** Bounded waiting: every wait in the harness names what it awaited when it times out. */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, detail?: string) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${detail}` : ''}`);
    this.name = 'WaitTimeoutError';
  }
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Checked before every attempt: a returned string aborts the wait with that reason. */
  readonly abortIf?: () => string | undefined;
}

/** Duck-typed, as errors may come from another realm (jest's sandbox). */
function messageOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('message' in err)) return undefined;
  return String(err.message);
}

function describe(err: unknown): string {
  const message = messageOf(err) ?? String(err);
  const cause =
    typeof err === 'object' && err !== null && 'cause' in err ? messageOf(err.cause) : undefined;
  return cause === undefined ? message : `${message} (${cause})`;
}

/**
 * Calls probe until it returns a value other than undefined, or the time is up.
 * A probe that throws counts as "not yet"; its last error is in the timeout message.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions,
): Promise<T> {
  const { timeoutMs, intervalMs = 50, abortIf } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: string | undefined;
  for (;;) {
    const reason = abortIf?.();
    if (reason !== undefined) throw new Error(`gave up waiting for ${what}: ${reason}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = describe(err);
    }
    if (Date.now() + intervalMs > deadline) {
      throw new WaitTimeoutError(what, timeoutMs, lastError && `last error: ${lastError}`);
    }
    await sleep(intervalMs);
  }
}

/** Resolves or rejects with promise, or rejects with a WaitTimeoutError naming what. */
export async function withTimeout<T>(
  what: string,
  promise: Promise<T>,
  timeoutMs: number,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(what, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
