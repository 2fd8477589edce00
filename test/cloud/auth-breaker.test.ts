// The breaker's states with a clock under the test's control: one attempt, then exponential
// back-off up to the cap, one probe in flight, and trust once an answer gets through.
import { describe, expect, it } from '@jest/globals';
import { AuthBreaker, AuthRefusedError, DEFAULT_BACKOFF } from '../../src/cloud/auth-breaker.js';
import { CloudApiError, TransportError } from '../../src/cloud/errors.js';
import { IAM_API } from '../../src/cloud/iam.js';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';

const refused = () => new CloudApiError({ api: IAM_API, status: 401, errorCode: 'IAM.0001', errorMsg: 'The username or password is wrong.' });

function breaker() {
  let now = 0;
  const trips: number[] = [];
  const metrics = new ExporterMetrics('test', 0);
  const b = new AuthBreaker('p1', metrics, (_refusal, retryAt) => trips.push(retryAt), { baseMs: 1000, maxMs: 4000 }, () => now);
  return { b, trips, metrics, advance: (ms: number) => { now += ms; } };
}

describe('AuthBreaker', () => {
  it('sends one request while unproven; the others wait for it and then fail without being sent', async () => {
    const { b, trips } = breaker();
    let sent = 0;
    let release: () => void = () => undefined;
    const attempt = async (): Promise<string> => {
      sent += 1;
      await new Promise<void>((resolve) => { release = resolve; });
      throw refused();
    };
    const results = Array.from({ length: 20 }, () => b.guard(attempt).catch((error: unknown) => error));
    await new Promise((r) => setImmediate(r));
    expect(sent).toBe(1);
    release();
    const errors = await Promise.all(results);
    expect(sent).toBe(1);
    expect(errors.filter((e) => e instanceof AuthRefusedError)).toHaveLength(19);
    expect(trips).toEqual([1000]);
  });

  it('backs off exponentially up to the cap, one probe each time, and trusts an answer that gets through', async () => {
    const { b, trips, advance, metrics } = breaker();
    let sent = 0;
    let outcome: 'refuse' | 'ok' = 'refuse';
    const attempt = async (): Promise<string> => {
      sent += 1;
      if (outcome === 'refuse') throw refused();
      return 'ok';
    };
    for (const wait of [1000, 2000, 4000, 4000]) {
      await expect(b.guard(attempt)).rejects.toThrow(CloudApiError);
      const before = sent;
      advance(wait - 1);
      await expect(b.guard(attempt)).rejects.toBeInstanceOf(AuthRefusedError);
      expect(sent).toBe(before);
      advance(1);
    }
    expect(trips).toEqual([1000, 1000 + 2000, 3000 + 4000, 7000 + 4000]);
    outcome = 'ok';
    expect(await Promise.all([b.guard(attempt), b.guard(attempt), b.guard(attempt)])).toEqual(['ok', 'ok', 'ok']);
    const text = await metrics.render();
    expect(text).toContain('huaweicloud_db_exporter_auth_breaker_trips_total{project_id="p1"} 4');
    expect(text).toContain('huaweicloud_db_exporter_auth_breaker_open{project_id="p1"} 0');
  });

  it('lets the next request probe when a probe proves nothing (a timeout), and ignores non-auth errors', async () => {
    const { b, trips } = breaker();
    await expect(b.guard(async () => { throw new TransportError('x', 'ETIMEDOUT', 'timed out'); })).rejects.toBeInstanceOf(TransportError);
    await expect(b.guard(async () => { throw new CloudApiError({ api: 'x', status: 500 }); })).rejects.toBeInstanceOf(CloudApiError);
    expect(await b.guard(async () => 'ok')).toBe('ok');
    expect(trips).toEqual([]);
  });

  it('once trusted, a refusal still opens it: later requests fail unsent, and an aborted poll is refused before sending', async () => {
    const { b, trips } = breaker();
    let sent = 0;
    const ok = async (): Promise<string> => { sent += 1; return 'ok'; };
    expect(await b.guard(ok)).toBe('ok');
    await expect(b.guard(async () => { sent += 1; throw refused(); })).rejects.toThrow(CloudApiError);
    expect(trips).toEqual([1000]);
    await expect(b.guard(ok)).rejects.toBeInstanceOf(AuthRefusedError);
    expect(sent).toBe(2);
    const { b: trusted } = breaker();
    await trusted.guard(ok);
    await expect(trusted.guard(ok, AbortSignal.abort(new Error('poll over')))).rejects.toThrow('poll over');
    expect(sent).toBe(3);
  });

  it('by default allows at most two refused attempts in any hour (IAM locks after 3 or more)', () => {
    expect(DEFAULT_BACKOFF).toEqual({ baseMs: 30 * 60_000, maxMs: 60 * 60_000 });
  });
});
