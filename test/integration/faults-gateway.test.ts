// The API gateway's own answers, through the real daemon against the simulator: throttling
// (429 APIGW.0308, with and without Retry-After), tokens that must be refreshed (401 APIGW.0307)
// with password and AK/SK auth, and an IAM outage. Polls run on the daemon's own runtime (its
// scheduled jobs, fired on demand), so the limiter and the token cache carry over between polls.
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { valueOf } from '../support/exposition.js';
import { startStack, type Stack } from '../support/stack.js';
import {
  collectors, expectNoSecrets, failureLogs, RARELY, requestsFor, sum, tick, timeRequests, up, type Scrape,
} from './faults-support.js';

const OVERVIEW = 'gaussdb_session_overview';
const RETRIES = 2;
const CONCURRENCY = 8;

const gaussIds = (stack: Stack): string[] => (stack.sim.fleet.projects[0]?.gaussdb ?? []).map((g) => g.id);
const projectId = (stack: Stack): string => stack.sim.fleet.projects[0]?.projectId ?? '';
const limitOf = (metrics: Scrape, stack: Stack): number =>
  valueOf(metrics, 'huaweicloud_db_exporter_api_concurrency_limit', { project_id: projectId(stack) });
const delta = (after: Scrape, before: Scrape, family: string, labels: Record<string, string>): number =>
  sum(after, family, labels) - sum(before, family, labels);

function expectAllUp(metrics: Scrape, stack: Stack): void {
  for (const g of stack.sim.fleet.projects[0]?.gaussdb ?? []) {
    expect([g.id, up(metrics, 'session_overview', g.id)]).toEqual([g.id, 1]);
    expect(valueOf(metrics, 'huaweicloud_gaussdb_sessions', { instance_id: g.id })).toBe(g.overview.total);
  }
}

describe('throttling (429 APIGW.0308)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      name: 'faults-throttle',
      simulator: { fleet: { projects: 1, gaussdbPerProject: 16, taurusdbPerProject: 0 } },
      overrides: { collectors: collectors(RARELY), http: { timeout: '2s', retries: RETRIES, concurrency: CONCURRENCY } },
    });
    await stack.ready();
  });

  afterAll(async () => {
    await stack.stop();
  });

  afterEach(() => {
    stack.sim.faults.clear();
    expectNoSecrets(stack);
  });

  it('without Retry-After: counted, retried after a short jittered wait; the concurrency limit halves, then wins back one step per limit successes', async () => {
    const before = await tick(stack, 'session_overview');
    expect(limitOf(before, stack)).toBe(CONCURRENCY);
    stack.sim.requests.clear();
    const clock = timeRequests(stack);
    stack.sim.faults.add({ api: OVERVIEW, kind: 'throttle', times: 3 });
    let metrics: Scrape;
    try {
      metrics = await tick(stack, 'session_overview');
    } finally {
      clock.restore();
    }
    expectAllUp(metrics, stack);
    expect(delta(metrics, before, 'huaweicloud_db_exporter_api_throttled_total', { api: OVERVIEW })).toBe(3);
    expect(delta(metrics, before, 'huaweicloud_db_exporter_api_retries_total', { api: OVERVIEW })).toBe(3);
    const perInstance = gaussIds(stack).map((id) => requestsFor(stack, OVERVIEW, id));
    expect(perInstance.flat().filter((r) => r.status === 429)).toHaveLength(3);
    for (const requests of perInstance) {
      expect(requests.at(-1)?.status).toBe(200);
      requests.slice(0, -1).forEach((throttled, i) => {
        // the policy's backoff is at most 200 ms, then 400 (plus a wait for a slot of the lowered limit)
        expect(clock.at(requests[i + 1]!) - clock.at(throttled)).toBeLessThan(1000);
      });
    }
    // 8 → 4 → 2 → 1 on the three 429s; back to 8 takes 1+2+...+7 = 28 successes, more than one poll's 16
    const lowered = limitOf(metrics, stack);
    expect(lowered).toBeGreaterThanOrEqual(1);
    expect(lowered).toBeLessThan(CONCURRENCY);
    const seen = [lowered];
    for (let poll = 0; poll < 4 && seen.at(-1)! < CONCURRENCY; poll++) seen.push(limitOf(await tick(stack, 'session_overview'), stack));
    expect(seen.at(-1)).toBe(CONCURRENCY);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('with Retry-After: 1: the retry waits the second asked for, then succeeds', async () => {
    const [victim] = gaussIds(stack);
    const before = await stack.scrape();
    stack.sim.requests.clear();
    const clock = timeRequests(stack);
    stack.sim.faults.add({ api: OVERVIEW, instanceId: victim, kind: 'throttle', retryAfterSeconds: 1, times: 1 });
    let metrics: Scrape;
    try {
      metrics = await tick(stack, 'session_overview');
    } finally {
      clock.restore();
    }
    expectAllUp(metrics, stack);
    const [first, retry, ...rest] = requestsFor(stack, OVERVIEW, victim ?? '');
    expect([first?.status, retry?.status, rest.length]).toEqual([429, 200, 0]);
    const gap = clock.at(retry!) - clock.at(first!);
    expect(gap).toBeGreaterThanOrEqual(1000);
    expect(gap).toBeLessThan(2500);
    expect(delta(metrics, before, 'huaweicloud_db_exporter_api_throttled_total', { api: OVERVIEW })).toBe(1);
    expect(delta(metrics, before, 'huaweicloud_db_exporter_api_retries_total', { api: OVERVIEW })).toBe(1);
    expect(limitOf(metrics, stack)).toBeLessThan(CONCURRENCY);
  });
});

