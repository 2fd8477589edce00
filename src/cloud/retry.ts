// Retries with exponential backoff and full jitter, on the failures worth another try: 5xx,
// 429 (honouring Retry-After) and network errors. Never on other 4xx: a bad request stays bad,
// and repeated AK/SK failures lock the key.
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudApiError, TransportError } from './errors.js';

export interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof CloudApiError) return error.status >= 500 || error.throttled;
  return error instanceof TransportError && error.code !== 'ERR_ABORTED' && error.code !== 'ERR_BODY_TOO_LARGE';
}

/** Full jitter: a random wait in [0, min(max, base·2^attempt)], or what Retry-After asks if longer. */
export function retryDelayMs(error: unknown, attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = Math.round(random() * ceiling);
  const asked = error instanceof CloudApiError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : 0;
  return Math.max(jittered, Math.min(asked, policy.maxDelayMs));
}

export async function withRetries<T>(
  /** called with 0, then with 1, 2, ... for each retry */
  attempt: (retry: number) => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  onRetry: (error: unknown) => void,
  retryable: (error: unknown) => boolean = isRetryable,
): Promise<T> {
  for (let tries = 0; ; tries += 1) {
    try {
      return await attempt(tries);
    } catch (error) {
      if (tries >= policy.retries || !retryable(error) || signal?.aborted) throw error;
      onRetry(error);
      try {
        await sleep(retryDelayMs(error, tries, policy), undefined, { signal });
      } catch {
        throw error; // the deadline passed while waiting: report the last real failure
      }
    }
  }
}
