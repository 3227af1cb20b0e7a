// Reconnect delays: exponential, capped, with "equal jitter" (half fixed,
// half random). The fixed half keeps a flapping link from hammering the
// server; the random half spreads a thousand tabs that lost the same server
// at the same moment, so they do not all come back in the same millisecond.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

export function backoffDelay(attempt: number, random: () => number, o: BackoffOptions = DEFAULT_BACKOFF): number {
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}
