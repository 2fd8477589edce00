import { describe, expect, it } from '@jest/globals';
import { CloudApiError, TransportError } from '../../src/cloud/errors.js';
import { isRetryable, retryDelayMs, withRetries } from '../../src/cloud/retry.js';

const policy = { retries: 2, baseDelayMs: 1, maxDelayMs: 50 };
const apiError = (status: number, code = '', retryAfter?: number): CloudApiError =>
  new CloudApiError({ api: 'test', status, errorCode: code }, retryAfter);

describe('retry policy', () => {
  it('retries 5xx, 429 and network errors, never other 4xx, aborts or oversized bodies', () => {
    expect(isRetryable(apiError(500))).toBe(true);
    expect(isRetryable(apiError(503))).toBe(true);
    expect(isRetryable(apiError(429, 'APIGW.0308'))).toBe(true);
    expect(isRetryable(apiError(400, 'DBS.200022'))).toBe(false);
    expect(isRetryable(apiError(401, 'APIGW.0301'))).toBe(false);
    expect(isRetryable(apiError(404, 'APIGW.0101'))).toBe(false);
    expect(isRetryable(new TransportError('test', 'ECONNRESET', 'reset'))).toBe(true);
    expect(isRetryable(new TransportError('test', 'ERR_ABORTED', 'deadline'))).toBe(false);
    expect(isRetryable(new TransportError('test', 'ERR_BODY_TOO_LARGE', 'big'))).toBe(false);
  });

  it('draws full jitter under an exponential ceiling and honours a longer Retry-After', () => {
    const wide = { retries: 5, baseDelayMs: 100, maxDelayMs: 10_000 };
    expect(retryDelayMs(apiError(503), 0, wide, () => 1)).toBe(100);
    expect(retryDelayMs(apiError(503), 3, wide, () => 1)).toBe(800);
    expect(retryDelayMs(apiError(503), 3, wide, () => 0.5)).toBe(400);
    expect(retryDelayMs(apiError(503), 20, wide, () => 1)).toBe(10_000);
    expect(retryDelayMs(apiError(429, 'APIGW.0308', 3), 0, wide, () => 0)).toBe(3000);
    // Retry-After is capped by the policy's longest wait
    expect(retryDelayMs(apiError(429, 'APIGW.0308', 3600), 0, wide, () => 0)).toBe(10_000);
  });

  it('gives up after `retries` further attempts and reports the last failure', async () => {
    let calls = 0;
    let retries = 0;
    await expect(withRetries(async () => {
      calls += 1;
      throw apiError(502 + calls);
    }, policy, undefined, () => { retries += 1; })).rejects.toMatchObject({ status: 505 });
    expect(calls).toBe(3);
    expect(retries).toBe(2);
  });

  it('returns the first success and does not retry a 400', async () => {
    let calls = 0;
    await expect(withRetries(async () => {
      calls += 1;
      if (calls < 2) throw apiError(500);
      return 'ok';
    }, policy, undefined, () => undefined)).resolves.toBe('ok');
    expect(calls).toBe(2);
    calls = 0;
    await expect(withRetries(async () => {
      calls += 1;
      throw apiError(400);
    }, policy, undefined, () => undefined)).rejects.toMatchObject({ status: 400 });
    expect(calls).toBe(1);
  });

  it('lets the caller narrow what is worth another try', async () => {
    let calls = 0;
    let retries = 0;
    await expect(withRetries(async () => {
      calls += 1;
      throw new CloudApiError({ api: 'iam_token', status: 503 });
    }, policy, undefined, () => { retries += 1; }, (error) => isRetryable(error) && (error as CloudApiError).api === 'test'))
      .rejects.toMatchObject({ api: 'iam_token', status: 503 });
    expect([calls, retries]).toEqual([1, 0]);
  });

  it('stops waiting when the deadline passes', async () => {
    const controller = new AbortController();
    const slow = { retries: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 };
    const started = Date.now();
    const attempt = withRetries(async () => { throw apiError(503); }, slow, controller.signal, () => controller.abort());
    await expect(attempt).rejects.toMatchObject({ status: 503 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