describe('password auth: tokens and IAM', () => {
  let stack: Stack;
  // Both the exporter and the simulator read the clock through Date.now: moving it lets a token
  // age an hour in a moment, on both sides alike.
  let offsetMs = 0;
  const realNow = Date.now;

  beforeAll(async () => {
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
    stack = await startStack({
      name: 'faults-password',
      auth: 'password',
      simulator: { tokenTtlMs: 3_600_000 },
      overrides: { collectors: collectors(RARELY), http: { timeout: '2s', retries: RETRIES, concurrency: CONCURRENCY } },
    });
    await stack.ready();
  });

  afterAll(async () => {
    await stack.stop();
    jest.restoreAllMocks();
  });

  afterEach(() => {
    stack.sim.faults.clear();
    expectNoSecrets(stack);
  });

  it('401 APIGW.0301/0307 (token expired) on every instance at once: one token refresh, each request replayed once, every target up', async () => {
    const before = await stack.scrape();
    const issued = stack.sim.issuedTokens;
    stack.sim.requests.clear();
    for (const id of gaussIds(stack)) stack.sim.faults.add({ api: OVERVIEW, instanceId: id, kind: 'token_expired', times: 1 });
    const metrics = await tick(stack, 'session_overview');
    expectAllUp(metrics, stack);
    expect(stack.sim.issuedTokens).toBe(issued + 1);
    for (const id of gaussIds(stack)) expect(requestsFor(stack, OVERVIEW, id).map((r) => r.status)).toEqual([401, 200]);
    expect(delta(metrics, before, 'huaweicloud_db_exporter_api_requests_total', { api: OVERVIEW, code: '401' })).toBe(gaussIds(stack).length);
    expect(delta(metrics, before, 'huaweicloud_db_exporter_token_refreshes_total', { project_id: projectId(stack), result: 'success' })).toBe(1);
    expect(delta(metrics, before, 'huaweicloud_db_exporter_api_retries_total', { api: OVERVIEW })).toBe(0);
  });

  it('IAM down: polls go on with the still-valid token; once it expires the targets are down; IAM back, they recover', async () => {
    const issued = stack.sim.issuedTokens;
    const labels = { project_id: projectId(stack) };
    const first = await tick(stack, 'session_overview');
    const [id] = gaussIds(stack);
    const lastSuccess = () => valueOf(first, 'huaweicloud_db_last_success_timestamp_seconds', { collector: 'session_overview', instance_id: id ?? '' });
    stack.sim.faults.add({ api: 'iam_token', kind: 'status', status: 503 });

    // 50 minutes on: a 1 h token is due for refresh (under a quarter of its life left) but valid.
    offsetMs = 50 * 60_000;
    let metrics = await tick(stack, 'session_overview');
    expectAllUp(metrics, stack);
    expect(valueOf(metrics, 'huaweicloud_db_last_success_timestamp_seconds', { collector: 'session_overview', instance_id: id ?? '' }))
      .toBeGreaterThan(lastSuccess() + 50 * 60 - 1);
    // the refresh was tried in the background (with its retries) and failed; the old token served
    await stack.eventually((text) => text.includes(`huaweicloud_db_exporter_token_refreshes_total{project_id="${labels.project_id}",result="failure"} 1`));
    expect(stack.sim.issuedTokens).toBe(issued);
    expect(stack.sim.requests.entries({ api: 'iam_token', status: 503 })).toHaveLength(RETRIES + 1);

    // 61 minutes on: the token is dead and IAM still down, so no request can be made at all.
    offsetMs = 61 * 60_000;
    stack.sim.requests.clear();
    const beforeExpiry = await stack.scrape();
    metrics = await tick(stack, 'session_overview');
    for (const gid of gaussIds(stack)) expect(up(metrics, 'session_overview', gid)).toBe(0);
    expect(stack.sim.requests.count(OVERVIEW)).toBe(0);
    // one refresh for the four waiting requests, with its own retries; theirs are not added on top
    expect(delta(metrics, beforeExpiry, 'huaweicloud_db_exporter_token_refreshes_total', { ...labels, result: 'failure' })).toBe(1);
    expect(stack.sim.requests.count('iam_token')).toBe(RETRIES + 1);
    expect(delta(metrics, beforeExpiry, 'huaweicloud_db_exporter_api_requests_total', { api: 'iam_token', code: '503' })).toBe(RETRIES + 1);
    expect(delta(metrics, beforeExpiry, 'huaweicloud_db_exporter_api_retries_total', { api: OVERVIEW })).toBe(0);
    expect(failureLogs(stack, id ?? '').at(-1)).toMatchObject({ api: 'iam_token', status: 503 });

    stack.sim.faults.clear();
    metrics = await tick(stack, 'session_overview');
    expectAllUp(metrics, stack);
    expect(stack.sim.issuedTokens).toBe(issued + 1);
  });
});

