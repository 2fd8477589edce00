// Faults of the network and the services' availability, through the real daemon against the
// simulator: slow answers, timeouts, 5xx, connection resets and oversized bodies. One GaussDB
// instance gets the fault; the others must not notice. http: timeout 500ms, 2 retries.
import { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { valueOf } from '../support/exposition.js';
import { startStack, type Stack } from '../support/stack.js';
import { isolateTests, failureLogs, pollNow, requestsFor, seriesNaming, sum, up, type Scrape } from './faults-support.js';

const RETRIES = 2;
const API = 'gaussdb_session_overview';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ name: 'faults-network', overrides: { http: { timeout: '500ms', retries: RETRIES, concurrency: 8 } } });
  await stack.ready();
});

afterAll(async () => {
  await stack.stop();
});

isolateTests(() => stack);

const gauss = () => stack.sim.fleet.projects[0]?.gaussdb ?? [];
/** The instance that gets the fault, and the healthy others. */
const victim = () => gauss()[0]?.id ?? '';
const others = () => gauss().slice(1);

/** The victim's state and the exact values of every other instance. */
function expectOthersHealthy(metrics: Scrape): void {
  for (const instance of others()) {
    expect(up(metrics, 'session_overview', instance.id)).toBe(1);
    expect(valueOf(metrics, 'huaweicloud_gaussdb_sessions', { instance_id: instance.id })).toBe(instance.overview.total);
    expect(requestsFor(stack, API, instance.id).map((r) => r.status)).toEqual([200]);
  }
}

function expectVictimDown(metrics: Scrape): void {
  expect(up(metrics, 'session_overview', victim())).toBe(0);
  // its data series are gone, not stale; its _info stays so alerts can name it
  expect(seriesNaming(metrics, 'instance_id', victim()).filter((k) => k.startsWith('huaweicloud_gaussdb_sessions'))).toEqual([]);
  expect(seriesNaming(metrics, 'instance_id', victim()).some((k) => k.startsWith('huaweicloud_gaussdb_instance_info{'))).toBe(true);
}

function expectVictimUp(metrics: Scrape): void {
  expect(up(metrics, 'session_overview', victim())).toBe(1);
  expect(valueOf(metrics, 'huaweicloud_gaussdb_sessions', { instance_id: victim() })).toBe(gauss()[0]?.overview.total);
}

describe('latency', () => {
  it('below the timeout: answered late, target up, no retry', async () => {
    const before = await stack.scrape();
    stack.sim.faults.add({ api: API, instanceId: victim(), kind: 'latency', ms: 250 });
    const started = performance.now();
    const metrics = await pollNow(stack);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expectVictimUp(metrics);
    expect(requestsFor(stack, API, victim()).map((r) => r.status)).toEqual([200]);
    expect(sum(metrics, 'huaweicloud_db_exporter_api_retries_total', { api: API })).toBe(sum(before, 'huaweicloud_db_exporter_api_retries_total', { api: API }));
    expect(sum(metrics, 'huaweicloud_db_exporter_api_request_duration_seconds_sum', { api: API })
      - sum(before, 'huaweicloud_db_exporter_api_request_duration_seconds_sum', { api: API })).toBeGreaterThanOrEqual(0.25);
    expectOthersHealthy(metrics);
  });

  it('above the timeout: every attempt times out, retried http.retries times, target down', async () => {
    const before = await stack.scrape();
    stack.sim.faults.add({ api: API, instanceId: victim(), kind: 'latency', ms: 2000 });
    const started = performance.now();
    const metrics = await pollNow(stack);
    // three attempts of 500 ms each, plus backoff: less than three full answers would take
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 500);
    expect(performance.now() - started).toBeLessThan(3 * 2000);
    expectVictimDown(metrics);
    expect(requestsFor(stack, API, victim())).toHaveLength(RETRIES + 1);
    const delta = (family: string, labels: Record<string, string>) => sum(metrics, family, labels) - sum(before, family, labels);
    expect(delta('huaweicloud_db_exporter_api_retries_total', { api: API })).toBe(RETRIES);
    expect(delta('huaweicloud_db_exporter_api_requests_total', { api: API, code: 'error' })).toBe(RETRIES + 1);
    expect(failureLogs(stack, victim()).at(-1)).toMatchObject({ api: API, code: 'ETIMEDOUT' });
    expectOthersHealthy(metrics);
  });
});

