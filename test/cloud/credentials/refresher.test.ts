// The refresher on its own clock: refresh ahead of expiry, one refresh in flight, the key in hand
// kept while a refresh fails, a bounded retry interval, and no replay with a refused key.
import { describe, expect, it } from '@jest/globals';
import { CredentialRefresher, type TemporaryCredentials } from '../../../src/cloud/credentials/refresher.js';
import { createLogger } from '../../../src/log.js';
import { ExporterMetrics } from '../../../src/metrics/exporter-metrics.js';
import { Writable } from 'node:stream';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** A source whose answers the test decides, one pending fetch at a time. */
function scripted() {
  let clock = 1_000_000_000_000;
  let serial = 0;
  const pending: Array<{ resolve: (c: TemporaryCredentials) => void; reject: (e: Error) => void }> = [];
  const logged: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk: Buffer, _e, done) { logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  const metrics = new ExporterMetrics('test');
  const refresher = new CredentialRefresher({
    projectId: 'p1', kind: 'metadata', metrics, log: createLogger('debug', sink), now: () => clock,
    fetch: () => new Promise<TemporaryCredentials>((resolve, reject) => pending.push({ resolve, reject })),
  });
  const key = (lifetimeMs = HOUR): TemporaryCredentials => {
    serial++;
    return { accessKey: `AK${serial}`, secretKey: `SK${serial}`, securityToken: `ST${serial}`, expiresAt: clock + lifetimeMs };
  };
  const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
  const counter = async (result: string): Promise<number> =>
    (await metrics.credentialRefreshes.get()).values.find((v) => v.labels.result === result)?.value ?? -1;
  return {
    refresher, pending, logged, metrics, key, settle, counter,
    advance: (ms: number) => { clock += ms; },
    now: () => clock,
  };
}

describe('CredentialRefresher', () => {
  it('one fetch however many callers wait for the first key', async () => {
    const s = scripted();
    const callers = Array.from({ length: 50 }, () => s.refresher.get());
    expect(s.pending).toHaveLength(1);
    s.pending[0]?.resolve(s.key());
    const keys = await Promise.all(callers);
    expect(new Set(keys.map((k) => k.accessKey))).toEqual(new Set(['AK1']));
    expect(await s.counter('success')).toBe(1);
    expect(await s.counter('failure')).toBe(0);
    const expiry = (await s.metrics.credentialExpiry.get()).values[0];
    expect(expiry).toMatchObject({ labels: { project_id: 'p1', kind: 'metadata' }, value: (s.now() + HOUR) / 1000 });
  });

  it('refreshes 10 minutes ahead in the background, serving the old key until the new one arrives', async () => {
    const s = scripted();
    const first = s.refresher.get();
    s.pending.shift()?.resolve(s.key());
    await first;
    s.advance(49 * MINUTE);
    expect((await s.refresher.get()).accessKey).toBe('AK1');
    expect(s.pending).toHaveLength(0); // not due yet
    s.advance(2 * MINUTE); // 9 minutes left
    expect((await s.refresher.get()).accessKey).toBe('AK1');
    expect((await s.refresher.get()).accessKey).toBe('AK1');
    expect(s.pending).toHaveLength(1); // one refresh for both callers
    s.pending.shift()?.resolve(s.key());
    await s.settle();
    expect((await s.refresher.get()).accessKey).toBe('AK2');
  });

  it('keeps the key in hand while refreshes fail, tries again after 5 s, and fails fast once it is gone', async () => {
    const s = scripted();
    const first = s.refresher.get();
    s.pending.shift()?.resolve(s.key());
    await first;
    s.advance(55 * MINUTE);
    expect((await s.refresher.get()).accessKey).toBe('AK1');
    s.pending.shift()?.reject(new Error('metadata down'));
    await s.settle();
    expect(s.logged.at(-1)).toMatchObject({ msg: 'temporary credentials refresh failed; the current key is kept', kind: 'metadata', project_id: 'p1' });
    s.advance(1_000);
    expect((await s.refresher.get()).accessKey).toBe('AK1');
    expect(s.pending).toHaveLength(0); // within the retry interval
    s.advance(5_000);
    expect((await s.refresher.get()).accessKey).toBe('AK1');
    expect(s.pending).toHaveLength(1);
    s.pending.shift()?.reject(new Error('metadata down'));
    await s.settle();
    expect(await s.counter('failure')).toBe(2);
    // In its last minute the key is no longer used: callers wait for a new one, or fail fast.
    s.advance(4 * MINUTE + 10_000);
    const waiting = s.refresher.get();
    expect(s.pending).toHaveLength(1);
    s.pending.shift()?.reject(new Error('metadata down'));
    await expect(waiting).rejects.toThrow('metadata down');
    await expect(s.refresher.get()).rejects.toThrow('metadata down');
    expect(s.pending).toHaveLength(0);
    s.advance(5_000);
    const back = s.refresher.get();
    s.pending.shift()?.resolve(s.key());
    expect((await back).accessKey).toBe('AK2');
  });

  it('a source still handing out the same key is asked again at half its remaining life, not at every request', async () => {
    const s = scripted();
    const first = s.refresher.get();
    const held = s.key();
    s.pending.shift()?.resolve(held);
    await first;
    s.advance(52 * MINUTE); // 8 minutes left
    await s.refresher.get();
    s.pending.shift()?.resolve(held); // the metadata service has not rotated yet
    await s.settle();
    for (let i = 0; i < 10; i++) await s.refresher.get();
    s.advance(3 * MINUTE);
    await s.refresher.get();
    expect(s.pending).toHaveLength(0);
    s.advance(MINUTE + 1); // 4 minutes left: half of the 8
    await s.refresher.get();
    expect(s.pending).toHaveLength(1);
    s.pending.shift()?.resolve(s.key(4 * MINUTE));
    await s.settle();
    expect((await s.refresher.get()).accessKey).toBe('AK2');
  });

  it('after a 401: replays only with another key than the refused one', async () => {
    const s = scripted();
    const first = s.refresher.get();
    s.pending.shift()?.resolve(s.key());
    await first;
    const renewed = s.refresher.renew('AK1');
    s.pending.shift()?.resolve(s.key());
    expect(await renewed).toBe(true);
    expect(await s.refresher.renew('AK1')).toBe(true); // another request refused with AK1: AK2 is in hand
    const same = s.refresher.renew('AK2');
    s.pending.shift()?.resolve({ ...s.key(), accessKey: 'AK2' }); // the source answers the refused key again
    expect(await same).toBe(false);
  });
});