describe('AK/SK auth', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ name: 'faults-aksk', overrides: { collectors: collectors(RARELY) } });
    await stack.ready();
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('401 APIGW.0301/0307 under AK/SK: never replayed nor retried (one request), no token asked for, that target down', async () => {
    const [victim, ...others] = gaussIds(stack);
    const before = await stack.scrape();
    stack.sim.requests.clear();
    stack.sim.faults.add({ api: OVERVIEW, instanceId: victim, kind: 'token_expired' });
    const metrics = await tick(stack, 'session_overview');
    stack.sim.faults.clear();
    const requests = requestsFor(stack, OVERVIEW, victim ?? '');
    expect(requests.map((r) => [r.status, r.auth])).toEqual([[401, 'aksk']]);
    expect(up(metrics, 'session_overview', victim ?? '')).toBe(0);
    for (const id of others) expect(up(metrics, 'session_overview', id)).toBe(1);
    expect(stack.sim.issuedTokens).toBe(0);
    expect(delta(metrics, before, 'huaweicloud_db_exporter_api_retries_total', { api: OVERVIEW })).toBe(0);
    expect(failureLogs(stack, victim ?? '').at(-1)).toMatchObject({
      api: OVERVIEW, status: 401, error_code: expect.stringMatching(/^APIGW\.030[17]$/), request_id: requests[0]?.requestId,
    });
    expectNoSecrets(stack);
  });
});