describe('5xx', () => {
  it('then recovery: retried until an attempt succeeds, target up', async () => {
    const before = await stack.scrape();
    stack.sim.faults.add({ api: API, instanceId: victim(), kind: 'status', status: 503, times: RETRIES });
    const metrics = await pollNow(stack);
    expectVictimUp(metrics);
    expect(requestsFor(stack, API, victim()).map((r) => r.status)).toEqual([503, 503, 200]);
    expect(sum(metrics, 'huaweicloud_db_exporter_api_retries_total', { api: API })
      - sum(before, 'huaweicloud_db_exporter_api_retries_total', { api: API })).toBe(RETRIES);
    expect(sum(metrics, 'huaweicloud_db_exporter_api_requests_total', { api: API, code: '503' })
      - sum(before, 'huaweicloud_db_exporter_api_requests_total', { api: API, code: '503' })).toBe(RETRIES);
    expectOthersHealthy(metrics);
  });

  it('on every attempt: exactly http.retries retries, target down, the last request id logged', async () => {
    const before = await stack.scrape();
    stack.sim.faults.add({ api: API, instanceId: victim(), kind: 'status', status: 500 });
    const metrics = await pollNow(stack);
    expectVictimDown(metrics);
    const requests = requestsFor(stack, API, victim());
    expect(requests.map((r) => r.status)).toEqual([500, 500, 500]);
    expect(sum(metrics, 'huaweicloud_db_exporter_api_retries_total', { api: API })
      - sum(before, 'huaweicloud_db_exporter_api_retries_total', { api: API })).toBe(RETRIES);
    expect(failureLogs(stack, victim()).at(-1)).toMatchObject({
      api: API, status: 500, error_code: 'DBS.200000', request_id: requests.at(-1)?.requestId,
    });
    expectOthersHealthy(metrics);
  });
});

describe('connection reset', () => {
  it('once: retried as a network error, target up', async () => {
    const before = await stack.scrape();
    stack.sim.faults.add({ api: API, instanceId: victim(), kind: 'reset', times: 1 });
    const metrics = await pollNow(stack);
    expectVictimUp(metrics);
    expect(requestsFor(stack, API, victim())).toHaveLength(2);
    expect(sum(metrics, 'huaweicloud_db_exporter_api_retries_total', { api: API })
      - sum(before, 'huaweicloud_db_exporter_api_retries_total', { api: API })).toBe(1);
    expect(sum(metrics, 'huaweicloud_db_exporter_api_requests_total', { api: API, code: 'error' })
      - sum(before, 'huaweicloud_db_exporter_api_requests_total', { api: API, code: 'error' })).toBe(1);
    expectOthersHealthy(metrics);
  });

  it('on every attempt: http.retries retries, target down with the network error logged', async () => {
    const before = await stack.scrape();
    stack.sim.faults.add({ api: API, instanceId: victim(), kind: 'reset' });
    const metrics = await pollNow(stack);
    expectVictimDown(metrics);
    expect(requestsFor(stack, API, victim())).toHaveLength(RETRIES + 1);
    expect(sum(metrics, 'huaweicloud_db_exporter_api_retries_total', { api: API })
      - sum(before, 'huaweicloud_db_exporter_api_retries_total', { api: API })).toBe(RETRIES);
    // headers came before the reset, so the request id is known
    const logged = failureLogs(stack, victim()).at(-1);
    expect(logged).toMatchObject({ api: API, code: 'ECONNRESET', request_id: requestsFor(stack, API, victim()).at(-1)?.requestId });
    expect(logged).not.toHaveProperty('status');
    expectOthersHealthy(metrics);
  });
});

describe('oversized body', () => {
  // Reading the first 16 MiB must not race the suite's 500 ms timeout on a busy machine (a timeout
  // is retried, rightly, and then the cap is not what ended the request): a stack of its own.
  let shared: Stack;
  beforeAll(async () => {
    shared = stack;
    stack = await startStack({ name: 'faults-oversized', overrides: { http: { timeout: '60s', retries: RETRIES, concurrency: 8 } } });
    await stack.ready();
  });
  afterAll(async () => {
    await stack.stop();
    stack = shared;
  });

  it('refused at the 16 MiB cap without reading the rest, not retried, target down', async () => {
    const before = await stack.scrape();
    // Far more than the cap, so that "stopped early" and "read it all" stay apart on a busy machine,
    // where the simulator (in this process) was seen 42 MiB into the body when the hang-up reached it.
    const bodyBytes = 256 * 1024 * 1024;
    stack.sim.faults.add({ api: API, instanceId: victim(), kind: 'oversized', bytes: bodyBytes });
    // Count what the simulator manages to write before the exporter hangs up.
    let written = 0;
    const write = ServerResponse.prototype.write;
    ServerResponse.prototype.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) written += Buffer.byteLength(chunk);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof write;
    let metrics: Scrape;
    try {
      metrics = await pollNow(stack);
    } finally {
      ServerResponse.prototype.write = write;
    }
    expectVictimDown(metrics);
    expect(written).toBeGreaterThan(16 * 1024 * 1024);
    expect(written).toBeLessThan(bodyBytes / 2);
    expect(requestsFor(stack, API, victim())).toHaveLength(1);
    expect(sum(metrics, 'huaweicloud_db_exporter_api_retries_total', { api: API })).toBe(sum(before, 'huaweicloud_db_exporter_api_retries_total', { api: API }));
    expect(sum(metrics, 'huaweicloud_db_exporter_api_requests_total', { api: API, code: 'error' })
      - sum(before, 'huaweicloud_db_exporter_api_requests_total', { api: API, code: 'error' })).toBe(1);
    expect(failureLogs(stack, victim()).at(-1)).toMatchObject({
      api: API, code: 'ERR_BODY_TOO_LARGE', request_id: requestsFor(stack, API, victim())[0]?.requestId,
    });
    expectOthersHealthy(metrics);
  });
});
